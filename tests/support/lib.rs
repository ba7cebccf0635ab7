//! Test support: the real server on port 0 with a fresh database per test.
//!
//! SQLite by default (a file in a temporary folder). Set `BAOXIU_TEST_DATABASE_URL` to a
//! PostgreSQL server URL such as `postgres://postgres@127.0.0.1:5432` and each test gets its own
//! new database there instead, dropped when the test ends.

// Test support: a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

pub mod photos;
pub mod s3;
pub mod web;

use baoxiu::config::{Config, Secret};
use baoxiu::db::Db;
use baoxiu::startup::Application;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A running server and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    /// The server's shared state, to run its periodic work on demand.
    pub state: actix_web::web::Data<baoxiu::state::AppState>,
    pub data_dir: PathBuf,
    /// The database this server uses.
    pub database_url: String,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
    server: actix_web::dev::ServerHandle,
}

/// Which backend this run tests.
pub fn postgres_server() -> Option<String> {
    std::env::var("BAOXIU_TEST_DATABASE_URL").ok().filter(|v| !v.is_empty())
}

/// A new, empty database on the PostgreSQL server: its name and URL.
pub fn create_postgres_database(server: &str) -> (String, String) {
    let name = format!("baoxiu_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = PgConnection::establish(&format!("{}/postgres", server.trim_end_matches('/')))
        .expect("cannot reach the PostgreSQL server named by BAOXIU_TEST_DATABASE_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
    (name.clone(), format!("{}/{name}", server.trim_end_matches('/')))
}

/// Drops a database made by [`create_postgres_database`], best effort; FORCE ends any connection
/// still open to it.
pub fn drop_postgres_database(server: &str, name: &str) {
    if let Ok(mut admin) = PgConnection::establish(&format!("{}/postgres", server.trim_end_matches('/'))) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
    }
}

/// Starts the server with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the server after `adjust` has changed the test configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let postgres = postgres_server().map(|server| {
        let (name, _) = create_postgres_database(&server);
        (server, name)
    });
    let database_url = match &postgres {
        Some((server, name)) => format!("{}/{name}", server.trim_end_matches('/')),
        None => format!("sqlite://{}/baoxiu.db", dir.path().display()),
    };
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        database_url: Some(Secret(database_url.clone())),
        database_pool_size: 4,
        workers: Some(1),
        // Tests exercise the counting and locking, not the waiting.
        login_slowdown_ms: 0,
        shutdown_timeout_secs: 1,
        ..Config::default()
    };
    adjust(&mut config);
    let app = Application::build(config).expect("server builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    let state = app.state();
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        state,
        data_dir: dir.path().to_path_buf(),
        database_url,
        _dir: dir,
        postgres,
        server,
    }
}

impl TestApp {
    /// Stops the server and waits until it stopped: to a phone, the connection is gone.
    pub async fn stop(&self) {
        self.server.stop(true).await;
    }

    /// Starts the server again on the same address, database and data folder, as after a restart.
    pub async fn start_again(&mut self) {
        let mut config = self.state.config.clone();
        config.bind = self.address.trim_start_matches("http://").to_string();
        let app = Application::build(config).expect("the server starts again on its address");
        self.state = app.state();
        self.server = app.handle();
        tokio::spawn(app.run_until_stopped());
    }
}

/// A second server over the same database and data folder as a [`TestApp`]: another instance
/// of one deployment behind a load balancer.
pub struct Beside {
    pub address: String,
    pub state: actix_web::web::Data<baoxiu::state::AppState>,
    server: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// Starts another instance beside this one, its configuration the same but for `adjust`.
    pub async fn beside(&self, adjust: impl FnOnce(&mut Config)) -> Beside {
        let mut config = self.state.config.clone();
        config.bind = "127.0.0.1:0".into();
        adjust(&mut config);
        let app = Application::build(config).expect("second server builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (state, server) = (app.state(), app.handle());
        tokio::spawn(app.run_until_stopped());
        Beside { address, state, server }
    }
}

impl Drop for Beside {
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server's worker threads now rather than leave them, and their pooled
        // connections, running until the test process exits. `stop` sends the command at once;
        // its future only waits for completion.
        drop(self.server.stop(false));
        if let Some((server, name)) = self.postgres.take() {
            // Best effort, on its own thread so no async worker blocks; FORCE ends the server's
            // pooled connections.
            let _ = std::thread::spawn(move || {
                drop_postgres_database(&server, &name);
            })
            .join();
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The `error` code of an error body.
    pub fn code(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

/// Tokens from a sign-in.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub user_id: String,
}

/// Shanghai's calendar day now, as the server reads it: the day the demo estate is loaded, from which
/// its hand-over dates count back.
pub fn today() -> chrono::NaiveDate {
    baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now())
}

/// The demo building `1号楼`'s hand-over: 1,620 days before the day it was loaded
/// (`fixtures/demo-estate.json`).
pub fn demo_handover() -> chrono::NaiveDate {
    today() - chrono::Days::new(1620)
}

/// The shared demo password.
pub const DEMO_PASSWORD: &str = "baoxiu-demo";

impl TestApp {
    /// Loads the demo estate.
    pub async fn load_demo(&self) {
        let (db, state) = (self.db.clone(), self.state.clone());
        tokio::task::spawn_blocking(move || {
            baoxiu::demo::load(&db, &state.rules, baoxiu::demo::DEMO_ESTATE, today()).unwrap()
        })
        .await
        .unwrap();
    }

