//! The technician's field app (`/field/`) in headless Chromium: opened once online, then used with
//! the server stopped (reloads served by the service worker, everything kept in IndexedDB), and
//! sent when the server is back: each act applies exactly once, in order, or comes back with its
//! reason. Stories at 360 px, as on a phone.

use std::time::{Duration, Instant};

use baoxiu_e2e::photos;
use baoxiu_e2e::{evidence_with, spawn_app, TestApp};
use serde_json::{json, Value};
use thirtyfour::prelude::*;

use crate::browser::{browser, chromedriver, console_log, story, wait_for, Driver};
use crate::sync::field;

/// A phone's window.
async fn phone(driver: &Driver) -> WebDriver {
    let web = browser(driver).await;
    web.set_window_rect(0, 0, 360, 800).await.unwrap();
    web
}

/// Waits until `check` holds, printing the page and its console if it never does.
async fn until<F, Fut>(driver: &Driver, web: &WebDriver, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        if started.elapsed() > Duration::from_secs(30) {
            let shown = match web.find(By::Tag("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("{what} never happened.\npage:\n{shown}\nconsole:\n{}", console_log(driver, web).await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn script(web: &WebDriver, source: &str) -> Value {
    web.execute(source, Vec::<Value>::new()).await.unwrap().json().clone()
}

/// Opens the app and signs in as the demo technician; the phone is enrolled and the work pulled.
async fn signed_in(driver: &Driver, web: &WebDriver, app: &TestApp, work_order: &str) {
    web.goto(format!("{}/field/", app.address)).await.unwrap();
    wait_for(web, By::Id("field-username")).await.send_keys("technician").await.unwrap();
    web.find(By::Id("field-password")).await.unwrap().send_keys("baoxiu-demo").await.unwrap();
    web.find(By::Id("field-sign-in")).await.unwrap().click().await.unwrap();
    let order = format!("[data-order='{work_order}']");
    until(driver, web, "the work order listed", || async { web.find(By::Css(&order)).await.is_ok() }).await;
    in_control(driver, web).await;
}

/// Waits until the app's service worker controls the page, printing its state while it does not.
async fn in_control(driver: &Driver, web: &WebDriver) {
    until(driver, web, "the service worker in control", || async {
        let state = web
            .execute_async(
                "navigator.serviceWorker.getRegistration('/field/').then((r) => arguments[0](
                   [!!navigator.serviceWorker.controller, r?.active?.state ?? null, r?.installing?.state ?? null, r?.waiting?.state ?? null, r?.active?.scriptURL ?? null]));",
                Vec::<Value>::new(),
            )
            .await
            .map(|v| v.json().clone())
            .unwrap_or_default();
        let in_control = state[0] == json!(true);
        if !in_control {
            // Printed with the failure, should the worker never take control.
            eprintln!("service worker (controller, active, installing, waiting, script): {state}");
        }
        in_control
    })
    .await;
}

/// The text of an element, or nothing while the page redraws it.
async fn text_of(web: &WebDriver, id: &str) -> String {
    match web.find(By::Id(id)).await {
        Ok(found) => found.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn enabled(web: &WebDriver, id: &str) -> bool {
    match web.find(By::Id(id)).await {
        Ok(found) => found.is_enabled().await.unwrap_or(false),
        Err(_) => false,
    }
}

/// Types into a field, again if the page redrew it meanwhile.
async fn type_into(web: &WebDriver, id: &str, text: &str) {
    let started = Instant::now();
    loop {
        let field = wait_for(web, By::Id(id)).await;
        let typed = async {
            field.clear().await?;
            field.send_keys(text).await?;
            field.prop("value").await
        };
        if let Ok(Some(value)) = typed.await {
            if value == text {
                return;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(15), "could not type into #{id}");
    }
}

/// Clicks a control, again if the page redrew it meanwhile.
async fn click(web: &WebDriver, id: &str) {
    let started = Instant::now();
    while wait_for(web, By::Id(id)).await.click().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(15), "could not click #{id}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The fate of each act in the outbox, oldest first: (kind, state).
async fn fates(web: &WebDriver) -> Vec<(String, String)> {
    let rows = script(
        web,
        "return Array.from(document.querySelectorAll('#outbox li')).reverse()\
           .map(li => [li.dataset.kind, li.dataset.state]);",
    )
    .await;
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn the_javascript_canonical_hash_equals_the_rust_one_for_every_vector() {
    let app = spawn_app().await;
    let driver = chromedriver().await;
    let web = browser(&driver).await;
    story("field-vectors", &web, async {
        web.goto(format!("{}/field/", app.address)).await.unwrap();
        wait_for(&web, By::Id("field-username")).await;
        let fixture = include_str!("../../fixtures/sync-vectors.json");
        let computed = web
            .execute_async(
                "const [text, done] = arguments;
                 import('/field/js/canonical.js').then(async (m) => {
                   const out = [];
                   for (const v of m.parseJson(text)) {
                     out.push({ name: v.name, canonical: m.canonical(v.value), sha256: await m.canonicalHash(v.value) });
                   }
                   done(out);
                 }).catch((e) => done(String(e)));",
                vec![json!(fixture)],
            )
            .await
            .unwrap()
            .json()
            .clone();
        let expected: Vec<Value> = serde_json::from_str(fixture).unwrap();
        let computed = computed.as_array().unwrap_or_else(|| panic!("{computed}"));
        assert_eq!(computed.len(), expected.len());
        for (js, rust) in computed.iter().zip(&expected) {
            assert_eq!(js["canonical"], rust["canonical"], "{}", rust["name"]);
            assert_eq!(js["sha256"], rust["sha256"], "{}", rust["name"]);
        }
        // A float or an unsafe integer has no canonical form: refused, never rounded.
        let refused = script(
            &web,
            "return import('/field/js/canonical.js').then((m) => [1.5, 2 ** 53].map((n) => {
               try { m.canonical({ n }); return 'accepted'; } catch (e) { return 'refused'; }
             }));",
        )
        .await;
        assert_eq!(refused, json!(["refused", "refused"]));
    })
    .await;
}

#[tokio::test]
async fn offline_from_check_in_to_signature_everything_applies_once_in_order() {
    let mut app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, _) = crate::sync::claim_of(&app, &c.technician, &wo).await;
    let dir = tempfile::tempdir().unwrap();
    let shots: Vec<(std::path::PathBuf, String)> = (1..=2)
        .map(|n| {
            let bytes = photos::jpeg(640, 480, 40 + n, None);
            let path = dir.path().join(format!("wall-{n}.jpg"));
            std::fs::write(&path, &bytes).unwrap();
            (path, photos::sha256(&bytes))
        })
        .collect();
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-offline", &web, async {
        // In the basement the phone has no fix at check-in (the act is queued all the same); by
        // check-out it knows where it is, to 12 m.
        web.cdp()
            .send_raw(
                "Browser.grantPermissions",
                json!({"origin": app.address, "permissions": ["geolocation"]}),
            )
            .await
            .unwrap();
        web.cdp().send_raw("Emulation.setGeolocationOverride", json!({})).await.unwrap();
        signed_in(&driver, &web, &app, &wo).await;

        // No connection at all: the server is gone, and the page is opened again from the phone.
        app.stop().await;
        web.refresh().await.unwrap();
        let order = format!("[data-order='{wo}']");
        until(&driver, &web, "the work order shown offline", || async {
            web.find(By::Css(&order)).await.is_ok()
        })
        .await;
        until(&driver, &web, "the app saying it is offline", || async {
            text_of(&web, "status").await.contains("离线")
        })
        .await;
        // It asked for persistent storage and says what the browser answered, and the space used.
        let storage = text_of(&web, "storage").await;
        assert!(storage.contains("持久") && storage.contains("MB"), "{storage}");

        web.find(By::Css(&order)).await.unwrap().click().await.unwrap();
        click(&web, "check-in").await;
        until(&driver, &web, "check-out offered", || enabled(&web, "check-out")).await;
        type_into(&web, "note", "顶棚渗水点已找到，在卫生间防水层。").await;
        click(&web, "save-note").await;
        for (n, (path, _)) in shots.iter().enumerate() {
            take_photo(&driver, &web, path).await;
            until(&driver, &web, "the photo shown", || async {
                web.find_all(By::Css("#photos li")).await.map(|l| l.len()).unwrap_or(0) == n + 1
            })
            .await;
        }

        // A three-line sheet: the first line typed in, two more added.
        click(&web, "open-sheet").await;
        until(&driver, &web, "the sheet open", || async {
            web.find(By::Id("line-0-description")).await.is_ok()
        })
        .await;
        for (i, (description, unit, quantity, price)) in [
            ("聚氨酯防水涂料", "m²", "12.5", "38.47"),
            ("防水施工", "工日", "3", "350"),
            ("垃圾清运", "项", "1", "80.5"),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                click(&web, "add-line").await;
            }
            type_into(&web, &format!("line-{i}-description"), description).await;
            type_into(&web, &format!("line-{i}-unit"), unit).await;
            type_into(&web, &format!("line-{i}-quantity"), quantity).await;
            type_into(&web, &format!("line-{i}-unit_price"), price).await;
        }
        // 12.5 × 38.47 = 480.875 → 480.88; + 1050.00 + 80.50.
        until(&driver, &web, "the total", || async {
            text_of(&web, "sheet-total").await.contains("¥1,611.38")
        })
        .await;
        click(&web, "record-sheet").await;
        let shown_hash = wait_for(&web, By::Id("sign-hash")).await.text().await.unwrap();
        assert_eq!(shown_hash.len(), 64);
        assert!(web.find(By::Id("sign-total")).await.unwrap().text().await.unwrap().contains("¥1,611.38"));

        // The owner signs with a finger on the phone.
        let pad = web.find(By::Id("signature")).await.unwrap();
        web.action_chain()
            .move_to_element_with_offset(&pad, -60, 0)
            .click_and_hold()
            .move_by_offset(40, 20)
            .move_by_offset(40, -30)
            .move_by_offset(30, 25)
            .release()
            .perform()
            .await
            .unwrap();
        type_into(&web, "signer-name", "王秀英").await;
        type_into(&web, "signer-phone", "13805310000").await;
        crate::browser::for_the_docs_at(&web, "field-signing.png", 360).await;
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        click(&web, "confirm-signature").await;
        until(&driver, &web, "check-out offered", || enabled(&web, "check-out")).await;
        let here = json!({"latitude": 36.6512, "longitude": 117.1201, "accuracy": 12});
        web.cdp().send_raw("Emulation.setGeolocationOverride", here).await.unwrap();
        click(&web, "check-out").await;
        until(&driver, &web, "the check-out queued", || async {
            text_of(&web, "outbox-link").await.contains("7")
        })
        .await;

        // Opened again, still offline: everything is still there, waiting.
        web.refresh().await.unwrap();
        web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
        until(&driver, &web, "seven acts waiting", || async { fates(&web).await.len() == 7 }).await;
        assert!(fates(&web).await.iter().all(|(_, state)| state == "waiting"));

        // What the phone holds can be exported for the office, photos and drawing included.
        let downloads = tempfile::tempdir().unwrap();
        let to = json!({"behavior": "allow", "downloadPath": downloads.path()});
        web.cdp().send_raw("Browser.setDownloadBehavior", to).await.unwrap();
        click(&web, "export").await;
        let started = Instant::now();
        let exported: Value = loop {
            let file = std::fs::read_dir(downloads.path())
                .unwrap()
                .filter_map(Result::ok)
                .find(|f| f.file_name().to_string_lossy().ends_with(".json"));
            if let Some(file) = file {
                if let Ok(value) = serde_json::from_slice(&std::fs::read(file.path()).unwrap()) {
                    break value;
                }
            }
            assert!(started.elapsed() < Duration::from_secs(15), "nothing exported");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(exported["unsent"].as_array().unwrap().len(), 7);
        assert_eq!(exported["files"].as_object().unwrap().len(), 3, "two photos and the drawing");
        for (_, sha) in &shots {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(exported["files"][sha]["base64"].as_str().unwrap())
                .unwrap();
            assert_eq!(&photos::sha256(&bytes), sha);
        }

        // The server is back on the same data: the technician sends.
        app.start_again().await;
        click(&web, "send-now").await;
        until(&driver, &web, "every act applied", || async {
            let f = fates(&web).await;
            f.len() == 7 && f.iter().all(|(_, state)| state == "applied")
        })
        .await;
        let kinds: Vec<String> = fates(&web).await.into_iter().map(|(kind, _)| kind).collect();
        assert_eq!(
            kinds,
            [
                "check_in",
                "visit_note",
                "evidence_attached",
                "evidence_attached",
                "cost_sheet_revision",
                "owner_confirmation",
                "check_out"
            ]
        );

        // On the server: one visit, both photos by their bytes' hash, one revision with the hash the
        // owner was shown, signed in person and witnessed by the technician.
        let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
        assert_eq!(order["visits"].as_array().unwrap().len(), 1, "{order}");
        let visit = &order["visits"][0];
        assert_eq!(visit["check_in_lat"], Value::Null, "no fix at check-in: {visit}");
        assert_eq!(visit["check_out_lat"], 36.6512, "{visit}");
        let notes = visit["notes"].as_str().unwrap();
        assert!(
            notes.contains("无法定位") && notes.contains("约 12 米") && notes.contains("顶棚渗水点"),
            "{visit}"
        );
        assert_eq!(order["status"], "completed");
        let page = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body;
        let sheets = page["cost_sheets"].as_array().unwrap();
        assert_eq!(sheets.len(), 1, "{page}");
        assert_eq!(sheets[0]["hash"], shown_hash.as_str());
        assert_eq!(sheets[0]["total"], "1611.38");
        assert_eq!(sheets[0]["signature"], "in_person");
        assert_eq!(sheets[0]["signed_in_person_by"], "王秀英");
        assert_eq!(sheets[0]["witnessed_by"], json!(c.technician.user_id));
        for (_, sha) in &shots {
            assert_eq!(evidence_with(&app, &c.reviewer.access, &claim, sha).await, 1, "photo {sha} once");
        }
    })
    .await;
}

