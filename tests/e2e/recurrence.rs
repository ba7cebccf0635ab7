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
