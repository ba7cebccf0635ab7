//! A bounded pool that makes thumbnails and previews off the request path. The queue is the
//! `blobs.derivatives = 'pending'` column, so nothing is lost on a crash: the pool sweeps it at start
//! and every minute, and the in-memory channel only makes fresh uploads quick.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Mutex};

use super::derive;
use super::inspect::{ImageLimits, MediaType};
use super::store::{BlobStore, Variant};
use super::StagingFile;
use crate::db::files;
use crate::db::Db;
use crate::error::{AppError, AppResult};

const QUEUE: usize = 256;
const SWEEP: Duration = Duration::from_secs(60);

/// Hands blobs to the workers.
pub struct DerivativePool {
    tx: mpsc::Sender<String>,
}

impl DerivativePool {
    /// Starts `workers` workers on the current runtime.
    /// Each decode takes a place in `decoding`, the budget inspection shares, so that inspections
    /// and derivatives together never decode more images at once than it has places.
    pub fn start(
        workers: usize,
        db: Db,
        store: Arc<BlobStore>,
        limits: ImageLimits,
        decoding: Arc<tokio::sync::Semaphore>,
        scratch: std::path::PathBuf,
    ) -> DerivativePool {
        let (tx, rx) = mpsc::channel::<String>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..workers.max(1) {
            let (rx, db, store, decoding) = (rx.clone(), db.clone(), store.clone(), decoding.clone());
            let scratch = scratch.clone();
            tokio::spawn(async move {
                loop {
                    let Some(hash) = rx.lock().await.recv().await else { return };
                    let copy = StagingFile::new_in(&scratch, "derive");
                    if let Err(err) = make(&db, &store, &limits, &decoding, &hash, copy).await {
                        tracing::warn!(error = %err, sha256 = %hash, "derivatives failed; will retry");
                    }
                }
            });
        }
        tokio::spawn(sweep(db, tx.clone()));
        DerivativePool { tx }
    }

    /// Queues a blob; if the queue is full the next sweep picks it up.
    pub fn submit(&self, sha256: String) {
        let _ = self.tx.try_send(sha256);
    }
}

async fn sweep(db: Db, tx: mpsc::Sender<String>) {
    let mut timer = tokio::time::interval(SWEEP);
    loop {
        timer.tick().await;
        match db.read(|conn| files::pending_derivatives(conn, QUEUE as i64)).await {
            Ok(pending) => {
                for blob in pending {
                    if tx.send(blob.sha256).await.is_err() {
                        return;
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "derivative sweep failed"),
        }
    }
}

/// Makes and stores both derivatives of one blob. An image that cannot be rendered is marked
/// `failed` (it passed inspection, so this is rare); I/O trouble leaves it pending for a retry.
async fn make(
    db: &Db,
    store: &Arc<BlobStore>,
    limits: &ImageLimits,
    decoding: &tokio::sync::Semaphore,
    hash: &str,
    scratch: StagingFile,
) -> AppResult<()> {
    let key = hash.to_string();
    let Some(blob) = db.read(move |conn| files::blob(conn, &key)).await? else { return Ok(()) };
    if blob.derivatives != "pending" {
        return Ok(());
    }
    let Some(media_type) = MediaType::parse(&blob.media_type) else { return Ok(()) };
    let limits = *limits;
    let orientation = u8::try_from(blob.orientation).unwrap_or(1);
    let original = store
        .fetch(hash, Variant::Original, scratch.0.clone())
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("blob {hash} missing")))?;
    let place = decoding.acquire().await.map_err(AppError::internal)?;
    let outcome = tokio::task::spawn_blocking(move || {
        let made = derive::derivatives(original.path(), media_type, orientation, &limits);
        made.map_err(|refusal| refusal.to_string())
    })
    .await
    .map_err(AppError::internal)?;
    drop(place);
    drop(scratch);
    let state = match outcome {
        Ok(d) => {
            store.put_derivative(hash, Variant::Thumbnail, d.thumbnail).await.map_err(AppError::internal)?;
            store.put_derivative(hash, Variant::Preview, d.preview).await.map_err(AppError::internal)?;
            "ready"
        }
        Err(why) => {
            tracing::warn!(sha256 = %hash, reason = %why, "no derivatives for this image");
            "failed"
        }
    };
    let key = hash.to_string();
    db.write(move |conn| files::set_derivatives(conn, &key, state)).await.map_err(AppError::from)
}
