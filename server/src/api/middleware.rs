//! Request context: a request id on every response and log line, one access-log line per request,
//! and error messages in the caller's language.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, ACCEPT_LANGUAGE};
use actix_web::middleware::Next;
use tracing::Instrument;

use crate::error::AppError;
use crate::messages::Lang;

/// The response header carrying the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps every request; see the module docs.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // A caller-supplied id is kept when it is short and printable, so a phone can correlate its own
    // logs; otherwise a fresh UUIDv7.
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let lang = Lang::from_accept_language(req.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let span = tracing::info_span!("request", id = %request_id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?.map_into_boxed_body();

    if lang == Lang::En {
        if let Some(app) = res.response().error().and_then(|e| e.as_error::<AppError>()) {
            let english = app.response(Lang::En);
            res = res.into_response(english);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    let status = res.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, micros, "request done");
        } else {
            tracing::info!(status, micros, "request done");
        }
    });
    Ok(res)
}
