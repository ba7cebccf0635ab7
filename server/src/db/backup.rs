//! What backups read and restores correct in the database itself.

use diesel::prelude::*;

use super::schema::{blobs, issued_documents, upload_parts, uploads};
use super::DbConnection;
use crate::db::StoreResult;

/// Writes a consistent copy of a SQLite database to `to` while others keep writing (`VACUUM INTO`
/// reads inside one transaction).
pub fn sqlite_snapshot(conn: &mut DbConnection, to: &std::path::Path) -> StoreResult<()> {
    let target = to.to_string_lossy().replace('\'', "''");
    diesel::sql_query(format!("VACUUM INTO '{target}'")).execute(conn)?;
    Ok(())
}

/// Every blob a row names, with its size: the originals of files and the issued documents.
pub fn named_blobs(conn: &mut DbConnection) -> StoreResult<Vec<(String, i64)>> {
    let mut named: Vec<(String, i64)> = blobs::table.select((blobs::sha256, blobs::size)).load(conn)?;
    named.extend(
        issued_documents::table
            .select((issued_documents::sha256, issued_documents::size))
            .load::<(String, i64)>(conn)?,
    );
    named.sort();
    named.dedup();
    Ok(named)
}

/// Forgets uploads that never became a file: their parts are not in a backup, so their clients
/// start them again (a tus `HEAD` answers 404). Returns how many.
pub fn forget_unfinished_uploads(conn: &mut DbConnection) -> StoreResult<usize> {
    let unfinished = uploads::table.filter(uploads::file_id.is_null()).select(uploads::id);
    diesel::delete(upload_parts::table.filter(upload_parts::upload_id.eq_any(unfinished))).execute(conn)?;
    Ok(diesel::delete(uploads::table.filter(uploads::file_id.is_null())).execute(conn)?)
}
