//! Work orders on site, notifications, and the return visit.

use baoxiu_e2e::{ok, spawn_app, TestApp};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::claims::{cast, seepage_claim, to_in_repair, Cast};

/// A claim taken to "in repair" with an approved plan.
async fn claim_in_repair(app: &TestApp, c: &Cast) -> String {
    let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(c)).await;
    let id = filed.body["id"].as_str().unwrap().to_string();
    to_in_repair(app, c, &id, "1500.00").await;
    id
}

#[tokio::test]
async fn a_work_order_from_assignment_to_completion_over_two_visits() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = claim_in_repair(&app, &c).await;
    let tech2 = app.login("technician2").await;

    let created = app
        .post(
            &format!("/api/v1/claims/{id}/work-orders"),
            &c.technician.access,
            json!({"description": "卫生间顶棚防水修复", "urgent": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let wo = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["status"], "open");
    assert!(created.body["on_site_by"].is_string(), "urgent orders are due on site within 24 hours");
    assert_eq!(created.body["on_site_overdue"], false);

    let base = format!("/api/v1/work-orders/{wo}");
    // Assign to technician2, then reassign to technician; each is notified.
    ok(&app, &c.technician.access, &format!("{base}/assign"), json!({"technician_id": tech2.user_id})).await;
    let reassigned = ok(
        &app,
        &c.technician.access,
        &format!("{base}/assign"),
        json!({"technician_id": c.technician.user_id, "version": 2}),
    )
    .await;
    assert_eq!(reassigned["technician_id"], c.technician.user_id.as_str());
    let not_member = app
        .post(&format!("{base}/assign"), &c.technician.access, json!({"technician_id": c.owner.user_id}))
        .await;
    assert_eq!(not_member.code(), "invalid_input");
    let feed = app.get("/api/v1/notifications", &tech2.access).await;
    assert_eq!(feed.body["items"][0]["kind"], "work_order_assigned");

    let start = Utc::now() + Duration::hours(2);
    let scheduled = ok(
        &app,
        &c.technician.access,
        &format!("{base}/schedule"),
        json!({"window_start": start, "window_end": start + Duration::hours(2)}),
    )
    .await;
    assert_eq!(scheduled["status"], "scheduled");
    let too_long = app
        .post(
            &format!("{base}/schedule"),
            &c.technician.access,
            json!({"window_start": start, "window_end": start + Duration::hours(20)}),
        )
        .await;
    assert_eq!(too_long.code(), "invalid_input");

    // Only the assigned technician checks in.
    let stranger = app.post(&format!("{base}/check-in"), &tech2.access, json!({})).await;
    assert_eq!((stranger.status, stranger.code()), (StatusCode::FORBIDDEN, "step_not_for_role"));
    let phone_time = Utc::now() - Duration::minutes(3);
    let arrived = ok(
        &app,
        &c.technician.access,
        &format!("{base}/check-in"),
        json!({"device_time": phone_time, "lat": 36.6512, "lng": 117.1201}),
    )
    .await;
    assert_eq!(arrived["status"], "in_progress");
    assert_eq!(arrived["visits"][0]["check_in_lat"], 36.6512);
    assert!(arrived["visits"][0]["check_in_device_at"].is_string());
    let twice = app.post(&format!("{base}/check-in"), &c.technician.access, json!({})).await;
    assert_eq!(twice.code(), "step_out_of_order");
    let bad_gps = app
        .post(
            &format!("{base}/check-out"),
            &c.technician.access,
            json!({"lat": 95.0, "lng": 1.0, "outcome": "done"}),
        )
        .await;
    assert_eq!(bad_gps.code(), "invalid_input");

    let partial = ok(
        &app,
        &c.technician.access,
        &format!("{base}/check-out"),
        json!({"notes": "涂料未干，明日二遍", "outcome": "partial"}),
    )
    .await;
    assert_eq!(partial["status"], "follow_up");
    ok(&app, &c.technician.access, &format!("{base}/check-in"), json!({"lat": 36.6512, "lng": 117.1201}))
        .await;
    let done = ok(
        &app,
        &c.technician.access,
        &format!("{base}/check-out"),
        json!({"notes": "闭水试验合格", "outcome": "done"}),
    )
    .await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["visits"].as_array().unwrap().len(), 2);
    let after = app
        .post(&format!("{base}/assign"), &c.technician.access, json!({"technician_id": tech2.user_id}))
        .await;
    assert_eq!(after.code(), "step_out_of_order", "a completed order stays completed");

    // The owner sees the order of their claim; a developer sees none.
    assert_eq!(app.get(&base, &c.owner.access).await.status, StatusCode::OK);
    assert_eq!(app.get(&base, &c.developer.access).await.status, StatusCode::NOT_FOUND);
    let mine = app.get("/api/v1/work-orders?mine=true&status=completed", &c.technician.access).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    // Every change is on the claim's timeline.
    let page = app.get(&format!("/api/v1/claims/{id}"), &c.reviewer.access).await;
    let actions: Vec<&str> =
        page.body["timeline"].as_array().unwrap().iter().map(|t| t["action"].as_str().unwrap()).collect();
    for expected in [
        "work_order_created",
        "work_order_assigned",
        "work_order_scheduled",
        "visit_check_in",
        "visit_check_out",
    ] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
}

