//! The warranty fund: a deposit notice through an objection and a late payment, the certificate,
//! payouts charged to the journal, and a payout the fund cannot cover.

use baoxiu::domain::deadlines::shanghai_date;
use baoxiu_e2e::photos::pdf;
use baoxiu_e2e::{ok, spawn_app};
use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::claims::{cast, seepage_claim, to_in_repair, to_verified};

#[tokio::test]
async fn a_deposit_through_objection_recheck_and_late_payment() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let estate = app.demo_estate(&c.reviewer.access).await;
    let building = ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap()),
        json!({"name": "4号楼", "class": "high_rise", "construction_cost": "10000000.00", "design_life_years": 50}),
    )
    .await;
    let b = building["id"].as_str().unwrap().to_string();
    let today = shanghai_date(Utc::now());
    let due_on = today - Duration::days(20);
    let notice = |evidence: Value| {
        json!({
            "reductions": {"certification": "2a", "credit_points": "0.5"},
            "due_on": today,
            "evidence": evidence
        })
    };
    let (certificate, rating) =
        (app.upload(&c.reviewer.access, pdf()).await, app.upload_photo(&c.reviewer.access, 9).await);
    let cert = json!([{"id": certificate, "kind": "performance_certificate"}]);
    let missing = app
        .post(&format!("/api/v1/buildings/{b}/deposit-notice"), &c.reviewer.access, notice(cert.clone()))
        .await;
    assert_eq!(
        (missing.code(), missing.body["detail"].as_str()),
        ("invalid_input", Some("credit_rating (Art. 9)"))
    );
    let both = json!([
        {"id": certificate, "kind": "performance_certificate"},
        {"id": rating, "kind": "credit_rating"}
    ]);
    let created = app
        .post(&format!("/api/v1/buildings/{b}/deposit-notice"), &c.reviewer.access, notice(both.clone()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    // High-rise 5 % − 2A (2) − credit (0.5) = 2.5 % of ¥10,000,000 = ¥250,000 (Art. 8-9).
    assert_eq!(
        (created.body["rate"].as_str(), created.body["amount"].as_str()),
        (Some("2.5"), Some("250000.00"))
    );
    assert_eq!(created.body["objection_due_on"], (today + Duration::days(7)).to_string());
    let again =
        app.post(&format!("/api/v1/buildings/{b}/deposit-notice"), &c.reviewer.access, notice(both)).await;
    assert_eq!(
        (again.status, again.code(), again.body["detail"].as_str()),
        (StatusCode::CONFLICT, "already_exists", Some("Art. 12"))
    );
    let told = app.get("/api/v1/notifications", &c.developer.access).await;
    assert_eq!(told.body["items"][0]["kind"], "deposit_notified");

    // The developer objects within 7 days (Art. 11); no payment is taken while it is re-checked.
    ok(
        &app,
        &c.developer.access,
        &format!("/api/v1/buildings/{b}/deposit-notice/objection"),
        json!({"reason": "企业信用等级为AAA，应减1个百分点"}),
    )
    .await;
    let blocked = app
        .post(
            &format!("/api/v1/buildings/{b}/deposit-payments"),
            &c.reviewer.access,
            json!({"amount": "1.00", "paid_on": today, "bank_reference": "x"}),
        )
        .await;
    assert_eq!(blocked.code(), "step_out_of_order");
    let twice = app
        .post(
            &format!("/api/v1/buildings/{b}/deposit-notice/objection"),
            &c.developer.access,
            json!({"reason": "再次异议"}),
        )
        .await;
    assert_eq!(twice.code(), "step_out_of_order");
    // Corrected to a full point of credit: 5 − 2 − 1 = 2 % → ¥200,000.
    let rechecked = ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/buildings/{b}/deposit-notice/recheck"),
        json!({"corrected": true, "reductions": {"certification": "2a", "credit_points": "1"}, "note": "复核后按信用等级减1个百分点"}),
    )
    .await;
    assert_eq!(
        (rechecked["status"].as_str(), rechecked["amount"].as_str()),
        (Some("confirmed"), Some("200000.00"))
    );

    // Fifty days pass: the notice was served fifty days ago and fell due twenty days ago.
    app.deposit_notice_dated(&b, today - Duration::days(50), due_on).await;
    // Twenty days late and unpaid: 20 × 0.3 % × 200,000 = ¥12,000 accruing, shown live (Art. 16).
    let live = app.get(&format!("/api/v1/buildings/{b}/deposit-notice"), &c.developer.access).await;
    assert_eq!(live.body["late_fee_accruing"], "12000.00");

    // Paid in two parts: ¥100,000 five days late, ¥100,000 ten days late.
    //   5 days × 200,000 × 0.003 = 3,000; then 5 days × 100,000 × 0.003 = 1,500.
    let first = ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/buildings/{b}/deposit-payments"),
        json!({"amount": "100000.00", "paid_on": due_on + Duration::days(5), "bank_reference": "JN-001"}),
    )
    .await;
    assert_eq!(
        (first["payments"][0]["late_fee"].as_str(), first["outstanding"].as_str()),
        (Some("3000.00"), Some("100000.00"))
    );
    let too_much = app.post(&format!("/api/v1/buildings/{b}/deposit-payments"), &c.reviewer.access, json!({"amount": "100000.01", "paid_on": due_on + Duration::days(10), "bank_reference": "JN-002"})).await;
    assert_eq!(
        (too_much.code(), too_much.body["detail"].as_str()),
        ("payment_exceeds_outstanding", Some("100000.00"))
    );
    let second = ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/buildings/{b}/deposit-payments"),
        json!({"amount": "100000.00", "paid_on": due_on + Duration::days(10), "bank_reference": "JN-002"}),
    )
    .await;
    assert_eq!(second["payments"][1]["late_fee"], "1500.00");
    assert_eq!(
        (second["status"].as_str(), second["late_fee_charged"].as_str()),
        (Some("paid"), Some("4500.00"))
    );
    assert_eq!(second["late_fee_accruing"], "0.00");

    // The certificate checks out for anyone holding it (Art. 15).
    let number = second["certificate_number"].as_str().unwrap();
    let check = app.call(Method::GET, &format!("/api/v1/deposit-certificates/{number}"), None, None).await;
    assert_eq!(check.status, StatusCode::OK);
    assert_eq!(
        (check.body["valid"].as_bool(), check.body["amount"].as_str(), check.body["building"].as_str()),
        (Some(true), Some("200000.00"), Some("4号楼"))
    );
    let forged =
        app.call(Method::GET, "/api/v1/deposit-certificates/BXJ-370102-2026-000000000000", None, None).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    // The bureau's page links to the certificate's own page of the site, in the reader's language.
    let bureau = baoxiu_e2e::web::Web::sign_in(&app, "reviewer").await;
    let page = bureau.get(&format!("/review/fund/buildings/{b}")).await;
    assert!(page.has(&format!("href=\"/certificates/{number}\"")), "{}", page.body);
    let certificate = bureau.get(&format!("/certificates/{number}")).await;
    assert!(certificate.has("id=\"sign-out\"") && certificate.has("¥200,000.00") && certificate.has("有效"));
    let mut stranger = baoxiu_e2e::web::Web::new(&app);
    stranger.language = Some("en");
    let public = stranger.get(&format!("/certificates/{number}")).await;
    assert!(
        public.has("Deposit certificate") && public.has("Valid") && !public.has("有效"),
        "{}",
        public.body
    );
    assert_eq!(
        stranger.get("/certificates/BXJ-370102-2026-000000000000").await.status,
        StatusCode::NOT_FOUND
    );

    // The journal: ¥200,000 deposit and ¥4,500 late fees, shared equally among eight categories.
    let fund = app.get(&format!("/api/v1/buildings/{b}/fund"), &c.reviewer.access).await;
    assert_eq!(fund.body["balance"], "204500.00");
    let seepage = fund.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "seepage")
        .unwrap()
        .clone();
    assert_eq!(
        (seepage["deposits"].as_str(), seepage["late_fees"].as_str(), seepage["balance"].as_str()),
        (Some("25000.00"), Some("562.50"), Some("25562.50"))
    );
    // The journal cannot be edited, even in the database.
    let db = app.db.clone();
    let refused = tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut conn = db.conn().unwrap();
        diesel::sql_query("UPDATE journal SET amount_fen = 0").execute(&mut *conn).is_err()
    })
    .await
    .unwrap();
    assert!(refused);
}

