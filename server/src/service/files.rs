//! Evidence files as the use cases see them: who may see a file, the claim's storage quota,
//! what a file is, and short-lived signed links for `<img>` tags. A one-request upload streams
//! here ([`store_plain`]); the tus protocol's chunks stream through `api::files` into `media`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::accounts::{new_id, now};
use crate::db::claims as claims_db;
use crate::db::files::{self as db, BlobRow, FileRow};
use crate::db::{fund as fund_db, DbConnection};
use crate::domain::ids::{FileId, UploadId};
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::media::store::{is_sha256_hex, Variant};
use crate::messages::Code;
use crate::service::parse_id;
use crate::service::policy::{self, Caller};
use crate::service::utc;
use crate::state::AppState;

/// The claim's evidence so far plus `extra` bytes must fit its quota.
pub fn check_quota(conn: &mut DbConnection, claim_id: &str, extra: u64, quota: u64) -> AppResult<()> {
    let used = u64::try_from(db::claim_usage(conn, claim_id)?).unwrap_or(0);
    if used.saturating_add(extra) > quota {
        return Err(AppError::new(Code::ClaimQuotaExceeded).detail(quota.to_string()));
    }
    Ok(())
}

/// A stored file: its bytes' identity and what inspection found.
#[derive(Serialize, ToSchema)]
pub struct FileView {
    pub id: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub filename: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// From the file's EXIF, if any.
    pub exif: Option<ExifView>,
    /// `none` (documents), `pending`, `ready` or `failed`.
    pub derivatives: String,
    pub uploaded_by: String,
    pub device_id: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// What the photo's EXIF says.
#[derive(Serialize, ToSchema)]
pub struct ExifView {
    pub taken_at: Option<DateTime<Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub camera: Option<String>,
}

impl FileView {
    pub fn new(file: FileRow, blob: BlobRow) -> FileView {
        let exif = blob.has_exif.then(|| ExifView {
            taken_at: blob.taken_at.map(utc),
            latitude: blob.gps_lat,
            longitude: blob.gps_lng,
            camera: blob.camera.clone(),
        });
        FileView {
            id: file.id,
            sha256: blob.sha256,
            size: blob.size,
            media_type: blob.media_type,
            filename: file.filename,
            width: blob.width,
            height: blob.height,
            exif,
            derivatives: blob.derivatives,
            uploaded_by: file.uploaded_by,
            device_id: file.device_id,
            received_at: utc(file.received_at),
        }
    }
}

/// The file if the caller may see it: its uploader, an administrator, anyone who may see a claim
/// it is attached to, or anyone who may see a deposit notice it supports. Otherwise `not_found`.
pub fn visible_file(conn: &mut DbConnection, user: &Caller, id: &str) -> AppResult<(FileRow, BlobRow)> {
    let not_found = || AppError::new(Code::NotFound);
    let (file, blob) = db::file(conn, id).map_err(|_| not_found())?;
    if file.uploaded_by == user.id || user.role == Role::Admin {
        return Ok((file, blob));
    }
    let scope = policy::claim_scope(conn, user)?;
    for claim in db::claims_of_file(conn, id)? {
        if claims_db::find_claim(conn, &scope, &claim).is_ok() {
            return Ok((file, blob));
        }
    }
    for building in fund_db::buildings_with_evidence(conn, id)? {
        if policy::building_in_scope(conn, user, &building).is_ok() {
            return Ok((file, blob));
        }
    }
    Err(not_found())
}

/// A signed link to a rendition, valid for the configured time.
pub fn signed_link(state: &AppState, file_id: &str, variant: Variant) -> String {
    let ttl = i64::try_from(state.config.file_link_ttl_secs).unwrap_or(300);
    let expires = Utc::now().timestamp() + ttl;
    let signature = state.media.link_signature(file_id, variant, expires);
    format!(
        "/api/v1/files/{file_id}/signed?variant={}&expires={expires}&signature={signature}",
        variant.as_str()
    )
}

/// A resumable upload as its owner sees it.
#[derive(Clone, Debug)]
pub struct Upload {
    pub id: String,
    pub length: u64,
    pub sha256: String,
    pub filename: Option<String>,
    pub device_id: Option<String>,
    pub expires_at: chrono::NaiveDateTime,
    /// The file it made, once complete.
    pub file_id: Option<String>,
}

impl Upload {
    fn from_row(row: db::UploadRow) -> AppResult<Upload> {
        Ok(Upload {
            length: u64::try_from(row.length).map_err(AppError::internal)?,
            id: row.id,
            sha256: row.sha256,
            filename: row.filename,
            device_id: row.device_id,
            expires_at: row.expires_at,
            file_id: row.file_id,
        })
    }
}

/// A filename as a client gives it: trimmed, at most 255 characters, and no control characters
/// (a CR or LF would break the `Content-Disposition` of every download); none when empty.
pub fn filename(raw: Option<&str>, field: &str) -> AppResult<Option<String>> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().any(char::is_control) || name.chars().count() > 255 {
        return Err(AppError::invalid(field));
    }
    Ok(Some(name.to_string()))
}

