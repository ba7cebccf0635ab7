//! Every party hears of every step: the notification table (`service::claims::notices`) row by row
//! against the real feeds, and the outbox delivered to a real webhook receiver that fails and
//! recovers.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use baoxiu::config::Secret;
use baoxiu::domain::next_step::Party;
use baoxiu::service::claims::notices::Event;
use baoxiu_e2e::photos::pdf;
use baoxiu_e2e::{ok, spawn_app, spawn_app_with, Session, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::claims::{cast, file_seepage, Cast};

/// The unread notices about `claim` in `who`'s feed, which are then marked read.
async fn drain(app: &TestApp, who: &Session, claim: &str) -> Vec<String> {
    let feed = app.get("/api/v1/notifications?unread=true&limit=100", &who.access).await.body;
    let mut kinds = Vec::new();
    for n in feed["items"].as_array().unwrap().iter().filter(|n| n["claim_id"] == json!(claim)) {
        kinds.push(n["kind"].as_str().unwrap().to_string());
        let id = n["id"].as_str().unwrap();
        let read = app
            .call(reqwest::Method::POST, &format!("/api/v1/notifications/{id}/read"), Some(&who.access), None)
            .await;
        assert_eq!(read.status, StatusCode::NO_CONTENT);
    }
    kinds.sort();
    kinds
}

/// Who plays each party on the demo claims.
struct Parties<'a> {
    of: Vec<(Party, &'a Session)>,
}

impl<'a> Parties<'a> {
    fn new(c: &'a Cast, applicant: &'a Session) -> Parties<'a> {
        Parties {
            of: vec![
                (Party::Applicant, applicant),
                (Party::DesignatedUnit, &c.technician),
                (Party::Developer, &c.developer),
                (Party::Reviewer, &c.reviewer),
            ],
        }
    }

    /// Checks that each party heard exactly what the table says of `event` (and `also`, notices
    /// raised to a named person at the same step), except the one who acted.
    async fn heard(
        &self,
        app: &TestApp,
        claim: &str,
        event: Event,
        actor: &Session,
        also: &[(Party, &str)],
        covered: &mut HashSet<String>,
    ) {
        let mut failures = BTreeMap::new();
        for (party, who) in &self.of {
            let mut expected: Vec<String> = if who.user_id == actor.user_id {
                Vec::new()
            } else {
                event
                    .notices()
                    .iter()
                    .filter(|(p, _)| p == party)
                    .map(|(_, n)| n.as_str().to_string())
                    .collect()
            };
            expected.extend(also.iter().filter(|(p, _)| p == party).map(|(_, k)| k.to_string()));
            expected.sort();
            let got = drain(app, who, claim).await;
            if got != expected {
                failures.insert(format!("{party:?}"), format!("expected {expected:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{event:?}: {failures:#?}");
        covered.insert(format!("{event:?}"));
    }
}

#[tokio::test]
async fn every_row_of_the_notification_table_reaches_its_people() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let p = Parties::new(&c, &c.owner);
    let mut covered = HashSet::new();
    let post = |who: &Session, id: &str, step: &str, body: Value| {
        let (path, token) = (format!("/api/v1/claims/{id}/{step}"), who.access.clone());
        let app = &app;
        async move { ok(app, &token, &path, body).await }
    };

    // A standard claim through a dispute, a returned plan, a returned sheet, cuts and payment to
    // the repair unit.
    let id = file_seepage(&app, &c).await;
    p.heard(&app, &id, Event::Filed, &c.owner, &[], &mut covered).await;
    post(&c.reviewer, &id, "ask-developer", json!({})).await;
    p.heard(&app, &id, Event::AskedDeveloper, &c.reviewer, &[], &mut covered).await;
    post(&c.developer, &id, "developer-reply", json!({"reply": "dispute"})).await;
    p.heard(&app, &id, Event::DeveloperDisputed, &c.developer, &[], &mut covered).await;
    let report = app.upload(&c.developer.access, pdf()).await;
    post(&c.developer, &id, "evidence", json!({"file_id": report, "kind": "inspection_report"})).await;
    p.heard(&app, &id, Event::InspectionReportFiled, &c.developer, &[], &mut covered).await;
    post(&c.reviewer, &id, "inspection", json!({"developer_liable": true})).await;
    p.heard(&app, &id, Event::FoundLiable, &c.reviewer, &[], &mut covered).await;
    post(&c.reviewer, &id, "approve", json!({"repair_unit_id": c.repair_unit})).await;
    p.heard(&app, &id, Event::Approved, &c.reviewer, &[], &mut covered).await;
    post(&c.technician, &id, "plans", json!({"description": "重做防水", "budget": "1500.00"})).await;
    p.heard(&app, &id, Event::PlanSubmitted, &c.technician, &[], &mut covered).await;
    post(&c.reviewer, &id, "plan-decision", json!({"decision": "return", "comment": "补充材料单价"})).await;
    p.heard(&app, &id, Event::PlanReturned, &c.reviewer, &[], &mut covered).await;
    post(&c.technician, &id, "plans", json!({"description": "重做防水，附单价", "budget": "1500.00"})).await;
    p.heard(&app, &id, Event::PlanSubmitted, &c.technician, &[], &mut covered).await;
    post(&c.reviewer, &id, "plan-decision", json!({"decision": "approve"})).await;
    p.heard(&app, &id, Event::PlanApproved, &c.reviewer, &[], &mut covered).await;
    post(&c.technician, &id, "start-repair", json!({})).await;
    p.heard(&app, &id, Event::RepairStarted, &c.technician, &[], &mut covered).await;
    let lines = json!({"lines": [
        {"kind": "material", "description": "防水涂料", "unit": "m²", "quantity": "10", "unit_price": "40.00", "budget": "400.00"},
        {"kind": "labour", "description": "防水施工", "unit": "工日", "quantity": "2", "unit_price": "350.00", "budget": "700.00"}
    ]});
    post(&c.technician, &id, "cost-sheets", lines.clone()).await;
    assert_eq!(drain(&app, &c.owner, &id).await, ["signature_requested"], "the applicant is asked by name");
    post(
        &c.owner,
        &id,
        "cost-sheets/1/sign",
        json!({"revision_hash": baoxiu_e2e::shown_hash(&app, &c.owner.access, &id, 1).await}),
    )
    .await;
    post(&c.technician, &id, "submit-cost-sheet", json!({"revision": 1})).await;
    p.heard(&app, &id, Event::CostSheetSubmitted, &c.technician, &[], &mut covered).await;
    post(&c.reviewer, &id, "return-cost-sheet", json!({"note": "人工单价偏高"})).await;
    p.heard(&app, &id, Event::CostSheetReturned, &c.reviewer, &[], &mut covered).await;
    let mut revised = lines;
    revised["parent_revision"] = json!(1);
    post(&c.technician, &id, "cost-sheets", revised).await;
    post(
        &c.owner,
        &id,
        "cost-sheets/2/sign",
        json!({"revision_hash": baoxiu_e2e::shown_hash(&app, &c.owner.access, &id, 2).await}),
    )
    .await;
    post(&c.technician, &id, "submit-cost-sheet", json!({"revision": 2})).await;
    p.heard(
        &app,
        &id,
        Event::CostSheetSubmitted,
        &c.technician,
        &[(Party::Applicant, "signature_requested")],
        &mut covered,
    )
    .await;
    let verdicts = json!({"revision": 2, "lines": [
        {"line_no": 1, "decision": "approved"},
        {"line_no": 2, "decision": "cut", "approved_amount": "600.00", "reason": "按定额每工日300元"}
    ]});
    post(&c.reviewer, &id, "verify", verdicts).await;
    p.heard(&app, &id, Event::VerifiedWithCuts, &c.reviewer, &[], &mut covered).await;
    let today = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now());
    post(&c.reviewer, &id, "pay", json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "N-1"}))
        .await;
    p.heard(&app, &id, Event::PaidToRepairUnit, &c.reviewer, &[], &mut covered).await;
    post(&c.reviewer, &id, "notify-developer", json!({})).await;
    p.heard(&app, &id, Event::DeveloperNotified, &c.reviewer, &[], &mut covered).await;

    // Verified in full and paid to the applicant.
    let full = file_seepage(&app, &c).await;
    drain(&app, &c.reviewer, &full).await;
    crate::claims::to_in_repair(&app, &c, &full, "500.00").await;
    for who in [&c.owner, &c.technician, &c.developer, &c.reviewer] {
        drain(&app, who, &full).await;
    }
    let line = json!({"lines": [{"kind": "other", "description": "维修", "unit": "项", "quantity": "1", "unit_price": "480.00"}]});
    post(&c.technician, &full, "cost-sheets", line).await;
    post(
        &c.owner,
        &full,
        "cost-sheets/1/sign",
        json!({"revision_hash": baoxiu_e2e::shown_hash(&app, &c.owner.access, &full, 1).await}),
    )
    .await;
    post(&c.technician, &full, "submit-cost-sheet", json!({"revision": 1})).await;
    drain(&app, &c.owner, &full).await;
    drain(&app, &c.reviewer, &full).await;
    post(
        &c.reviewer,
        &full,
        "verify",
        json!({"revision": 1, "lines": [{"line_no": 1, "decision": "approved"}]}),
    )
    .await;
    p.heard(&app, &full, Event::Verified, &c.reviewer, &[], &mut covered).await;
    post(&c.reviewer, &full, "pay", json!({"payee": "applicant", "paid_on": today, "bank_reference": "N-2"}))
        .await;
    p.heard(&app, &full, Event::PaidToApplicant, &c.reviewer, &[], &mut covered).await;

    // The developer's other answers, and the bureau's other decisions, each on a claim of its own.
    let fresh = || async {
        let id = file_seepage(&app, &c).await;
        drain(&app, &c.reviewer, &id).await;
        id
    };
    let asked = || async {
        let id = fresh().await;
        post(&c.reviewer, &id, "ask-developer", json!({})).await;
        drain(&app, &c.owner, &id).await;
        drain(&app, &c.developer, &id).await;
        id
    };
    let rejected = fresh().await;
    post(&c.reviewer, &rejected, "reject", json!({"reason": "excluded", "note": "擅自改动结构"})).await;
    p.heard(&app, &rejected, Event::Rejected, &c.reviewer, &[], &mut covered).await;

    let repairs = asked().await;
    post(&c.developer, &repairs, "developer-reply", json!({"reply": "will_repair"})).await;
    p.heard(&app, &repairs, Event::DeveloperWillRepair, &c.developer, &[], &mut covered).await;
    post(&c.reviewer, &repairs, "developer-repaired", json!({})).await;
    p.heard(&app, &repairs, Event::DeveloperRepaired, &c.reviewer, &[], &mut covered).await;

    let defaults = asked().await;
    post(&c.developer, &defaults, "developer-reply", json!({"reply": "will_repair"})).await;
    drain(&app, &c.owner, &defaults).await;
    drain(&app, &c.reviewer, &defaults).await;
    let yesterday = today - chrono::Duration::days(1);
    app.sql(format!("UPDATE claims SET repair_due_on = '{yesterday}' WHERE id = '{defaults}'")).await;
    baoxiu::tasks::tick(&app.db).await.unwrap();
    let nobody = Session { access: String::new(), refresh: String::new(), user_id: String::new() };
    // Its promised date is now the bureau's, and past: the deadline notice comes with it.
    let overdue = [(Party::Reviewer, "deadline_overdue")];
    p.heard(&app, &defaults, Event::DeveloperOverdue, &nobody, &overdue, &mut covered).await;
    post(&c.reviewer, &defaults, "developer-defaulted", json!({})).await;
    p.heard(&app, &defaults, Event::DeveloperDefaulted, &c.reviewer, &[], &mut covered).await;

    let silent = asked().await;
    app.let_reply_period_pass(&silent).await;
    post(&c.reviewer, &silent, "developer-silent", json!({})).await;
    p.heard(&app, &silent, Event::DeveloperSilent, &c.reviewer, &[], &mut covered).await;

    let unable = fresh().await;
    let ruling = app.upload(&c.reviewer.access, pdf()).await;
    post(&c.reviewer, &unable, "developer-unable", json!({"reason": "破产清算", "evidence_id": ruling}))
        .await;
    p.heard(&app, &unable, Event::DeveloperUnable, &c.reviewer, &[], &mut covered).await;

    let cleared = asked().await;
    post(&c.developer, &cleared, "developer-reply", json!({"reply": "dispute"})).await;
    drain(&app, &c.owner, &cleared).await;
    drain(&app, &c.reviewer, &cleared).await;
    post(&c.reviewer, &cleared, "inspection", json!({"developer_liable": false})).await;
    p.heard(&app, &cleared, Event::FoundNotLiable, &c.reviewer, &[], &mut covered).await;

    // The in-person signature's dispute is walked in `trust.rs`, where a phone records one.
    let missing: Vec<String> = Event::ALL
        .iter()
        .map(|e| format!("{e:?}"))
        .filter(|e| !covered.contains(e) && e != "SignatureDisputed")
        .collect();
    assert!(missing.is_empty(), "rows not walked: {missing:?}");
}

