//! Photos on the phone: an upload cut off resumes from its offset, and a photo long applied leaves the phone.

use super::*;

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
