//! The console in a real browser: Debian's headless Chromium driven through chromedriver by
//! WebDriver (`thirtyfour`, default features off, so it never downloads a driver), against the
//! real server on port 0. `scripts/setup --browser` installs both, with the CJK fonts.
//!
//! On a failure each story saves screenshots at 1280 px and 360 px under
//! `target/browser-artifacts/`. With `BAOXIU_SCREENSHOTS=<folder>` the reviewer's story also
//! saves the queue and the dossier there (how `docs/console-*.png` were made).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use baoxiu_e2e::{spawn_app, TestApp};
use futures_util::FutureExt;
use reqwest::StatusCode;
use thirtyfour::prelude::*;
use tokio::process::{Child, Command};

use crate::claims::{cast, file_seepage, Cast};
use crate::console::submitted_claim;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, stopped when dropped.
pub(crate) struct Driver {
    _process: Child,
    pub(crate) url: String,
}

pub(crate) async fn chromedriver() -> Driver {
    for path in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            std::path::Path::new(path).exists(),
            "{path} is missing: run `scripts/setup --browser` (Debian's chromium and chromium-driver)"
        );
    }
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let process = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let client = reqwest::Client::new();
    while client.get(format!("{url}/status")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver { _process: process, url }
}

pub(crate) async fn browser(driver: &Driver) -> WebDriver {
    // thirtyfour's client speaks through the process's rustls provider, which nothing else may
    // have installed yet when a browser story runs first (or alone).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).unwrap();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--lang=zh-CN",
        "--accept-lang=zh-CN,zh",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg("--window-size=1280,900").unwrap();
    // The page's console, for a story to print when it fails (`console_log`).
    caps.set("goog:loggingPrefs", serde_json::json!({"browser": "ALL"})).unwrap();
    let web = WebDriver::new(&driver.url, caps).await.expect("a Chromium session");
    web.set_window_rect(0, 0, 1280, 900).await.unwrap();
    web
}

/// What the page wrote to its console (errors included) since the last call.
pub(crate) async fn console_log(driver: &Driver, web: &WebDriver) -> String {
    let url = format!("{}/session/{}/se/log", driver.url, web.session_id());
    let answer = reqwest::Client::new().post(url).json(&serde_json::json!({"type": "browser"})).send().await;
    match answer {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(e) => format!("no console log: {e}"),
    }
}

/// Runs a story; on a failure saves what the browser shows at 1280 px and 360 px, then fails.
pub(crate) async fn story<F>(name: &str, web: &WebDriver, body: F)
where
    F: std::future::Future<Output = ()>,
{
    let outcome = std::panic::AssertUnwindSafe(body).catch_unwind().await;
    if let Err(panic) = outcome {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/browser-artifacts");
        let _ = std::fs::create_dir_all(&dir);
        for (width, height) in [(1280, 900), (360, 800)] {
            let _ = web.set_window_rect(0, 0, width, height).await;
            let path = dir.join(format!("{name}-{width}.png"));
            if web.screenshot(&path).await.is_ok() {
                eprintln!("screenshot: {}", path.display());
            }
        }
        let _ = web.clone().quit().await;
        std::panic::resume_unwind(panic);
    }
    web.clone().quit().await.unwrap();
}

