//! Sync protocol v1 pushes through real HTTP: exactly once, in order, or back with a reason.

use baoxiu_e2e::{ok, spawn_app, Session, TestApp};
use baoxiu_sync_protocol::wire::{Mutation, MutationKind, PushRequest};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::claims::{cast, to_in_repair};
use crate::devices::fresh_public_key;

/// A work order in progress for the demo technician, and the technician's enrolled phone.
async fn field(app: &TestApp) -> (crate::claims::Cast, String, String) {
    let c = cast(app).await;
    let filed = app.post("/api/v1/claims", &c.owner.access, crate::claims::seepage_claim(&c)).await;
    let id = filed.body["id"].as_str().unwrap().to_string();
    to_in_repair(app, &c, &id, "100.00").await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    let wo = ok(app, &c.technician.access, &path("work-orders"), json!({"description": "上门维修"})).await;
    let wo_id = wo["id"].as_str().unwrap().to_string();
    ok(
        app,
        &c.technician.access,
        &format!("/api/v1/work-orders/{wo_id}/assign"),
        json!({"technician_id": c.technician.user_id}),
    )
    .await;
    let device = uuid::Uuid::now_v7().to_string();
    ok(
        app,
        &c.technician.access,
        "/api/v1/devices",
        json!({"device_id": device, "name": "王师傅的手机", "public_key": fresh_public_key()}),
    )
    .await;
    (c, wo_id, device)
}

fn visit(seq: u64, kind: MutationKind, base: Option<i64>, payload: Value) -> Mutation {
    Mutation::new(seq, uuid::Uuid::now_v7().to_string(), kind, base, payload).unwrap()
}

async fn push(
    app: &TestApp,
    who: &Session,
    device: &str,
    version: u32,
    mutations: &[Mutation],
) -> baoxiu_e2e::Reply {
    let body = serde_json::to_value(PushRequest {
        protocol_version: version,
        device_id: device.into(),
        mutations: mutations.to_vec(),
    })
    .unwrap();
    app.post("/api/sync/push", &who.access, body).await
}

#[tokio::test]
async fn info_names_versions_capabilities_and_limits() {
    let app = spawn_app().await;
    let info = app.call(Method::GET, "/api/sync/info", None, None).await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!((info.body["min_version"].as_u64(), info.body["max_version"].as_u64()), (Some(1), Some(1)));
    assert_eq!(info.body["capabilities"], json!(["check_in", "check_out"]));
    assert_eq!(info.body["limits"]["max_mutations"], 100);
}

#[tokio::test]
async fn a_pushed_visit_lands_once_and_a_retry_changes_nothing() {
    let app = spawn_app().await;
    let (c, wo, device) = field(&app).await;
    let batch = [
        visit(
            1,
            MutationKind::CheckIn,
            Some(2),
            json!({"work_order_id": wo, "device_time": "2026-11-27T01:00:00Z", "lat": "36.65", "lng": "117.12"}),
        ),
        visit(
            2,
            MutationKind::CheckOut,
            Some(3),
            json!({"work_order_id": wo, "outcome": "done", "notes": "闭水试验合格"}),
        ),
    ];
    let first = push(&app, &c.technician, &device, 1, &batch).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["acknowledged_through"], 2);
    assert_eq!(first.body["results"][0]["outcome"], "applied");
    assert_eq!(first.body["results"][1]["entity_version"], 4);

    // The answer was lost; the phone sends the same batch again.
    let retry = push(&app, &c.technician, &device, 1, &batch).await;
    assert_eq!(retry.body["acknowledged_through"], 2);
    assert_eq!(retry.body["results"][0]["outcome"], "duplicate");
    assert_eq!(retry.body["results"][1]["entity_version"], 4, "the recorded outcome comes back");
    let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await;
    assert_eq!(order.body["visits"].as_array().unwrap().len(), 1, "nothing stored twice");
    assert_eq!(
        (order.body["status"].as_str(), order.body["visits"][0]["device_id"].as_str()),
        (Some("completed"), Some(device.as_str()))
    );

    // The same number with other content is a conflict, never an overwrite.
    let other =
        [visit(2, MutationKind::CheckOut, Some(3), json!({"work_order_id": wo, "outcome": "partial"}))];
    let conflict = push(&app, &c.technician, &device, 1, &other).await;
    assert_eq!(
        (conflict.status, conflict.code(), conflict.body["detail"].as_str()),
        (StatusCode::CONFLICT, "idempotency_conflict", Some("2"))
    );
    // A gap names the number expected.
    let gap = push(
        &app,
        &c.technician,
        &device,
        1,
        &[visit(5, MutationKind::CheckIn, None, json!({"work_order_id": wo}))],
    )
    .await;
    assert_eq!(
        (gap.status, gap.code(), gap.body["detail"].as_str()),
        (StatusCode::CONFLICT, "sequence_gap", Some("3"))
    );
    // An old app gets the accepted range.
    let old = push(
        &app,
        &c.technician,
        &device,
        0,
        &[visit(3, MutationKind::CheckIn, None, json!({"work_order_id": wo}))],
    )
    .await;
    assert_eq!(
        (old.status, old.code(), old.body["detail"].as_str()),
        (StatusCode::BAD_REQUEST, "unsupported_protocol_version", Some("1..=1"))
    );
}

#[tokio::test]
async fn rejected_mutations_are_kept_with_a_reason_and_the_queue_moves_on() {
    let app = spawn_app().await;
    let (c, wo, device) = field(&app).await;
    // Made offline against version 1, but the order was assigned meanwhile (now version 2).
    let stale = visit(1, MutationKind::CheckIn, Some(1), json!({"work_order_id": wo}));
    let mut tampered = visit(2, MutationKind::CheckIn, Some(2), json!({"work_order_id": wo}));
    tampered.payload = json!({"work_order_id": wo, "lat": "0", "lng": "0"});
    let unsupported = visit(3, MutationKind::CostSheetRevision, None, json!({}));
    let good = visit(4, MutationKind::CheckIn, Some(2), json!({"work_order_id": wo}));
    let reply = push(&app, &c.technician, &device, 1, &[stale, tampered, unsupported, good]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reasons: Vec<Value> = reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!([r["outcome"], r["reason"]]))
        .collect();
    assert_eq!(
        reasons,
        [
            json!(["rejected", "stale_version"]),
            json!(["rejected", "invalid_payload"]),
            json!(["rejected", "not_allowed"]),
            json!(["applied", null])
        ]
    );
    assert_eq!(reply.body["acknowledged_through"], 4);
    let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await;
    assert_eq!(order.body["visits"].as_array().unwrap().len(), 1, "the rejected ones left nothing behind");

    // Another technician cannot push through this phone.
    let other = app.login("technician2").await;
    let foreign = push(
        &app,
        &other,
        &device,
        1,
        &[visit(5, MutationKind::CheckOut, None, json!({"work_order_id": wo, "outcome": "done"}))],
    )
    .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "someone else's phone is not there for them");
}
