//! The field app benchmark (`scripts/bench-field`), run by hand, not in CI.

use super::*;

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
