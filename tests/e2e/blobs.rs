//! The blob store on both of its backends: a local folder and an S3-compatible bucket (moto, a real
//! S3 protocol server). The same checks run on each; then the server itself on a bucket: resumable
//! uploads, derivatives, ranges, presigned redirects and readiness.

use std::time::Duration;

use baoxiu::media::store::{part_key, BlobStore, Opened, Variant};
use baoxiu_e2e::photos::{noisy_jpeg, sha256 as sha};
use baoxiu_e2e::s3::Moto;
use baoxiu_e2e::{spawn_app_with, TestApp};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

/// What every store must do, whatever it is.
async fn exercise(store: &BlobStore, scratch: &std::path::Path) {
    store.check().await.unwrap();
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let hash = sha(&bytes);
    // Adopted twice: stored once, each staged file gone.
    for n in 0..2 {
        let staged = scratch.join(format!("staged-{n}"));
        std::fs::write(&staged, &bytes).unwrap();
        store.adopt(&staged, &hash, "image/jpeg").await.unwrap();
        assert!(!staged.exists());
    }
    assert_eq!(store.read(&hash, Variant::Original).await.unwrap().unwrap(), bytes, "byte-exact");
    assert!(store.read(&hash, Variant::Thumbnail).await.unwrap().is_none());
    assert!(store.open(&sha(b"never stored"), Variant::Original).await.unwrap().is_none());
    // A range is those bytes and no others.
    let size = match store.open(&hash, Variant::Original).await.unwrap().unwrap() {
        Opened::File(path) => std::fs::metadata(path).unwrap().len(),
        Opened::Object { size } => size,
        Opened::Redirect(_) => unreachable!("not presigning"),
    };
    assert_eq!(size, bytes.len() as u64);
    let mut range = Vec::new();
    let mut stream = store.stream(&hash, Variant::Original, 1000..71_000).await.unwrap();
    while let Some(chunk) = stream.next().await {
        range.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(range, bytes[1000..71_000]);
    // Derivatives, and a local copy for reading.
    store.put_derivative(&hash, Variant::Thumbnail, b"thumb".to_vec()).await.unwrap();
    assert_eq!(store.read(&hash, Variant::Thumbnail).await.unwrap().unwrap(), b"thumb");
    let fetched = store.fetch(&hash, Variant::Original, scratch.join("copy")).await.unwrap().unwrap();
    assert_eq!(std::fs::read(fetched.path()).unwrap(), bytes);
    let copy = fetched.path().to_path_buf();
    drop(fetched);
    // A copy from a bucket goes when dropped; the stored file on disk stays.
    assert_eq!(copy.exists(), copy != scratch.join("copy"));
    // An upload's parts: stored, read back in order with the hash, removed.
    let upload = uuid::Uuid::now_v7().to_string();
    let mut keys = Vec::new();
    for (start, piece) in [(0usize, &bytes[..100_000]), (100_000, &bytes[100_000..])] {
        let key = part_key(&upload, start as u64).unwrap();
        let staged = scratch.join(format!("part-{start}"));
        std::fs::write(&staged, piece).unwrap();
        store.put_part(&key, &staged).await.unwrap();
        assert!(!staged.exists());
        keys.push(key);
    }
    let assembled = scratch.join("assembled");
    let mut out = tokio::fs::File::create(&assembled).await.unwrap();
    let mut hasher = Sha256::new();
    for key in &keys {
        store.append_part(key, &mut out, &mut hasher).await.unwrap();
    }
    assert_eq!(hex::encode(hasher.finalize()), hash);
    assert_eq!(std::fs::read(&assembled).unwrap(), bytes);
    store.remove_part(&keys[1]).await.unwrap();
    store.remove_part(&keys[1]).await.unwrap();
    // What is left of the upload, recorded or not, goes with it.
    store.remove_parts_of(&upload).await.unwrap();
    store.remove_parts_of(&upload).await.unwrap();
    let mut out = tokio::fs::File::create(&assembled).await.unwrap();
    let gone = store.append_part(&keys[0], &mut out, &mut Sha256::new()).await.unwrap_err();
    assert_eq!(gone.kind(), std::io::ErrorKind::NotFound);
    // Names that are not content addresses are refused before anything is touched.
    assert!(store.open("../../etc/passwd", Variant::Original).await.is_err());
    assert!(part_key("../elsewhere", 0).is_err());
}

#[tokio::test]
async fn a_local_folder_keeps_blobs_and_parts() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::local(dir.path().join("blobs")).unwrap();
    exercise(&store, dir.path()).await;
}

