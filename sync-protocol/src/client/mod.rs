//! The phone side of sync v1 (feature `client`): a durable SQLite outbox, blob uploads that resume
//! (tus), pushes split to the server's limits and halved on 413, exponential backoff with jitter on
//! transient trouble, rejected mutations kept for the app, and pulls into a local store.
//!
//! The outbox is written before anything is sent and updated only from the server's answers, so a
//! phone that loses its connection, or dies, mid-push resends what was not acknowledged and the
//! server's idempotency rules make the resend harmless.

mod outbox;

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

pub use outbox::{HeldClaim, Outbox, PendingBlob, Rejected};

use crate::wire::{PullResponse, PushRequest, PushResponse, SyncInfo, CURRENT_VERSION};

/// Why a round of sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No connection, a timeout, a 5xx or 429: try again later with backoff.
    #[error("transient: {0}")]
    Transient(String),
    /// The access token was refused and no refresh helped: the person must sign in again.
    #[error("signed out: {0}")]
    SignedOut(String),
    /// Retrying will not help (the app must be updated, or the data fixed).
    #[error("{0}")]
    Fatal(String),
}

impl From<reqwest::Error> for SyncError {
    fn from(err: reqwest::Error) -> Self {
        SyncError::Transient(err.to_string())
    }
}

impl From<anyhow::Error> for SyncError {
    fn from(err: anyhow::Error) -> Self {
        SyncError::Fatal(err.to_string())
    }
}

impl From<rusqlite::Error> for SyncError {
    fn from(err: rusqlite::Error) -> Self {
        SyncError::Fatal(err.to_string())
    }
}

/// Exponential backoff with full jitter: before attempt `n` wait a random time up to
/// `min(cap, base · 2ⁿ)`.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_millis(200), cap: Duration::from_secs(60), max_attempts: 10 }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << attempt.min(20)).min(self.cap);
        ceiling.mul_f64(rand::random::<f64>())
    }
}

/// What one round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub blobs_uploaded: usize,
    pub applied: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub pulled: usize,
}

impl Report {
    fn absorb(&mut self, other: Report) {
        self.blobs_uploaded += other.blobs_uploaded;
        self.applied += other.applied;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
        self.pulled += other.pulled;
    }
}

/// The part of `POST /api/v1/auth/refresh`'s answer a phone keeps.
#[derive(serde::Deserialize)]
struct Tokens {
    access_token: String,
    refresh_token: String,
}

/// One device talking to one server.
pub struct SyncClient {
    base: String,
    token: String,
    device_id: String,
    http: reqwest::Client,
    pub outbox: Outbox,
    info: Option<SyncInfo>,
    /// Batch size after a 413: halved each time, never below 1.
    batch_cap: usize,
    /// Bytes per upload request.
    pub chunk_bytes: usize,
}

fn status_error(status: reqwest::StatusCode, body: &str) -> SyncError {
    if status == reqwest::StatusCode::UNAUTHORIZED {
        SyncError::SignedOut(body.to_string())
    } else if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        SyncError::Transient(format!("{status}: {body}"))
    } else {
        SyncError::Fatal(format!("{status}: {body}"))
    }
}

impl SyncClient {
    /// A client for `base` (e.g. `http://127.0.0.1:8080`) signed in with `token`.
    pub fn new(base: &str, token: &str, device_id: &str, outbox: Outbox) -> SyncClient {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        SyncClient {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            device_id: device_id.to_string(),
            http,
            outbox,
            info: None,
            batch_cap: usize::MAX,
            chunk_bytes: 4 << 20,
        }
    }

    /// A client for the server, device and account stored in `outbox` at enrolment (meta `url`,
    /// `device_id`, and the tokens of `Outbox::set_tokens`); it refreshes when its token is refused.
    pub fn from_store(outbox: Outbox) -> Result<SyncClient, SyncError> {
        let stored = |key: &str| {
            outbox.meta(key)?.ok_or_else(|| SyncError::Fatal(format!("not enrolled: no {key} stored")))
        };
        let (url, device_id, access) = (stored("url")?, stored("device_id")?, stored("access_token")?);
        Ok(SyncClient::new(&url, &access, &device_id, outbox))
    }

    /// The same, over a given HTTP client (tests use one without connection reuse).
    pub fn with_http(mut self, http: reqwest::Client) -> SyncClient {
        self.http = http;
        self
    }

    /// Replaces the access token (after a refresh).
    pub fn set_token(&mut self, token: &str) {
        self.token = token.to_string();
    }

