//! The claim journeys through HTTP: the normal claim to the developer notice, the emergency claim
//! to reimbursement, the dispute both ways, every rejection, and the refusals on the way.

use baoxiu::domain::deadlines::{self, Clock, DayCount};
use baoxiu::domain::periods::years_after;
use baoxiu_e2e::photos::pdf;
use baoxiu_e2e::{demo_handover, spawn_app, Session, TestApp};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod views;

/// The demo people and places a claim needs.
pub struct Cast {
    pub owner: Session,
    pub reviewer: Session,
    pub developer: Session,
    pub technician: Session,
    pub property: Session,
    pub building: String,
    pub unit: String,
    pub repair_unit: String,
    /// A photo the owner uploaded, for claims that need evidence.
    pub owner_photo: String,
}

pub async fn cast(app: &TestApp) -> Cast {
    app.load_demo().await;
    let owner = app.login("owner").await;
    let admin = app.login("admin").await;
    let units = app.get("/api/v1/me/units", &owner.access).await;
    let orgs = app.get("/api/v1/organisations", &admin.access).await;
    let repair_unit =
        orgs.body.as_array().unwrap().iter().find(|o| o["kind"] == "repair_unit").unwrap()["id"].clone();
    Cast {
        reviewer: app.login("reviewer").await,
        developer: app.login("developer").await,
        technician: app.login("technician").await,
        property: app.login("property").await,
        building: units.body[0]["building_id"].as_str().unwrap().into(),
        unit: units.body[0]["id"].as_str().unwrap().into(),
        repair_unit: repair_unit.as_str().unwrap().into(),
        owner_photo: app.upload_photo(&owner.access, 1).await,
        owner,
    }
}

pub fn seepage_claim(c: &Cast) -> Value {
    json!({
        "kind": "standard",
        "building_id": c.building,
        "unit_id": c.unit,
        "location": "private_part",
        "category": "seepage",
        "location_detail": "主卧卫生间顶棚",
        "description": "楼上卫生间渗水，顶棚发霉，墙面起皮。",
        "evidence": [{"id": c.owner_photo, "kind": "before"}]
    })
}

/// Takes a filed claim to "in repair": developer silent, the demo repair unit designated, a plan
/// with `budget` approved, repair started.
/// Files the owner's seepage claim and returns its id.
pub async fn file_seepage(app: &TestApp, c: &Cast) -> String {
    baoxiu_e2e::ok(app, &c.owner.access, "/api/v1/claims", seepage_claim(c)).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Takes a filed claim to "approved": developer silent, the demo repair unit designated.
pub async fn to_approved(app: &TestApp, c: &Cast, id: &str) {
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    baoxiu_e2e::ok(app, &c.reviewer.access, &path("ask-developer"), json!({})).await;
    app.let_reply_period_pass(id).await;
    baoxiu_e2e::ok(app, &c.reviewer.access, &path("developer-silent"), json!({})).await;
    baoxiu_e2e::ok(app, &c.reviewer.access, &path("approve"), json!({"repair_unit_id": c.repair_unit})).await;
}

pub async fn to_in_repair(app: &TestApp, c: &Cast, id: &str, budget: &str) {
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    to_approved(app, c, id).await;
    baoxiu_e2e::ok(
        app,
        &c.technician.access,
        &path("plans"),
        json!({"description": "维修", "budget": budget}),
    )
    .await;
    baoxiu_e2e::ok(app, &c.reviewer.access, &path("plan-decision"), json!({"decision": "approve"})).await;
    baoxiu_e2e::ok(app, &c.technician.access, &path("start-repair"), json!({})).await;
}

/// Takes a claim in repair through a one-line cost sheet at `price`, signed by the applicant
/// `signer`, submitted and verified in full.
pub async fn to_verified(app: &TestApp, c: &Cast, id: &str, signer: &Session, price: &str) {
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    let line = json!({"lines": [{"kind": "other", "description": "维修费用", "unit": "项", "quantity": "1", "unit_price": price}]});
    baoxiu_e2e::ok(app, &c.technician.access, &path("cost-sheets"), line).await;
    baoxiu_e2e::sign_as_shown(app, &signer.access, &path("cost-sheets/1/sign")).await;
    baoxiu_e2e::ok(app, &c.technician.access, &path("submit-cost-sheet"), json!({"revision": 1})).await;
    let all = json!({"revision": 1, "lines": [{"line_no": 1, "decision": "approved"}]});
    baoxiu_e2e::ok(app, &c.reviewer.access, &path("verify"), all).await;
}

/// Takes a step and checks it succeeded; returns the claim page.
async fn step(app: &TestApp, who: &Session, claim: &str, path: &str, body: Value) -> Value {
    let reply = app.post(&format!("/api/v1/claims/{claim}/{path}"), &who.access, body).await;
    assert!(reply.status.is_success(), "{path}: {} {}", reply.status, reply.body);
    reply.body
}

fn lines() -> Value {
    json!([
        {"kind": "material", "description": "聚氨酯防水涂料", "unit": "m²", "quantity": "12.5", "unit_price": "38.47", "budget": "500.00"},
        {"kind": "labour", "description": "防水施工", "unit": "工日", "quantity": "3", "unit_price": "350.00", "budget": "1000.00"}
    ])
}

fn deadline<'a>(page: &'a Value, clock: &str) -> &'a Value {
    page["claim"]["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["clock"] == clock)
        .unwrap_or_else(|| panic!("no {clock} in {page}"))
}

