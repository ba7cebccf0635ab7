//! One building's fund from its deposit notice to a refund, every figure computed by hand:
//! a notice and an objection, a late payment with its fee, two paid claims, interest over two rate
//! changes, a category's expiry and its refund, and a hold.

use baoxiu::domain::deadlines::shanghai_date;
use baoxiu_e2e::{ok, spawn_app_with, TestApp};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::claims::{cast, to_in_repair, to_verified, Cast};

fn category<'a>(fund: &'a Value, name: &str) -> &'a Value {
    fund["categories"].as_array().unwrap().iter().find(|c| c["category"] == name).unwrap()
}

/// A common-part seepage claim by the property manager, taken to "verified" at `price`.
async fn verified_claim(app: &TestApp, c: &Cast, building: &str, price: &str) -> String {
    let filed = app
        .post(
            "/api/v1/claims",
            &c.property.access,
            json!({"kind": "standard", "building_id": building, "location": "common_part", "category": "seepage",
                   "location_detail": "屋顶女儿墙", "description": "外墙渗水", "with_owner_representatives": true}),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    let id = filed.body["id"].as_str().unwrap().to_string();
    to_in_repair(app, c, &id, price).await;
    to_verified(app, c, &id, &c.property, price).await;
    id
}

#[tokio::test]
async fn one_building_from_deposit_notice_to_refund() {
    let today = shanghai_date(Utc::now());
    let handover = today - Duration::days(3 * 365);
    let due_on = handover - Duration::days(14);
    let start = due_on + Duration::days(30);
    let (change1, change2, end) =
        (start + Duration::days(40), start + Duration::days(80), start + Duration::days(120));
    let rates_dir = tempfile::tempdir().unwrap();
    let rates = rates_dir.path().join("rates.toml");
    std::fs::write(
        &rates,
        format!(
            "[[rate]]\nfrom = \"2000-01-01\"\npercent = \"0.35\"\n\n[[rate]]\nfrom = \"{change1}\"\npercent = \"0.30\"\n\n[[rate]]\nfrom = \"{change2}\"\npercent = \"0.25\"\n"
        ),
    )
    .unwrap();
    let app = spawn_app_with(|c| c.interest_rates = Some(rates.clone())).await;
    let c = cast(&app).await;
    let r = &c.reviewer.access;
    let estate = app.demo_estate(r).await;
    let building = ok(
        &app,
        r,
        &format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap()),
        json!({"name": "6号楼", "class": "multi_storey", "construction_cost": "20000000.00", "design_life_years": 50, "handover_date": handover}),
    )
    .await;
    let b = building["id"].as_str().unwrap().to_string();

    // Notice: multi-storey 3 % of ¥20,000,000 = ¥600,000 (Art. 8). The developer objects; the
    // bureau re-checks and confirms (Art. 11).
    let notice =
        ok(&app, r, &format!("/api/v1/buildings/{b}/deposit-notice"), json!({"due_on": today})).await;
    assert_eq!(notice["amount"], "600000.00");
    ok(
        &app,
        &c.developer.access,
        &format!("/api/v1/buildings/{b}/deposit-notice/objection"),
        json!({"reason": "造价应按平均造价核定"}),
    )
    .await;
    let confirmed = ok(
        &app,
        r,
        &format!("/api/v1/buildings/{b}/deposit-notice/recheck"),
        json!({"corrected": false, "note": "经复核，维持原核定数额"}),
    )
    .await;
    assert_eq!(
        (confirmed["status"].as_str(), confirmed["amount"].as_str()),
        (Some("confirmed"), Some("600000.00"))
    );

    // As it was: served a month before it fell due, two weeks before the hand-over.
    app.deposit_notice_dated(&b, due_on - Duration::days(30), due_on).await;
    // Paid ten days late: 10 × 0.3 % × 600,000 = ¥18,000 late fee (Art. 16).
    let paid = ok(
        &app,
        r,
        &format!("/api/v1/buildings/{b}/deposit-payments"),
        json!({"amount": "600000.00", "paid_on": due_on + Duration::days(10), "bank_reference": "JN-6-001"}),
    )
    .await;
    assert_eq!(
        (paid["late_fee_charged"].as_str(), paid["status"].as_str()),
        (Some("18000.00"), Some("paid"))
    );
    // Each of the eight categories holds 600,000 / 8 = 75,000 plus 18,000 / 8 = 2,250.
    let fund = app.get(&format!("/api/v1/buildings/{b}/fund"), r).await.body;
    assert_eq!(fund["balance"], "618000.00");
    assert_eq!(category(&fund, "seepage")["balance"], "77250.00");
    assert_eq!(
        fund["custody_until"],
        (due_on + Duration::days(10)).with_year(due_on.year() + 5).unwrap().to_string()
    );

    // Interest over 120 days on 77,250 per category at 0.35 %, then 0.30 %, then 0.25 %, 40 days
    // each, actual/360: 30.041666… + 25.75 + 21.458333… = 77.25 per category (Art. 27).
    let run =
        ok(&app, r, "/api/v1/fund/interest-runs", json!({"period_from": start, "period_to": end})).await;
    assert_eq!(run["posted_now"], true);
    let fund = app.get(&format!("/api/v1/buildings/{b}/fund"), r).await.body;
    assert_eq!(category(&fund, "seepage")["interest"], "77.25");
    assert_eq!(fund["balance"], "618618.00");
    // The same period again posts nothing; an overlapping one is refused.
    let again =
        ok(&app, r, "/api/v1/fund/interest-runs", json!({"period_from": start, "period_to": end})).await;
    assert_eq!((again["posted_now"].as_bool(), again["id"].as_str()), (Some(false), run["id"].as_str()));
    let overlap = app
        .post(
            "/api/v1/fund/interest-runs",
            r,
            json!({"period_from": start + Duration::days(100), "period_to": end + Duration::days(10)}),
        )
        .await;
    assert_eq!((overlap.status, overlap.code()), (StatusCode::CONFLICT, "interest_period_overlaps"));
    assert_eq!(app.get(&format!("/api/v1/buildings/{b}/fund"), r).await.body["balance"], "618618.00");

    // Two paid claims, charged to seepage: ¥1,000 and ¥2,500.
    for price in ["1000.00", "2500.00"] {
        let id = verified_claim(&app, &c, &b, price).await;
        ok(
            &app,
            r,
            &format!("/api/v1/claims/{id}/pay"),
            json!({"payee": "repair_unit", "paid_on": today, "bank_reference": format!("P-{price}")}),
        )
        .await;
    }
    let fund = app.get(&format!("/api/v1/buildings/{b}/fund"), r).await.body;
    // 77,250 + 77.25 − 1,000 − 2,500 = 73,827.25
    assert_eq!(
        (category(&fund, "seepage")["payouts"].as_str(), category(&fund, "seepage")["balance"].as_str()),
        (Some("3500.00"), Some("73827.25"))
    );

    // Pipes' warranty (2 years, Art. 18) has expired: refund 77,250 + 77.25 = 77,327.25 (Art. 29).
    let pipes = category(&fund, "electrical_plumbing_equipment");
    assert_eq!(pipes["refundable_after"], handover.with_year(handover.year() + 2).unwrap().to_string());
    let refunded = ok(
        &app,
        r,
        &format!("/api/v1/buildings/{b}/refunds"),
        json!({"category": "electrical_plumbing_equipment", "paid_on": today, "bank_reference": "R-1"}),
    )
    .await;
    assert_eq!(category(&refunded, "electrical_plumbing_equipment")["refunds"], "77327.25");
    assert_eq!(category(&refunded, "electrical_plumbing_equipment")["balance"], "0.00");
    let twice = app
        .post(
            &format!("/api/v1/buildings/{b}/refunds"),
            r,
            json!({"category": "electrical_plumbing_equipment", "paid_on": today, "bank_reference": "R-2"}),
        )
        .await;
    assert_eq!(twice.code(), "nothing_to_refund");
    // Seepage runs 5 years: not due.
    let early = app
        .post(
            &format!("/api/v1/buildings/{b}/refunds"),
            r,
            json!({"category": "seepage", "paid_on": today, "bank_reference": "R-3"}),
        )
        .await;
    assert_eq!((early.status, early.code()), (StatusCode::CONFLICT, "refund_not_due"));

    // Heating has expired too, but a serious defect keeps coming back: held (Art. 30), then lifted.
    let hold = ok(
        &app,
        r,
        &format!("/api/v1/buildings/{b}/holds"),
        json!({"category": "heating", "reason": "暖气管道三次维修后仍漏水"}),
    )
    .await;
    let held = app
        .post(
            &format!("/api/v1/buildings/{b}/refunds"),
            r,
            json!({"category": "heating", "paid_on": today, "bank_reference": "R-4"}),
        )
        .await;
    assert_eq!(
        (held.status, held.code(), held.body["detail"].as_str()),
        (StatusCode::CONFLICT, "refund_on_hold", Some("Art. 30"))
    );
    ok(
        &app,
        r,
        &format!("/api/v1/buildings/{b}/holds/{}/lift", hold["id"].as_str().unwrap()),
        json!({"reason": "更换主管后试压合格"}),
    )
    .await;
    let fund = ok(
        &app,
        r,
        &format!("/api/v1/buildings/{b}/refunds"),
        json!({"category": "heating", "paid_on": today, "bank_reference": "R-4"}),
    )
    .await;
    // 8 × 77,327.25 − 3,500 − 2 × 77,327.25 = 460,463.50
    assert_eq!(fund["balance"], "460463.50");

    // This year's publication: opening 618,618.00; uses 3,500.00; refunds 154,654.50 (Art. 28).
    let year = today.year();
    let statement = app.get(&format!("/api/v1/buildings/{b}/publication/{year}"), r).await.body;
    assert_eq!(
        (
            statement["opening_balance"].as_str(),
            statement["uses"].as_str(),
            statement["refunds"].as_str(),
            statement["closing_balance"].as_str()
        ),
        (Some("618618.00"), Some("3500.00"), Some("154654.50"), Some("460463.50"))
    );
    let all = app.get(&format!("/api/v1/fund/publication/{year}"), r).await.body;
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["building"] == "6号楼" && s["closing_balance"] == "460463.50"));

    // The accountants' export holds every entry of the period.
    let from: NaiveDate = due_on;
    let csv = app
        .client
        .get(format!("{}/api/v1/fund/journal.csv?from={from}&to={}", app.address, today + Duration::days(1)))
        .bearer_auth(r)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("entry_id,entry_date,jurisdiction,building_id,category,kind,amount"));
    assert!(text.lines().any(|l| l.contains(&b) && l.contains(",payout,-2500.00,")));
    assert!(text.lines().any(|l| l.contains(&b) && l.contains(",refund,-77327.25,")));
}

