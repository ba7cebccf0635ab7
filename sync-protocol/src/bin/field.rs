//! `baoxiu-field`: a technician's phone, simulated on the sync client. Enroll a device, pull the
//! work, work offline (check in, photo, cost sheet, owner signature, check out), then sync and see
//! what happened. `load` doubles as the push benchmark.
//!
//! ```text
//! baoxiu-field --store phone.db enroll --url http://127.0.0.1:8080 --username technician --password …
//! baoxiu-field --store phone.db sync
//! baoxiu-field --store phone.db work --work-order ID --photo before.jpg --signature sig.png \
//!     --signer-name 张业主 --signer-phone 13800000000
//! baoxiu-field --store phone.db sync
//! ```

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, bail, Context};
use baoxiu_sync_protocol::client::{Backoff, Outbox, SyncClient};
use baoxiu_sync_protocol::payloads::{EvidenceAttached, VisitReport};
use baoxiu_sync_protocol::vectors::five_lines;
use baoxiu_sync_protocol::wire::{
    CostSheetRevision, MutationKind, OwnerConfirmation, SignedConfirmation, Signer,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use clap::{Parser, Subcommand};
use ed25519_dalek::Signer as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[derive(Parser)]
#[command(name = "baoxiu-field", about = "A technician's phone, simulated on the Baoxiu sync client")]
struct Cli {
    /// The phone's local store (created if missing).
    #[arg(long, default_value = "phone.db")]
    store: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in, make a device key, and enroll this phone.
    Enroll {
        #[arg(long)]
        url: String,
        #[arg(long)]
        username: String,
        #[arg(long, env = "BAOXIU_PASSWORD")]
        password: String,
    },
    /// Upload blobs, push the outbox, pull changes; retries with backoff.
    Sync,
    /// Work a visit offline: check in, a photo, a five-line cost sheet, the owner's signature on it,
    /// check out. Needs the work order in the local store (run `sync` first).
    Work {
        #[arg(long)]
        work_order: String,
        #[arg(long)]
        photo: PathBuf,
        #[arg(long)]
        signature: PathBuf,
        #[arg(long)]
        signer_name: String,
        #[arg(long)]
        signer_phone: String,
    },
    /// What the outbox holds: pending and rejected mutations.
    Status,
    /// Benchmark: DEVICES phones at once each push BATCHES batches of 100 five-line cost-sheet
    /// revisions, spread over the claims in the local store; prints mutations per second.
    Load {
        #[arg(long, default_value_t = 8)]
        devices: usize,
        #[arg(long, default_value_t = 5)]
        batches: usize,
        #[arg(long)]
        password: String,
        /// Servers of one deployment the phones push to in turn (one each, round robin), as
        /// behind a load balancer; by default the enrolled server.
        #[arg(long, value_delimiter = ',')]
        servers: Vec<String>,
    },
}

fn sha256_file(path: &std::path::Path) -> anyhow::Result<String> {
    Ok(hex::encode(Sha256::digest(std::fs::read(path).with_context(|| path.display().to_string())?)))
}

async fn login(url: &str, username: &str, password: &str) -> anyhow::Result<Value> {
    let res = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("sign-in failed: {} {}", res.status(), res.text().await?);
    }
    Ok(res.json().await?)
}

