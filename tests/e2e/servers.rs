//! Several servers over one database, as behind a load balancer: rate limits counted once for all,
//! periodic work run once per period whoever runs it, metrics a scraper can read; and, at the end,
//! two server processes over one PostgreSQL database and one S3 bucket, one of them killed.

use std::collections::HashMap;
use std::time::Duration;

use baoxiu::config::Secret;
use baoxiu::db::coordination;
use baoxiu_e2e::photos::noisy_jpeg;
use baoxiu_e2e::s3::Moto;
use baoxiu_e2e::{ok, postgres_server, spawn_app_with, ServerProcess, DEMO_PASSWORD};
use baoxiu_sync_protocol::client::{Backoff, Outbox};
use baoxiu_sync_protocol::wire::MutationKind;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::json;
use sha2::Digest;
use tokio::io::AsyncWriteExt;

use crate::claims::seepage_claim;
use crate::offline::{every_revision_once, phone};
use crate::sync::{claim_of, enrolled_phone, field, revision};

/// Parses the OpenMetrics / Prometheus text format strictly: every line a comment of a known kind
/// or `name{label="value",…} number`, the last `# EOF`. Returns each sample's value by its series.
pub fn parse_metrics(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "the exposition ends with # EOF");
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    for line in &lines[..lines.len() - 1] {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let (kind, name) = (words.next().unwrap(), words.next().unwrap_or_default());
            assert!(matches!(kind, "HELP" | "TYPE" | "UNIT"), "comment {line:?}");
            assert!(name_ok(name), "metric name in {line:?}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("sample {line:?}"));
        let name = series.split('{').next().unwrap();
        assert!(name_ok(name), "metric name in {line:?}");
        if let Some(labels) = series.strip_prefix(name).filter(|l| !l.is_empty()) {
            let inner = labels.strip_prefix('{').and_then(|l| l.strip_suffix('}')).expect("labels in braces");
            for pair in inner.split("\",").filter(|p| !p.is_empty()) {
                let (key, value) =
                    pair.split_once("=\"").unwrap_or_else(|| panic!("label {pair:?} in {line:?}"));
                assert!(name_ok(key) && !value.contains('\n'), "label {pair:?}");
            }
        }
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value in {line:?}"));
        samples.insert(series.to_string(), value);
    }
    samples
}

