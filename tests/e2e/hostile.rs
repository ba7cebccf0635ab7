//! Input an attacker would send: amounts that overflow, numbers at the edge of their type,
//! filenames that break headers, payloads above the advertised limits. Each is a clear 4xx (or a
//! recorded sync rejection that leaves the rest of the queue to apply), never a 500.

use std::time::Duration;

use base64::Engine;

use baoxiu_e2e::{ok, spawn_app, spawn_app_with, TestApp};
use baoxiu_sync_protocol::cost_sheet::LineKind;
use baoxiu_sync_protocol::wire::{CostSheetRevision, MutationKind, WireLine};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::claims::{cast, file_seepage, to_in_repair, Cast};
use crate::sync::{enrolled_phone, push, revision, visit};

fn line(quantity: &str, unit_price: &str) -> serde_json::Value {
    json!({"kind": "material", "description": "防水卷材", "unit": "m²", "quantity": quantity, "unit_price": unit_price})
}

/// A claim of a fresh cast in repair, and its version.
async fn claim_in_repair(app: &TestApp) -> (Cast, String, i64) {
    let c = cast(app).await;
    let claim = file_seepage(app, &c).await;
    to_in_repair(app, &c, &claim, "1500.00").await;
    let version = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body["claim"]
        ["version"]
        .as_i64()
        .unwrap();
    (c, claim, version)
}

#[tokio::test]
async fn amounts_beyond_the_bounds_are_refused_and_never_wrap() {
    let app = spawn_app().await;
    let (c, claim, _) = claim_in_repair(&app).await;
    let path = format!("/api/v1/claims/{claim}/cost-sheets");
    let hostile = [
        // One line that would have been clamped to i64::MAX fen.
        json!([line("1000000", "10000000000000.00")]),
        // Two lines whose i64 sum overflowed (500 in debug, negative in release).
        json!([line("1000000", "50000000000.00"), line("1000000", "50000000000.00")]),
        // Each line within its bound, the total not.
        json!((0..11).map(|_| line("10", "10000000.00")).collect::<Vec<_>>()),
        // A negative budget and one beyond the line bound.
        json!([{"kind": "other", "description": "杂项", "unit": "项", "quantity": "1", "unit_price": "1.00", "budget": "-1.00"}]),
        json!([{"kind": "other", "description": "杂项", "unit": "项", "quantity": "1", "unit_price": "1.00", "budget": "100000000.01"}]),
        json!((0..201).map(|_| line("1", "1.00")).collect::<Vec<_>>()),
    ];
    for lines in hostile {
        let refused = app.post(&path, &c.technician.access, json!({"lines": lines})).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::BAD_REQUEST, "invalid_input"),
            "{}",
            refused.body
        );
        assert_eq!(
            refused.body["detail"].as_str().map(|d| d.starts_with("line") || d.contains("sheet")),
            Some(true),
            "{}",
            refused.body
        );
    }
    // At the bounds exactly: ten lines of ¥100,000,000.00 make ¥1,000,000,000.00.
    let top = json!((0..10).map(|_| line("10", "10000000.00")).collect::<Vec<_>>());
    let stored = ok(&app, &c.technician.access, &path, json!({"lines": top})).await;
    let sheet = stored["cost_sheets"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(sheet["total"], "1000000000.00", "{sheet}");

    // Over sync the same sheet is a recorded rejection, and the mutation behind it still applies.
    let version = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body["claim"]
        ["version"]
        .as_i64()
        .unwrap();
    let (phone, _) = enrolled_phone(&app, &c.technician).await;
    let mut huge: CostSheetRevision = revision(&claim, None, "巨额");
    huge.lines = vec![
        WireLine {
            kind: LineKind::Material,
            description: "防水卷材".into(),
            unit: "m²".into(),
            quantity: "1000000".into(),
            unit_price: "50000000000.00".parse().unwrap(),
            budget: "0.00".parse().unwrap(),
        };
        2
    ];
    let fine = revision(&claim, sheet["hash"].as_str().map(str::to_owned), "正常");
    let batch = [
        visit(1, MutationKind::CostSheetRevision, Some(version), serde_json::to_value(&huge).unwrap()),
        visit(2, MutationKind::CostSheetRevision, None, serde_json::to_value(&fine).unwrap()),
    ];
    let pushed = push(&app, &c.technician, &phone, 2, &batch).await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.body);
    assert_eq!(pushed.body["results"][0]["outcome"], "rejected", "{}", pushed.body);
    assert_eq!(pushed.body["results"][0]["reason"], "invalid_payload", "{}", pushed.body);
    assert_eq!(pushed.body["results"][1]["outcome"], "applied", "{}", pushed.body);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body;
    let totals: Vec<&str> =
        page["cost_sheets"].as_array().unwrap().iter().map(|s| s["total"].as_str().unwrap()).collect();
    assert!(totals.iter().all(|t| !t.starts_with('-')), "{totals:?}");
    assert_eq!(totals.len(), 2, "{totals:?}");
}

