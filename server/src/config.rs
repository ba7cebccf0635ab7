//! Configuration: documented defaults, then an optional TOML file, then `BAOXIU_*` environment
//! variables. Secrets may also come from a file named by `BAOXIU_<NAME>_FILE`, and never show in
//! `Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::HolidayCalendar;
use crate::domain::coverage::{Season, SeasonSettings};
use crate::domain::deadlines::DayCount;
use crate::domain::fund::RateTable;
use crate::domain::rules::RuleSettings;

/// A value that must not reach a log.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

/// Every setting of the server, each with its default.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on. Default `127.0.0.1:8080`; port 0 picks a free port.
    pub bind: String,
    /// Folder for the SQLite file, the JWT key and uploaded files. Default `./data`.
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`. Default: `sqlite://<data_dir>/baoxiu.db`.
    /// May hold a password, so it is treated as a secret (`BAOXIU_DATABASE_URL_FILE` works).
    pub database_url: Option<Secret>,
    /// Connections per pool. Default 16.
    pub database_pool_size: u32,
    /// HTTP worker threads. Default: one per core.
    pub workers: Option<usize>,
    /// Key for signing access tokens (at least 32 bytes). Default: generated on first start and
    /// kept in `<data_dir>/jwt.key` (mode 0600), so restarts keep sessions valid.
    pub jwt_secret: Option<Secret>,
    /// `iss` claim of access tokens. Default `baoxiu`.
    pub jwt_issuer: String,
    /// `aud` claim of access tokens. Default `baoxiu-api`.
    pub jwt_audience: String,
    /// Access-token lifetime in seconds. Default 900 (15 minutes).
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime in days. Default 30.
    pub refresh_token_ttl_days: u64,
    /// How long after exchanging a refresh token the same token may be exchanged again, if the
    /// answer was lost and its successor never presented; 0 makes every repeat a replay that
    /// revokes the session. At most a day. Default 600 (10 minutes).
    pub refresh_retry_secs: u64,
    /// Sign-in attempts on one name from one client address, within the lockout window, that lock
    /// that name from that address (never the account from everywhere: anyone could then lock a
    /// reviewer out). Default 5.
    pub login_max_failures: u32,
    /// Failed sign-ins from one client address, within the lockout window, that lock the address.
    /// Default 20.
    pub login_max_failures_per_address: u32,
    /// The window, in seconds, over which a name and address or an address is counted, and so how
    /// long it stays locked at most. Default 900.
    pub login_lockout_secs: u64,
    /// Delay added per recent failure before answering a failed sign-in, in milliseconds, capped at
    /// five seconds. Default 250.
    pub login_slowdown_ms: u64,
    /// Largest JSON body accepted, in bytes. Default 262144 (256 KiB).
    pub max_json_bytes: usize,
    /// Seconds a request body may go without a byte arriving before the request is cut off (an
    /// upload keeps what arrived). Default 15.
    pub body_idle_timeout_secs: u64,
    /// Seconds a whole JSON body may take to arrive. Default 30.
    pub json_body_deadline_secs: u64,
    /// The slowest a body may arrive, in bytes a second averaged over `body_rate_window_secs`:
    /// slower, it is cut off with 408 `body_timeout` (an upload keeps what arrived). Default 1024,
    /// far below a weak phone connection and far above a trickle held open to exhaust the server.
    pub body_min_bytes_per_sec: u64,
    /// The window over which `body_min_bytes_per_sec` is measured. Default 30.
    pub body_rate_window_secs: u64,
    /// How many proxies of our own stand in front of the server. With 0 (the default) the peer's
    /// address is the client's and `X-Forwarded-For` is ignored; with n, the client address is the
    /// n-th `X-Forwarded-For` entry from the right, the one the outermost proxy appended.
    pub trusted_proxy_hops: usize,
    /// How many passwords are hashed at once (argon2id takes 19 MiB each). Default: the cores.
    pub password_hashing_pool: Option<usize>,
    /// `text` or `json` logs. Default `text`.
    pub log_format: String,
    /// Seconds to let in-flight requests finish on shutdown. Default 30.
    pub shutdown_timeout_secs: u64,
    /// Minutes after a visit's check-out within which the technician may still record the
    /// applicant's signature in person (Art. 22). Default 120.
    pub in_person_signature_window_mins: u32,
    /// Where the outbox is delivered: an SMS or push gateway's webhook (`https://…`). Unset: the
    /// outbox only fills, and the feed is the only channel.
    pub webhook_url: Option<String>,
    /// The HMAC-SHA256 key deliveries are signed with, at least 32 bytes (`BAOXIU_WEBHOOK_SECRET_FILE`
    /// works). Required with `webhook_url`.
    pub webhook_secret: Option<Secret>,
    /// Failed tries after which a delivery is dead-lettered for an administrator. Default 8.
    pub webhook_max_attempts: u32,
    /// Seconds before the first retry; each retry waits twice as long, at most an hour. Default 30.
    pub webhook_backoff_secs: u64,
    /// Seconds a delivery may take before it counts as failed. Default 10.
    pub webhook_timeout_secs: u64,
    /// Seconds between two delivery rounds. Default 5.
    pub webhook_poll_secs: u64,
    /// Days the developer has to answer the bureau before the claim returns to the reviewer's
    /// queue as "developer silent" (Art. 17). Default 7.
    pub developer_reply_days: u32,
    /// Days at most a developer may promise to repair in (Art. 17); past its promised date the
    /// claim returns to the reviewer's queue. Also the date taken when it promises none. Default 30.
    pub developer_repair_days: u32,
    /// Days the testing agency's finding is due in after the developer disputes (Art. 24); the
    /// claim sits in the reviewer's queue with that date. Default 30.
    pub inspection_days: u32,
    /// Days a declared report date may lie before the filing date without evidence: beyond it the
    /// claim needs evidence and is flagged for the reviewer (Art. 18). Default 30.
    pub report_grace_days: u32,
    /// How legal deadlines count days: `calendar` (default) or `working` (skipping China's public
    /// holidays and counting make-up working days).
    pub deadline_days: String,
    /// A holiday calendar in the format of `fixtures/holidays-cn.toml`. Default: the shipped one.
    pub holiday_calendar: Option<PathBuf>,
    /// A demand-deposit rate table in the format of `fixtures/demand-deposit-rates.toml`, for
    /// interest on the fund (Art. 27). Default: the shipped one.
    pub interest_rates: Option<PathBuf>,
    /// A TOML file of the recurring-defect rules' numbers: a `[default]` set and one per
    /// jurisdiction (`[jurisdiction.370102]`); unset, the built-in defaults (`docs/RULES.md`).
    pub recurrence_settings: Option<PathBuf>,
    /// The heating season, `MM-DD..MM-DD`: a heating system's warranty ends with its second
    /// (Art. 18). Default `11-15..03-15`, Shandong's statutory season.
    pub heating_season: String,
    /// The cooling season, `MM-DD..MM-DD`: a cooling system's warranty ends with its second
    /// (Art. 18). No statute fixes one; default `06-01..09-30`, the common contract practice in
    /// Shandong.
    pub cooling_season: String,
    /// Largest evidence file, in bytes. Default 52428800 (50 MiB).
    pub max_file_bytes: u64,
    /// Largest one-request upload (`POST /files`), in bytes; bigger files use resumable uploads.
    /// Default 16777216 (16 MiB).
    pub plain_upload_max_bytes: u64,
    /// Evidence allowed per claim, in bytes. Default 2147483648 (2 GiB).
    /// Bytes one user may hold in files attached to no claim and open uploads. Default 1 GiB.
    pub unattached_quota_bytes: u64,
    pub claim_quota_bytes: u64,
    /// Hours an unfinished resumable upload is kept. Default 24.
    pub upload_expiry_hours: u64,
    /// Largest image accepted, in megapixels (a decompression bomb is refused from its header).
    /// Default 50.
    pub image_max_megapixels: u64,
    /// Largest PNG or WebP, in megapixels of RGBA (these decode whole, with no shrink-on-load as
    /// JPEG has; a 16-bit image counts its own bytes). Default 20.
    pub image_max_full_decode_megapixels: u64,
    /// Threads decoding images and making thumbnails. Default: half the cores, at least one.
    pub image_workers: Option<usize>,
    /// How long a signed link to a file stays valid, in seconds. Default 300.
    pub file_link_ttl_secs: u64,
    /// Minutes a browser stays signed in without using the pages; each page renews it. Default 60.
    pub web_idle_minutes: u64,
    /// Marks the browser's session cookie `Secure`: set it when the pages are served over HTTPS
    /// (directly or behind a TLS proxy). Default false, so `scripts/serve` works on plain HTTP.
    pub web_secure_cookie: bool,
    /// Whether documents are printed as PDFs (the cost sheet, the dossier, the fund's letters).
    /// Default true: then the font below must be there at start-up.
    pub pdf_enabled: bool,
    /// The font documents are printed in: Noto Sans CJK (OFL-1.1), Debian's `fonts-noto-cjk`.
    pub pdf_font: PathBuf,
    /// Which face of that collection: 2 is Simplified Chinese in Debian's `.ttc`.
    pub pdf_font_index: u32,
    /// The address printed in each document's QR code, before `/verify/{number}`: the public
    /// origin people reach the server at. Default `http://localhost:8080`.
    pub public_url: String,
    /// Where blobs live: `local` (the default: `<data_dir>/blobs`) or `s3://bucket/prefix`, an
    /// S3-compatible bucket that several servers share (the `s3_*` settings say how to reach it).
    pub blob_store: String,
    /// The object store's address, e.g. `https://oss-cn-qingdao.aliyuncs.com` or
    /// `http://127.0.0.1:9000` (MinIO); AWS's when unset.
    pub s3_endpoint: Option<String>,
    /// Default `us-east-1` (what MinIO and Ceph expect unless told otherwise).
    pub s3_region: String,
    pub s3_access_key_id: Option<String>,
    /// Also from the file named by `BAOXIU_S3_SECRET_ACCESS_KEY_FILE`.
    pub s3_secret_access_key: Option<Secret>,
    /// `bucket.host/key` addressing, which Aliyun OSS and Tencent COS require. Default false
    /// (`host/bucket/key`, which MinIO and Ceph RGW serve).
    pub s3_virtual_hosted_style: bool,
    /// With a bucket: downloads redirect to a presigned URL valid this many seconds instead of
    /// streaming through the server. Default 0 (stream).
    pub blob_presigned_secs: u64,
    /// This server's name in logs, metrics and leases. Default: the host name and process id.
    pub instance_id: Option<String>,
    /// `GET /metrics` (Prometheus text) answers only with `Authorization: Bearer <token>`; off
    /// (404) when unset. Also from the file named by `BAOXIU_METRICS_TOKEN_FILE`.
    pub metrics_token: Option<Secret>,
    /// Whether this server takes part in the periodic work (deadline notices, custody alerts,
    /// upload expiry). Default true; a deployment may keep some servers to requests only.
    pub periodic_jobs: bool,
    /// How often each periodic job runs, once for the whole deployment. Default 300.
    pub job_period_secs: u64,
    /// How long a server holds a job's run before another may take it over. Default 120.
    pub job_lease_secs: u64,
    /// The window rate limits count in, in seconds. Default 60.
    pub rate_window_secs: u64,
    /// Sign-in attempts per client address and window, across servers (0: no limit). Default 60.
    pub rate_sign_in_per_address: u32,
    /// Upload requests (creations, chunks, one-request uploads) per account and window. Default 600.
    pub rate_uploads_per_account: u32,
    /// Upload requests per client address and window. Default 1200.
    pub rate_uploads_per_address: u32,
    /// Sync pushes per account and window. Default 120.
    pub rate_pushes_per_account: u32,
    /// Sync pushes per client address and window. Default 600.
    pub rate_pushes_per_address: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_pool_size: 16,
            workers: None,
            jwt_secret: None,
            jwt_issuer: "baoxiu".into(),
            jwt_audience: "baoxiu-api".into(),
            access_token_ttl_secs: 900,
            refresh_token_ttl_days: 30,
            refresh_retry_secs: 600,
            login_max_failures: 5,
            login_max_failures_per_address: 20,
            login_lockout_secs: 900,
            login_slowdown_ms: 250,
            max_json_bytes: 256 * 1024,
            body_idle_timeout_secs: 15,
            json_body_deadline_secs: 30,
            body_min_bytes_per_sec: 1024,
            body_rate_window_secs: 30,
            trusted_proxy_hops: 0,
            password_hashing_pool: None,
            log_format: "text".into(),
            shutdown_timeout_secs: 30,
            in_person_signature_window_mins: 120,
            developer_reply_days: 7,
            webhook_url: None,
            webhook_secret: None,
            webhook_max_attempts: 8,
            webhook_backoff_secs: 30,
            webhook_timeout_secs: 10,
            webhook_poll_secs: 5,
            developer_repair_days: 30,
            inspection_days: 30,
            report_grace_days: 30,
            deadline_days: "calendar".into(),
            heating_season: "11-15..03-15".into(),
            cooling_season: "06-01..09-30".into(),
            holiday_calendar: None,
            interest_rates: None,
            recurrence_settings: None,
            max_file_bytes: 50 * 1024 * 1024,
            plain_upload_max_bytes: 16 * 1024 * 1024,
            claim_quota_bytes: 2 * 1024 * 1024 * 1024,
            unattached_quota_bytes: 1024 * 1024 * 1024,
            upload_expiry_hours: 24,
            image_max_megapixels: 50,
            image_max_full_decode_megapixels: 20,
            image_workers: None,
            file_link_ttl_secs: 300,
            web_idle_minutes: 60,
            web_secure_cookie: false,
            pdf_enabled: true,
            pdf_font: PathBuf::from("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
            pdf_font_index: 2,
            public_url: "http://localhost:8080".into(),
            blob_store: "local".into(),
            s3_endpoint: None,
            s3_region: "us-east-1".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_virtual_hosted_style: false,
            blob_presigned_secs: 0,
            instance_id: None,
            metrics_token: None,
            periodic_jobs: true,
            job_period_secs: 300,
            job_lease_secs: 120,
            rate_window_secs: 60,
            rate_sign_in_per_address: 60,
            rate_uploads_per_account: 600,
            rate_uploads_per_address: 1200,
            rate_pushes_per_account: 120,
            rate_pushes_per_address: 600,
        }
    }
}

