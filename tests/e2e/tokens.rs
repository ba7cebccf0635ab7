//! Every kind of bad access token gets a 401 with its own code, never a 500.

use baoxiu_e2e::{spawn_app, TestApp};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn server_key(app: &TestApp) -> Vec<u8> {
    let text = std::fs::read_to_string(app.data_dir.join("jwt.key")).unwrap();
    URL_SAFE_NO_PAD.decode(text.trim()).unwrap()
}

fn sign(claims: &Value, alg: Algorithm, key: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).unwrap()
}

fn claims_for(session: &baoxiu_e2e::Session, token: &str) -> Value {
    // The server's own claims, read back from the valid token's payload.
    let payload = token.split('.').nth(1).unwrap();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["sub"], session.user_id.as_str());
    claims["jti"] = json!(uuid::Uuid::now_v7().to_string());
    claims
}

/// The session's access token as it reads once it has expired: what a phone holds after hours
/// offline.
pub fn expired_access(app: &TestApp, session: &baoxiu_e2e::Session) -> String {
    let mut claims = claims_for(session, &session.access);
    claims["exp"] = json!(chrono::Utc::now().timestamp() - 3600);
    sign(&claims, Algorithm::HS256, &server_key(app))
}

async fn me_with_header(app: &TestApp, header: Option<&str>) -> baoxiu_e2e::Reply {
    let mut req = app.client.get(format!("{}/api/v1/me", app.address));
    if let Some(h) = header {
        req = req.header("authorization", h);
    }
    let res = req.send().await.unwrap();
    baoxiu_e2e::Reply {
        status: res.status(),
        headers: res.headers().clone(),
        body: res.json().await.unwrap(),
    }
}

#[tokio::test]
async fn each_bad_token_kind_is_refused_with_its_code() {
    let app = spawn_app().await;
    app.load_demo().await;
    let session = app.login("owner").await;
    let key = server_key(&app);
    let good = claims_for(&session, &session.access);
    let now = chrono::Utc::now().timestamp();

    // Sanity: a token we sign with the server's key and claims is accepted, so each refusal below
    // is due to the one thing changed.
    assert_eq!(app.get("/api/v1/me", &sign(&good, Algorithm::HS256, &key)).await.status, StatusCode::OK);

    let with = |field: &str, value: Value| {
        let mut c = good.clone();
        c[field] = value;
        c
    };
    let without = |field: &str| {
        let mut c = good.clone();
        c.as_object_mut().unwrap().remove(field);
        c
    };
    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&good).unwrap());
    let mut parts: Vec<String> = session.access.split('.').map(str::to_string).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&with("role", json!("admin"))).unwrap());
    let tampered = parts.join(".");

    let cases: Vec<(&str, String, &str)> = vec![
        ("garbage", "not.a.jwt".into(), "invalid_token"),
        ("tampered payload", tampered, "invalid_token"),
        (
            "foreign key",
            sign(&good, Algorithm::HS256, b"someone-elses-secret-key-32-bytes!!"),
            "invalid_token",
        ),
        ("alg none", format!("{header_none}.{body}."), "invalid_token"),
        ("algorithm switch", sign(&good, Algorithm::HS512, &key), "invalid_token"),
        ("expired", sign(&with("exp", json!(now - 120)), Algorithm::HS256, &key), "token_expired"),
        ("not yet valid", sign(&with("nbf", json!(now + 600)), Algorithm::HS256, &key), "invalid_token"),
        ("wrong issuer", sign(&with("iss", json!("elsewhere")), Algorithm::HS256, &key), "invalid_token"),
        ("wrong audience", sign(&with("aud", json!("another-api")), Algorithm::HS256, &key), "invalid_token"),
        ("no expiry", sign(&without("exp"), Algorithm::HS256, &key), "invalid_token"),
        ("no nbf", sign(&without("nbf"), Algorithm::HS256, &key), "invalid_token"),
        (
            "unknown session",
            sign(&with("sid", json!(uuid::Uuid::now_v7().to_string())), Algorithm::HS256, &key),
            "session_revoked",
        ),
        (
            "someone else's session",
            sign(&with("sub", json!(uuid::Uuid::now_v7().to_string())), Algorithm::HS256, &key),
            "session_revoked",
        ),
    ];
    for (what, token, code) in cases {
        let reply = app.get("/api/v1/me", &token).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}: {:?}", reply.body);
        assert_eq!(reply.code(), code, "{what}");
    }

    let missing = me_with_header(&app, None).await;
    assert_eq!((missing.status, missing.code()), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    for header in ["Basic b3duZXI6cHc=", "Bearer", "Bearer    ", "token"] {
        let reply = me_with_header(&app, Some(header)).await;
        assert_eq!((reply.status, reply.code()), (StatusCode::UNAUTHORIZED, "invalid_token"), "{header}");
    }
}

#[tokio::test]
async fn a_token_survives_a_server_restart_with_the_same_data_folder() {
    let app = spawn_app().await;
    app.load_demo().await;
    let session = app.login("reviewer").await;
    // A second server on the same data folder and database, as after a restart.
    let data_dir = app.data_dir.clone();
    let url = app.database_url.clone();
    let restarted = baoxiu::startup::Application::build(baoxiu::config::Config {
        bind: "127.0.0.1:0".into(),
        data_dir,
        database_url: Some(baoxiu::config::Secret(url)),
        workers: Some(1),
        ..Default::default()
    })
    .unwrap();
    let port = restarted.port();
    tokio::spawn(restarted.run_until_stopped());
    let res = app
        .client
        .request(Method::GET, format!("http://127.0.0.1:{port}/api/v1/me"))
        .bearer_auth(&session.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
