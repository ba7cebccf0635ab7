//! Defects that come back (issue 32): a coded claim of the same defect at the same place is linked
//! to the open claim it duplicates, or to the completed repair it repeats; an uncoded claim, or one
//! at another place, links nothing.

use baoxiu_e2e::web::Web;
use baoxiu_e2e::{ok, spawn_app, TestApp};
use serde_json::{json, Value};

use crate::claims::{cast, seepage_claim, to_in_repair, to_verified, Cast};

/// The owner's bathroom ceiling seepage, coded.
fn coded(c: &Cast) -> Value {
    let mut claim = seepage_claim(c);
    claim["defect"] = json!({"location": "bathroom", "component": "waterproofing", "severity": "ordinary"});
    claim
}

async fn file(app: &TestApp, c: &Cast, claim: Value) -> String {
    ok(app, &c.owner.access, "/api/v1/claims", claim).await["id"].as_str().unwrap().to_string()
}

async fn links(app: &TestApp, c: &Cast, id: &str) -> (Value, Value) {
    let page = app.get(&format!("/api/v1/claims/{id}"), &c.reviewer.access).await.body;
    (page["claim"]["duplicate_of"].clone(), page["claim"]["repeat_of"].clone())
}

#[tokio::test]
async fn the_same_defect_again_is_linked_to_the_open_claim_or_to_the_repair_it_repeats() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let first = file(&app, &c, coded(&c)).await;
    assert_eq!(links(&app, &c, &first).await, (Value::Null, Value::Null));
    // Repaired: its cost sheet signed, handed in and verified.
    to_in_repair(&app, &c, &first, "1000.00").await;
    to_verified(&app, &c, &first, &c.owner, "900.00").await;
    // The same defect again, days after the repair: a repeat of it.
    let again = file(&app, &c, coded(&c)).await;
    assert_eq!(links(&app, &c, &again).await, (Value::Null, json!(first)));
    // And once more while that one is open: its duplicate, counted once.
    let third = file(&app, &c, coded(&c)).await;
    assert_eq!(links(&app, &c, &third).await, (json!(again), Value::Null));
    // Another component, or no coding at all: nothing linked.
    let mut other = coded(&c);
    other["defect"]["component"] = json!("ceiling");
    let other = file(&app, &c, other).await;
    assert_eq!(links(&app, &c, &other).await, (Value::Null, Value::Null));
    let plain = file(&app, &c, seepage_claim(&c)).await;
    assert_eq!(links(&app, &c, &plain).await, (Value::Null, Value::Null));
    // The bureau sees the links on the dossier, each leading to the earlier claim.
    let bureau = Web::sign_in(&app, "reviewer").await;
    let dossier = bureau.get(&format!("/review/claims/{again}")).await;
    assert!(dossier.has(&format!("href=\"/claims/{first}\" id=\"repeat-of\"")), "{}", dossier.body);
    assert!(bureau.get(&format!("/review/claims/{third}")).await.has("id=\"duplicate-of\""));
}

#[tokio::test]
async fn a_repair_completed_more_than_180_days_before_is_not_repeated() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let first = file(&app, &c, coded(&c)).await;
    to_in_repair(&app, &c, &first, "1000.00").await;
    to_verified(&app, &c, &first, &c.owner, "900.00").await;
    let long_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(200);
    app.sql(format!(
        "UPDATE claims SET cost_sheet_received_at = '{}' WHERE id = '{first}'",
        long_ago.format("%Y-%m-%d %H:%M:%S")
    ))
    .await;
    let again = file(&app, &c, coded(&c)).await;
    assert_eq!(links(&app, &c, &again).await, (Value::Null, Value::Null));
}

#[tokio::test]
async fn the_repair_unit_records_what_the_repair_found_when_it_hands_the_sheet_in() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file(&app, &c, coded(&c)).await;
    to_in_repair(&app, &c, &id, "1500.00").await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    ok(&app, &c.technician.access, &path("cost-sheets"), crate::console::two_lines()).await;
    baoxiu_e2e::sign_as_shown(&app, &c.owner.access, &path("cost-sheets/1/sign")).await;
    let unit = Web::sign_in(&app, "technician").await;
    let page = format!("/claims/{id}");
    let form = unit.get(&page).await;
    assert!(form.has("id=\"repair-cause\"") && form.has(">施工<"), "{}", form.body);
    let claim_api = format!("/api/v1/claims/{id}");
    let version = app.get(&claim_api, &c.technician.access).await.body["claim"]["version"].to_string();
    assert!(version.parse::<i32>().is_ok(), "{version}");
    // A cause the list does not offer is refused, with what was typed kept.
    let typed = [("cause", "weather"), ("solution", "铲除旧防水层，重做聚氨酯防水")];
    let fields = [("version", version.as_str()), ("revision", "1"), typed[0], typed[1]];
    let refused = unit.submit(&page, &format!("{page}/submit_cost_sheet"), &fields).await;
    assert_eq!(refused.status, reqwest::StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.has("(缺陷原因)"), "the refusal names the field: {}", refused.body);
    assert_eq!(refused.shown("form-submit_cost_sheet", "solution").as_deref(), Some(typed[1].1));
    let fields = [("version", version.as_str()), ("revision", "1"), ("cause", "workmanship"), typed[1]];
    let done = unit.submit(&page, &format!("{page}/submit_cost_sheet"), &fields).await;
    assert_eq!(done.status, reqwest::StatusCode::SEE_OTHER, "{}", done.body);
    let claim = app.get(&claim_api, &c.reviewer.access).await.body;
    let finding = &claim["claim"]["finding"];
    assert_eq!(
        (finding["cause"].as_str(), finding["cause_name"].as_str()),
        (Some("workmanship"), Some("施工"))
    );
    let bureau = Web::sign_in(&app, "reviewer").await;
    assert!(bureau.get(&format!("/review/claims/{id}")).await.has("施工：铲除旧防水层，重做聚氨酯防水"));
    // The API takes the same, and refuses the same.
    let api = app
        .post(&path("submit-cost-sheet"), &c.technician.access, json!({"revision": 1, "cause": "weather"}))
        .await;
    assert_eq!(api.body["detail"], "cause");
}
