//! Liveness and readiness probes.

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::messages::Code;
use crate::state::AppState;

/// The process is up.
#[utoipa::path(responses((status = 200, description = "The process is up")))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers.
#[utoipa::path(responses(
    (status = 200, description = "Ready to serve"),
    (status = 503, description = "The database is unreachable")
))]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok().json(json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(json!({"status": "unavailable", "error": Code::ServiceUnavailable.as_str()}))
    }
}