async fn enroll(outbox: &mut Outbox, url: &str, tokens: &Value, name: &str) -> anyhow::Result<String> {
    let key = ed25519_dalek::SigningKey::from_bytes(&rand::random());
    let device_id = uuid::Uuid::now_v7().to_string();
    let res = reqwest::Client::new()
        .post(format!("{url}/api/v1/devices"))
        .bearer_auth(tokens["access_token"].as_str().unwrap_or_default())
        .json(&json!({"device_id": device_id, "name": name,
                      "public_key": STANDARD.encode(key.verifying_key().as_bytes())}))
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("enrolment failed: {} {}", res.status(), res.text().await?);
    }
    for (k, v) in [
        ("url", url.to_string()),
        ("device_id", device_id.clone()),
        ("device_key", STANDARD.encode(key.to_bytes())),
        ("user_id", tokens["user"]["id"].as_str().unwrap_or_default().to_string()),
    ] {
        outbox.set_meta(k, &v)?;
    }
    let token = |k: &str| tokens[k].as_str().unwrap_or_default().to_string();
    outbox.set_tokens(&token("access_token"), &token("refresh_token"))?;
    Ok(device_id)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut outbox = Outbox::open(&cli.store)?;
    match cli.command {
        Command::Enroll { url, username, password } => {
            let tokens = login(&url, &username, &password).await?;
            let device = enroll(&mut outbox, url.trim_end_matches('/'), &tokens, "baoxiu-field").await?;
            println!("enrolled device {device} for {username}");
        }
        Command::Work { work_order, photo, signature, signer_name, signer_phone } => {
            let claim = outbox
                .claims()?
                .into_iter()
                .find(|c| c.work_orders.iter().any(|o| o.id == work_order))
                .ok_or_else(|| anyhow!("work order {work_order} is not in the local store; run `sync`"))?;
            let order_version = Some(i64::from(claim.open_work_order(&work_order)?.version));
            let claim_id = claim.claim.id.clone();
            let claim_version = Some(i64::from(claim.claim.version));
            let parent = claim.cost_sheets.last().and_then(|s| s.hash.clone());
            let now = chrono_now();
            let arrive = VisitReport {
                work_order_id: work_order.clone(),
                device_time: Some(now.clone()),
                ..Default::default()
            };
            outbox.enqueue(MutationKind::CheckIn, order_version, serde_json::to_value(&arrive)?, &[])?;
            let photo_hash = sha256_file(&photo)?;
            let evidence = EvidenceAttached {
                claim_id: claim_id.clone(),
                sha256: photo_hash.clone(),
                kind: "during".into(),
                ..Default::default()
            };
            outbox.enqueue(
                MutationKind::EvidenceAttached,
                claim_version,
                serde_json::to_value(&evidence)?,
                &[(photo_hash.clone(), photo)],
            )?;
            let revision = CostSheetRevision {
                claim_id: claim_id.clone(),
                revision_id: uuid::Uuid::now_v7().to_string(),
                parent_hash: parent,
                lines: five_lines("垃圾清运 现场"),
            };
            let revision_hash = revision.hash()?;
            outbox.enqueue(
                MutationKind::CostSheetRevision,
                claim_version,
                serde_json::to_value(&revision)?,
                &[],
            )?;
            let key_bytes: [u8; 32] = STANDARD
                .decode(outbox.meta("device_key")?.unwrap_or_default())?
                .try_into()
                .map_err(|_| anyhow!("bad device key"))?;
            let key = ed25519_dalek::SigningKey::from_bytes(&key_bytes);
            let signature_hash = sha256_file(&signature)?;
            let confirmation = OwnerConfirmation {
                claim_id: claim_id.clone(),
                revision_hash: revision_hash.clone(),
                signer: Signer::InPerson { name: signer_name, phone: signer_phone },
                signed_at: now.clone(),
                signature_image_sha256: signature_hash.clone(),
                device_id: outbox.meta("device_id")?.unwrap_or_default(),
            };
            let device_signature = STANDARD.encode(key.sign(&confirmation.signing_bytes()?).to_bytes());
            outbox.enqueue(
                MutationKind::OwnerConfirmation,
                claim_version,
                serde_json::to_value(SignedConfirmation { confirmation, device_signature })?,
                &[(signature_hash, signature)],
            )?;
            let next_order_version = order_version.map(|v| v + 1);
            let leave = VisitReport {
                work_order_id: work_order.clone(),
                device_time: Some(chrono_now()),
                outcome: Some("done".into()),
                ..Default::default()
            };
            outbox.enqueue(MutationKind::CheckOut, next_order_version, serde_json::to_value(&leave)?, &[])?;
            println!("queued 5 mutations offline for claim {claim_id} (revision {revision_hash})");
        }
        Command::Status => {
            println!("pending: {}", outbox.pending_count()?);
            print_rejected(&outbox)?;
        }
        Command::Sync => {
            let mut client = SyncClient::from_store(outbox)?;
            let report = client.sync_with_retry(Backoff::default()).await?;
            println!(
                "uploaded {} blobs; applied {}, duplicates {}, rejected {}; pulled {} claims",
                report.blobs_uploaded, report.applied, report.duplicates, report.rejected, report.pulled
            );
            print_rejected(&client.outbox)?;
        }
        Command::Load { devices, batches, password, servers } => {
            load(&cli.store, outbox, devices, batches, &password, &servers).await?
        }
    }
    Ok(())
}

