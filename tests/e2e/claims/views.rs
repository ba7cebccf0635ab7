//! Who sees what of a claim, in which order, and how a refusal reads.

use super::*;

#[tokio::test]
async fn claims_outside_ones_scope_are_not_there() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
    let id = filed.body["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/claims/{id}");
    // Another owner, a technician whose unit was not designated: 404, as if it did not exist.
    let neighbour = app.login("owner-1-1-302").await;
    assert_eq!(app.get(&path, &neighbour.access).await.status, StatusCode::NOT_FOUND);
    assert!(app.get("/api/v1/claims", &neighbour.access).await.body["items"].as_array().unwrap().is_empty());
    assert_eq!(app.get(&path, &c.technician.access).await.status, StatusCode::NOT_FOUND);
    let plan = app
        .post(&format!("{path}/plans"), &c.technician.access, json!({"description": "x", "budget": "1.00"}))
        .await;
    assert_eq!(plan.status, StatusCode::NOT_FOUND);
    // The designated unit's technicians see it once approved.
    step(&app, &c.reviewer, &id, "ask-developer", json!({})).await;
    app.let_reply_period_pass(&id).await;
    step(&app, &c.reviewer, &id, "developer-silent", json!({})).await;
    step(&app, &c.reviewer, &id, "approve", json!({"repair_unit_id": c.repair_unit})).await;
    let seen = app.get(&path, &c.technician.access).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body["claim"]["your_next_step"], "submit_plan");
}

#[tokio::test]
async fn the_queue_puts_the_nearest_deadline_first() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let file = || async {
        let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
        filed.body["id"].as_str().unwrap().to_string()
    };
    let undated = file().await;
    let dated = file().await;
    // Move `dated` to cost_sheet_submitted, which carries the 20-day payout deadline.
    step(&app, &c.reviewer, &dated, "ask-developer", json!({})).await;
    app.let_reply_period_pass(&dated).await;
    step(&app, &c.reviewer, &dated, "developer-silent", json!({})).await;
    step(&app, &c.reviewer, &dated, "approve", json!({"repair_unit_id": c.repair_unit})).await;
    step(&app, &c.technician, &dated, "plans", json!({"description": "维修", "budget": "1500.00"})).await;
    step(&app, &c.reviewer, &dated, "plan-decision", json!({"decision": "approve"})).await;
    step(&app, &c.technician, &dated, "start-repair", json!({})).await;
    step(&app, &c.technician, &dated, "cost-sheets", json!({"lines": lines()})).await;
    step(
        &app,
        &c.owner,
        &dated,
        "cost-sheets/1/sign",
        json!({"revision_hash": baoxiu_e2e::shown_hash(&app, &c.owner.access, &dated, 1).await}),
    )
    .await;
    step(&app, &c.technician, &dated, "submit-cost-sheet", json!({"revision": 1})).await;

    let queue = app.get("/api/v1/reviewer/queue", &c.reviewer.access).await;
    let order: Vec<&str> =
        queue.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(order, [dated.as_str(), undated.as_str()], "the dated claim first, then the undated");
    let within = app.get("/api/v1/reviewer/queue?due_within_days=25", &c.reviewer.access).await;
    assert_eq!(within.body["items"].as_array().unwrap().len(), 1);
    let by_status = app.get("/api/v1/reviewer/queue?status=filed", &c.reviewer.access).await;
    assert_eq!(by_status.body["items"][0]["id"], undated.as_str());
    assert_eq!(
        app.get("/api/v1/reviewer/queue?status=nonsense", &c.reviewer.access).await.code(),
        "invalid_input"
    );
    let page2 = app.get("/api/v1/reviewer/queue?limit=1&offset=1", &c.reviewer.access).await;
    assert_eq!(page2.body["items"][0]["id"], undated.as_str());
}

