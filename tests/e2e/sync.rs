//! The sync protocol through real HTTP: pushes land exactly once, in order, or come back with a
//! reason; pulls follow what the caller may see.

use baoxiu_e2e::{ok, photos, spawn_app, Session, TestApp};
use baoxiu_sync_protocol::vectors::five_lines;
use baoxiu_sync_protocol::wire::{
    CostSheetRevision, Mutation, MutationKind, OwnerConfirmation, PushRequest, SignedConfirmation, Signer,
};
use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::claims::{cast, to_in_repair};
use crate::devices::fresh_public_key;

mod outcomes;

/// A work order in progress for the demo technician, and the technician's enrolled phone.
pub async fn field(app: &TestApp) -> (crate::claims::Cast, String, String) {
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

/// The claim a work order belongs to, and its version now.
pub async fn claim_of(app: &TestApp, who: &Session, work_order: &str) -> (String, i64) {
    let order = app.get(&format!("/api/v1/work-orders/{work_order}"), &who.access).await.body;
    let claim = order["claim_id"].as_str().unwrap().to_string();
    let version = app.get(&format!("/api/v1/claims/{claim}"), &who.access).await.body["claim"]["version"]
        .as_i64()
        .unwrap();
    (claim, version)
}

/// The office moves the claim on: a sheet entered on the web, signed by the owner and submitted,
/// which starts the bureau's clock.
pub async fn office_submits_a_sheet(app: &TestApp, c: &crate::claims::Cast, claim: &str) {
    let sheet = json!({"lines": [{"kind": "labour", "description": "人工", "unit": "工日", "quantity": "1", "unit_price": "300.00"}]});
    ok(app, &c.technician.access, &format!("/api/v1/claims/{claim}/cost-sheets"), sheet).await;
    baoxiu_e2e::sign_as_shown(app, &c.owner.access, &format!("/api/v1/claims/{claim}/cost-sheets/1/sign"))
        .await;
    ok(
        app,
        &c.technician.access,
        &format!("/api/v1/claims/{claim}/submit-cost-sheet"),
        json!({"revision": 1}),
    )
    .await;
}

pub fn visit(seq: u64, kind: MutationKind, base: Option<i64>, payload: Value) -> Mutation {
    Mutation::new(seq, uuid::Uuid::now_v7().to_string(), kind, base, payload).unwrap()
}

pub async fn push(
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
    assert_eq!((info.body["min_version"].as_u64(), info.body["max_version"].as_u64()), (Some(1), Some(4)));
    assert_eq!(
        info.body["capabilities"],
        json!([
            "check_in",
            "check_out",
            "visit_note",
            "evidence_attached",
            "cost_sheet_revision",
            "owner_confirmation",
            "emergency_claim"
        ])
    );
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
            json!({"work_order_id": wo, "device_time": "2026-11-27T01:00:00Z", "lat": "36.65", "lng": "117.12", "notes": "到场，顶棚渗水"}),
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
    assert_eq!(
        order.body["visits"][0]["notes"], "到场，顶棚渗水\n闭水试验合格",
        "the check-in's note is kept, the check-out's follows it"
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
        (StatusCode::BAD_REQUEST, "unsupported_protocol_version", Some("1..=4"))
    );
    // A body that is not a push says what is wrong with it.
    let malformed = app.post("/api/sync/push", &c.technician.access, json!({"protocol_version": 2})).await;
    assert_eq!((malformed.status, malformed.code()), (StatusCode::BAD_REQUEST, "malformed_json"));
    assert!(malformed.body["detail"].as_str().unwrap().contains("device_id"), "{}", malformed.body);
}

#[tokio::test]
async fn a_visits_notes_stop_at_their_bound_and_the_notes_behind_the_refused_one_land() {
    let app = spawn_app().await;
    let (c, wo, device) = field(&app).await;
    check_in_now(&app, &c.technician, &wo).await;
    // Nine notes of 2,000 characters and their line breaks: 18,008 of the 20,000 a visit holds.
    let long = |seq: u64, c: char, n: usize| {
        visit(
            seq,
            MutationKind::VisitNote,
            None,
            json!({"work_order_id": wo, "note": c.to_string().repeat(n)}),
        )
    };
    let mut batch: Vec<Mutation> = (1..=9).map(|seq| long(seq, '漏', 2000)).collect();
    batch.push(long(10, '满', 2000));
    batch.push(long(11, '短', 1000));
    let reply = push(&app, &c.technician, &device, 1, &batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let outcomes = outcomes(&reply);
    assert_eq!(outcomes[8], json!(["applied", null]));
    assert_eq!(outcomes[9], json!(["rejected", "rule_refused"]), "past the bound");
    assert_eq!(outcomes[10], json!(["applied", null]), "a shorter note behind it still fits");
    assert_eq!(reply.body["acknowledged_through"], 11);
    let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await;
    let notes = order.body["visits"][0]["notes"].as_str().unwrap();
    assert_eq!(notes.chars().count(), 19_009);
    assert!(!notes.contains('满'));
    // The check-out's own notes always follow, so the technician can leave.
    let out = ok(
        &app,
        &c.technician.access,
        &format!("/api/v1/work-orders/{wo}/check-out"),
        json!({"notes": "走".repeat(4000), "outcome": "partial"}),
    )
    .await;
    assert_eq!(out["visits"][0]["notes"].as_str().unwrap().chars().count(), 23_010);
}

#[tokio::test]
async fn rejected_mutations_are_kept_with_a_reason_and_the_queue_moves_on() {
    let app = spawn_app().await;
    let (c, wo, device) = field(&app).await;
    // Made offline against version 1, but the order was assigned meanwhile (now version 2).
    let stale = visit(1, MutationKind::CheckIn, Some(1), json!({"work_order_id": wo}));
    let mut tampered = visit(2, MutationKind::CheckIn, Some(2), json!({"work_order_id": wo}));
    tampered.payload = json!({"work_order_id": wo, "lat": "0", "lng": "0"});
    let unsupported = visit(3, MutationKind::EmergencyClaim, None, json!({}));
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

    // A note with a NUL in it (which PostgreSQL cannot store) is a recorded rejection, not a 500 on
    // every retry: the mutation behind it applies.
    let poison =
        visit(5, MutationKind::VisitNote, None, json!({"work_order_id": wo, "note": "漏水\u{0}严重"}));
    let note = visit(6, MutationKind::VisitNote, None, json!({"work_order_id": wo, "note": "已关闭总阀"}));
    let reply = push(&app, &c.technician, &device, 1, &[poison, note]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(outcomes(&reply), [json!(["rejected", "invalid_payload"]), json!(["applied", null])]);
    assert_eq!(reply.body["acknowledged_through"], 6);

    // Another technician cannot push through this phone.
    let other = app.login("technician2").await;
    let foreign = push(
        &app,
        &other,
        &device,
        1,
        &[visit(7, MutationKind::CheckOut, None, json!({"work_order_id": wo, "outcome": "done"}))],
    )
    .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "someone else's phone is not there for them");
}

/// A phone with a known signing key, enrolled for `who`.
pub async fn enrolled_phone(app: &TestApp, who: &Session) -> (String, ed25519_dalek::SigningKey) {
    let key = ed25519_dalek::SigningKey::from_bytes(&rand::random());
    let device = uuid::Uuid::now_v7().to_string();
    let public_key = base64::engine::general_purpose::STANDARD.encode(key.verifying_key().as_bytes());
    ok(
        app,
        &who.access,
        "/api/v1/devices",
        json!({"device_id": device, "name": "现场手机", "public_key": public_key}),
    )
    .await;
    (device, key)
}

pub fn revision(claim: &str, parent: Option<String>, extra: &str) -> CostSheetRevision {
    CostSheetRevision {
        claim_id: claim.into(),
        revision_id: uuid::Uuid::now_v7().to_string(),
        parent_hash: parent,
        lines: five_lines(extra),
    }
}

/// The technician checks in on the work order over REST, now.
pub async fn check_in_now(app: &TestApp, who: &Session, work_order: &str) {
    ok(app, &who.access, &format!("/api/v1/work-orders/{work_order}/check-in"), json!({})).await;
}

pub fn confirm(claim: &str, hash: &str, device: &str, image: &str, key: &ed25519_dalek::SigningKey) -> Value {
    confirm_as("张业主", claim, hash, device, image, key)
}

/// An in-person confirmation of `name`'s, signed by the phone's `key` just now.
pub fn confirm_as(
    name: &str,
    claim: &str,
    hash: &str,
    device: &str,
    image: &str,
    key: &ed25519_dalek::SigningKey,
) -> Value {
    use ed25519_dalek::Signer as _;
    let confirmation = OwnerConfirmation {
        claim_id: claim.into(),
        revision_hash: hash.into(),
        signer: Signer::InPerson { name: name.into(), phone: "13800000000".into() },
        signed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        signature_image_sha256: image.into(),
        device_id: device.into(),
    };
    let signature = key.sign(&confirmation.signing_bytes().unwrap());
    let signed = SignedConfirmation {
        confirmation,
        device_signature: base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()),
    };
    serde_json::to_value(signed).unwrap()
}

fn outcomes(reply: &baoxiu_e2e::Reply) -> Vec<Value> {
    reply.body["results"].as_array().unwrap().iter().map(|r| json!([r["outcome"], r["reason"]])).collect()
}

#[tokio::test]
async fn a_phone_revises_the_cost_sheet_and_the_owner_confirms_it_on_site() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, _) = claim_of(&app, &c.technician, &wo).await;
    let (device, key) = enrolled_phone(&app, &c.technician).await;
    let first = revision(&claim, None, "垃圾清运");
    let first_hash = first.hash().unwrap();
    let photo = photos::jpeg(320, 240, 77, None);
    let signature_image = photos::jpeg(200, 80, 78, None);
    let batch = [
        visit(1, MutationKind::CostSheetRevision, None, serde_json::to_value(&first).unwrap()),
        // The photo is not uploaded yet: rejected, but retryably.
        visit(
            2,
            MutationKind::EvidenceAttached,
            None,
            json!({"claim_id": claim, "sha256": photos::sha256(&photo), "kind": "during"}),
        ),
        visit(3, MutationKind::VisitNote, None, json!({"work_order_id": wo, "note": "顶棚已拆除"})),
    ];
    let reply = push(&app, &c.technician, &device, 1, &batch).await;
    assert_eq!(
        outcomes(&reply),
        [json!(["applied", null]), json!(["rejected", "missing_blob"]), json!(["rejected", "rule_refused"])]
    );
    assert_eq!(reply.body["results"][1]["retryable"], true);
    // Once the photo is uploaded, the same attachment as a new mutation lands.
    app.upload(&c.technician.access, photo.clone()).await;
    app.upload_from(&c.technician.access, &device, signature_image.clone()).await;
    let again = visit(4, MutationKind::EvidenceAttached, None, batch[1].payload.clone());
    assert_eq!(outcomes(&push(&app, &c.technician, &device, 1, &[again]).await), [json!(["applied", null])]);

    // Without a visit the phone witnessed nothing: refused (Art. 22). On site, a forged signature,
    // then the real one.
    let early = confirm(&claim, &first_hash, &device, &photos::sha256(&signature_image), &key);
    let reply =
        push(&app, &c.technician, &device, 1, &[visit(5, MutationKind::OwnerConfirmation, None, early)])
            .await;
    assert_eq!(outcomes(&reply), [json!(["rejected", "not_allowed"])]);
    check_in_now(&app, &c.technician, &wo).await;
    let mut forged = confirm(&claim, &first_hash, &device, &photos::sha256(&signature_image), &key);
    forged["confirmation"]["signer"]["name"] = json!("别人");
    let signed = confirm(&claim, &first_hash, &device, &photos::sha256(&signature_image), &key);
    let reply = push(
        &app,
        &c.technician,
        &device,
        1,
        &[
            visit(6, MutationKind::OwnerConfirmation, None, forged),
            visit(7, MutationKind::OwnerConfirmation, None, signed),
        ],
    )
    .await;
    assert_eq!(outcomes(&reply), [json!(["rejected", "bad_signature"]), json!(["applied", null])]);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body;
    let sheet = &page["cost_sheets"][0];
    assert_eq!(sheet["hash"], first_hash.as_str());
    assert_eq!(sheet["total"], "1355.88");
    assert_eq!(sheet["signed_in_person_by"], "张业主");
    // Witnessed by the technician on the applicant's behalf, never the applicant's own act.
    assert_eq!(sheet["signature"], "in_person");
    assert_eq!(sheet["signed"], true);
    assert_eq!(sheet["signed_by"], Value::Null);
    assert_eq!(sheet["witnessed_by"], json!(c.technician.user_id));
    assert_ne!(baoxiu_e2e::evidence_with(&app, &c.reviewer.access, &claim, &photos::sha256(&photo)).await, 0);
}

