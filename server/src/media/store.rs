//! Where blobs live: a folder on local disk (the embedded default) or a bucket of an S3-compatible
//! object store (MinIO, Ceph RGW, Aliyun OSS, Tencent COS, AWS…), for several servers sharing one
//! deployment. Chosen by `blob_store` in the configuration.
//!
//! Each original is named by its SHA-256 and written once: on disk the verified staging file is
//! fsynced, renamed into place and the folder fsynced; in a bucket it is uploaded whole (multipart
//! above a few megabytes) and becomes visible only when complete. Either way a crash leaves the
//! whole blob or none, and the same bytes are stored once. The parts of resumable uploads in
//! progress live in the same store (`parts/…`), so that any server can continue them.
//!
//! Keys, relative to the folder or the bucket's prefix: `ab/abcdef…` (originals),
//! `derived/ab/abcdef….thumbnail.jpg` (derivatives), `parts/<upload>/<start>-<nonce>` (parts).

use std::fs::{self, File};
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{Attribute, Attributes, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::StagingFile;

/// Which rendition of a blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// The uploaded bytes, exactly.
    Original,
    /// About 320 px, no EXIF.
    Thumbnail,
    /// About 1280 px, no EXIF.
    Preview,
}

impl Variant {
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Original => "original",
            Variant::Thumbnail => "thumbnail",
            Variant::Preview => "preview",
        }
    }
}

/// Whether `s` is a SHA-256 in lowercase hex.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// How to reach an S3-compatible bucket.
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    /// Keys are stored under this prefix (no leading or trailing `/`), or at the bucket's root.
    pub prefix: String,
    /// The service's address, e.g. `https://oss-cn-qingdao.aliyuncs.com`; AWS's when `None`.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// `bucket.host/key` addressing (Aliyun OSS and Tencent COS need it) rather than `host/bucket/key`.
    pub virtual_hosted_style: bool,
    /// Downloads redirect to a presigned URL valid this long, instead of streaming through the server.
    pub presigned: Option<Duration>,
}

/// Content-addressed storage of blobs, their derivatives and the parts of uploads in progress.
pub struct BlobStore {
    backend: Backend,
}

enum Backend {
    Local {
        root: PathBuf,
    },
    S3 {
        bucket: Arc<AmazonS3>,
        prefix: String,
        presigned: Option<Duration>,
        /// Files being sent to the bucket at once; each holds up to two pieces in memory.
        sending: Arc<tokio::sync::Semaphore>,
    },
}

/// A rendition, found, as it may be served.
pub enum Opened {
    /// A file on local disk (served with ranges by the HTTP layer).
    File(PathBuf),
    /// A short-lived presigned URL to send the client to.
    Redirect(String),
    /// An object of this many bytes, to be read with [`BlobStore::stream`].
    Object { size: u64 },
}

/// A rendition copied to, or found on, local disk for reading.
pub enum Fetched {
    /// The stored file itself.
    Stored(PathBuf),
    /// A copy, removed when dropped.
    Copy(StagingFile),
}

impl Fetched {
    pub fn path(&self) -> &Path {
        match self {
            Fetched::Stored(path) => path,
            Fetched::Copy(staged) => &staged.0,
        }
    }
}

/// A multipart upload's piece size: S3 requires at least 5 MiB for all pieces but the last.
const PIECE: usize = 5 << 20;
/// Files sent to a bucket at once, whatever the number of requests: with two pieces in flight
/// each, the memory uploads take stays under 8 × 2 × 5 MiB however many clients send at once.
const SENDING: usize = 8;

fn key_of(hash: &str, variant: Variant) -> io::Result<String> {
    if !is_sha256_hex(hash) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256"));
    }
    Ok(match variant {
        Variant::Original => format!("{}/{hash}", &hash[..2]),
        other => format!("derived/{}/{hash}.{}.jpg", &hash[..2], other.as_str()),
    })
}

/// Where the parts of `upload` live.
fn parts_of(upload: &str) -> io::Result<String> {
    if upload.is_empty() || !upload.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not an upload id"));
    }
    Ok(format!("parts/{upload}"))
}