#[tokio::test]
async fn a_rejection_tells_the_applicant_the_reason_in_their_language() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    ok(&app, &c.reviewer.access, &format!("/api/v1/claims/{id}/reject"), json!({"reason": "out_of_period"}))
        .await;
    let feed = app.get("/api/v1/notifications", &c.owner.access).await.body;
    let note =
        feed["items"].as_array().unwrap().iter().find(|n| n["kind"] == "claim_rejected").unwrap().clone();
    assert_eq!(
        (note["params"]["rejection_reason"].as_str(), note["params"]["article"].as_str()),
        (Some("out_of_period"), Some("Art. 18"))
    );
    assert!(note["text"].as_str().unwrap().contains("未获同意"));
    let english = app
        .call_in_english(reqwest::Method::GET, &format!("/api/v1/claims/{id}"), &c.owner.access, None)
        .await
        .body;
    assert!(english["claim"]["rejection"]["text"].as_str().unwrap().contains("warranty period"));
    assert_eq!(english["claim"]["next_step"]["step"], "read_decision");
}

/// What the receiver got of one request: the delivery id, `timestamp|signature`, the raw body and
/// the body parsed.
type Received = Arc<Mutex<Vec<(String, String, String, Value)>>>;

/// A webhook receiver on port 0 that records what it gets and answers 500 while told to fail.
struct Receiver {
    url: String,
    got: Received,
    failing: Arc<std::sync::atomic::AtomicBool>,
    _server: actix_web::dev::ServerHandle,
}

