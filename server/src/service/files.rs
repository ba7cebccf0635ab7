//! Evidence files as the use cases see them: who may see a file, the claim's storage quota,
//! what a file is, and short-lived signed links for `<img>` tags. A one-request upload streams
//! here ([`store_plain`]), as do the chunks of resumable uploads ([`append_chunk`]), which any
//! server may continue: their offset is in the database and their parts in the blob store.

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
use crate::service::Context;

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
pub fn signed_link(ctx: &Context, file_id: &str, variant: Variant) -> String {
    let ttl = i64::try_from(ctx.limits.file_link_ttl_secs).unwrap_or(300);
    let expires = Utc::now().timestamp() + ttl;
    let signature = ctx.media.link_signature(file_id, variant, expires);
    format!(
        "/api/v1/files/{file_id}/signed?variant={}&expires={expires}&signature={signature}",
        variant.as_str()
    )
}

/// A file the caller uploaded for a form that was then refused: kept, shown again, removable.
pub struct KeptFile {
    pub id: String,
    pub filename: Option<String>,
    /// A signed link to its thumbnail, once made (a document has none).
    pub thumbnail: Option<String>,
}

/// The most files a refused form keeps.
pub const KEPT_FILES: usize = 100;

/// The caller's own files among `ids`, in their order; another's or none is left out, so a form
/// cannot show a file its reader may not see.
pub async fn kept(ctx: &Context, caller: &Caller, ids: Vec<String>) -> AppResult<Vec<KeptFile>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let user = caller.id.clone();
    let ids: Vec<String> = ids.into_iter().take(KEPT_FILES).collect();
    let found = ctx.db.read(move |conn| db::own_files(conn, &user, &ids).map(|f| (ids, f))).await?;
    let (ids, found) = found;
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|(f, _)| &f.id == id))
        .map(|(file, blob)| KeptFile {
            id: file.id.clone(),
            filename: file.filename.clone(),
            thumbnail: (blob.derivatives == "ready").then(|| signed_link(ctx, &file.id, Variant::Thumbnail)),
        })
        .collect())
}

/// A resumable upload as its owner sees it.
#[derive(Clone, Debug)]
pub struct Upload {
    pub id: String,
    pub owner_id: String,
    pub length: u64,
    pub sha256: String,
    pub filename: Option<String>,
    pub device_id: Option<String>,
    pub expires_at: chrono::NaiveDateTime,
    /// The file it made, once complete.
    pub file_id: Option<String>,
    /// How many bytes have arrived: the offset the next chunk starts at.
    pub received: u64,
}

impl Upload {
    /// Where the next chunk starts: what has arrived, or the whole length once the file is made.
    pub fn offset(&self) -> u64 {
        if self.file_id.is_some() {
            self.length
        } else {
            self.received
        }
    }

    fn from_row(row: db::UploadRow) -> AppResult<Upload> {
        Ok(Upload {
            length: u64::try_from(row.length).map_err(AppError::internal)?,
            id: row.id,
            owner_id: row.owner_id,
            sha256: row.sha256,
            filename: row.filename,
            device_id: row.device_id,
            expires_at: row.expires_at,
            file_id: row.file_id,
            received: u64::try_from(row.received).map_err(AppError::internal)?,
        })
    }
}

/// A filename as a client gives it: trimmed, at most 255 characters, and no control characters
/// (a CR or LF would break the `Content-Disposition` of every download) and no bidirectional override
/// (`\u{202e}gnp.exe` shows as `exe.png`); none when empty.
pub fn filename(raw: Option<&str>, field: &str) -> AppResult<Option<String>> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().any(|c| c.is_control() || crate::service::is_bidi_control(c))
        || name.chars().count() > 255
    {
        return Err(AppError::invalid(field));
    }
    Ok(Some(name.to_string()))
}

/// An error of a request body as it streams in: the server's deadline for a slow sender running
/// out (`408 body_timeout`), or anything else cutting it off (the connection dropped).
pub trait BodyError {
    fn timed_out(&self) -> bool;
}