#[tokio::test]
async fn metrics_are_prometheus_text_for_the_scraper_holding_the_token() {
    let token = "scrape-token-of-the-bureau";
    let app = spawn_app_with(|c| c.metrics_token = Some(baoxiu::config::Secret(token.into()))).await;
    app.load_demo().await;
    let tech = app.login("technician").await;
    app.upload(&tech.access, noisy_jpeg(64, 48, 1)).await;
    let _ = app.login_with("technician", "wrong").await;
    let url = format!("{}/metrics", app.address);
    let bare = app.client.get(&url).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    let wrong = app.client.get(&url).bearer_auth("scrape-token-of-the-burea").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let scraped = app.client.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(scraped.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let samples = parse_metrics(&scraped.text().await.unwrap());
    let login = r#"baoxiu_http_requests_total{route="/api/v1/auth/login",method="POST",status="200"}"#;
    assert!(samples[login] >= 1.0, "{samples:#?}");
    let refused = r#"baoxiu_http_requests_total{route="/api/v1/auth/login",method="POST",status="401"}"#;
    assert_eq!(samples[refused], 1.0);
    // Routes by pattern, never raw paths with ids in them.
    assert!(samples.keys().all(|k| !k.contains("route=\"/api/v1/files/0")), "{samples:#?}");
    let count = r#"baoxiu_http_request_duration_seconds_count{route="/api/v1/auth/login"}"#;
    assert!(samples[count] >= 2.0);
    assert!(
        samples.contains_key(
            r#"baoxiu_http_request_duration_seconds_bucket{le="+Inf",route="/api/v1/auth/login"}"#
        ) || samples.contains_key(
            r#"baoxiu_http_request_duration_seconds_bucket{route="/api/v1/auth/login",le="+Inf"}"#
        )
    );
    assert!(samples["baoxiu_upload_bytes_total"] > 0.0);
    assert!(samples.contains_key("baoxiu_derivative_queue") && samples.contains_key("baoxiu_outbox_backlog"));
    assert!(samples.keys().any(|k| k.starts_with("baoxiu_db_pool_connections{")));
    // Without a token set, there is no such page.
    let closed = spawn_app_with(|_| {}).await;
    let none =
        closed.client.get(format!("{}/metrics", closed.address)).bearer_auth(token).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rate_limits_hold_across_servers_and_say_when_to_retry() {
    let app = spawn_app_with(|c| {
        c.rate_sign_in_per_address = 6;
        c.rate_uploads_per_account = 3;
    })
    .await;
    app.load_demo().await;
    let other = app.beside(|_| {}).await;
    let tech = app.login("technician").await;
    // Uploads per account: three, on either server, then 429 on both.
    let plain = |base: &str| format!("{base}/api/v1/files");
    for (n, base) in [&app.address, &other.address, &app.address].into_iter().enumerate() {
        let body = noisy_jpeg(64, 48, n as u32 + 10);
        let sent = app.client.post(plain(base)).bearer_auth(&tech.access).body(body).send().await.unwrap();
        assert_eq!(sent.status(), StatusCode::CREATED, "upload {n}");
    }
    for base in [&other.address, &app.address] {
        let refused = app.client.post(plain(base)).bearer_auth(&tech.access).body("x").send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"], "rate_limited");
    }
    // Another account is not held back by the first one's uploads.
    let owner = app.login("owner").await;
    let sent = app
        .client
        .post(plain(&other.address))
        .bearer_auth(&owner.access)
        .body(noisy_jpeg(64, 48, 99))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);
    // Sign-ins per address: two used above; four more, alternating servers, then none.
    for n in 0..4 {
        let base = if n % 2 == 0 { &other.address } else { &app.address };
        let answer = app
            .client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "reviewer", "password": DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "sign-in {n}");
    }
    let answer = app
        .client
        .post(format!("{}/api/v1/auth/login", other.address))
        .header("accept-language", "en")
        .json(&json!({"username": "reviewer", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(answer.headers().contains_key("retry-after"));
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["message"], "Too many requests; please try again later.");
}

#[tokio::test]
async fn periodic_work_runs_once_per_period_whichever_server_runs_it() {
    let app = spawn_app_with(|c| {
        c.job_period_secs = 1;
        c.instance_id = Some("a".into());
    })
    .await;
    app.load_demo().await;
    let b = app.beside(|c| c.instance_id = Some("b".into())).await;
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let read_runs = || {
        let db = app.db.clone();
        tokio::task::spawn_blocking(move || {
            use baoxiu::db::schema::job_runs::dsl::*;
            use diesel::prelude::*;
            let mut conn = db.conn().unwrap();
            let rows: Vec<(String, String, String, bool)> = job_runs
                .select((job, period, instance, finished_at.is_not_null()))
                .order((job, period))
                .load(&mut *conn)
                .unwrap();
            rows
        })
    };
    let runs_of = |state: &actix_web::web::Data<baoxiu::state::AppState>| {
        let text = state.metrics.encode(&baoxiu::metrics::Readings {
            pending_derivatives: 0,
            outbox_backlog: 0,
            pools: Vec::new(),
        });
        let samples = parse_metrics(&text.unwrap());
        samples
            .iter()
            .filter(|(k, _)| k.starts_with("baoxiu_job_runs_total"))
            .map(|(_, v)| *v as usize)
            .sum::<usize>()
    };
    // Read between two periods' work: the rows the same before and after the counters.
    let (runs, ran) = loop {
        let before = read_runs().await.unwrap();
        let ran = [runs_of(&app.state), runs_of(&b.state)];
        let after = read_runs().await.unwrap();
        if before == after && after.iter().all(|r| r.3) {
            break (after, ran);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for name in ["deadlines", "custody", "housekeeping"] {
        let of_job: Vec<_> = runs.iter().filter(|r| r.0 == name).collect();
        assert!(of_job.len() >= 3, "{name}: {of_job:?}");
    }
    // Each server ran exactly the runs the database gives it, and nothing else: no period of a
    // job was run by both.
    for (me, ran) in ["a", "b"].into_iter().zip(ran) {
        assert_eq!(ran, runs.iter().filter(|r| r.2 == me).count(), "{me}: {runs:?}");
    }
    assert_eq!(ran.iter().sum::<usize>(), runs.len());
}

#[tokio::test]
async fn a_run_whose_server_died_is_taken_over_once_its_lease_has_passed() {
    let app = spawn_app_with(|c| c.job_period_secs = 3600).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.conn().unwrap();
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(8, 0, 0).unwrap();
        let minute = chrono::Duration::minutes(1);
        let period = "2026-12-01T08:00:00Z";
        assert!(coordination::take_run(&mut conn, "test", period, "a", t, t + minute).unwrap());
        // Another server, while the lease holds: not its run.
        assert!(!coordination::take_run(&mut conn, "test", period, "b", t + minute / 2, t + minute).unwrap());
        // Once the lease has passed without a finish, the first server is taken for dead.
        let later = t + minute * 2;
        assert!(coordination::take_run(&mut conn, "test", period, "b", later, later + minute).unwrap());
        assert!(!coordination::take_run(&mut conn, "test", period, "c", later, later + minute).unwrap());
        // The dead server's late finish changes nothing; the taker's does, and then it is done.
        coordination::finish_run(&mut conn, "test", period, "a", later, false).unwrap();
        assert!(!coordination::take_run(&mut conn, "test", period, "c", later + minute / 2, later).unwrap());
        coordination::finish_run(&mut conn, "test", period, "b", later, false).unwrap();
        assert!(!coordination::take_run(&mut conn, "test", period, "c", later + minute * 9, later).unwrap());
        // The next period is a new run.
        assert!(coordination::take_run(&mut conn, "test", "2026-12-01T09:00:00Z", "c", later, later).unwrap());
    })
    .await
    .unwrap();
}

/// Every server of a deployment signs and checks tokens and links with the same secret.
const SECRET: &str = "one-secret-for-every-server-of-one-deployment";

fn tus_headers(offset: usize) -> Vec<(&'static str, String)> {
    vec![
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Content-Type", "application/offset+octet-stream".to_string()),
        ("Upload-Offset", offset.to_string()),
    ]
}

async fn patch_on(base: &str, token: &str, location: &str, offset: usize, bytes: &[u8]) -> reqwest::Response {
    let mut req =
        reqwest::Client::new().patch(format!("{base}{location}")).bearer_auth(token).body(bytes.to_vec());
    for (name, value) in tus_headers(offset) {
        req = req.header(name, value);
    }
    req.send().await.unwrap()
}

async fn offset_on(base: &str, token: &str, location: &str) -> usize {
    let head = reqwest::Client::new()
        .head(format!("{base}{location}"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    head.headers()["upload-offset"].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn two_server_processes_over_one_database_and_one_bucket_lose_and_double_nothing() {
    if postgres_server().is_none() {
        // Two processes over one SQLite file is not a deployment Baoxiu supports (SQLite is the
        // one-process embedded default); this runs in the suite's PostgreSQL pass.
        eprintln!("two server processes: PostgreSQL only (set BAOXIU_TEST_DATABASE_URL)");
        return;
    }
    let moto = Moto::start().await;
    let app = spawn_app_with(|c| {
        moto.configure(c, "deploy");
        c.jwt_secret = Some(Secret(SECRET.into()));
        c.instance_id = Some("setup".into());
        // Only the two processes run the periodic work.
        c.periodic_jobs = false;
        c.job_period_secs = 2;
        c.job_lease_secs = 3;
    })
    .await;
    let (c, wo, _) = field(&app).await;
    let (claim, version) = claim_of(&app, &c.technician, &wo).await;
    let (device, _) = enrolled_phone(&app, &c.technician).await;
    // A claim whose promised repair date has passed: the deadline job tells its reviewers, once.
    let overdue = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let step = |s: &str| format!("/api/v1/claims/{overdue}/{s}");
    ok(&app, &c.reviewer.access, &step("ask-developer"), json!({})).await;
    ok(&app, &c.developer.access, &step("developer-reply"), json!({"reply": "will_repair"})).await;
    let yesterday = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now()) - chrono::Duration::days(1);
    app.sql(format!("UPDATE claims SET repair_due_on = '{yesterday}' WHERE id = '{overdue}'")).await;

    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let bin = env!("CARGO_BIN_EXE_baoxiu-e2e-server");
    let moto_env = moto.env("deploy");
    let start = |n: usize| {
        let data = dirs[n].path().display().to_string();
        let mut settings: Vec<(String, String)> = vec![
            ("BAOXIU_DATABASE_URL".into(), app.database_url.clone()),
            ("BAOXIU_DATA_DIR".into(), data),
            ("BAOXIU_JWT_SECRET".into(), SECRET.into()),
            ("BAOXIU_INSTANCE_ID".into(), ["a", "b"][n].into()),
            ("BAOXIU_JOB_PERIOD_SECS".into(), "2".into()),
            ("BAOXIU_JOB_LEASE_SECS".into(), "3".into()),
            ("BAOXIU_WORKERS".into(), "1".into()),
        ];
        settings.extend(moto_env.iter().cloned());
        async move {
            let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            ServerProcess::start(bin, &pairs).await
        }
    };
    let mut servers = [start(0).await, start(1).await];

    // The phone pushes to each in turn; one push is cut short by killing its server, and the
    // rest goes to the other.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("phone.db");
    let mut parent = None;
    let mut total = 0;
    let mut enqueue = |n: usize| {
        let mut outbox = Outbox::open(&store).unwrap();
        for _ in 0..n {
            let rev = revision(&claim, parent.clone(), &format!("第{total}次"));
            parent = Some(rev.hash().unwrap());
            let payload = serde_json::to_value(&rev).unwrap();
            outbox.enqueue(MutationKind::CostSheetRevision, Some(version), payload, &[]).unwrap();
            total += 1;
        }
    };
    for round in 0..4 {
        enqueue(30);
        let to = &servers[round % 2];
        phone(&to.address, &c.technician, &device, &store).push().await.unwrap();
    }
    let mut interrupted = false;
    for delay_ms in [40u64, 20, 80, 10, 150] {
        enqueue(200);
        let victim = usize::from(delay_ms % 20 == 0);
        let mut client = phone(&servers[victim].address, &c.technician, &device, &store);
        let push = tokio::spawn(async move { client.push().await });
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        servers[victim].kill().await;
        let outcome = push.await.unwrap();
        interrupted |= outcome.is_err();
        // The rest, to the server still up.
        phone(&servers[1 - victim].address, &c.technician, &device, &store).push().await.unwrap();
        servers[victim] = start(victim).await;
        if interrupted {
            break;
        }
    }
    assert!(interrupted, "a kill landed while a push was in flight");
    let mut client = phone(&servers[0].address, &c.technician, &device, &store);
    client.sync_with_retry(Backoff::default()).await.unwrap();
    assert_eq!(client.outbox.pending_count().unwrap(), 0);
    assert!(client.outbox.rejected().unwrap().is_empty(), "{:?}", client.outbox.rejected().unwrap());
    for server in &servers {
        every_revision_once(&server.address, &c.reviewer, &claim, total).await;
    }

    // A resumable upload, its chunks sent to each server in turn; one server dies mid-chunk.
    let token = &c.technician.access;
    let photo = noisy_jpeg(1400, 1000, 9);
    let cuts = [0, photo.len() / 4, photo.len() / 2, photo.len() * 3 / 4, photo.len()];
    let sha = hex::encode(sha2::Sha256::digest(&photo));
    let created = reqwest::Client::new()
        .post(format!("{}/api/v1/uploads", servers[1].address))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", photo.len().to_string())
        .header(
            "Upload-Metadata",
            format!("sha256 {}", base64::engine::general_purpose::STANDARD.encode(&sha)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    for (n, server) in [&servers[0], &servers[1]].into_iter().enumerate() {
        let sent = patch_on(&server.address, token, &location, cuts[n], &photo[cuts[n]..cuts[n + 1]]).await;
        assert_eq!(sent.status(), StatusCode::NO_CONTENT);
    }
    // Half of the third chunk reaches server a, which is killed before the chunk ends.
    let address = servers[0].address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let chunk = &photo[cuts[2]..cuts[3]];
    let mut request = format!(
        "PATCH {location} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n",
        chunk.len()
    );
    for (name, value) in tus_headers(cuts[2]) {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(&chunk[..chunk.len() / 2]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    servers[0].kill().await;
    drop(stream);
    // Server b knows where the upload stands: the dead server's chunk is lost whole, nothing of it kept.
    assert_eq!(offset_on(&servers[1].address, token, &location).await, cuts[2]);
    servers[0] = start(0).await;
    let sent = patch_on(&servers[0].address, token, &location, cuts[2], chunk).await;
    assert_eq!(sent.status(), StatusCode::NO_CONTENT);
    let last = patch_on(&servers[1].address, token, &location, cuts[3], &photo[cuts[3]..]).await;
    assert_eq!(last.status(), StatusCode::NO_CONTENT);
    let file_id = last.headers()["baoxiu-file-id"].to_str().unwrap().to_string();
    for server in &servers {
        let got = reqwest::Client::new()
            .get(format!("{}/api/v1/files/{file_id}/content", server.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(got.bytes().await.unwrap().to_vec(), photo, "byte for byte from every server");
    }
    let keys = moto.keys("deploy/").await;
    assert_eq!(keys.iter().filter(|k| k.ends_with(&sha)).count(), 1, "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains(&format!("/parts/{}", location.rsplit('/').next().unwrap()))));

    // Periodic work: each job once per period across the servers. The server that ran the last
    // period dies; the other takes the next periods over. The overdue claim's notice is raised
    // once for each of its reviewers, whoever ran the job and however often.
    let db = app.db.clone();
    let read = move || {
        let db = db.clone();
        let overdue = overdue.clone();
        tokio::task::spawn_blocking(move || {
            use baoxiu::db::schema::{job_runs, notifications};
            use diesel::prelude::*;
            let mut conn = db.conn().unwrap();
            let runs: Vec<(String, String)> = job_runs::table
                .filter(job_runs::job.eq("deadlines"))
                .select((job_runs::period, job_runs::instance))
                .order(job_runs::period)
                .load(&mut *conn)
                .unwrap();
            let notices: Vec<String> = notifications::table
                .filter(notifications::kind.eq("deadline_overdue"))
                .filter(notifications::claim_id.eq(&overdue))
                .select(notifications::user_id)
                .load(&mut *conn)
                .unwrap();
            (runs, notices)
        })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (before, _) = read().await.unwrap();
    let (last_period, leader) = before.last().cloned().expect("the deadline job ran");
    let (leader, other) = if leader == "a" { (0, "b") } else { (1, "a") };
    servers[leader].kill().await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (runs, notices) = read().await.unwrap();
    let after: Vec<_> = runs.iter().filter(|(p, _)| *p > last_period).collect();
    assert!(after.len() >= 2, "the periods after the kill ran: {runs:?}");
    assert!(after.iter().all(|(_, who)| who == other), "taken over by {other}: {runs:?}");
    let mut periods: Vec<_> = runs.iter().map(|(p, _)| p.clone()).collect();
    periods.dedup();
    assert_eq!(periods.len(), runs.len(), "one run per period");
    assert!(!notices.is_empty(), "the overdue claim's reviewers were told");
    let mut once = notices.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), notices.len(), "no reviewer told twice: {notices:?}");
}