async fn receiver() -> Receiver {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    let got: Received = Arc::default();
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (g, f) = (got.clone(), failing.clone());
    let server = HttpServer::new(move || {
        let (g, f) = (g.clone(), f.clone());
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let (g, f) = (g.clone(), f.clone());
                async move {
                    let header = |name: &str| {
                        req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
                    };
                    let signed = format!("{}|{}", header("x-baoxiu-timestamp"), header("x-baoxiu-signature"));
                    let raw = String::from_utf8(body.to_vec()).unwrap();
                    let value: Value = serde_json::from_str(&raw).unwrap();
                    g.lock().unwrap().push((header("x-baoxiu-delivery"), signed, raw, value));
                    if f.load(std::sync::atomic::Ordering::SeqCst) {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::NoContent().finish()
                    }
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    Receiver { url: format!("http://127.0.0.1:{port}/hook"), got, failing, _server: handle }
}

const SECRET: &str = "webhook-secret-of-at-least-32-bytes!";

#[tokio::test]
async fn the_outbox_is_delivered_signed_retried_dead_lettered_and_retried_by_an_admin() {
    let hook = receiver().await;
    let url = hook.url.clone();
    let app = spawn_app_with(move |c| {
        c.webhook_url = Some(url);
        c.webhook_secret = Some(Secret(SECRET.into()));
        c.webhook_max_attempts = 3;
        c.webhook_backoff_secs = 0;
        c.webhook_poll_secs = 3600;
    })
    .await;
    let c = cast(&app).await;
    let webhook = app.state.webhook.clone().expect("configured");
    // The receiver is down: a new claim's notice to the reviewer (who has a phone) fails three
    // times and is dead-lettered.
    hook.failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let claim = file_seepage(&app, &c).await;
    let admin = app.login("admin").await;
    // The demo's deposit notices to the developer are in the outbox too.
    let pending = app.get("/api/v1/admin/outbox?status=pending", &admin.access).await.body["items"]
        .as_array()
        .unwrap()
        .len();
    assert!(pending >= 2, "{pending}");
    let mut rounds = Vec::new();
    for _ in 0..3 {
        rounds.push(baoxiu::delivery::deliver_due(&app.db, &webhook).await.unwrap());
    }
    assert_eq!(
        (rounds[0].failed, rounds[1].failed, rounds[2].dead),
        (pending, pending, pending),
        "{rounds:?}"
    );
    assert_eq!(baoxiu::delivery::deliver_due(&app.db, &webhook).await.unwrap().sent, 0, "dead stays dead");
    let dead = app.get("/api/v1/admin/outbox?status=dead", &admin.access).await.body;
    assert_eq!(dead["items"].as_array().unwrap().len(), pending);
    // The reviewer's notice of the new claim (the newest entry).
    let entry = dead["items"][0].clone();
    assert_eq!(
        (entry["channel"].as_str(), entry["attempts"].as_i64(), entry["last_error"].as_str()),
        (Some("sms"), Some(3), Some("HTTP 500"))
    );
    assert_eq!(entry["recipient"], "*********0001", "the phone number masked");
    assert_eq!(
        app.get("/api/v1/admin/outbox?status=dead", &c.reviewer.access).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get("/api/v1/admin/outbox?status=lost", &admin.access).await.code(), "invalid_input");

    // It recovers; the administrator puts the entry back; it is delivered once more, with the
    // same delivery id it had on every try.
    hook.failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let id = entry["id"].as_str().unwrap();
    let retry = app
        .call(reqwest::Method::POST, &format!("/api/v1/admin/outbox/{id}/retry"), Some(&admin.access), None)
        .await;
    assert_eq!(retry.status, StatusCode::NO_CONTENT);
    let again = app
        .call(reqwest::Method::POST, &format!("/api/v1/admin/outbox/{id}/retry"), Some(&admin.access), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "only a dead letter is retried");
    assert_eq!(baoxiu::delivery::deliver_due(&app.db, &webhook).await.unwrap().sent, 1);
    assert_eq!(baoxiu::delivery::deliver_due(&app.db, &webhook).await.unwrap().sent, 0, "sent once");
    let all = hook.got.lock().unwrap().clone();
    assert_eq!(all.len(), pending * 3 + 1, "three failures each, and one success");
    let got: Vec<_> = all.into_iter().filter(|(delivery, ..)| delivery == id).collect();
    assert_eq!(got.len(), 4, "one delivery id per entry, the same on every try");
    for (_, signed, raw, value) in &got {
        let (timestamp, signature) = signed.split_once('|').unwrap();
        let expected =
            baoxiu::delivery::signature(SECRET.as_bytes(), timestamp.parse().unwrap(), raw.as_bytes());
        assert_eq!(signature, expected, "signed with HMAC-SHA256 over timestamp.body");
        assert_eq!(
            (value["kind"].as_str(), value["claim_id"].as_str()),
            (Some("claim_filed"), Some(claim.as_str()))
        );
        assert_eq!(value["recipient"], "0531-86110001");
        assert_eq!(value["text"], "辖区内有一项新的保修金使用申请，请审核。");
    }
    let sent = app.get("/api/v1/admin/outbox?status=sent", &admin.access).await.body;
    assert_eq!(sent["items"][0]["id"], id);
}

#[tokio::test]
async fn each_person_chooses_their_channels_and_the_feed_always_stays() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let path = "/api/v1/me/notification-channels";
    assert_eq!(app.get(path, &c.reviewer.access).await.body, json!({"sms": true, "push": true}));
    let set = app
        .call(reqwest::Method::PUT, path, Some(&c.reviewer.access), Some(json!({"sms": false, "push": true})))
        .await;
    assert_eq!(set.body, json!({"sms": false, "push": true}));
    let bad =
        app.call(reqwest::Method::PUT, path, Some(&c.reviewer.access), Some(json!({"sms": "no"}))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let claim = file_seepage(&app, &c).await;
    assert_eq!(drain(&app, &c.reviewer, &claim).await, ["claim_filed"], "the feed still tells");
    let reviewer = c.reviewer.user_id.clone();
    let queued = app
        .sql(format!(
            "UPDATE outbox SET attempts = attempts WHERE notification_id IN (SELECT id FROM notifications WHERE user_id = '{reviewer}')"
        ))
        .await;
    assert_eq!(queued, 0, "no SMS queued for someone who turned it off");
}
