//! Each person's notification feed over REST, in the language the request asks for.

use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::Paged;
use crate::auth::AuthUser;
use crate::domain::ids::NotificationId;
use crate::error::AppResult;
use crate::messages::Lang;
use crate::service::notifications::{self, FeedQuery, NotificationView};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(feed).service(mark_read);
}

/// The caller's notifications, newest first.
#[utoipa::path(tag = "notifications", params(FeedQuery), responses((status = 200, body = Paged<NotificationView>)), security(("bearer" = [])))]
#[get("/notifications")]
async fn feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<FeedQuery>,
) -> AppResult<web::Json<Paged<NotificationView>>> {
    let lang = Lang::from_accept_language(req.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    Ok(web::Json(notifications::feed(&state, &user, lang, query.into_inner()).await?))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(tag = "notifications", params(("id" = String, Path)), responses((status = 204), (status = 404)), security(("bearer" = [])))]
#[post("/notifications/{id}/read")]
async fn mark_read(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<NotificationId>,
) -> AppResult<HttpResponse> {
    notifications::mark_read(&state, &user, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