/// Sends raw bytes on a fresh connection and returns what the server answered within `wait`.
async fn raw(app: &TestApp, request: &[u8], wait: Duration) -> String {
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn numbers_at_the_edge_of_their_type_are_refused_not_wrapped() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    for year in ["2147483647", "-2147483648", "1999"] {
        let r = app
            .get(&format!("/api/v1/buildings/{}/publication/{year}", c.building), &c.reviewer.access)
            .await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_input"), "{year}: {}", r.body);
    }

    // A tus PATCH declaring u64::MAX bytes.
    let tech = c.technician.clone();
    let sha256 = base64::engine::general_purpose::STANDARD.encode(baoxiu_e2e::photos::sha256(b"0123456789"));
    let headers = [
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Upload-Length", "10".to_string()),
        ("Upload-Metadata", format!("sha256 {sha256}")),
    ];
    let created =
        app.send_bytes(Method::POST, "/api/v1/uploads", Some(&tech.access), &headers, Vec::new()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let path = created.headers["location"].to_str().unwrap().to_string();
    let first = [
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Content-Type", "application/offset+octet-stream".to_string()),
        ("Upload-Offset", "0".to_string()),
    ];
    let r = app.send_bytes(Method::PATCH, &path, Some(&tech.access), &first, b"0123".to_vec()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // From offset 4, so that 4 + u64::MAX would wrap.
    let request = format!(
        "PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nTus-Resumable: 1.0.0\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 4\r\nContent-Length: {}\r\n\r\n45",
        tech.access,
        u64::MAX
    );
    let answer = raw(&app, request.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("upload_exceeds_length"), "{answer}");

    // A sync batch numbered [u64::MAX, 0].
    let (phone, _) = enrolled_phone(&app, &tech).await;
    let note = json!({"work_order_id": uuid::Uuid::now_v7().to_string(), "note": "n"});
    let batch = [
        visit(u64::MAX, MutationKind::VisitNote, None, note.clone()),
        visit(0, MutationKind::VisitNote, None, note),
    ];
    let r = push(&app, &tech, &phone, 2, &batch).await;
    assert_eq!(
        (r.status, r.code(), r.body["detail"].as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input", Some("mutations.seq")),
        "{}",
        r.body
    );
}

/// A revision of `lines` lines of long descriptions: valid, and as large as asked.
fn bulky_revision(claim: &str, parent: Option<String>, lines: usize) -> CostSheetRevision {
    let mut rev = revision(claim, parent, "大");
    rev.lines = (0..lines)
        .map(|i| WireLine {
            kind: LineKind::Material,
            description: format!("{i:03}{}", "防水卷材铺设".repeat(32)),
            unit: "m²".into(),
            quantity: "1".into(),
            unit_price: "1.00".parse().unwrap(),
            budget: "0.00".parse().unwrap(),
        })
        .collect();
    rev
}

#[tokio::test]
async fn the_sync_limits_advertised_are_the_limits_enforced() {
    let app = spawn_app().await;
    let (c, claim, version) = claim_in_repair(&app).await;
    let (phone, _) = enrolled_phone(&app, &c.technician).await;
    let info = app.call(Method::GET, "/api/sync/info", None, None).await.body;
    let (max_payload, max_batch) = (
        info["limits"]["max_payload_bytes"].as_u64().unwrap(),
        info["limits"]["max_batch_bytes"].as_u64().unwrap(),
    );

    // One payload above the payload limit (200 lines, about 120 KiB) is a rejection, not stored.
    let big = bulky_revision(&claim, None, 200);
    assert!(serde_json::to_vec(&big).unwrap().len() as u64 > max_payload);
    // Four revisions of 50 lines, each under the payload limit, together above the general JSON
    // limit (256 KiB) and under the batch limit.
    let mut parent = None;
    let mut batch =
        vec![visit(1, MutationKind::CostSheetRevision, Some(version), serde_json::to_value(&big).unwrap())];
    for seq in 2..=6 {
        let rev = bulky_revision(&claim, parent.take(), 50);
        parent = Some(rev.hash().unwrap());
        batch.push(visit(seq, MutationKind::CostSheetRevision, None, serde_json::to_value(&rev).unwrap()));
    }
    let body = serde_json::to_vec(&batch).unwrap().len() as u64;
    assert!(body > 256 * 1024 && body < max_batch, "{body}");
    let pushed = push(&app, &c.technician, &phone, 2, &batch).await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.body);
    let outcomes: Vec<(&str, &str)> = pushed.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["outcome"].as_str().unwrap(), r["reason"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(outcomes[0], ("rejected", "invalid_payload"));
    assert!(outcomes[1..].iter().all(|o| o.0 == "applied"), "{outcomes:?}");

    // Coordinates that are not numbers on the earth.
    let order = ok(
        &app,
        &c.technician.access,
        &format!("/api/v1/claims/{claim}/work-orders"),
        json!({"description": "上门"}),
    )
    .await;
    let wo = order["id"].as_str().unwrap().to_string();
    ok(
        &app,
        &c.technician.access,
        &format!("/api/v1/work-orders/{wo}/assign"),
        json!({"technician_id": c.technician.user_id}),
    )
    .await;
    let mut seq = 7;
    for (lat, lng) in [("NaN", "117.1"), ("inf", "117.1"), ("36.6", "-inf"), ("91", "117.1"), ("36.6", "")] {
        let check_in =
            visit(seq, MutationKind::CheckIn, None, json!({"work_order_id": wo, "lat": lat, "lng": lng}));
        let r = push(&app, &c.technician, &phone, 2, &[check_in]).await;
        assert_eq!(r.body["results"][0]["reason"], "invalid_payload", "{lat},{lng}: {}", r.body);
        seq += 1;
    }
    let check_in =
        visit(seq, MutationKind::CheckIn, None, json!({"work_order_id": wo, "lat": "36.6", "lng": "117.1"}));
    let r = push(&app, &c.technician, &phone, 2, &[check_in]).await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_cut_off_and_an_upload_keeps_what_came() {
    let app = spawn_app_with(|c| c.body_idle_timeout_secs = 1).await;
    let c = cast(&app).await;
    // A sign-in body that stalls after a few bytes: answered 408 instead of held open.
    let started = std::time::Instant::now();
    let stalled = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user";
    let answer = raw(&app, stalled, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());

    // A tus PATCH that stalls: the bytes that came are kept and the upload is free to resume.
    let bytes = baoxiu_e2e::photos::jpeg(64, 48, 7, None);
    let sha256 = base64::engine::general_purpose::STANDARD.encode(baoxiu_e2e::photos::sha256(&bytes));
    let headers = [
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Upload-Length", bytes.len().to_string()),
        ("Upload-Metadata", format!("sha256 {sha256}")),
    ];
    let created = app
        .send_bytes(Method::POST, "/api/v1/uploads", Some(&c.technician.access), &headers, Vec::new())
        .await;
    let path = created.headers["location"].to_str().unwrap().to_string();
    let mut request = format!(
        "PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nTus-Resumable: 1.0.0\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: {}\r\n\r\n",
        c.technician.access,
        bytes.len()
    )
    .into_bytes();
    request.extend_from_slice(&bytes[..4]);
    let answer = raw(&app, &request, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "as documented: {answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    let head =
        app.send_bytes(Method::HEAD, &path, Some(&c.technician.access), &headers[..1], Vec::new()).await;
    assert_eq!(head.headers["upload-offset"], "4");
    let rest = [
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Content-Type", "application/offset+octet-stream".to_string()),
        ("Upload-Offset", "4".to_string()),
    ];
    let done =
        app.send_bytes(Method::PATCH, &path, Some(&c.technician.access), &rest, bytes[4..].to_vec()).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "the lock was released: {}", done.body);
}

/// Sends `head`, then `body` a byte every `every` (a trickle the idle timeout never catches), and
/// returns the answer with how long the server held the connection.
async fn trickle(app: &TestApp, head: &[u8], body: &[u8], every: Duration) -> (String, Duration) {
    let address = app.address.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let started = std::time::Instant::now();
    write.write_all(head).await.unwrap();
    let body = body.to_vec();
    let sender = tokio::spawn(async move {
        for byte in body {
            tokio::time::sleep(every).await;
            if write.write_all(&[byte]).await.is_err() {
                break;
            }
        }
        write
    });
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(30), read.read(&mut answer)).await.unwrap().unwrap();
    sender.abort();
    (String::from_utf8_lossy(&answer[..n]).into_owned(), started.elapsed())
}

#[tokio::test]
async fn a_body_that_trickles_is_cut_off_by_its_rate_and_an_upload_keeps_what_came() {
    // A byte every 200 ms never stays idle for the 15 s the idle timeout waits, but is far below
    // 1 KiB a second over the 2 s window.
    let app = spawn_app_with(|c| c.body_rate_window_secs = 2).await;
    let c = cast(&app).await;
    let bytes = baoxiu_e2e::photos::jpeg(64, 48, 8, None);
    let sha256 = baoxiu_e2e::photos::sha256(&bytes);
    let headers = [
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Upload-Length", bytes.len().to_string()),
        ("Upload-Metadata", format!("sha256 {}", base64::engine::general_purpose::STANDARD.encode(&sha256))),
    ];
    let created = app
        .send_bytes(Method::POST, "/api/v1/uploads", Some(&c.technician.access), &headers, Vec::new())
        .await;
    let path = created.headers["location"].to_str().unwrap().to_string();
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nTus-Resumable: 1.0.0\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: {}\r\n\r\n",
        c.technician.access,
        bytes.len()
    );
    let (answer, held) = trickle(&app, head.as_bytes(), &bytes, Duration::from_millis(200)).await;
    assert!(answer.starts_with("HTTP/1.1 408") && answer.contains("body_timeout"), "{answer}");
    assert!(held < Duration::from_secs(8), "held {held:?}");
    // What arrived is kept: the upload resumes from there and completes.
    let status =
        app.send_bytes(Method::HEAD, &path, Some(&c.technician.access), &headers[..1], Vec::new()).await;
    let kept: usize = status.headers["upload-offset"].to_str().unwrap().parse().unwrap();
    assert!((1..bytes.len()).contains(&kept), "kept {kept}");
    let rest = [
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Content-Type", "application/offset+octet-stream".to_string()),
        ("Upload-Offset", kept.to_string()),
    ];
    let done =
        app.send_bytes(Method::PATCH, &path, Some(&c.technician.access), &rest, bytes[kept..].to_vec()).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.body);

    // A one-request upload that trickles: the same 408, and nothing kept.
    let head = format!(
        "POST /api/v1/files?sha256={} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        sha256,
        c.owner.access,
        bytes.len()
    );
    let (answer, held) = trickle(&app, head.as_bytes(), &bytes, Duration::from_millis(200)).await;
    assert!(answer.starts_with("HTTP/1.1 408") && answer.contains("body_timeout"), "{answer}");
    assert!(held < Duration::from_secs(8), "held {held:?}");
}

#[tokio::test]
async fn filenames_that_would_break_a_header_are_refused_and_names_travel_by_rfc_6266() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let photo = baoxiu_e2e::photos::jpeg(64, 48, 11, None);
    let sha = baoxiu_e2e::photos::sha256(&photo);
    let before = crate::files::blob_files(&app);
    for name in
        ["a\r\nSet-Cookie: x=1.jpg", "nul\u{0}.jpg", "del\u{7f}.jpg", "\u{202e}gnp.exe", "x\u{2066}.jpg"]
    {
        let path = format!("/api/v1/files?sha256={sha}&filename={}", urlencoding(name));
        let r = app.send_bytes(Method::POST, &path, Some(&c.technician.access), &[], photo.clone()).await;
        assert_eq!(
            (r.status, r.code(), r.body["detail"].as_str()),
            (StatusCode::BAD_REQUEST, "invalid_input", Some("filename")),
            "{name:?}"
        );
        let metadata = format!(
            "sha256 {},filename {}",
            base64::engine::general_purpose::STANDARD.encode(&sha),
            base64::engine::general_purpose::STANDARD.encode(name)
        );
        let headers = [
            ("Tus-Resumable", "1.0.0".to_string()),
            ("Upload-Length", photo.len().to_string()),
            ("Upload-Metadata", metadata),
        ];
        let r = app
            .send_bytes(Method::POST, "/api/v1/uploads", Some(&c.technician.access), &headers, Vec::new())
            .await;
        assert_eq!(
            (r.status, r.body["detail"].as_str()),
            (StatusCode::BAD_REQUEST, Some("Upload-Metadata.filename"))
        );
    }
    assert_eq!(crate::files::blob_files(&app), before, "nothing was stored");

    // A Chinese name with a quote in it: filename* in UTF-8, and an ASCII stand-in.
    let path = format!("/api/v1/files?sha256={sha}&filename={}", urlencoding("卫生间\"渗水\".jpg"));
    let stored = app.send_bytes(Method::POST, &path, Some(&c.technician.access), &[], photo).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    let id = stored.body["id"].as_str().unwrap();
    let res = app
        .client
        .get(format!("{}/api/v1/files/{id}/content", app.address))
        .bearer_auth(&c.technician.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(
        disposition.contains("filename*=UTF-8''%E5%8D%AB%E7%94%9F%E9%97%B4%22%E6%B8%97%E6%B0%B4%22.jpg"),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename=\"___________.jpg\"") || disposition.contains("filename=\"_"),
        "{disposition}"
    );
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn what_no_claim_uses_is_bounded_per_user_and_nothing_cut_off_is_left_behind() {
    let app = spawn_app_with(|c| c.unattached_quota_bytes = 6_000).await;
    let c = cast(&app).await;
    let claim = file_seepage(&app, &c).await;
    // Small photos until the quota of files used by no claim is reached.
    let photo = |seed| baoxiu_e2e::photos::jpeg(64, 48, seed, None);
    let mut stored = Vec::new();
    let refused = loop {
        let bytes = photo(100 + stored.len() as u32);
        let path = format!("/api/v1/files?sha256={}", baoxiu_e2e::photos::sha256(&bytes));
        let r = app.send_bytes(Method::POST, &path, Some(&c.owner.access), &[], bytes).await;
        if r.status != StatusCode::CREATED {
            break r;
        }
        stored.push(r.body["id"].as_str().unwrap().to_string());
        assert!(stored.len() < 50, "the quota never bit");
    };
    assert_eq!((refused.status, refused.code()), (StatusCode::PAYLOAD_TOO_LARGE, "user_quota_exceeded"));
    // A resumable upload is counted at its declared length.
    let headers = [
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Upload-Length", "6000".to_string()),
        (
            "Upload-Metadata",
            format!("sha256 {}", base64::engine::general_purpose::STANDARD.encode("ab".repeat(32))),
        ),
    ];
    let r =
        app.send_bytes(Method::POST, "/api/v1/uploads", Some(&c.owner.access), &headers, Vec::new()).await;
    assert_eq!(r.code(), "user_quota_exceeded", "{}", r.body);
    // Using the files on a claim frees the room.
    for id in &stored {
        ok(
            &app,
            &c.owner.access,
            &format!("/api/v1/claims/{claim}/evidence"),
            json!({"file_id": id, "kind": "before"}),
        )
        .await;
    }
    app.upload(&c.owner.access, photo(99)).await;
    // Another user is not affected by the first one's files.
    app.upload(&c.technician.access, photo(98)).await;

    // A one-request upload cut off mid-stream leaves no staging file.
    let staging = app.data_dir.join("uploads");
    let bytes = photo(97);
    let mut request = format!(
        "POST /api/v1/files?sha256={} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\n\r\n",
        baoxiu_e2e::photos::sha256(&bytes),
        c.technician.access,
        bytes.len()
    )
    .into_bytes();
    request.extend_from_slice(&bytes[..bytes.len() / 2]);
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(&request).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(stream);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0, "the cut-off upload left a file");

    // A staging file left by a process that died, untouched for two hours, is swept; a live
    // resumable upload's bytes are not in staging but parts in the blob store, and stay.
    let orphan = staging.join(format!("{}.part", uuid::Uuid::now_v7()));
    std::fs::write(&orphan, b"half a photo").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    std::fs::File::options().write(true).open(&orphan).unwrap().set_modified(two_hours_ago).unwrap();
    let tus = [
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Upload-Length", "10".to_string()),
        (
            "Upload-Metadata",
            format!("sha256 {}", base64::engine::general_purpose::STANDARD.encode("cd".repeat(32))),
        ),
    ];
    let live =
        app.send_bytes(Method::POST, "/api/v1/uploads", Some(&c.technician.access), &tus, Vec::new()).await;
    let live_path = live.headers["location"].to_str().unwrap().to_string();
    let first = [
        ("Tus-Resumable", "1.0.0".to_string()),
        ("Content-Type", "application/offset+octet-stream".to_string()),
        ("Upload-Offset", "0".to_string()),
    ];
    app.send_bytes(Method::PATCH, &live_path, Some(&c.technician.access), &first, b"0123".to_vec()).await;
    assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 1, "only the orphan is in staging");
    assert_eq!(app.state.media.sweep_staging().await.unwrap(), 1);
    assert!(!orphan.exists());
    let parts = app.data_dir.join("blobs/parts").join(live_path.rsplit('/').next().unwrap());
    assert_eq!(std::fs::read_dir(&parts).unwrap().count(), 1, "the live upload's part stays");
    let head = [("Tus-Resumable", "1.0.0".to_string())];
    let at = app.send_bytes(Method::HEAD, &live_path, Some(&c.technician.access), &head, Vec::new()).await;
    assert_eq!(at.headers["upload-offset"], "4");
}