/// Fills in a one-line sheet on the open sheet view and records it; the hash the owner is shown.
async fn record_one_line_sheet(driver: &Driver, web: &WebDriver, price: &str) -> String {
    click(web, "open-sheet").await;
    until(driver, web, "the sheet open", || async { web.find(By::Id("line-0-description")).await.is_ok() })
        .await;
    type_into(web, "line-0-description", "防水修补").await;
    type_into(web, "line-0-unit", "项").await;
    type_into(web, "line-0-quantity", "1").await;
    type_into(web, "line-0-unit_price", price).await;
    click(web, "record-sheet").await;
    wait_for(web, By::Id("sign-hash")).await.text().await.unwrap()
}

#[tokio::test]
async fn a_refused_act_shows_its_reason_and_the_acts_behind_it_apply() {
    let mut app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, _) = crate::sync::claim_of(&app, &c.technician, &wo).await;
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-refused", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        // Meanwhile the office enters the sheet on the web, the owner signs it and it goes to the
        // bureau: the claim is no longer in repair. The phone has not heard.
        crate::sync::office_submits_a_sheet(&app, &c, &claim).await;
        app.stop().await;
        web.find(By::Css(format!("[data-order='{wo}']"))).await.unwrap().click().await.unwrap();
        click(&web, "check-in").await;
        until(&driver, &web, "check-out offered", || enabled(&web, "check-out")).await;
        record_one_line_sheet(&driver, &web, "120").await;
        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        type_into(&web, "note", "业主不在家，下次再约。").await;
        click(&web, "save-note").await;
        until(&driver, &web, "three acts queued", || async {
            text_of(&web, "outbox-link").await.contains("待发送 3")
        })
        .await;

        app.start_again().await;
        web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
        click(&web, "send-now").await;
        until(&driver, &web, "the sheet refused and the acts around it applied", || async {
            let fate = |kind: &str, state: &str| (kind.to_string(), state.to_string());
            fates(&web).await
                == [
                    fate("check_in", "applied"),
                    fate("cost_sheet_revision", "rejected"),
                    fate("visit_note", "applied"),
                ]
        })
        .await;
        // The reason in the technician's words, from the protocol's own text.
        let refused = web.find(By::Css("[data-state='rejected']")).await.unwrap().text().await.unwrap();
        // (The claim moved on while the phone was away: stale.)
        assert!(refused.contains("被退回：记录已在服务器上被更新"), "{refused}");
        let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
        assert!(order["visits"][0]["notes"].as_str().unwrap_or_default().contains("下次再约"), "{order}");
        // The office sees the refusal too.
        let office = app.get("/api/sync/rejections", &c.technician.access).await.body;
        assert!(office.to_string().contains("stale_version"), "{office}");

        // Discarding asks twice.
        let discard = web.find(By::Css("[data-state='rejected'] [data-discard]")).await.unwrap();
        discard.click().await.unwrap();
        web.find(By::Css("[data-state='rejected'] [data-discard]")).await.unwrap().click().await.unwrap();
        until(&driver, &web, "the refused sheet discarded", || async {
            fates(&web).await.get(1).map(|(_, state)| state.as_str()) == Some("discarded")
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn two_tabs_open_at_once_send_each_act_once() {
    let mut app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-two-tabs", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        let first = web.window().await.unwrap();
        app.stop().await;
        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        click(&web, "check-in").await;
        until(&driver, &web, "check-out offered", || enabled(&web, "check-out")).await;
        let second = web.new_tab().await.unwrap();
        let tabs = [first, second];
        // Each tab writes three notes, the two taking turns.
        for n in 0..6 {
            web.switch_to_window(tabs[n % 2].clone()).await.unwrap();
            web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
            type_into(&web, "note", &format!("第 {n} 条记录")).await;
            click(&web, "save-note").await;
            until(&driver, &web, "the note queued", || async {
                text_of(&web, "outbox-link").await.contains(&format!("待发送 {}", n + 2))
            })
            .await;
        }
        app.start_again().await;
        // Both tabs send at once.
        for tab in &tabs {
            web.switch_to_window(tab.clone()).await.unwrap();
            web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
            click(&web, "send-now").await;
        }
        until(&driver, &web, "every act applied", || async {
            let f = fates(&web).await;
            f.len() == 7 && f.iter().all(|(_, state)| state == "applied")
        })
        .await;
        let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
        let notes = order["visits"][0]["notes"].as_str().unwrap_or_default().to_string();
        for n in 0..6 {
            assert_eq!(notes.matches(&format!("第 {n} 条记录")).count(), 1, "{notes}");
        }
        let refused = app.get("/api/sync/rejections", &c.technician.access).await.body;
        assert_eq!(refused.as_array().map(Vec::len), Some(0), "{refused}");
    })
    .await;
}

