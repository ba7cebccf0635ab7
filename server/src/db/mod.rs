//! Storage: one diesel code base over SQLite (embedded default) and PostgreSQL (production), the
//! backend chosen by the database URL's scheme.
//!
//! SQLite gets two pools: many readers and a single writer. WAL mode lets readers run beside the
//! writer, so reads never queue behind a write; writers queue in the pool instead of spinning on
//! SQLite's busy lock. PostgreSQL uses one pool for both.

pub mod accounts;
pub mod admin;
pub mod backup;
pub mod claims;
mod columns;
pub mod coordination;
pub mod documents;
mod error;
pub mod files;
pub mod fund;
pub mod insights;
pub mod notify;
pub mod recurrence;
pub mod registry;
pub mod schema;
pub mod sync;
pub mod work_orders;

pub use error::{StoreError, StoreResult};

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// Migrations are compiled into the binary and run at start-up.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
/// The same migrations, for PostgreSQL.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, for production and scale-out.
    Postgres(PgConnection),
    /// SQLite, the embedded default.
    Sqlite(SqliteConnection),
}

/// Which backend a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://path` or `sqlite::memory:`.
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

impl Backend {
    /// The backend for a URL; anything else is an error, never a silently created file.
    pub fn from_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!(
                "unsupported database URL scheme in {:?}: use sqlite://PATH or postgres://…",
                redact_url(url)
            )
        }
    }
}

/// The URL without its password, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***{}", &url[..scheme_end], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

/// The path diesel's SQLite driver wants: `sqlite://data/baoxiu.db` → `data/baoxiu.db`.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

/// Runs one diesel statement on the connection's own backend, for the statements diesel's
/// multi-backend connection cannot build, such as a multi-row `INSERT`.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Rows per multi-row `INSERT`. Full chunks have one fixed shape, so each backend prepares that
/// statement once per connection and reuses it; only the remainder is prepared afresh. 100 rows
/// of the widest table bind 2,000 parameters, far under SQLite's 32,766 and PostgreSQL's 65,535.
pub const ROWS_PER_INSERT: usize = 100;

/// Inserts a slice of rows in as few statements as both backends allow; returns how many. The
/// row type must derive `Insertable` with `treat_none_as_default_value = false` (`None` is
/// `NULL`), or diesel runs one statement per row on SQLite.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let mut inserted = 0usize;
        let mut chunks = $rows.chunks_exact($crate::db::ROWS_PER_INSERT);
        for chunk in &mut chunks {
            let chunk: &[_; $crate::db::ROWS_PER_INSERT] =
                chunk.try_into().expect("chunks_exact yields full chunks");
            inserted += $crate::db::on_backend!(&mut *$conn, |c| diesel::insert_into($table)
                .values(chunk)
                .execute(c))?;
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            inserted += $crate::db::on_backend!(&mut *$conn, |c| diesel::insert_into($table)
                .values(rest)
                .execute(c))?;
        }
        inserted
    }};
}
pub(crate) use insert_rows;

type Manager = ConnectionManager<DbConnection>;
/// A pooled connection.
pub type Conn = PooledConnection<Manager>;

/// Per-connection settings for SQLite: durable, concurrent, with foreign keys enforced.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            // synchronous=FULL: an acknowledged write survives power loss, even in WAL mode.
            c.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; \
                 PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// The database handle the service shares: cheap to clone.
#[derive(Clone)]
pub struct Db {
    read: Pool<Manager>,
    write: Pool<Manager>,
    backend: Backend,
}

impl Db {
    /// Connects, creating the SQLite file's folder where needed, and runs pending migrations.
    pub fn connect(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        let backend = Backend::from_url(url)?;
        let timeout = Duration::from_secs(10);
        // No `SELECT 1` before every checkout: it doubled the cost of a simple read (measured with
        // scripts/bench-me). A connection that died is detected when its query fails, reported as
        // retryable, and dropped by the pool on return.
        let builder = || Pool::builder().test_on_check_out(false).connection_timeout(timeout);
        let db = match backend {
            Backend::Sqlite => {
                let path = sqlite_path(url);
                if let Some(parent) = std::path::Path::new(path).parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent)?;
                    }
                }
                let manager = || Manager::new(format!("sqlite://{path}"));
                let write =
                    builder().max_size(1).connection_customizer(Box::new(SqlitePragmas)).build(manager())?;
                // The writer opens the file first so WAL mode is set before readers arrive.
                let read = builder()
                    .max_size(pool_size.max(2))
                    .connection_customizer(Box::new(SqlitePragmas))
                    .build(manager())?;
                Db { read, write, backend }
            }
            Backend::Postgres => {
                let pool = builder().max_size(pool_size.max(2)).build(Manager::new(url))?;
                Db { read: pool.clone(), write: pool, backend }
            }
        };
        db.migrate()?;
        Ok(db)
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs the migrations not yet applied; returns how many ran.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.write.get()?;
        let versions = |applied: Vec<diesel::migration::MigrationVersion<'_>>| {
            applied.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        let failed = |e| anyhow::anyhow!("migration failed: {e}");
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => {
                c.run_pending_migrations(SQLITE_MIGRATIONS).map(versions).map_err(failed)
            }
            DbConnection::Postgres(c) => {
                // Several servers starting at once take turns: the first migrates, the others
                // then find nothing pending. The lock is the session's, released right after.
                c.batch_execute("SELECT pg_advisory_lock(7262031)")?;
                let applied = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(versions).map_err(failed);
                c.batch_execute("SELECT pg_advisory_unlock(7262031)")?;
                applied
            }
        }?;
        for version in &applied {
            tracing::info!(%version, "applied migration");
        }
        Ok(applied.len())
    }

    /// Runs `f` on a reader connection, off the async executor. `f` answers in its caller's error
    /// type, which storage errors convert into.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        E: From<StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.read.clone();
        run_blocking(move || f(&mut *pool.get().map_err(StoreError::from)?)).await
    }

    /// Runs `f` in one write transaction: everything or nothing. On SQLite the transaction begins
    /// IMMEDIATE, taking the write lock up front, so it can never fail half-way on a lock upgrade.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        E: From<StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.write.clone();
        run_blocking(move || write_transaction(&mut *pool.get().map_err(StoreError::from)?, f)).await
    }

    /// Per pool (`read`, `write`; one pool on PostgreSQL serves both): connections open and idle.
    pub fn pool_states(&self) -> Vec<(&'static str, u32, u32)> {
        let (read, write) = (self.read.state(), self.write.state());
        match self.backend {
            Backend::Postgres => vec![("shared", write.connections, write.idle_connections)],
            Backend::Sqlite => vec![
                ("read", read.connections, read.idle_connections),
                ("write", write.connections, write.idle_connections),
            ],
        }
    }

    /// A reader connection, for synchronous callers such as the CLI and tests.
    pub fn conn(&self) -> StoreResult<Conn> {
        Ok(self.write.get()?)
    }

    /// True when a trivial query succeeds.
    pub async fn ping(&self) -> bool {
        self.read(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok::<_, StoreError>(())
        })
        .await
        .is_ok()
    }
}

