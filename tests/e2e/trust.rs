//! Only the party the bureau designated acts as the repair unit (Art. 21): every repair-unit step of
//! a claim, over REST and over sync, tried by the designated unit's technician and by everyone who
//! is not that unit: the estate's property manager (who can see the claim), a technician of another
//! repair unit (who cannot), the applicant, the developer, and a reviewer of another jurisdiction.

use baoxiu_e2e::{ok, spawn_app, spawn_app_with, Session, TestApp};
use baoxiu_sync_protocol::wire::MutationKind;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::claims::{cast, file_seepage, seepage_claim, Cast};
use crate::sync::{confirm, enrolled_phone, push, revision, visit};

/// Everyone who is not the designated repair unit.
struct Others {
    property: Session,
    other_unit: Session,
    owner: Session,
    developer: Session,
    foreign_reviewer: Session,
}

async fn account(app: &TestApp, admin: &Session, role: &str, org: Option<&str>) -> Session {
    let username = format!("u{}", uuid::Uuid::now_v7().simple());
    let mut body =
        json!({"username": username, "display_name": "他人", "password": "long-enough-pw", "role": role});
    if let Some(org) = org {
        body["organisation_id"] = json!(org);
    }
    ok(app, &admin.access, "/api/v1/users", body).await;
    app.login_with(&username, "long-enough-pw").await.unwrap()
}