    /// Runs one SQL statement on the server's database, as time passing or an outside change
    /// would leave it: the tests' way to move a clock the server keeps in a row.
    pub async fn sql(&self, statement: String) -> usize {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.conn().unwrap();
            diesel::sql_query(statement).execute(&mut *conn).unwrap()
        })
        .await
        .unwrap()
    }

    /// The developer's reply period on a claim has passed: its reply date was yesterday in Jinan
    /// (Art. 17), so the bureau may record its silence.
    pub async fn let_reply_period_pass(&self, claim_id: &str) {
        let today = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now());
        let past = today - chrono::Duration::days(1);
        let moved = self
            .sql(format!("UPDATE claims SET developer_reply_due_on = '{past}' WHERE id = '{claim_id}'"))
            .await;
        assert_eq!(moved, 1, "no claim {claim_id}");
    }

    /// Time passes for a building's deposit notice: as if it had been served on `served_on` (its
    /// 7-day objection period from then) and fell due on `due_on` (Art. 11, 16).
    pub async fn deposit_notice_dated(
        &self,
        building: &str,
        served_on: chrono::NaiveDate,
        due_on: chrono::NaiveDate,
    ) {
        let objection = served_on + chrono::Duration::days(7);
        let moved = self
            .sql(format!(
                "UPDATE deposit_notices SET notified_at = '{served_on} 02:00:00', due_on = '{due_on}', objection_due_on = '{objection}' WHERE building_id = '{building}'"
            ))
            .await;
        assert_eq!(moved, 1, "no deposit notice for {building}");
    }

    /// Sends a request; `token` becomes a bearer header, `body` JSON.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Reply { status, headers, body }
    }

    /// As [`TestApp::call`], asking for English (`Accept-Language: en`).
    pub async fn call_in_english(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(token)
            .header("accept-language", "en");
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request sent");
        let (status, headers) = (res.status(), res.headers().clone());
        let body = res.json::<Value>().await.unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Signs in; panics unless it succeeds.
    pub async fn login(&self, username: &str) -> Session {
        self.login_with(username, DEMO_PASSWORD).await.unwrap_or_else(|r| panic!("login {username}: {r:?}"))
    }

    /// Signs in, returning the reply on failure.
    pub async fn login_with(&self, username: &str, password: &str) -> Result<Session, Reply> {
        let reply = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await;
        if reply.status != StatusCode::OK {
            return Err(reply);
        }
        Ok(Session {
            access: reply.body["access_token"].as_str().unwrap().to_string(),
            refresh: reply.body["refresh_token"].as_str().unwrap().to_string(),
            user_id: reply.body["user"]["id"].as_str().unwrap().to_string(),
        })
    }

    /// The demo estate's id, as the reviewer sees it.
    pub async fn demo_estate(&self, token: &str) -> Value {
        let estates = self.get("/api/v1/estates", token).await;
        assert_eq!(estates.status, StatusCode::OK, "{:?}", estates.body);
        estates.body["items"][0].clone()
    }
}