#[tokio::test]
async fn no_work_order_before_an_approved_plan() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
    let id = filed.body["id"].as_str().unwrap().to_string();
    ok(&app, &c.reviewer.access, &format!("/api/v1/claims/{id}/ask-developer"), json!({})).await;
    app.let_reply_period_pass(&id).await;
    ok(&app, &c.reviewer.access, &format!("/api/v1/claims/{id}/developer-silent"), json!({})).await;
    ok(
        &app,
        &c.reviewer.access,
        &format!("/api/v1/claims/{id}/approve"),
        json!({"repair_unit_id": c.repair_unit}),
    )
    .await;
    let early = app
        .post(
            &format!("/api/v1/claims/{id}/work-orders"),
            &c.technician.access,
            json!({"description": "先干起来"}),
        )
        .await;
    assert_eq!(
        (early.status, early.code(), early.body["detail"].as_str()),
        (StatusCode::CONFLICT, "step_out_of_order", Some("Art. 22"))
    );
}

#[tokio::test]
async fn people_hear_what_concerns_them_in_their_language() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = claim_in_repair(&app, &c).await;
    // The developer was asked, the repair unit designated, the plan approved.
    let developer = app.get("/api/v1/notifications", &c.developer.access).await;
    let asked =
        developer.body["items"].as_array().unwrap().iter().find(|n| n["kind"] == "developer_asked").unwrap();
    assert_eq!(asked["text"], "住建部门请贵司就一项保修金使用申请作出答复。");
    let tech = app.get("/api/v1/notifications", &c.technician.access).await;
    let kinds: Vec<&str> =
        tech.body["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["plan_approved", "repair_unit_designated"]);

    ok(&app, &c.technician.access, &format!("/api/v1/claims/{id}/cost-sheets"), json!({"lines": [{"kind": "labour", "description": "人工", "unit": "工日", "quantity": "2", "unit_price": "300.00"}]})).await;
    let body = app
        .call_in_english(reqwest::Method::GET, "/api/v1/notifications?unread=true", &c.owner.access, None)
        .await
        .body;
    assert_eq!(body["items"][0]["kind"], "signature_requested");
    assert_eq!(body["items"][0]["text"], "Please review and sign the repair cost sheet.");
    let note = body["items"][0]["id"].as_str().unwrap().to_string();
    let read = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/notifications/{note}/read"),
            Some(&c.owner.access),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::NO_CONTENT);
    let unread = app.get("/api/v1/notifications?unread=true", &c.owner.access).await;
    assert!(!unread.body["items"].as_array().unwrap().iter().any(|n| n["id"] == note.as_str()));
    let foreign = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/notifications/{note}/read"),
            Some(&c.reviewer.access),
            None,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "nobody marks another's notifications");

    // The demo owner has a phone number: the notice waits in the outbox for the SMS sender.
    let db = app.db.clone();
    let pending = tokio::task::spawn_blocking(move || {
        let mut conn = db.conn().unwrap();
        baoxiu::db::notify::deliveries(&mut conn, "pending", 100, 0).unwrap()
    })
    .await
    .unwrap();
    assert!(pending.iter().any(|d| d.channel == "sms" && d.body == "请核对并签章确认维修工程费用清单。"));
}