async fn others(app: &TestApp, c: &Cast) -> Others {
    let admin = app.login("admin").await;
    let unit = ok(
        app,
        &admin.access,
        "/api/v1/organisations",
        json!({"kind": "repair_unit", "name": "另一家维修公司"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bureau = json!({"kind": "housing_bureau", "name": "青岛市住建局", "jurisdiction": "370202"});
    let bureau =
        ok(app, &admin.access, "/api/v1/organisations", bureau).await["id"].as_str().unwrap().to_string();
    Others {
        property: app.login("property").await,
        other_unit: account(app, &admin, "technician", Some(&unit)).await,
        owner: app.login("owner").await,
        developer: c.developer.clone(),
        foreign_reviewer: account(app, &admin, "reviewer", Some(&bureau)).await,
    }
}

/// Tries a repair-unit step as each party that is not the designated unit, and checks each is
/// refused as it should be: the property manager sees the claim and is told the step is not theirs,
/// the other unit does not see it at all, and the other roles are not repair-unit staff.
async fn refused_to_all_others(app: &TestApp, o: &Others, path: &str, body: Value) {
    let expect = [
        (&o.property, StatusCode::FORBIDDEN, "step_not_for_role", Some("Art. 21")),
        (&o.other_unit, StatusCode::NOT_FOUND, "not_found", None),
        (&o.owner, StatusCode::FORBIDDEN, "forbidden", None),
        (&o.developer, StatusCode::FORBIDDEN, "forbidden", None),
        (&o.foreign_reviewer, StatusCode::FORBIDDEN, "forbidden", None),
    ];
    for (who, status, code, detail) in expect {
        let reply = app.post(path, &who.access, body.clone()).await;
        assert_eq!(
            (reply.status, reply.code(), reply.body["detail"].as_str()),
            (status, code, detail),
            "{path} as {}: {}",
            who.user_id,
            reply.body
        );
    }
}

#[tokio::test]
async fn only_the_designated_unit_plans_repairs_and_accounts_for_the_work() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let o = others(&app, &c).await;
    let claim = file_seepage(&app, &c).await;
    let path = |step: &str| format!("/api/v1/claims/{claim}/{step}");
    ok(&app, &c.reviewer.access, &path("ask-developer"), json!({})).await;
    app.let_reply_period_pass(&claim).await;
    ok(&app, &c.reviewer.access, &path("developer-silent"), json!({})).await;
    ok(&app, &c.reviewer.access, &path("approve"), json!({"repair_unit_id": c.repair_unit})).await;

    let plan = json!({"description": "屋面防水维修", "budget": "1500.00"});
    refused_to_all_others(&app, &o, &path("plans"), plan.clone()).await;
    ok(&app, &c.technician.access, &path("plans"), plan).await;
    ok(&app, &c.reviewer.access, &path("plan-decision"), json!({"decision": "approve"})).await;

    refused_to_all_others(&app, &o, &path("start-repair"), json!({})).await;
    ok(&app, &c.technician.access, &path("start-repair"), json!({})).await;

    let sheet = json!({"lines": [{"kind": "other", "description": "维修费用", "unit": "项", "quantity": "1", "unit_price": "88888.00"}]});
    refused_to_all_others(&app, &o, &path("cost-sheets"), sheet.clone()).await;
    let work_order = json!({"description": "上门维修"});
    refused_to_all_others(&app, &o, &path("work-orders"), work_order.clone()).await;
    ok(&app, &c.technician.access, &path("cost-sheets"), json!({"lines": [{"kind": "other", "description": "维修费用", "unit": "项", "quantity": "1", "unit_price": "1380.88"}]})).await;
    baoxiu_e2e::sign_as_shown(&app, &c.owner.access, &path("cost-sheets/1/sign")).await;

    refused_to_all_others(&app, &o, &path("submit-cost-sheet"), json!({"revision": 1})).await;
    // A claim out of sight answers 404 whatever is asked of it, never the revision it is at.
    let probe = app.post(&path("submit-cost-sheet"), &o.other_unit.access, json!({"revision": 7})).await;
    assert_eq!((probe.status, probe.code()), (StatusCode::NOT_FOUND, "not_found"), "{}", probe.body);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body;
    assert_eq!(page["claim"]["state"], "in_repair", "no refused step moved the claim");
    assert_eq!(page["cost_sheets"].as_array().unwrap().len(), 1, "no refused sheet was stored");
    ok(&app, &c.technician.access, &path("submit-cost-sheet"), json!({"revision": 1})).await;
}

#[tokio::test]
async fn a_phone_of_the_estates_property_manager_cannot_push_a_revision_for_the_designated_unit() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let property = app.login("property").await;
    let claim = file_seepage(&app, &c).await;
    crate::claims::to_in_repair(&app, &c, &claim, "1500.00").await;
    let version = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body["claim"]
        ["version"]
        .as_i64()
        .unwrap();
    let revise = |seq| {
        let payload = serde_json::to_value(revision(&claim, None, "杂项")).unwrap();
        visit(seq, MutationKind::CostSheetRevision, Some(version), payload)
    };

    let (pm_phone, pm_key) = enrolled_phone(&app, &property).await;
    let refused = push(&app, &property, &pm_phone, 2, &[revise(1)]).await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    assert_eq!(refused.body["results"][0]["outcome"], "rejected");
    assert_eq!(refused.body["results"][0]["reason"], "not_allowed");

    let (tech_phone, _) = enrolled_phone(&app, &c.technician).await;
    let applied = push(&app, &c.technician, &tech_phone, 2, &[revise(1)]).await;
    assert_eq!(applied.body["results"][0]["outcome"], "applied", "{}", applied.body);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body;
    assert_eq!(page["cost_sheets"].as_array().unwrap().len(), 1, "only the designated unit's revision");

    // Nor may it capture the owner's signature on site for a unit it is not (Art. 21-22).
    let hash = page["cost_sheets"][0]["hash"].as_str().unwrap();
    let image = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let signature = confirm(&claim, hash, &pm_phone, image, &pm_key);
    let signed_in_person = visit(2, MutationKind::OwnerConfirmation, None, signature);
    let refused = push(&app, &property, &pm_phone, 2, &[signed_in_person]).await;
    assert_eq!(refused.body["results"][0]["reason"], "not_allowed", "{}", refused.body);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body;
    assert_eq!(page["cost_sheets"][0]["signed_by"], Value::Null, "the sheet stays unsigned");
}

#[tokio::test]
async fn a_control_character_in_a_claim_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let mut claim = seepage_claim(&c);
    claim["description"] = json!("楼上渗水\u{0}");
    let refused = app.post("/api/v1/claims", &c.owner.access, claim).await;
    assert_eq!(
        (refused.status, refused.code(), refused.body["detail"].as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input", Some("description")),
        "{}",
        refused.body
    );
    let mut claim = seepage_claim(&c);
    claim["description"] = json!("楼上渗水，\n顶棚发霉。");
    let filed = app.post("/api/v1/claims", &c.owner.access, claim).await;
    assert_eq!(filed.status, StatusCode::CREATED, "newlines stay: {}", filed.body);
}

#[tokio::test]
async fn evidence_kinds_are_attached_only_by_their_party_and_never_after_the_claim_is_over() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let o = others(&app, &c).await;
    let claim = file_seepage(&app, &c).await;
    let path = format!("/api/v1/claims/{claim}/evidence");
    let attach = |who: Session, kind: &'static str, seed: u32| {
        let (app, path) = (&app, path.clone());
        async move {
            let file = app.upload_photo(&who.access, seed).await;
            app.post(&path, &who.access, json!({"file_id": file, "kind": kind})).await
        }
    };
    let refused = |r: &baoxiu_e2e::Reply| (r.status, r.code().to_string());
    let not_theirs = (StatusCode::FORBIDDEN, "step_not_for_role".to_string());
    // The developer attaching a signature, the property manager a receipt, to an owner's claim.
    assert_eq!(refused(&attach(o.developer.clone(), "signature", 1).await), not_theirs);
    assert_eq!(refused(&attach(o.property.clone(), "receipt", 2).await), not_theirs);
    assert_eq!(refused(&attach(o.property.clone(), "before", 3).await), not_theirs);
    // Not even the applicant attaches a signature on its own (Art. 22), nor a receipt outside
    // the emergency path (Art. 25); photos of the defect are theirs.
    assert_eq!(refused(&attach(c.owner.clone(), "signature", 4).await), not_theirs);
    assert_eq!(refused(&attach(c.owner.clone(), "receipt", 5).await), not_theirs);
    assert_eq!(attach(c.owner.clone(), "before", 6).await.status, StatusCode::CREATED);
    // An inspection report only during the inspection.
    assert_eq!(refused(&attach(o.developer.clone(), "inspection_report", 7).await), not_theirs);
    // Nothing once the claim is over.
    ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/claims/{claim}/reject"),
        json!({"reason": "out_of_period", "note": "超过保修期"}),
    )
    .await;
    let late = attach(c.owner.clone(), "before", 8).await;
    assert_eq!(
        (late.status, late.code(), late.body["detail"].as_str()),
        (StatusCode::CONFLICT, "step_out_of_order", Some("claim_over"))
    );
    let page = app.get(&format!("/api/v1/claims/{claim}/evidence"), &c.reviewer.access).await.body;
    assert_eq!(page.as_array().map(Vec::len), Some(2), "the filed photo and the one the owner added: {page}");
}

