//! Evidence files over HTTP: resumable uploads speaking tus 1.0 (core, creation, checksum with
//! sha256, expiration, termination), a one-request upload for small files, and downloads for those
//! who may see them, by bearer token or by a short-lived signed link for `<img>` tags.
//!
//! Bytes stream to a staging file, never whole into memory. A file becomes a blob only when its
//! size and SHA-256 match what the client declared and its type, sniffed from the bytes, passes
//! inspection (see [`crate::media`]).

use std::fs::OpenOptions;
use std::io::Write;

use actix_files::NamedFile;
use actix_web::http::header::{self, DispositionType};
use actix_web::{delete, get, head, options, patch, post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::NaiveDateTime;
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::domain::ids::{FileId, UploadId};
use crate::error::{AppError, AppResult};
use crate::media::store::Variant;
use crate::media::{remove_staging, Provenance};
use crate::messages::Code;
use crate::service::files::{self, FileView, NewUpload, PlainUpload};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(tus_options)
        .service(create_upload)
        .service(upload_offset)
        .service(upload_chunk)
        .service(terminate_upload)
        .service(plain_upload)
        .service(get_file)
        .service(file_content)
        .service(signed_content);
}

const TUS_VERSION: &str = "1.0.0";

/// The tus version every tus request but OPTIONS names in `Tus-Resumable` (for the document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
enum TusResumable {
    #[serde(rename = "1.0.0")]
    V1,
}
const TUS_EXTENSIONS: &str = "creation,checksum,expiration,termination";

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// Every tus request but OPTIONS names the protocol version.
fn require_tus(req: &HttpRequest) -> AppResult<()> {
    match header(req, "Tus-Resumable") {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(AppError::new(Code::TusVersionUnsupported)),
    }
}

fn http_date(t: NaiveDateTime) -> String {
    t.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn upload_offset_of(path: &std::path::Path) -> AppResult<u64> {
    match std::fs::metadata(path) {
        Ok(meta) => Ok(meta.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(AppError::internal(e)),
    }
}

/// The server's tus capabilities. Public, as CORS preflights are.
#[utoipa::path(tag = "files", responses((status = 204, description = "Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm")))]
#[options("/uploads")]
async fn tus_options(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Tus-Resumable", TUS_VERSION))
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", TUS_EXTENSIONS))
        .insert_header(("Tus-Max-Size", state.config.max_file_bytes.to_string()))
        .insert_header(("Tus-Checksum-Algorithm", "sha256"))
        .finish()
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs.
fn parse_metadata(raw: Option<&str>) -> AppResult<Vec<(String, String)>> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else { return Ok(Vec::new()) };
    raw.split(',')
        .map(|pair| {
            let mut parts = pair.trim().splitn(2, ' ');
            let key = parts.next().unwrap_or_default().to_string();
            let value = match parts.next() {
                Some(v) => STANDARD
                    .decode(v.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| AppError::invalid("Upload-Metadata").detail(key.clone()))?,
                None => String::new(),
            };
            Ok((key, value))
        })
        .collect()
}

/// Starts a resumable upload (tus creation). Headers: `Upload-Length`, and `Upload-Metadata` with
/// `sha256` (lowercase hex of the whole file, required), and optionally `filename`, `claim_id`
/// (checks access and the claim's quota now rather than at the end) and `device_id`.
#[utoipa::path(tag = "files", params(("Tus-Resumable" = inline(TusResumable), Header), ("Upload-Length" = u64, Header, minimum = 1), ("Upload-Metadata" = String, Header, description = "sha256 (required), filename, claim_id, device_id; each key and its base64 value")), responses((status = 201, description = "Location of the upload, Upload-Expires"), (status = 413, description = "file_too_large"), (status = 412, description = "tus_version_unsupported")), security(("bearer" = [])))]
#[post("/uploads")]
async fn create_upload(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    if header(&req, "Upload-Defer-Length").is_some() {
        return Err(AppError::invalid("Upload-Defer-Length"));
    }
    let length: u64 = header(&req, "Upload-Length")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AppError::invalid("Upload-Length"))?;
    let metadata = parse_metadata(header(&req, "Upload-Metadata"))?;
    let meta = |key: &str| metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let new = NewUpload {
        length,
        sha256: meta("sha256"),
        filename: meta("filename"),
        claim_id: meta("claim_id"),
        device_id: meta("device_id"),
    };
    let row = files::start_upload(&state, &user, new).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Tus-Resumable", TUS_VERSION))
        .insert_header((header::LOCATION, format!("/api/v1/uploads/{}", row.id)))
        .insert_header(("Upload-Expires", http_date(row.expires_at)))
        .finish())
}

