//! The sync client against the real server, with the network and the server failing on purpose: a
//! response lost after the commit, the server killed mid-batch, a decision made while the phone was
//! offline. Whatever happens, every mutation lands exactly once or comes back with a reason.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use baoxiu_e2e::{spawn_app, ServerProcess, Session, TestApp};
use baoxiu_sync_protocol::client::{Backoff, Outbox, SyncClient, SyncError};
use baoxiu_sync_protocol::wire::MutationKind;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::sync::{claim_of, enrolled_phone, field, office_submits_a_sheet, revision};

fn quick() -> Backoff {
    Backoff { base: Duration::from_millis(20), cap: Duration::from_millis(200), max_attempts: 200 }
}

/// A client that opens a new connection per request, so the proxy sees one request per connection.
pub fn phone(base: &str, who: &Session, device: &str, store: &std::path::Path) -> SyncClient {
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    SyncClient::new(base, &who.access, device, Outbox::open(store).unwrap()).with_http(http)
}

/// A TCP proxy to `upstream` that, for the next `drops` requests starting with `request_line`
/// (e.g. `POST /api/sync/push`), lets the request through and the server answer, then cuts the
/// connection before the phone hears the answer.
async fn lossy_proxy(upstream: String, request_line: &'static str, drops: Arc<AtomicUsize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (upstream, drops) = (upstream.clone(), drops.clone());
            tokio::spawn(async move {
                let mut server = TcpStream::connect(&upstream).await.unwrap();
                let mut first = vec![0u8; 64 * 1024];
                let n = client.read(&mut first).await.unwrap_or(0);
                let targeted = first[..n].starts_with(request_line.as_bytes());
                server.write_all(&first[..n]).await.unwrap();
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move { tokio::io::copy(&mut cr, &mut sw).await });
                if targeted && drops.load(Ordering::SeqCst) > 0 {
                    // Wait until the server answers (it commits first), then lose the answer.
                    let mut answer = [0u8; 1];
                    let _ = sr.read(&mut answer).await;
                    drops.fetch_sub(1, Ordering::SeqCst);
                    up.abort();
                    return;
                }
                let _ = tokio::io::copy(&mut sr, &mut cw).await;
                up.abort();
            });
        }
    });
    address
}

async fn revisions_on(app: &TestApp, who: &Session, claim: &str) -> usize {
    app.get(&format!("/api/v1/claims/{claim}"), &who.access).await.body["cost_sheets"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_lost_answer_is_retried_as_a_duplicate_and_nothing_is_stored_twice() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, version) = claim_of(&app, &c.technician, &wo).await;
    let (device, _) = enrolled_phone(&app, &c.technician).await;
    let dir = tempfile::tempdir().unwrap();
    let drops = Arc::new(AtomicUsize::new(1));
    let upstream = app.address.trim_start_matches("http://").to_string();
    let proxy = lossy_proxy(upstream, "POST /api/sync/push", drops.clone()).await;
    let mut client = phone(&proxy, &c.technician, &device, &dir.path().join("phone.db"));
    let mut parent = None;
    for n in 0..3 {
        let rev = revision(&claim, parent.clone(), &format!("清运 {n}"));
        parent = Some(rev.hash().unwrap());
        client
            .outbox
            .enqueue(MutationKind::CostSheetRevision, Some(version), serde_json::to_value(&rev).unwrap(), &[])
            .unwrap();
    }
    let report = client.sync_with_retry(quick()).await.unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 0, "the first answer was lost");
    // The server applied the batch the first time; the retry got the recorded outcomes back.
    assert_eq!((report.applied, report.duplicates, report.rejected), (0, 3, 0));
    assert_eq!(client.outbox.pending_count().unwrap(), 0);
    assert_eq!(revisions_on(&app, &c.reviewer, &claim).await, 3, "nothing stored twice");
}

#[tokio::test]
async fn a_token_that_expired_offline_is_refreshed_even_when_the_first_answer_is_lost() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, version) = claim_of(&app, &c.technician, &wo).await;
    let (device, _) = enrolled_phone(&app, &c.technician).await;
    // The phone's own sign-in, hours ago: its access token has expired since.
    let signed_in = app.login("technician").await;
    let expired = crate::tokens::expired_access(&app, &signed_in);
    let dir = tempfile::tempdir().unwrap();
    let drops = Arc::new(AtomicUsize::new(1));
    let upstream = app.address.trim_start_matches("http://").to_string();
    let proxy = lossy_proxy(upstream, "POST /api/v1/auth/refresh", drops.clone()).await;
    let mut client = phone(&proxy, &signed_in, &device, &dir.path().join("phone.db"));
    client.outbox.set_tokens(&expired, &signed_in.refresh).unwrap();
    client.set_token(&expired);
    let rev = revision(&claim, None, "清运");
    client
        .outbox
        .enqueue(MutationKind::CostSheetRevision, Some(version), serde_json::to_value(&rev).unwrap(), &[])
        .unwrap();

    let report = client.sync_with_retry(quick()).await.unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 0, "the first refresh's answer was lost");
    assert_eq!(report.applied, 1, "the push went through on the refreshed token");
    let access = client.outbox.meta("access_token").unwrap().unwrap();
    let refresh = client.outbox.meta("refresh_token").unwrap().unwrap();
    assert_ne!((access.as_str(), refresh.as_str()), (expired.as_str(), signed_in.refresh.as_str()));
    assert_eq!(app.get("/api/v1/me", &access).await.status, StatusCode::OK, "still signed in");
    assert_eq!(revisions_on(&app, &c.reviewer, &claim).await, 1);

    // A refresh token the server no longer takes signs the phone out, with nothing lost.
    client.outbox.set_tokens(&expired, "not-a-refresh-token").unwrap();
    client.set_token(&expired);
    client
        .outbox
        .enqueue(
            MutationKind::CostSheetRevision,
            Some(version),
            serde_json::to_value(revision(&claim, Some(rev.hash().unwrap()), "再清运")).unwrap(),
            &[],
        )
        .unwrap();
    let out = client.sync_with_retry(quick()).await;
    assert!(matches!(out, Err(SyncError::SignedOut(_))), "{out:?}");
    assert_eq!(client.outbox.pending_count().unwrap(), 1, "the queued revision waits for the next sign-in");
}