#[tokio::test]
async fn a_standard_claim_from_filing_to_the_developer_notice() {
    let app = spawn_app().await;
    let c = cast(&app).await;

    let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    assert_eq!(filed.body["state"], "filed");
    assert_eq!(filed.body["waiting_on"], "bureau");
    // Seepage: 5 years from the hand-over (Art. 18).
    assert_eq!(filed.body["warranty_last_day"], years_after(demo_handover(), 5).unwrap().to_string());
    let id = filed.body["id"].as_str().unwrap().to_string();

    let queue = app.get("/api/v1/reviewer/queue", &c.reviewer.access).await;
    assert_eq!(queue.body["items"][0]["id"], id.as_str());
    assert_eq!(queue.body["items"][0]["your_next_step"], "ask_developer");

    let stale = app
        .post(&format!("/api/v1/claims/{id}/ask-developer"), &c.reviewer.access, json!({"version": 7}))
        .await;
    assert_eq!(
        (stale.status, stale.code(), stale.body["detail"].as_str()),
        (StatusCode::CONFLICT, "stale_version", Some("1"))
    );

    step(&app, &c.reviewer, &id, "ask-developer", json!({"version": 1, "note": "请开发企业7日内答复"})).await;
    let developers_view = app.get(&format!("/api/v1/claims/{id}"), &c.developer.access).await;
    assert_eq!(developers_view.body["claim"]["your_next_step"], "reply_to_bureau");
    // Silence counts only once the reply date has passed (Art. 17).
    let early =
        app.post(&format!("/api/v1/claims/{id}/developer-silent"), &c.reviewer.access, json!({})).await;
    assert_eq!((early.status, early.code()), (StatusCode::CONFLICT, "reply_period_running"));
    app.let_reply_period_pass(&id).await;
    step(&app, &c.reviewer, &id, "developer-silent", json!({})).await;
    let approved = step(&app, &c.reviewer, &id, "approve", json!({"repair_unit_id": c.repair_unit})).await;
    assert_eq!(approved["claim"]["state"], "approved");
    assert_eq!(approved["claim"]["waiting_on"], "repair_unit");

    // Plan and budget, returned once, then approved (Art. 22).
    let early = app.post(&format!("/api/v1/claims/{id}/start-repair"), &c.technician.access, json!({})).await;
    assert_eq!(
        (early.status, early.code(), early.body["detail"].as_str()),
        (StatusCode::CONFLICT, "step_out_of_order", Some("Art. 22"))
    );
    step(
        &app,
        &c.technician,
        &id,
        "plans",
        json!({"description": "铲除霉变层，重做防水", "budget": "1200.00"}),
    )
    .await;
    let bare_return = app
        .post(
            &format!("/api/v1/claims/{id}/plan-decision"),
            &c.reviewer.access,
            json!({"decision": "return"}),
        )
        .await;
    assert_eq!(bare_return.code(), "invalid_input", "a returned plan needs a comment");
    step(
        &app,
        &c.reviewer,
        &id,
        "plan-decision",
        json!({"decision": "return", "comment": "预算偏低，请核实人工"}),
    )
    .await;
    step(
        &app,
        &c.technician,
        &id,
        "plans",
        json!({"description": "铲除霉变层，重做防水", "budget": "1500.00"}),
    )
    .await;
    step(&app, &c.reviewer, &id, "plan-decision", json!({"decision": "approve"})).await;
    step(&app, &c.technician, &id, "start-repair", json!({})).await;

    // Cost sheet revisions: append-only, optimistic.
    let first = app
        .post(&format!("/api/v1/claims/{id}/cost-sheets"), &c.technician.access, json!({"lines": lines()}))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    // 12.5 × 38.47 = 480.875 → 480.88; 3 × 350 = 1050; total 1530.88; budget 1500; over by 30.88.
    let sheet = &first.body["cost_sheets"][0];
    assert_eq!((sheet["total"].as_str(), sheet["variance"].as_str()), (Some("1530.88"), Some("30.88")));
    assert_eq!(sheet["lines"][0]["amount"], "480.88");
    assert_eq!(sheet["lines"][0]["variance"], "-19.12");
    let owners_view = app.get("/api/v1/claims", &c.owner.access).await;
    assert_eq!(owners_view.body["items"][0]["your_next_step"], "sign_cost_sheet");

    let unsigned = app
        .post(&format!("/api/v1/claims/{id}/submit-cost-sheet"), &c.technician.access, json!({"revision": 1}))
        .await;
    assert_eq!((unsigned.status, unsigned.code()), (StatusCode::CONFLICT, "cost_sheet_unsigned"));
    let second = app
        .post(
            &format!("/api/v1/claims/{id}/cost-sheets"),
            &c.technician.access,
            json!({"parent_revision": 1, "lines": lines()}),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    let raced = app
        .post(
            &format!("/api/v1/claims/{id}/cost-sheets"),
            &c.technician.access,
            json!({"parent_revision": 1, "lines": lines()}),
        )
        .await;
    assert_eq!(
        (raced.status, raced.code(), raced.body["detail"].as_str()),
        (StatusCode::CONFLICT, "stale_version", Some("2"))
    );

    // The applicant signs one exact revision; nobody else can.
    let old = app
        .post(
            &format!("/api/v1/claims/{id}/cost-sheets/1/sign"),
            &c.owner.access,
            baoxiu_e2e::shown(&app, &c.owner.access, &format!("/api/v1/claims/{id}/cost-sheets/1/sign"))
                .await,
        )
        .await;
    assert_eq!((old.code(), old.body["detail"].as_str()), ("stale_version", Some("2")));
    let not_applicant = app
        .post(
            &format!("/api/v1/claims/{id}/cost-sheets/2/sign"),
            &c.property.access,
            baoxiu_e2e::shown(&app, &c.owner.access, &format!("/api/v1/claims/{id}/cost-sheets/2/sign"))
                .await,
        )
        .await;
    assert_eq!((not_applicant.status, not_applicant.code()), (StatusCode::FORBIDDEN, "step_not_for_role"));
    step(
        &app,
        &c.owner,
        &id,
        "cost-sheets/2/sign",
        json!({"revision_hash": baoxiu_e2e::shown_hash(&app, &c.owner.access, &id, 2).await}),
    )
    .await;

    let received_at = Utc::now();
    let submitted = step(&app, &c.technician, &id, "submit-cost-sheet", json!({"revision": 2})).await;
    assert_eq!(submitted["claim"]["state"], "cost_sheet_submitted");
    // The payout deadline on the page is the rules function's answer (Art. 23).
    let calendar = baoxiu::domain::calendar::HolidayCalendar::shipped().unwrap();
    let expected = deadlines::due(Clock::Payout, received_at, DayCount::Calendar, &calendar).unwrap();
    let payout = deadline(&submitted, "payout");
    assert_eq!(payout["due_on"], expected.due_on.to_string());
    assert_eq!(payout["article"], "Art. 23");
    assert_eq!(payout["days_left"], 20);

    let early_pay = app
        .post(
            &format!("/api/v1/claims/{id}/pay"),
            &c.reviewer.access,
            json!({"payee": "repair_unit", "paid_on": "2026-01-01", "bank_reference": "x"}),
        )
        .await;
    assert_eq!(
        (early_pay.status, early_pay.code(), early_pay.body["detail"].as_str()),
        (StatusCode::CONFLICT, "step_out_of_order", Some("Art. 23"))
    );

    let verified = step(
        &app,
        &c.reviewer,
        &id,
        "verify",
        json!({"revision": 2, "lines": [
            {"line_no": 1, "decision": "approved"},
            {"line_no": 2, "decision": "cut", "approved_amount": "900.00", "reason": "按定额每工日300元"}
        ]}),
    )
    .await;
    assert_eq!(verified["cost_sheets"][1]["approved_total"], "1380.88");

    let today = deadlines::shanghai_date(Utc::now());
    let paid_at = Utc::now();
    let paid = step(
        &app,
        &c.reviewer,
        &id,
        "pay",
        json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "ICBC-20261127-0001"}),
    )
    .await;
    assert_eq!(paid["claim"]["state"], "paid");
    assert_eq!(paid["payout"]["amount"], "1380.88", "the payout is the approved total");
    assert_eq!(paid["payout"]["cost_sheet_revision"], 2);
    assert_eq!(deadline(&paid, "payout")["met"], true);
    let usage = deadline(&paid, "usage_notice");
    let expected = deadlines::due(Clock::UsageNotice, paid_at, DayCount::Calendar, &calendar).unwrap();
    assert_eq!(
        (usage["due_on"].as_str(), usage["article"].as_str()),
        (Some(expected.due_on.to_string().as_str()), Some("Art. 26"))
    );

    let done = step(&app, &c.reviewer, &id, "notify-developer", json!({})).await;
    assert_eq!(
        (done["claim"]["state"].as_str(), done["claim"]["waiting_on"].as_str()),
        (Some("developer_notified"), Some("nobody"))
    );
    let queue = app.get("/api/v1/reviewer/queue", &c.reviewer.access).await;
    assert!(queue.body["items"].as_array().unwrap().is_empty());

    // The timeline holds every change with who made it.
    let actions: Vec<&str> =
        done["timeline"].as_array().unwrap().iter().map(|t| t["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "file",
            "ask_developer",
            "developer_silent",
            "approve",
            "submit_plan",
            "return_plan",
            "submit_plan",
            "approve_plan",
            "start_repair",
            "cost_sheet_revision",
            "cost_sheet_revision",
            "cost_sheet_signed",
            "submit_cost_sheet",
            "verify",
            "pay",
            "notify_developer"
        ]
    );
    assert_eq!(done["timeline"][1]["actor_id"], c.reviewer.user_id.as_str());
    assert_eq!(done["timeline"][1]["before"], "filed");
    assert_eq!(done["timeline"][1]["detail"]["note"], "请开发企业7日内答复");
    // One version per lifecycle step; cost-sheet revisions carry their own numbers.
    assert_eq!(done["claim"]["version"], 13);
}