/// What a client declares when it starts a resumable upload (tus creation).
pub struct NewUpload {
    pub length: u64,
    /// Lowercase hex SHA-256 of the whole file; required.
    pub sha256: Option<String>,
    pub filename: Option<String>,
    /// The claim it is for: access and the claim's quota are checked now rather than at the end.
    pub claim_id: Option<String>,
    /// The caller's enrolled phone it comes from.
    pub device_id: Option<String>,
}

/// Refuses `extra` more bytes to a user whose files attached to no claim, and open uploads,
/// would then pass their quota: what nobody uses must not fill the disk.
pub fn check_unattached_in(conn: &mut DbConnection, user: &str, extra: u64, quota: u64) -> AppResult<()> {
    let held = u64::try_from(db::unattached_bytes(conn, user)?).unwrap_or(0);
    if held.saturating_add(extra) > quota {
        return Err(AppError::new(Code::UserQuotaExceeded).detail(quota.to_string()));
    }
    Ok(())
}

/// The same, for a one-request upload of `extra` bytes.
pub async fn check_unattached(state: &AppState, caller: &Caller, extra: u64) -> AppResult<()> {
    let (user, quota) = (caller.id.clone(), state.config.unattached_quota_bytes);
    state.db.read(move |conn| check_unattached_in(conn, &user, extra, quota)).await
}

/// Starts a resumable upload for the caller.
pub async fn start_upload(state: &AppState, caller: &Caller, new: NewUpload) -> AppResult<Upload> {
    let max = state.config.max_file_bytes;
    if new.length == 0 {
        return Err(AppError::invalid("Upload-Length"));
    }
    if new.length > max {
        return Err(AppError::new(Code::FileTooLarge).detail(max.to_string()));
    }
    let sha256 =
        new.sha256.filter(|h| is_sha256_hex(h)).ok_or_else(|| AppError::invalid("Upload-Metadata.sha256"))?;
    let filename = filename(new.filename.as_deref(), "Upload-Metadata.filename")?;
    let claim_id = new.claim_id.as_deref().map(parse_id).transpose()?;
    let quota = state.config.claim_quota_bytes;
    let unattached_quota = state.config.unattached_quota_bytes;
    let row = db::UploadRow {
        id: new_id(),
        owner_id: caller.id.clone(),
        device_id: None,
        length: i64::try_from(new.length).map_err(AppError::internal)?,
        sha256,
        filename,
        claim_id,
        created_at: now(),
        expires_at: db::expiry_from_now(state.config.upload_expiry_hours),
        file_id: None,
    };
    let (user, device, length) = (caller.clone(), new.device_id, new.length);
    let row = state
        .db
        .write(move |conn| {
            let mut row = row;
            row.device_id = crate::service::devices::own_device(conn, &user, device.as_deref())?;
            check_unattached_in(conn, &user.id, length, unattached_quota)?;
            if let Some(claim) = &row.claim_id {
                policy::visible_claim(conn, &user, claim)?;
                check_quota(conn, claim, length, quota)?;
            }
            db::insert_upload(conn, &row)?;
            Ok(row)
        })
        .await?;
    Upload::from_row(row)
}

/// One of the caller's uploads, whatever its state.
pub async fn own_upload(state: &AppState, caller: &Caller, id: &UploadId) -> AppResult<Upload> {
    let (owner, id) = (caller.id.clone(), id.to_string());
    Upload::from_row(state.db.read(move |conn| db::own_upload(conn, &owner, &id)).await?)
}

/// One of the caller's uploads that can still take bytes or report its file: `upload_expired` once
/// an unfinished one has passed its expiry.
pub async fn live_upload(state: &AppState, caller: &Caller, id: &UploadId) -> AppResult<Upload> {
    let upload = own_upload(state, caller, id).await?;
    if upload.expires_at < now() && upload.file_id.is_none() {
        return Err(AppError::new(Code::UploadExpired));
    }
    Ok(upload)
}

