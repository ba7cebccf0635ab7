//! Liveness and readiness probes.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::messages::Code;
use crate::state::AppState;

/// The process is up.
#[utoipa::path(responses((status = 200, description = "The process is up")))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database and the blob store answer, so the load balancer may send this server requests.
#[utoipa::path(responses(
    (status = 200, description = "Ready to serve"),
    (status = 503, description = "The database or the blob store is unreachable")
))]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db.ping().await;
    let blobs = match state.media.store.check().await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(instance = %state.instance, error = %err, "blob store not ready");
            false
        }
    };
    let checks = json!({"database": database, "blobs": blobs, "instance": state.instance});
    if database && blobs {
        HttpResponse::Ok().json(json!({"status": "ready", "checks": checks}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({
            "status": "unavailable",
            "error": Code::ServiceUnavailable.as_str(),
            "checks": checks,
        }))
    }
}

/// Prometheus metrics, in the text format, for a scraper holding `metrics_token`; 404 when no
/// token is set (the default), 401 with a wrong or missing one.
#[utoipa::path(responses(
    (status = 200, description = "The metrics, in the OpenMetrics text format Prometheus scrapes"),
    (status = 401, description = "unauthenticated"),
    (status = 404, description = "metrics_token not set")
), security(("bearer" = [])))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let Some(token) = &state.config.metrics_token else { return Err(AppError::new(Code::NotFound)) };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Digests compared, so the time taken tells nothing about the token.
    if Sha256::digest(presented.as_bytes()) != Sha256::digest(token.0.as_bytes()) {
        return Err(AppError::new(Code::Unauthenticated));
    }
    let readings = crate::service::health::readings(&state).await?;
    let text = state.metrics.encode(&readings).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text))
}