#[tokio::test]
async fn the_audit_trail_cannot_be_edited_even_in_the_database() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
    assert_eq!(filed.status, StatusCode::CREATED);
    let db = app.db.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut conn = db.conn().unwrap();
        let update = diesel::sql_query("UPDATE audit_log SET action = 'forged'").execute(&mut *conn);
        let delete = diesel::sql_query("DELETE FROM audit_log").execute(&mut *conn);
        (update.is_err(), delete.is_err())
    })
    .await
    .unwrap();
    assert_eq!(outcome, (true, true));
}

/// A report date inside the demo building's 2-year pipe warranty, which ended long ago: ten days
/// before its end (Art. 18).
pub fn pipes_reported_on() -> String {
    (years_after(demo_handover(), 2).unwrap() - chrono::Days::new(10)).to_string()
}

/// Art. 22: the applicant signs *that* sheet. A signature without the hash of the revision shown
/// used to sign whatever was latest, one recorded after the owner looked included.
#[tokio::test]
async fn a_signature_without_the_hash_shown_is_refused_naming_it() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    crate::claims::to_in_repair(&app, &c, &id, "1500.00").await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    baoxiu_e2e::ok(&app, &c.technician.access, &path("cost-sheets"), json!({"lines": [{"kind": "labour", "description": "人工", "unit": "工日", "quantity": "1", "unit_price": "300.00"}]})).await;
    for body in [json!({}), json!({"revision_hash": " "})] {
        let r = app.post(&path("cost-sheets/1/sign"), &c.owner.access, body.clone()).await;
        assert_eq!(
            (r.status, r.code(), r.body["detail"].as_str()),
            (StatusCode::BAD_REQUEST, "invalid_input", Some("revision_hash")),
            "{body}"
        );
    }
    let page = app.get(&format!("/api/v1/claims/{id}"), &c.owner.access).await.body;
    assert_eq!(page["cost_sheets"][0]["signed"], false, "nothing signed: {page}");
    // The owner was shown revision 1; the unit records revision 2 meanwhile. Revision 1's hash
    // signs nothing, whichever revision the request names: 409 naming the latest.
    let shown = page["cost_sheets"][0]["hash"].as_str().unwrap().to_string();
    let second = json!({"parent_revision": 1, "lines": [{"kind": "labour", "description": "人工", "unit": "工日", "quantity": "2", "unit_price": "300.00"}]});
    baoxiu_e2e::ok(&app, &c.technician.access, &path("cost-sheets"), second).await;
    for revision in [1, 2] {
        let r = app
            .post(
                &path(&format!("cost-sheets/{revision}/sign")),
                &c.owner.access,
                json!({"revision_hash": shown}),
            )
            .await;
        assert_eq!(
            (r.status, r.code(), r.body["detail"].as_str()),
            (StatusCode::CONFLICT, "stale_version", Some("2")),
            "revision {revision}"
        );
    }
    let page = app.get(&format!("/api/v1/claims/{id}"), &c.owner.access).await.body;
    assert!(page["cost_sheets"].as_array().unwrap().iter().all(|s| s["signed"] == false), "{page}");
    let latest = page["cost_sheets"][1]["hash"].as_str().unwrap().to_string();
    baoxiu_e2e::ok(&app, &c.owner.access, &path("cost-sheets/2/sign"), json!({"revision_hash": latest}))
        .await;
    let doc = app.call(reqwest::Method::GET, "/api/openapi.json", None, None).await.body;
    let required = &doc["components"]["schemas"]["SignRequest"]["required"];
    assert!(required.as_array().is_some_and(|r| r.contains(&json!("revision_hash"))), "{required}");
}

