//! Blobs, files and resumable uploads (see the `000008_evidence` migration for the model).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::accounts::now;
use super::schema::{blobs, claim_evidence, cost_sheets, files, upload_parts, uploads};
use super::DbConnection;
use crate::db::{StoreError, StoreResult};

/// One stored blob and what inspection found in it.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = blobs)]
pub struct BlobRow {
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub taken_at: Option<NaiveDateTime>,
    pub gps_lat: Option<f64>,
    pub gps_lng: Option<f64>,
    pub camera: Option<String>,
    pub orientation: i32,
    pub has_exif: bool,
    pub derivatives: String,
    pub created_at: NaiveDateTime,
}

/// One completed upload.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = files)]
pub struct FileRow {
    pub id: String,
    pub sha256: String,
    pub uploaded_by: String,
    pub device_id: Option<String>,
    pub filename: Option<String>,
    pub received_at: NaiveDateTime,
}

/// A resumable upload. Its offset is `received`: the end of its last part.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads)]
pub struct UploadRow {
    pub id: String,
    pub owner_id: String,
    pub device_id: Option<String>,
    pub length: i64,
    pub sha256: String,
    pub filename: Option<String>,
    pub claim_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub file_id: Option<String>,
    pub received: i64,
}

/// A chunk of a resumable upload, stored in the blob store under `object_key`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = upload_parts)]
pub struct PartRow {
    pub upload_id: String,
    pub start_offset: i64,
    pub length: i64,
    pub object_key: String,
}

/// Makes `part` the upload's next: only if the upload still stands at the part's start and has
/// made no file. `Err(received)` with where it stands if another writer got there first.
pub fn add_part(conn: &mut DbConnection, part: &PartRow) -> StoreResult<Result<(), i64>> {
    let end = part
        .start_offset
        .checked_add(part.length)
        .ok_or_else(|| StoreError::corrupt(anyhow::anyhow!("a part ends past any offset")))?;
    let moved = diesel::update(
        uploads::table
            .find(&part.upload_id)
            .filter(uploads::received.eq(part.start_offset))
            .filter(uploads::file_id.is_null()),
    )
    .set(uploads::received.eq(end))
    .execute(conn)?;
    if moved == 0 {
        let received: Option<i64> =
            uploads::table.find(&part.upload_id).select(uploads::received).first(conn).optional()?;
        return Ok(Err(received.unwrap_or(part.start_offset)));
    }
    diesel::insert_into(upload_parts::table).values(part).execute(conn)?;
    Ok(Ok(()))
}

/// An upload's parts, in order.
pub fn upload_parts(conn: &mut DbConnection, upload: &str) -> StoreResult<Vec<PartRow>> {
    Ok(upload_parts::table
        .filter(upload_parts::upload_id.eq(upload))
        .order(upload_parts::start_offset.asc())
        .select(PartRow::as_select())
        .load(conn)?)
}

/// Forgets a completed upload's parts (their objects are removed first).
pub fn delete_parts(conn: &mut DbConnection, upload: &str) -> StoreResult<()> {
    diesel::delete(upload_parts::table.filter(upload_parts::upload_id.eq(upload))).execute(conn)?;
    Ok(())
}

pub fn insert_upload(conn: &mut DbConnection, row: &UploadRow) -> StoreResult<()> {
    diesel::insert_into(uploads::table).values(row).execute(conn)?;
    Ok(())
}

/// The caller's upload; anyone else's is `not_found`.
pub fn own_upload(conn: &mut DbConnection, owner: &str, id: &str) -> StoreResult<UploadRow> {
    uploads::table
        .find(id)
        .filter(uploads::owner_id.eq(owner))
        .select(UploadRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NoSuchUpload)
}

pub fn delete_upload(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    delete_parts(conn, id)?;
    diesel::delete(uploads::table.find(id)).execute(conn)?;
    Ok(())
}

/// Uploads past their expiry, oldest first.
pub fn expired_uploads(conn: &mut DbConnection, at: NaiveDateTime, limit: i64) -> StoreResult<Vec<String>> {
    Ok(uploads::table
        .filter(uploads::expires_at.lt(at))
        .order(uploads::expires_at.asc())
        .limit(limit)
        .select(uploads::id)
        .load(conn)?)
}

