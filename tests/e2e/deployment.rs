//! The deployment example (`deploy/`) stays true: its compose file parses, every Baoxiu service's
//! settings load as the server would load them, the servers share what they must and differ
//! where they must, migrations run once before them, and nginx accepts its configuration and
//! balances over exactly those servers. No container engine runs here, so the files are checked,
//! not run; the two-server test in `servers.rs` runs the same shape from processes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use baoxiu::config::Config;
use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// The compose file as JSON, read by PyYAML (which moto's virtualenv carries; `scripts/setup
/// --servers`), merge keys and anchors resolved.
fn compose() -> Value {
    let python = repo("target/moto-venv/bin/python");
    assert!(python.exists(), "no {}: run scripts/setup --servers", python.display());
    let out = Command::new(python)
        .args(["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"])
        .arg(repo("deploy/docker-compose.yml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn environment(service: &Value) -> BTreeMap<String, String> {
    let env = service["environment"].as_object().expect("environment as a map");
    env.iter()
        .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
        .collect()
}

#[test]
fn the_compose_file_describes_servers_that_would_start_and_share_one_deployment() {
    let doc = compose();
    let services = doc["services"].as_object().unwrap();
    let baoxiu: Vec<(&String, &Value)> = services
        .iter()
        .filter(|(_, s)| s["image"] == "baoxiu:latest" && s["command"][0] == "serve")
        .collect();
    assert!(baoxiu.len() >= 2, "several servers: {:?}", services.keys());
    let secrets = tempfile::tempdir().unwrap();
    let filler = "x".repeat(48);
    let mut configs = Vec::new();
    for (name, service) in &baoxiu {
        // Each named secret is a file the service mounts; here, a stand-in of the right length.
        let mounted: Vec<&str> =
            service["secrets"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        let mut env = environment(service);
        for value in env.values_mut() {
            if let Some(secret) = value.strip_prefix("/run/secrets/") {
                assert!(mounted.contains(&secret), "{name} reads {secret} without mounting it");
                assert!(doc["secrets"][secret]["file"].is_string(), "secret {secret} is declared");
                let stand_in = secrets.path().join(secret);
                let text =
                    if secret == "database_url" { "postgres://baoxiu@postgres/baoxiu" } else { &filler };
                std::fs::write(&stand_in, text).unwrap();
                *value = stand_in.display().to_string();
            }
        }
        let config = Config::load_from(None, env.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(env.keys().all(|k| !k.ends_with("SECRET") && !k.ends_with("PASSWORD")), "secrets from files");
        assert_eq!(
            service["healthcheck"]["test"].as_array().unwrap().last().unwrap(),
            "http://127.0.0.1:8080/ready"
        );
        assert_eq!(config.bind, "0.0.0.0:8080");
        assert_eq!(service["depends_on"]["migrate"]["condition"], "service_completed_successfully");
        configs.push((name.to_string(), config));
    }
    let first = &configs[0].1;
    for (name, c) in &configs {
        // One deployment: the same database, bucket and signing key; each its own name.
        assert_eq!(c.database_url(), first.database_url(), "{name}");
        assert_eq!(c.blob_store, first.blob_store, "{name}");
        assert!(c.blob_store.starts_with("s3://"), "{name}: blobs in the bucket, not on one disk");
        assert_eq!(c.s3_endpoint, first.s3_endpoint);
        assert_eq!(c.jwt_secret.as_ref().map(|s| &s.0), first.jwt_secret.as_ref().map(|s| &s.0), "{name}");
        assert!(c.database_url().starts_with("postgres://"), "{name}");
        assert_eq!(c.trusted_proxy_hops, 1, "{name}: behind nginx");
        assert!(c.web_secure_cookie && c.public_url.starts_with("https://"), "{name}: TLS at nginx");
        assert!(c.metrics_token.is_some(), "{name}");
    }
    let mut ids: Vec<_> = configs.iter().map(|(_, c)| c.instance()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), configs.len(), "each server its own instance id");
    // Migrations once, from the same image, before the servers; the bucket made with versions.
    let migrate = &services["migrate"];
    assert_eq!(
        (migrate["image"].as_str(), migrate["command"][0].as_str()),
        (Some("baoxiu:latest"), Some("migrate"))
    );
    assert_eq!(migrate["restart"], "no");
    assert!(services["minio-bucket"]["command"][0].as_str().unwrap().contains("mc version enable"));
    // nginx balances over exactly these servers, on their port.
    let nginx = std::fs::read_to_string(repo("deploy/nginx.conf")).unwrap();
    let upstream: Vec<&str> = nginx
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("server ").filter(|l| l.contains(':')))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut names: Vec<String> = baoxiu.iter().map(|(n, _)| format!("{n}:8080")).collect();
    names.sort();
    assert_eq!(upstream, names);
    // The image's command is the one the compose file runs.
    let dockerfile = std::fs::read_to_string(repo("deploy/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/baoxiu\"]")
            && dockerfile.contains("fonts-noto-cjk")
    );
}

#[test]
fn nginx_accepts_the_example_configuration() {
    let nginx = repo("target/nginx/usr/sbin/nginx");
    assert!(nginx.exists(), "no {}: run scripts/setup --servers", nginx.display());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=baoxiu"])
        .args(["-keyout", &format!("{d}/privkey.pem"), "-out", &format!("{d}/fullchain.pem")])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    // Only what differs on this machine: the servers' host names (compose's network), the
    // certificate, and where nginx keeps its logs and temporary files.
    let temp: String = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .iter()
        .map(|t| format!(" {t}_temp_path {d}/{t};"))
        .collect();
    let conf = std::fs::read_to_string(repo("deploy/nginx.conf"))
        .unwrap()
        .replace("baoxiu-1:8080", "127.0.0.1:18081")
        .replace("baoxiu-2:8080", "127.0.0.1:18082")
        .replace("/etc/nginx/tls", &d)
        .replace("/var/log/nginx", &d)
        .replacen("http {", &format!("http {{{temp}"), 1);
    std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
    let checked = Command::new(nginx)
        .args(["-t", "-p", &d, "-c", &format!("{d}/nginx.conf"), "-e", &format!("{d}/error.log")])
        .args(["-g", &format!("pid {d}/nginx.pid;")])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success() && said.contains("syntax is ok"), "{said}");
}