/// The refusal of a body cut off as it arrived: too slow, or dropped.
fn cut_off(timed_out: bool) -> AppError {
    AppError::new(if timed_out { Code::BodyTimeout } else { Code::UploadInterrupted })
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
pub async fn check_unattached(ctx: &Context, caller: &Caller, extra: u64) -> AppResult<()> {
    let (user, quota) = (caller.id.clone(), ctx.limits.unattached_quota_bytes);
    ctx.db.read(move |conn| check_unattached_in(conn, &user, extra, quota)).await
}

/// Starts a resumable upload for the caller.
pub async fn start_upload(ctx: &Context, caller: &Caller, new: NewUpload) -> AppResult<Upload> {
    let max = ctx.limits.max_file_bytes;
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
    let quota = ctx.limits.claim_quota_bytes;
    let unattached_quota = ctx.limits.unattached_quota_bytes;
    let row = db::UploadRow {
        id: new_id(),
        owner_id: caller.id.clone(),
        device_id: None,
        length: i64::try_from(new.length).map_err(AppError::internal)?,
        sha256,
        filename,
        claim_id,
        created_at: now(),
        expires_at: db::expiry_from_now(ctx.limits.upload_expiry_hours),
        file_id: None,
        received: 0,
    };
    let (user, device, length) = (caller.clone(), new.device_id, new.length);
    let row = ctx
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
            Ok::<_, AppError>(row)
        })
        .await?;
    Upload::from_row(row)
}

/// One of the caller's uploads, whatever its state.
pub async fn own_upload(ctx: &Context, caller: &Caller, id: &UploadId) -> AppResult<Upload> {
    let (owner, id) = (caller.id.clone(), id.to_string());
    Upload::from_row(ctx.db.read(move |conn| db::own_upload(conn, &owner, &id)).await?)
}

/// One of the caller's uploads that can still take bytes or report its file: `upload_expired` once
/// an unfinished one has passed its expiry.
pub async fn live_upload(ctx: &Context, caller: &Caller, id: &UploadId) -> AppResult<Upload> {
    let upload = own_upload(ctx, caller, id).await?;
    if upload.expires_at < now() && upload.file_id.is_none() {
        return Err(AppError::new(Code::UploadExpired));
    }
    Ok(upload)
}

/// Abandons one of the caller's uploads (tus termination): its parts go; a file it made stays.
pub async fn terminate_upload(ctx: &Context, caller: &Caller, id: &UploadId) -> AppResult<()> {
    let upload = own_upload(ctx, caller, id).await?;
    ctx.media.forget_upload(&ctx.db, &upload.id).await
}

/// Where one of the caller's live uploads stands (tus HEAD). An upload whose bytes have all
/// arrived but whose file was never made (the server putting it together died) is completed
/// now, so the client learns its file.
pub async fn upload_status(ctx: &Context, caller: &Caller, id: &UploadId) -> AppResult<Upload> {
    let mut upload = live_upload(ctx, caller, id).await?;
    if upload.file_id.is_none() && upload.received == upload.length {
        upload.file_id = complete(ctx, &upload).await?.file_id;
    }
    Ok(upload)
}

/// A chunk as the client announces it (tus PATCH).
pub struct Chunk {
    /// Where it starts (`Upload-Offset`).
    pub offset: u64,
    /// The SHA-256 the client says it has (`Upload-Checksum`): a chunk that does not match is
    /// discarded whole.
    pub checksum: Option<Vec<u8>>,
    /// Its `Content-Length`, if announced.
    pub declared: Option<u64>,
}

/// Where an upload stands after a chunk.
pub struct Appended {
    pub offset: u64,
    pub expires_at: chrono::NaiveDateTime,
    /// The file, when this chunk completed the upload.
    pub file_id: Option<String>,
}