/// Which of `ids` are resumable uploads still on record.
pub fn live_uploads_among(conn: &mut DbConnection, ids: &[String]) -> StoreResult<Vec<String>> {
    let mut live = Vec::new();
    for chunk in ids.chunks(500) {
        live.extend(
            uploads::table.filter(uploads::id.eq_any(chunk)).select(uploads::id).load::<String>(conn)?,
        );
    }
    Ok(live)
}

/// Bytes the user holds that no claim uses: their files attached to no claim, and their resumable
/// uploads still open (at their declared length).
pub fn unattached_bytes(conn: &mut DbConnection, user: &str) -> StoreResult<i64> {
    let attached = claim_evidence::table.select(claim_evidence::evidence_id);
    let signatures = cost_sheets::table
        .filter(cost_sheets::signature_file_id.is_not_null())
        .select(cost_sheets::signature_file_id.assume_not_null());
    let files: Vec<i64> = files::table
        .inner_join(blobs::table.on(blobs::sha256.eq(files::sha256)))
        .filter(files::uploaded_by.eq(user))
        .filter(diesel::dsl::not(files::id.eq_any(attached)))
        .filter(diesel::dsl::not(files::id.eq_any(signatures)))
        .select(blobs::size)
        .load(conn)?;
    let open: Vec<i64> = uploads::table
        .filter(uploads::owner_id.eq(user))
        .filter(uploads::file_id.is_null())
        .select(uploads::length)
        .load(conn)?;
    Ok(files.iter().chain(&open).fold(0i64, |sum, n| sum.saturating_add(*n)))
}

/// Records a verified blob (once, whoever stored it first) and a file for this upload of it.
/// Two people finishing the same bytes at once is fine: the second blob insert is a no-op.
pub fn record_file(
    conn: &mut DbConnection,
    blob: &BlobRow,
    file: &FileRow,
    upload_id: Option<&str>,
) -> StoreResult<()> {
    let inserted = conn.transaction(|c| diesel::insert_into(blobs::table).values(blob).execute(c));
    match inserted {
        Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
        Err(other) => return Err(other.into()),
    }
    diesel::insert_into(files::table).values(file).execute(conn)?;
    if let Some(id) = upload_id {
        let made = diesel::update(uploads::table.find(id).filter(uploads::file_id.is_null()))
            .set(uploads::file_id.eq(&file.id))
            .execute(conn)?;
        if made == 0 {
            // Another server completed this upload a moment ago (or it was abandoned): this
            // transaction's file row goes, and the client asks again to learn that one's file.
            return Err(StoreError::Busy);
        }
    }
    Ok(())
}

pub fn blob(conn: &mut DbConnection, sha256: &str) -> StoreResult<Option<BlobRow>> {
    Ok(blobs::table.find(sha256).select(BlobRow::as_select()).first(conn).optional()?)
}

/// A file with its blob.
pub fn file(conn: &mut DbConnection, id: &str) -> StoreResult<(FileRow, BlobRow)> {
    files::table
        .inner_join(blobs::table)
        .filter(files::id.eq(id))
        .select((FileRow::as_select(), BlobRow::as_select()))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NoSuchFile(None))
}

/// The files among `ids` that `user` uploaded, with their blobs.
pub fn own_files(
    conn: &mut DbConnection,
    user: &str,
    ids: &[String],
) -> StoreResult<Vec<(FileRow, BlobRow)>> {
    Ok(files::table
        .inner_join(blobs::table)
        .filter(files::id.eq_any(ids))
        .filter(files::uploaded_by.eq(user))
        .select((FileRow::as_select(), BlobRow::as_select()))
        .load(conn)?)
}

/// The newest file of these bytes that `user` uploaded, if any.
pub fn own_file_by_hash(conn: &mut DbConnection, user: &str, sha256: &str) -> StoreResult<Option<FileRow>> {
    Ok(files::table
        .filter(files::sha256.eq(sha256))
        .filter(files::uploaded_by.eq(user))
        .order(files::received_at.desc())
        .select(FileRow::as_select())
        .first(conn)
        .optional()?)
}

/// The file with these bytes that `user` uploaded from the enrolled phone `device`, if any.
pub fn device_file_by_hash(
    conn: &mut DbConnection,
    user: &str,
    device: &str,
    sha256: &str,
) -> StoreResult<Option<FileRow>> {
    Ok(files::table
        .filter(files::sha256.eq(sha256))
        .filter(files::uploaded_by.eq(user))
        .filter(files::device_id.eq(device))
        .order(files::received_at.desc())
        .select(FileRow::as_select())
        .first(conn)
        .optional()?)
}

