//! A real S3 protocol server for the tests: moto in server mode (`scripts/setup --servers` installs it
//! in `target/moto-venv`; `BAOXIU_TEST_MOTO` names another `moto_server`). One per test, on its
//! own port, killed when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use baoxiu::config::{Config, Secret};
use baoxiu::media::store::S3Settings;

/// A moto server and one bucket in it.
pub struct Moto {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    pub bucket: String,
    child: Child,
}

fn moto_server() -> PathBuf {
    if let Ok(path) = std::env::var("BAOXIU_TEST_MOTO") {
        return PathBuf::from(path);
    }
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/moto-venv/bin/moto_server"));
    assert!(path.exists(), "no moto at {}: run scripts/setup --servers (scripts/test does)", path.display());
    path
}

impl Moto {
    /// Starts moto and makes the bucket `baoxiu-test`.
    pub async fn start() -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto { endpoint: format!("http://127.0.0.1:{port}"), bucket: "baoxiu-test".into(), child };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client.get(&moto.endpoint).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // moto takes any credentials and creates a bucket on an unsigned PUT.
        let made = client.put(format!("{}/{}", moto.endpoint, moto.bucket)).send().await.unwrap();
        assert!(made.status().is_success(), "bucket: {}", made.status());
        moto
    }

    /// The moto process, for a test that stops it (`SIGSTOP`) as an unresponsive bucket.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How the server reaches the bucket, under `prefix`.
    pub fn settings(&self, prefix: &str) -> S3Settings {
        S3Settings {
            bucket: self.bucket.clone(),
            prefix: prefix.into(),
            endpoint: Some(self.endpoint.clone()),
            region: "us-east-1".into(),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            virtual_hosted_style: false,
            presigned: None,
        }
    }

    /// Points a test configuration at the bucket, under `prefix`.
    pub fn configure(&self, config: &mut Config, prefix: &str) {
        config.blob_store = format!("s3://{}/{prefix}", self.bucket);
        config.s3_endpoint = Some(self.endpoint.clone());
        config.s3_access_key_id = Some("testing".into());
        config.s3_secret_access_key = Some(Secret("testing".into()));
    }

    /// The same, as a server process's environment.
    pub fn env(&self, prefix: &str) -> Vec<(String, String)> {
        vec![
            ("BAOXIU_BLOB_STORE".into(), format!("s3://{}/{prefix}", self.bucket)),
            ("BAOXIU_S3_ENDPOINT".into(), self.endpoint.clone()),
            ("BAOXIU_S3_ACCESS_KEY_ID".into(), "testing".into()),
            ("BAOXIU_S3_SECRET_ACCESS_KEY".into(), "testing".into()),
        ]
    }

    /// The keys in the bucket under `prefix`, from a plain (unsigned) listing.
    pub async fn keys(&self, prefix: &str) -> Vec<String> {
        let url = format!("{}/{}?list-type=2&prefix={prefix}", self.endpoint, self.bucket);
        let xml = reqwest::get(url).await.unwrap().text().await.unwrap();
        xml.split("<Key>").skip(1).filter_map(|s| s.split("</Key>").next()).map(str::to_string).collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