#[tokio::test]
async fn names_are_on_the_claim_and_the_applicants_phone_only_for_those_who_need_it() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    step(&app, &c.reviewer, &id, "ask-developer", json!({})).await;
    let seen = |who: &Session| {
        let path = format!("/api/v1/claims/{id}");
        let (app, token) = (&app, who.access.clone());
        async move { app.get(&path, &token).await.body }
    };
    let reviewers = seen(&c.reviewer).await;
    assert_eq!(
        (reviewers["claim"]["applicant_name"].as_str(), reviewers["claim"]["applicant_phone"].as_str()),
        (Some("陈桂兰"), Some("13805310004"))
    );
    let names: Vec<&str> =
        reviewers["timeline"].as_array().unwrap().iter().map(|t| t["actor_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["陈桂兰", "孙审核"], "who filed, who asked");
    // The developer and the estate's property manager see the name, not the number.
    for who in [&c.developer, &c.property] {
        let page = seen(who).await;
        assert_eq!(
            (page["claim"]["applicant_name"].as_str(), &page["claim"]["applicant_phone"]),
            (Some("陈桂兰"), &Value::Null)
        );
    }
    // The designated repair unit books the visit: it sees the number once designated.
    app.let_reply_period_pass(&id).await;
    step(&app, &c.reviewer, &id, "developer-silent", json!({})).await;
    step(&app, &c.reviewer, &id, "approve", json!({"repair_unit_id": c.repair_unit})).await;
    assert_eq!(seen(&c.technician).await["claim"]["applicant_phone"], "13805310004");
    let listed = app.get("/api/v1/reviewer/queue", &c.reviewer.access).await.body;
    assert!(listed["items"].as_array().unwrap().iter().all(|i| i["applicant_name"].is_string()));
}

#[tokio::test]
async fn a_refusal_names_the_rule_the_state_the_steps_open_and_what_would_pass_in_both_languages() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    let early = app
        .post(
            &format!("/api/v1/claims/{id}/pay"),
            &c.reviewer.access,
            json!({"payee": "applicant", "paid_on": "2026-01-01", "bank_reference": "x"}),
        )
        .await;
    // Refused before the payout step: the shortfall probe finds nothing to pay yet.
    assert_eq!(early.code(), "step_out_of_order");
    let body = &early.body;
    assert_eq!((body["rule"].as_str(), body["state"].as_str()), (Some("Art. 23"), Some("filed")));
    assert_eq!(body["allowed"], json!(["ask_developer", "developer_unable", "reject"]));
    assert!(body["hint"].as_str().unwrap().contains("allowed"), "{body}");
    let silent = format!("/api/v1/claims/{id}/developer-silent");
    let english =
        app.call_in_english(reqwest::Method::POST, &silent, &c.reviewer.access, Some(json!({}))).await.body;
    assert_eq!(
        (english["error"].as_str(), english["state"].as_str()),
        (Some("step_out_of_order"), Some("filed"))
    );
    assert!(english["hint"].as_str().unwrap().starts_with("The claim can only take"), "{english}");

    // A property manager filing for a common part without owner representatives is told exactly
    // what is missing (Art. 20).
    let mut common = seepage_claim(&c);
    common["location"] = json!("common_part");
    common["unit_id"] = Value::Null;
    common["evidence"] = json!([]);
    let alone = app.post("/api/v1/claims", &c.property.access, common).await;
    assert_eq!((alone.code(), alone.body["detail"].as_str()), ("ineligible_applicant", Some("Art. 20")));
    assert!(alone.body["hint"].as_str().unwrap().contains("业主推选的代表"), "{}", alone.body);

    // The testing agency's finding is carried into the rejection the applicant reads (Art. 24).
    step(&app, &c.reviewer, &id, "ask-developer", json!({})).await;
    step(&app, &c.developer, &id, "developer-reply", json!({"reply": "dispute"})).await;
    let cleared = step(
        &app,
        &c.reviewer,
        &id,
        "inspection",
        json!({"developer_liable": false, "note": "渗漏系业主擅自改动防水层所致"}),
    )
    .await;
    let rejection = &cleared["claim"]["rejection"];
    assert_eq!(
        (rejection["reason"].as_str(), rejection["note"].as_str()),
        (Some("not_developer_liable"), Some("渗漏系业主擅自改动防水层所致"))
    );
}