/// Waits until `by` is on the page.
pub(crate) async fn wait_for(web: &WebDriver, by: By) -> WebElement {
    let started = Instant::now();
    loop {
        if let Ok(found) = web.find(by.clone()).await {
            return found;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "{by:?} never appeared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the page's address ends with `path`.
pub(crate) async fn wait_for_path(web: &WebDriver, path: &str) {
    let started = Instant::now();
    while !web.current_url().await.unwrap().as_str().ends_with(path) {
        assert!(started.elapsed() < Duration::from_secs(15), "never reached {path}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn sign_in(web: &WebDriver, app: &TestApp, who: &str) {
    web.goto(format!("{}/", app.address)).await.unwrap();
    wait_for(web, By::Id("username")).await.send_keys(who).await.unwrap();
    web.find(By::Id("password")).await.unwrap().send_keys("baoxiu-demo").await.unwrap();
    web.find(By::Id("sign-in")).await.unwrap().click().await.unwrap();
    wait_for(web, By::Id("sign-out")).await;
}

/// Waits until a file's thumbnail and preview are made, so the dossier shows them.
pub(crate) async fn derivatives_ready(app: &TestApp, c: &Cast, file: &str) {
    let started = Instant::now();
    loop {
        let f = app.get(&format!("/api/v1/files/{file}"), &c.owner.access).await;
        if f.body["derivatives"] == "ready" {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no thumbnail for {file}: {}", f.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn building_balance(web: &WebDriver, app: &TestApp, c: &Cast) -> rust_decimal::Decimal {
    web.goto(format!("{}/review/fund/buildings/{}", app.address, c.building)).await.unwrap();
    let text = wait_for(web, By::Id("building-balance")).await.text().await.unwrap();
    // As people read it: ¥38,400.00, or −¥100.00.
    let negative = text.starts_with('\u{2212}');
    let amount: rust_decimal::Decimal =
        text.trim_start_matches('\u{2212}').trim_start_matches('¥').replace(',', "").parse().unwrap();
    if negative {
        -amount
    } else {
        amount
    }
}

/// With `BAOXIU_SCREENSHOTS` set, saves the whole page at 1280 px wide into that folder.
pub(crate) async fn for_the_docs(web: &WebDriver, name: &str) {
    for_the_docs_at(web, name, 1280).await;
}

/// The same, `width` px wide, and back to 1280 × 900 after.
pub(crate) async fn for_the_docs_at(web: &WebDriver, name: &str, width: u32) {
    let Ok(folder) = std::env::var("BAOXIU_SCREENSHOTS") else { return };
    let height: i64 = web
        .execute("return document.documentElement.scrollHeight", Vec::new())
        .await
        .unwrap()
        .convert()
        .unwrap();
    web.set_window_rect(0, 0, width, height.clamp(900, 4000) as u32).await.unwrap();
    web.screenshot(&PathBuf::from(folder).join(name)).await.unwrap();
    web.set_window_rect(0, 0, 1280, 900).await.unwrap();
}

/// What sticks out past the right edge of the window, if the page is wider than it: each
/// element's tag, id and class (outside scrolling boxes, which are meant to scroll).
pub(crate) async fn overflow(web: &WebDriver) -> String {
    let script = r##"
        if (document.documentElement.scrollWidth <= window.innerWidth) return "";
        const out = [];
        for (const e of document.querySelectorAll("body *")) {
            const box = e.closest(".table-scroll");
            if (box && getComputedStyle(box).overflowX !== "visible") continue;
            const r = e.getBoundingClientRect();
            if (r.right > window.innerWidth + 0.5) out.push(e.tagName + "#" + e.id + "." + e.className + " " + Math.round(r.right));
        }
        return out.slice(0, 10).join(", ") || "the page";
    "##;
    web.execute(script, Vec::new()).await.unwrap().convert().unwrap()
}

pub(crate) async fn choose(web: &WebDriver, id: &str, value: &str) {
    let select =
        thirtyfour::components::SelectElement::new(&web.find(By::Id(id)).await.unwrap()).await.unwrap();
    select.select_by_value(value).await.unwrap();
}

#[tokio::test]
async fn a_reviewer_works_the_claim_nearest_its_deadline_from_the_queue_to_payment() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    derivatives_ready(&app, &c, &c.owner_photo).await;
    file_seepage(&app, &c).await;
    let later = submitted_claim(&app, &c).await;
    let nearest = submitted_claim(&app, &c).await;
    let tomorrow = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now()) + chrono::Duration::days(1);
    app.sql(format!(
        "UPDATE claims SET payout_due_on = '{tomorrow}', bureau_due_on = '{tomorrow}' WHERE id = '{nearest}'"
    ))
    .await;
    let driver = chromedriver().await;
    let web = browser(&driver).await;
    story("reviewer", &web, async {
        sign_in(&web, &app, "reviewer").await;
        // The claim nearest its deadline is first, marked as due within two days.
        let first = wait_for(&web, By::Css("#queue-table tbody tr")).await;
        assert_eq!(first.attr("data-claim").await.unwrap().as_deref(), Some(nearest.as_str()));
        assert_eq!(first.attr("class").await.unwrap().as_deref(), Some("due2"));
        assert_eq!(first.find(By::Css("td.days-left")).await.unwrap().text().await.unwrap(), "1");
        let rows = web.find_all(By::Css("#queue-table tbody tr")).await.unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].attr("data-claim").await.unwrap().as_deref(), Some(later.as_str()));
        for_the_docs(&web, "console-queue.png").await;
        let before = building_balance(&web, &app, &c).await;
        web.back().await.unwrap();
        wait_for(&web, By::Css("#queue-table tbody tr a")).await.click().await.unwrap();
        wait_for_path(&web, &format!("/review/claims/{nearest}")).await;

        // The photo is shown, from this server, with its flag.
        let thumbnail = wait_for(&web, By::Css("#evidence img")).await;
        // Lazily loaded: scrolled into view, it loads.
        let started = Instant::now();
        loop {
            let script =
                "arguments[0].scrollIntoView(); return arguments[0].complete ? arguments[0].naturalWidth : 0";
            let width: i64 =
                web.execute(script, vec![thumbnail.to_json().unwrap()]).await.unwrap().convert().unwrap();
            if width > 0 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "the thumbnail did not load");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let flag = web.find(By::Css("#evidence .flag[data-flag='no_exif']")).await.unwrap();
        assert!(flag.is_displayed().await.unwrap());
        assert_eq!(flag.text().await.unwrap(), "无拍摄信息");
        for_the_docs(&web, "console-dossier.png").await;

        // Verify, cutting the labour line with a reason.
        choose(&web, "decision_2", "cut").await;
        web.find(By::Id("approved_2")).await.unwrap().send_keys("900.00").await.unwrap();
        web.find(By::Id("reason_2")).await.unwrap().send_keys("工日按实核减").await.unwrap();
        web.find(By::Id("verify-submit")).await.unwrap().click().await.unwrap();
        let notice = wait_for(&web, By::Id("page-notice")).await;
        assert_eq!(notice.text().await.unwrap(), "已办理。");
        assert_eq!(
            wait_for(&web, By::Css(".approved-total")).await.text().await.unwrap(),
            "¥1,300.00",
            "¥400.00 approved and ¥1,050.00 cut to ¥900.00"
        );
        // The pay form restates what is paid.
        assert_eq!(wait_for(&web, By::Id("pay-amount")).await.text().await.unwrap(), "¥1,300.00");

        // Pay it to the repair unit.
        choose(&web, "pay-payee", "repair_unit").await;
        web.find(By::Id("pay-reference")).await.unwrap().send_keys("ICBC-2026-0001").await.unwrap();
        web.find(By::Id("pay-submit")).await.unwrap().click().await.unwrap();
        assert_eq!(wait_for(&web, By::Id("payout-amount")).await.text().await.unwrap(), "¥1,300.00");
        // And tell the developer what was used (Art. 26): nothing more waits on the bureau.
        wait_for(&web, By::Css("#form-notify_developer button")).await.click().await.unwrap();
        wait_for(&web, By::Id("no-steps")).await;

        // Off the queue; the building's fund is lower by exactly the approved total.
        web.goto(format!("{}/review", app.address)).await.unwrap();
        wait_for(&web, By::Id("state-counts")).await;
        assert!(web.find(By::Css(format!("tr[data-claim='{nearest}']"))).await.is_err(), "still queued");
        let after = building_balance(&web, &app, &c).await;
        assert_eq!(before - after, "1300.00".parse().unwrap());

        // On a 360 px phone the queue fits the screen.
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        web.goto(format!("{}/review", app.address)).await.unwrap();
        wait_for(&web, By::Id("state-counts")).await;
        let wider = overflow(&web).await;
        assert!(wider.is_empty(), "the queue is wider than a 360 px screen: {wider}");
        web.goto(format!("{}/review/claims/{later}", app.address)).await.unwrap();
        wait_for(&web, By::Id("dossier-title")).await;
        let wider = overflow(&web).await;
        assert!(wider.is_empty(), "the dossier is wider than a 360 px screen: {wider}");
    })
    .await;
}

#[tokio::test]
async fn a_form_without_its_token_is_refused_and_signing_out_ends_the_api_token_too() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = submitted_claim(&app, &c).await;
    let driver = chromedriver().await;
    let web = browser(&driver).await;
    story("csrf-and-sign-out", &web, async {
        sign_in(&web, &app, "reviewer").await;
        web.goto(format!("{}/review/claims/{id}", app.address)).await.unwrap();
        wait_for(&web, By::Id("form-return_cost_sheet")).await;
        // A form posted without the session's token, as another site's page would post it.
        web.execute("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())", Vec::new())
            .await
            .unwrap();
        web.find(By::Css("#form-return_cost_sheet button")).await.unwrap().click().await.unwrap();
        let refusal = wait_for(&web, By::Id("refusal")).await;
        assert_eq!(refusal.attr("data-status").await.unwrap().as_deref(), Some("403"));
        assert!(refusal.text().await.unwrap().contains("表单已过期或来源不明"));
        let claim = app.get(&format!("/api/v1/claims/{id}"), &c.reviewer.access).await;
        assert_eq!(claim.body["claim"]["state"], "cost_sheet_submitted", "nothing changed");

        // The browser's session is the API's: its token works there until the browser signs out.
        let cookie = web.get_named_cookie("baoxiu_session").await.unwrap();
        assert_eq!(cookie.http_only, Some(true));
        let token = cookie.value.clone();
        assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
        web.goto(format!("{}/review", app.address)).await.unwrap();
        wait_for(&web, By::Id("sign-out")).await.click().await.unwrap();
        wait_for(&web, By::Id("login-message")).await;
        assert_eq!(app.get("/api/v1/me", &token).await.code(), "session_revoked");
        web.goto(format!("{}/review", app.address)).await.unwrap();
        wait_for(&web, By::Id("username")).await;
    })
    .await;
}