/// No mutation can wedge a phone's queue: a poison mutation of every kind (bad text, bad numbers,
/// impossible amounts) is a recorded rejection with its reason, and what follows it applies.
#[tokio::test]
async fn a_poison_mutation_of_every_kind_is_rejected_and_the_queue_moves_on() {
    let app = spawn_app().await;
    let (c, wo, _) = crate::sync::field(&app).await;
    let (claim, version) = crate::sync::claim_of(&app, &c.technician, &wo).await;
    let (phone, key) = enrolled_phone(&app, &c.technician).await;
    let image = baoxiu_e2e::photos::jpeg(200, 80, 93, None);
    app.upload(&c.technician.access, image.clone()).await;
    let good_rev = revision(&claim, None, "正常");
    let good_hash = good_rev.hash().unwrap();
    let mut huge = revision(&claim, Some(good_hash.clone()), "巨额");
    for line in &mut huge.lines {
        line.quantity = "1000000".into();
        line.unit_price = "10000000.00".parse().unwrap();
    }
    let nul = "漏水\u{0}严重";
    let mutations = [
        (MutationKind::CheckIn, json!({"work_order_id": wo, "lat": "NaN", "lng": "117.1"}), false),
        (MutationKind::CheckIn, json!({"work_order_id": wo, "notes": "到场"}), true),
        (MutationKind::VisitNote, json!({"work_order_id": wo, "note": nul}), false),
        (MutationKind::VisitNote, json!({"work_order_id": wo, "note": "已关闭总阀"}), true),
        (
            MutationKind::EvidenceAttached,
            json!({"claim_id": claim, "sha256": baoxiu_e2e::photos::sha256(&image), "kind": "during", "lat": "inf", "lng": "1"}),
            false,
        ),
        (MutationKind::CostSheetRevision, serde_json::to_value(&good_rev).unwrap(), true),
        (MutationKind::CostSheetRevision, serde_json::to_value(&huge).unwrap(), false),
        (
            MutationKind::OwnerConfirmation,
            crate::sync::confirm_as(
                "张\u{0}业主",
                &claim,
                &good_hash,
                &phone,
                &baoxiu_e2e::photos::sha256(&image),
                &key,
            ),
            false,
        ),
        (MutationKind::CheckOut, json!({"work_order_id": wo, "outcome": "done", "notes": nul}), false),
        (MutationKind::CheckOut, json!({"work_order_id": wo, "outcome": "partial"}), true),
    ];
    let batch: Vec<_> = mutations
        .iter()
        .enumerate()
        .map(|(i, (kind, payload, _))| {
            visit(i as u64 + 1, *kind, (i == 0).then_some(version), payload.clone())
        })
        .collect();
    let reply = push(&app, &c.technician, &phone, 2, &batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for (i, (kind, _, good)) in mutations.iter().enumerate() {
        let result = &reply.body["results"][i];
        if *good {
            assert_eq!(result["outcome"], "applied", "{kind:?} #{}: {result}", i + 1);
        } else {
            assert_eq!(result["outcome"], "rejected", "{kind:?} #{}: {result}", i + 1);
            assert!(result["reason"].is_string(), "{result}");
            assert_eq!(result["retryable"], false, "{result}");
        }
    }
    assert_eq!(reply.body["acknowledged_through"], mutations.len());

    // The emergency claim, from the owner's phone: a NUL in its description.
    let (owner_phone, _) = enrolled_phone(&app, &c.owner).await;
    let mut emergency = crate::claims::seepage_claim(&c);
    emergency["kind"] = json!("emergency_advance");
    emergency["description"] = json!(nul);
    emergency["evidence"] = json!([]);
    let reply =
        push(&app, &c.owner, &owner_phone, 2, &[visit(1, MutationKind::EmergencyClaim, None, emergency)])
            .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["results"][0]["outcome"], "rejected", "{}", reply.body);
    assert_eq!(reply.body["acknowledged_through"], 1);

    let kinds: std::collections::HashSet<_> =
        mutations.iter().map(|m| m.0).chain([MutationKind::EmergencyClaim]).collect();
    assert_eq!(kinds.len(), MutationKind::ALL.len(), "every kind has its poison");
}