/// Secret settings that may also be read from a file named by `BAOXIU_<NAME>_FILE`.
const SECRET_FILES: &[(&str, &str)] = &[
    ("BAOXIU_JWT_SECRET_FILE", "jwt_secret"),
    ("BAOXIU_DATABASE_URL_FILE", "database_url"),
    ("BAOXIU_WEBHOOK_SECRET_FILE", "webhook_secret"),
    ("BAOXIU_S3_SECRET_ACCESS_KEY_FILE", "s3_secret_access_key"),
    ("BAOXIU_METRICS_TOKEN_FILE", "metrics_token"),
];

impl Config {
    /// Loads defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        Self::load_from(file, std::env::vars())
    }

    /// As [`Config::load`], with the environment passed in (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Config> {
        let env: Vec<(String, String)> = env.into_iter().collect();
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            anyhow::ensure!(path.exists(), "config file {} does not exist", path.display());
            figment = figment.merge(Toml::file(path));
        }
        let baoxiu_env: Vec<(String, String)> = env
            .iter()
            .filter(|(k, _)| k.starts_with("BAOXIU_") && !k.ends_with("_FILE") && k != "BAOXIU_CONFIG")
            .cloned()
            .collect();
        for (key, value) in &baoxiu_env {
            let name = key.trim_start_matches("BAOXIU_").to_ascii_lowercase();
            // Parsed as figment's Env provider would: numbers, booleans, else a string.
            let value: figment::value::Value =
                value.parse().unwrap_or_else(|_| figment::value::Value::from(value.as_str()));
            figment = figment.merge(Serialized::default(&name, value));
        }
        for (var, field) in SECRET_FILES {
            if let Some((_, path)) = env.iter().find(|(k, _)| k == var) {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read {var}={path}: {e}"))?;
                figment = figment.merge(Serialized::default(field, text.trim()));
            }
        }
        let config: Config = figment.extract()?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.database_pool_size >= 1, "database_pool_size must be at least 1");
        anyhow::ensure!(self.access_token_ttl_secs >= 30, "access_token_ttl_secs must be at least 30");
        anyhow::ensure!(
            self.refresh_retry_secs <= 86_400,
            "refresh_retry_secs must be at most 86400 (a day)"
        );
        anyhow::ensure!(
            (5..=1440).contains(&self.web_idle_minutes),
            "web_idle_minutes must be 5-1440 (a day)"
        );
        anyhow::ensure!(
            self.public_url.starts_with("http://") || self.public_url.starts_with("https://"),
            "public_url must be an http:// or https:// address"
        );
        anyhow::ensure!(self.login_max_failures >= 1, "login_max_failures must be at least 1");
        anyhow::ensure!(self.trusted_proxy_hops <= 8, "trusted_proxy_hops must be 0-8");
        anyhow::ensure!(
            self.in_person_signature_window_mins <= 1440,
            "in_person_signature_window_mins must be at most 1440 (a day)"
        );
        anyhow::ensure!(
            self.password_hashing_pool.is_none_or(|n| (1..=64).contains(&n)),
            "password_hashing_pool must be 1-64"
        );
        anyhow::ensure!(
            (1..=3600).contains(&self.body_idle_timeout_secs)
                && (1..=3600).contains(&self.json_body_deadline_secs),
            "body_idle_timeout_secs and json_body_deadline_secs must be 1-3600"
        );
        anyhow::ensure!(
            (1..=3600).contains(&self.body_rate_window_secs) && self.body_min_bytes_per_sec <= 1 << 30,
            "body_rate_window_secs must be 1-3600 and body_min_bytes_per_sec at most 1 GiB"
        );
        anyhow::ensure!(
            matches!(self.log_format.as_str(), "text" | "json"),
            "log_format must be text or json"
        );
        anyhow::ensure!(
            matches!(self.deadline_days.as_str(), "calendar" | "working"),
            "deadline_days must be calendar or working"
        );
        self.seasons()?;
        anyhow::ensure!((1..=90).contains(&self.developer_reply_days), "developer_reply_days must be 1-90");
        anyhow::ensure!(
            (1..=365).contains(&self.developer_repair_days),
            "developer_repair_days must be 1-365"
        );
        anyhow::ensure!((1..=365).contains(&self.inspection_days), "inspection_days must be 1-365");
        anyhow::ensure!((0..=365).contains(&self.report_grace_days), "report_grace_days must be 0-365");
        if let Some(url) = &self.webhook_url {
            anyhow::ensure!(
                url.starts_with("https://") || url.starts_with("http://"),
                "webhook_url must be an http(s) URL"
            );
            let secret = self.webhook_secret.as_ref().map_or(0, |s| s.0.len());
            anyhow::ensure!(secret >= 32, "webhook_secret of at least 32 bytes is required with webhook_url");
        }
        anyhow::ensure!((1..=100).contains(&self.webhook_max_attempts), "webhook_max_attempts must be 1-100");
        anyhow::ensure!((1..=300).contains(&self.webhook_timeout_secs), "webhook_timeout_secs must be 1-300");
        anyhow::ensure!(self.webhook_poll_secs >= 1, "webhook_poll_secs must be at least 1");
        if let Some(secret) = &self.jwt_secret {
            anyhow::ensure!(secret.0.len() >= 32, "jwt_secret must be at least 32 bytes");
        }
        self.s3_settings()?;
        anyhow::ensure!(
            self.s3_endpoint.as_ref().is_none_or(|e| e.starts_with("http://") || e.starts_with("https://")),
            "s3_endpoint must be an http:// or https:// address"
        );
        anyhow::ensure!(self.blob_presigned_secs <= 7 * 86_400, "blob_presigned_secs must be at most 604800");
        anyhow::ensure!(
            self.metrics_token.as_ref().is_none_or(|t| t.0.len() >= 16),
            "metrics_token must be at least 16 characters"
        );
        anyhow::ensure!((1..=86_400).contains(&self.job_period_secs), "job_period_secs must be 1-86400");
        anyhow::ensure!((1..=86_400).contains(&self.job_lease_secs), "job_lease_secs must be 1-86400");
        anyhow::ensure!((1..=86_400).contains(&self.rate_window_secs), "rate_window_secs must be 1-86400");
        anyhow::ensure!(
            self.instance_id.as_ref().is_none_or(|i| {
                (1..=64).contains(&i.len())
                    && i.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            }),
            "instance_id must be 1-64 letters, digits, '-', '_' or '.'"
        );
        Ok(())
    }

    /// The regional seasons (heating, cooling) as the rules read them.
    pub fn seasons(&self) -> anyhow::Result<SeasonSettings> {
        let season = |text: &str, name: &str| {
            Season::parse(text)
                .ok_or_else(|| anyhow::anyhow!("{name} must be MM-DD..MM-DD, such as 11-15..03-15"))
        };
        Ok(SeasonSettings {
            heating: season(&self.heating_season, "heating_season")?,
            cooling: season(&self.cooling_season, "cooling_season")?,
        })
    }

    /// The rule settings: the day count, the holiday calendar and rate table (the shipped ones
    /// unless files are named), the legal periods and the seasons.
    pub fn rule_settings(&self) -> anyhow::Result<RuleSettings> {
        let calendar = match &self.holiday_calendar {
            Some(path) => HolidayCalendar::parse(&std::fs::read_to_string(path)?)?,
            None => HolidayCalendar::shipped()?,
        };
        let day_count = if self.deadline_days == "working" { DayCount::Working } else { DayCount::Calendar };
        let rates = match &self.interest_rates {
            Some(path) => RateTable::parse(&std::fs::read_to_string(path)?)?,
            None => RateTable::shipped()?,
        };
        Ok(RuleSettings {
            day_count,
            calendar,
            developer_reply_days: self.developer_reply_days,
            developer_repair_days: self.developer_repair_days,
            inspection_days: self.inspection_days,
            report_grace_days: self.report_grace_days,
            rates,
            seasons: self.seasons()?,
            defect_codes: crate::domain::defects::CodeList::parse(crate::domain::defects::DEFAULT_CODES)?,
            recurrence: match &self.recurrence_settings {
                Some(path) => {
                    crate::domain::recurrence::RecurrenceTable::parse(&std::fs::read_to_string(path)?)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
                }
                None => crate::domain::recurrence::RecurrenceTable::default(),
            },
        })
    }

    /// The bucket, when `blob_store` names one; `None` for the local folder.
    pub fn s3_settings(&self) -> anyhow::Result<Option<crate::media::store::S3Settings>> {
        if self.blob_store == "local" {
            return Ok(None);
        }
        let rest = self
            .blob_store
            .strip_prefix("s3://")
            .ok_or_else(|| anyhow::anyhow!("blob_store must be local or s3://bucket/prefix"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        anyhow::ensure!(
            (3..=63).contains(&bucket.len())
                && bucket
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'),
            "blob_store's bucket must be 3-63 lowercase letters, digits, '-' or '.'"
        );
        anyhow::ensure!(
            self.s3_access_key_id.is_some() == self.s3_secret_access_key.is_some(),
            "s3_access_key_id and s3_secret_access_key go together"
        );
        Ok(Some(crate::media::store::S3Settings {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            endpoint: self.s3_endpoint.clone(),
            region: self.s3_region.clone(),
            access_key_id: self.s3_access_key_id.clone(),
            secret_access_key: self.s3_secret_access_key.as_ref().map(|s| s.0.clone()),
            virtual_hosted_style: self.s3_virtual_hosted_style,
            presigned: (self.blob_presigned_secs > 0)
                .then(|| std::time::Duration::from_secs(self.blob_presigned_secs)),
        }))
    }

    /// This server's name: `instance_id`, or the host name and process id.
    pub fn instance(&self) -> String {
        self.instance_id.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "baoxiu".into());
            format!("{host}-{}", std::process::id())
        })
    }

    /// The database URL, defaulting to a SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.0.clone(),
            None => format!("sqlite://{}", self.data_dir.join("baoxiu.db").display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_documented_values() {
        let c = Config::load_from(None, env(&[])).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.database_url(), "sqlite://./data/baoxiu.db");
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("baoxiu.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\nlogin_max_failures = 7\n").unwrap();
        let c = Config::load_from(Some(&file), env(&[("BAOXIU_BIND", "127.0.0.1:0")])).unwrap();
        assert_eq!(c.bind, "127.0.0.1:0");
        assert_eq!(c.login_max_failures, 7);
    }

    #[test]
    fn secrets_come_from_files_and_never_print() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, "a-very-long-secret-of-at-least-32-bytes!!\n").unwrap();
        let c = Config::load_from(
            None,
            env(&[
                ("BAOXIU_JWT_SECRET_FILE", key.to_str().unwrap()),
                ("BAOXIU_DATABASE_URL", "postgres://u:pw@h/db"),
            ]),
        )
        .unwrap();
        assert_eq!(c.jwt_secret.as_ref().unwrap().0, "a-very-long-secret-of-at-least-32-bytes!!");
        let shown = format!("{c:?}");
        assert!(!shown.contains("a-very-long-secret") && !shown.contains("pw@"), "{shown}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("baoxiu.toml");
        std::fs::write(&file, "bnd = \"x\"\n").unwrap();
        assert!(Config::load_from(Some(&file), env(&[])).is_err());
        assert!(Config::load_from(None, env(&[("BAOXIU_LOG_FORMAT", "xml")])).is_err());
        assert!(Config::load_from(None, env(&[("BAOXIU_JWT_SECRET", "short")])).is_err());
        assert!(Config::load_from(None, env(&[("BAOXIU_REFRESH_RETRY_SECS", "86401")])).is_err());
        assert!(Config::load_from(None, env(&[("BAOXIU_REFRESH_RETRY_SECS", "0")])).is_ok());
        assert!(Config::load_from(None, env(&[("BAOXIU_BLOB_STORE", "ftp://x")])).is_err());
        assert!(Config::load_from(None, env(&[("BAOXIU_BLOB_STORE", "s3://UPPER/x")])).is_err());
        assert!(Config::load_from(None, env(&[("BAOXIU_INSTANCE_ID", "a b")])).is_err());
    }

    #[test]
    fn the_seasons_are_settings_that_end_the_heating_and_cooling_warranties() {
        use crate::domain::coverage::{warranty_until, BuildingWarranty, WarrantyCategory};
        let handover = chrono::NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        let warranty = BuildingWarranty::of_building(handover, 50);
        let last_day = |c: &Config| {
            let seasons = c.rule_settings().unwrap().seasons;
            warranty_until(WarrantyCategory::Cooling, &warranty, &seasons).unwrap().last_day
        };
        let shipped = Config::load_from(None, env(&[])).unwrap();
        assert_eq!(shipped.seasons().unwrap(), SeasonSettings::default());
        // Two cooling seasons after a hand-over on 1 July: 2025's and 2026's.
        assert_eq!(last_day(&shipped).to_string(), "2026-09-30");
        let longer = Config::load_from(None, env(&[("BAOXIU_COOLING_SEASON", "05-15..10-15")])).unwrap();
        assert_eq!(last_day(&longer).to_string(), "2026-10-15");
        for bad in ["13-01..02-01", "06-01", "02-30..03-01", "06-01..09-31", ""] {
            assert!(Config::load_from(None, env(&[("BAOXIU_COOLING_SEASON", bad)])).is_err(), "{bad}");
        }
        let winter = Config::load_from(None, env(&[("BAOXIU_HEATING_SEASON", "11-01..03-31")])).unwrap();
        assert_eq!(winter.seasons().unwrap().heating, Season::parse("11-01..03-31").unwrap());
    }

    #[test]
    fn a_bucket_is_named_with_its_prefix_and_secret() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("s3");
        std::fs::write(&secret, "s3cr3t\n").unwrap();
        let c = Config::load_from(
            None,
            env(&[
                ("BAOXIU_BLOB_STORE", "s3://baoxiu-evidence/jinan/"),
                ("BAOXIU_S3_ACCESS_KEY_ID", "AKIA"),
                ("BAOXIU_S3_SECRET_ACCESS_KEY_FILE", secret.to_str().unwrap()),
            ]),
        )
        .unwrap();
        let s3 = c.s3_settings().unwrap().unwrap();
        assert_eq!((s3.bucket.as_str(), s3.prefix.as_str()), ("baoxiu-evidence", "jinan"));
        assert_eq!(s3.secret_access_key.as_deref(), Some("s3cr3t"));
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert!(Config::load_from(None, env(&[("BAOXIU_BLOB_STORE", "s3://baoxiu-evidence")]))
            .unwrap()
            .s3_settings()
            .unwrap()
            .is_some());
    }

    #[test]
    fn the_example_config_parses() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../baoxiu.example.toml");
        let c = Config::load_from(Some(Path::new(example)), env(&[])).unwrap();
        assert_eq!(c.bind, Config::default().bind);
    }
}