/// UTC now in RFC 3339, to the second.
fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn load(
    store: &std::path::Path,
    outbox: Outbox,
    devices: usize,
    batches: usize,
    password: &str,
    servers: &[String],
) -> anyhow::Result<()> {
    // The enrolled phone pulls the claims to work on; each simulated phone gets its own store.
    let mut lead = SyncClient::from_store(outbox)?;
    // `pull` and `push` alone do not refresh as `sync` does; start on a fresh token.
    lead.refresh().await?;
    let cold = if lead.outbox.meta("cursor")?.is_none() { "cold pull" } else { "pull" };
    let started = Instant::now();
    let pulled = lead.pull().await?;
    println!("{cold} of {pulled} claims: {:.2} s", started.elapsed().as_secs_f64());
    // Each claim in repair with its version and latest revision's hash.
    let claims: Vec<(String, i64, Option<String>)> = lead
        .outbox
        .claims()?
        .into_iter()
        .filter(|c| c.claim.state == "in_repair")
        .map(|c| {
            let latest = c.cost_sheets.last().and_then(|s| s.hash.clone());
            (c.claim.id, i64::from(c.claim.version), latest)
        })
        .collect();
    if claims.len() < devices {
        bail!("too few claims in repair for this account: seed some (see scripts/bench-sync)");
    }
    let url = lead.outbox.meta("url")?.unwrap_or_default();
    let username = whoami(&url, &lead.outbox.meta("access_token")?.unwrap_or_default()).await?;
    let per_device = batches * 100;
    let mut phones = Vec::new();
    for d in 0..devices {
        let path = store.with_extension(format!("load{d}.db"));
        let _ = std::fs::remove_file(&path);
        let mut phone = Outbox::open(&path)?;
        let tokens = login(&url, &username, password).await?;
        let device_id = enroll(&mut phone, &url, &tokens, &format!("load {d}")).await?;
        // As in the field, each phone works its own claims and revises each one's cost sheet on
        // top of its latest revision; no two phones revise the same sheet.
        let mut mine: Vec<(String, i64, Option<String>)> =
            claims.iter().skip(d).step_by(devices).cloned().collect();
        for i in 0..per_device {
            let slot = i % mine.len();
            let (claim_id, version, parent) = &mine[slot];
            let revision = CostSheetRevision {
                claim_id: claim_id.clone(),
                revision_id: uuid::Uuid::now_v7().to_string(),
                parent_hash: parent.clone(),
                lines: five_lines(&format!("垃圾清运 {d}-{i}")),
            };
            let hash = revision.hash()?;
            phone.enqueue(
                MutationKind::CostSheetRevision,
                Some(*version),
                serde_json::to_value(&revision)?,
                &[],
            )?;
            mine[slot].2 = Some(hash);
        }
        let token = tokens["access_token"].as_str().unwrap_or_default().to_string();
        let to = servers.get(d % servers.len().max(1)).map_or(url.as_str(), |s| s.trim_end_matches('/'));
        phones.push(SyncClient::new(to, &token, &device_id, phone));
    }
    let started = Instant::now();
    let tasks: Vec<_> = phones
        .into_iter()
        .map(|mut phone| tokio::spawn(async move { phone.push().await.map(|r| (r, phone)) }))
        .collect();
    let (mut applied, mut rejected) = (0, 0);
    for task in tasks {
        let (report, _) = task.await?.map_err(|e| anyhow!("{e}"))?;
        applied += report.applied;
        rejected += report.rejected;
    }
    let secs = started.elapsed().as_secs_f64();
    let total = devices * per_device;
    println!(
        "{devices} devices × {batches} batches of 100 five-line revisions: {total} mutations in {secs:.2} s = {:.0}/s (applied {applied}, rejected {rejected})",
        total as f64 / secs
    );
    Ok(())
}

/// The mutations the server refused, kept for the person to act on: each with its reason's code
/// and text, in English when `LANG` asks for it, otherwise Chinese.
fn print_rejected(outbox: &Outbox) -> anyhow::Result<()> {
    let english = std::env::var("LANG").is_ok_and(|l| l.starts_with("en"));
    for r in outbox.rejected()? {
        let text = r.reason_text(english).unwrap_or("");
        let code = r.reason.as_deref().unwrap_or_default();
        println!("rejected #{} {}: {code} — {text} (retryable: {})", r.seq, r.kind, r.retryable);
    }
    Ok(())
}

async fn whoami(url: &str, token: &str) -> anyhow::Result<String> {
    let me: Value = reqwest::Client::new()
        .get(format!("{url}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    me["username"].as_str().map(str::to_owned).ok_or_else(|| anyhow!("cannot read /me"))
}
