//! Evidence files over HTTP: resumable uploads speaking tus 1.0 (core, creation, checksum with
//! sha256, expiration, termination), a one-request upload for small files, and downloads for those
//! who may see them, by bearer token or by a short-lived signed link for `<img>` tags.
//!
//! Bytes stream to a staging file, never whole into memory; a resumable upload's chunk then becomes
//! a part of it in the blob store, so any server continues any upload
//! ([`crate::service::files::append_chunk`]). A file becomes a blob only when its size and SHA-256
//! match what the client declared and its type, sniffed from the bytes, passes inspection (see
//! [`crate::media`]).

use actix_files::NamedFile;
use actix_web::http::header::{self, DispositionType};
use actix_web::{delete, get, head, options, patch, post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::domain::ids::{FileId, UploadId};
use crate::error::{AppError, AppResult};
use crate::media::store::{Opened, Variant};
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
#[utoipa::path(tag = "files", params(("Tus-Resumable" = inline(TusResumable), Header), ("Upload-Length" = u64, Header, minimum = 1), ("Upload-Metadata" = String, Header, description = "sha256 (required), filename, claim_id, device_id; each key and its base64 value")), responses((status = 201, description = "Location of the upload, Upload-Expires"), (status = 413, description = "file_too_large"), (status = 412, description = "tus_version_unsupported"), (status = 429, description = "rate_limited (Retry-After)")), security(("bearer" = [])))]
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
#[utoipa::path(tag = "files", params(("id" = uuid::Uuid, Path), ("Tus-Resumable" = inline(TusResumable), Header)), responses((status = 412, description = "tus_version_unsupported: Tus-Resumable missing or not 1.0.0"), (status = 200, description = "Upload-Offset, Upload-Length"), (status = 404, description = "upload_not_found"), (status = 410, description = "upload_expired")), security(("bearer" = [])))]
#[head("/uploads/{id}")]
async fn upload_offset(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UploadId>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    let row = files::upload_status(&state, &user, &id).await?;
    let offset = row.offset();
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
#[utoipa::path(tag = "files", params(("id" = uuid::Uuid, Path), ("Tus-Resumable" = inline(TusResumable), Header), ("Upload-Offset" = u64, Header, description = "where this chunk starts")), request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"), responses((status = 412, description = "tus_version_unsupported: Tus-Resumable missing or not 1.0.0"), (status = 204, description = "Upload-Offset; Baoxiu-File-Id when complete"), (status = 409, description = "upload_offset_mismatch"), (status = 460, description = "checksum_mismatch"), (status = 422, description = "hash_mismatch, corrupt_file, image_too_large"), (status = 415, description = "unsupported_file_type, heic_not_accepted"), (status = 429, description = "rate_limited (Retry-After)")), security(("bearer" = [])))]
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
    let chunk = files::Chunk {
        offset: claimed,
        checksum: chunk_checksum(&req)?,
        declared: header(&req, "Content-Length").and_then(|v| v.parse().ok()),
    };
    let appended = files::append_chunk(&state, &user, &id, chunk, &mut body).await?;
    let mut response = HttpResponse::NoContent();
    response
        .insert_header(("Tus-Resumable", TUS_VERSION))
        .insert_header(("Upload-Offset", appended.offset.to_string()))
        .insert_header(("Upload-Expires", http_date(appended.expires_at)));
    if let Some(file_id) = appended.file_id {
        response.insert_header(("Baoxiu-File-Id", file_id));
    }
    Ok(response.finish())
}

/// Abandons an upload (tus termination); its bytes are removed. A completed upload's file stays.
#[utoipa::path(tag = "files", params(("id" = uuid::Uuid, Path), ("Tus-Resumable" = inline(TusResumable), Header)), responses((status = 412, description = "tus_version_unsupported: Tus-Resumable missing or not 1.0.0"), (status = 204), (status = 404, description = "upload_not_found")), security(("bearer" = [])))]
#[delete("/uploads/{id}")]
async fn terminate_upload(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UploadId>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    require_tus(&req)?;
    files::terminate_upload(&state, &user, &id).await?;
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
#[utoipa::path(tag = "files", params(PlainUploadQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 201, body = FileView), (status = 413, description = "file_too_large"), (status = 422, description = "hash_mismatch, corrupt_file"), (status = 415, description = "unsupported_file_type"), (status = 429, description = "rate_limited (Retry-After)")), security(("bearer" = [])))]
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
#[utoipa::path(tag = "files", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = FileView), (status = 404, description = "not_found")), security(("bearer" = [])))]
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
#[utoipa::path(tag = "files", params(("id" = uuid::Uuid, Path), ContentQuery), responses((status = 200, description = "The bytes"), (status = 206, description = "A range of them"), (status = 404, description = "not_found, preview_not_ready")), security(("bearer" = [])))]
#[get("/files/{id}/content")]
async fn file_content(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<FileId>,
    query: web::Query<ContentQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let file = files::file(&state, &user, &id).await?;
    serve(&state, &req, &file, query.variant.unwrap_or(Variant::Original)).await
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
#[utoipa::path(tag = "files", params(("id" = uuid::Uuid, Path), SignedQuery), responses((status = 200, description = "The bytes"), (status = 403, description = "link_invalid")))]
#[get("/files/{id}/signed")]
async fn signed_content(
    state: web::Data<AppState>,
    id: web::Path<FileId>,
    query: web::Query<SignedQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let file = files::file_by_link(&state, &id, query.variant, query.expires, &query.signature).await?;
    serve(&state, &req, &file, query.variant).await
}

/// Streams a rendition with its true type; never sniffed, never rendered as a page. From a local
/// folder or a bucket, with `Range`; or, when the bucket is set to presign, a redirect to a
/// short-lived URL of the object itself.
async fn serve(
    state: &AppState,
    req: &HttpRequest,
    file: &FileView,
    variant: Variant,
) -> AppResult<HttpResponse> {
    let media_type = match variant {
        Variant::Original => file.media_type.as_str(),
        _ if file.derivatives == "ready" => "image/jpeg",
        _ if file.derivatives == "pending" => return Err(AppError::new(Code::PreviewNotReady).retry_after(2)),
        _ => return Err(AppError::new(Code::NotFound)),
    };
    let opened = state.media.store.open(&file.sha256, variant).await.map_err(AppError::internal)?;
    let opened = opened
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("blob {} {:?} missing", file.sha256, variant)))?;
    let mime: actix_web::mime::Mime = media_type.parse().map_err(AppError::internal)?;
    let disposition =
        if media_type.starts_with("image/") { DispositionType::Inline } else { DispositionType::Attachment };
    let name = file.filename.clone().unwrap_or_else(|| format!("{}.{}", file.id, extension(media_type)));
    let disposition = crate::http::content_disposition(disposition, &name);
    let mut response = match opened {
        Opened::File(path) => NamedFile::open(path)
            .map_err(AppError::internal)?
            .set_content_type(mime)
            .set_content_disposition(disposition)
            .into_response(req),
        Opened::Redirect(url) => {
            return Ok(HttpResponse::TemporaryRedirect()
                .insert_header((header::LOCATION, url))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        Opened::Object { size } => {
            let range = match header(req, "Range") {
                None => None,
                Some(raw) => match actix_files::HttpRange::parse(raw, size) {
                    // One range is served; several are answered whole, as RFC 9110 allows.
                    Ok(ranges) if ranges.len() == 1 => Some(ranges[0]),
                    Ok(_) => None,
                    Err(_) => {
                        return Ok(HttpResponse::RangeNotSatisfiable()
                            .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                            .finish())
                    }
                },
            };
            let (start, len) = range.map_or((0, size), |r| (r.start, r.length));
            let body = state
                .media
                .store
                .stream(&file.sha256, variant, start..start + len)
                .await
                .map_err(AppError::internal)?;
            let mut builder = match range {
                Some(_) => HttpResponse::PartialContent(),
                None => HttpResponse::Ok(),
            };
            builder
                .content_type(mime)
                .insert_header(disposition)
                .insert_header((header::ACCEPT_RANGES, "bytes"))
                .no_chunking(len);
            if range.is_some() {
                builder.insert_header((
                    header::CONTENT_RANGE,
                    format!("bytes {start}-{}/{size}", (start + len).saturating_sub(1)),
                ));
            }
            builder.streaming(body)
        }
    };
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
