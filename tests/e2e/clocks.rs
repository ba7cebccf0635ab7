//! The clocks and checks that run from the day the law says: the report date (Art. 18), the
//! developer's silence and inability (Art. 17), its promised repair (Art. 17), the inspection
//! (Art. 24), and the usage notice from the payment date (Art. 26).

use baoxiu::domain::deadlines::shanghai_date;
use baoxiu_e2e::photos::pdf;
use baoxiu_e2e::{demo_handover, ok, spawn_app, today, TestApp};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::claims::{cast, file_seepage, seepage_claim, to_in_repair, to_verified, Cast};

fn clock<'a>(claim: &'a Value, name: &str) -> &'a Value {
    claim["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["clock"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

async fn queue_entry(app: &TestApp, c: &Cast, id: &str) -> Option<Value> {
    let queue = app.get("/api/v1/reviewer/queue", &c.reviewer.access).await;
    queue.body["items"].as_array().unwrap().iter().find(|i| i["id"] == id).cloned()
}

#[tokio::test]
async fn art_18_the_report_date_is_stored_shown_and_checked() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let with = |reported_on: NaiveDate, evidence: bool| {
        let mut claim = seepage_claim(&c);
        claim["reported_on"] = json!(reported_on);
        if !evidence {
            claim["evidence"] = json!([]);
        }
        claim
    };
    let future = app.post("/api/v1/claims", &c.owner.access, with(today() + Duration::days(1), true)).await;
    assert_eq!((future.code(), future.body["detail"].as_str()), ("invalid_input", Some("reported_on")));
    // Before the hand-over no warranty had begun.
    let early =
        app.post("/api/v1/claims", &c.owner.access, with(demo_handover() - Duration::days(29), true)).await;
    assert_eq!(early.code(), "before_handover");
    // Sixty days back, with nothing to show for it: refused, naming the rule and the days.
    let sixty = today() - Duration::days(60);
    let bare = app.post("/api/v1/claims", &c.owner.access, with(sixty, false)).await;
    assert_eq!(
        (bare.status, bare.code(), bare.body["detail"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "report_date_needs_evidence", Some("Art. 18: 60"))
    );
    // Within the grace no evidence is needed; with evidence a long gap is accepted and shown.
    let recent = ok(&app, &c.owner.access, "/api/v1/claims", with(today() - Duration::days(30), false)).await;
    assert_eq!(recent["reported_days_before_filing"], 30);
    let filed = ok(&app, &c.owner.access, "/api/v1/claims", with(sixty, true)).await;
    assert_eq!(
        (filed["reported_on"].as_str(), filed["reported_days_before_filing"].as_i64()),
        (Some(sixty.to_string().as_str()), Some(60))
    );
    let page =
        app.get(&format!("/api/v1/claims/{}", filed["id"].as_str().unwrap()), &c.reviewer.access).await;
    assert_eq!(page.body["claim"]["reported_on"], sixty.to_string());
}

#[tokio::test]
async fn art_17_silence_after_the_reply_date_and_inability_at_once_with_evidence() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    let asked = ok(&app, &c.reviewer.access, &path("ask-developer"), json!({})).await;
    assert_eq!(
        clock(&asked["claim"], "developer_reply")["due_on"],
        (today() + Duration::days(7)).to_string()
    );
    // The reviewer waits on the developer: not in the queue, told what is awaited and until when.
    assert!(queue_entry(&app, &c, &id).await.is_none());
    let next = &asked["claim"]["next_step"];
    assert_eq!(
        (next["kind"].as_str(), next["step"].as_str(), next["waiting_on"].as_str()),
        (Some("wait"), Some("reply_to_bureau"), Some("developer"))
    );
    assert_eq!(next["due_on"], (today() + Duration::days(7)).to_string());
    let early = app.post(&path("developer-silent"), &c.reviewer.access, json!({})).await;
    assert_eq!(
        (early.status, early.code(), early.body["detail"].as_str()),
        (StatusCode::CONFLICT, "reply_period_running", Some("Art. 17"))
    );

    // The date passes; the periodic work returns the claim to the bureau with its next step.
    app.let_reply_period_pass(&id).await;
    app.sql(format!("UPDATE claims SET waiting_on = 'developer' WHERE id = '{id}'")).await;
    baoxiu::tasks::tick(&app.db).await.unwrap();
    let entry = queue_entry(&app, &c, &id).await.expect("back in the queue");
    assert_eq!(entry["next_step"]["step"], "record_developer_silence");
    ok(&app, &c.reviewer.access, &path("developer-silent"), json!({})).await;

    // Inability is its own step, at once and with the document that shows it.
    let bankrupt = file_seepage(&app, &c).await;
    let unable = format!("/api/v1/claims/{bankrupt}/developer-unable");
    let without = app
        .post(&unable, &c.reviewer.access, json!({"reason": "已破产", "evidence_id": c.owner_photo}))
        .await;
    assert_eq!(without.code(), "file_not_found", "the reviewer's own upload, not someone else's");
    let ruling = app.upload(&c.reviewer.access, pdf()).await;
    let missing = app.post(&unable, &c.reviewer.access, json!({"reason": "已破产"})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let by_developer =
        app.post(&unable, &c.developer.access, json!({"reason": "x", "evidence_id": ruling})).await;
    assert_eq!(by_developer.status, StatusCode::FORBIDDEN);
    // Only a reviewer of the claim's jurisdiction: another district's does not even find it.
    let admin = app.login("admin").await;
    let bureau = json!({"kind": "housing_bureau", "name": "青岛市住建局", "jurisdiction": "370202"});
    let bureau = ok(&app, &admin.access, "/api/v1/organisations", bureau).await;
    let reviewer = json!({"username": "reviewer-qingdao", "display_name": "外地审核", "password": "qingdao-pass-1", "role": "reviewer", "organisation_id": bureau["id"]});
    ok(&app, &admin.access, "/api/v1/users", reviewer).await;
    let foreign = app.login_with("reviewer-qingdao", "qingdao-pass-1").await.unwrap();
    let their_ruling = app.upload(&foreign.access, pdf()).await;
    let outside =
        app.post(&unable, &foreign.access, json!({"reason": "x", "evidence_id": their_ruling})).await;
    assert_eq!((outside.status, outside.code()), (StatusCode::NOT_FOUND, "not_found"));
    let done =
        ok(&app, &c.reviewer.access, &unable, json!({"reason": "法院裁定破产清算", "evidence_id": ruling}))
            .await;
    assert_eq!(done["claim"]["state"], "awaiting_decision");
    assert!(done["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["id"] == ruling && e["kind"] == "developer_status"));
    let last = done["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["detail"]["reason"].as_str()),
        (Some("developer_unable"), Some("法院裁定破产清算"))
    );
}

#[tokio::test]
async fn a_promised_repair_and_an_inspection_each_have_a_date_and_return_to_the_bureau() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    ok(&app, &c.reviewer.access, &path("ask-developer"), json!({})).await;
    let too_late = app
        .post(
            &path("developer-reply"),
            &c.developer.access,
            json!({"reply": "will_repair", "repair_by": today() + Duration::days(31)}),
        )
        .await;
    assert_eq!(too_late.code(), "invalid_input");
    assert!(too_late.body["detail"].as_str().unwrap().starts_with("repair_by"), "{}", too_late.body);
    let promised = today() + Duration::days(10);
    let repairing = ok(
        &app,
        &c.developer.access,
        &path("developer-reply"),
        json!({"reply": "will_repair", "repair_by": promised}),
    )
    .await;
    assert_eq!(clock(&repairing["claim"], "developer_repair")["due_on"], promised.to_string());
    let developers = app.get(&format!("/api/v1/claims/{id}"), &c.developer.access).await;
    assert_eq!(developers.body["claim"]["next_step"]["step"], "repair_as_promised");
    assert!(queue_entry(&app, &c, &id).await.is_none());
    // The date passes without the repair: back to the bureau, due on the promised day.
    let past = today() - Duration::days(1);
    app.sql(format!("UPDATE claims SET repair_due_on = '{past}' WHERE id = '{id}'")).await;
    baoxiu::tasks::tick(&app.db).await.unwrap();
    let entry = queue_entry(&app, &c, &id).await.expect("back in the queue");
    assert_eq!(
        (entry["next_step"]["step"].as_str(), entry["next_step"]["due_on"].as_str()),
        (Some("record_developer_repair"), Some(past.to_string().as_str()))
    );
    ok(&app, &c.reviewer.access, &path("developer-defaulted"), json!({})).await;

    // A dispute puts the claim in the queue with the inspection's due date (Art. 24).
    let disputed = file_seepage(&app, &c).await;
    ok(&app, &c.reviewer.access, &format!("/api/v1/claims/{disputed}/ask-developer"), json!({})).await;
    let answer = ok(
        &app,
        &c.developer.access,
        &format!("/api/v1/claims/{disputed}/developer-reply"),
        json!({"reply": "dispute"}),
    )
    .await;
    let due = (today() + Duration::days(30)).to_string();
    assert_eq!(clock(&answer["claim"], "inspection")["due_on"], due);
    let entry = queue_entry(&app, &c, &disputed).await.expect("in the queue");
    assert_eq!(
        (entry["next_step"]["step"].as_str(), entry["next_step"]["due_on"].as_str()),
        (Some("record_inspection"), Some(due.as_str()))
    );
    let dispute_with_date = app
        .post(
            &format!("/api/v1/claims/{id}/developer-reply"),
            &c.developer.access,
            json!({"reply": "dispute", "repair_by": promised}),
        )
        .await;
    assert_eq!(dispute_with_date.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn art_26_the_usage_notice_runs_from_the_payment_date_not_the_day_it_was_entered() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &id, "500.00").await;
    to_verified(&app, &c, &id, &c.owner, "480.00").await;
    // The bureau received the sheet five days ago, paid three days ago, and enters it today.
    let received = Utc::now() - Duration::days(5);
    app.sql(format!(
        "UPDATE claims SET cost_sheet_received_at = '{}' WHERE id = '{id}'",
        received.naive_utc().format("%Y-%m-%d %H:%M:%S")
    ))
    .await;
    let pay =
        |paid_on: NaiveDate| json!({"payee": "repair_unit", "paid_on": paid_on, "bank_reference": "ICBC-1"});
    let before_receipt = app
        .post(
            &format!("/api/v1/claims/{id}/pay"),
            &c.reviewer.access,
            pay(shanghai_date(received) - Duration::days(1)),
        )
        .await;
    assert_eq!(
        (before_receipt.code(), before_receipt.body["detail"].as_str()),
        ("invalid_input", Some("paid_on"))
    );
    let paid_on = today() - Duration::days(3);
    let paid = ok(&app, &c.reviewer.access, &format!("/api/v1/claims/{id}/pay"), pay(paid_on)).await;
    assert_eq!(clock(&paid["claim"], "usage_notice")["due_on"], (paid_on + Duration::days(30)).to_string());
    assert_eq!(paid["claim"]["next_step"]["due_on"], (paid_on + Duration::days(30)).to_string());
}