#[tokio::test]
async fn the_objection_period_is_seven_days() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let estate = app.demo_estate(&c.reviewer.access).await;
    let building = ok(&app, &c.reviewer.access, &format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap()), json!({"name": "5号楼", "class": "low_rise", "construction_cost": "1234567.89", "design_life_years": 50})).await;
    let b = building["id"].as_str().unwrap().to_string();
    let created = ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/buildings/{b}/deposit-notice"),
        json!({"due_on": (baoxiu_e2e::today() + Duration::days(56)).to_string()}),
    )
    .await;
    // ¥1,234,567.89 × 3 % = 37,037.0367 → ¥37,037.04.
    assert_eq!(created["amount"], "37037.04");
    let db = app.db.clone();
    let id = b.clone();
    tokio::task::spawn_blocking(move || {
        use baoxiu::db::schema::deposit_notices;
        use diesel::prelude::*;
        let mut conn = db.conn().unwrap();
        let eight_days_ago = shanghai_date(Utc::now()) - Duration::days(1);
        diesel::update(deposit_notices::table.filter(deposit_notices::building_id.eq(id)))
            .set(deposit_notices::objection_due_on.eq(eight_days_ago))
            .execute(&mut *conn)
            .unwrap();
    })
    .await
    .unwrap();
    let late = app
        .post(
            &format!("/api/v1/buildings/{b}/deposit-notice/objection"),
            &c.developer.access,
            json!({"reason": "太多"}),
        )
        .await;
    assert_eq!((late.status, late.code()), (StatusCode::CONFLICT, "objection_period_over"));
    // Another developer's staff cannot even see the building's notice.
    let owner = app.get(&format!("/api/v1/buildings/{b}/deposit-notice"), &c.owner.access).await;
    assert_eq!(owner.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn payouts_are_charged_to_their_category_and_never_overdraw_it() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let run_to_verified = |price: &'static str| {
        let app = &app;
        let c = &c;
        async move {
            let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(c)).await;
            let id = filed.body["id"].as_str().unwrap().to_string();
            to_in_repair(app, c, &id, price).await;
            to_verified(app, c, &id, &c.owner, price).await;
            id
        }
    };
    let today = shanghai_date(Utc::now());
    // 1号楼 deposited ¥558,000 (3 % of ¥18,600,000); seepage's share is ¥69,750.
    let affordable = run_to_verified("60000.00").await;
    ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/claims/{affordable}/pay"),
        json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "P-1"}),
    )
    .await;
    let too_big = run_to_verified("10000.00").await;
    let refused = app
        .post(
            &format!("/api/v1/claims/{too_big}/pay"),
            &c.reviewer.access,
            json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "P-2"}),
        )
        .await;
    // ¥69,750 − ¥60,000 leaves ¥9,750; ¥10,000 is short by ¥250, recorded against the developer.
    assert_eq!(
        (refused.status, refused.code(), refused.body["detail"].as_str()),
        (StatusCode::CONFLICT, "insufficient_balance", Some("250.00"))
    );
    let page = app.get(&format!("/api/v1/claims/{too_big}"), &c.reviewer.access).await;
    assert_eq!(page.body["claim"]["state"], "verified", "the claim is not paid");
    let db = app.db.clone();
    let claim = too_big.clone();
    let shortfalls = tokio::task::spawn_blocking(move || {
        let mut conn = db.conn().unwrap();
        baoxiu::db::fund::shortfalls_of(&mut conn, &claim).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(shortfalls, [25_000]);

    let building = &c.building;
    let fund = app.get(&format!("/api/v1/buildings/{building}/fund"), &c.reviewer.access).await;
    let seepage = fund.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "seepage")
        .unwrap()
        .clone();
    assert_eq!(
        (seepage["payouts"].as_str(), seepage["balance"].as_str()),
        (Some("60000.00"), Some("9750.00"))
    );
    assert_eq!(fund.body["balance"], "498000.00");
    let payout =
        fund.body["journal"].as_array().unwrap().iter().find(|e| e["kind"] == "payout").unwrap().clone();
    assert_eq!(
        (payout["amount"].as_str(), payout["claim_id"].as_str()),
        (Some("-60000.00"), Some(affordable.as_str()))
    );
}

