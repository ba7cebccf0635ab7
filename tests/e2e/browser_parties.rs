//! The other parties' pages in a real browser (the same headless Chromium as `browser.rs`): an
//! owner on a 360 px phone files a claim with two photos, one of them cut off mid-upload and
//! resumed; a developer disputes and uploads its testing report; the repair unit's dispatcher
//! sends a colleague; the owner signs the cost sheet by drawing on the canvas (and, the sheet
//! having changed between the page's load and the confirmation, is refused and shown the new one);
//! the bureau pays in the console, and the owner sees it paid and rates the repair.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use baoxiu_e2e::{ok, spawn_app};
use serde_json::{json, Value};
use thirtyfour::prelude::*;

use crate::browser::{
    browser, choose, chromedriver, for_the_docs, for_the_docs_at, overflow, sign_in, story, wait_for,
    wait_for_path,
};
use crate::claims::{cast, file_seepage};
use crate::console::two_lines;

/// Writes `bytes` where the browser's file input can pick it up.
pub(crate) fn file_at(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// An attribute of the element `css`, or "" while it is not there.
async fn attr(web: &WebDriver, css: &str, name: &str) -> String {
    match web.find(By::Css(css)).await {
        Ok(e) => e.attr(name).await.ok().flatten().unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits until `css`'s `name` attribute satisfies `test`.
pub(crate) async fn until_attr(
    web: &WebDriver,
    css: &str,
    name: &str,
    seconds: u64,
    test: impl Fn(&str) -> bool,
) -> String {
    let started = Instant::now();
    loop {
        let value = attr(web, css, name).await;
        if test(&value) {
            return value;
        }
        assert!(started.elapsed() < Duration::from_secs(seconds), "{css} [{name}] is {value:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element `id` reads `needle`, across the page being replaced meanwhile.
pub(crate) async fn wait_for_text(web: &WebDriver, id: &str, needle: &str) {
    let started = Instant::now();
    loop {
        if let Ok(found) = web.find(By::Id(id)).await {
            if found.text().await.is_ok_and(|t| t.contains(needle)) {
                return;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(15), "#{id} never read {needle}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The browser's network as Chrome's DevTools emulate it: offline, or uploads at `upload` bytes
/// a second (-1: unthrottled).
async fn network(web: &WebDriver, offline: bool, upload: i64) {
    let cdp = web.cdp();
    cdp.send_raw("Network.enable", json!({})).await.unwrap();
    let conditions =
        json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": upload});
    cdp.send_raw("Network.emulateNetworkConditions", conditions).await.unwrap();
}

/// The owner on a phone: files a seepage claim with two photos, the first cut off mid-upload.
#[tokio::test]
async fn an_owner_on_a_phone_files_a_claim_with_two_photos_one_cut_off_and_resumed() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let big = baoxiu_e2e::photos::noisy_jpeg(900, 700, 3);
    assert!(big.len() > 600_000, "a photo of {} bytes is too small to cut", big.len());
    let big_path = file_at(dir.path(), "wall.jpg", &big);
    let small_path = file_at(dir.path(), "ceiling.jpg", &baoxiu_e2e::photos::jpeg(640, 480, 5, None));
    let driver = chromedriver().await;
    let web = browser(&driver).await;
    story("owner-files", &web, async {
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        sign_in(&web, &app, "owner").await;
        wait_for_path(&web, "/me").await;
        wait_for(&web, By::Id("file-standard")).await.click().await.unwrap();
        wait_for(&web, By::Id("filing-form")).await;

        // Uploads crawl, as in a lift; a quarter of the way in the connection drops for a while.
        network(&web, false, 120 * 1024).await;
        web.find(By::Id("photos")).await.unwrap().send_keys(big_path.to_str().unwrap()).await.unwrap();
        let first = "#photo-uploads li:nth-child(1)";
        until_attr(&web, first, "data-sent", 30, |s| s.parse::<usize>().is_ok_and(|n| n > 256 * 1024)).await;
        let upload_url = attr(&web, first, "data-upload").await;
        assert!(upload_url.contains("/api/v1/uploads/"), "{upload_url}");
        network(&web, true, -1).await;
        until_attr(&web, first, "data-resumed", 20, |v| v == "true").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        network(&web, false, -1).await;
        let file = until_attr(&web, first, "data-file", 60, |v| !v.is_empty()).await;
        assert_eq!(attr(&web, first, "data-upload").await, upload_url, "the same upload continued");
        let stored = app.get(&format!("/api/v1/files/{file}"), &c.owner.access).await;
        assert_eq!(stored.body["sha256"], json!(baoxiu_e2e::photos::sha256(&big)), "byte for byte");

        web.find(By::Id("photos")).await.unwrap().send_keys(small_path.to_str().unwrap()).await.unwrap();
        until_attr(&web, "#photo-uploads li:nth-child(2)", "data-state", 30, |v| v == "done").await;
        choose(&web, "category", "seepage").await;
        choose(&web, "defect-location", "exterior_wall").await;
        choose(&web, "defect-component", "wall_finish").await;
        web.find(By::Id("location-detail")).await.unwrap().send_keys("客厅外墙").await.unwrap();
        web.find(By::Id("description")).await.unwrap().send_keys("雨后外墙渗水，墙面发霉。").await.unwrap();
        let wider = overflow(&web).await;
        assert!(wider.is_empty(), "the filing form is wider than a 360 px screen: {wider}");
        web.find(By::Id("filing-submit")).await.unwrap().click().await.unwrap();
        let state = wait_for(&web, By::Id("claim-state")).await;
        assert_eq!(state.attr("data-state").await.unwrap().as_deref(), Some("filed"));
        let id = web.current_url().await.unwrap().path().trim_start_matches("/claims/").to_string();
        let claim = app.get(&format!("/api/v1/claims/{id}"), &c.owner.access).await.body;
        let photos: Vec<&Value> =
            claim["evidence"].as_array().unwrap().iter().filter(|e| e["kind"] == "before").collect();
        assert_eq!(photos.len(), 2, "{claim}");
        assert!(photos.iter().any(|e| e["id"] == json!(file)));
        // Coded from the list as the owner chose (issue 32), with the list's version.
        let defect = &claim["claim"]["defect"];
        assert_eq!(
            (defect["location"].as_str(), defect["component"].as_str()),
            (Some("exterior_wall"), Some("wall_finish"))
        );
        assert_eq!(
            (defect["severity"].as_str(), defect["codes_version"].as_str()),
            (Some("ordinary"), Some("2026-12"))
        );
    })
    .await;
}

/// Draws a signature on the canvas with the pointer, as a finger would.
pub(crate) async fn draw_signature(web: &WebDriver) {
    let canvas = wait_for(web, By::Id("signature-canvas")).await;
    canvas.scroll_into_view().await.unwrap();
    web.action_chain()
        .move_to_element_with_offset(&canvas, -100, 0)
        .click_and_hold()
        .move_by_offset(40, -30)
        .move_by_offset(40, 50)
        .move_by_offset(40, -40)
        .move_by_offset(60, 20)
        .release()
        .perform()
        .await
        .unwrap();
}

/// From a claim the owner filed to the bureau's payout, every party in the browser.
#[tokio::test]
async fn a_claim_runs_from_the_developers_dispute_to_the_owner_seeing_it_paid() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    ok(&app, &c.reviewer.access, &path("ask-developer"), json!({})).await;
    let dir = tempfile::tempdir().unwrap();
    let report = file_at(dir.path(), "检测报告.pdf", &baoxiu_e2e::photos::pdf());
    let driver = chromedriver().await;

    // The developer disputes and uploads the testing agency's report.
    let web = browser(&driver).await;
    story("developer-disputes", &web, async {
        sign_in(&web, &app, "developer").await;
        wait_for_path(&web, "/developer").await;
        let request = wait_for(&web, By::Css(format!("#requests tr[data-claim='{id}'] a"))).await;
        for_the_docs(&web, "developer-page.png").await;
        request.click().await.unwrap();
        wait_for(&web, By::Id("dispute-note")).await.send_keys("系住户自行改造所致").await.unwrap();
        web.find(By::Id("dispute-submit")).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Id("report-file")).await.send_keys(report.to_str().unwrap()).await.unwrap();
        web.find(By::Id("report-submit")).await.unwrap().click().await.unwrap();
        wait_for_text(&web, "page-notice", "已上传").await;
        web.goto(format!("{}/developer", app.address)).await.unwrap();
        wait_for(&web, By::Id("no-requests")).await;
    })
    .await;
    let evidence = app.get(&format!("/api/v1/claims/{id}/evidence"), &c.reviewer.access).await.body;
    let report_id = evidence.as_array().unwrap().iter().find(|e| e["kind"] == "inspection_report").unwrap()
        ["file"]["id"]
        .clone();

    // The agency finds the developer liable and will not repair; the bureau designates the unit.
    assert!(report_id.is_string(), "{evidence}");
    let finding = json!({"developer_liable": true, "note": "检测报告认定属施工质量问题"});
    ok(&app, &c.reviewer.access, &path("inspection"), finding).await;
    ok(&app, &c.reviewer.access, &path("approve"), json!({"repair_unit_id": c.repair_unit})).await;
    ok(&app, &c.technician.access, &path("plans"), json!({"description": "维修", "budget": "1500.00"})).await;
    ok(&app, &c.reviewer.access, &path("plan-decision"), json!({"decision": "approve"})).await;
    ok(&app, &c.technician.access, &path("start-repair"), json!({})).await;

    // The unit's dispatcher sends a colleague.
    let colleague = app.login("technician2").await;
    let web = browser(&driver).await;
    story("dispatcher-assigns", &web, async {
        sign_in(&web, &app, "technician").await;
        wait_for_path(&web, "/repair").await;
        wait_for(&web, By::Css(format!("#designated tr[data-claim='{id}'] a"))).await.click().await.unwrap();
        wait_for(&web, By::Id("order-description")).await.send_keys("上门查漏").await.unwrap();
        web.find(By::Id("order-submit")).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Id("technician")).await;
        choose(&web, "technician", &colleague.user_id).await;
        web.find(By::Id("assign-submit")).await.unwrap().click().await.unwrap();
        let status = wait_for(&web, By::Css("#order-status[data-status='assigned']")).await;
        assert!(status.is_displayed().await.unwrap());
    })
    .await;
    let orders = app.get("/api/v1/work-orders?mine=true", &colleague.access).await.body;
    assert_eq!(orders["items"][0]["claim_id"], json!(id), "{orders}");
    ok(&app, &c.technician.access, &path("cost-sheets"), two_lines()).await;

    // The owner signs on a phone, by finger.
    let web = browser(&driver).await;
    story("owner-signs", &web, async {
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        sign_in(&web, &app, "owner").await;
        web.goto(format!("{}/claims/{id}", app.address)).await.unwrap();
        wait_for(&web, By::Id("open-signing")).await.click().await.unwrap();
        let shown = wait_for(&web, By::Id("revision-hash")).await.text().await.unwrap();
        assert_eq!(wait_for(&web, By::Id("sign-total")).await.text().await.unwrap(), "¥1,450.00");
        // Confirming an empty canvas is refused on the page.
        web.find(By::Id("sign-confirm")).await.unwrap().click().await.unwrap();
        let message = wait_for(&web, By::Id("sign-message")).await;
        assert_eq!(message.text().await.unwrap(), "请先在签名框内签名。");
        draw_signature(&web).await;
        let wider = overflow(&web).await;
        assert!(wider.is_empty(), "the signing page is wider than a 360 px screen: {wider}");
        assert!(!message.is_displayed().await.unwrap(), "the prompt goes once the owner signs");
        for_the_docs_at(&web, "owner-signing.png", 360).await;
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        // Meanwhile the repair unit records another revision: the drawing on the page is not
        // taken for it, and the owner is shown the new one to sign.
        let mut again = two_lines();
        again["parent_revision"] = json!(1);
        ok(&app, &c.technician.access, &path("cost-sheets"), again).await;
        web.find(By::Id("sign-confirm")).await.unwrap().click().await.unwrap();
        wait_for_text(&web, "page-notice", "费用清单已有新版本").await;
        assert_eq!(wait_for(&web, By::Id("sign-revision")).await.text().await.unwrap(), "2");
        let newer = wait_for(&web, By::Id("revision-hash")).await.text().await.unwrap();
        assert_ne!(newer, shown);
        let page = app.get(&format!("/api/v1/claims/{id}"), &c.owner.access).await.body;
        assert!(page["cost_sheets"].as_array().unwrap().iter().all(|s| s["signed_at"].is_null()));
        draw_signature(&web).await;
        web.find(By::Id("sign-confirm")).await.unwrap().click().await.unwrap();
        wait_for_text(&web, "page-notice", "已签字确认").await;
        let page = app.get(&format!("/api/v1/claims/{id}"), &c.owner.access).await.body;
        let sheet = &page["cost_sheets"][1];
        assert_eq!((&sheet["signed_by"], &sheet["hash"]), (&json!(c.owner.user_id), &json!(newer)));
        let drawing = sheet["signature_file_id"].as_str().expect("the drawing is kept");
        let file = app.get(&format!("/api/v1/files/{drawing}"), &c.owner.access).await.body;
        assert_eq!(file["media_type"], "image/png", "{file}");
    })
    .await;
    ok(&app, &c.technician.access, &path("submit-cost-sheet"), json!({"revision": 2})).await;

    // The bureau verifies and pays in the console.
    let web = browser(&driver).await;
    story("bureau-pays", &web, async {
        sign_in(&web, &app, "reviewer").await;
        web.goto(format!("{}/review/claims/{id}", app.address)).await.unwrap();
        wait_for(&web, By::Id("verify-submit")).await.click().await.unwrap();
        wait_for(&web, By::Css(".approved-total")).await;
        choose(&web, "pay-payee", "repair_unit").await;
        web.find(By::Id("pay-reference")).await.unwrap().send_keys("ICBC-2026-0002").await.unwrap();
        web.find(By::Id("pay-submit")).await.unwrap().click().await.unwrap();
        assert_eq!(wait_for(&web, By::Id("payout-amount")).await.text().await.unwrap(), "¥1,450.00");
    })
    .await;

    // The owner sees it paid and rates the repair.
    let web = browser(&driver).await;
    story("owner-rates", &web, async {
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        sign_in(&web, &app, "owner").await;
        let card = wait_for(&web, By::Css(format!("#my-claims li[data-claim='{id}']"))).await;
        let wider = overflow(&web).await;
        assert!(wider.is_empty(), "the owner's home is wider than a 360 px screen: {wider}");
        assert_eq!(card.attr("data-state").await.unwrap().as_deref(), Some("paid"));
        assert_eq!(card.find(By::Css(".state")).await.unwrap().text().await.unwrap(), "已支付");
        card.find(By::Css("a")).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Id("rate-quality")).await;
        let wider = overflow(&web).await;
        assert!(wider.is_empty(), "the claim page is wider than a 360 px screen: {wider}");
        choose(&web, "rate-quality", "4").await;
        web.find(By::Id("rate-comment")).await.unwrap().send_keys("修得很好").await.unwrap();
        web.find(By::Id("rate-submit")).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Id("rated")).await;
    })
    .await;
    let ratings = app.get("/api/v1/reviewer/repair-unit-ratings", &c.reviewer.access).await.body;
    assert_eq!(ratings[0]["ratings"], 1, "{ratings}");
}