/// Checks that every id names a file `user` uploaded: evidence is attached by the person who
/// uploaded it. The first that is not is `file_not_found`, naming it.
pub fn require_own_files<'a>(
    conn: &mut DbConnection,
    user: &str,
    ids: impl IntoIterator<Item = &'a String>,
) -> StoreResult<()> {
    for id in ids {
        let owned = files::table
            .filter(files::id.eq(id))
            .filter(files::uploaded_by.eq(user))
            .count()
            .get_result::<i64>(conn)?;
        if owned == 0 {
            return Err(StoreError::NoSuchFile(Some(id.clone())));
        }
    }
    Ok(())
}

/// Bytes of evidence attached to a claim.
pub fn claim_usage(conn: &mut DbConnection, claim_id: &str) -> StoreResult<i64> {
    let sizes: Vec<i64> = claim_evidence::table
        .inner_join(files::table.inner_join(blobs::table))
        .filter(claim_evidence::claim_id.eq(claim_id))
        .select(blobs::size)
        .load(conn)?;
    Ok(sizes.into_iter().sum())
}

/// The claims a file is attached to.
pub fn claims_of_file(conn: &mut DbConnection, file_id: &str) -> StoreResult<Vec<String>> {
    Ok(claim_evidence::table
        .filter(claim_evidence::evidence_id.eq(file_id))
        .select(claim_evidence::claim_id)
        .load(conn)?)
}

/// Of these blobs, those also attached to a claim other than `claim_id`.
pub fn reused_elsewhere(
    conn: &mut DbConnection,
    claim_id: &str,
    hashes: &[String],
) -> StoreResult<HashSet<String>> {
    Ok(claim_evidence::table
        .inner_join(files::table)
        .filter(claim_evidence::claim_id.ne(claim_id))
        .filter(files::sha256.eq_any(hashes))
        .select(files::sha256)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Blobs still waiting for their thumbnail and preview.
/// How many blobs wait for their derivatives.
pub fn count_pending_derivatives(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(blobs::table.filter(blobs::derivatives.eq("pending")).count().get_result(conn)?)
}

pub fn pending_derivatives(conn: &mut DbConnection, limit: i64) -> StoreResult<Vec<BlobRow>> {
    Ok(blobs::table
        .filter(blobs::derivatives.eq("pending"))
        .order(blobs::created_at.asc())
        .limit(limit)
        .select(BlobRow::as_select())
        .load(conn)?)
}

pub fn set_derivatives(conn: &mut DbConnection, sha256: &str, state: &str) -> StoreResult<()> {
    diesel::update(blobs::table.find(sha256)).set(blobs::derivatives.eq(state)).execute(conn)?;
    Ok(())
}

/// When an upload made now expires.
pub fn expiry_from_now(hours: u64) -> NaiveDateTime {
    now() + chrono::Duration::hours(i64::try_from(hours).unwrap_or(24))
}

/// One piece of evidence on a claim: a file, its kind, what it documents, and what the device said.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = claim_evidence)]
pub struct EvidenceRow {
    pub claim_id: String,
    pub evidence_id: String,
    pub kind: String,
    pub attached_by: String,
    pub attached_at: NaiveDateTime,
    pub visit_id: Option<String>,
    pub cost_sheet_id: Option<String>,
    pub line_no: Option<i32>,
    pub reported_taken_at: Option<NaiveDateTime>,
    pub reported_lat: Option<f64>,
    pub reported_lng: Option<f64>,
}

/// Attaches evidence; returns false when this file is already on the claim (nothing changes).
pub fn attach(conn: &mut DbConnection, row: &EvidenceRow) -> StoreResult<bool> {
    let exists =
        claim_evidence::table.find((&row.claim_id, &row.evidence_id)).count().get_result::<i64>(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(claim_evidence::table).values(row).execute(conn)?;
    Ok(true)
}

/// A claim's evidence with files and blobs, in the order attached.
pub fn evidence_detail(
    conn: &mut DbConnection,
    claim_id: &str,
) -> StoreResult<Vec<(EvidenceRow, FileRow, BlobRow)>> {
    Ok(claim_evidence::table
        .inner_join(files::table.inner_join(blobs::table))
        .filter(claim_evidence::claim_id.eq(claim_id))
        .order(claim_evidence::attached_at.asc())
        .select((EvidenceRow::as_select(), FileRow::as_select(), BlobRow::as_select()))
        .load(conn)?)
}