#[tokio::test]
async fn an_emergency_repair_is_reimbursed_after_liability_is_settled() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let claim = |amount: &str, evidence: Value| {
        json!({
            "kind": "emergency_advance",
            "building_id": c.building,
            "location": "common_part",
            "category": "electrical_plumbing_equipment",
            "location_detail": "地下室给水主管",
            "description": "给水主管爆裂，全楼停水，连夜抢修。",
            "reported_on": pipes_reported_on(),
            "with_owner_representatives": true,
            "evidence": evidence,
            "advance": {"amount": amount, "lines": lines()}
        })
    };
    let (photo, receipt) =
        (app.upload_photo(&c.property.access, 2).await, app.upload(&c.property.access, pdf()).await);
    let photos = json!([{"id": photo, "kind": "before"}, {"id": receipt, "kind": "receipt"}]);
    let no_evidence = app.post("/api/v1/claims", &c.property.access, claim("1530.88", json!([]))).await;
    assert_eq!(
        (no_evidence.status, no_evidence.code(), no_evidence.body["detail"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "emergency_evidence_required", Some("Art. 25"))
    );
    let mismatch = app.post("/api/v1/claims", &c.property.access, claim("1600.00", photos.clone())).await;
    assert_eq!(
        (mismatch.code(), mismatch.body["detail"].as_str()),
        ("advanced_amount_mismatch", Some("1530.88"))
    );

    let filed = app.post("/api/v1/claims", &c.property.access, claim("1530.88", photos)).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    // Reported ten days before the 2-year pipe warranty ended (Art. 18), long ago.
    assert_eq!(filed.body["warranty_last_day"], years_after(demo_handover(), 2).unwrap().to_string());
    assert_eq!(filed.body["advanced_amount"], "1530.88");
    let id = filed.body["id"].as_str().unwrap().to_string();

    step(&app, &c.reviewer, &id, "ask-developer", json!({})).await;
    let redo = app
        .post(
            &format!("/api/v1/claims/{id}/developer-reply"),
            &c.developer.access,
            json!({"reply": "will_repair"}),
        )
        .await;
    assert_eq!(redo.code(), "step_out_of_order", "the repair is already done");
    step(
        &app,
        &c.developer,
        &id,
        "developer-reply",
        json!({"reply": "dispute", "note": "认为系物业使用不当"}),
    )
    .await;
    step(
        &app,
        &c.reviewer,
        &id,
        "inspection",
        json!({"developer_liable": true, "report_evidence_id": app.upload(&c.reviewer.access, pdf()).await}),
    )
    .await;
    let approved_at = Utc::now();
    let approved = step(&app, &c.reviewer, &id, "approve", json!({})).await;
    assert_eq!(
        approved["claim"]["state"], "cost_sheet_submitted",
        "no plan and no work order on the emergency path"
    );
    let calendar = baoxiu::domain::calendar::HolidayCalendar::shipped().unwrap();
    let expected = deadlines::due(Clock::Payout, approved_at, DayCount::Calendar, &calendar).unwrap();
    assert_eq!(deadline(&approved, "payout")["due_on"], expected.due_on.to_string());
    assert_eq!(approved["cost_sheets"][0]["signed_by"], c.property.user_id.as_str());
    assert_eq!(approved["evidence"].as_array().unwrap().len(), 3);

    step(&app, &c.reviewer, &id, "verify", json!({"revision": 1, "lines": [{"line_no": 1, "decision": "approved"}, {"line_no": 2, "decision": "approved"}]})).await;
    let to_unit = app.post(&format!("/api/v1/claims/{id}/pay"), &c.reviewer.access, json!({"payee": "repair_unit", "paid_on": deadlines::shanghai_date(Utc::now()), "bank_reference": "R1"})).await;
    assert_eq!(to_unit.code(), "invalid_input", "an advance is reimbursed to whoever advanced it");
    let paid = step(&app, &c.reviewer, &id, "pay", json!({"payee": "applicant", "paid_on": deadlines::shanghai_date(Utc::now()), "bank_reference": "R1"})).await;
    assert_eq!(paid["payout"]["amount"], "1530.88");
    let done = step(&app, &c.reviewer, &id, "notify-developer", json!({})).await;
    assert_eq!(done["claim"]["state"], "developer_notified");
}