/// Every view at 360 px: nothing wider than the screen, every control named and reachable by
/// keyboard (no control taken out of the tab order).
async fn fits_a_phone(driver: &Driver, web: &WebDriver, view: &str) {
    until(driver, web, &format!("{view} drawn"), || async {
        script(web, "return document.getElementById('field').dataset.ready === 'yes'").await == json!(true)
    })
    .await;
    let report = script(
        web,
        "const wide = document.documentElement.scrollWidth > window.innerWidth;
         const unnamed = Array.from(document.querySelectorAll('button, a[href], input, select, textarea, canvas'))
           .filter((el) => {
             if (el.tabIndex < 0 && el.tagName !== 'CANVAS') return true;
             const label = el.id && document.querySelector(`label[for='${el.id}']`);
             const name = (el.getAttribute('aria-label') || (label && label.textContent) || el.textContent || '').trim();
             return name === '';
           })
           .map((el) => el.outerHTML.slice(0, 80));
         return { wide, width: document.documentElement.scrollWidth, unnamed };",
    )
    .await;
    assert_eq!(report["wide"], false, "{view} is wider than the phone: {report}");
    assert_eq!(report["unnamed"], json!([]), "{view} has controls without a name: {report}");
}

#[tokio::test]
async fn at_360_px_nothing_sticks_out_and_every_control_is_named() {
    let app = spawn_app().await;
    let (_c, wo, _) = field(&app).await;
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-360", &web, async {
        web.goto(format!("{}/field/", app.address)).await.unwrap();
        fits_a_phone(&driver, &web, "sign-in").await;
        signed_in(&driver, &web, &app, &wo).await;
        fits_a_phone(&driver, &web, "work orders").await;
        web.find(By::Css(format!("[data-order='{wo}']"))).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Id("check-in")).await;
        fits_a_phone(&driver, &web, "work order").await;
        click(&web, "check-in").await;
        until(&driver, &web, "check-out offered", || enabled(&web, "check-out")).await;
        record_one_line_sheet(&driver, &web, "3840000").await;
        fits_a_phone(&driver, &web, "signing").await;
        web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
        wait_for(&web, By::Id("outbox")).await;
        fits_a_phone(&driver, &web, "outbox").await;
        // Keyboard alone: Tab reaches the first work order's controls.
        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        wait_for(&web, By::Id("save-note")).await;
        let mut reached = Vec::new();
        for _ in 0..20 {
            web.action_chain().send_keys(Key::Tab).perform().await.unwrap();
            reached.push(script(&web, "return document.activeElement.id").await);
        }
        for id in ["check-out", "note", "save-note", "photo"] {
            assert!(reached.contains(&json!(id)), "Tab never reaches #{id}: {reached:?}");
        }
        // English by the same switch as the other pages, every text of the view with it.
        click(&web, "language").await;
        until(&driver, &web, "the app in English", || async {
            text_of(&web, "view").await.contains("My work orders")
        })
        .await;
        assert_eq!(script(&web, "return document.documentElement.lang").await, json!("en"));
        assert!(text_of(&web, "status").await.contains("data as of"));
        let chinese = script(
            &web,
            r"return /[\u4e00-\u9fff]/.test(document.querySelector('header').innerText.replace('中文', ''))",
        )
        .await;
        assert_eq!(chinese, json!(false), "Chinese left in the English header");
    })
    .await;
}