/// Forgets an upload (abandoned, or refused at its end); a file it made stays.
pub async fn forget_upload(state: &AppState, id: &str) -> AppResult<()> {
    let id = id.to_string();
    state.db.write(move |conn| db::delete_upload(conn, &id)).await
}

/// The caller's phone, checked, for a one-request upload.
pub async fn upload_device(
    state: &AppState,
    caller: &Caller,
    device_id: Option<String>,
) -> AppResult<Option<String>> {
    let user = caller.clone();
    state.db.read(move |conn| crate::service::devices::own_device(conn, &user, device_id.as_deref())).await
}

/// A file the caller may see (see [`visible_file`]).
pub async fn file(state: &AppState, caller: &Caller, id: &FileId) -> AppResult<FileView> {
    let (user, id) = (caller.clone(), id.to_string());
    let (file, blob) = state.db.read(move |conn| visible_file(conn, &user, &id)).await?;
    Ok(FileView::new(file, blob))
}

/// A file by a signed link: the link is the permission, checked before anything is read.
pub async fn file_by_link(
    state: &AppState,
    id: &FileId,
    variant: Variant,
    expires: i64,
    signature: &str,
) -> AppResult<FileView> {
    let id = id.to_string();
    let valid =
        expires >= Utc::now().timestamp() && state.media.verify_link(&id, variant, expires, signature);
    if !valid {
        return Err(AppError::new(Code::LinkInvalid));
    }
    let (file, blob) = state.db.read(move |conn| db::file(conn, &id)).await?;
    Ok(FileView::new(file, blob))
}

/// What a one-request upload declares beside its bytes.
pub struct PlainUpload {
    /// Lowercase hex SHA-256 the client computed; the upload is refused if the bytes differ.
    pub sha256: Option<String>,
    pub filename: Option<String>,
    /// The caller's enrolled phone it comes from.
    pub device_id: Option<String>,
    /// The length the client announced, checked against the caller's quota before any byte.
    pub declared: Option<u64>,
}

/// Stores a file sent whole in one request, for the API's `POST /files` and the pages' upload
/// forms alike: the name, the device and the caller's quota are checked before any byte is kept;
/// the bytes stream to a staging file, hashed as they arrive, never whole in memory; the file
/// becomes a blob only when its size, hash and sniffed type pass (`media`).
pub async fn store_plain<S, C, E>(
    state: &AppState,
    caller: &Caller,
    new: PlainUpload,
    mut body: S,
) -> AppResult<FileView>
where
    S: futures_util::Stream<Item = Result<C, E>> + Unpin,
    C: AsRef<[u8]>,
{
    use futures_util::StreamExt;
    use sha2::{Digest, Sha256};
    use std::io::Write;

    let expected = new.sha256.map(|h| h.to_ascii_lowercase());
    if expected.as_ref().is_some_and(|h| !is_sha256_hex(h)) {
        return Err(AppError::invalid("sha256"));
    }
    // Checked before any byte is stored, so that a refused name leaves nothing behind.
    let filename = filename(new.filename.as_deref(), "filename")?;
    let device_id = upload_device(state, caller, new.device_id).await?;
    let limit = state.config.plain_upload_max_bytes.min(state.config.max_file_bytes);
    check_unattached(state, caller, new.declared.unwrap_or(0)).await?;
    let staged = crate::media::StagingFile(state.media.staging_path(&uuid::Uuid::now_v7().to_string()));
    let path = staged.0.clone();
    let streamed = async {
        let mut file = std::fs::File::create(&path).map_err(AppError::internal)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| AppError::new(Code::UploadInterrupted))?;
            let chunk = chunk.as_ref();
            size += chunk.len() as u64;
            if size > limit {
                return Err(AppError::new(Code::FileTooLarge).detail(limit.to_string()));
            }
            file.write_all(chunk).map_err(AppError::internal)?;
            hasher.update(chunk);
        }
        if size == 0 {
            return Err(AppError::invalid("body"));
        }
        Ok((hex::encode(hasher.finalize()), size))
    }
    .await;
    let (hash, size) = streamed?;
    check_unattached(state, caller, size).await?;
    let from = crate::media::Provenance { user_id: caller.id.clone(), device_id, filename };
    let (file, blob) = state.media.finish(&state.db, path, expected, Some(hash), from, None).await?;
    Ok(FileView::new(file, blob))
}
