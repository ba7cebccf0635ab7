//! Evidence files: from verified bytes on local disk to a stored, inspected blob with its
//! thumbnail and preview on the way. The HTTP edge (`api::files`) streams uploads into staging
//! files and hands them here; nothing partial or unverified ever becomes a blob.

pub mod derive;
pub mod inspect;
pub mod store;
mod worker;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::db::accounts::{new_id, now};
use crate::db::files::{self as db, BlobRow, FileRow};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use inspect::{ImageLimits, Refusal};
use store::{BlobStore, LocalStore, Variant};
pub use worker::DerivativePool;

/// Who sent the bytes, and as what.
pub struct Provenance {
    pub user_id: String,
    pub device_id: Option<String>,
    pub filename: Option<String>,
}

/// The evidence-file service.
pub struct Media {
    pub store: Arc<dyn BlobStore>,
    staging: PathBuf,
    pub limits: ImageLimits,
    /// Decodes at once, so many simultaneous uploads cannot exhaust memory.
    /// Places for decoding images, shared by inspection and the derivative workers.
    decoding: Arc<Semaphore>,
    pub derivatives: DerivativePool,
    busy: Mutex<HashSet<String>>,
    /// Each resumable upload's running SHA-256 and the offset it covers, so completion need not
    /// read the file again. Lost on restart; completion then hashes the file.
    hashers: Mutex<HashMap<String, (u64, Sha256)>>,
    link_key: Vec<u8>,
}

/// Holds an upload against concurrent writers until dropped.
pub struct UploadLock<'a> {
    media: &'a Media,
    id: String,
}

impl Drop for UploadLock<'_> {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.media.busy.lock() {
            busy.remove(&self.id);
        }
    }
}

/// A staging file that is removed when dropped, unless it was adopted (moved) first: a
/// one-request upload whose request ends for any reason, its connection cut included, leaves no
/// file behind.
pub struct StagingFile(pub PathBuf);

impl Drop for StagingFile {
    fn drop(&mut self) {
        match std::fs::remove_file(&self.0) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                tracing::warn!(path = %self.0.display(), error = %e, "staging file not removed");
            }
            _ => {}
        }
    }
}

