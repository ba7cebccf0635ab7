//! Sync pulls through real HTTP: a snapshot first, then the change feed, and a fresh snapshot when
//! what the caller may see changes.

use baoxiu_e2e::{ok, spawn_app, Session, TestApp};
use baoxiu_sync_protocol::wire::MutationKind;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::sync::{claim_of, field, push, revision, visit};

async fn pull(app: &TestApp, who: &Session, cursor: Option<&str>, limit: Option<u32>) -> Value {
    let mut path = "/api/sync/pull?".to_string();
    if let Some(cursor) = cursor {
        path.push_str(&format!("cursor={cursor}&"));
    }
    if let Some(limit) = limit {
        path.push_str(&format!("limit={limit}"));
    }
    let reply = app.get(&path, &who.access).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_pull_starts_from_a_snapshot_then_follows_changes_including_unassignment() {
    let app = spawn_app().await;
    let (c, wo, device) = field(&app).await;
    let (claim, _) = claim_of(&app, &c.technician, &wo).await;
    let cold = pull(&app, &c.technician, None, None).await;
    assert_eq!(cold["more"], false);
    assert!(cold["reference"]["categories"].as_array().unwrap().iter().any(|k| k["category"] == "seepage"));
    // Protocol 4 brings the defect code list the server codes claims with; earlier ones do not.
    assert!(cold["reference"].get("defect_codes").is_none(), "protocol 1 has no code list");
    let four = app.get("/api/sync/pull?protocol_version=4", &c.technician.access).await.body;
    let codes = &four["reference"]["defect_codes"];
    assert_eq!(codes["version"], app.get("/api/v1/defect-codes", &c.technician.access).await.body["version"]);
    assert!(codes["locations"].as_array().unwrap().iter().any(|l| l["code"] == "roof" && l["zh"] == "屋面"));
    assert!(codes["causes"].as_array().unwrap().iter().any(|l| l["code"] == "workmanship"));
    let mine = cold["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ch| ch["claim_id"] == claim.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["work_orders"][0]["id"], wo.as_str());
    assert_eq!(mine["claim"]["state"], "in_repair");
    let cursor = cold["cursor"].as_str().unwrap().to_string();
    assert_eq!(pull(&app, &c.technician, Some(&cursor), None).await["changes"], json!([]), "nothing new");

    // A revision from the phone shows up in the next pull, with its hash.
    let rev = revision(&claim, None, "垃圾清运");
    push(
        &app,
        &c.technician,
        &device,
        1,
        &[visit(1, MutationKind::CostSheetRevision, None, serde_json::to_value(&rev).unwrap())],
    )
    .await;
    let next = pull(&app, &c.technician, Some(&cursor), None).await;
    let changes = next["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["cost_sheets"][0]["hash"], rev.hash().unwrap().as_str());
    assert!(changes[0]["change"].as_i64().unwrap() > 0);
    let cursor = next["cursor"].as_str().unwrap().to_string();

    // The order goes to a colleague: the next snapshot of the claim no longer holds it.
    ok(
        &app,
        &c.technician.access,
        &format!("/api/v1/work-orders/{wo}/assign"),
        json!({"technician_id": app.login("technician2").await.user_id}),
    )
    .await;
    let after = pull(&app, &c.technician, Some(&cursor), None).await;
    assert_eq!(after["changes"][0]["claim_id"], claim.as_str());
    assert_eq!(after["changes"][0]["work_orders"], json!([]));

    // Pages, and a cursor that is not one.
    let second = app.post("/api/v1/claims", &c.owner.access, crate::claims::seepage_claim(&c)).await;
    assert_eq!(second.status, StatusCode::CREATED);
    let first_page = pull(&app, &c.owner, None, Some(1)).await;
    assert_eq!(
        (first_page["changes"].as_array().unwrap().len(), first_page["more"].as_bool()),
        (1, Some(true))
    );
    let rest = pull(&app, &c.owner, first_page["cursor"].as_str(), Some(1)).await;
    assert_ne!(rest["changes"][0]["claim_id"], first_page["changes"][0]["claim_id"]);
    let bad = app.get("/api/sync/pull?cursor=bm90LWEtY3Vyc29y", &c.owner.access).await;
    assert_eq!((bad.status, bad.body["detail"].as_str()), (StatusCode::BAD_REQUEST, Some("cursor")));
}

#[tokio::test]
async fn a_pull_starts_again_when_what_the_caller_may_see_changes() {
    let app = spawn_app().await;
    let (c, wo, _device) = field(&app).await;
    let (claim, _) = claim_of(&app, &c.technician, &wo).await;
    let admin = app.login("admin").await;
    let dir = tempfile::tempdir().unwrap();
    let mut phone = baoxiu_sync_protocol::client::SyncClient::new(
        &app.address,
        &c.technician.access,
        &uuid::Uuid::now_v7().to_string(),
        baoxiu_sync_protocol::client::Outbox::open(dir.path().join("phone.db")).unwrap(),
    );
    phone.pull().await.unwrap();
    assert!(phone.outbox.claim(&claim).unwrap().is_some());
    let before = phone.outbox.meta("cursor").unwrap().unwrap();
    let pull_v = |version: u32, cursor: &str| {
        let path = format!("/api/sync/pull?protocol_version={version}&cursor={cursor}");
        let token = c.technician.access.clone();
        let app = &app;
        async move { app.get(&path, &token).await }
    };
    assert_eq!(pull_v(2, &before).await.body["reset"], Value::Null, "same scope: no reset");

    // The technician also joins a second repair unit: nothing about the claim changed, yet the
    // next pull is a fresh snapshot.
    let other = ok(
        &app,
        &admin.access,
        "/api/v1/organisations",
        json!({"kind": "repair_unit", "name": "历城维修队"}),
    )
    .await;
    let members = format!("/api/v1/organisations/{}/members", other["id"].as_str().unwrap());
    ok(&app, &admin.access, &members, json!({"user_id": c.technician.user_id})).await;
    let joined = pull_v(2, &before).await.body;
    assert_eq!(
        (joined["reset"].as_bool(), joined["changes"][0]["claim_id"].as_str()),
        (Some(true), Some(claim.as_str()))
    );
    assert!(joined["reference"].is_object(), "a fresh snapshot brings reference data again");

    // Leaving the claim's repair unit is refused while the technician holds its open work order.
    let leave = format!("/api/v1/organisations/{}/members/{}", c.repair_unit, c.technician.user_id);
    let refused = app.call(Method::DELETE, &leave, Some(&admin.access), None).await;
    assert_eq!(
        (refused.status, refused.code(), refused.body["detail"].as_str()),
        (StatusCode::CONFLICT, "member_has_open_work_orders", Some("1"))
    );
    let colleague = app.login("technician2").await.user_id;
    let assign = format!("/api/v1/work-orders/{wo}/assign");
    ok(&app, &c.technician.access, &assign, json!({"technician_id": colleague})).await;
    let left = app.call(Method::DELETE, &leave, Some(&admin.access), None).await;
    assert_eq!(left.status, StatusCode::NO_CONTENT, "{}", left.body);
    let again = app.call(Method::DELETE, &leave, Some(&admin.access), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // The phone drops the claim that left its view; a protocol 1 phone gets the snapshot without
    // the flag it would not know.
    phone.pull().await.unwrap();
    assert_eq!(phone.outbox.claim(&claim).unwrap(), None, "the claim left the technician's view");
    let old = pull_v(1, &before).await.body;
    assert_eq!((old["reset"].clone(), old["changes"].clone()), (Value::Null, json!([])));
    let future = pull_v(5, &before).await;
    assert_eq!(
        (future.status, future.code(), future.body["detail"].as_str()),
        (StatusCode::BAD_REQUEST, "unsupported_protocol_version", Some("1..=4"))
    );
}
