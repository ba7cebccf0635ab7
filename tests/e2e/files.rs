//! Evidence files: resumable tus uploads, the one-request upload, inspection of what the bytes
//! really are, EXIF, derivatives without EXIF, evidence on claims, and who may download what.

use std::time::{Duration, Instant};

use baoxiu_e2e::photos::{self, jpeg, pdf, png_claiming, sha256, Exif};
use baoxiu_e2e::{ok, spawn_app, spawn_app_with, Reply, TestApp};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::Digest;
use tokio::io::AsyncWriteExt;

use crate::claims::{cast, seepage_claim};

const TUS: (&str, &str) = ("Tus-Resumable", "1.0.0");

fn b64(s: &str) -> String {
    STANDARD.encode(s)
}

/// Creates a tus upload for `bytes` and returns its path.
async fn create(app: &TestApp, token: &str, bytes: &[u8], extra: &str) -> Reply {
    let mut metadata = format!("sha256 {},filename {}", b64(&sha256(bytes)), b64("照片.jpg"));
    if !extra.is_empty() {
        metadata = format!("{metadata},{extra}");
    }
    let headers = [
        (TUS.0, TUS.1.to_string()),
        ("Upload-Length", bytes.len().to_string()),
        ("Upload-Metadata", metadata),
    ];
    app.send_bytes(Method::POST, "/api/v1/uploads", Some(token), &headers, Vec::new()).await
}

pub async fn start(app: &TestApp, token: &str, bytes: &[u8]) -> String {
    let created = create(app, token, bytes, "").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.headers["location"].to_str().unwrap().to_string()
}

pub async fn patch(
    app: &TestApp,
    token: &str,
    path: &str,
    offset: usize,
    chunk: &[u8],
    checksum: Option<&[u8]>,
) -> Reply {
    let mut headers = vec![
        (TUS.0, TUS.1.to_string()),
        ("Content-Type", "application/offset+octet-stream".to_string()),
        ("Upload-Offset", offset.to_string()),
    ];
    if let Some(sum) = checksum {
        headers.push(("Upload-Checksum", format!("sha256 {}", STANDARD.encode(sha2::Sha256::digest(sum)))));
    }
    app.send_bytes(Method::PATCH, path, Some(token), &headers, chunk.to_vec()).await
}

async fn offset(app: &TestApp, token: &str, path: &str) -> Reply {
    app.send_bytes(Method::HEAD, path, Some(token), &[(TUS.0, TUS.1.to_string())], Vec::new()).await
}

fn header(reply: &Reply, name: &str) -> String {
    reply.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// Sends the first `sent` bytes of a PATCH that announced all of `body`, then drops the connection.
async fn cut_patch(app: &TestApp, token: &str, path: &str, body: &[u8], sent: usize) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..sent]).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(stream);
}

pub fn blob_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    let root = app.data_dir.join("blobs");
    let mut out = Vec::new();
    for shard in std::fs::read_dir(&root).unwrap().flatten() {
        let name = shard.file_name().to_string_lossy().to_string();
        if name.len() == 2 {
            out.extend(std::fs::read_dir(shard.path()).unwrap().flatten().map(|e| e.path()));
        }
    }
    out
}