#[tokio::test]
async fn corrections_are_reversing_entries_and_the_usage_notice_comes_from_the_journal() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
    let id = filed.body["id"].as_str().unwrap().to_string();
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    ok(&app, &c.reviewer.access, &path("ask-developer"), json!({})).await;
    app.let_reply_period_pass(&id).await;
    ok(&app, &c.reviewer.access, &path("developer-silent"), json!({})).await;
    ok(&app, &c.reviewer.access, &path("approve"), json!({"repair_unit_id": c.repair_unit})).await;
    ok(&app, &c.technician.access, &path("plans"), json!({"description": "维修", "budget": "800.00"})).await;
    ok(&app, &c.reviewer.access, &path("plan-decision"), json!({"decision": "approve"})).await;
    ok(&app, &c.technician.access, &path("start-repair"), json!({})).await;
    ok(&app, &c.technician.access, &path("cost-sheets"), json!({"lines": [{"kind": "labour", "description": "人工", "unit": "工日", "quantity": "2", "unit_price": "400.00"}]})).await;
    baoxiu_e2e::sign_as_shown(&app, &c.owner.access, &path("cost-sheets/1/sign")).await;
    ok(&app, &c.technician.access, &path("submit-cost-sheet"), json!({"revision": 1})).await;
    ok(
        &app,
        &c.reviewer.access,
        &path("verify"),
        json!({"revision": 1, "lines": [{"line_no": 1, "decision": "approved"}]}),
    )
    .await;
    let today = shanghai_date(Utc::now());
    ok(
        &app,
        &c.reviewer.access,
        &path("pay"),
        json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "P-800"}),
    )
    .await;

    let notice = app.get(&path("usage-notice"), &c.developer.access).await;
    assert_eq!(notice.status, StatusCode::OK, "{}", notice.body);
    // Seepage's share of 1号楼: 69,750 − 800 = 68,950.
    assert_eq!(
        (notice.body["total_used"].as_str(), notice.body["category_balance"].as_str()),
        (Some("800.00"), Some("68950.00"))
    );
    assert_eq!(notice.body["sent"], false);
    assert_eq!(app.get(&path("usage-notice"), &c.owner.access).await.status, StatusCode::FORBIDDEN);

    // The payout was recorded against the wrong account: reverse it, with the reason.
    let entry = notice.body["entries"][0]["id"].as_str().unwrap().to_string();
    let reversed = app
        .post(
            &format!("/api/v1/fund/journal/{entry}/reverse"),
            &c.reviewer.access,
            json!({"reason": "银行退票，重新支付"}),
        )
        .await;
    assert_eq!(reversed.status, StatusCode::CREATED, "{}", reversed.body);
    assert_eq!(
        (reversed.body["amount"].as_str(), reversed.body["reverses_id"].as_str()),
        (Some("800.00"), Some(entry.as_str()))
    );
    let again = app
        .post(
            &format!("/api/v1/fund/journal/{entry}/reverse"),
            &c.reviewer.access,
            json!({"reason": "再冲一次"}),
        )
        .await;
    assert_eq!(again.code(), "already_exists", "an entry is reversed once");
    let of_reversal = app
        .post(
            &format!("/api/v1/fund/journal/{}/reverse", reversed.body["id"].as_str().unwrap()),
            &c.reviewer.access,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(of_reversal.code(), "step_out_of_order");
    let fund = app.get(&format!("/api/v1/buildings/{}/fund", c.building), &c.reviewer.access).await.body;
    let seepage =
        fund["categories"].as_array().unwrap().iter().find(|c| c["category"] == "seepage").unwrap().clone();
    assert_eq!((seepage["payouts"].as_str(), seepage["balance"].as_str()), (Some("0.00"), Some("69750.00")));
    let notice = app.get(&path("usage-notice"), &c.reviewer.access).await;
    assert_eq!(notice.body["total_used"], "0.00");
}

