//! The plan's budget line by line (Art. 22): the repair unit plans each line's budget, the bureau
//! approves the plan, and each cost-sheet line that carries out a plan line is measured against
//! that line's budget, whether the sheet comes over REST (`plan_line`) or from a phone that pulled
//! the plan (protocol 3) and filled the budgets in before hashing.

use baoxiu_e2e::{ok, spawn_app, TestApp};
use baoxiu_sync_protocol::client::HeldClaim;
use baoxiu_sync_protocol::wire::{CostSheetRevision, MutationKind, PulledClaim};
use baoxiu_sync_protocol::Money;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::claims::{cast, file_seepage, Cast};
use crate::sync::{enrolled_phone, push, visit};

fn plan() -> Value {
    json!({
        "description": "拆除原防水层，重做聚氨酯防水，恢复饰面。",
        "budget": "1500.00",
        "lines": [
            {"kind": "material", "description": "聚氨酯防水涂料", "unit": "m²", "budget": "500.00"},
            {"kind": "labour", "description": "防水施工", "unit": "工日", "budget": "1000.00"}
        ]
    })
}

/// A claim approved with the demo repair unit, its two-line plan approved, the repair started.
async fn planned(app: &TestApp, c: &Cast) -> String {
    let id = file_seepage(app, c).await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    ok(app, &c.reviewer.access, &path("ask-developer"), json!({})).await;
    app.let_reply_period_pass(&id).await;
    ok(app, &c.reviewer.access, &path("developer-silent"), json!({})).await;
    ok(app, &c.reviewer.access, &path("approve"), json!({"repair_unit_id": c.repair_unit})).await;
    let mut uneven = plan();
    uneven["lines"][1]["budget"] = json!("900.00");
    let refused = app.post(&path("plans"), &c.technician.access, uneven).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, "invalid_input"));
    assert_eq!(refused.body["hint"], "方案各项预算之和须等于方案总预算。");
    ok(app, &c.technician.access, &path("plans"), plan()).await;
    ok(app, &c.reviewer.access, &path("plan-decision"), json!({"decision": "approve"})).await;
    ok(app, &c.technician.access, &path("start-repair"), json!({})).await;
    id
}

fn budgets(sheet: &Value) -> Vec<(String, String)> {
    sheet["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["budget"].as_str().unwrap().to_string(), l["variance"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn over_rest_a_line_naming_a_plan_line_is_measured_against_its_budget() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = planned(&app, &c).await;
    let page = app.get(&format!("/api/v1/claims/{id}"), &c.reviewer.access).await.body;
    let lines = &page["plans"][0]["lines"];
    assert_eq!(
        lines[0],
        json!({"line_no": 1, "kind": "material", "description": "聚氨酯防水涂料", "unit": "m²", "budget": "500.00"})
    );
    assert_eq!(lines[1]["budget"], "1000.00");

    let sheets = format!("/api/v1/claims/{id}/cost-sheets");
    let line = |plan_line: Value, budget: Value| json!({"kind": "material", "description": "聚氨酯防水涂料", "unit": "m²", "quantity": "10", "unit_price": "40.00", "plan_line": plan_line, "budget": budget});
    for (plan_line, budget) in [(json!(3), Value::Null), (json!(0), Value::Null), (json!(1), json!("400.00"))]
    {
        let refused = app
            .post(&sheets, &c.technician.access, json!({"lines": [line(plan_line.clone(), budget)]}))
            .await;
        assert_eq!(
            (refused.status, refused.code(), refused.body["detail"].as_str()),
            (StatusCode::BAD_REQUEST, "invalid_input", Some("line 1")),
            "plan_line {plan_line}"
        );
    }
    let sheet = json!({"lines": [
        line(json!(1), json!("500.00")),
        {"kind": "labour", "description": "防水施工", "unit": "工日", "quantity": "3", "unit_price": "350.00", "plan_line": 2},
        {"kind": "other", "description": "垃圾清运", "unit": "项", "quantity": "1", "unit_price": "80.00"}
    ]});
    let page = ok(&app, &c.technician.access, &sheets, sheet).await;
    let revision = &page["cost_sheets"][0];
    assert_eq!(
        budgets(revision),
        [
            ("500.00".into(), "-100.00".into()),
            ("1000.00".into(), "50.00".into()),
            ("0.00".into(), "80.00".into())
        ]
    );
    assert_eq!(
        (revision["total"].as_str(), revision["budget_total"].as_str()),
        (Some("1530.00"), Some("1500.00"))
    );
    assert_eq!(revision["variance"], "30.00");
}

#[tokio::test]
async fn a_phone_pulls_the_approved_plan_and_fills_each_lines_budget_before_hashing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = planned(&app, &c).await;
    // Protocol 3 carries the plan; 2 does not.
    let pull = |version: u32| {
        let app = &app;
        let token = c.technician.access.clone();
        async move { app.get(&format!("/api/sync/pull?protocol_version={version}"), &token).await.body }
    };
    let old = pull(2).await;
    let old_change =
        old["changes"].as_array().unwrap().iter().find(|ch| ch["claim_id"] == id.as_str()).unwrap();
    assert!(old_change.get("plan").is_none(), "{old_change}");
    let new = pull(3).await;
    let change = new["changes"].as_array().unwrap().iter().find(|ch| ch["claim_id"] == id.as_str()).unwrap();
    assert_eq!(change["plan"]["budget"], "1500.00");
    assert_eq!(
        change["plan"]["lines"][1],
        json!({"line": 2, "kind": "labour", "description": "防水施工", "unit": "工日", "budget": "1000.00"})
    );

    // The phone holds the claim as pulled and builds its lines from the plan.
    let pulled: PulledClaim = serde_json::from_value(change.clone()).unwrap();
    let held = HeldClaim {
        claim: pulled.claim,
        work_orders: pulled.work_orders,
        cost_sheets: pulled.cost_sheets,
        plan: pulled.plan,
    };
    let revision = CostSheetRevision {
        claim_id: id.clone(),
        revision_id: uuid::Uuid::now_v7().to_string(),
        parent_hash: None,
        lines: vec![
            held.line_from_plan(1, "10", Money::from_yuan(40)).unwrap(),
            held.line_from_plan(2, "3", Money::from_yuan(350)).unwrap(),
        ],
    };
    assert!(held.line_from_plan(3, "1", Money::from_yuan(1)).is_err(), "no such plan line");
    let (device, _) = enrolled_phone(&app, &c.technician).await;
    let reply = push(
        &app,
        &c.technician,
        &device,
        3,
        &[visit(1, MutationKind::CostSheetRevision, None, serde_json::to_value(&revision).unwrap())],
    )
    .await;
    assert_eq!(reply.body["results"][0]["outcome"], "applied", "{}", reply.body);
    let page = app.get(&format!("/api/v1/claims/{id}"), &c.reviewer.access).await.body;
    let sheet = &page["cost_sheets"][0];
    assert_eq!(
        sheet["hash"].as_str().unwrap(),
        revision.hash().unwrap(),
        "the phone's hash is the stored one"
    );
    assert_eq!(budgets(sheet), [("500.00".into(), "-100.00".into()), ("1000.00".into(), "50.00".into())]);
}
