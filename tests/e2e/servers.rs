//! Several servers over one database, as behind a load balancer: rate limits counted once for all,
//! periodic work run once per period whoever runs it, metrics a scraper can read; and, at the end,
//! two server processes over one PostgreSQL database and one S3 bucket, one of them killed.

use std::collections::HashMap;
use std::time::Duration;

use baoxiu::db::coordination;
use baoxiu_e2e::photos::noisy_jpeg;
use baoxiu_e2e::{spawn_app_with, DEMO_PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

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