#[tokio::test]
async fn a_cut_upload_resumes_where_it_stopped_and_the_same_bytes_are_stored_once() {
    let app = spawn_app().await;
    app.load_demo().await;
    let tech = app.login("technician").await;
    let options = app.call(Method::OPTIONS, "/api/v1/uploads", None, None).await;
    assert_eq!(options.status, StatusCode::NO_CONTENT);
    assert_eq!(header(&options, "tus-extension"), "creation,checksum,expiration,termination");
    assert_eq!(header(&options, "tus-checksum-algorithm"), "sha256");

    let photo = jpeg(1600, 1200, 42, None);
    let path = start(&app, &tech.access, &photo).await;
    assert!(!header(&offset(&app, &tech.access, &path).await, "upload-expires").is_empty());
    // The connection drops after 100 KB of the first chunk: what arrived is kept.
    cut_patch(&app, &tech.access, &path, &photo, 100_000).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let resumed_at = loop {
        let at: usize = header(&offset(&app, &tech.access, &path).await, "upload-offset").parse().unwrap();
        if at > 0 || Instant::now() > deadline {
            break at;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(resumed_at > 0 && resumed_at <= 100_000, "offset after the cut: {resumed_at}");
    let done = patch(&app, &tech.access, &path, resumed_at, &photo[resumed_at..], None).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.body);
    assert_eq!(header(&done, "upload-offset"), photo.len().to_string());
    let file_id = header(&done, "baoxiu-file-id");
    // A client whose last response was lost learns the file from HEAD.
    assert_eq!(header(&offset(&app, &tech.access, &path).await, "baoxiu-file-id"), file_id);
    let file = app.get(&format!("/api/v1/files/{file_id}"), &tech.access).await;
    assert_eq!(
        (file.body["sha256"].as_str().unwrap(), file.body["size"].as_u64(), file.body["media_type"].as_str()),
        (sha256(&photo).as_str(), Some(photo.len() as u64), Some("image/jpeg"))
    );
    let content = app
        .client
        .get(format!("{}/api/v1/files/{file_id}/content", app.address))
        .bearer_auth(&tech.access)
        .send()
        .await
        .unwrap();
    assert_eq!(content.bytes().await.unwrap().as_ref(), photo.as_slice(), "the original is byte-exact");

    // The same bytes from someone else: a second file, one blob.
    let owner = app.login("owner").await;
    let again = app.upload(&owner.access, photo.clone()).await;
    assert_ne!(again, file_id);
    let hash = sha256(&photo);
    let stored: Vec<_> = blob_files(&app).into_iter().filter(|p| p.ends_with(&hash)).collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(blob_files(&app).len(), 1);
}

#[tokio::test]
async fn bad_chunks_are_refused_and_nothing_partial_becomes_a_blob() {
    let app = spawn_app().await;
    app.load_demo().await;
    let tech = app.login("technician").await;
    let owner = app.login("owner").await;
    let photo = jpeg(800, 600, 7, None);
    let path = start(&app, &tech.access, &photo).await;
    assert_eq!(
        patch(&app, &tech.access, &path, 0, &photo[..1000], None).await.status,
        StatusCode::NO_CONTENT
    );

    // Overlapping, and out of order: the offset must be where the upload stands.
    for wrong in [0, 500, 2000] {
        let r = patch(&app, &tech.access, &path, wrong, &photo[wrong..wrong + 10], None).await;
        assert_eq!(
            (r.status, r.code(), r.body["detail"].as_str()),
            (StatusCode::CONFLICT, "upload_offset_mismatch", Some("1000"))
        );
    }
    // A chunk that does not match its checksum is dropped whole.
    let bad = patch(&app, &tech.access, &path, 1000, &photo[1000..2000], Some(b"something else")).await;
    assert_eq!((bad.status.as_u16(), bad.code()), (460, "checksum_mismatch"));
    assert_eq!(header(&offset(&app, &tech.access, &path).await, "upload-offset"), "1000");
    let good = patch(&app, &tech.access, &path, 1000, &photo[1000..2000], Some(&photo[1000..2000])).await;
    assert_eq!(header(&good, "upload-offset"), "2000");
    // More than declared.
    let mut long = photo[2000..].to_vec();
    long.extend_from_slice(b"extra");
    let r = patch(&app, &tech.access, &path, 2000, &long, None).await;
    assert_eq!((r.status, r.code()), (StatusCode::PAYLOAD_TOO_LARGE, "upload_exceeds_length"));
    // Someone else's upload, and one that never was.
    assert_eq!(offset(&app, &owner.access, &path).await.status, StatusCode::NOT_FOUND);
    let nowhere = format!("/api/v1/uploads/{}", uuid::Uuid::now_v7());
    assert_eq!(patch(&app, &tech.access, &nowhere, 0, b"x", None).await.code(), "upload_not_found");
    // No protocol version, or the wrong one.
    let r = app.send_bytes(Method::HEAD, &path, Some(&tech.access), &[], Vec::new()).await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED);
    // Termination removes it.
    let gone = app
        .send_bytes(Method::DELETE, &path, Some(&tech.access), &[(TUS.0, TUS.1.to_string())], Vec::new())
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(offset(&app, &tech.access, &path).await.status, StatusCode::NOT_FOUND);

    // The whole file's hash must be the one declared; if not, nothing is stored.
    let mut metadata = format!("sha256 {}", b64(&sha256(b"not these bytes")));
    let headers = [
        (TUS.0, TUS.1.to_string()),
        ("Upload-Length", photo.len().to_string()),
        ("Upload-Metadata", metadata.clone()),
    ];
    let created =
        app.send_bytes(Method::POST, "/api/v1/uploads", Some(&tech.access), &headers, Vec::new()).await;
    let lying = created.headers["location"].to_str().unwrap().to_string();
    let r = patch(&app, &tech.access, &lying, 0, &photo, None).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "hash_mismatch"));
    assert!(blob_files(&app).is_empty());
    assert_eq!(offset(&app, &tech.access, &lying).await.status, StatusCode::NOT_FOUND);
    // Creation refuses what it cannot accept.
    metadata = format!("sha256 {}", b64("abc"));
    let headers =
        [(TUS.0, TUS.1.to_string()), ("Upload-Length", "10".to_string()), ("Upload-Metadata", metadata)];
    let r = app.send_bytes(Method::POST, "/api/v1/uploads", Some(&tech.access), &headers, Vec::new()).await;
    assert_eq!((r.code(), r.body["detail"].as_str()), ("invalid_input", Some("Upload-Metadata.sha256")));
    let huge = [(TUS.0, TUS.1.to_string()), ("Upload-Length", (1u64 << 40).to_string())];
    let r = app.send_bytes(Method::POST, "/api/v1/uploads", Some(&tech.access), &huge, Vec::new()).await;
    assert_eq!((r.status, r.code()), (StatusCode::PAYLOAD_TOO_LARGE, "file_too_large"));
    assert!(
        std::fs::read_dir(app.data_dir.join("uploads")).unwrap().next().is_none(),
        "no staging files left"
    );
}