#[tokio::test]
async fn a_decision_made_offline_comes_back_to_the_phone_as_a_rejection_it_can_show() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, version) = claim_of(&app, &c.technician, &wo).await;
    let (device, _) = enrolled_phone(&app, &c.technician).await;
    let dir = tempfile::tempdir().unwrap();
    let mut client = phone(&app.address, &c.technician, &device, &dir.path().join("phone.db"));
    client.pull().await.unwrap();
    assert_eq!(i64::from(client.outbox.claim(&claim).unwrap().unwrap().claim.version), version);
    // Offline: a revision against what the phone knows. Meanwhile the office moves the claim on.
    let rev = revision(&claim, None, "清运");
    client
        .outbox
        .enqueue(MutationKind::CostSheetRevision, Some(version), serde_json::to_value(&rev).unwrap(), &[])
        .unwrap();
    office_submits_a_sheet(&app, &c, &claim).await;
    let report = client.sync_with_retry(quick()).await.unwrap();
    assert_eq!(report.rejected, 1);
    let rejected = client.outbox.rejected().unwrap();
    assert_eq!((rejected[0].reason.as_deref(), rejected[0].retryable), (Some("stale_version"), false));
    // The pull that followed brought the new state down.
    assert_eq!(client.outbox.claim(&claim).unwrap().unwrap().claim.state, "cost_sheet_submitted");
}

async fn start_server(data: &std::path::Path, database_url: &str) -> ServerProcess {
    let data = data.display().to_string();
    let settings = [("BAOXIU_DATA_DIR", data.as_str()), ("BAOXIU_DATABASE_URL", database_url)];
    ServerProcess::start(env!("CARGO_BIN_EXE_baoxiu-e2e-server"), &settings).await
}

#[tokio::test]
async fn the_server_killed_mid_batch_and_restarted_still_gets_every_mutation_exactly_once() {
    // The child runs on the same kind of database as the rest of the suite: a SQLite file here,
    // or its own PostgreSQL database when the suite runs on PostgreSQL.
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, version) = claim_of(&app, &c.technician, &wo).await;
    let (device, _) = enrolled_phone(&app, &c.technician).await;
    let database_url = app.database_url.clone();
    let data = app.data_dir.clone();
    // The in-process server stays up beside the child; both use the same database.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("phone.db");
    let total = 300;
    {
        let mut outbox = Outbox::open(&store).unwrap();
        let mut parent = None;
        for n in 0..total {
            let rev = revision(&claim, parent.clone(), &format!("第{n}次"));
            parent = Some(rev.hash().unwrap());
            outbox
                .enqueue(
                    MutationKind::CostSheetRevision,
                    Some(version),
                    serde_json::to_value(&rev).unwrap(),
                    &[],
                )
                .unwrap();
        }
    }
    let mut server = start_server(&data, &database_url).await;
    let mut interrupted = 0;
    for delay_ms in [30u64, 150, 250, 400, 700] {
        let mut client = phone(&server.address, &c.technician, &device, &store);
        let push = tokio::spawn(async move { client.push().await });
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        server.process.start_kill().unwrap();
        let _ = server.process.wait().await;
        let outcome = push.await.unwrap();
        let pending = Outbox::open(&store).unwrap().pending_count().unwrap();
        eprintln!("killed after {delay_ms} ms: push {outcome:?}, {pending} still pending");
        interrupted += usize::from(outcome.is_err());
        server = start_server(&data, &database_url).await;
    }
    assert!(interrupted > 0, "at least one kill landed while a push was in flight");
    let mut client = phone(&server.address, &c.technician, &device, &store);
    client.sync_with_retry(quick()).await.unwrap();
    assert_eq!(client.outbox.pending_count().unwrap(), 0);
    assert!(client.outbox.rejected().unwrap().is_empty(), "{:?}", client.outbox.rejected().unwrap());
    every_revision_once(&server.address, &c.reviewer, &claim, total).await;
}

/// The claim, as `who` reads it from the server at `base`, has `total` cost-sheet revisions, each
/// on top of the one before: every acknowledged revision exactly once, in order.
pub async fn every_revision_once(base: &str, who: &Session, claim: &str, total: usize) {
    let page = reqwest::Client::new()
        .get(format!("{base}/api/v1/claims/{claim}"))
        .bearer_auth(&who.access)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: serde_json::Value = page.json().await.unwrap();
    let sheets = page["cost_sheets"].as_array().unwrap();
    assert_eq!(sheets.len(), total, "every revision exactly once");
    assert!(sheets.iter().all(|s| s["conflict"] == false), "in order: each names the one before");
}
