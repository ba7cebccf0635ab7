use baoxiu_e2e::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn health_and_ready_answer() {
    let app = spawn_app().await;
    let health = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    let ready = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(
        (ready.body["checks"]["database"].as_bool(), ready.body["checks"]["blobs"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(!ready.body["checks"]["instance"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let reply = app.call(Method::GET, "/health", None, None).await;
    let id = reply.headers.get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(id.len(), 36);
    let echoed = app
        .client
        .get(format!("{}/health", app.address))
        .header("x-request-id", "phone-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "phone-42");
}

#[tokio::test]
async fn unknown_routes_answer_in_the_error_shape_and_language() {
    let app = spawn_app().await;
    let zh = app.call(Method::GET, "/api/v1/nothing-here", None, None).await;
    assert_eq!(zh.status, StatusCode::NOT_FOUND);
    assert_eq!(zh.body, json!({"error": "no_such_route", "message": "请求的接口不存在。"}));
    let en = app
        .client
        .get(format!("{}/api/v1/nothing-here", app.address))
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = en.json().await.unwrap();
    assert_eq!(body, json!({"error": "no_such_route", "message": "No such endpoint."}));
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let app = spawn_app().await;
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let paths = doc.body["paths"].as_object().unwrap();
    for (method, path) in crate::permissions::ROUTES.iter().map(|r| (r.method, r.openapi_path)).chain([
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/health"),
        ("get", "/ready"),
        ("get", "/metrics"),
        ("get", "/api/v1/deposit-certificates/{number}"),
        ("get", "/api/sync/info"),
        ("options", "/api/v1/uploads"),
        ("get", "/api/v1/files/{id}/signed"),
        ("get", "/api/v1/documents/{number}"),
    ]) {
        let entry = paths.get(path).unwrap_or_else(|| panic!("{path} missing from the OpenAPI document"));
        assert!(entry.get(method).is_some(), "{method} {path} missing from the OpenAPI document");
    }
    // And nothing in the document that the routing table of this test does not know.
    assert_eq!(
        paths.values().map(|p| p.as_object().unwrap().len()).sum::<usize>(),
        crate::permissions::ROUTES.len() + 11
    );
}

/// Every `$ref` in the document, with where it was found.
#[allow(clippy::only_used_in_recursion)]
fn refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.push((at.to_string(), v.as_str().unwrap_or_default().to_string()));
                } else {
                    refs(v, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| refs(v, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

#[tokio::test]
async fn money_has_one_schema_and_every_reference_to_it_resolves() {
    let app = spawn_app().await;
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.body;
    let money = &doc["components"]["schemas"]["Money"];
    assert_eq!(money["type"], "string", "{money}");
    assert!(money["pattern"].as_str().is_some_and(|p| p.contains("[0-9]{1,2}")), "{money}");
    let mut found = Vec::new();
    refs(&doc, "", &mut found);
    let to_money: Vec<_> = found.iter().filter(|(_, r)| r == "#/components/schemas/Money").collect();
    assert!(to_money.len() > 40, "amounts refer to the one schema: {}", to_money.len());
    // A payout amount on the claim page is one of them.
    let payout = &doc["components"]["schemas"]["PayoutView"]["properties"]["amount"];
    assert_eq!(payout["$ref"], "#/components/schemas/Money", "{payout}");
}

/// The document is the contract: every reference resolves, enums name their values as the wire
/// carries them, and every operation documents the refusals it may answer.
#[tokio::test]
async fn every_reference_resolves_and_every_operation_documents_its_refusals() {
    let app = spawn_app().await;
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.body;
    let mut found = Vec::new();
    refs(&doc, "", &mut found);
    for (at, reference) in &found {
        let name =
            reference.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{at}: {reference}"));
        assert!(doc["components"]["schemas"].get(name).is_some(), "{at}: {reference} does not resolve");
    }
    assert_eq!(doc["components"]["schemas"]["Role"]["enum"][5], "technician");
    assert_eq!(doc["components"]["schemas"]["Variant"]["enum"], json!(["original", "thumbnail", "preview"]));
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for status in ["400", "401", "403", "404", "409", "413", "422", "429"] {
                assert!(
                    operation["responses"].get(status).is_some(),
                    "{method} {path} does not document {status}"
                );
            }
        }
    }
}

/// A path the API has, asked with a method it does not take (TRACE, or DELETE on a list), is 405
/// with `Allow` naming the methods it takes; a path it does not have is 404.
#[tokio::test]
async fn a_known_path_with_another_method_is_405_naming_the_allowed_ones() {
    let app = spawn_app().await;
    let trace = app.call(Method::TRACE, "/api/v1/claims", None, None).await;
    assert_eq!((trace.status, trace.code()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    assert_eq!(trace.headers["allow"], "GET, POST");
    let id = uuid::Uuid::now_v7();
    let delete = app.call(Method::DELETE, &format!("/api/v1/claims/{id}/approve"), None, None).await;
    assert_eq!(
        (delete.status, delete.headers["allow"].to_str().unwrap()),
        (StatusCode::METHOD_NOT_ALLOWED, "POST")
    );
    let nowhere = app.call(Method::TRACE, "/api/v1/nowhere", None, None).await;
    assert_eq!((nowhere.status, nowhere.code()), (StatusCode::NOT_FOUND, "no_such_route"));
    let short = app.call(Method::GET, "/api/v1/claims//approve", None, None).await;
    assert_eq!(short.status, StatusCode::NOT_FOUND);
}