impl Media {
    /// The service over `<data_dir>/blobs`, with its staging folder and derivative workers.
    pub fn start(config: &Config, db: Db, secret: &[u8]) -> anyhow::Result<Media> {
        let store: Arc<dyn BlobStore> = Arc::new(LocalStore::open(config.data_dir.join("blobs"))?);
        let staging = config.data_dir.join("uploads");
        std::fs::create_dir_all(&staging)?;
        let max_pixels = config.image_max_megapixels.saturating_mul(1_000_000);
        // Decoded bytes are bounded as well as pixels: four bytes a pixel, so a 16-bit RGBA image
        // (eight) is refused at half the pixels an 8-bit photo may have.
        let limits =
            ImageLimits { max_pixels, max_alloc: max_pixels.saturating_mul(4), ..ImageLimits::default() };
        let workers = config.image_workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map(|n| (n.get() / 2).max(1)).unwrap_or(1)
        });
        // One decoding budget for inspection and derivatives alike.
        let decoding = Arc::new(Semaphore::new(workers.max(1)));
        let derivatives = DerivativePool::start(workers, db, store.clone(), limits, decoding.clone());
        let mut mac = Hmac::<Sha256>::new_from_slice(secret)?;
        mac.update(b"baoxiu file links v1");
        Ok(Media {
            store,
            staging,
            limits,
            decoding,
            derivatives,
            busy: Mutex::new(HashSet::new()),
            hashers: Mutex::new(HashMap::new()),
            link_key: mac.finalize().into_bytes().to_vec(),
        })
    }

    /// The staging file of an upload (or of a one-request upload in flight).
    pub fn staging_path(&self, id: &str) -> PathBuf {
        self.staging.join(format!("{id}.part"))
    }

    /// Claims an upload for one writer; a second concurrent writer gets `upload_busy`.
    pub fn lock(&self, id: &str) -> AppResult<UploadLock<'_>> {
        let mut busy = self.busy.lock().map_err(|_| AppError::new(Code::Internal))?;
        if !busy.insert(id.to_string()) {
            return Err(AppError::new(Code::UploadBusy).retry_after(1));
        }
        Ok(UploadLock { media: self, id: id.to_string() })
    }

    /// The running hash of an upload standing at `offset`, if it is known (a fresh upload's is).
    pub fn take_hasher(&self, id: &str, offset: u64) -> Option<Sha256> {
        let mut hashers = self.hashers.lock().ok()?;
        match hashers.remove(id) {
            Some((at, hasher)) if at == offset => Some(hasher),
            _ if offset == 0 => Some(Sha256::new()),
            _ => None,
        }
    }

    /// Keeps an upload's running hash, covering its first `offset` bytes.
    pub fn keep_hasher(&self, id: &str, offset: u64, hasher: Option<Sha256>) {
        if let (Ok(mut hashers), Some(hasher)) = (self.hashers.lock(), hasher) {
            hashers.insert(id.to_string(), (offset, hasher));
        }
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
            blocking(move || Ok(inspect::inspect(&path, &limits))).await?.map_err(refusal_error)?
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
        // The rows and the blob land together: the blob is adopted inside the transaction that
        // writes its rows, so a refused write leaves no blob behind without a row (and the staged
        // file stays for the caller to remove). Only a failed commit after the adoption can leave
        // one, which a later upload of the same bytes then finds in place.
        let (b, f, store, path) = (blob.clone(), file.clone(), self.store.clone(), staged.to_path_buf());
        db.write(move |conn| {
            db::record_file(conn, &b, &f, upload_id.as_deref())?;
            store.adopt(&path, &b.sha256).map_err(AppError::internal)
        })
        .await?;
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

    /// Removes staging files nothing is writing to any more: a one-request upload cut off mid-way
    /// (its request gone before it could clean up, or the process killed) leaves one behind. A
    /// file untouched for `STALE_STAGING` that is not a resumable upload still on record goes
    /// (one that is stays until the upload expires).
    pub async fn sweep_staging(&self, db: &Db) -> AppResult<usize> {
        const STALE_STAGING: std::time::Duration = std::time::Duration::from_secs(3600);
        let staging = self.staging.clone();
        let stale: Vec<String> = blocking(move || {
            let mut stale = Vec::new();
            for entry in std::fs::read_dir(&staging).map_err(AppError::internal)?.flatten() {
                let idle = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(id) =
                    name.strip_suffix(".part").filter(|_| idle.is_some_and(|i| i > STALE_STAGING))
                {
                    stale.push(id.to_string());
                }
            }
            Ok(stale)
        })
        .await?;
        let candidates = stale.clone();
        let live = db.read(move |conn| db::live_uploads_among(conn, &candidates)).await?;
        let mut removed = 0;
        for id in stale.iter().filter(|id| !live.contains(id)) {
            let Ok(_lock) = self.lock(id) else { continue };
            remove_staging(&self.staging_path(id))?;
            removed += 1;
        }
        Ok(removed)
    }

    /// Removes uploads past their expiry, with their staging files. Returns how many.
    pub async fn expire_uploads(&self, db: &Db) -> AppResult<usize> {
        let at = now();
        let expired = db.read(move |conn| db::expired_uploads(conn, at, 500)).await?;
        for id in &expired {
            let Ok(_lock) = self.lock(id) else { continue };
            self.take_hasher(id, u64::MAX);
            remove_staging(&self.staging_path(id))?;
            let id = id.clone();
            db.write(move |conn| db::delete_upload(conn, &id)).await?;
        }
        Ok(expired.len())
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
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(AppError::internal(e)),
    }
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

/// Why a file was refused, as the caller's error.
pub fn refusal_error(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Unsupported(kind) => AppError::new(Code::UnsupportedFileType).detail(kind),
        Refusal::Heic => AppError::new(Code::HeicNotAccepted),
        Refusal::TooLarge { width, height } if width > 0 => {
            AppError::new(Code::ImageTooLarge).detail(format!("{width}x{height}"))
        }
        Refusal::TooLarge { .. } => AppError::new(Code::ImageTooLarge),
        Refusal::Corrupt(why) => AppError::new(Code::CorruptFile).detail(why),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(AppError::internal)?
}
