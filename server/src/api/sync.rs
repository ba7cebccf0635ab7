//! Sync protocol over HTTP (`sync-protocol/PROTOCOL.md`): what the server accepts, and pushes of
//! mutations recorded offline. Each handler calls one use case in `service::sync`.

use actix_web::{get, post, web};
use baoxiu_sync_protocol::wire::{PushRequest, PushResponse, SyncInfo};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::DeviceHolder;
use crate::error::AppResult;
use crate::service::sync;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(info).service(push);
}

/// What this server accepts: protocol versions, mutation kinds and batch limits.
#[utoipa::path(tag = "sync", responses((status = 200, description = "SyncInfo")))]
#[get("/info")]
async fn info() -> web::Json<SyncInfo> {
    web::Json(sync::info())
}

/// Pushes a batch of mutations recorded offline. Each applies once, in order; a retry gets the
/// recorded outcome back; a rejected one is kept and acknowledged with its reason. The batch commits
/// once, before the answer: acknowledged means durable.
#[utoipa::path(tag = "sync", request_body(content = Object, description = "PushRequest, see sync-protocol/PROTOCOL.md"), responses((status = 200, description = "PushResponse"), (status = 409, description = "sequence_gap or idempotency_conflict"), (status = 429, description = "rate_limited (Retry-After)")), security(("bearer" = [])))]
#[post("/push")]
async fn push(
    state: web::Data<AppState>,
    who: DeviceHolder,
    body: web::Json<PushRequest>,
) -> AppResult<web::Json<PushResponse>> {
    Ok(web::Json(sync::push::push(&state, &who, body.into_inner()).await?))
}