#[tokio::test]
async fn a_page_opened_past_its_worker_is_taken_into_its_control() {
    // A hard reload (as a page opened while its worker was activating) leaves the page without a
    // controller; the app asks the worker to claim it, or it would not open offline next time it is
    // navigated within, nor cache the shell it serves.
    let app = spawn_app().await;
    let (_c, wo, _) = field(&app).await;
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-claimed", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        web.cdp().send_raw("Page.reload", json!({ "ignoreCache": true })).await.unwrap();
        wait_for(&web, By::Css("[data-order]")).await;
        in_control(&driver, &web).await;
    })
    .await;
}

/// What the app's IndexedDB store `store` holds: every record, or the one under `key`.
async fn stored(web: &WebDriver, store: &str, key: Option<&str>) -> Value {
    web.execute_async(
        "const [store, key, done] = arguments;
         const open = indexedDB.open('baoxiu-field');
         open.onsuccess = () => {
           const records = open.result.transaction(store).objectStore(store);
           const got = key === null ? records.getAll() : records.get(key);
           got.onsuccess = () => done(got.result ?? null);
         };",
        vec![json!(store), json!(key)],
    )
    .await
    .unwrap()
    .json()
    .clone()
}

/// Chooses a photo on the work order's page (the camera, on a phone).
async fn take_photo(driver: &Driver, web: &WebDriver, path: &std::path::Path) {
    until(driver, web, "a photo taken", || async {
        match web.find(By::Id("photo")).await {
            Ok(input) => input.send_keys(path.to_str().unwrap()).await.is_ok(),
            Err(_) => false,
        }
    })
    .await;
}