/// Where an upload stands (tus HEAD): `Upload-Offset` and `Upload-Length`; once complete,
/// `Baoxiu-File-Id` too, so a client whose last response was lost learns the file it made.
#[utoipa::path(tag = "files", params(("id" = String, Path), ("Tus-Resumable" = inline(TusResumable), Header)), responses((status = 412, description = "tus_version_unsupported: Tus-Resumable missing or not 1.0.0"), (status = 200, description = "Upload-Offset, Upload-Length"), (status = 404, description = "upload_not_found"), (status = 410, description = "upload_expired")), security(("bearer" = [])))]
#[head("/uploads/{id}")]
async fn upload_offset(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UploadId>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    let row = files::live_upload(&state, &user, &id).await?;
    let offset = match &row.file_id {
        Some(_) => row.length,
        None => upload_offset_of(&state.media.staging_path(&row.id))?,
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header(("Tus-Resumable", TUS_VERSION))
        .insert_header(("Upload-Offset", offset.to_string()))
        .insert_header(("Upload-Length", row.length.to_string()))
        .insert_header(("Upload-Expires", http_date(row.expires_at)))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(file_id) = &row.file_id {
        response.insert_header(("Baoxiu-File-Id", file_id.as_str()));
    }
    Ok(response.finish())
}

/// `Upload-Checksum: sha256 <base64>` → the expected digest.
fn chunk_checksum(req: &HttpRequest) -> AppResult<Option<Vec<u8>>> {
    let Some(raw) = header(req, "Upload-Checksum") else { return Ok(None) };
    let (algorithm, value) = raw.split_once(' ').ok_or_else(|| AppError::invalid("Upload-Checksum"))?;
    if !algorithm.eq_ignore_ascii_case("sha256") {
        return Err(AppError::new(Code::ChecksumAlgorithmUnsupported));
    }
    let digest = STANDARD.decode(value.trim()).map_err(|_| AppError::invalid("Upload-Checksum"))?;
    if digest.len() != 32 {
        return Err(AppError::invalid("Upload-Checksum"));
    }
    Ok(Some(digest))
}

/// Appends a chunk at `Upload-Offset` (tus PATCH). A chunk that does not start at the current offset
/// is refused (409), so chunks can neither overlap nor arrive out of order. With `Upload-Checksum`
/// a chunk that does not match is discarded whole (460); without one, the bytes that arrived before
/// a cut connection are kept and the client resumes from them. The last chunk completes the upload:
/// size, hash and type are checked before the blob exists, and the answer carries `Baoxiu-File-Id`.
#[utoipa::path(tag = "files", params(("id" = String, Path), ("Tus-Resumable" = inline(TusResumable), Header), ("Upload-Offset" = u64, Header, description = "where this chunk starts")), request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"), responses((status = 412, description = "tus_version_unsupported: Tus-Resumable missing or not 1.0.0"), (status = 204, description = "Upload-Offset; Baoxiu-File-Id when complete"), (status = 409, description = "upload_offset_mismatch"), (status = 460, description = "checksum_mismatch"), (status = 422, description = "hash_mismatch, corrupt_file, image_too_large"), (status = 415, description = "unsupported_file_type, heic_not_accepted")), security(("bearer" = [])))]
#[patch("/uploads/{id}")]
async fn upload_chunk(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UploadId>,
    req: HttpRequest,
    mut body: web::Payload,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    if header(&req, "Content-Type") != Some("application/offset+octet-stream") {
        return Err(AppError::new(Code::UnsupportedMediaType).detail("application/offset+octet-stream"));
    }
    let claimed: u64 = header(&req, "Upload-Offset")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AppError::invalid("Upload-Offset"))?;
    let checksum = chunk_checksum(&req)?;
    let row = files::live_upload(&state, &user, &id).await?;
    let length = row.length;
    let _lock = state.media.lock(&row.id)?;
    let path = state.media.staging_path(&row.id);
    let current = if row.file_id.is_some() { length } else { upload_offset_of(&path)? };
    if claimed != current {
        return Err(AppError::new(Code::UploadOffsetMismatch).detail(current.to_string()));
    }
    let declared: Option<u64> = header(&req, "Content-Length").and_then(|v| v.parse().ok());
    // Checked: a declared length near u64::MAX must not wrap past the bound.
    if declared.is_some_and(|n| current.checked_add(n).is_none_or(|end| end > length)) {
        return Err(AppError::new(Code::UploadExceedsLength));
    }
    let mut file = OpenOptions::new().create(true).append(true).open(&path).map_err(AppError::internal)?;
    let mut chunk_hash = checksum.as_ref().map(|_| Sha256::new());
    // The whole file's hash runs alongside; a refused chunk puts back the state before it.
    let before = state.media.take_hasher(&row.id, current);
    let mut whole = before.clone();
    let mut written = 0u64;
    let media = &state.media;
    let rewind = |file: &std::fs::File| {
        media.keep_hasher(&row.id, current, before.clone());
        file.set_len(current).map_err(AppError::internal)
    };
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(_) if checksum.is_none() => {
                // The connection was cut: keep what arrived, so the client can resume after it.
                file.sync_data().map_err(AppError::internal)?;
                media.keep_hasher(&row.id, current + written, whole);
                return Err(AppError::new(Code::UploadInterrupted));
            }
            Err(_) => {
                rewind(&file)?;
                return Err(AppError::new(Code::ChecksumMismatch));
            }
        };
        if current + written + chunk.len() as u64 > length {
            rewind(&file)?;
            return Err(AppError::new(Code::UploadExceedsLength));
        }
        file.write_all(&chunk).map_err(AppError::internal)?;
        for hasher in [chunk_hash.as_mut(), whole.as_mut()].into_iter().flatten() {
            hasher.update(&chunk);
        }
        written += chunk.len() as u64;
    }
    if let (Some(h), Some(expected)) = (chunk_hash, &checksum) {
        if h.finalize().as_slice() != expected.as_slice() {
            rewind(&file)?;
            return Err(AppError::new(Code::ChecksumMismatch));
        }
    }
    let offset = current + written;
    web::block(move || file.sync_data()).await.map_err(AppError::internal)?.map_err(AppError::internal)?;
    let complete = offset == length && row.file_id.is_none();
    let streamed_hash = if complete {
        whole.map(|h| hex::encode(h.finalize()))
    } else {
        media.keep_hasher(&row.id, offset, whole);
        None
    };
    let mut response = HttpResponse::NoContent();
    response
        .insert_header(("Tus-Resumable", TUS_VERSION))
        .insert_header(("Upload-Offset", offset.to_string()))
        .insert_header(("Upload-Expires", http_date(row.expires_at)));
    if complete {
        let from = Provenance {
            user_id: user.id.clone(),
            device_id: row.device_id.clone(),
            filename: row.filename.clone(),
        };
        let upload_id = row.id.clone();
        let finished = state
            .media
            .finish(&state.db, path, Some(row.sha256.clone()), streamed_hash, from, Some(upload_id.clone()))
            .await;
        match finished {
            Ok((file, _)) => {
                response.insert_header(("Baoxiu-File-Id", file.id));
            }
            Err(err) => {
                // Nothing partial becomes a blob: the upload is over and the client starts again.
                files::forget_upload(&state, &upload_id).await?;
                return Err(err);
            }
        }
    }
    Ok(response.finish())
}