async fn run_blocking<T, E, F>(f: F) -> Result<T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    E: From<StoreError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| E::from(StoreError::corrupt(e)))?
}

thread_local! {
    /// `Some` while a write transaction runs on this thread, holding its change number once taken.
    static TRANSACTION_CHANGE: std::cell::Cell<Option<Option<i64>>> = const { std::cell::Cell::new(None) };
}

/// The change number of the write transaction on this thread: taken from the counter the first
/// time it is needed, then shared by every change the transaction makes. One transaction's changes
/// commit together, so sharing a number keeps pulls exact, and the counter row is written once per
/// transaction instead of once per change (on PostgreSQL every update of that row leaves a dead
/// version behind until the transaction ends).
/// Outside [`write_transaction`] every change takes its own number. A transaction that uses
/// savepoints must take its number before the first one (see the sync push).
pub fn transaction_change(take: impl FnOnce() -> StoreResult<i64>) -> StoreResult<i64> {
    match TRANSACTION_CHANGE.with(|c| c.get()) {
        Some(Some(n)) => Ok(n),
        Some(None) => {
            let n = take()?;
            TRANSACTION_CHANGE.with(|c| c.set(Some(Some(n))));
            Ok(n)
        }
        None => take(),
    }
}

/// Write transactions this process has committed: what a cache of query results compares to know
/// that nothing it read may have changed here since.
static COMMITTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many write transactions this process has committed so far.
pub fn commits() -> u64 {
    COMMITTED.load(std::sync::atomic::Ordering::Acquire)
}

/// One all-or-nothing write transaction on a connection of either backend.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<StoreError>,
{
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            TRANSACTION_CHANGE.with(|c| c.set(None));
        }
    }
    TRANSACTION_CHANGE.with(|c| c.set(Some(None)));
    let _reset = Reset;
    type Tm = <DbConnection as Connection>::TransactionManager;
    match conn {
        // The multi-connection's transaction manager delegates to the inner connection's, so a
        // transaction begun on the inner SQLite connection is committed through the outer one.
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").map_err(StoreError::from)?
        }
        DbConnection::Postgres(_) => Tm::begin_transaction(conn).map_err(StoreError::from)?,
    }
    match f(conn) {
        Ok(value) => {
            Tm::commit_transaction(conn).map_err(StoreError::from)?;
            COMMITTED.fetch_add(1, std::sync::atomic::Ordering::Release);
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = Tm::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_comes_from_the_scheme() {
        assert_eq!(Backend::from_url("sqlite://data/x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
        let err = Backend::from_url("mysql://root:secret@h/db").unwrap_err().to_string();
        assert!(err.contains("unsupported"), "{err}");
        assert!(!err.contains("secret"), "password leaked: {err}");
        assert!(Backend::from_url("data/baoxiu.db").is_err());
    }

    #[test]
    fn migration_sets_have_the_same_names() {
        let names = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
        let sqlite = names(&format!("{root}/sqlite"));
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, names(&format!("{root}/postgres")));
    }

    #[test]
    fn sqlite_writes_are_durable_and_wal() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = Db::connect(&url, 2).unwrap();
        let mut conn = db.conn().unwrap();
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            journal_mode: String,
        }
        let row: Row = diesel::sql_query("PRAGMA journal_mode").get_result(&mut *conn).unwrap();
        assert_eq!(row.journal_mode, "wal");
        #[derive(QueryableByName)]
        struct Sync {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        let sync: Sync = diesel::sql_query("PRAGMA synchronous").get_result(&mut *conn).unwrap();
        assert_eq!(sync.synchronous, 2, "FULL");
    }
}