    /// Exchanges the stored refresh token for new tokens, both stored (in one local transaction)
    /// before either is used: refresh tokens rotate, so losing the new one would sign the phone out.
    /// If the answer is lost on the way, retrying with the same token is safe: the server accepts it
    /// again for a while, as long as the successor it lost was never presented.
    pub async fn refresh(&mut self) -> Result<(), SyncError> {
        let refresh = self
            .outbox
            .meta("refresh_token")?
            .ok_or_else(|| SyncError::SignedOut("no refresh token stored: sign in again".into()))?;
        let res = self
            .http
            .post(format!("{}/api/v1/auth/refresh", self.base))
            .json(&serde_json::json!({ "refresh_token": refresh }))
            .send()
            .await?;
        if !res.status().is_success() {
            let status = res.status();
            return Err(status_error(status, &res.text().await.unwrap_or_default()));
        }
        let tokens: Tokens = res.json().await?;
        self.outbox.set_tokens(&tokens.access_token, &tokens.refresh_token)?;
        self.token = tokens.access_token;
        Ok(())
    }

    /// What the server accepts; fetched once.
    pub async fn info(&mut self) -> Result<SyncInfo, SyncError> {
        if let Some(info) = &self.info {
            return Ok(info.clone());
        }
        let res = self.http.get(format!("{}/api/sync/info", self.base)).send().await?;
        if !res.status().is_success() {
            let status = res.status();
            return Err(status_error(status, &res.text().await.unwrap_or_default()));
        }
        let info: SyncInfo = res.json().await?;
        if !(info.min_version..=info.max_version).contains(&CURRENT_VERSION) {
            return Err(SyncError::Fatal(format!(
                "server accepts protocol {}..={}, this app speaks {CURRENT_VERSION}: update the app",
                info.min_version, info.max_version
            )));
        }
        self.info = Some(info.clone());
        Ok(info)
    }

    /// Uploads every pending blob, resuming where an earlier attempt stopped.
    pub async fn upload_blobs(&mut self) -> Result<usize, SyncError> {
        let mut done = 0;
        for blob in self.outbox.blobs_to_upload()? {
            self.upload(&blob).await?;
            done += 1;
        }
        Ok(done)
    }

