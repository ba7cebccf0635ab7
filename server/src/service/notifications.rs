//! Each person's notification feed, in their language.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::notify::{self, NotificationRow};
use crate::db::DbConnection;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::ids::NotificationId;
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Lang, Notice};
use crate::service::utc;
use crate::service::Context;
use crate::service::{Caller, Page, Paged};

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    /// Stable code, e.g. `signature_requested`, `deadline_in_2_days`.
    pub kind: String,
    /// The text for people, in zh-CN or English per `Accept-Language`.
    pub text: &'static str,
    pub claim_id: Option<String>,
    pub work_order_id: Option<String>,
    /// The claim it is about (a work order's too), named as people name it.
    pub about: Option<NotificationAbout>,
    pub params: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The claim a notification is about.
#[derive(Serialize, ToSchema, Clone)]
pub struct NotificationAbout {
    pub claim_id: String,
    /// The estate, building and unit (or common part): `翠湖花园 3号楼 1201`.
    pub place: String,
    pub category: WarrantyCategory,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The caller's notifications, newest first, in the caller's language.
pub async fn feed(ctx: &Context, caller: &Caller, query: FeedQuery) -> AppResult<Paged<NotificationView>> {
    let lang = caller.lang;
    let (limit, offset) = Page { limit: query.limit, offset: query.offset }.bounds()?;
    let unread = query.unread.unwrap_or(false);
    let user = caller.id.clone();
    let items = ctx
        .db
        .read(move |conn| {
            let rows = notify::feed(conn, &user, unread, limit, offset)?;
            views(conn, rows, lang)
        })
        .await?;
    Ok(Paged { items, limit, offset })
}

/// Opens one of the caller's notifications: marks it read and answers it, so that the page can
/// take its reader where it leads.
pub async fn open(ctx: &Context, caller: &Caller, id: &NotificationId) -> AppResult<NotificationView> {
    let (id, user, lang) = (id.to_string(), caller.id.clone(), caller.lang);
    ctx.db
        .write(move |conn| {
            notify::mark_read(conn, &user, &id)?;
            let row = notify::find(conn, &user, &id)?.ok_or_else(|| AppError::new(Code::NotFound))?;
            views(conn, vec![row], lang)?.pop().ok_or_else(|| AppError::new(Code::NotFound))
        })
        .await
}

/// Notifications as their reader reads them, each with the claim it is about.
fn views(
    conn: &mut DbConnection,
    rows: Vec<NotificationRow>,
    lang: Lang,
) -> AppResult<Vec<NotificationView>> {
    let claims: Vec<&str> = rows.iter().filter_map(|n| n.claim_id.as_deref()).collect();
    let orders: Vec<&str> = rows.iter().filter_map(|n| n.work_order_id.as_deref()).collect();
    let (about, of_orders) = notify::about(conn, &claims, &orders)?;
    let about_of = |n: &NotificationRow| {
        let claim =
            n.claim_id.as_ref().or_else(|| n.work_order_id.as_ref().and_then(|w| of_orders.get(w)))?;
        let a = about.get(claim)?;
        let place = [Some(&a.estate), Some(&a.building), a.unit.as_ref()].into_iter().flatten();
        Some(NotificationAbout {
            claim_id: a.claim_id.clone(),
            place: place.map(String::as_str).collect::<Vec<_>>().join(" "),
            category: a.category,
        })
    };
    rows.into_iter()
        .map(|n| {
            let about = about_of(&n);
            let notice = Notice::parse(&n.kind)
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown notice {}", n.kind)))?;
            Ok(NotificationView {
                id: n.id,
                kind: n.kind,
                text: notice.text(lang),
                claim_id: n.claim_id,
                work_order_id: n.work_order_id,
                about,
                params: serde_json::from_str(&n.params).unwrap_or(serde_json::Value::Null),
                created_at: utc(n.created_at),
                read_at: n.read_at.map(utc),
            })
        })
        .collect()
}

/// Marks one of the caller's notifications read.
pub async fn mark_read(ctx: &Context, caller: &Caller, id: &NotificationId) -> AppResult<()> {
    let id = id.to_string();
    let user = caller.id.clone();
    let mine = ctx.db.write(move |conn| notify::mark_read(conn, &user, &id)).await?;
    if !mine {
        return Err(AppError::new(Code::NotFound));
    }
    Ok(())
}

/// Marks every unread notification of the caller read; returns how many were.
pub async fn mark_all_read(ctx: &Context, caller: &Caller) -> AppResult<usize> {
    let user = caller.id.clone();
    Ok(ctx.db.write(move |conn| notify::mark_all_read(conn, &user)).await?)
}

/// The channels a person is told on beyond the feed.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    /// A text message to the account's phone number, where it has one.
    pub sms: bool,
    /// A push to the app on each of the person's enrolled phones.
    pub push: bool,
}