#[tokio::test]
async fn the_dispute_branch_both_ways() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
        let id = filed.body["id"].as_str().unwrap().to_string();
        step(&app, &c.reviewer, &id, "ask-developer", json!({})).await;
        step(&app, &c.developer, &id, "developer-reply", json!({"reply": "dispute"})).await;
        ids.push(id);
    }
    let liable = step(&app, &c.reviewer, &ids[0], "inspection", json!({"developer_liable": true})).await;
    assert_eq!(
        (liable["claim"]["state"].as_str(), liable["claim"]["waiting_on"].as_str()),
        (Some("awaiting_decision"), Some("bureau"))
    );
    let cleared = step(&app, &c.reviewer, &ids[1], "inspection", json!({"developer_liable": false})).await;
    assert_eq!(cleared["claim"]["state"], "rejected");
    assert_eq!(cleared["claim"]["rejection"]["reason"], "not_developer_liable");
    assert_eq!(cleared["claim"]["rejection"]["article"], "Art. 24");
}

#[tokio::test]
async fn the_developer_repairs_and_the_fund_is_not_used() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
    let id = filed.body["id"].as_str().unwrap().to_string();
    step(&app, &c.reviewer, &id, "ask-developer", json!({})).await;
    step(&app, &c.developer, &id, "developer-reply", json!({"reply": "will_repair"})).await;
    let closed = step(&app, &c.reviewer, &id, "developer-repaired", json!({})).await;
    assert_eq!(
        (closed["claim"]["state"].as_str(), closed["claim"]["waiting_on"].as_str()),
        (Some("closed"), Some("nobody"))
    );
    let again = app
        .post(
            &format!("/api/v1/claims/{id}/approve"),
            &c.reviewer.access,
            json!({"repair_unit_id": c.repair_unit}),
        )
        .await;
    assert_eq!((again.status, again.body["detail"].as_str()), (StatusCode::CONFLICT, Some("Art. 21")));
}

