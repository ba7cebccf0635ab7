//! Evidence files: from verified bytes on local disk to a stored, inspected blob with its
//! thumbnail and preview on the way. The HTTP edge (`api::files`) streams uploads into staging
//! files and hands them here; nothing partial or unverified ever becomes a blob.

pub mod derive;
pub mod inspect;
pub mod store;
mod worker;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hmac::{Hmac, Mac};
use inspect::ImageLimits;
use sha2::{Digest, Sha256};
use store::{BlobStore, Variant};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::db::accounts::{new_id, now};
use crate::db::files::{self as db, BlobRow, FileRow};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
pub use worker::DerivativePool;

/// Who sent the bytes, and as what.
pub struct Provenance {
    pub user_id: String,
    pub device_id: Option<String>,
    pub filename: Option<String>,
}

/// The evidence-file service.
pub struct Media {
    pub store: Arc<BlobStore>,
    staging: PathBuf,
    pub limits: ImageLimits,
    /// Decodes at once, so many simultaneous uploads cannot exhaust memory.
    /// Places for decoding images, shared by inspection and the derivative workers.
    decoding: Arc<Semaphore>,
    pub derivatives: DerivativePool,
    link_key: Vec<u8>,
}

/// A staging file that is removed when dropped, unless it was adopted (moved) first: a
/// one-request upload whose request ends for any reason, its connection cut included, leaves no
/// file behind.
pub struct StagingFile(pub PathBuf);

impl StagingFile {
    /// A new, unique staging file in `dir`, named for `what` it holds.
    pub fn new_in(dir: &Path, what: &str) -> StagingFile {
        StagingFile(dir.join(format!("{what}-{}.part", uuid::Uuid::now_v7())))
    }
}

impl Drop for StagingFile {
    fn drop(&mut self) {
        if let Err(e) = store::removed(std::fs::remove_file(&self.0)) {
            tracing::warn!(path = %self.0.display(), error = %e, "staging file not removed");
        }
    }
}