/// The files the phone holds: (sha256, upload address, uploaded).
async fn held_files(web: &WebDriver) -> Vec<(String, Option<String>, bool)> {
    stored(web, "blobs", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["sha256"].as_str().unwrap().to_string(),
                f["uploadUrl"].as_str().map(str::to_string),
                f["uploaded"] == json!(true),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_photo_upload_cut_off_by_the_server_stopping_resumes_from_its_offset() {
    let mut app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, _) = crate::sync::claim_of(&app, &c.technician, &wo).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = photos::noisy_jpeg(1200, 900, 9);
    let path = dir.path().join("wall.jpg");
    std::fs::write(&path, &photo).unwrap();
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-resume", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        // A slow uplink, so the server can stop halfway.
        web.cdp().send_raw("Network.enable", json!({})).await.unwrap();
        let slow =
            json!({"offline": false, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 150_000});
        web.cdp().send_raw("Network.emulateNetworkConditions", slow).await.unwrap();
        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        take_photo(&driver, &web, &path).await;
        // Once the server holds part of the file, it stops.
        let started = Instant::now();
        let (upload, offset) = loop {
            if let Some((_, Some(url), _)) = held_files(&web).await.into_iter().next() {
                let head = app
                    .client
                    .head(format!("{}{url}", app.address))
                    .bearer_auth(&c.technician.access)
                    .header("Tus-Resumable", "1.0.0")
                    .send()
                    .await
                    .unwrap();
                let offset: u64 = head
                    .headers()
                    .get("upload-offset")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(0);
                if offset > 0 {
                    break (Some(url), offset);
                }
            }
            assert!(started.elapsed() < Duration::from_secs(30), "no part of the photo reached the server");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(offset < photo.len() as u64, "the whole photo went before the cut");
        app.stop().await;
        web.cdp()
            .send_raw(
                "Network.emulateNetworkConditions",
                json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
            )
            .await
            .unwrap();

        app.start_again().await;
        web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
        click(&web, "send-now").await;
        until(&driver, &web, "the photo applied", || async {
            fates(&web).await == [("evidence_attached".to_string(), "applied".to_string())]
        })
        .await;
        // The same upload went on from where the server had it: no second upload was begun.
        let files = held_files(&web).await;
        assert_eq!(files, [(photos::sha256(&photo), upload.clone(), true)]);
        assert_ne!(evidence_with(&app, &c.reviewer.access, &claim, &photos::sha256(&photo)).await, 0);
    })
    .await;
}

