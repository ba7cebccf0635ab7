//! What storage answers when it cannot do what it was asked: a storage fact, never a rule and never
//! an API code. The one error type (`crate::error`) turns it into what the caller is told, and the
//! use case decides every rule before it asks.

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row.
    #[error("not found")]
    NotFound,
    /// A row with the same natural key is there already; the key, where the caller should hear it.
    #[error("a row with this key exists already ({0:?})")]
    Duplicate(Option<&'static str>),
    /// No upload with that id of that owner.
    #[error("no such upload")]
    NoSuchUpload,
    /// No file with that id (of that uploader, where one is named); the id, where the caller
    /// should hear it.
    #[error("no such file")]
    NoSuchFile(Option<String>),
    /// A revision names a parent that is not one of its claim's revisions.
    #[error("the parent revision is not stored")]
    MissingParent,
    /// A value beyond what the rows hold (a cost sheet's total past the shared bound).
    #[error("out of bounds: {0}")]
    OutOfBounds(String),
    /// The row changed since it was read; its version now.
    #[error("changed meanwhile; now version {0}")]
    Stale(i64),
    /// Another request got to the row first (an upload another server is completing): asking
    /// again a moment later finds what it made.
    #[error("busy")]
    Busy,
    /// The database failed, or refused a statement.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    /// No connection could be had in time.
    #[error(transparent)]
    Pool(#[from] diesel::r2d2::PoolError),
    /// A stored value this build cannot read or write, or a worker that died: a bug.
    #[error("{0:#}")]
    Corrupt(anyhow::Error),
}

/// `Result` with [`StoreError`].
pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// A stored value that does not read back, or another failure that is a bug.
    pub fn corrupt(cause: impl Into<anyhow::Error>) -> StoreError {
        StoreError::Corrupt(cause.into())
    }
}