#[tokio::test]
async fn owners_see_their_buildings_year_once_published() {
    let app = spawn_app_with(|_| {}).await;
    let c = cast(&app).await;
    let year = shanghai_date(Utc::now()).year();
    let path = format!("/api/v1/buildings/{}/publication/{year}", c.building);
    assert_eq!(app.get(&path, &c.owner.access).await.status, StatusCode::NOT_FOUND);
    let publish = app.call(Method::POST, &format!("{path}/publish"), Some(&c.reviewer.access), None).await;
    assert_eq!(publish.status, StatusCode::NO_CONTENT);
    let page = app
        .client
        .get(format!("{}{path}?format=html", app.address))
        .bearer_auth(&c.owner.access)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"zh-CN\">") && html.contains("泉景花园1号楼") && html.contains("期末余额"),
        "{html}"
    );
    let csv = app
        .client
        .get(format!("{}{path}?format=csv", app.address))
        .bearer_auth(&c.owner.access)
        .send()
        .await
        .unwrap();
    assert!(csv.text().await.unwrap().starts_with("楼栋编号,小区,楼栋,年度"));
    let bad = app.get(&format!("{path}?format=pdf"), &c.owner.access).await;
    assert_eq!(bad.code(), "invalid_input");
    // A neighbour building's statement stays out of the owner's reach.
    let reviewer_view = app
        .get(
            &format!(
                "/api/v1/estates/{}/buildings",
                app.demo_estate(&c.reviewer.access).await["id"].as_str().unwrap()
            ),
            &c.reviewer.access,
        )
        .await;
    let other = reviewer_view.body.as_array().unwrap().iter().find(|b| b["name"] == "3号楼").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get(&format!("/api/v1/buildings/{other}/publication/{year}"), &c.owner.access).await.status,
        StatusCode::NOT_FOUND
    );
}
