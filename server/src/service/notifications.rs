//! Each person's notification feed, in their language.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::notify;
use crate::domain::ids::NotificationId;
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Lang, Notice};
use crate::service::utc;
use crate::service::{Caller, Page, Paged};
use crate::state::AppState;

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
pub async fn feed(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    query: FeedQuery,
) -> AppResult<Paged<NotificationView>> {
    let (limit, offset) = Page { limit: query.limit, offset: query.offset }.bounds()?;
    let unread = query.unread.unwrap_or(false);
    let user = caller.id.clone();
    let rows = state.db.read(move |conn| notify::feed(conn, &user, unread, limit, offset)).await?;
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
    Ok(Paged { items, limit, offset })
}

/// Marks one of the caller's notifications read.
pub async fn mark_read(state: &AppState, caller: &Caller, id: &NotificationId) -> AppResult<()> {
    let id = id.to_string();
    let user = caller.id.clone();
    let mine = state.db.write(move |conn| notify::mark_read(conn, &user, &id)).await?;
    if !mine {
        return Err(AppError::new(Code::NotFound));
    }
    Ok(())
}
