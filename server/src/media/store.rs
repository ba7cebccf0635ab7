//! Where blobs live. Each original is named by its SHA-256 and written once, atomically: the
//! verified staging file is fsynced, renamed into place, and the folder fsynced, so a crash leaves
//! either the whole blob or none. The same bytes are stored once.
//!
//! [`BlobStore`] is the seam for an S3-compatible store in a multi-server deployment; staging and
//! inspection stay on local disk either way.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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

/// Content-addressed storage.
pub trait BlobStore: Send + Sync + 'static {
    /// Makes the verified file at `staged` the blob `hash`. If the blob exists already the staged
    /// file is removed instead. Returns once the blob is durable.
    fn adopt(&self, staged: &Path, hash: &str) -> io::Result<()>;
    /// Stores a derivative of `hash`, atomically.
    fn put_derivative(&self, hash: &str, variant: Variant, bytes: &[u8]) -> io::Result<()>;
    /// A local file holding the rendition, if stored.
    fn locate(&self, hash: &str, variant: Variant) -> io::Result<Option<PathBuf>>;
}

/// Whether `s` is a SHA-256 in lowercase hex.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Blobs in a folder on local disk: `<root>/ab/abcdef…` and `<root>/derived/ab/abcdef….thumbnail.jpg`.
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// A store under `root`, created if missing.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<LocalStore> {
        let root = root.into();
        fs::create_dir_all(root.join("tmp"))?;
        Ok(LocalStore { root })
    }

    fn path(&self, hash: &str, variant: Variant) -> io::Result<PathBuf> {
        if !is_sha256_hex(hash) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256"));
        }
        Ok(match variant {
            Variant::Original => self.root.join(&hash[..2]).join(hash),
            other => {
                self.root.join("derived").join(&hash[..2]).join(format!("{hash}.{}.jpg", other.as_str()))
            }
        })
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

impl BlobStore for LocalStore {
    fn adopt(&self, staged: &Path, hash: &str) -> io::Result<()> {
        let dest = self.path(hash, Variant::Original)?;
        if dest.exists() {
            return fs::remove_file(staged);
        }
        File::open(staged)?.sync_all()?;
        place(staged, &dest)
    }

    fn put_derivative(&self, hash: &str, variant: Variant, bytes: &[u8]) -> io::Result<()> {
        let dest = self.path(hash, variant)?;
        let tmp = self.root.join("tmp").join(uuid::Uuid::now_v7().to_string());
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        place(&tmp, &dest)
    }

    fn locate(&self, hash: &str, variant: Variant) -> io::Result<Option<PathBuf>> {
        let path = self.path(hash, variant)?;
        Ok(path.exists().then_some(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_are_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path().join("blobs")).unwrap();
        let hash = "ab".repeat(32);
        for _ in 0..2 {
            let staged = dir.path().join("staged");
            fs::write(&staged, b"photo").unwrap();
            store.adopt(&staged, &hash).unwrap();
            assert!(!staged.exists());
        }
        let path = store.locate(&hash, Variant::Original).unwrap().unwrap();
        assert_eq!(fs::read(path).unwrap(), b"photo");
        assert_eq!(store.locate(&hash, Variant::Thumbnail).unwrap(), None);
        assert!(store.locate("../../etc/passwd", Variant::Original).is_err());
    }
}