#[tokio::test]
async fn reviewers_hear_when_a_fund_reaches_the_five_year_custody_limit() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let estate = app.demo_estate(&c.reviewer.access).await;
    let building = ok(&app, &c.reviewer.access, &format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap()), json!({"name": "7号楼", "class": "low_rise", "construction_cost": "1000000.00", "design_life_years": 50})).await;
    let b = building["id"].as_str().unwrap().to_string();
    let paid_on = shanghai_date(Utc::now()) - Duration::days(5 * 365);
    ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/buildings/{b}/deposit-notice"),
        json!({"due_on": shanghai_date(Utc::now())}),
    )
    .await;
    app.deposit_notice_dated(&b, paid_on - Duration::days(30), paid_on).await;
    ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/buildings/{b}/deposit-payments"),
        json!({"amount": "30000.00", "paid_on": paid_on, "bank_reference": "OLD-1"}),
    )
    .await;
    baoxiu::tasks::tick(&app.db).await.unwrap();
    baoxiu::tasks::tick(&app.db).await.unwrap();
    let feed = app.get("/api/v1/notifications", &c.reviewer.access).await;
    let alerts: Vec<&Value> =
        feed.body["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "custody_limit").collect();
    assert_eq!(alerts.len(), 1, "once, however often the timer runs");
    assert_eq!(alerts[0]["params"]["building_id"], b.as_str());
    let fund = app.get(&format!("/api/v1/buildings/{b}/fund"), &c.reviewer.access).await.body;
    assert!(fund["custody_until"].is_string());
}