    async fn upload(&mut self, blob: &PendingBlob) -> Result<(), SyncError> {
        let mut file = std::fs::File::open(&blob.path)
            .map_err(|e| SyncError::Fatal(format!("{}: {e}", blob.path.display())))?;
        let length = file.metadata().map_err(|e| SyncError::Fatal(e.to_string()))?.len();
        let mut offset = 0u64;
        let mut url = blob.upload_url.clone();
        if let Some(existing) = &url {
            let res = self
                .http
                .head(format!("{}{existing}", self.base))
                .bearer_auth(&self.token)
                .header("Tus-Resumable", "1.0.0")
                .send()
                .await?;
            if res.status().is_success() {
                if let Some(file_id) = res.headers().get("baoxiu-file-id").and_then(|v| v.to_str().ok()) {
                    self.outbox.blob_uploaded(&blob.sha256, file_id)?;
                    return Ok(());
                }
                offset = res
                    .headers()
                    .get("upload-offset")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
            } else if res.status().is_server_error() {
                return Err(SyncError::Transient(res.status().to_string()));
            } else {
                // Expired or unknown: start again.
                url = None;
                self.outbox.set_upload_url(&blob.sha256, None)?;
            }
        }
        let url = match url {
            Some(url) => url,
            None => {
                let name = blob.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                let metadata = format!(
                    "sha256 {},filename {},device_id {}",
                    STANDARD.encode(&blob.sha256),
                    STANDARD.encode(name),
                    STANDARD.encode(&self.device_id)
                );
                let res = self
                    .http
                    .post(format!("{}/api/v1/uploads", self.base))
                    .bearer_auth(&self.token)
                    .header("Tus-Resumable", "1.0.0")
                    .header("Upload-Length", length.to_string())
                    .header("Upload-Metadata", metadata)
                    .send()
                    .await?;
                if res.status() != reqwest::StatusCode::CREATED {
                    let status = res.status();
                    return Err(status_error(status, &res.text().await.unwrap_or_default()));
                }
                let location = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| SyncError::Fatal("upload without Location".into()))?
                    .to_string();
                self.outbox.set_upload_url(&blob.sha256, Some(&location))?;
                location
            }
        };
        loop {
            let mut chunk = Vec::with_capacity(self.chunk_bytes.min((length - offset) as usize));
            file.seek(SeekFrom::Start(offset)).map_err(|e| SyncError::Fatal(e.to_string()))?;
            (&mut file)
                .take(self.chunk_bytes as u64)
                .read_to_end(&mut chunk)
                .map_err(|e| SyncError::Fatal(e.to_string()))?;
            let checksum = STANDARD.encode(Sha256::digest(&chunk));
            let sent = chunk.len() as u64;
            let res = self
                .http
                .patch(format!("{}{url}", self.base))
                .bearer_auth(&self.token)
                .header("Tus-Resumable", "1.0.0")
                .header("Content-Type", "application/offset+octet-stream")
                .header("Upload-Offset", offset.to_string())
                .header("Upload-Checksum", format!("sha256 {checksum}"))
                .body(chunk)
                .send()
                .await?;
            let status = res.status();
            if status == reqwest::StatusCode::NO_CONTENT {
                offset += sent;
                if let Some(file_id) = res.headers().get("baoxiu-file-id").and_then(|v| v.to_str().ok()) {
                    self.outbox.blob_uploaded(&blob.sha256, file_id)?;
                    return Ok(());
                }
                if offset >= length {
                    return Err(SyncError::Fatal("upload complete without a file".into()));
                }
            } else if status == reqwest::StatusCode::CONFLICT || status.as_u16() == 460 {
                // Out of step with the server, or a damaged chunk: ask where it stands next time.
                return Err(SyncError::Transient(status.to_string()));
            } else {
                let body = res.text().await.unwrap_or_default();
                if status.is_client_error() {
                    // The file itself is refused (wrong type, corrupt, too large): start over later.
                    self.outbox.set_upload_url(&blob.sha256, None)?;
                }
                return Err(status_error(status, &body));
            }
        }
    }

    /// Pushes every pending mutation whose blobs are uploaded, in batches the server accepts. Like
    /// `upload_blobs` and `pull`, it does not refresh a refused token itself: `sync` does.
    pub async fn push(&mut self) -> Result<Report, SyncError> {
        let info = self.info().await?;
        let mut report = Report::default();
        loop {
            let limit = (info.limits.max_mutations as usize).min(self.batch_cap).max(1);
            let mut batch = self.outbox.pending(limit)?;
            if batch.is_empty() {
                return Ok(report);
            }
            let mut body = self.request_body(&batch)?;
            while body.len() as u64 > info.limits.max_batch_bytes && batch.len() > 1 {
                batch.truncate(batch.len() / 2);
                body = self.request_body(&batch)?;
            }
            let res = self
                .http
                .post(format!("{}/api/sync/push", self.base))
                .bearer_auth(&self.token)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await?;
            let status = res.status();
            if status == reqwest::StatusCode::PAYLOAD_TOO_LARGE && batch.len() > 1 {
                self.batch_cap = batch.len() / 2;
                continue;
            }
            if !status.is_success() {
                return Err(status_error(status, &res.text().await.unwrap_or_default()));
            }
            let answer: PushResponse = res.json().await?;
            self.outbox.record(&answer.results)?;
            for r in &answer.results {
                match r.outcome {
                    crate::wire::Outcome::Applied => report.applied += 1,
                    crate::wire::Outcome::Duplicate => report.duplicates += 1,
                    crate::wire::Outcome::Rejected => report.rejected += 1,
                }
            }
        }
    }

    fn request_body(&self, batch: &[crate::wire::Mutation]) -> Result<Vec<u8>, SyncError> {
        let request = PushRequest {
            protocol_version: CURRENT_VERSION,
            device_id: self.device_id.clone(),
            mutations: batch.to_vec(),
        };
        serde_json::to_vec(&request).map_err(|e| SyncError::Fatal(e.to_string()))
    }

    /// Pulls every page since the stored cursor into the local store.
    pub async fn pull(&mut self) -> Result<usize, SyncError> {
        let mut pulled = 0;
        loop {
            let mut req = self
                .http
                .get(format!("{}/api/sync/pull", self.base))
                .bearer_auth(&self.token)
                .query(&[("protocol_version", CURRENT_VERSION.to_string())]);
            if let Some(cursor) = self.outbox.meta("cursor")? {
                req = req.query(&[("cursor", cursor)]);
            }
            let res = req.send().await?;
            if !res.status().is_success() {
                let status = res.status();
                return Err(status_error(status, &res.text().await.unwrap_or_default()));
            }
            let page: PullResponse = res.json().await?;
            pulled += page.changes.len();
            self.outbox.store_pull(&page)?;
            if !page.more {
                return Ok(pulled);
            }
        }
    }

    /// One round: blobs, then mutations, then a pull. An access token refused on the way (it
    /// expired while the phone was offline) is refreshed once and the round goes on where it
    /// stopped: uploads resume and pushes are idempotent, so nothing is sent twice.
    pub async fn sync(&mut self) -> Result<Report, SyncError> {
        let mut report = Report::default();
        match self.round(&mut report).await {
            Err(SyncError::SignedOut(_)) if self.outbox.meta("refresh_token")?.is_some() => {
                self.refresh().await?;
                self.round(&mut report).await?;
            }
            other => other?,
        }
        Ok(report)
    }

    async fn round(&mut self, report: &mut Report) -> Result<(), SyncError> {
        report.blobs_uploaded += self.upload_blobs().await?;
        report.absorb(self.push().await?);
        report.pulled += self.pull().await?;
        Ok(())
    }

    /// Rounds until one succeeds, waiting with backoff and jitter after transient trouble. It does
    /// not wait for new local writes: whatever is queued goes as soon as the server answers.
    pub async fn sync_with_retry(&mut self, backoff: Backoff) -> Result<Report, SyncError> {
        let mut attempt = 0;
        loop {
            match self.sync().await {
                Ok(report) => return Ok(report),
                Err(SyncError::Transient(why)) if attempt + 1 < backoff.max_attempts => {
                    tokio::time::sleep(backoff.delay(attempt)).await;
                    attempt += 1;
                    let _ = why;
                }
                Err(err) => return Err(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_with_jitter_below_it() {
        let b = Backoff { base: Duration::from_millis(100), cap: Duration::from_secs(2), max_attempts: 5 };
        for attempt in 0..10 {
            let ceiling = Duration::from_millis(100 * (1 << attempt.min(20))).min(Duration::from_secs(2));
            for _ in 0..50 {
                assert!(b.delay(attempt) <= ceiling);
            }
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| b.delay(4).as_micros()).collect();
        assert!(spread.len() > 10, "jitter spreads retries");
    }

    #[test]
    fn no_work_is_queued_on_a_completed_work_order() {
        let held: HeldClaim = serde_json::from_value(serde_json::json!({
            "claim": {"id": "c", "version": 1, "state": "in_repair", "kind": "standard", "category": "seepage", "building_id": "b", "unit_id": null, "location_detail": "l", "description": "d", "repair_unit_id": "u"},
            "work_orders": [
                {"id": "wo-open", "status": "in_progress", "description": "d", "urgent": false, "technician_id": null, "on_site_by": null, "window_start": null, "window_end": null, "version": 3},
                {"id": "wo-done", "status": "completed", "description": "d", "urgent": false, "technician_id": null, "on_site_by": null, "window_start": null, "window_end": null, "version": 5}
            ],
            "cost_sheets": []
        }))
        .unwrap();
        assert_eq!(held.open_work_order("wo-open").unwrap().version, 3);
        assert!(held.open_work_order("wo-done").unwrap_err().to_string().contains("completed"));
        assert!(held.open_work_order("wo-gone").unwrap_err().to_string().contains("run `sync`"));
    }

    #[test]
    fn a_rejection_reads_as_words_on_the_phone() {
        let rejected = |reason: Option<&str>| Rejected {
            seq: 1,
            kind: "check_in".into(),
            reason: reason.map(str::to_owned),
            retryable: false,
            payload: serde_json::Value::Null,
        };
        assert!(rejected(Some("rule_refused")).reason_text(false).unwrap().contains("工单已完成"));
        assert!(rejected(Some("not_allowed")).reason_text(true).unwrap().contains("designated repair unit"));
        assert_eq!(rejected(Some("from_a_future_version")).reason_text(false), None);
        assert_eq!(rejected(None).reason_text(true), None);
    }

    #[test]
    fn the_outbox_numbers_mutations_and_keeps_them_across_reopening() {
        let dir = std::env::temp_dir().join(format!("outbox-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("outbox.db");
        {
            let mut outbox = Outbox::open(&path).unwrap();
            for n in 0..3 {
                let m = outbox
                    .enqueue(crate::wire::MutationKind::VisitNote, Some(1), serde_json::json!({"n": n}), &[])
                    .unwrap();
                assert_eq!(m.seq, n + 1);
            }
            let photo = dir.join("p.jpg");
            std::fs::write(&photo, b"x").unwrap();
            outbox
                .enqueue(
                    crate::wire::MutationKind::EvidenceAttached,
                    None,
                    serde_json::json!({}),
                    &[("ab".into(), photo)],
                )
                .unwrap();
        }
        let outbox = Outbox::open(&path).unwrap();
        // The fourth waits for its blob.
        assert_eq!(outbox.pending(10).unwrap().len(), 3);
        outbox.blob_uploaded("ab", "file").unwrap();
        let pending = outbox.pending(10).unwrap();
        assert_eq!(pending.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert!(pending.iter().all(|m| m.payload_matches()));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