/// The caller's channels.
pub async fn channels(ctx: &Context, caller: &Caller) -> AppResult<Channels> {
    let user = caller.id.clone();
    let (sms, push) = ctx.db.read(move |conn| notify::channels(conn, &user)).await?;
    Ok(Channels { sms, push })
}

/// Sets the caller's channels; the feed always stays.
pub async fn set_channels(ctx: &Context, caller: &Caller, req: Channels) -> AppResult<Channels> {
    let (user, Channels { sms, push }) = (caller.id.clone(), req);
    ctx.db.write(move |conn| notify::set_channels(conn, &user, sms, push)).await?;
    Ok(Channels { sms, push })
}

/// One outbox entry, for an administrator: the recipient masked.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    /// Also the `X-Baoxiu-Delivery` id the receiver sees.
    pub id: String,
    pub channel: String,
    /// The phone number or device id, all but its last four characters hidden.
    pub recipient: String,
    /// `pending`, `sent`, `dead` or `cancelled`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending`, `sent`, `dead` (the default) or `cancelled`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Hides all but the last four characters: enough to tell two entries apart, not to call anyone.
fn masked(recipient: &str) -> String {
    let chars: Vec<char> = recipient.chars().collect();
    let keep = chars.len().saturating_sub(4);
    chars.iter().enumerate().map(|(i, c)| if i < keep { '*' } else { *c }).collect()
}

/// The outbox entries in a status, newest first (an administrator's view of the dead letters).
pub async fn outbox(ctx: &Context, query: OutboxQuery) -> AppResult<Paged<DeliveryView>> {
    let (limit, offset) = Page { limit: query.limit, offset: query.offset }.bounds()?;
    let status = query.status.unwrap_or_else(|| "dead".into());
    if !matches!(status.as_str(), "pending" | "sent" | "dead" | "cancelled") {
        return Err(AppError::invalid("status"));
    }
    let rows = ctx.db.read(move |conn| notify::deliveries(conn, &status, limit, offset)).await?;
    let items = rows
        .into_iter()
        .map(|r| DeliveryView {
            recipient: masked(&r.recipient),
            id: r.id,
            channel: r.channel,
            status: r.status,
            attempts: r.attempts,
            last_error: r.last_error,
            next_attempt_at: r.next_attempt_at.map(utc),
            created_at: utc(r.created_at),
            sent_at: r.sent_at.map(utc),
        })
        .collect();
    Ok(Paged { items, limit, offset })
}

/// Puts a dead-lettered delivery back in line, due now; another id answers not found.
pub async fn retry_delivery(ctx: &Context, id: &str) -> AppResult<()> {
    let id = crate::service::parse_id(id)?;
    let retried = ctx.db.write(move |conn| notify::retry(conn, &id)).await?;
    if !retried {
        return Err(AppError::new(Code::NotFound));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn recipients_are_masked_but_for_their_last_four_characters() {
        assert_eq!(super::masked("13905310004"), "*******0004");
        assert_eq!(super::masked("abc"), "abc");
    }
}