#[tokio::test]
async fn an_award_after_the_deposit_refunds_its_points_down_to_the_floor() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let path = format!("/api/v1/buildings/{}/award-refund", c.building);
    let today = shanghai_date(Utc::now());
    let document = app.upload(&c.reviewer.access, pdf()).await;
    let award = |level: &str| json!({"award": level, "evidence_id": document, "paid_on": today, "bank_reference": "AW-1"});
    // 1号楼, multi-storey at 3 %: a national award (3 points) stops at the 1 % floor, so 2 % of
    // ¥18,600,000 = ¥372,000 comes back, ¥46,500 out of each category (Art. 9 iii).
    let refunded = ok(&app, &c.reviewer.access, &path, award("national")).await;
    assert_eq!(refunded["balance"], "186000.00");
    let seepage = refunded["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "seepage")
        .unwrap()
        .clone();
    assert_eq!(
        (seepage["award_refunds"].as_str(), seepage["balance"].as_str()),
        (Some("46500.00"), Some("23250.00"))
    );
    let twice = app.post(&path, &c.reviewer.access, award("municipal")).await;
    assert_eq!((twice.code(), twice.body["detail"].as_str()), ("already_exists", Some("Art. 9")));
    let notice =
        app.get(&format!("/api/v1/buildings/{}/deposit-notice", c.building), &c.reviewer.access).await;
    assert_eq!(notice.body["reductions"]["award"], "national");
    assert!(notice.body["evidence"].as_array().unwrap().iter().any(|e| e["kind"] == "award"));
}

#[tokio::test]
async fn a_notice_falls_due_between_its_service_and_the_handover_and_an_exempt_building_is_certified() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let estate = app.demo_estate(&c.reviewer.access).await;
    let today = shanghai_date(Utc::now());
    let handover = today + Duration::days(60);
    let new_building = |name: &str| json!({"name": name, "class": "high_rise", "construction_cost": "10000000.00", "design_life_years": 50, "handover_date": handover});
    let buildings = format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap());
    let b = ok(&app, &c.reviewer.access, &buildings, new_building("8号楼")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let notice = format!("/api/v1/buildings/{b}/deposit-notice");
    // Due before the developer is told: the fee would run before the notice (Art. 16).
    let past = app.post(&notice, &c.reviewer.access, json!({"due_on": today - Duration::days(1)})).await;
    assert_eq!((past.code(), past.body["detail"].as_str()), ("invalid_input", Some("due_on (Art. 16)")));
    // Due after the hand-over: the deposit comes first (Art. 12).
    let late = app.post(&notice, &c.reviewer.access, json!({"due_on": handover + Duration::days(1)})).await;
    assert_eq!((late.code(), late.body["detail"].as_str()), ("invalid_input", Some("due_on (Art. 12)")));
    let served = ok(&app, &c.reviewer.access, &notice, json!({"due_on": handover})).await;
    assert_eq!(
        (served["status"].as_str(), served["late_fee_accruing"].as_str()),
        (Some("notified"), Some("0.00"))
    );

    // Insured: nothing owed, confirmed and certified as served, no payment needed (Art. 9 (i), 15).
    let insured = ok(&app, &c.reviewer.access, &buildings, new_building("9号楼")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let policy = app.upload(&c.reviewer.access, pdf()).await;
    let exempt = ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/buildings/{insured}/deposit-notice"),
        json!({"due_on": today, "reductions": {"insured": true}, "evidence": [{"id": policy, "kind": "insurance_policy"}]}),
    )
    .await;
    assert_eq!((exempt["amount"].as_str(), exempt["status"].as_str()), (Some("0.00"), Some("paid")));
    let number = exempt["certificate_number"].as_str().expect("certified");
    let check =
        app.call(reqwest::Method::GET, &format!("/api/v1/deposit-certificates/{number}"), None, None).await;
    assert_eq!((check.status, check.body["valid"].as_bool()), (StatusCode::OK, Some(true)));
}