/// Appends a chunk to one of the caller's uploads, from any server: the bytes are staged on this
/// server's disk as they arrive, stored as a part in the blob store, and become the upload's only
/// when the database moves its offset from the chunk's start to its end. So a chunk that does not
/// start at the offset is refused (409), two writers cannot both add one, and a server that dies
/// mid-chunk adds nothing. Without a checksum, the bytes that arrived before a cut connection are
/// kept and the client resumes after them. The last chunk completes the upload (see [`complete`]).
pub async fn append_chunk<S, C, E>(
    ctx: &Context,
    caller: &Caller,
    id: &UploadId,
    chunk: Chunk,
    mut body: S,
) -> AppResult<Appended>
where
    S: futures_util::Stream<Item = Result<C, E>> + Unpin,
    C: AsRef<[u8]>,
    E: BodyError,
{
    use futures_util::StreamExt;
    use sha2::{Digest, Sha256};
    use std::io::Write;

    let upload = live_upload(ctx, caller, id).await?;
    let (length, expires_at) = (upload.length, upload.expires_at);
    let current = upload.offset();
    if chunk.offset != current {
        return Err(AppError::new(Code::UploadOffsetMismatch).detail(current.to_string()));
    }
    // Checked: a declared length near u64::MAX must not wrap past the bound.
    if chunk.declared.is_some_and(|n| current.checked_add(n).is_none_or(|end| end > length)) {
        return Err(AppError::new(Code::UploadExceedsLength));
    }
    if upload.file_id.is_some() {
        return Ok(Appended { offset: length, expires_at, file_id: None });
    }
    if current == length {
        return complete(ctx, &upload).await;
    }
    let room = length - current;
    let staged = ctx.media.staging_file("chunk");
    let mut file = std::fs::File::create(&staged.0).map_err(AppError::internal)?;
    let mut chunk_hash = chunk.checksum.as_ref().map(|_| Sha256::new());
    let (mut written, mut cut) = (0u64, None);
    while let Some(piece) = body.next().await {
        let piece = match piece {
            Ok(piece) => piece,
            Err(e) => {
                cut = Some(e.timed_out());
                break;
            }
        };
        let piece = piece.as_ref();
        if written + piece.len() as u64 > room {
            return Err(AppError::new(Code::UploadExceedsLength));
        }
        file.write_all(piece).map_err(AppError::internal)?;
        if let Some(hasher) = chunk_hash.as_mut() {
            hasher.update(piece);
        }
        written += piece.len() as u64;
        ctx.metrics.upload_bytes(piece.len());
    }
    if let (Some(expected), Some(hasher)) = (&chunk.checksum, chunk_hash) {
        if cut == Some(true) {
            return Err(cut_off(true));
        }
        if cut.is_some() || hasher.finalize().as_slice() != expected.as_slice() {
            return Err(AppError::new(Code::ChecksumMismatch));
        }
    }
    drop(file);
    if written > 0 {
        let key = crate::media::store::part_key(&upload.id, current).map_err(AppError::internal)?;
        ctx.media.store.put_part(&key, &staged.0).await.map_err(AppError::internal)?;
        let part = db::PartRow {
            upload_id: upload.id.clone(),
            start_offset: i64::try_from(current).map_err(AppError::internal)?,
            length: i64::try_from(written).map_err(AppError::internal)?,
            object_key: key.clone(),
        };
        if let Err(received) = ctx.db.write(move |conn| db::add_part(conn, &part)).await? {
            ctx.media.store.remove_part(&key).await.map_err(AppError::internal)?;
            return Err(AppError::new(Code::UploadOffsetMismatch).detail(received.to_string()));
        }
    }
    if let Some(timed_out) = cut {
        return Err(cut_off(timed_out));
    }
    let offset = current + written;
    if offset < length {
        return Ok(Appended { offset, expires_at, file_id: None });
    }
    let mut upload = upload;
    upload.received = offset;
    complete(ctx, &upload).await
}

