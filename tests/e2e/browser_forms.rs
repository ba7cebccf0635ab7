//! Forms in the browser: an owner's emergency filing on a phone, a row added and one removed in
//! place, refused and back with every line, the amount and the photo; the reviewer's line-by-line
//! verification refused and back with its decisions; a seven-line cost sheet entered on a phone
//! with "add a line" and signed by the owner's finger.

use baoxiu_e2e::{ok, spawn_app};
use serde_json::{json, Value};
use thirtyfour::prelude::*;

use crate::browser::{browser, chromedriver, overflow, sign_in, story, wait_for};
use crate::browser_parties::{draw_signature, file_at, until_attr, wait_for_text};
use crate::claims::{cast, file_seepage, to_in_repair};
use crate::console::submitted_claim;

/// Types `text` into the input named `name`.
async fn type_into(web: &WebDriver, name: &str, text: &str) {
    let field = wait_for(web, By::Css(format!("[name='{name}']"))).await;
    field.scroll_into_view().await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The value the control named `name` shows.
async fn value_of(web: &WebDriver, name: &str) -> String {
    let field = wait_for(web, By::Css(format!("[name='{name}']"))).await;
    field.prop("value").await.unwrap().unwrap_or_default()
}

/// How many rows the form's lines have.
async fn rows(web: &WebDriver, form: &str) -> usize {
    web.find_all(By::Css(format!("#{form} tbody.lines tr"))).await.unwrap().len()
}

/// Clicks the form's "add a line" button (the script adds the row in place).
async fn add_line(web: &WebDriver, form: &str) {
    let button = web.find(By::Css(format!("#{form} button.more-lines"))).await.unwrap();
    button.scroll_into_view().await.unwrap();
    button.click().await.unwrap();
}

#[tokio::test]
async fn a_refused_emergency_filing_on_a_phone_keeps_every_line_the_amount_and_the_photo() {
    let app = spawn_app().await;
    let _c = cast(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = file_at(dir.path(), "pipe.jpg", &baoxiu_e2e::photos::jpeg(640, 480, 11, None));
    let driver = chromedriver().await;
    let web = browser(&driver).await;
    story("emergency-refused", &web, async {
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        sign_in(&web, &app, "owner").await;
        web.goto(format!("{}/me/claims/new?kind=emergency_advance", app.address)).await.unwrap();
        wait_for(&web, By::Id("photos")).await.send_keys(photo.to_str().unwrap()).await.unwrap();
        until_attr(&web, "#photo-uploads li:nth-child(1)", "data-state", 30, |v| v == "done").await;
        crate::browser::choose(&web, "defect-location", "kitchen").await;
        crate::browser::choose(&web, "defect-component", "water_riser").await;
        web.find(By::Id("severity-serious")).await.unwrap().click().await.unwrap();
        type_into(&web, "location_detail", "厨房给水立管").await;
        type_into(&web, "description", "立管爆裂，已关阀门并请人抢修。").await;
        // Four rows, a fifth added in place, the second removed in place.
        assert_eq!(rows(&web, "filing-form").await, 4);
        add_line(&web, "filing-form").await;
        assert_eq!(rows(&web, "filing-form").await, 5);
        assert!(web.current_url().await.unwrap().path().ends_with("/me/claims/new"), "no round trip");
        for n in 1..=5 {
            type_into(&web, &format!("line_description_{n}"), &format!("管件{n}")).await;
            type_into(&web, &format!("line_unit_{n}"), "个").await;
            type_into(&web, &format!("line_quantity_{n}"), "2").await;
            type_into(&web, &format!("line_unit_price_{n}"), &format!("4{n}.00")).await;
        }
        web.find(By::Css("#filing-form tbody.lines tr:nth-child(2) button.remove-line"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(rows(&web, "filing-form").await, 4);
        type_into(&web, "amount", "四百").await;
        let wider = overflow(&web).await;
        assert!(wider.is_empty(), "the filing form is wider than a 360 px screen: {wider}");
        web.find(By::Id("filing-submit")).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Id("refusal")).await;
        // Back with the four lines left (numbered again), the amount and the photo shown.
        assert_eq!(rows(&web, "filing-form").await, 4);
        let kept: Vec<(String, String)> = vec![
            (value_of(&web, "line_description_1").await, value_of(&web, "line_unit_price_1").await),
            (value_of(&web, "line_description_2").await, value_of(&web, "line_unit_price_2").await),
            (value_of(&web, "line_description_4").await, value_of(&web, "line_unit_price_4").await),
        ];
        assert_eq!(
            kept,
            [("管件1", "41.00"), ("管件3", "43.00"), ("管件5", "45.00")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(value_of(&web, "amount").await, "四百");
        assert_eq!(value_of(&web, "location_detail").await, "厨房给水立管");
        assert_eq!(value_of(&web, "defect_location").await, "kitchen");
        assert_eq!(value_of(&web, "defect_component").await, "water_riser");
        assert!(web.find(By::Id("severity-serious")).await.unwrap().is_selected().await.unwrap());
        let thumb = wait_for(&web, By::Css("#photo-uploads li.kept img")).await;
        assert!(thumb.attr("src").await.unwrap().unwrap_or_default().contains("/signed?"), "a thumbnail");
    })
    .await;
}

#[tokio::test]
async fn a_refused_verification_keeps_every_decision_at_a_desk() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = submitted_claim(&app, &c).await;
    let driver = chromedriver().await;
    let web = browser(&driver).await;
    story("verify-refused", &web, async {
        sign_in(&web, &app, "reviewer").await;
        web.goto(format!("{}/review/claims/{id}", app.address)).await.unwrap();
        crate::browser::choose(&web, "decision_2", "cut").await;
        type_into(&web, "approved_2", "900.00").await;
        web.find(By::Id("verify-submit")).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Id("verify-refusal")).await;
        assert_eq!(value_of(&web, "decision_2").await, "cut");
        assert_eq!(value_of(&web, "approved_2").await, "900.00");
        assert_eq!(value_of(&web, "decision_1").await, "approved");
        let refusal = web.find(By::Id("verify-refusal")).await.unwrap().text().await.unwrap();
        assert!(!refusal.contains("lines.") && !refusal.contains('_'), "{refusal}");
        type_into(&web, "reason_2", "工日按实核减").await;
        web.find(By::Id("verify-submit")).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Css(".approved-total")).await;
    })
    .await;
    let page = app.get(&format!("/api/v1/claims/{id}"), &c.reviewer.access).await.body;
    assert_eq!(page["claim"]["state"], "verified", "{page}");
}

#[tokio::test]
async fn a_seven_line_cost_sheet_is_entered_on_a_phone_and_signed_by_the_owners_finger() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &id, "3000.00").await;
    ok(
        &app,
        &c.technician.access,
        &format!("/api/v1/claims/{id}/work-orders"),
        json!({"description": "上门"}),
    )
    .await;
    let driver = chromedriver().await;
    let web = browser(&driver).await;
    story("seven-lines", &web, async {
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        sign_in(&web, &app, "technician").await;
        web.goto(format!("{}/claims/{id}", app.address)).await.unwrap();
        wait_for(&web, By::Id("form-cost_sheet")).await;
        for _ in 0..3 {
            add_line(&web, "form-cost_sheet").await;
        }
        assert_eq!(rows(&web, "form-cost_sheet").await, 7);
        for n in 1..=7 {
            type_into(&web, &format!("line_description_{n}"), &format!("第{n}项")).await;
            type_into(&web, &format!("line_unit_{n}"), "项").await;
            type_into(&web, &format!("line_quantity_{n}"), "1").await;
            type_into(&web, &format!("line_unit_price_{n}"), &format!("{n}00.00")).await;
        }
        let wider = overflow(&web).await;
        assert!(wider.is_empty(), "the cost-sheet form is wider than a 360 px screen: {wider}");
        let submit = web.find(By::Id("sheet-submit")).await.unwrap();
        submit.scroll_into_view().await.unwrap();
        submit.click().await.unwrap();
        wait_for_text(&web, "page-notice", "").await;
    })
    .await;
    let page: Value = app.get(&format!("/api/v1/claims/{id}"), &c.owner.access).await.body;
    let lines = page["cost_sheets"][0]["lines"].as_array().unwrap().len();
    assert_eq!(lines, 7, "{page}");
    let web = browser(&driver).await;
    story("seven-lines-signed", &web, async {
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        sign_in(&web, &app, "owner").await;
        web.goto(format!("{}/claims/{id}", app.address)).await.unwrap();
        wait_for(&web, By::Id("open-signing")).await.click().await.unwrap();
        assert_eq!(wait_for(&web, By::Id("sign-total")).await.text().await.unwrap(), "¥2,800.00");
        draw_signature(&web).await;
        web.find(By::Id("sign-confirm")).await.unwrap().click().await.unwrap();
        wait_for_text(&web, "page-notice", "已签字确认").await;
    })
    .await;
    let page: Value = app.get(&format!("/api/v1/claims/{id}"), &c.owner.access).await.body;
    assert_eq!(page["cost_sheets"][0]["signed_by"], json!(c.owner.user_id), "{page}");
}