#[tokio::test]
async fn reviewers_hear_of_deadlines_once_per_stage() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = claim_in_repair(&app, &c).await;
    ok(&app, &c.technician.access, &format!("/api/v1/claims/{id}/cost-sheets"), json!({"lines": [{"kind": "labour", "description": "人工", "unit": "工日", "quantity": "2", "unit_price": "300.00"}]})).await;
    baoxiu_e2e::sign_as_shown(&app, &c.owner.access, &format!("/api/v1/claims/{id}/cost-sheets/1/sign"))
        .await;
    ok(&app, &c.technician.access, &format!("/api/v1/claims/{id}/submit-cost-sheet"), json!({"revision": 1}))
        .await;
    // Twenty days ahead nothing is due within five days.
    baoxiu::tasks::tick(&app.db).await.unwrap();
    let feed = app.get("/api/v1/notifications", &c.reviewer.access).await;
    assert!(feed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| !n["kind"].as_str().unwrap().starts_with("deadline")));
    // Move the payout deadline to two days from now, as if eighteen days had passed.
    let db = app.db.clone();
    let claim = id.clone();
    tokio::task::spawn_blocking(move || {
        use baoxiu::db::schema::claims;
        use diesel::prelude::*;
        let mut conn = db.conn().unwrap();
        let soon = baoxiu::domain::deadlines::shanghai_date(Utc::now()) + Duration::days(2);
        diesel::update(claims::table.find(&claim))
            .set((claims::payout_due_on.eq(Some(soon)), claims::bureau_due_on.eq(Some(soon))))
            .execute(&mut *conn)
            .unwrap();
    })
    .await
    .unwrap();
    baoxiu::tasks::tick(&app.db).await.unwrap();
    baoxiu::tasks::tick(&app.db).await.unwrap();
    let feed = app.get("/api/v1/notifications", &c.reviewer.access).await;
    let deadline: Vec<&Value> =
        feed.body["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "deadline_in_2_days").collect();
    assert_eq!(deadline.len(), 1, "raised once however often the timer runs");
    assert_eq!(deadline[0]["claim_id"], id.as_str());
    assert_eq!(deadline[0]["params"]["days_left"], 2);
}

#[tokio::test]
async fn the_applicant_rates_the_repair_once_after_payment() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = claim_in_repair(&app, &c).await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    let early = app
        .post(&path("return-visit"), &c.owner.access, json!({"attitude": 5, "quality": 4, "resolution": 5}))
        .await;
    assert_eq!(early.code(), "step_out_of_order", "not before payment");
    ok(&app, &c.technician.access, &path("cost-sheets"), json!({"lines": [{"kind": "labour", "description": "人工", "unit": "工日", "quantity": "2", "unit_price": "300.00"}]})).await;
    baoxiu_e2e::sign_as_shown(&app, &c.owner.access, &path("cost-sheets/1/sign")).await;
    ok(&app, &c.technician.access, &path("submit-cost-sheet"), json!({"revision": 1})).await;
    ok(
        &app,
        &c.reviewer.access,
        &path("verify"),
        json!({"revision": 1, "lines": [{"line_no": 1, "decision": "approved"}]}),
    )
    .await;
    let today = baoxiu::domain::deadlines::shanghai_date(Utc::now());
    ok(
        &app,
        &c.reviewer.access,
        &path("pay"),
        json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "B-1"}),
    )
    .await;
    let paid_notice = app.get("/api/v1/notifications", &c.owner.access).await;
    assert_eq!(paid_notice.body["items"][0]["kind"], "claim_paid");

    let out_of_range = app
        .post(&path("return-visit"), &c.owner.access, json!({"attitude": 6, "quality": 4, "resolution": 5}))
        .await;
    assert_eq!(
        (out_of_range.code(), out_of_range.body["detail"].as_str()),
        ("invalid_input", Some("attitude"))
    );
    let by_other = app
        .post(
            &path("return-visit"),
            &c.property.access,
            json!({"attitude": 1, "quality": 1, "resolution": 1}),
        )
        .await;
    assert_eq!(by_other.status, StatusCode::FORBIDDEN);
    let rated = app
        .post(
            &path("return-visit"),
            &c.owner.access,
            json!({"attitude": 5, "quality": 4, "resolution": 4, "comment": "师傅很专业"}),
        )
        .await;
    assert_eq!(rated.status, StatusCode::NO_CONTENT);
    let page = app.get(&format!("/api/v1/claims/{id}"), &c.owner.access).await;
    assert_eq!(
        page.body["return_visit"],
        json!({"attitude": 5, "quality": 4, "resolution": 4, "comment": "师傅很专业"})
    );
    let again = app
        .post(&path("return-visit"), &c.owner.access, json!({"attitude": 1, "quality": 1, "resolution": 1}))
        .await;
    assert_eq!(again.code(), "already_exists");

    let ratings = app.get("/api/v1/reviewer/repair-unit-ratings", &c.reviewer.access).await;
    assert_eq!(ratings.body[0]["repair_unit_id"], c.repair_unit.as_str());
    assert_eq!(ratings.body[0]["name"], "济南安居房屋维修工程有限公司");
    assert_eq!(
        (ratings.body[0]["ratings"].as_u64(), ratings.body[0]["quality"].as_str()),
        (Some(1), Some("4"))
    );
}