/// Runs the app's storage pruning as if `days` had passed, returning how many files it freed.
async fn prune_after(web: &WebDriver, days: u64) -> Value {
    web.execute_async(
        "const [days, done] = arguments;
         import('/field/js/store.js').then((s) => s.prune(Date.now() + days * 86400000)).then(done);",
        vec![json!(days)],
    )
    .await
    .unwrap()
    .json()
    .clone()
}

#[tokio::test]
async fn a_photo_applied_days_ago_leaves_the_phone_and_one_still_waiting_stays() {
    // Photos are the phone's bulk: once an act's file is on the server and the act applied, its
    // bytes go after three days, so months of work do not fill the phone.
    let mut app = spawn_app().await;
    let (_c, wo, _) = field(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let (sent, waiting) = (photos::noisy_jpeg(800, 600, 21), photos::noisy_jpeg(800, 600, 22));
    let (sent_path, waiting_path) = (dir.path().join("sent.jpg"), dir.path().join("waiting.jpg"));
    std::fs::write(&sent_path, &sent).unwrap();
    std::fs::write(&waiting_path, &waiting).unwrap();
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-prune", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        take_photo(&driver, &web, &sent_path).await;
        web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
        until(&driver, &web, "the first photo applied", || async {
            fates(&web).await == [("evidence_attached".to_string(), "applied".to_string())]
        })
        .await;
        // The second is taken with the server gone: it waits, its bytes needed.
        app.stop().await;
        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        take_photo(&driver, &web, &waiting_path).await;
        until(&driver, &web, "the second photo stored", || async { held_files(&web).await.len() == 2 }).await;
        assert_eq!(prune_after(&web, 0).await, json!(0), "a photo applied just now stays for three days");
        assert_eq!(prune_after(&web, 4).await, json!(1), "four days on, the applied one goes");
        let gone = stored(&web, "blobs", Some(&photos::sha256(&sent))).await;
        assert!(gone["blob"].is_null() && gone["uploaded"] == json!(true), "{gone}");
        let kept = stored(&web, "blobs", Some(&photos::sha256(&waiting))).await;
        assert!(!kept["blob"].is_null() && kept["uploaded"] == json!(false), "{kept}");
        // The server back, the second goes up from the bytes kept and applies.
        app.start_again().await;
        web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
        click(&web, "send-now").await;
        until(&driver, &web, "both photos applied", || async {
            fates(&web).await.iter().filter(|(k, s)| k == "evidence_attached" && s == "applied").count() == 2
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn an_update_while_acts_are_queued_keeps_them_and_sends_them_after_the_switch() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-update", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        // Sending fails (no route to the sync endpoints), the rest of the server answers.
        web.cdp().send_raw("Network.enable", json!({})).await.unwrap();
        let blocked = json!({"urls": ["*/api/sync/*", "*/api/v1/uploads*"]});
        web.cdp().send_raw("Network.setBlockedURLs", blocked).await.unwrap();
        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        click(&web, "check-in").await;
        until(&driver, &web, "check-out offered", || enabled(&web, "check-out")).await;
        type_into(&web, "note", "更新前记下的。").await;
        click(&web, "save-note").await;
        until(&driver, &web, "two acts queued", || async {
            text_of(&web, "outbox-link").await.contains("待发送 2")
        })
        .await;

        // A new version is served: the app installs it beside the running one (as it does when
        // /field/version names another) and offers to switch, saying the queue is kept.
        script(
            &web,
            "navigator.serviceWorker.register('/field/sw.js?v=next', { scope: '/field/' }); return 1;",
        )
        .await;
        until(&driver, &web, "the update offered", || async {
            text_of(&web, "update").await.contains("2 项会完整保留")
        })
        .await;
        click(&web, "switch-version").await;
        until(&driver, &web, "the new version in control", || async {
            script(&web, "return navigator.serviceWorker.controller?.scriptURL ?? ''")
                .await
                .as_str()
                .is_some_and(|url| url.ends_with("v=next"))
        })
        .await;
        until(&driver, &web, "the old version's cache gone", || async {
            let caches = web.execute_async("caches.keys().then(arguments[0]);", Vec::<Value>::new()).await;
            caches.is_ok_and(|c| c.json() == &json!(["baoxiu-field-next"]))
        })
        .await;

        // Nothing was lost in the switch; sending works again and both acts apply.
        web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
        until(&driver, &web, "the queue after the switch", || async {
            fates(&web).await.iter().filter(|(_, state)| state == "waiting").count() == 2
        })
        .await;
        web.cdp().send_raw("Network.setBlockedURLs", json!({"urls": []})).await.unwrap();
        click(&web, "send-now").await;
        until(&driver, &web, "both applied", || async {
            let f = fates(&web).await;
            f.len() == 2 && f.iter().all(|(_, state)| state == "applied")
        })
        .await;
        let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
        assert!(order["visits"][0]["notes"].as_str().unwrap_or_default().contains("更新前记下的"), "{order}");
    })
    .await;
}

#[tokio::test]
async fn a_session_that_ends_keeps_the_queue_until_the_technician_signs_in_again() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-signed-out", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        // The session ends on the server (an administrator's revocation looks the same): the
        // phone's access and refresh tokens both stop working.
        let token = stored(&web, "meta", Some("access_token")).await.as_str().unwrap().to_string();
        let ended =
            app.client.post(format!("{}/api/v1/auth/logout", app.address)).bearer_auth(&token).send().await;
        assert_eq!(ended.unwrap().status(), 204);

        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        click(&web, "check-in").await;
        until(&driver, &web, "asked to sign in again", || async {
            web.find(By::Id("signin-again-form")).await.is_ok()
        })
        .await;
        assert!(text_of(&web, "outbox-link").await.contains("待发送 1"), "the check-in waits");
        type_into(&web, "field-username", "technician").await;
        type_into(&web, "field-password", "baoxiu-demo").await;
        click(&web, "field-sign-in").await;
        until(&driver, &web, "the check-in sent", || async {
            text_of(&web, "outbox-link").await.contains("待发送 0")
        })
        .await;
        let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
        assert_eq!(order["visits"].as_array().map(Vec::len), Some(1), "{order}");
    })
    .await;
}

