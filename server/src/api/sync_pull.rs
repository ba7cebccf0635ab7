//! Sync pull over HTTP (`sync-protocol/PROTOCOL.md`, "Pull"), and the office's view of rejected
//! mutations. Each handler calls one use case in `service::sync::pull`.

use actix_web::{get, web};
use baoxiu_sync_protocol::wire::PullResponse;
use utoipa_actix_web::service_config::ServiceConfig;

use super::Page;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::service::sync::pull::{self as service, PullQuery, RejectionView};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(pull).service(rejections);
}

/// What changed since the cursor. The response's `cursor` is the next one; `more` says to pull
/// again at once.
#[utoipa::path(tag = "sync", params(PullQuery), responses((status = 200, description = "PullResponse, see sync-protocol/PROTOCOL.md"), (status = 400, description = "invalid_input: cursor")), security(("bearer" = [])))]
#[get("/pull")]
async fn pull(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<PullQuery>,
) -> AppResult<web::Json<PullResponse>> {
    Ok(web::Json(service::pull(&state, &user, query.into_inner()).await?))
}

/// Rejected mutations, newest first: an administrator sees all; everyone else those from their own
/// phones and from the phones of colleagues in their organisations (the office sees its field staff).
#[utoipa::path(tag = "sync", params(Page), responses((status = 200, body = Vec<RejectionView>)), security(("bearer" = [])))]
#[get("/rejections")]
async fn rejections(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<Page>,
) -> AppResult<web::Json<Vec<RejectionView>>> {
    Ok(web::Json(service::rejections(&state, &user, page.into_inner()).await?))
}