/// Abandons an upload (tus termination); its bytes are removed. A completed upload's file stays.
#[utoipa::path(tag = "files", params(("id" = String, Path), ("Tus-Resumable" = inline(TusResumable), Header)), responses((status = 412, description = "tus_version_unsupported: Tus-Resumable missing or not 1.0.0"), (status = 204), (status = 404, description = "upload_not_found")), security(("bearer" = [])))]
#[delete("/uploads/{id}")]
async fn terminate_upload(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UploadId>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    let row = files::own_upload(&state, &user, &id).await?;
    let _lock = state.media.lock(&row.id)?;
    state.media.take_hasher(&row.id, u64::MAX);
    remove_staging(&state.media.staging_path(&row.id))?;
    files::forget_upload(&state, &row.id).await?;
    Ok(HttpResponse::NoContent().insert_header(("Tus-Resumable", TUS_VERSION)).finish())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PlainUploadQuery {
    /// Lowercase hex SHA-256 the client computed; the upload is refused if the bytes differ.
    pub sha256: Option<String>,
    pub filename: Option<String>,
    pub device_id: Option<String>,
}

/// Uploads a small file in one request (the body is the file). Bigger files, and anything sent
/// over a weak connection, should use the resumable `/uploads`.
#[utoipa::path(tag = "files", params(PlainUploadQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 201, body = FileView), (status = 413, description = "file_too_large"), (status = 422, description = "hash_mismatch, corrupt_file"), (status = 415, description = "unsupported_file_type")), security(("bearer" = [])))]
#[post("/files")]
async fn plain_upload(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<PlainUploadQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let new = PlainUpload {
        sha256: query.sha256,
        filename: query.filename,
        device_id: query.device_id,
        declared: header(&req, "Content-Length").and_then(|v| v.parse().ok()),
    };
    Ok(HttpResponse::Created().json(files::store_plain(&state, &user, new, body).await?))
}

/// A file's metadata.
#[utoipa::path(tag = "files", params(("id" = String, Path)), responses((status = 200, body = FileView), (status = 404, description = "not_found")), security(("bearer" = [])))]
#[get("/files/{id}")]
async fn get_file(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<FileId>,
) -> AppResult<web::Json<FileView>> {
    Ok(web::Json(files::file(&state, &user, &id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ContentQuery {
    /// `original` (default), `preview` or `thumbnail`.
    pub variant: Option<Variant>,
}

/// A file's bytes, or its preview or thumbnail. Supports `Range`.
#[utoipa::path(tag = "files", params(("id" = String, Path), ContentQuery), responses((status = 200, description = "The bytes"), (status = 206, description = "A range of them"), (status = 404, description = "not_found, preview_not_ready")), security(("bearer" = [])))]
#[get("/files/{id}/content")]
async fn file_content(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<FileId>,
    query: web::Query<ContentQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let file = files::file(&state, &user, &id).await?;
    serve(&state, &req, &file, query.variant.unwrap_or(Variant::Original))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SignedQuery {
    pub variant: Variant,
    /// Unix seconds.
    pub expires: i64,
    pub signature: String,
}

/// A file by signed link, for `<img>` tags that cannot send a bearer token. Links come from the
/// claim's evidence list and expire within minutes.
#[utoipa::path(tag = "files", params(("id" = String, Path), SignedQuery), responses((status = 200, description = "The bytes"), (status = 403, description = "link_invalid")))]
#[get("/files/{id}/signed")]
async fn signed_content(
    state: web::Data<AppState>,
    id: web::Path<FileId>,
    query: web::Query<SignedQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let file = files::file_by_link(&state, &id, query.variant, query.expires, &query.signature).await?;
    serve(&state, &req, &file, query.variant)
}

/// Streams a rendition with its true type; never sniffed, never rendered as a page.
fn serve(state: &AppState, req: &HttpRequest, file: &FileView, variant: Variant) -> AppResult<HttpResponse> {
    let media_type = match variant {
        Variant::Original => file.media_type.as_str(),
        _ if file.derivatives == "ready" => "image/jpeg",
        _ if file.derivatives == "pending" => return Err(AppError::new(Code::PreviewNotReady).retry_after(2)),
        _ => return Err(AppError::new(Code::NotFound)),
    };
    let path =
        state.media.store.locate(&file.sha256, variant).map_err(AppError::internal)?.ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("blob {} {:?} missing", file.sha256, variant))
        })?;
    let mime: actix_web::mime::Mime = media_type.parse().map_err(AppError::internal)?;
    let disposition =
        if media_type.starts_with("image/") { DispositionType::Inline } else { DispositionType::Attachment };
    let name = file.filename.clone().unwrap_or_else(|| format!("{}.{}", file.id, extension(media_type)));
    let named = NamedFile::open(path)
        .map_err(AppError::internal)?
        .set_content_type(mime)
        .set_content_disposition(super::content_disposition(disposition, &name));
    let mut response = named.into_response(req);
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, max-age=300"));
    Ok(response)
}

fn extension(media_type: &str) -> &'static str {
    match media_type {
        "image/png" => "png",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        _ => "jpg",
    }
}
