use baoxiu_e2e::spawn_app;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A new device key, as a phone would generate it.
pub fn fresh_public_key() -> String {
    let seed: [u8; 32] = rand::random();
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    STANDARD.encode(signing.verifying_key().as_bytes())
}

#[tokio::test]
async fn a_technician_enrolls_lists_and_retires_a_phone() {
    let app = spawn_app().await;
    app.load_demo().await;
    let tech = app.login("technician").await;
    let device_id = uuid::Uuid::now_v7().to_string();
    let key = fresh_public_key();
    let enrolled = app
        .post(
            "/api/v1/devices",
            &tech.access,
            json!({"device_id": device_id, "name": "王师傅的手机", "public_key": key}),
        )
        .await;
    assert_eq!(enrolled.status, StatusCode::CREATED, "{:?}", enrolled.body);
    assert_eq!(enrolled.body["public_key"], key);

    let again = app
        .post(
            "/api/v1/devices",
            &tech.access,
            json!({"device_id": device_id, "name": "再来一次", "public_key": key}),
        )
        .await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "device_already_enrolled"));

    // Another technician cannot retire it, and cannot tell it exists.
    let other = app.login("technician2").await;
    let path = format!("/api/v1/devices/{device_id}");
    let foreign = app.call(Method::DELETE, &path, Some(&other.access), None).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert!(app.get("/api/v1/devices", &other.access).await.body.as_array().unwrap().is_empty());

    let retired = app.call(Method::DELETE, &path, Some(&tech.access), None).await;
    assert_eq!(retired.status, StatusCode::NO_CONTENT);
    let list = app.get("/api/v1/devices", &tech.access).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert!(list.body[0]["retired_at"].is_string());
}

#[tokio::test]
async fn bad_device_keys_and_ids_are_refused() {
    let app = spawn_app().await;
    app.load_demo().await;
    let owner = app.login("owner").await;
    let id = uuid::Uuid::now_v7().to_string();
    let cases = [
        (json!({"device_id": id, "name": "x", "public_key": "not base64!"}), "invalid_device_key"),
        (
            json!({"device_id": id, "name": "x", "public_key": STANDARD.encode([1u8; 16])}),
            "invalid_device_key",
        ),
        // The identity point: small order, would accept forged signatures.
        (
            json!({"device_id": id, "name": "x", "public_key": STANDARD.encode({ let mut k = [0u8; 32]; k[0] = 1; k })}),
            "invalid_device_key",
        ),
        (json!({"device_id": "phone-1", "name": "x", "public_key": fresh_public_key()}), "invalid_id"),
        (json!({"device_id": id, "name": " ", "public_key": fresh_public_key()}), "invalid_input"),
    ];
    for (body, code) in cases {
        let reply = app.post("/api/v1/devices", &owner.access, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.code(), code, "{body}");
    }
    assert!(
        app.get("/api/v1/devices", &owner.access).await.body.as_array().unwrap().is_empty(),
        "nothing half-written"
    );
}
