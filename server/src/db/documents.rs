//! Issued documents: each number and the stored PDF it names.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::issued_documents;
use super::DbConnection;
use crate::db::StoreResult;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = issued_documents)]
pub struct IssuedRow {
    pub number: String,
    pub kind: String,
    pub subject_id: String,
    pub content_key: String,
    pub sha256: String,
    pub size: i64,
    pub summary: String,
    pub issued_by: String,
    pub issued_at: NaiveDateTime,
}

/// The document already issued for this content, if any.
pub fn issued_for(
    conn: &mut DbConnection,
    kind: &str,
    subject_id: &str,
    content_key: &str,
) -> StoreResult<Option<IssuedRow>> {
    Ok(issued_documents::table
        .filter(issued_documents::kind.eq(kind))
        .filter(issued_documents::subject_id.eq(subject_id))
        .filter(issued_documents::content_key.eq(content_key))
        .select(IssuedRow::as_select())
        .first(conn)
        .optional()?)
}

/// A document by its number.
pub fn by_number(conn: &mut DbConnection, number: &str) -> StoreResult<Option<IssuedRow>> {
    Ok(issued_documents::table.find(number).select(IssuedRow::as_select()).first(conn).optional()?)
}

/// Records an issued document; `false` when the same content was issued meanwhile (the caller
/// then reads that one).
pub fn insert(conn: &mut DbConnection, row: &IssuedRow) -> StoreResult<bool> {
    if issued_for(conn, &row.kind, &row.subject_id, &row.content_key)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(issued_documents::table).values(row).execute(conn)?;
    Ok(true)
}
