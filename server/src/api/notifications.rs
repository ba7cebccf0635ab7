//! Each person's notification feed and channels over REST, and the outbox for administrators.

use actix_web::{get, post, put, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::Paged;
use crate::auth::{Admin, AuthUser};
use crate::domain::ids::NotificationId;
use crate::error::AppResult;
use crate::service::notifications::{self, Channels, DeliveryView, FeedQuery, NotificationView, OutboxQuery};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(feed)
        .service(mark_read)
        .service(mark_all_read)
        .service(channels)
        .service(set_channels)
        .service(outbox)
        .service(retry_delivery);
}

/// The caller's notifications, newest first, in the language `Accept-Language` asks for.
#[utoipa::path(tag = "notifications", params(FeedQuery), responses((status = 200, body = Paged<NotificationView>)), security(("bearer" = [])))]
#[get("/notifications")]
async fn feed(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<FeedQuery>,
) -> AppResult<web::Json<Paged<NotificationView>>> {
    Ok(web::Json(notifications::feed(&state, &user, query.into_inner()).await?))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(tag = "notifications", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 404)), security(("bearer" = [])))]
#[post("/notifications/{id}/read")]
async fn mark_read(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<NotificationId>,
) -> AppResult<HttpResponse> {
    notifications::mark_read(&state, &user, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every unread notification of the caller read at once; answers how many were.
#[utoipa::path(tag = "notifications", responses((status = 200, body = MarkedRead)), security(("bearer" = [])))]
#[post("/notifications/read")]
async fn mark_all_read(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<MarkedRead>> {
    let marked = notifications::mark_all_read(&state, &user).await?;
    Ok(web::Json(MarkedRead { marked }))
}

/// How many notifications were marked read.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MarkedRead {
    pub marked: usize,
}

/// The channels the caller is told on beyond the feed.
#[utoipa::path(tag = "notifications", responses((status = 200, body = Channels)), security(("bearer" = [])))]
#[get("/me/notification-channels")]
async fn channels(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Channels>> {
    Ok(web::Json(notifications::channels(&state, &user).await?))
}

/// Sets the caller's channels: SMS, push, both or neither (the feed always stays).
#[utoipa::path(tag = "notifications", request_body = Channels, responses((status = 200, body = Channels)), security(("bearer" = [])))]
#[put("/me/notification-channels")]
async fn set_channels(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<Channels>,
) -> AppResult<web::Json<Channels>> {
    Ok(web::Json(notifications::set_channels(&state, &user, body.into_inner()).await?))
}

/// The outbox by status, newest first: by default the dead letters (administrators).
#[utoipa::path(tag = "notifications", params(OutboxQuery), responses((status = 200, body = Paged<DeliveryView>)), security(("bearer" = [])))]
#[get("/admin/outbox")]
async fn outbox(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<OutboxQuery>,
) -> AppResult<web::Json<Paged<DeliveryView>>> {
    Ok(web::Json(notifications::outbox(&state, query.into_inner()).await?))
}

/// Puts a dead-lettered delivery back in line, due now, with its delivery id unchanged
/// (administrators).
#[utoipa::path(tag = "notifications", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 404)), security(("bearer" = [])))]
#[post("/admin/outbox/{id}/retry")]
async fn retry_delivery(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    notifications::retry_delivery(&state, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