/// The benchmark of `scripts/bench-field` (run by hand, not in CI): a release build of the server
/// (`BAOXIU_BENCH_FIELD_SERVER`, the `baoxiu` binary) on a fresh SQLite folder with the demo
/// estate, and the technician's app in Chromium on the same machine. Prints the app shell's size,
/// the time to open it with no server (median of five reloads), and the time to send a queue of
/// 200 acts and 10 photos once the server is back.
#[tokio::test]
#[ignore = "a benchmark: scripts/bench-field"]
async fn benchmark_the_field_app() {
    let binary =
        std::env::var("BAOXIU_BENCH_FIELD_SERVER").expect("BAOXIU_BENCH_FIELD_SERVER names the server");
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("http://127.0.0.1:{port}");
    let run = |args: &[&str]| {
        let mut command = tokio::process::Command::new(&binary);
        // The run's own BAOXIU_* variables are not server settings (the server refuses unknown ones).
        for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("BAOXIU_")) {
            command.env_remove(name);
        }
        command
            .args(args)
            .env("BAOXIU_DATA_DIR", data.path())
            .env("BAOXIU_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .kill_on_drop(true);
        command
    };
    // The demo is loaded once (its claims too); started again, the server finds it there.
    let serve = || async {
        let child = run(&["serve", "--demo"]).spawn().unwrap();
        let client = reqwest::Client::new();
        let started = Instant::now();
        while !client.get(format!("{address}/ready")).send().await.is_ok_and(|r| r.status().is_success()) {
            assert!(started.elapsed() < Duration::from_secs(30), "the server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child
    };
    let mut server = serve().await;

    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-benchmark", &web, async {
        web.goto(format!("{address}/field/")).await.unwrap();
        type_into(&web, "field-username", "technician").await;
        type_into(&web, "field-password", "baoxiu-demo").await;
        click(&web, "field-sign-in").await;
        until(&driver, &web, "the demo's work order", || async { web.find(By::Css("[data-order]")).await.is_ok() })
            .await;
        in_control(&driver, &web).await;
        let shell = web
            .execute_async(
                "caches.keys().then(async (names) => {
                   const cache = await caches.open(names[0]);
                   let bytes = 0;
                   for (const request of await cache.keys()) bytes += (await (await cache.match(request)).arrayBuffer()).byteLength;
                   arguments[0]([names[0], (await cache.keys()).length, bytes]);
                 });",
                Vec::<Value>::new(),
            )
            .await
            .unwrap()
            .json()
            .clone();
        println!("app shell: {} files, {} bytes ({})", shell[1], shell[2], shell[0]);
        let order = script(&web, "return document.querySelector('[data-order]').dataset.order").await;
        let order = order.as_str().unwrap().to_string();
        web.goto(format!("{address}/field/#wo={order}")).await.unwrap();
        click(&web, "check-in").await;
        until(&driver, &web, "on site", || enabled(&web, "check-out")).await;
        until(&driver, &web, "the check-in sent", || async { text_of(&web, "outbox-link").await.contains("待发送 0") })
            .await;

        server.start_kill().unwrap();
        server.wait().await.unwrap();
        // From the start of the page's load to its work shown, as the page measured it.
        let mut opens = Vec::new();
        for _ in 0..5 {
            web.refresh().await.unwrap();
            let ready = "return document.getElementById('field')?.dataset.readyAfter ?? null";
            until(&driver, &web, "the app open offline", || async { script(&web, ready).await.is_string() }).await;
            opens.push(script(&web, ready).await.as_str().unwrap().parse::<u64>().unwrap());
        }
        opens.sort();
        println!("open with no server: median {} ms (of {opens:?} ms)", opens[2]);

        // 200 acts (visit notes) and 10 photos, queued through the app's own store.
        let photos: Vec<String> = (0..10)
            .map(|n| {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(photos::jpeg(1600, 1200, 500 + n, None))
            })
            .collect();
        let queued = web
            .execute_async(
                "const [order, photos, done] = arguments;
                 Promise.all([import('/field/js/store.js'), import('/field/js/canonical.js'), import('/field/js/sync.js')])
                 .then(async ([store, canonical, sync]) => {
                   const held = (await store.claims()).find((c) => c.work_orders.some((w) => w.id === order));
                   const add = async (kind, base, payload, blobs) => store.enqueue(
                     { id: sync.uuid7(), kind, base_version: base, payload, payload_hash: await canonical.canonicalHash(payload), shown: {} }, blobs);
                   for (let n = 0; n < 200; n++) await add('visit_note', null, { work_order_id: order, note: '记录 ' + n }, []);
                   for (const b64 of photos) {
                     const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                     const blob = new Blob([bytes], { type: 'image/jpeg' });
                     const sha256 = await canonical.sha256Hex(blob);
                     await add('evidence_attached', held.claim.version, { claim_id: held.claim.id, sha256, kind: 'during' },
                               [{ sha256, blob, name: 'p.jpg', size: blob.size, type: 'image/jpeg' }]);
                   }
                   done((await store.outbox()).filter((r) => r.state === 'waiting').length);
                 }).catch((e) => done(String(e)));",
                vec![json!(order), json!(photos)],
            )
            .await
            .unwrap()
            .json()
            .clone();
        assert_eq!(queued, json!(210), "{queued}");
        let photo_bytes: usize = photos.iter().map(|p| p.len() * 3 / 4).sum();

        server = serve().await;
        web.goto(format!("{address}/field/#outbox")).await.unwrap();
        let started = Instant::now();
        click(&web, "send-now").await;
        let mut polls = 0;
        loop {
            let left = script(
                &web,
                "return document.getElementById('outbox-link').textContent",
            )
            .await;
            if left.as_str().unwrap_or_default().starts_with("待发送 0") {
                break;
            }
            polls += 1;
            assert!(started.elapsed() < Duration::from_secs(600), "still sending: {left}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let sent = started.elapsed();
        let applied = fates(&web).await.iter().filter(|(_, state)| state == "applied").count();
        println!(
            "send after reconnecting: 200 acts and 10 photos ({:.1} MB) in {:.2} s ({applied} applied, {polls} polls)",
            photo_bytes as f64 / 1_048_576.0,
            sent.as_secs_f64()
        );
        assert_eq!(applied, 211, "the check-in, 200 notes and 10 photos");
    })
    .await;
    let _ = server.start_kill();
}
