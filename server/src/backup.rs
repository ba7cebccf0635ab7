//! Backups that restore: `baoxiu backup --to DIR` while the server runs, `baoxiu restore --from
//! DIR` into an empty data folder, and `baoxiu verify-store`, which checks that every blob a row
//! names is in the blob store with its SHA-256.
//!
//! A backup is a folder holding
//! - the database: `baoxiu.db` on SQLite (`VACUUM INTO`: one consistent snapshot while the server
//!   writes), or `baoxiu.pgdump` on PostgreSQL (`pg_dump --format=custom`: one snapshot too);
//! - `blobs/`: the local blob folder's originals, derivatives and issued documents. With an S3
//!   bucket there are none here: the bucket's versioning is that half of the backup, restored to
//!   the time `backup.json` records;
//! - `jwt.key`, the token signing key the data folder keeps, if it keeps one;
//! - `backup.json`: when, from what, and how many blobs.
//!
//! The database is copied first. A blob is durable before any row names it, so every blob the
//! copy names is in the blob folder by the time the folder is copied after it; the backup checks
//! that it is, and fails rather than leave one out. Uploads that never became a file are left
//! behind (their parts are not copied): a restore forgets them, and their phones start them again.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::{backup as db, Backend, Db};
use crate::media::store::{BlobStore, Variant};

const MANIFEST: &str = "backup.json";
const SQLITE_FILE: &str = "baoxiu.db";
const PG_DUMP_FILE: &str = "baoxiu.pgdump";
const KEY_FILE: &str = "jwt.key";

/// What a backup holds, written beside it as `backup.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// When the database snapshot was taken (UTC, RFC 3339): with a versioned bucket, the time to
    /// restore the bucket to.
    pub taken_at: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// `local`, or the bucket's `s3://` address.
    pub blob_store: String,
    /// Blobs the database names (on PostgreSQL, those named before the dump began), all of them
    /// in `blobs/` for a local store.
    pub blobs: usize,
    /// Files copied into `blobs/` (originals, derivatives, documents).
    pub files_copied: usize,
    pub signing_key: bool,
}

/// Takes a backup of the deployment `config` describes into `to`, which must be empty or absent.
pub fn backup(config: &Config, to: &Path) -> anyhow::Result<Manifest> {
    ensure_empty(to)?;
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let url = config.database_url();
    let live = Db::connect(&url, 2)?;
    let taken_at = chrono::Utc::now().to_rfc3339();
    let (database, named) = match live.backend() {
        Backend::Sqlite => {
            let partial = to.join(format!("{SQLITE_FILE}.partial"));
            db::sqlite_snapshot(&mut *live.conn()?, &partial)?;
            std::fs::rename(&partial, to.join(SQLITE_FILE))?;
            // The snapshot's own names: exactly what a restore will look for.
            let copy = Db::connect(&format!("sqlite://{}", to.join(SQLITE_FILE).display()), 1)?;
            let named = db::named_blobs(&mut *copy.conn()?)?;
            ("sqlite", named)
        }
        Backend::Postgres => {
            // Names read before the dump are a subset of the dump's; the blob folder is copied
            // whole after it, so it holds the rest.
            let named = db::named_blobs(&mut *live.conn()?)?;
            run(
                "pg_dump",
                &["--format=custom", "--no-owner", "--file", &path_str(&to.join(PG_DUMP_FILE))?, &url],
            )?;
            ("postgres", named)
        }
    };
    let (blob_store, files_copied) = match config.blob_store.as_str() {
        "local" => {
            let copied = copy_tree(&config.data_dir.join("blobs"), &to.join("blobs"))?;
            let missing: Vec<&str> = named
                .iter()
                .filter(|(hash, size)| {
                    std::fs::metadata(to.join("blobs").join(&hash[..2]).join(hash))
                        .map_or(true, |m| i64::try_from(m.len()).ok() != Some(*size))
                })
                .map(|(hash, _)| hash.as_str())
                .collect();
            ensure!(missing.is_empty(), "blobs the database names are not in the blob folder: {missing:?}");
            ("local".to_string(), copied)
        }
        bucket => (bucket.to_string(), 0),
    };
    let key = config.data_dir.join(KEY_FILE);
    let signing_key = key.exists();
    if signing_key {
        copy_file(&key, &to.join(KEY_FILE))?;
    }
    let manifest = Manifest {
        taken_at,
        database: database.into(),
        blob_store,
        blobs: named.len(),
        files_copied,
        signing_key,
    };
    write_durably(&to.join(MANIFEST), &serde_json::to_vec_pretty(&manifest)?)?;
    Ok(manifest)
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Uploads that had not become files, forgotten so that their phones start them again.
    pub unfinished_uploads: usize,
}