impl Media {
    /// The service over the configured blob store (`<data_dir>/blobs` by default), with its
    /// staging folder and derivative workers.
    pub fn start(config: &Config, db: Db, secret: &[u8]) -> anyhow::Result<Media> {
        let store = Arc::new(match config.s3_settings()? {
            Some(settings) => BlobStore::s3(&settings)?,
            None => BlobStore::local(config.data_dir.join("blobs"))?,
        });
        let staging = config.data_dir.join("uploads");
        std::fs::create_dir_all(&staging)?;
        let max_pixels = config.image_max_megapixels.saturating_mul(1_000_000);
        // Decoded bytes are bounded as well as pixels: four bytes a pixel, so a 16-bit RGBA image
        // (eight) is refused at half the pixels an 8-bit photo may have.
        let limits = ImageLimits {
            max_pixels,
            max_alloc: max_pixels.saturating_mul(4),
            max_full_decode: config.image_max_full_decode_megapixels.saturating_mul(4_000_000),
            ..ImageLimits::default()
        };
        let workers = config.image_workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map(|n| (n.get() / 2).max(1)).unwrap_or(1)
        });
        // One decoding budget for inspection and derivatives alike.
        let decoding = Arc::new(Semaphore::new(workers.max(1)));
        let derivatives =
            DerivativePool::start(workers, db, store.clone(), limits, decoding.clone(), staging.clone());
        let mut mac = Hmac::<Sha256>::new_from_slice(secret)?;
        mac.update(b"baoxiu file links v1");
        Ok(Media {
            store,
            staging,
            limits,
            decoding,
            derivatives,
            link_key: mac.finalize().into_bytes().to_vec(),
        })
    }

    /// A new staging file on this server's disk: a one-request upload or a chunk in flight, an
    /// upload being put together, a copy of a blob being read.
    pub fn staging_file(&self, what: &str) -> StagingFile {
        StagingFile::new_in(&self.staging, what)
    }

    /// Turns a complete staging file into a stored blob and a file record: checks the hash (computed
    /// here unless the caller hashed while streaming), inspects the bytes, stores them atomically,
    /// records them, and queues the derivatives. On any refusal the staging file is removed.
    pub async fn finish(
        &self,
        db: &Db,
        staged: PathBuf,
        expected: Option<String>,
        streamed_hash: Option<String>,
        from: Provenance,
        upload_id: Option<String>,
    ) -> AppResult<(FileRow, BlobRow)> {
        let result = self.finish_inner(db, &staged, expected, streamed_hash, from, upload_id).await;
        if result.is_err() {
            let _ = std::fs::remove_file(&staged);
        }
        result
    }

    async fn finish_inner(
        &self,
        db: &Db,
        staged: &Path,
        expected: Option<String>,
        streamed_hash: Option<String>,
        from: Provenance,
        upload_id: Option<String>,
    ) -> AppResult<(FileRow, BlobRow)> {
        let hash = match streamed_hash {
            Some(hash) => hash,
            None => {
                let path = staged.to_path_buf();
                blocking(move || sha256_file(&path)).await?
            }
        };
        if expected.as_ref().is_some_and(|e| *e != hash) {
            return Err(AppError::new(Code::HashMismatch));
        }
        let size = i64::try_from(std::fs::metadata(staged).map_err(AppError::internal)?.len())
            .map_err(AppError::internal)?;
        let inspected = {
            let _permit = self.decoding.acquire().await.map_err(AppError::internal)?;
            let (path, limits) = (staged.to_path_buf(), self.limits);
            blocking(move || Ok(inspect::inspect(&path, &limits))).await?.map_err(AppError::from)?
        };
        let facts = &inspected.facts;
        let blob = BlobRow {
            sha256: hash.clone(),
            size,
            media_type: inspected.media_type.as_str().to_string(),
            width: inspected.width.and_then(|w| i32::try_from(w).ok()),
            height: inspected.height.and_then(|h| i32::try_from(h).ok()),
            taken_at: facts.taken_at,
            gps_lat: facts.position.map(|p| p.0),
            gps_lng: facts.position.map(|p| p.1),
            camera: facts.camera.clone(),
            orientation: i32::from(facts.orientation),
            has_exif: facts.has_exif,
            derivatives: if inspected.media_type.is_image() { "pending" } else { "none" }.to_string(),
            created_at: now(),
        };
        let file = FileRow {
            id: new_id(),
            sha256: hash,
            uploaded_by: from.user_id,
            device_id: from.device_id,
            filename: from.filename,
            received_at: now(),
        };
        // The blob is durable before any row names it: a crash or a refused write after the
        // adoption leaves a blob no row names, which a later upload of the same bytes finds in
        // place (content addressing makes it harmless), never a row without its bytes.
        self.store.adopt(staged, &blob.sha256, &blob.media_type).await.map_err(AppError::internal)?;
        let (b, f) = (blob.clone(), file.clone());
        db.write(move |conn| db::record_file(conn, &b, &f, upload_id.as_deref())).await?;
        // The first upload's row wins; what is stored is what later readers see.
        let stored = db
            .read({
                let key = blob.sha256.clone();
                move |conn| db::blob(conn, &key)
            })
            .await?
            .unwrap_or(blob);
        if stored.derivatives == "pending" {
            self.derivatives.submit(stored.sha256.clone());
        }
        Ok((file, stored))
    }

    /// Removes staging files nothing is writing to any more: a request cut off mid-way (its
    /// handler gone before it could clean up, or the process killed) leaves one behind. Staging
    /// files only live as long as one request, so one untouched for an hour is abandoned. This
    /// server's own disk: every server sweeps its own.
    pub async fn sweep_staging(&self) -> AppResult<usize> {
        const STALE_STAGING: std::time::Duration = std::time::Duration::from_secs(3600);
        let staging = self.staging.clone();
        blocking(move || {
            let mut removed = 0;
            for entry in std::fs::read_dir(&staging).map_err(AppError::internal)?.flatten() {
                let idle = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
                if idle.is_some_and(|i| i > STALE_STAGING) {
                    remove_staging(&entry.path())?;
                    removed += 1;
                }
            }
            Ok(removed)
        })
        .await
    }

    /// Removes uploads past their expiry, with their parts. Returns how many.
    pub async fn expire_uploads(&self, db: &Db) -> AppResult<usize> {
        let at = now();
        let expired = db.read(move |conn| db::expired_uploads(conn, at, 500)).await?;
        for id in &expired {
            self.forget_upload(db, id).await?;
        }
        Ok(expired.len())
    }

    /// Removes an upload's parts from the store, then the upload (its parts' rows go with it).
    pub async fn forget_upload(&self, db: &Db, id: &str) -> AppResult<()> {
        self.store.remove_parts_of(id).await.map_err(AppError::internal)?;
        let id = id.to_string();
        db.write(move |conn| db::delete_upload(conn, &id)).await.map_err(AppError::from)
    }

    /// The MAC over a link to a file rendition that expires at `expires` (Unix seconds).
    fn link_mac(&self, file_id: &str, variant: Variant, expires: i64) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.link_key).ok()?;
        mac.update(format!("{file_id}:{}:{expires}", variant.as_str()).as_bytes());
        Some(mac)
    }

    /// A signature over a link to a file rendition that expires at `expires` (Unix seconds).
    pub fn link_signature(&self, file_id: &str, variant: Variant, expires: i64) -> String {
        self.link_mac(file_id, variant, expires)
            .map(|m| hex::encode(m.finalize().into_bytes()))
            .unwrap_or_default()
    }

    /// Checks a link's signature in constant time.
    pub fn verify_link(&self, file_id: &str, variant: Variant, expires: i64, signature: &str) -> bool {
        let (Ok(given), Some(mac)) = (hex::decode(signature), self.link_mac(file_id, variant, expires))
        else {
            return false;
        };
        mac.verify_slice(&given).is_ok()
    }
}

/// Removes a staging file; one already gone is fine.
pub fn remove_staging(path: &Path) -> AppResult<()> {
    store::removed(std::fs::remove_file(path)).map_err(AppError::internal)
}

/// The SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> AppResult<String> {
    let mut file = File::open(path).map_err(AppError::internal)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(AppError::internal)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(AppError::internal)?
}
