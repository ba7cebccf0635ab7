//! The insights pages (issue 32): the bureau's charts render as SVG beside tables that agree with
//! the API, a grid cell leads to exactly the claims it counts, every table downloads as CSV, and
//! the developer answers a warning on its page (a refusal keeps what was typed); in Chromium at
//! 360 px and at a desk.

use baoxiu_e2e::web::Web;
use baoxiu_e2e::{ok, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use thirtyfour::prelude::*;

use crate::browser::{browser, chromedriver, overflow, sign_in, story, wait_for};
use crate::claims::{cast, seepage_claim, Cast};

/// Three owners of the demo building claim seepage this month, and the warning job runs.
pub(crate) async fn three_units_claim(app: &TestApp, c: &Cast) -> Vec<String> {
    let mut filed = Vec::new();
    for (n, owner) in ["owner-1-1-101", "owner-1-1-102", "owner-1-1-201"].into_iter().enumerate() {
        let s = app.login(owner).await;
        let unit = app.get("/api/v1/me/units", &s.access).await.body[0]["id"].as_str().unwrap().to_string();
        let mut claim = seepage_claim(c);
        claim["unit_id"] = json!(unit);
        claim["evidence"] =
            json!([{"id": app.upload_photo(&s.access, 60 + n as u32).await, "kind": "before"}]);
        filed.push(ok(app, &s.access, "/api/v1/claims", claim).await["id"].as_str().unwrap().to_string());
    }
    baoxiu::tasks::warnings(&app.state.ctx, "test").await.unwrap();
    filed
}

/// The count in the grid's cell of a building and category, as the API answers it.
fn grid_count(figures: &Value, building: &str, category: &str) -> u64 {
    let column = figures["categories"].as_array().unwrap().iter().position(|c| c == category).unwrap();
    let row = figures["grid"].as_array().unwrap().iter().find(|g| g["building_id"] == building).unwrap();
    row["counts"][column].as_u64().unwrap()
}

#[tokio::test]
async fn the_bureaus_numbers_agree_with_the_api_and_lead_to_the_claims_behind_them() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let filed = three_units_claim(&app, &c).await;
    let figures = app.get("/api/v1/insights", &c.reviewer.access).await.body;
    let seepage = grid_count(&figures, &c.building, "seepage");
    assert!(seepage >= 3, "{figures}");
    let web = Web::sign_in(&app, "reviewer").await;
    let page = web.get("/review/insights").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for id in [
        "chart-rates",
        "chart-pareto",
        "chart-payouts",
        "rates-table",
        "pareto-table",
        "grid-table",
        "payouts-table",
        "warnings-table",
        "register-title",
        "units-title",
    ] {
        assert!(page.has(&format!("id=\"{id}\"")), "{id} missing");
    }
    assert!(page.has("<svg viewBox=") && page.has("<polyline"), "the charts are drawn");
    // The grid's cell says what the API says, and leads to those claims.
    let row_start = page.body.find(&format!("data-building=\"{}\"", c.building)).unwrap();
    let row = &page.body[row_start..row_start + page.body[row_start..].find("</tr>").unwrap()];
    let cell = &row[row.find("data-category=\"seepage\"").unwrap()..];
    let href = cell.split("href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let shown: u64 = cell.split('>').nth(2).unwrap().split('<').next().unwrap().parse().unwrap();
    assert_eq!(shown, seepage);
    let behind = web.get(&href).await;
    assert_eq!(behind.status, StatusCode::OK, "{href}: {}", behind.body);
    assert_eq!(behind.body.matches("data-claim=\"").count() as u64, seepage, "{href}");
    for id in &filed {
        assert!(behind.has(&format!("href=\"/review/claims/{id}\"")), "{id} not behind the cell");
    }
    // A warning's count leads to the claims behind it.
    let warning = page.body.split("class=\"warning-claims\"").next().unwrap();
    let href = warning.rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let behind = web.get(&href).await;
    for id in &filed {
        assert!(behind.has(&format!("href=\"/review/claims/{id}\"")), "{id} not behind the warning ({href})");
    }
    // The rates table agrees with the API month by month.
    for r in figures["rates"].as_array().unwrap() {
        let month = r["month"].as_str().unwrap();
        let row = &page.body[page.body.find(&format!("data-month=\"{month}\"")).unwrap()..];
        let shown = row.split("data-label=").nth(2).unwrap();
        assert!(shown.contains(&format!(">{}<", r["claims"])), "{month}: {shown}");
    }
    // Every table downloads as CSV; a table the page has not is refused.
    let csv = web.get("/review/insights.csv?table=grid").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.body.starts_with("building_id,estate,building,structural") && csv.has(&c.building));
    assert_eq!(web.get("/review/insights.csv?table=secrets").await.status, StatusCode::BAD_REQUEST);
    // A filter the form never sends is a clear refusal; one building narrows the grid.
    assert_eq!(web.get("/review/insights?category=moon").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(web.get("/review/insights?from=2020-01&to=2026-01").await.status, StatusCode::BAD_REQUEST);
    for hostile in ["to=-262000-01", "to=262000-12", "from=2026-13", "to=2026-1x", "from=2027-01&to=2026-01"]
    {
        let reply = app.get(&format!("/api/v1/insights?{hostile}"), &c.reviewer.access).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{hostile}: {}", reply.body);
    }
    let one = app.get(&format!("/api/v1/insights?building={}", c.building), &c.reviewer.access).await.body;
    assert_eq!(one["grid"].as_array().unwrap().len(), 1);
    // Nobody else's: the owner may not open it; the developer has its own.
    let owner = Web::sign_in(&app, "owner").await;
    assert_eq!(owner.get("/review/insights").await.status, StatusCode::FORBIDDEN);
    assert_eq!(owner.get("/developer/insights").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_developer_acknowledges_and_closes_a_warning_on_its_page_and_a_refusal_keeps_the_text() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    three_units_claim(&app, &c).await;
    let web = Web::sign_in(&app, "developer").await;
    // The day's digest opens the warnings.
    let feed = app.get("/api/v1/notifications", &c.developer.access).await.body;
    let digest = feed["items"].as_array().unwrap().iter().find(|n| n["kind"] == "defect_warnings").unwrap();
    let opened = web.get(&format!("/notifications/{}/open", digest["id"].as_str().unwrap())).await;
    assert_eq!(opened.location(), "/developer/insights#warnings");
    let page = web.get("/developer/insights").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.has("id=\"chart-trends\"")
            && page.has("id=\"repeats-title\"")
            && page.has("id=\"warnings-table\"")
    );
    let warnings = app.get("/api/v1/warnings", &c.developer.access).await.body;
    let id = warnings[0]["id"].as_str().unwrap().to_string();
    let action = format!("/developer/warnings/{id}");
    let acked = web.submit("/developer/insights", &action, &[("step", "acknowledge")]).await;
    assert_eq!(acked.status, StatusCode::SEE_OTHER, "{}", acked.body);
    let cause = "卫生间防水层施工时未做闭水试验";
    let refused = web
        .submit("/developer/insights", &action, &[("step", "close"), ("cause", cause), ("measures", "")])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.has(cause), "the cause typed is kept");
    let closed = web
        .submit(
            "/developer/insights",
            &action,
            &[("step", "close"), ("cause", cause), ("measures", "闭水试验48小时")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let after = app.get("/api/v1/warnings", &c.developer.access).await.body;
    let warning = after.as_array().unwrap().iter().find(|w| w["id"] == id).unwrap();
    assert_eq!(
        (warning["status"].as_str(), warning["measures"].as_str()),
        (Some("closed"), Some("闭水试验48小时"))
    );
}

#[tokio::test]
async fn a_reviewer_opens_the_insights_in_a_browser_on_a_phone_and_at_a_desk() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    three_units_claim(&app, &c).await;
    let figures = app.get("/api/v1/insights", &c.reviewer.access).await.body;
    let seepage = grid_count(&figures, &c.building, "seepage");
    let driver = chromedriver().await;
    for width in [360, 1280] {
        let web = browser(&driver).await;
        story(&format!("insights-{width}"), &web, async {
            sign_in(&web, &app, "reviewer").await;
            web.set_window_rect(0, 0, width, 900).await.unwrap();
            web.goto(format!("{}/review/insights", app.address)).await.unwrap();
            wait_for(&web, By::Id("chart-rates")).await;
            // The charts render: each SVG has a size on the page.
            for id in ["chart-rates", "chart-pareto", "chart-payouts"] {
                let svg = web.find(By::Css(format!("#{id} svg"))).await.unwrap();
                let rect = svg.rect().await.unwrap();
                assert!(rect.width > 100.0 && rect.height > 40.0, "{id} at {width}: {rect:?}");
            }
            assert_eq!(overflow(&web).await, "", "nothing sticks out at {width} px");
            if width == 1280 {
                crate::browser::for_the_docs(&web, "insights.png").await;
            }
            // The table's months agree with the API's.
            let months = web.find_all(By::Css("#rates-table tbody tr")).await.unwrap();
            assert_eq!(months.len(), figures["rates"].as_array().unwrap().len());
            // A grid cell leads to its claims.
            let cell =
                format!("#grid-table tr[data-building='{}'] td[data-category='seepage'] a", c.building);
            web.find(By::Css(cell)).await.unwrap().click().await.unwrap();
            wait_for(&web, By::Id("claims-behind")).await;
            let rows = web.find_all(By::Css("#claims-behind tbody tr")).await.unwrap();
            assert_eq!(rows.len() as u64, seepage);
        })
        .await;
    }
}