/// The key of a new part of `upload` starting at `start`. The nonce keeps two servers writing
/// the same offset from overwriting each other's part; the database decides which one counts.
pub fn part_key(upload: &str, start: u64) -> io::Result<String> {
    Ok(format!("{}/{start:020}-{}", parts_of(upload)?, uuid::Uuid::now_v7().simple()))
}

fn other(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e.to_string()),
        e => io::Error::other(e.to_string()),
    }
}

/// A removal's outcome, where something already gone is as good as removed.
pub fn removed(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// fsyncs a folder, so a rename into it survives a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn place(staged: &Path, dest: &Path) -> io::Result<()> {
    let dir = dest.parent().ok_or_else(|| io::Error::other("no parent"))?;
    fs::create_dir_all(dir)?;
    fs::rename(staged, dest)?;
    sync_dir(dir)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(io::Error::other)?
}

impl BlobStore {
    /// A store in the folder `root`, created if missing.
    pub fn local(root: impl Into<PathBuf>) -> io::Result<BlobStore> {
        let root = root.into();
        fs::create_dir_all(root.join("tmp"))?;
        Ok(BlobStore { backend: Backend::Local { root } })
    }

    /// A store in an S3-compatible bucket. Nothing is sent until it is used; [`BlobStore::check`]
    /// tells whether the bucket answers.
    pub fn s3(settings: &S3Settings) -> anyhow::Result<BlobStore> {
        // The object store's HTTP client speaks TLS through the process's rustls provider: ring,
        // the one the rest of the server uses. Installed once; a second call finds it there.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_virtual_hosted_style_request(settings.virtual_hosted_style);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder.with_access_key_id(id).with_secret_access_key(secret);
        }
        // A few quick retries, not the crate's three minutes: a request waits on them, and
        // `/ready` must answer while the load balancer still listens.
        let retry = object_store::RetryConfig {
            backoff: object_store::BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(15),
        };
        builder = builder.with_retry(retry);
        let bucket = Arc::new(builder.build()?);
        let prefix = settings.prefix.trim_matches('/').to_string();
        let sending = Arc::new(tokio::sync::Semaphore::new(SENDING));
        Ok(BlobStore { backend: Backend::S3 { bucket, prefix, presigned: settings.presigned, sending } })
    }

    /// Which kind of store, for logs and `/ready`.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Local { .. } => "local",
            Backend::S3 { .. } => "s3",
        }
    }

    fn object_path(prefix: &str, key: &str) -> ObjectPath {
        match prefix {
            "" => ObjectPath::from(key),
            prefix => ObjectPath::from(format!("{prefix}/{key}")),
        }
    }

    /// Makes the verified file at `staged` the blob `hash`, of type `media_type`. If the blob
    /// exists already the staged file is removed instead. Returns once the blob is durable.
    pub async fn adopt(&self, staged: &Path, hash: &str, media_type: &str) -> io::Result<()> {
        let key = key_of(hash, Variant::Original)?;
        if self.exists(&key).await? {
            return removed(fs::remove_file(staged));
        }
        self.put_file(&key, staged, media_type).await
    }

    /// Stores a derivative (a JPEG) of `hash`, atomically.
    pub async fn put_derivative(&self, hash: &str, variant: Variant, bytes: Vec<u8>) -> io::Result<()> {
        let key = key_of(hash, variant)?;
        match &self.backend {
            Backend::Local { root } => {
                let (dest, tmp) = (root.join(&key), root.join("tmp").join(uuid::Uuid::now_v7().to_string()));
                blocking(move || {
                    let mut file = File::create(&tmp)?;
                    file.write_all(&bytes)?;
                    file.sync_all()?;
                    place(&tmp, &dest)
                })
                .await
            }
            Backend::S3 { bucket, prefix, .. } => {
                let attributes = Attributes::from_iter([(Attribute::ContentType, "image/jpeg")]);
                let options = object_store::PutOptions { attributes, ..Default::default() };
                let path = Self::object_path(prefix, &key);
                bucket.put_opts(&path, PutPayload::from(bytes), options).await.map(|_| ()).map_err(other)
            }
        }
    }

    /// Where a rendition can be read from, if it is stored.
    pub async fn open(&self, hash: &str, variant: Variant) -> io::Result<Option<Opened>> {
        let key = key_of(hash, variant)?;
        match &self.backend {
            Backend::Local { root } => {
                let path = root.join(key);
                Ok(path.exists().then_some(Opened::File(path)))
            }
            Backend::S3 { bucket, prefix, presigned, .. } => {
                let path = Self::object_path(prefix, &key);
                let size = match bucket.head(&path).await {
                    Ok(meta) => meta.size,
                    Err(object_store::Error::NotFound { .. }) => return Ok(None),
                    Err(e) => return Err(other(e)),
                };
                match presigned {
                    Some(ttl) => {
                        let url = bucket.signed_url(http::Method::GET, &path, *ttl).await.map_err(other)?;
                        Ok(Some(Opened::Redirect(url.to_string())))
                    }
                    None => Ok(Some(Opened::Object { size })),
                }
            }
        }
    }

    /// The bytes of `range` of an object [`BlobStore::open`] found, as they arrive.
    pub async fn stream(
        &self,
        hash: &str,
        variant: Variant,
        range: Range<u64>,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        let key = key_of(hash, variant)?;
        self.read_stream(&key, Some(range)).await
    }

    async fn read_stream(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        match &self.backend {
            Backend::Local { root } => {
                let mut file = tokio::fs::File::open(root.join(key)).await?;
                let (start, end) = match range {
                    Some(r) => (r.start, Some(r.end)),
                    None => (0, None),
                };
                tokio::io::AsyncSeekExt::seek(&mut file, io::SeekFrom::Start(start)).await?;
                let left = end.map_or(u64::MAX, |e| e.saturating_sub(start));
                let stream = futures_util::stream::try_unfold((file, left), |(mut file, left)| async move {
                    if left == 0 {
                        return Ok(None);
                    }
                    let mut buf = vec![0u8; usize::try_from(left.min(1 << 18)).unwrap_or(1 << 18)];
                    let n = file.read(&mut buf).await?;
                    if n == 0 {
                        return Ok(None);
                    }
                    buf.truncate(n);
                    Ok(Some((Bytes::from(buf), (file, left - n as u64))))
                });
                Ok(stream.boxed())
            }
            Backend::S3 { bucket, prefix, .. } => {
                let options = GetOptions { range: range.map(GetRange::Bounded), ..Default::default() };
                let got = bucket.get_opts(&Self::object_path(prefix, key), options).await.map_err(other)?;
                Ok(got.into_stream().map_err(other).boxed())
            }
        }
    }

    /// The whole rendition in memory (documents take thumbnails and signatures this way).
    pub async fn read(&self, hash: &str, variant: Variant) -> io::Result<Option<Vec<u8>>> {
        let key = key_of(hash, variant)?;
        let mut stream = match self.read_stream(&key, None).await {
            Ok(stream) => stream,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk?);
        }
        Ok(Some(bytes))
    }

    /// A rendition as a local file: the stored file on disk, or a copy in `scratch` (removed when
    /// the result is dropped) from a bucket. `None` if it is not stored.
    pub async fn fetch(&self, hash: &str, variant: Variant, scratch: PathBuf) -> io::Result<Option<Fetched>> {
        let key = key_of(hash, variant)?;
        if let Backend::Local { root } = &self.backend {
            let path = root.join(key);
            return Ok(path.exists().then_some(Fetched::Stored(path)));
        }
        let copy = StagingFile(scratch);
        let mut out = tokio::fs::File::create(&copy.0).await?;
        match self.copy_into(&key, &mut out, None).await {
            Ok(_) => Ok(Some(Fetched::Copy(copy))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores the file at `staged` as the part `key` of an upload (see [`part_key`]), moving it.
    pub async fn put_part(&self, key: &str, staged: &Path) -> io::Result<()> {
        self.put_file(key, staged, "application/octet-stream").await
    }

    /// Appends the part `key` to `out`, feeding `hasher` on the way; returns its length.
    pub async fn append_part(
        &self,
        key: &str,
        out: &mut tokio::fs::File,
        hasher: &mut Sha256,
    ) -> io::Result<u64> {
        self.copy_into(key, out, Some(hasher)).await
    }

    /// Removes the part `key`; one already gone is fine.
    pub async fn remove_part(&self, key: &str) -> io::Result<()> {
        let result = match &self.backend {
            Backend::Local { root } => tokio::fs::remove_file(root.join(key)).await,
            Backend::S3 { bucket, prefix, .. } => {
                bucket.delete(&Self::object_path(prefix, key)).await.map_err(other)
            }
        };
        removed(result)
    }

    /// Removes every part of `upload`, those the database names and any a server stored but died
    /// before recording.
    pub async fn remove_parts_of(&self, upload: &str) -> io::Result<()> {
        let dir = parts_of(upload)?;
        match &self.backend {
            Backend::Local { root } => removed(tokio::fs::remove_dir_all(root.join(dir)).await),
            Backend::S3 { bucket, prefix, .. } => {
                let mut listed = bucket.list(Some(&Self::object_path(prefix, &dir)));
                while let Some(meta) = listed.next().await {
                    bucket.delete(&meta.map_err(other)?.location).await.map_err(other)?;
                }
                Ok(())
            }
        }
    }

    /// Whether the store takes a write: a small probe file in the folder, or object in the bucket
    /// (a missing bucket, wrong credentials or an unreachable service all fail it).
    pub async fn check(&self) -> io::Result<()> {
        match &self.backend {
            Backend::Local { root } => {
                let probe = root.join("tmp").join(format!("ready-{}", uuid::Uuid::now_v7()));
                blocking(move || {
                    fs::write(&probe, b"ready")?;
                    fs::remove_file(&probe)
                })
                .await
            }
            Backend::S3 { bucket, prefix, .. } => {
                let probe = Self::object_path(prefix, "ready-probe");
                bucket.put(&probe, PutPayload::from_static(b"ready")).await.map(|_| ()).map_err(other)
            }
        }
    }

    async fn exists(&self, key: &str) -> io::Result<bool> {
        match &self.backend {
            Backend::Local { root } => Ok(root.join(key).exists()),
            Backend::S3 { bucket, prefix, .. } => match bucket.head(&Self::object_path(prefix, key)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(other(e)),
            },
        }
    }

    /// Moves the file at `staged` to `key`, durably.
    async fn put_file(&self, key: &str, staged: &Path, content_type: &str) -> io::Result<()> {
        match &self.backend {
            Backend::Local { root } => {
                let (staged, dest) = (staged.to_path_buf(), root.join(key));
                blocking(move || {
                    File::open(&staged)?.sync_all()?;
                    place(&staged, &dest)
                })
                .await
            }
            Backend::S3 { bucket, prefix, sending, .. } => {
                let _place = sending.acquire().await.map_err(io::Error::other)?;
                let path = Self::object_path(prefix, key);
                let attributes = Attributes::from_iter([(Attribute::ContentType, content_type.to_string())]);
                let store: Arc<dyn object_store::ObjectStore> = bucket.clone();
                let mut writer = BufWriter::with_capacity(store, path, PIECE)
                    .with_attributes(attributes)
                    .with_max_concurrency(2);
                let mut file = tokio::fs::File::open(staged).await?;
                let written = async {
                    tokio::io::copy(&mut file, &mut writer).await?;
                    writer.shutdown().await
                }
                .await;
                if let Err(e) = written {
                    let _ = writer.abort().await;
                    return Err(e);
                }
                removed(tokio::fs::remove_file(staged).await)
            }
        }
    }

    async fn copy_into(
        &self,
        key: &str,
        out: &mut tokio::fs::File,
        mut hasher: Option<&mut Sha256>,
    ) -> io::Result<u64> {
        let mut stream = self.read_stream(key, None).await?;
        let mut copied = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            out.write_all(&chunk).await?;
            if let Some(hasher) = hasher.as_deref_mut() {
                hasher.update(&chunk);
            }
            copied += chunk.len() as u64;
        }
        out.flush().await?;
        Ok(copied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_bytes_are_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path().join("blobs")).unwrap();
        let hash = "ab".repeat(32);
        for _ in 0..2 {
            let staged = dir.path().join("staged");
            fs::write(&staged, b"photo").unwrap();
            store.adopt(&staged, &hash, "image/jpeg").await.unwrap();
            assert!(!staged.exists());
        }
        assert_eq!(store.read(&hash, Variant::Original).await.unwrap().unwrap(), b"photo");
        assert!(store.read(&hash, Variant::Thumbnail).await.unwrap().is_none());
        assert!(store.open("../../etc/passwd", Variant::Original).await.is_err());
        assert!(part_key("../x", 0).is_err());
    }
}