#[tokio::test]
async fn every_rejection_reason_names_its_article() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    for (reason, article) in [
        ("out_of_period", "Art. 18"),
        ("excluded", "Art. 19"),
        ("developer_repairs", "Art. 17"),
        ("not_developer_liable", "Art. 24"),
        ("ineligible_applicant", "Art. 20"),
        ("not_an_emergency", "Art. 25"),
    ] {
        let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
        let id = filed.body["id"].as_str().unwrap();
        let rejected =
            step(&app, &c.reviewer, id, "reject", json!({"reason": reason, "note": "经核查"})).await;
        let rejection = &rejected["claim"]["rejection"];
        assert_eq!(
            (&rejection["reason"], &rejection["article"], &rejection["note"]),
            (&json!(reason), &json!(article), &json!("经核查"))
        );
        // The reason in words, naming the same article in Chinese.
        let chinese_article = ["第十七条", "第十八条", "第十九条", "第二十条", "第二十四条", "第二十五条"][[
            "Art. 17", "Art. 18", "Art. 19", "Art. 20", "Art. 24", "Art. 25",
        ]
        .iter()
        .position(|a| *a == article)
        .unwrap()];
        assert!(rejection["text"].as_str().unwrap().contains(chinese_article), "{rejection}");
        assert_eq!(rejected["claim"]["waiting_on"], "nobody");
    }
}