/// A claim in repair with a work order assigned to the cast's technician, and the first cost-sheet
/// revision pushed from the technician's enrolled phone.
struct FirstRevision {
    c: Cast,
    work_order: String,
    claim: String,
    phone: String,
    key: ed25519_dalek::SigningKey,
    hash: String,
}

async fn first_revision_pushed(app: &TestApp) -> FirstRevision {
    let (c, work_order, _) = crate::sync::field(app).await;
    let (claim, version) = crate::sync::claim_of(app, &c.technician, &work_order).await;
    let (phone, key) = enrolled_phone(app, &c.technician).await;
    let rev = revision(&claim, None, "防水");
    let hash = rev.hash().unwrap();
    let pushed = push(
        app,
        &c.technician,
        &phone,
        2,
        &[visit(1, MutationKind::CostSheetRevision, Some(version), serde_json::to_value(&rev).unwrap())],
    )
    .await;
    assert_eq!(pushed.body["results"][0]["outcome"], "applied", "{}", pushed.body);
    FirstRevision { c, work_order, claim, phone, key, hash }
}

/// The kinds of the caller's notifications about `claim`.
async fn notices(app: &TestApp, who: &Session, claim: &str) -> Vec<String> {
    let feed = app.get("/api/v1/notifications", &who.access).await.body;
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["claim_id"] == json!(claim))
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_in_person_signature_is_witnessed_on_site_and_the_applicant_can_dispute_it() {
    let app = spawn_app().await;
    let FirstRevision { c, work_order: wo, claim, phone, key, hash } = first_revision_pushed(&app).await;
    let image = baoxiu_e2e::photos::jpeg(200, 80, 91, None);
    app.upload_from(&c.technician.access, &phone, image.clone()).await;
    let image_hash = baoxiu_e2e::photos::sha256(&image);

    // A colleague of the same designated unit, not assigned to the order and never on site.
    let admin = app.login("admin").await;
    let colleague = account(&app, &admin, "technician", Some(&c.repair_unit)).await;
    let (their_phone, their_key) = enrolled_phone(&app, &colleague).await;
    app.upload_from(&colleague.access, &their_phone, image.clone()).await;
    let theirs = confirm(&claim, &hash, &their_phone, &image_hash, &their_key);
    let r =
        push(&app, &colleague, &their_phone, 2, &[visit(1, MutationKind::OwnerConfirmation, None, theirs)])
            .await;
    assert_eq!(r.body["results"][0]["reason"], "not_allowed", "{}", r.body);
    // The assigned technician, before checking in: nothing witnessed yet.
    let early = confirm(&claim, &hash, &phone, &image_hash, &key);
    let r =
        push(&app, &c.technician, &phone, 2, &[visit(2, MutationKind::OwnerConfirmation, None, early)]).await;
    assert_eq!(r.body["results"][0]["reason"], "not_allowed", "{}", r.body);
    // On site.
    crate::sync::check_in_now(&app, &c.technician, &wo).await;
    let on_site = confirm(&claim, &hash, &phone, &image_hash, &key);
    let r = push(&app, &c.technician, &phone, 2, &[visit(3, MutationKind::OwnerConfirmation, None, on_site)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.owner.access).await.body;
    let sheet = &page["cost_sheets"][0];
    assert_eq!(
        (&sheet["signature"], &sheet["signed_by"], &sheet["witnessed_by"]),
        (&json!("in_person"), &Value::Null, &json!(c.technician.user_id))
    );
    // The applicant is told at once, and no longer asked to sign what they signed on site.
    let told = notices(&app, &c.owner, &claim).await;
    assert!(
        told.contains(&"signed_in_person".to_string()) && told.contains(&"signature_requested".to_string())
    );
    let unread = app.get("/api/v1/notifications?unread=true", &c.owner.access).await.body;
    let still_asked = unread["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["claim_id"] == json!(claim) && n["kind"] == "signature_requested");
    assert!(!still_asked, "the request to sign was withdrawn: {unread}");

    let path = |step: &str| format!("/api/v1/claims/{claim}/{step}");
    ok(&app, &c.technician.access, &path("submit-cost-sheet"), json!({"revision": 1})).await;
    // Nobody but the applicant disputes it.
    let dispute = json!({"reason": "我没有签字"});
    let property = app.login("property").await;
    let r = app.post(&path("cost-sheets/1/dispute-signature"), &property.access, dispute.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app.post(&path("cost-sheets/1/dispute-signature"), &c.technician.access, dispute.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // The applicant does: the sheet goes back to the repair unit unsigned, on the timeline.
    let disputed = ok(&app, &c.owner.access, &path("cost-sheets/1/dispute-signature"), dispute.clone()).await;
    assert_eq!(disputed["claim"]["state"], "in_repair");
    assert_eq!(disputed["cost_sheets"][0]["signed"], false);
    assert_eq!(disputed["cost_sheets"][0]["dispute_reason"], "我没有签字");
    let actions: Vec<&str> =
        disputed["timeline"].as_array().unwrap().iter().filter_map(|t| t["action"].as_str()).collect();
    assert!(actions.contains(&"dispute_signature"), "{actions:?}");
    assert!(notices(&app, &c.technician, &claim).await.contains(&"signature_disputed".to_string()));
    // The bureau, which had the sheet, hears of it too (the notification table's row).
    assert!(notices(&app, &c.reviewer, &claim).await.contains(&"signature_disputed".to_string()));
    let r = app.post(&path("submit-cost-sheet"), &c.technician.access, json!({"revision": 1})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a disputed signature does not count: {}", r.body);
    let again = app.post(&path("cost-sheets/1/dispute-signature"), &c.owner.access, dispute).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "step_out_of_order"));
    // The applicant's own signature, on their account, replaces it.
    let signed = baoxiu_e2e::sign_as_shown(&app, &c.owner.access, &path("cost-sheets/1/sign")).await;
    assert_eq!(
        (&signed["cost_sheets"][0]["signature"], &signed["cost_sheets"][0]["signed_by"]),
        (&json!("account"), &json!(c.owner.user_id))
    );
    ok(&app, &c.technician.access, &path("submit-cost-sheet"), json!({"revision": 1})).await;
}

#[tokio::test]
async fn an_in_person_signature_after_the_window_is_refused() {
    let app = spawn_app_with(|c| c.in_person_signature_window_mins = 0).await;
    let FirstRevision { c, work_order: wo, claim, phone, key, hash } = first_revision_pushed(&app).await;
    crate::sync::check_in_now(&app, &c.technician, &wo).await;
    ok(
        &app,
        &c.technician.access,
        &format!("/api/v1/work-orders/{wo}/check-out"),
        json!({"outcome": "done"}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let image = baoxiu_e2e::photos::jpeg(200, 80, 92, None);
    app.upload_from(&c.technician.access, &phone, image.clone()).await;
    let late = confirm(&claim, &hash, &phone, &baoxiu_e2e::photos::sha256(&image), &key);
    let r =
        push(&app, &c.technician, &phone, 2, &[visit(2, MutationKind::OwnerConfirmation, None, late)]).await;
    assert_eq!(r.body["results"][0]["reason"], "not_allowed", "{}", r.body);
}

/// Over sync, every repair-unit mutation of a claim from anyone but the designated unit is
/// refused and leaves nothing: a revision, a note, a check-in, a check-out and an in-person
/// signature, from another unit's technician, the estate's property manager, the applicant, the
/// developer and a reviewer of another jurisdiction.
#[tokio::test]
async fn over_sync_only_the_designated_unit_acts_as_the_repair_unit() {
    let app = spawn_app().await;
    // A revision of the designated unit's to sign, and its technician on site.
    let FirstRevision { c, work_order: wo, claim, hash, .. } = first_revision_pushed(&app).await;
    let o = others(&app, &c).await;
    let image = baoxiu_e2e::photos::jpeg(200, 80, 94, None);
    crate::sync::check_in_now(&app, &c.technician, &wo).await;
    let parties = [
        ("another unit", &o.other_unit),
        ("the estate's property manager", &o.property),
        ("the applicant", &o.owner),
        ("the developer", &o.developer),
        ("a reviewer of another jurisdiction", &o.foreign_reviewer),
    ];
    for (who, session) in parties {
        // The developer and the bureau have no phones to push from: enrolment is refused.
        let probe = app.post("/api/v1/devices", &session.access, json!({"device_id": uuid::Uuid::now_v7().to_string(), "name": "手机", "public_key": crate::devices::fresh_public_key()})).await;
        if probe.status == StatusCode::FORBIDDEN {
            assert!(
                matches!(who, "the developer" | "a reviewer of another jurisdiction"),
                "{who}: {}",
                probe.body
            );
            continue;
        }
        let (their_phone, their_key) = enrolled_phone(&app, session).await;
        app.upload_from(&session.access, &their_phone, image.clone()).await;
        let own = revision(&claim, Some(hash.clone()), "他人");
        let batch = [
            visit(1, MutationKind::CostSheetRevision, None, serde_json::to_value(&own).unwrap()),
            visit(2, MutationKind::VisitNote, None, json!({"work_order_id": wo, "note": "到场"})),
            visit(3, MutationKind::CheckIn, None, json!({"work_order_id": wo})),
            visit(4, MutationKind::CheckOut, None, json!({"work_order_id": wo, "outcome": "done"})),
            visit(
                5,
                MutationKind::OwnerConfirmation,
                None,
                confirm(&claim, &hash, &their_phone, &baoxiu_e2e::photos::sha256(&image), &their_key),
            ),
        ];
        let reply = push(&app, session, &their_phone, 2, &batch).await;
        assert_eq!(reply.status, StatusCode::OK, "{who}: {}", reply.body);
        for result in reply.body["results"].as_array().unwrap() {
            assert_eq!(
                (&result["outcome"], &result["reason"]),
                (&json!("rejected"), &json!("not_allowed")),
                "{who}: {result}"
            );
        }
    }
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body;
    assert_eq!(page["cost_sheets"].as_array().unwrap().len(), 1, "only the designated unit's revision");
    assert_eq!(page["cost_sheets"][0]["signed"], false, "nobody signed for the applicant");
    let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
    assert_eq!(order["visits"].as_array().unwrap().len(), 1, "only the technician's own visit");
    assert!(order["visits"][0]["check_out_at"].is_null(), "nobody else checked it out");
}

/// A revision signed in person on the technician's phone, witnessed on site.
async fn signed_in_person(app: &TestApp) -> FirstRevision {
    let first = first_revision_pushed(app).await;
    let image = baoxiu_e2e::photos::jpeg(200, 80, 93, None);
    app.upload_from(&first.c.technician.access, &first.phone, image.clone()).await;
    let image_hash = baoxiu_e2e::photos::sha256(&image);
    crate::sync::check_in_now(app, &first.c.technician, &first.work_order).await;
    let on_site = confirm(&first.claim, &first.hash, &first.phone, &image_hash, &first.key);
    let r = push(
        app,
        &first.c.technician,
        &first.phone,
        2,
        &[visit(2, MutationKind::OwnerConfirmation, None, on_site)],
    )
    .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    first
}

#[tokio::test]
async fn the_applicant_confirms_an_in_person_signature_on_their_page_keeping_the_witness() {
    let app = spawn_app().await;
    let FirstRevision { c, claim, hash, .. } = signed_in_person(&app).await;
    let path = format!("/claims/{claim}");
    // Only the applicant is shown the record to confirm.
    let neighbour = baoxiu_e2e::web::Web::sign_in(&app, "owner-1-1-101").await;
    assert_eq!(neighbour.get(&path).await.status, StatusCode::NOT_FOUND);
    let web = baoxiu_e2e::web::Web::sign_in(&app, "owner").await;
    let page = web.get(&path).await;
    assert!(page.has("id=\"in-person\"") && page.has("form-confirm_signature"), "{}", page.body);
    assert!(!page.has("id=\"open-signing\""), "not asked to sign again what was signed on site");
    // A confirmation of another hash than the revision's is refused.
    let wrong = web
        .submit(
            &path,
            &format!("{path}/confirm_signature"),
            &[("revision", "1"), ("revision_hash", &"0".repeat(64))],
        )
        .await;
    assert_eq!(wrong.location(), format!("{path}/cost-sheets/1/sign?notice=changed"));
    let confirmed = web
        .submit(&path, &format!("{path}/confirm_signature"), &[("revision", "1"), ("revision_hash", &hash)])
        .await;
    assert_eq!(confirmed.location(), format!("{path}?notice=signed"), "{}", confirmed.body);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.owner.access).await.body;
    let sheet = &page["cost_sheets"][0];
    assert_eq!(
        (&sheet["signature"], &sheet["signed_by"], &sheet["witnessed_by"], &sheet["signed"]),
        (&json!("in_person"), &json!(c.owner.user_id), &json!(c.technician.user_id), &json!(true))
    );
    let actions: Vec<&str> =
        page["timeline"].as_array().unwrap().iter().filter_map(|t| t["action"].as_str()).collect();
    assert!(actions.contains(&"in_person_signature_confirmed"), "{actions:?}");
    assert!(!web.get(&path).await.has("form-confirm_signature"), "confirmed once");
}

#[tokio::test]
async fn the_applicant_disputes_an_in_person_signature_from_their_page() {
    let app = spawn_app().await;
    let FirstRevision { c, claim, .. } = signed_in_person(&app).await;
    let path = format!("/claims/{claim}");
    let web = baoxiu_e2e::web::Web::sign_in(&app, "owner").await;
    let empty =
        web.submit(&path, &format!("{path}/dispute_signature"), &[("revision", "1"), ("reason", " ")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.has("id=\"refusal-dispute_signature\""));
    let disputed = web
        .submit(&path, &format!("{path}/dispute_signature"), &[("revision", "1"), ("reason", "当天我不在家")])
        .await;
    assert_eq!(disputed.location(), format!("{path}?notice=done"), "{}", disputed.body);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.owner.access).await.body;
    assert_eq!(
        (&page["cost_sheets"][0]["signed"], &page["cost_sheets"][0]["dispute_reason"]),
        (&json!(false), &json!("当天我不在家"))
    );
    // Now the owner is asked to sign on their own account.
    assert!(web.get(&path).await.has("id=\"open-signing\""));
}

/// The attack an outside check found: the designated technician fetched the owner's own drawing
/// through a link on the claim page, uploaded the same bytes from the phone and pushed an in-person
/// confirmation of a later, dearer revision, which then carried the owner's drawing. Now the page
/// has no link for them, the bytes are refused, and so is a drawing the phone did not capture.
#[tokio::test]
async fn a_drawing_already_on_the_claim_or_not_captured_by_the_phone_cannot_sign_in_person() {
    let app = spawn_app().await;
    let FirstRevision { c, work_order: wo, claim, phone, key, hash } = first_revision_pushed(&app).await;
    // The owner signs revision 1 on their own account, with a drawing.
    let drawing = baoxiu_e2e::photos::jpeg(200, 80, 95, None);
    let drawing_id = app.upload(&c.owner.access, drawing.clone()).await;
    let path = |step: &str| format!("/api/v1/claims/{claim}/{step}");
    ok(
        &app,
        &c.owner.access,
        &path("cost-sheets/1/sign"),
        json!({"revision_hash": hash, "signature_file_id": drawing_id}),
    )
    .await;
    // The repair unit's page shows the signature but offers no link to the owner's drawing; the
    // applicant's and the bureau's do.
    let link = format!("/api/v1/files/{drawing_id}/signed");
    let unit = baoxiu_e2e::web::Web::sign_in(&app, "technician").await.get(&format!("/claims/{claim}")).await;
    assert_eq!(unit.status, StatusCode::OK);
    assert!(!unit.has(&link), "the repair unit gets no link to the owner's own drawing");
    let owner = baoxiu_e2e::web::Web::sign_in(&app, "owner").await.get(&format!("/claims/{claim}")).await;
    assert!(owner.has(&link), "the applicant sees their drawing");
    let bureau =
        baoxiu_e2e::web::Web::sign_in(&app, "reviewer").await.get(&format!("/review/claims/{claim}")).await;
    assert!(bureau.has(&link), "the bureau sees it");

    // A dearer revision 2, and the technician on site with the owner's bytes on the phone.
    let dearer = revision(&claim, Some(hash.clone()), "加价");
    let dearer_hash = dearer.hash().unwrap();
    let pushed = push(
        &app,
        &c.technician,
        &phone,
        2,
        &[visit(2, MutationKind::CostSheetRevision, None, serde_json::to_value(&dearer).unwrap())],
    )
    .await;
    assert_eq!(pushed.body["results"][0]["outcome"], "applied", "{}", pushed.body);
    crate::sync::check_in_now(&app, &c.technician, &wo).await;
    app.upload_from(&c.technician.access, &phone, drawing.clone()).await;
    let copied = confirm(&claim, &dearer_hash, &phone, &baoxiu_e2e::photos::sha256(&drawing), &key);
    let r = push(&app, &c.technician, &phone, 2, &[visit(3, MutationKind::OwnerConfirmation, None, copied)])
        .await;
    assert_eq!(
        (
            &r.body["results"][0]["outcome"],
            &r.body["results"][0]["reason"],
            &r.body["results"][0]["retryable"]
        ),
        (&json!("rejected"), &json!("not_allowed"), &json!(false)),
        "{}",
        r.body
    );
    // A fresh drawing uploaded by the technician's account but not from this phone: refused too.
    let elsewhere = baoxiu_e2e::photos::jpeg(200, 80, 96, None);
    app.upload(&c.technician.access, elsewhere.clone()).await;
    let not_captured = confirm(&claim, &dearer_hash, &phone, &baoxiu_e2e::photos::sha256(&elsewhere), &key);
    let r = push(
        &app,
        &c.technician,
        &phone,
        2,
        &[visit(4, MutationKind::OwnerConfirmation, None, not_captured)],
    )
    .await;
    assert_eq!(r.body["results"][0]["reason"], "not_allowed", "{}", r.body);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body;
    assert_eq!(page["cost_sheets"][1]["signed"], false, "revision 2 carries nobody's signature");

    // The owner cannot sign revision 2 with the same drawing either: a drawing is made anew.
    let again = app
        .post(
            &path("cost-sheets/2/sign"),
            &c.owner.access,
            json!({"revision_hash": dearer_hash, "signature_file_id": drawing_id}),
        )
        .await;
    assert_eq!(
        (again.status, again.code(), again.body["detail"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "signature_reused", Some("1"))
    );
    // A drawing captured on the phone, new to the claim, signs.
    let fresh = baoxiu_e2e::photos::jpeg(200, 80, 97, None);
    app.upload_from(&c.technician.access, &phone, fresh.clone()).await;
    let signed = confirm(&claim, &dearer_hash, &phone, &baoxiu_e2e::photos::sha256(&fresh), &key);
    let r = push(&app, &c.technician, &phone, 2, &[visit(5, MutationKind::OwnerConfirmation, None, signed)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);

    // Identical drawings recorded before this check (or by any other way in) are flagged in the
    // dossier: revision 2 made to hold revision 1's file.
    let (first_file, second_file) = (
        page["cost_sheets"][0]["signature_file_id"].as_str().unwrap().to_string(),
        app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body["cost_sheets"][1]
            ["signature_file_id"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let dossier = baoxiu_e2e::web::Web::sign_in(&app, "reviewer").await;
    assert!(!dossier.get(&format!("/review/claims/{claim}")).await.has("repeated-drawing"));
    app.sql(format!(
        "UPDATE cost_sheets SET signature_file_id = '{first_file}' WHERE signature_file_id = '{second_file}'"
    ))
    .await;
    let flagged = dossier.get(&format!("/review/claims/{claim}")).await;
    assert!(flagged.has("class=\"refusal repeated-drawing\""), "{}", flagged.body);
}