/// Puts an upload whose bytes have all arrived together from its parts, on this server's disk,
/// hashing as it goes, and makes its file (`media::Media::finish`: the hash, the inspection, the
/// blob). Refused bytes end the upload: the client starts again. Any server may do this, and two
/// doing it at once make one file (the second is told to ask again).
async fn complete(ctx: &Context, upload: &Upload) -> AppResult<Appended> {
    use sha2::{Digest, Sha256};

    let id = upload.id.clone();
    let parts = ctx.db.read(move |conn| db::upload_parts(conn, &id)).await?;
    let staged = ctx.media.staging_file("assembled");
    let mut out = tokio::fs::File::create(&staged.0).await.map_err(AppError::internal)?;
    let mut hasher = Sha256::new();
    let mut at = 0u64;
    for part in &parts {
        let copied = ctx
            .media
            .store
            .append_part(&part.object_key, &mut out, &mut hasher)
            .await
            .map_err(AppError::internal)?;
        if i64::try_from(at).ok() != Some(part.start_offset)
            || i64::try_from(copied).ok() != Some(part.length)
        {
            return Err(AppError::internal(anyhow::anyhow!("upload {} has a gap at {at}", upload.id)));
        }
        at += copied;
    }
    if at != upload.length {
        return Err(AppError::internal(anyhow::anyhow!("upload {} holds {at} bytes", upload.id)));
    }
    out.sync_all().await.map_err(AppError::internal)?;
    drop(out);
    let from = crate::media::Provenance {
        user_id: upload.owner_id.clone(),
        device_id: upload.device_id.clone(),
        filename: upload.filename.clone(),
    };
    let hash = hex::encode(hasher.finalize());
    let finished = ctx
        .media
        .finish(
            &ctx.db,
            staged.0.clone(),
            Some(upload.sha256.clone()),
            Some(hash),
            from,
            Some(upload.id.clone()),
        )
        .await;
    match finished {
        Ok((file, _)) => {
            ctx.media.store.remove_parts_of(&upload.id).await.map_err(AppError::internal)?;
            let id = upload.id.clone();
            ctx.db.write(move |conn| db::delete_parts(conn, &id)).await?;
            Ok(Appended { offset: upload.length, expires_at: upload.expires_at, file_id: Some(file.id) })
        }
        Err(err) if err.code == Code::UploadBusy => Err(err),
        Err(err) => {
            // Nothing partial becomes a blob: the upload is over and the client starts again.
            ctx.media.forget_upload(&ctx.db, &upload.id).await?;
            Err(err)
        }
    }
}

/// The caller's phone, checked, for a one-request upload.
pub async fn upload_device(
    ctx: &Context,
    caller: &Caller,
    device_id: Option<String>,
) -> AppResult<Option<String>> {
    let user = caller.clone();
    ctx.db.read(move |conn| crate::service::devices::own_device(conn, &user, device_id.as_deref())).await
}

/// A file the caller may see (see [`visible_file`]).
pub async fn file(ctx: &Context, caller: &Caller, id: &FileId) -> AppResult<FileView> {
    let (user, id) = (caller.clone(), id.to_string());
    let (file, blob) = ctx.db.read(move |conn| visible_file(conn, &user, &id)).await?;
    Ok(FileView::new(file, blob))
}

/// A file by a signed link: the link is the permission, checked before anything is read.
pub async fn file_by_link(
    ctx: &Context,
    id: &FileId,
    variant: Variant,
    expires: i64,
    signature: &str,
) -> AppResult<FileView> {
    let id = id.to_string();
    let valid = expires >= Utc::now().timestamp() && ctx.media.verify_link(&id, variant, expires, signature);
    if !valid {
        return Err(AppError::new(Code::LinkInvalid));
    }
    let (file, blob) = ctx.db.read(move |conn| db::file(conn, &id)).await?;
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
    ctx: &Context,
    caller: &Caller,
    new: PlainUpload,
    mut body: S,
) -> AppResult<FileView>
where
    S: futures_util::Stream<Item = Result<C, E>> + Unpin,
    C: AsRef<[u8]>,
    E: BodyError,
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
    let device_id = upload_device(ctx, caller, new.device_id).await?;
    let limit = ctx.limits.plain_upload_max_bytes.min(ctx.limits.max_file_bytes);
    check_unattached(ctx, caller, new.declared.unwrap_or(0)).await?;
    let staged = ctx.media.staging_file("plain");
    let path = staged.0.clone();
    let streamed = async {
        let mut file = std::fs::File::create(&path).map_err(AppError::internal)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| cut_off(e.timed_out()))?;
            let chunk = chunk.as_ref();
            size += chunk.len() as u64;
            if size > limit {
                return Err(AppError::new(Code::FileTooLarge).detail(limit.to_string()));
            }
            file.write_all(chunk).map_err(AppError::internal)?;
            hasher.update(chunk);
            ctx.metrics.upload_bytes(chunk.len());
        }
        if size == 0 {
            return Err(AppError::invalid("body"));
        }
        Ok((hex::encode(hasher.finalize()), size))
    }
    .await;
    let (hash, size) = streamed?;
    check_unattached(ctx, caller, size).await?;
    let from = crate::media::Provenance { user_id: caller.id.clone(), device_id, filename };
    let (file, blob) = ctx.media.finish(&ctx.db, path, expected, Some(hash), from, None).await?;
    Ok(FileView::new(file, blob))
}
