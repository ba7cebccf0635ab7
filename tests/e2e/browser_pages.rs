//! The pages on a phone and at a desk, in the browser: every page each demo party reaches fits a
//! 360 px screen, with no table cell narrower than two characters (tables read as cards there);
//! and each party, at 360 px and at 1280 px, clicks every notification and lands on a page it
//! may see.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use baoxiu_e2e::web::Web;
use baoxiu_e2e::{ok, spawn_app, TestApp};
use serde_json::json;
use thirtyfour::prelude::*;

use crate::browser::{browser, chromedriver, overflow, sign_in, story, wait_for};
use crate::claims::{cast, file_seepage, to_in_repair, Cast};
use crate::language::{generic, links};

/// Work in every party's pages: a claim asked of the developer, one in repair with a work order
/// and a revision to sign.
async fn work(app: &TestApp, c: &Cast) {
    let asked = file_seepage(app, c).await;
    ok(app, &c.reviewer.access, &format!("/api/v1/claims/{asked}/ask-developer"), json!({})).await;
    let repairing = file_seepage(app, c).await;
    to_in_repair(app, c, &repairing, "1500.00").await;
    let order = ok(
        app,
        &c.technician.access,
        &format!("/api/v1/claims/{repairing}/work-orders"),
        json!({"description": "上门查看"}),
    )
    .await;
    let assign = format!("/api/v1/work-orders/{}/assign", order["id"].as_str().unwrap());
    ok(app, &c.technician.access, &assign, json!({"technician_id": c.technician.user_id})).await;
    let sheet = format!("/api/v1/claims/{repairing}/cost-sheets");
    ok(app, &c.technician.access, &sheet, crate::console::two_lines()).await;
}

/// The site's pages a party reaches from its home, one of each kind (one claim page, one work
/// order), at most `most`.
async fn pages_of(app: &TestApp, who: &str, most: usize) -> Vec<String> {
    let web = Web::sign_in(app, who).await;
    let home = web.get("/").await.location().to_string();
    let mut queue = VecDeque::from([home]);
    let (mut seen, mut kinds, mut pages) = (BTreeSet::new(), BTreeMap::new(), Vec::new());
    while let Some(path) = queue.pop_front() {
        if pages.len() >= most
            || !seen.insert(path.clone())
            || path.contains("/pdf")
            || path.contains("format=csv")
        {
            continue;
        }
        let kind = generic(path.split('?').next().unwrap_or(&path));
        if kinds.insert(kind, ()).is_some() {
            continue;
        }
        let page = web.get(&path).await;
        if page.status.is_success() && page.has("<header class=\"top\">") {
            pages.push(path);
            queue.extend(links(&page.body));
        }
    }
    pages
}

/// Table cells narrower than two characters of their own font, each named.
async fn narrow_cells(web: &WebDriver) -> String {
    let script = r##"
        const out = [];
        for (const e of document.querySelectorAll("main td, main th")) {
            if (!e.offsetParent || !e.textContent.trim()) continue;
            // A head read out only (the cards of a phone carry its labels) is not seen.
            const head = e.closest("thead");
            if (head && getComputedStyle(head).position === "absolute") continue;
            if (e.querySelector(".visually-hidden") && e.textContent.trim() === e.querySelector(".visually-hidden").textContent.trim()) continue;
            const size = parseFloat(getComputedStyle(e).fontSize);
            const w = e.getBoundingClientRect().width;
            if (w < 2 * size) out.push(e.tagName + "#" + e.id + "." + e.className + " '" + e.textContent.trim().slice(0, 12) + "' " + Math.round(w) + "px");
        }
        return out.slice(0, 10).join(", ");
    "##;
    web.execute(script, Vec::new()).await.unwrap().convert().unwrap()
}

#[tokio::test]
async fn every_page_of_every_party_fits_a_phone_with_no_cell_squeezed() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    work(&app, &c).await;
    let driver = chromedriver().await;
    let mut failures = Vec::new();
    for who in ["reviewer", "owner", "developer", "property", "technician", "admin"] {
        let pages = pages_of(&app, who, 40).await;
        assert!(pages.len() >= 2, "{who} reaches {pages:?}");
        let web = browser(&driver).await;
        story(&format!("phone-{who}"), &web, async {
            sign_in(&web, &app, who).await;
            web.set_window_rect(0, 0, 360, 800).await.unwrap();
            for path in &pages {
                web.goto(format!("{}{path}", app.address)).await.unwrap();
                wait_for(&web, By::Id("content")).await;
                let wider = overflow(&web).await;
                if !wider.is_empty() {
                    failures.push(format!("{who} {path}: wider than 360 px: {wider}"));
                }
                let narrow = narrow_cells(&web).await;
                if !narrow.is_empty() {
                    failures.push(format!("{who} {path}: cells narrower than two characters: {narrow}"));
                }
            }
        })
        .await;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn each_party_clicks_every_notification_on_a_phone_and_at_a_desk_and_lands_where_it_may_be() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    work(&app, &c).await;
    let driver = chromedriver().await;
    for who in ["reviewer", "owner", "developer", "property", "technician"] {
        for width in [360, 1280] {
            let web = browser(&driver).await;
            story(&format!("notifications-{who}-{width}"), &web, async {
                web.set_window_rect(0, 0, width, 900).await.unwrap();
                sign_in(&web, &app, who).await;
                web.goto(format!("{}/notifications", app.address)).await.unwrap();
                wait_for(&web, By::Id("notifications")).await;
                let count = web.find_all(By::Css("#notifications a.open")).await.unwrap().len();
                assert!(count > 0 || who == "property", "{who} has notifications to open");
                for i in 0..count {
                    web.goto(format!("{}/notifications", app.address)).await.unwrap();
                    let link =
                        wait_for(&web, By::Css(format!("#notifications li:nth-child({}) a.open", i + 1)))
                            .await;
                    link.scroll_into_view().await.unwrap();
                    link.click().await.unwrap();
                    let started = std::time::Instant::now();
                    while web.current_url().await.unwrap().path() == "/notifications" {
                        assert!(started.elapsed().as_secs() < 15, "{who}: notification {i} went nowhere");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                    wait_for(&web, By::Id("content")).await;
                    let url = web.current_url().await.unwrap();
                    let refused = web.find_all(By::Css("#refusal[data-status]")).await.unwrap();
                    assert!(
                        refused.is_empty(),
                        "{who} at {width} px: notification {i} led to a refusal at {url}"
                    );
                    if width == 360 {
                        let wider = overflow(&web).await;
                        assert!(wider.is_empty(), "{who}: {url} is wider than 360 px: {wider}");
                    }
                }
            })
            .await;
        }
    }
}