#[tokio::test]
async fn two_revisions_from_one_parent_are_both_kept_until_a_person_chooses() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, _) = claim_of(&app, &c.technician, &wo).await;
    let (phone_a, key) = enrolled_phone(&app, &c.technician).await;
    let (phone_b, _) = enrolled_phone(&app, &c.technician).await;
    let base = revision(&claim, None, "垃圾清运");
    let base_hash = base.hash().unwrap();
    push(
        &app,
        &c.technician,
        &phone_a,
        1,
        &[visit(1, MutationKind::CostSheetRevision, None, serde_json::to_value(&base).unwrap())],
    )
    .await;
    // Both phones change the same revision while offline.
    let a = revision(&claim, Some(base_hash.clone()), "清运（A）");
    let b = revision(&claim, Some(base_hash.clone()), "清运（B）");
    let ra = push(
        &app,
        &c.technician,
        &phone_a,
        1,
        &[visit(2, MutationKind::CostSheetRevision, None, serde_json::to_value(&a).unwrap())],
    )
    .await;
    let rb = push(
        &app,
        &c.technician,
        &phone_b,
        1,
        &[visit(1, MutationKind::CostSheetRevision, None, serde_json::to_value(&b).unwrap())],
    )
    .await;
    assert_eq!(
        (outcomes(&ra), outcomes(&rb)),
        (vec![json!(["applied", null])], vec![json!(["applied", null])])
    );
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.owner.access).await.body;
    let flags: Vec<(Value, Value)> = page["cost_sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["revision"].clone(), s["conflict"].clone()))
        .collect();
    assert_eq!(flags, [(json!(1), json!(false)), (json!(2), json!(true)), (json!(3), json!(true))]);
    // Neither can be signed, on the phone or on the owner's account, until someone chooses.
    let image = photos::jpeg(200, 80, 79, None);
    app.upload_from(&c.technician.access, &phone_a, image.clone()).await;
    let latest = page["cost_sheets"][2]["hash"].as_str().unwrap().to_string();
    check_in_now(&app, &c.technician, &wo).await;
    let blocked = visit(
        3,
        MutationKind::OwnerConfirmation,
        None,
        confirm(&claim, &latest, &phone_a, &photos::sha256(&image), &key),
    );
    assert_eq!(
        outcomes(&push(&app, &c.technician, &phone_a, 1, &[blocked]).await),
        [json!(["rejected", "rule_refused"])]
    );
    let rest = app
        .post(
            &format!("/api/v1/claims/{claim}/cost-sheets/3/sign"),
            &c.owner.access,
            baoxiu_e2e::shown(&app, &c.owner.access, &format!("/api/v1/claims/{claim}/cost-sheets/3/sign"))
                .await,
        )
        .await;
    assert_eq!(rest.code(), "cost_sheet_conflict");
    // Choosing A: a revision on top of it resolves the conflict.
    let chosen = revision(&claim, Some(a.hash().unwrap()), "清运（A）");
    push(
        &app,
        &c.technician,
        &phone_a,
        1,
        &[visit(4, MutationKind::CostSheetRevision, None, serde_json::to_value(&chosen).unwrap())],
    )
    .await;
    let signed = app
        .post(
            &format!("/api/v1/claims/{claim}/cost-sheets/4/sign"),
            &c.owner.access,
            baoxiu_e2e::shown(&app, &c.owner.access, &format!("/api/v1/claims/{claim}/cost-sheets/4/sign"))
                .await,
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
}

#[tokio::test]
async fn a_batch_of_revisions_lands_together_and_each_keeps_its_own_outcome() {
    let app = spawn_app().await;
    let (c, wo, device) = field(&app).await;
    let (claim, version) = claim_of(&app, &c.technician, &wo).await;
    let rev = |r: &CostSheetRevision| serde_json::to_value(r).unwrap();
    let first = revision(&claim, None, "垃圾清运");
    let chained = revision(&claim, Some(first.hash().unwrap()), "清运（链）");
    let sibling = revision(&claim, Some(first.hash().unwrap()), "清运（另一版）");
    let mut not_normal = revision(&claim, Some(first.hash().unwrap()), "x");
    not_normal.lines[1].quantity = "3.0".into();
    let orphan = revision(&claim, Some("0".repeat(64)), "无父");
    let mut id_reused = revision(&claim, None, "同号不同内容");
    id_reused.revision_id = first.revision_id.clone();
    let after_note = revision(&claim, Some(chained.hash().unwrap()), "备注之后");
    let batch = [
        visit(1, MutationKind::CostSheetRevision, None, rev(&first)),
        visit(2, MutationKind::CostSheetRevision, None, rev(&chained)),
        visit(3, MutationKind::CostSheetRevision, None, rev(&not_normal)),
        visit(4, MutationKind::CostSheetRevision, None, rev(&sibling)),
        visit(5, MutationKind::CostSheetRevision, None, rev(&orphan)),
        visit(6, MutationKind::CostSheetRevision, None, rev(&id_reused)),
        visit(7, MutationKind::CheckIn, Some(2), json!({"work_order_id": wo})),
        visit(8, MutationKind::CostSheetRevision, Some(version), rev(&after_note)),
        visit(9, MutationKind::CostSheetRevision, Some(version - 1), rev(&revision(&claim, None, "旧版本"))),
    ];
    let reply = push(&app, &c.technician, &device, 1, &batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let expected = [
        json!(["applied", null]),
        json!(["applied", null]),
        json!(["rejected", "invalid_payload"]),
        json!(["applied", null]),
        json!(["rejected", "rule_refused"]),
        json!(["rejected", "invalid_payload"]),
        json!(["applied", null]),
        json!(["applied", null]),
        json!(["rejected", "stale_version"]),
    ];
    assert_eq!(outcomes(&reply), expected);
    // The sibling flags the revision before it in the same batch; the one after the check-in
    // names the chained one, so it is a sibling of nothing.
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.owner.access).await.body;
    let sheets: Vec<(Value, Value, Value)> = page["cost_sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["revision"].clone(), s["hash"].clone(), s["conflict"].clone()))
        .collect();
    let hash = |r: &CostSheetRevision| json!(r.hash().unwrap());
    assert_eq!(
        sheets,
        [
            (json!(1), hash(&first), json!(false)),
            (json!(2), hash(&chained), json!(true)),
            (json!(3), hash(&sibling), json!(true)),
            (json!(4), hash(&after_note), json!(false)),
        ]
    );
    // Each applied revision is in the trail once and asks the applicant to sign once.
    let trail = page["timeline"].as_array().unwrap();
    let audited: Vec<&Value> =
        trail.iter().filter(|e| e["action"] == "cost_sheet_revision").map(|e| &e["detail"]["hash"]).collect();
    assert_eq!(audited, [&hash(&first), &hash(&chained), &hash(&sibling), &hash(&after_note)]);
    assert!(trail
        .iter()
        .filter(|e| e["action"] == "cost_sheet_revision")
        .all(|e| e["device_id"] == json!(device)));
    let feed = app.get("/api/v1/notifications?limit=50", &c.owner.access).await.body;
    let asks = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "signature_requested" && n["claim_id"] == json!(claim))
        .count();
    assert_eq!(asks, 4);
    // The same batch again is all duplicates of what was recorded, and changes nothing.
    let again = push(&app, &c.technician, &device, 1, &batch).await;
    let replayed: Vec<Value> = expected
        .iter()
        .map(|e| if e[0] == "applied" { json!(["duplicate", null]) } else { e.clone() })
        .collect();
    assert_eq!(outcomes(&again), replayed);
    let after = app.get(&format!("/api/v1/claims/{claim}"), &c.owner.access).await.body;
    assert_eq!(after["cost_sheets"].as_array().unwrap().len(), 4);
}
