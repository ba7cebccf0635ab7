//! Request context: a request id on every response and log line, one access-log line per request,
//! and error messages in the caller's language.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{HeaderName, HeaderValue, ACCEPT_LANGUAGE, CONTENT_TYPE};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Instrument;

use crate::error::AppError;
use crate::messages::Lang;
use crate::state::AppState;

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
    let state = req.app_data::<actix_web::web::Data<AppState>>().cloned();
    let instance = state.as_ref().map(|s| s.instance.clone()).unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        instance = %instance,
        id = %request_id,
        method = %req.method(),
        path = %req.path()
    );
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
    if let Some(state) = &state {
        let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
        state.metrics.request(&route, res.request().method().as_str(), status, micros as f64 / 1e6);
    }
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, micros, "request done");
        } else {
            tracing::info!(status, micros, "request done");
        }
    });
    Ok(res)
}

/// A body that must keep arriving: an error once no chunk came for `idle`, or once the whole body
/// took longer than `total` (when set). Slow or stalled senders (a trickled sign-in body, an upload
/// that stopped mid-chunk while holding its lock) are cut off instead of holding a connection and
/// its resources for ever; a handler sees an ordinary payload error and an upload keeps what
/// arrived.
struct Deadlines {
    inner: actix_web::dev::Payload,
    idle: Duration,
    next_chunk: Pin<Box<tokio::time::Sleep>>,
    whole: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The slowest rate a body may keep up: at least `min_bytes` in every `window`, so a byte every
    /// few seconds (which the idle timeout never catches) is cut off too.
    window: Duration,
    min_bytes: u64,
    /// Started by the first read: a handler that checks a quota before it reads is not the
    /// sender's delay.
    window_ends: Option<Pin<Box<tokio::time::Sleep>>>,
    in_window: u64,
    expired: bool,
}

impl futures_util::Stream for Deadlines {
    type Item = Result<actix_web::web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            let deadline = tokio::time::Instant::now() + this.idle;
            this.next_chunk.as_mut().reset(deadline);
            if let Some(Ok(bytes)) = &item {
                this.in_window = this.in_window.saturating_add(bytes.len() as u64);
            }
            return Poll::Ready(item);
        }
        let window = this.window;
        let window_ends = this.window_ends.get_or_insert_with(|| Box::pin(tokio::time::sleep(window)));
        let mut too_slow = false;
        if window_ends.as_mut().poll(cx).is_ready() {
            too_slow = this.in_window < this.min_bytes;
            this.in_window = 0;
            window_ends.as_mut().reset(tokio::time::Instant::now() + window);
            // Registers the waker for the new window's end.
            let _ = window_ends.as_mut().poll(cx);
        }
        let whole_expired = this.whole.as_mut().is_some_and(|w| w.as_mut().poll(cx).is_ready());
        if too_slow || whole_expired || this.next_chunk.as_mut().poll(cx).is_ready() {
            this.expired = true;
            let err = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body too slow");
            return Poll::Ready(Some(Err(PayloadError::Io(err))));
        }
        Poll::Pending
    }
}

/// Puts the body deadlines of the configuration on every request with a body.
pub async fn body_deadlines(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limits = req.app_data::<actix_web::web::Data<AppState>>().map(|s| {
        let c = &s.config;
        (
            c.body_idle_timeout_secs,
            c.json_body_deadline_secs,
            c.body_rate_window_secs,
            c.body_min_bytes_per_sec,
        )
    });
    if let Some((idle, whole, window, rate)) = limits {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let idle = Duration::from_secs(idle);
        let body = Deadlines {
            inner: req.take_payload(),
            idle,
            next_chunk: Box::pin(tokio::time::sleep(idle)),
            whole: json.then(|| Box::pin(tokio::time::sleep(Duration::from_secs(whole)))),
            window: Duration::from_secs(window),
            min_bytes: rate.saturating_mul(window),
            window_ends: None,
            in_window: 0,
            expired: false,
        };
        req.set_payload(actix_web::dev::Payload::Stream { payload: Box::pin(body) });
    }
    next.call(req).await
}

/// Whether a payload error is a body deadline running out.
pub fn timed_out(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

impl crate::service::files::BodyError for PayloadError {
    fn timed_out(&self) -> bool {
        timed_out(self)
    }
}

impl crate::service::files::BodyError for actix_multipart::MultipartError {
    fn timed_out(&self) -> bool {
        matches!(self, actix_multipart::MultipartError::Payload(e) if timed_out(e))
    }
}

/// Rate limits on sign-in, uploads and pushes, per client address and per account, counted in the
/// database so that every server behind the load balancer counts the same (`service::limits`).
/// Over the limit: 429 `rate_limited` with `Retry-After`, before the handler runs.
pub async fn rate_limits(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    use crate::service::limits::{self, Limited};
    let method = req.method().clone();
    let pattern = req.match_pattern();
    let limited = match (method.as_str(), pattern.as_deref()) {
        ("POST", Some("/api/v1/auth/login" | "/login")) => Some(Limited::SignIn),
        ("POST", Some("/api/v1/uploads" | "/api/v1/files")) | ("PATCH", Some("/api/v1/uploads/{id}")) => {
            Some(Limited::Upload)
        }
        ("POST", Some("/api/sync/push")) => Some(Limited::Push),
        _ => None,
    };
    let state = req.app_data::<actix_web::web::Data<AppState>>().cloned();
    if let (Some(limited), Some(state)) = (limited, state) {
        let address = crate::auth::client_address(req.request(), &state);
        let account = crate::auth::bearer_subject(req.request(), &state);
        if let Err(err) = limits::admit(&state, limited, address, account).await {
            let (http, _) = req.into_parts();
            return Ok(ServiceResponse::from_err(err, http));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
