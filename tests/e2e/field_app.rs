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

mod bench;

mod sessions;

mod camera;

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
        // Amounts read on the phone as the server's pages write them, a true minus included.
        let fen = [0i64, 1, -1, -10_000, 99_999, 100_000, 384_000_000];
        let shown = script(
            &web,
            &format!(
                "return import('/field/js/money.js').then((m) => {}.map((f) => m.displayFen(BigInt(f))));",
                json!(fen)
            ),
        )
        .await;
        let server: Vec<String> =
            fen.iter().map(|f| baoxiu::messages::yuan(baoxiu_sync_protocol::Money::from_fen(*f))).collect();
        assert_eq!(shown, json!(server));
        assert_eq!(server[3], "−¥100.00");
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