#[tokio::test]
async fn an_s3_bucket_keeps_blobs_and_parts() {
    let moto = Moto::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::s3(&moto.settings("jinan")).unwrap();
    exercise(&store, dir.path()).await;
    let keys = moto.keys("jinan/").await;
    assert!(
        keys.iter().all(|k| k.starts_with("jinan/")) && !keys.iter().any(|k| k.contains("/parts/")),
        "{keys:?}"
    );
    // A bucket that is not there, or a service that does not answer, is not ready.
    let mut missing = moto.settings("x");
    missing.bucket = "no-such-bucket".into();
    assert!(BlobStore::s3(&missing).unwrap().check().await.is_err());
    // Over TLS (as any real object store): the client is built with the process's rustls
    // provider, and a service that does not answer is an error, not a panic.
    let mut tls = moto.settings("x");
    tls.endpoint = Some("https://127.0.0.1:9".into());
    assert!(BlobStore::s3(&tls).unwrap().check().await.is_err());
    drop(moto);
    assert!(store.check().await.is_err());
}

/// A resumable upload of `bytes` in chunks ending at `chunks` and then the rest; its location
/// and the file it made.
async fn tus(app: &TestApp, token: &str, bytes: &[u8], chunks: &[usize]) -> (String, String) {
    let location = crate::files::start(app, token, bytes).await;
    let mut at = 0;
    let mut file_id = None;
    for end in chunks.iter().copied().chain([bytes.len()]) {
        let sent = crate::files::patch(app, token, &location, at, &bytes[at..end], None).await;
        assert_eq!(sent.status, 204, "{:?}", sent.body);
        assert_eq!(sent.headers["upload-offset"], end.to_string().as_str());
        file_id = sent.headers.get("baoxiu-file-id").map(|v| v.to_str().unwrap().to_string());
        at = end;
    }
    (location, file_id.expect("the last chunk names the file"))
}

#[tokio::test]
async fn the_server_on_a_bucket_takes_resumable_uploads_and_serves_ranges_and_thumbnails() {
    let moto = Moto::start().await;
    let app = spawn_app_with(|c| moto.configure(c, "evidence")).await;
    app.load_demo().await;
    let tech = app.login("technician").await;
    let photo = noisy_jpeg(1200, 900, 7);
    let (_, file_id) = tus(&app, &tech.access, &photo, &[100_000, 250_000]).await;
    // In the bucket: the original under its hash, no parts left, nothing in the local blob folder.
    let keys = moto.keys("evidence/").await;
    let original = format!("evidence/{}/{}", &sha(&photo)[..2], sha(&photo));
    assert!(keys.contains(&original), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("/parts/")), "{keys:?}");
    assert!(!app.data_dir.join("blobs").join(&sha(&photo)[..2]).exists());
    // The bytes, whole and by range.
    let content = format!("{}/api/v1/files/{file_id}/content", app.address);
    let whole = app.client.get(&content).bearer_auth(&tech.access).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "image/jpeg");
    assert_eq!(whole.bytes().await.unwrap().to_vec(), photo);
    let part = app
        .client
        .get(&content)
        .bearer_auth(&tech.access)
        .header("Range", "bytes=10-109")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], format!("bytes 10-109/{}", photo.len()).as_str());
    assert_eq!(part.bytes().await.unwrap().to_vec(), photo[10..110]);
    let beyond = app
        .client
        .get(&content)
        .bearer_auth(&tech.access)
        .header("Range", format!("bytes={}-", photo.len() + 5))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);
    // The thumbnail is made from the bucket's copy and stored there.
    let mut thumbnail = None;
    for _ in 0..100 {
        let t = app
            .client
            .get(format!("{content}?variant=thumbnail"))
            .bearer_auth(&tech.access)
            .send()
            .await
            .unwrap();
        if t.status() == 200 {
            thumbnail = Some(t.bytes().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let thumbnail = thumbnail.expect("a thumbnail within 10 s");
    assert!(image::load_from_memory(&thumbnail).unwrap().width() <= 320);
    assert!(moto.keys("evidence/derived/").await.iter().any(|k| k.ends_with(".thumbnail.jpg")));
    // /ready checks the bucket.
    let ready = app.client.get(format!("{}/ready", app.address)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    drop(moto);
    let ready = app.client.get(format!("{}/ready", app.address)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(
        (body["checks"]["database"].as_bool(), body["checks"]["blobs"].as_bool()),
        (Some(true), Some(false))
    );
}

#[tokio::test]
async fn with_presigning_a_download_is_a_redirect_to_the_bucket_itself() {
    let moto = Moto::start().await;
    let app = spawn_app_with(|c| {
        moto.configure(c, "");
        c.blob_presigned_secs = 60;
    })
    .await;
    app.load_demo().await;
    let owner = app.login("technician").await;
    let photo = noisy_jpeg(400, 300, 3);
    let (_, file_id) = tus(&app, &owner.access, &photo, &[]).await;
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let content = format!("{}/api/v1/files/{file_id}/content", app.address);
    let answer = no_redirects.get(&content).bearer_auth(&owner.access).send().await.unwrap();
    assert_eq!(answer.status(), 307);
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&moto.endpoint) && location.contains("X-Amz-Signature="), "{location}");
    assert_eq!(reqwest::get(&location).await.unwrap().bytes().await.unwrap().to_vec(), photo);
    // The redirect is only for those who may see the file.
    let stranger = app.login("owner").await;
    let refused = no_redirects.get(&content).bearer_auth(&stranger.access).send().await.unwrap();
    assert_eq!(refused.status(), 404);
}
