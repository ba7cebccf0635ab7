//! Evidence files as the use cases see them: who may see a file, the claim's storage quota,
//! what a file is, and short-lived signed links for `<img>` tags. The bytes themselves stream
//! through `api::files` (tus and one-request uploads) into `media`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::claims as claims_db;
use crate::db::files::{self as db, BlobRow, FileRow};
use crate::db::{fund as fund_db, DbConnection};
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::media::store::Variant;
use crate::messages::Code;
use crate::service::policy::{self, Caller};
use crate::state::AppState;

fn utc(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

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
