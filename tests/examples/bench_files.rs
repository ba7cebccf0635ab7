//! Load generator for `scripts/bench-files` (run by hand, not in CI).
//!
//! - `make-photo OUT`: a 12-megapixel JPEG with EXIF, for the thumbnail comparison.
//! - `throughput URL TOKEN MB`: one resumable upload of MB megabytes in a single PATCH; prints the
//!   hash-and-store rate (the server hashes, fsyncs and stores before it answers).
//! - `concurrent URL TOKEN CLIENTS MB`: CLIENTS uploads of MB megabytes at once.

use std::time::Instant;

use baoxiu_e2e::photos::{jpeg, sha256, Exif};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// A PDF-shaped file of `mb` megabytes whose body depends on `seed`.
fn document(mb: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(mb << 20);
    out.extend_from_slice(b"%PDF-1.4\n%");
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407) | 1;
    while out.len() < (mb << 20) - 16 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.extend_from_slice(b"\n%%EOF\n");
    out
}

async fn upload(client: &reqwest::Client, url: &str, token: &str, bytes: Vec<u8>) -> anyhow::Result<String> {
    let metadata =
        format!("sha256 {},filename {}", STANDARD.encode(sha256(&bytes)), STANDARD.encode("bench.pdf"));
    let created = client
        .post(format!("{url}/api/v1/uploads"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", metadata)
        .send()
        .await?;
    anyhow::ensure!(created.status() == 201, "create: {} {}", created.status(), created.text().await?);
    let location = created.headers()["location"].to_str()?.to_string();
    let done = client
        .patch(format!("{url}{location}"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body(bytes)
        .send()
        .await?;
    anyhow::ensure!(done.status() == 204, "patch: {} {}", done.status(), done.text().await?);
    Ok(done.headers()["baoxiu-file-id"].to_str()?.to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let client = reqwest::Client::new();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["make-photo", out] => {
            let exif = Exif {
                taken: Some("2026:05:01 09:30:00"),
                gps: Some((36.6616, 117.0194)),
                make: Some("HUAWEI"),
                model: Some("Mate 60"),
            };
            let photo = jpeg(4000, 3000, 1, Some(&exif));
            std::fs::write(out, &photo)?;
            println!("12-megapixel JPEG: {} bytes", photo.len());
        }
        ["throughput", url, token, mb] => {
            let mb: usize = mb.parse()?;
            let bytes = document(mb, 1);
            let started = Instant::now();
            upload(&client, url, token, bytes).await?;
            let secs = started.elapsed().as_secs_f64();
            println!("one {mb} MB upload: {secs:.2} s, {:.0} MB/s hashed and stored", mb as f64 / secs);
        }
        ["concurrent", url, token, clients, mb] => {
            let (clients, mb): (u64, usize) = (clients.parse()?, mb.parse()?);
            let started = Instant::now();
            let tasks: Vec<_> = (0..clients)
                .map(|i| {
                    let (client, url, token) = (client.clone(), url.to_string(), token.to_string());
                    tokio::spawn(async move { upload(&client, &url, &token, document(mb, 100 + i)).await })
                })
                .collect();
            for task in tasks {
                task.await??;
            }
            println!("{clients} uploads of {mb} MB at once: {:.2} s", started.elapsed().as_secs_f64());
        }
        _ => anyhow::bail!(
            "usage: bench_files make-photo OUT | throughput URL TOKEN MB | concurrent URL TOKEN CLIENTS MB"
        ),
    }
    Ok(())
}