#[tokio::test]
async fn filing_refuses_what_the_rules_refuse() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let with = |patch: Value| {
        let mut body = seepage_claim(&c);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    // Pipes: 2 years from the hand-over, 1,620 days ago (Art. 18).
    let last_day = format!("Art. 18: {}", years_after(demo_handover(), 2).unwrap());
    let late = app
        .post("/api/v1/claims", &c.owner.access, with(json!({"category": "electrical_plumbing_equipment"})))
        .await;
    assert_eq!(
        (late.status, late.code(), late.body["detail"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "out_of_warranty", Some(last_day.as_str()))
    );
    let other = app.post("/api/v1/claims", &c.owner.access, with(json!({"category": "other"}))).await;
    assert_eq!(other.code(), "no_period_agreed");
    // An owner cannot apply for a common part (Art. 20).
    let common = app
        .post("/api/v1/claims", &c.owner.access, with(json!({"location": "common_part", "unit_id": null})))
        .await;
    assert_eq!((common.code(), common.body["detail"].as_str()), ("ineligible_applicant", Some("Art. 20")));
    // A property manager without owner representatives, and no owners' committee (Art. 20).
    let alone = app
        .post("/api/v1/claims", &c.property.access, with(json!({"location": "common_part", "unit_id": null})))
        .await;
    assert_eq!(alone.code(), "ineligible_applicant");
    let with_reps = app
        .post(
            "/api/v1/claims",
            &c.property.access,
            with(json!({"location": "common_part", "unit_id": null, "with_owner_representatives": true, "evidence": []})),
        )
        .await;
    assert_eq!(with_reps.status, StatusCode::CREATED, "{}", with_reps.body);
    // A private part needs its unit; the future is not a report date; evidence needs a known kind.
    assert_eq!(
        app.post("/api/v1/claims", &c.owner.access, with(json!({"unit_id": null}))).await.code(),
        "invalid_input"
    );
    assert_eq!(
        app.post("/api/v1/claims", &c.owner.access, with(json!({"reported_on": "2099-01-01"}))).await.code(),
        "invalid_input"
    );
    let bad_kind = with(json!({"evidence": [{"id": c.owner_photo, "kind": "selfie"}]}));
    assert_eq!(app.post("/api/v1/claims", &c.owner.access, bad_kind).await.code(), "invalid_input");
    // Evidence is a file the applicant uploaded: someone else's, or none at all, is refused.
    let theirs = app.upload_photo(&c.property.access, 3).await;
    for id in [theirs, uuid::Uuid::now_v7().to_string()] {
        let borrowed = app
            .post(
                "/api/v1/claims",
                &c.owner.access,
                with(json!({"evidence": [{"id": id, "kind": "before"}]})),
            )
            .await;
        assert_eq!(
            (borrowed.status, borrowed.code(), borrowed.body["detail"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "file_not_found", Some(id.as_str()))
        );
    }
    assert_eq!(
        app.post("/api/v1/claims", &c.owner.access, with(json!({"category": "roof"}))).await.code(),
        "malformed_json"
    );
    // Nothing was half-written: only the one good claim exists.
    let all = app.get("/api/v1/claims", &c.reviewer.access).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);
}
