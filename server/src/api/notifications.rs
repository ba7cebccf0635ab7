//! Each person's notification feed, in their language.

use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{parse_id, utc, Page, Paged};
use crate::auth::AuthUser;
use crate::db::notify;
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Lang, Notice};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(feed).service(mark_read);
}

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    /// Stable code, e.g. `signature_requested`, `deadline_in_2_days`.
    pub kind: String,
    /// The text for people, in zh-CN or English per `Accept-Language`.
    pub text: &'static str,
    pub claim_id: Option<String>,
    pub work_order_id: Option<String>,
    pub params: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
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
    let (limit, offset) = Page { limit: query.limit, offset: query.offset }.bounds()?;
    let lang = Lang::from_accept_language(req.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let unread = query.unread.unwrap_or(false);
    let rows = state.db.read(move |conn| notify::feed(conn, &user.id, unread, limit, offset)).await?;
    let items = rows
        .into_iter()
        .map(|n| {
            let notice = Notice::parse(&n.kind)
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown notice {}", n.kind)))?;
            Ok(NotificationView {
                id: n.id,
                kind: n.kind,
                text: notice.text(lang),
                claim_id: n.claim_id,
                work_order_id: n.work_order_id,
                params: serde_json::from_str(&n.params).unwrap_or(serde_json::Value::Null),
                created_at: utc(n.created_at),
                read_at: n.read_at.map(utc),
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(web::Json(Paged { items, limit, offset }))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(tag = "notifications", params(("id" = String, Path)), responses((status = 204), (status = 404)), security(("bearer" = [])))]
#[post("/notifications/{id}/read")]
async fn mark_read(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let mine = state.db.write(move |conn| notify::mark_read(conn, &user.id, &id)).await?;
    if !mine {
        return Err(AppError::new(Code::NotFound));
    }
    Ok(HttpResponse::NoContent().finish())
}