#[tokio::test]
async fn the_bytes_decide_the_type_and_hostile_images_are_refused() {
    let app = spawn_app().await;
    app.load_demo().await;
    let tech = app.login("technician").await;
    let plain = |bytes: Vec<u8>| {
        let path = format!("/api/v1/files?sha256={}&filename=photo.jpg", sha256(&bytes));
        let token = tech.access.clone();
        let app = &app;
        async move {
            app.send_bytes(Method::POST, &path, Some(&token), &[("Content-Type", "image/jpeg".into())], bytes)
                .await
        }
    };
    let html = plain(b"<!doctype html><script>alert(document.cookie)</script>".to_vec()).await;
    assert_eq!((html.status, html.code()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_file_type"));
    let heic = plain(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0".to_vec()).await;
    assert_eq!((heic.status, heic.code()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "heic_not_accepted"));
    // A PNG claiming 100,000 × 100,000 pixels is refused from its header, at once.
    let started = Instant::now();
    let bomb = plain(png_claiming(100_000, 100_000)).await;
    assert_eq!((bomb.status, bomb.code()), (StatusCode::UNPROCESSABLE_ENTITY, "image_too_large"));
    assert!(started.elapsed() < Duration::from_secs(1), "bomb took {:?}", started.elapsed());
    // A PNG decodes whole (no shrink-on-load as for JPEG): 7000 × 7000 is under the 50 MP of a
    // photo but over the 20 MP of RGBA a PNG may cost, refused from its header; 20 MP is read on
    // (and, holding no pixels, found corrupt).
    let started = Instant::now();
    let wide = plain(png_claiming(7000, 7000)).await;
    assert_eq!(
        (wide.status, wide.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "image_too_large"),
        "{}",
        wide.body
    );
    assert_eq!(plain(png_claiming(5000, 4001)).await.code(), "image_too_large");
    assert!(started.elapsed() < Duration::from_secs(1), "refused from the header: {:?}", started.elapsed());
    assert_eq!(plain(png_claiming(5000, 4000)).await.code(), "corrupt_file");
    // A photo cut short in transit, and one with garbage in its middle.
    let photo = jpeg(640, 480, 3, None);
    let truncated = plain(photo[..photo.len() * 2 / 3].to_vec()).await;
    assert_eq!((truncated.status, truncated.code()), (StatusCode::UNPROCESSABLE_ENTITY, "corrupt_file"));
    // A JPEG signature followed by garbage: looks like a photo, decodes as nothing.
    let mut mangled = photo[..3].to_vec();
    mangled.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let r = plain(mangled).await;
    assert_eq!(r.code(), "corrupt_file", "{}", r.body);
    let mut half_pdf = pdf();
    half_pdf.truncate(40);
    assert_eq!(plain(half_pdf).await.code(), "corrupt_file");
    // The declared hash must match; and the good ones go through.
    let r = app
        .send_bytes(
            Method::POST,
            &format!("/api/v1/files?sha256={}", sha256(b"x")),
            Some(&tech.access),
            &[],
            photo.clone(),
        )
        .await;
    assert_eq!(r.code(), "hash_mismatch");
    assert_eq!(plain(photo).await.status, StatusCode::CREATED);
    assert_eq!(plain(photos::png(300, 200)).await.body["media_type"], "image/png");
    assert_eq!(plain(pdf()).await.body["derivatives"], "none");
    assert!(blob_files(&app).len() == 3);
}

async fn wait_for_derivatives(app: &TestApp, token: &str, file_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let file = app.get(&format!("/api/v1/files/{file_id}"), token).await;
        match file.body["derivatives"].as_str() {
            Some("ready") => return,
            Some("pending") if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            other => panic!("derivatives: {other:?}"),
        }
    }
}

async fn fetch(app: &TestApp, path: &str, token: Option<&str>, range: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(range) = range {
        req = req.header("Range", range);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn exif_is_read_and_never_reaches_thumbnails_or_previews() {
    let app = spawn_app().await;
    app.load_demo().await;
    let tech = app.login("technician").await;
    let exif = Exif {
        taken: Some("2026:05:01 09:30:00"),
        gps: Some((36.6616, 117.0194)),
        make: Some("HUAWEI"),
        model: Some("Mate 60"),
    };
    let photo = jpeg(2000, 1500, 5, Some(&exif));
    let id = app.upload(&tech.access, photo.clone()).await;
    let file = app.get(&format!("/api/v1/files/{id}"), &tech.access).await.body;
    assert_eq!(file["exif"]["taken_at"], "2026-05-01T01:30:00Z", "China time without an offset");
    assert_eq!(file["exif"]["camera"], "HUAWEI Mate 60");
    assert!((file["exif"]["latitude"].as_f64().unwrap() - 36.6616).abs() < 1e-4);
    assert!((file["exif"]["longitude"].as_f64().unwrap() - 117.0194).abs() < 1e-4);
    assert_eq!((file["width"].as_i64(), file["height"].as_i64()), (Some(2000), Some(1500)));

    wait_for_derivatives(&app, &tech.access, &id).await;
    for (variant, edge) in [("thumbnail", 320), ("preview", 1280)] {
        let res =
            fetch(&app, &format!("/api/v1/files/{id}/content?variant={variant}"), Some(&tech.access), None)
                .await;
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        let bytes = res.bytes().await.unwrap();
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!(img.width().max(img.height()), edge, "{variant}");
        assert!(
            exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&bytes[..])).is_err(),
            "{variant} has EXIF"
        );
        assert!(!bytes.windows(6).any(|w| w == b"Exif\0\0"), "{variant} carries an EXIF segment");
        assert!(!bytes.windows(6).any(|w| w == b"HUAWEI"), "{variant} leaks the camera");
    }
    let original = fetch(&app, &format!("/api/v1/files/{id}/content"), Some(&tech.access), None).await;
    assert_eq!(original.bytes().await.unwrap().as_ref(), photo.as_slice());
}

#[tokio::test]
async fn evidence_on_a_claim_is_seen_by_those_who_see_the_claim_with_flags_for_the_reviewer() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
    let claim = filed.body["id"].as_str().unwrap().to_string();
    let evidence_path = format!("/api/v1/claims/{claim}/evidence");
    // A photo from somewhere else entirely, with EXIF; and a receipt.
    let far = Exif { taken: Some("2026:05:01 09:30:00"), gps: Some((39.9042, 116.4074)), ..Exif::default() };
    let photo = app.upload(&c.owner.access, jpeg(640, 480, 11, Some(&far))).await;
    let receipt = app.upload(&c.owner.access, pdf()).await;
    let attached = app.post(&evidence_path, &c.owner.access, json!({"file_id": photo, "kind": "before", "taken_at": "2026-05-01T01:29:00Z", "latitude": 36.66, "longitude": 117.02})).await;
    assert_eq!(attached.status, StatusCode::CREATED, "{}", attached.body);
    assert_eq!(
        app.post(&evidence_path, &c.owner.access, json!({"file_id": photo, "kind": "before"})).await.status,
        StatusCode::OK
    );
    // A receipt is the applicant's only on the emergency path (Art. 25); here it is a photo.
    let receipt_on_standard =
        app.post(&evidence_path, &c.owner.access, json!({"file_id": receipt, "kind": "receipt"})).await;
    assert_eq!(
        (receipt_on_standard.status, receipt_on_standard.code()),
        (StatusCode::FORBIDDEN, "step_not_for_role")
    );
    ok(&app, &c.owner.access, &evidence_path, json!({"file_id": receipt, "kind": "before"})).await;
    // Someone else's file cannot be attached; nor can a file to a claim one cannot see.
    let tech_photo = app.upload_photo(&c.technician.access, 12).await;
    let theirs =
        app.post(&evidence_path, &c.owner.access, json!({"file_id": tech_photo, "kind": "before"})).await;
    assert_eq!(theirs.code(), "file_not_found");
    let unseen = app
        .post(&evidence_path, &c.technician.access, json!({"file_id": tech_photo, "kind": "during"}))
        .await;
    assert_eq!(unseen.status, StatusCode::NOT_FOUND);

    let list = app.get(&evidence_path, &c.reviewer.access).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let items = list.body.as_array().unwrap();
    // The owner photo from filing (also on no other claim), the far photo, the receipt.
    assert_eq!(items.len(), 3);
    let item = |id: &str| items.iter().find(|i| i["file"]["id"] == id).unwrap().clone();
    let filed_photo = item(&c.owner_photo);
    assert_eq!(filed_photo["flags"], json!(["no_exif"]));
    let far_item = item(&photo);
    assert_eq!(far_item["reported"]["latitude"], 36.66);
    assert_eq!(far_item["file"]["exif"]["latitude"].as_f64().map(|l| l.round()), Some(40.0));
    assert_eq!(item(&receipt)["flags"], json!([]));

    // The reviewer downloads by token; the technician, not designated, cannot see it at all.
    let path = format!("/api/v1/files/{photo}/content");
    assert_eq!(fetch(&app, &path, Some(&c.reviewer.access), None).await.status(), StatusCode::OK);
    assert_eq!(fetch(&app, &path, Some(&c.technician.access), None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, &path, None, None).await.status(), StatusCode::UNAUTHORIZED);
    // Range requests, the true type, nosniff.
    let ranged = fetch(&app, &path, Some(&c.reviewer.access), Some("bytes=0-99")).await;
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.headers()["x-content-type-options"], "nosniff");
    assert_eq!(ranged.bytes().await.unwrap().len(), 100);
    let pdf_res = fetch(&app, &format!("/api/v1/files/{receipt}/content"), Some(&c.owner.access), None).await;
    assert_eq!(pdf_res.headers()["content-type"], "application/pdf");
    assert!(pdf_res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    // Signed links work without a token, and only as signed.
    let link = far_item["links"]["original"].as_str().unwrap().to_string();
    assert_eq!(fetch(&app, &link, None, None).await.status(), StatusCode::OK);
    let tampered = link.replace("variant=original", "variant=preview");
    assert_eq!(fetch(&app, &tampered, None, None).await.status(), StatusCode::FORBIDDEN);
    let other = link.replace(&photo, &receipt);
    assert_eq!(fetch(&app, &other, None, None).await.status(), StatusCode::FORBIDDEN);

    // Reuse on a second claim is flagged there.
    let second = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
    let second_id = second.body["id"].as_str().unwrap();
    let list = app.get(&format!("/api/v1/claims/{second_id}/evidence"), &c.reviewer.access).await;
    assert!(
        list.body[0]["flags"].as_array().unwrap().contains(&json!("reused_on_other_claim")),
        "{}",
        list.body
    );
}

#[tokio::test]
async fn quotas_and_expiry_bound_what_a_claim_and_an_upload_may_hold() {
    let app = spawn_app_with(|c| {
        c.claim_quota_bytes = 4_000;
        c.upload_expiry_hours = 0;
    })
    .await;
    let c = cast(&app).await;
    let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(&c)).await;
    let claim = filed.body["id"].as_str().unwrap().to_string();
    let big = jpeg(400, 300, 21, None);
    assert!(big.len() > 4_000);
    let id = app.upload(&c.owner.access, big.clone()).await;
    let r = app
        .post(
            &format!("/api/v1/claims/{claim}/evidence"),
            &c.owner.access,
            json!({"file_id": id, "kind": "before"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "claim_quota_exceeded"));
    // Naming the claim at creation checks its quota before a byte is sent.
    let r = create(&app, &c.owner.access, &big, &format!("claim_id {}", b64(&claim))).await;
    assert_eq!(r.code(), "claim_quota_exceeded");

    // With a zero-hour expiry every unfinished upload has expired at once.
    let path = start(&app, &c.owner.access, &big).await;
    let r = patch(&app, &c.owner.access, &path, 0, &big[..10], None).await;
    assert_eq!((r.status, r.code()), (StatusCode::GONE, "upload_expired"));
    assert!(app.state.media.expire_uploads(&app.db).await.unwrap() >= 1);
    assert_eq!(offset(&app, &c.owner.access, &path).await.status, StatusCode::NOT_FOUND);
}
