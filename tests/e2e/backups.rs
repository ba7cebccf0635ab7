//! Backups that restore: taken while a phone pushes and another client uploads, restored into an
//! empty data folder (and database), and every mutation acknowledged and every upload finished
//! before the backup began is there, served by a new server with the same tokens.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use baoxiu::config::{Config, Secret};
use baoxiu_e2e::{create_postgres_database, drop_postgres_database, photos, postgres_server, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::sync::{check_in_now, field, push, visit};
use baoxiu_sync_protocol::wire::MutationKind;

#[tokio::test]
async fn a_backup_taken_under_pushes_and_uploads_restores_everything_acknowledged() {
    let app = spawn_app_with(|_| {}).await;
    let (c, wo, device) = field(&app).await;
    check_in_now(&app, &c.technician, &wo).await;
    let (acked, finished) = (Mutex::new(Vec::<String>::new()), Mutex::new(Vec::<(String, Vec<u8>)>::new()));
    let (done, started) = (AtomicBool::new(false), AtomicBool::new(false));
    let before = Mutex::new((0usize, 0usize));

    let pushing = async {
        let mut seq = 0;
        while !done.load(Ordering::SeqCst) {
            seq += 1;
            let note = format!("第{seq}条记录");
            let m = visit(seq, MutationKind::VisitNote, None, json!({"work_order_id": wo, "note": note}));
            let reply = push(&app, &c.technician, &device, 1, &[m]).await;
            assert_eq!(reply.body["results"][0]["outcome"], "applied", "{}", reply.body);
            acked.lock().unwrap().push(note);
        }
    };
    let uploading = async {
        let mut seed = 500;
        while !done.load(Ordering::SeqCst) {
            seed += 1;
            let bytes = photos::jpeg(96, 64, seed, None);
            let id = app.upload(&c.owner.access, bytes.clone()).await;
            finished.lock().unwrap().push((id, bytes));
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("backup");
    let source = Config {
        data_dir: app.data_dir.clone(),
        database_url: Some(Secret(app.database_url.clone())),
        ..Config::default()
    };
    let backing_up = async {
        // Some work lands first, then the backup runs while more arrives.
        while acked.lock().unwrap().len() < 5 || finished.lock().unwrap().len() < 3 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        *before.lock().unwrap() = (acked.lock().unwrap().len(), finished.lock().unwrap().len());
        started.store(true, Ordering::SeqCst);
        let (source, to) = (source.clone(), to.clone());
        let taken = tokio::task::spawn_blocking(move || baoxiu::backup::backup(&source, &to)).await.unwrap();
        // A little more lands after it, which the backup need not hold.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        done.store(true, Ordering::SeqCst);
        taken.unwrap()
    };
    let ((), (), manifest) = tokio::join!(pushing, uploading, backing_up);
    assert!(started.load(Ordering::SeqCst));
    let (acked_before, finished_before) = *before.lock().unwrap();
    assert_eq!(manifest.blob_store, "local");
    assert!(manifest.blobs >= finished_before && manifest.signing_key, "{manifest:?}");
    // A backup never writes over another.
    let again = baoxiu::backup::backup(&source, &to).unwrap_err();
    assert!(again.to_string().contains("not empty"), "{again}");

    // Restored into an empty folder (and, on PostgreSQL, an empty database).
    let restored_dir = dir.path().join("restored");
    let pg = postgres_server().map(|server| {
        let (name, url) = create_postgres_database(&server);
        (server, name, url)
    });
    let url = match &pg {
        Some((_, _, url)) => url.clone(),
        None => format!("sqlite://{}/baoxiu.db", restored_dir.display()),
    };
    let target = Config {
        data_dir: restored_dir.clone(),
        database_url: Some(Secret(url.clone())),
        ..Config::default()
    };
    let restored = {
        let (target, to) = (target.clone(), to.clone());
        tokio::task::spawn_blocking(move || baoxiu::backup::restore(&target, &to)).await.unwrap().unwrap()
    };
    assert_eq!(restored.manifest.taken_at, manifest.taken_at);
    let report = baoxiu::backup::verify_store(&target).await.unwrap();
    assert!(report.is_sound() && report.checked >= manifest.blobs, "{report:?}");
    // Restoring over what is there is refused.
    let over = {
        let (target, to) = (target.clone(), to.clone());
        tokio::task::spawn_blocking(move || baoxiu::backup::restore(&target, &to)).await.unwrap()
    };
    assert!(over.unwrap_err().to_string().contains("not empty"));

    // A new server on the restored data, reached with the tokens the old one issued (the signing
    // key came along).
    let server = spawn_app_with(|config| {
        config.data_dir = restored_dir.clone();
        config.database_url = Some(Secret(url.clone()));
    })
    .await;
    let order = server.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await;
    assert_eq!(order.status, StatusCode::OK, "{}", order.body);
    let notes = order.body["visits"][0]["notes"].as_str().unwrap_or_default().to_string();
    let acked = acked.lock().unwrap().clone();
    for note in &acked[..acked_before] {
        assert!(notes.lines().any(|l| l == note), "{note} acknowledged before the backup is missing");
    }
    let finished = finished.lock().unwrap().clone();
    for (id, bytes) in &finished[..finished_before] {
        let content =
            server.call(Method::GET, &format!("/api/v1/files/{id}"), Some(&c.owner.access), None).await;
        assert_eq!(content.body["sha256"], photos::sha256(bytes), "upload {id}");
        let raw = server
            .client
            .get(format!("{}/api/v1/files/{id}/content", server.address))
            .bearer_auth(&c.owner.access)
            .send()
            .await
            .unwrap();
        assert_eq!(raw.bytes().await.unwrap().as_ref(), bytes.as_slice(), "upload {id}'s bytes");
    }
    // verify-store finds a blob whose bytes changed, and one that is gone.
    let (first, second) = (photos::sha256(&finished[0].1), photos::sha256(&finished[1].1));
    std::fs::write(restored_dir.join("blobs").join(&first[..2]).join(&first), b"not the photo").unwrap();
    std::fs::remove_file(restored_dir.join("blobs").join(&second[..2]).join(&second)).unwrap();
    let report = baoxiu::backup::verify_store(&target).await.unwrap();
    assert_eq!((report.corrupt, report.missing), (vec![first], vec![second]));
    drop(server);
    if let Some((server, name, _)) = pg {
        tokio::task::spawn_blocking(move || drop_postgres_database(&server, &name)).await.unwrap();
    }
}