/// Restores the backup in `from` into the deployment `config` describes: an empty data folder,
/// and on PostgreSQL an empty database. With an S3 bucket, the bucket is restored by its own
/// versioning, to `taken_at`.
pub fn restore(config: &Config, from: &Path) -> anyhow::Result<Restored> {
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(from.join(MANIFEST)).with_context(|| format!("{} is not a backup", from.display()))?,
    )?;
    ensure_empty(&config.data_dir)?;
    std::fs::create_dir_all(&config.data_dir)?;
    let url = config.database_url();
    match (Backend::from_url(&url)?, manifest.database.as_str()) {
        (Backend::Sqlite, "sqlite") => {
            let target = PathBuf::from(url.trim_start_matches("sqlite://").trim_start_matches("sqlite:"));
            ensure!(!target.exists(), "{} exists already", target.display());
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            copy_file(&from.join(SQLITE_FILE), &target)?;
        }
        (Backend::Postgres, "postgres") => {
            run(
                "pg_restore",
                &["--no-owner", "--exit-on-error", "--dbname", &url, &path_str(&from.join(PG_DUMP_FILE))?],
            )?;
        }
        (_, taken) => bail!("the backup is of a {taken} database; this deployment's is another"),
    }
    if manifest.blob_store == "local" {
        copy_tree(&from.join("blobs"), &config.data_dir.join("blobs"))?;
    }
    if manifest.signing_key {
        copy_file(&from.join(KEY_FILE), &config.data_dir.join(KEY_FILE))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(config.data_dir.join(KEY_FILE), std::fs::Permissions::from_mode(0o600))?;
        }
    }
    // Connecting migrates a backup of an older version up to this one.
    let restored = Db::connect(&url, 2)?;
    let unfinished_uploads = db::forget_unfinished_uploads(&mut *restored.conn()?)?;
    Ok(Restored { manifest, unfinished_uploads })
}

/// What `verify-store` found.
#[derive(Debug, Default)]
pub struct StoreReport {
    pub checked: usize,
    /// Named by a row, absent from the store.
    pub missing: Vec<String>,
    /// Present, but its bytes hash to something else.
    pub corrupt: Vec<String>,
}

impl StoreReport {
    pub fn is_sound(&self) -> bool {
        self.missing.is_empty() && self.corrupt.is_empty()
    }
}

/// Checks that every blob a row names is in the blob store, and that its bytes have its SHA-256.
pub async fn verify_store(config: &Config) -> anyhow::Result<StoreReport> {
    let db = Db::connect(&config.database_url(), 2)?;
    let named = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> { Ok(db::named_blobs(&mut *db.conn()?)?) })
            .await??
    };
    let store = match config.s3_settings()? {
        Some(settings) => BlobStore::s3(&settings)?,
        None => BlobStore::local(config.data_dir.join("blobs"))?,
    };
    let scratch = config.data_dir.join("uploads");
    std::fs::create_dir_all(&scratch)?;
    let mut report = StoreReport::default();
    for (hash, _) in named {
        report.checked += 1;
        let copy = scratch.join(format!("verify-{}", uuid::Uuid::now_v7().simple()));
        match store.fetch(&hash, Variant::Original, copy).await? {
            None => report.missing.push(hash),
            Some(found) => {
                let path = found.path().to_path_buf();
                let actual = tokio::task::spawn_blocking(move || sha256_of(&path)).await??;
                if actual != hash {
                    report.corrupt.push(hash);
                }
            }
        }
    }
    Ok(report)
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path)?;
    let (mut hasher, mut buffer) = (Sha256::new(), vec![0u8; 1 << 16]);
    loop {
        match file.read(&mut buffer)? {
            0 => return Ok(hex::encode(hasher.finalize())),
            n => hasher.update(&buffer[..n]),
        }
    }
}

/// Refuses a folder that holds anything: a backup or a restore never writes over what is there.
fn ensure_empty(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} is not empty", dir.display());
    }
    Ok(())
}

/// Copies the blob folder's files (not its `tmp/` or the `parts/` of unfinished uploads) into
/// `to`; returns how many.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<usize> {
    let mut copied = 0;
    if !from.exists() {
        return Ok(0);
    }
    let mut pending = vec![from.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let relative = path.strip_prefix(from)?;
            if matches!(relative.to_str(), Some("tmp" | "parts")) {
                continue;
            }
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else if path.extension().is_none_or(|e| e != "partial") {
                copy_file(&path, &to.join(relative))?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

/// Copies a file through a temporary name, synced, so that a copy cut short is never taken for
/// a whole one.
fn copy_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let partial = to.with_extension("partial");
    std::fs::copy(from, &partial).with_context(|| format!("copying {}", from.display()))?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, to)?;
    Ok(())
}

fn write_durably(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes)?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, path)?;
    Ok(())
}

fn path_str(path: &Path) -> anyhow::Result<String> {
    path.to_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("{} is not UTF-8", path.display()))
}

/// Runs a PostgreSQL client program, failing with what it printed.
fn run(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("running {program} (PostgreSQL's client programs must be installed)"))?;
    ensure!(output.status.success(), "{program} failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    Ok(())
}