impl TestApp {
    /// Sends raw bytes with extra headers and reads the reply.
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, String)],
        bytes: Vec<u8>,
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.address)).body(bytes);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap();
        Reply { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }

    /// Uploads a file in one request and returns its id; panics unless it is stored.
    pub async fn upload(&self, token: &str, bytes: Vec<u8>) -> String {
        let path = format!("/api/v1/files?sha256={}", photos::sha256(&bytes));
        let reply = self.send_bytes(Method::POST, &path, Some(token), &[], bytes).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().unwrap().to_string()
    }

    /// Uploads `bytes` as captured on the enrolled phone `device` (a signature drawing must be the
    /// pushing phone's own) and returns the file id.
    pub async fn upload_from(&self, token: &str, device: &str, bytes: Vec<u8>) -> String {
        let path = format!("/api/v1/files?sha256={}&device_id={device}", photos::sha256(&bytes));
        let reply = self.send_bytes(Method::POST, &path, Some(token), &[], bytes).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().unwrap().to_string()
    }

    /// Uploads a small distinct photo (distinct per `seed`) and returns its file id.
    pub async fn upload_photo(&self, token: &str, seed: u32) -> String {
        self.upload(token, photos::jpeg(64, 48, seed, None)).await
    }
}

/// The hash of a claim's cost-sheet revision as `token`'s holder is shown it, which a signature
/// must carry (Art. 22).
/// How many of a claim's evidence items, as `token`'s holder reads them, are the file with this
/// SHA-256.
pub async fn evidence_with(app: &TestApp, token: &str, claim: &str, sha256: &str) -> usize {
    let evidence = app.get(&format!("/api/v1/claims/{claim}/evidence"), token).await.body;
    evidence.as_array().unwrap().iter().filter(|e| e["file"]["sha256"] == sha256).count()
}

pub async fn shown_hash(app: &TestApp, token: &str, claim: &str, revision: i64) -> String {
    let page = app.get(&format!("/api/v1/claims/{claim}"), token).await.body;
    let sheet = page["cost_sheets"].as_array().and_then(|s| s.iter().find(|s| s["revision"] == revision));
    sheet
        .and_then(|s| s["hash"].as_str())
        .unwrap_or_else(|| panic!("no revision {revision}: {page}"))
        .to_string()
}

/// The body of a signature at `sign_url` (`/api/v1/claims/{id}/cost-sheets/{revision}/sign`):
/// the hash of the revision shown.
pub async fn shown(app: &TestApp, token: &str, sign_url: &str) -> Value {
    let parts: Vec<&str> = sign_url.split('/').collect();
    let at = parts.iter().position(|p| *p == "claims").expect("a claim's sign URL");
    let revision = parts[at + 3].parse().expect("a revision number");
    json!({"revision_hash": shown_hash(app, token, parts[at + 1], revision).await})
}

/// The applicant signs the revision at `sign_url` as shown to them (its hash), insisting on
/// success.
pub async fn sign_as_shown(app: &TestApp, token: &str, sign_url: &str) -> Value {
    let body = shown(app, token, sign_url).await;
    ok(app, token, sign_url, body).await
}

/// Posts and insists on success, for the steps a story walks through on its way to what it tests.
pub async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let reply = app.post(path, token, body).await;
    assert!(reply.status.is_success(), "{path}: {} {}", reply.status, reply.body);
    reply.body
}

/// The server as a child process (`baoxiu-e2e-server`) on a database that outlives it, for tests
/// that kill it (`SIGKILL`) and start it again.
pub struct ServerProcess {
    pub process: tokio::process::Child,
    /// `http://127.0.0.1:PORT`
    pub address: String,
}

impl ServerProcess {
    /// Starts `binary` (the test's `env!("CARGO_BIN_EXE_baoxiu-e2e-server")`) with only these
    /// settings (and quick sign-ins): the test run's own `BAOXIU_*` variables are not server
    /// settings.
    pub async fn start(binary: &str, settings: &[(&str, &str)]) -> ServerProcess {
        use tokio::io::AsyncReadExt;
        let mut command = tokio::process::Command::new(binary);
        for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("BAOXIU_")) {
            command.env_remove(name);
        }
        command
            .env("BAOXIU_BIND", "127.0.0.1:0")
            .env("BAOXIU_LOGIN_SLOWDOWN_MS", "0")
            .env("RUST_LOG", std::env::var("BAOXIU_TEST_CHILD_LOG").unwrap_or_else(|_| "warn".into()));
        for (name, value) in settings {
            command.env(name, value);
        }
        let mut process = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdout = process.stdout.take().unwrap();
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).await.unwrap() == 1 && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        let line = String::from_utf8(line).unwrap();
        let port = line.strip_prefix("port ").unwrap_or_else(|| panic!("the server did not start: {line:?}"));
        ServerProcess { process, address: format!("http://127.0.0.1:{port}") }
    }

    /// Kills it at once (`SIGKILL`), as a crash would.
    pub async fn kill(&mut self) {
        self.process.start_kill().unwrap();
        let _ = self.process.wait().await;
    }
}
