//! Notifications: a feed per user, and an outbox from which an SMS or push sender delivers them.
//! Raising the same notice twice (same dedup key) does nothing, so timers can re-run freely.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::Value;

use super::accounts::{new_id, now};
use super::schema::{
    buildings, claims, devices, estates, memberships, notifications, organisations, outbox, units, users,
    work_orders,
};
use super::DbConnection;
use crate::db::StoreResult;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::registry::{OrgKind, Role};
use crate::messages::{Lang, Notice};

/// A notification as stored.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub claim_id: Option<String>,
    pub work_order_id: Option<String>,
    pub dedup_key: String,
    pub params: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

/// What to tell, about what.
#[derive(Clone, Debug)]
pub struct Notify<'a> {
    pub notice: Notice,
    pub claim_id: Option<&'a str>,
    pub work_order_id: Option<&'a str>,
    /// Distinguishes repeated notices of the same kind about the same thing (e.g. a due date).
    pub key: &'a str,
    pub params: Value,
}

/// Tells each of `users`, once per dedup key, and queues delivery; see [`notify_all`].
pub fn notify(conn: &mut DbConnection, user_ids: &[String], n: &Notify<'_>) -> StoreResult<usize> {
    let notices: Vec<(&str, &Notify<'_>)> = user_ids.iter().map(|u| (u.as_str(), n)).collect();
    notify_all(conn, &notices)
}

#[derive(Insertable)]
#[diesel(table_name = notifications, treat_none_as_default_value = false)]
struct NewNotification {
    id: String,
    user_id: String,
    kind: &'static str,
    claim_id: Option<String>,
    work_order_id: Option<String>,
    dedup_key: String,
    params: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
struct NewDelivery {
    id: String,
    notification_id: String,
    channel: &'static str,
    recipient: String,
    body: &'static str,
    created_at: NaiveDateTime,
}

/// Tells each user their notice, once per dedup key, and queues delivery: an SMS where the account
/// has a phone number, a push to each active enrolled device. Reads and writes a fixed number of
/// statements however many notices there are. Returns how many notifications were new.
pub fn notify_all(conn: &mut DbConnection, notices: &[(&str, &Notify<'_>)]) -> StoreResult<usize> {
    use std::collections::HashSet;
    if notices.is_empty() {
        return Ok(0);
    }
    let keyed: Vec<(String, &str, &Notify<'_>)> = notices
        .iter()
        .map(|(user, n)| {
            let about = n.claim_id.or(n.work_order_id).unwrap_or("-");
            (format!("{}:{}:{}:{}", n.notice.as_str(), about, n.key, user), *user, *n)
        })
        .collect();
    let keys: Vec<&str> = keyed.iter().map(|(k, ..)| k.as_str()).collect();
    let mut known: HashSet<String> = notifications::table
        .filter(notifications::dedup_key.eq_any(&keys))
        .select(notifications::dedup_key)
        .load(conn)?
        .into_iter()
        .collect();
    let at = now();
    let mut rows = Vec::new();
    for (dedup_key, user_id, n) in keyed {
        if known.insert(dedup_key.clone()) {
            rows.push((
                NewNotification {
                    id: new_id(),
                    user_id: user_id.to_owned(),
                    kind: n.notice.as_str(),
                    claim_id: n.claim_id.map(str::to_owned),
                    work_order_id: n.work_order_id.map(str::to_owned),
                    dedup_key,
                    params: n.params.to_string(),
                    created_at: at,
                },
                n.notice.text(Lang::ZhCn),
            ));
        }
    }
    let recipients: Vec<&str> = rows.iter().map(|(row, _)| row.user_id.as_str()).collect();
    // Each person's channels: SMS where they have a phone and want it, push where they want it.
    let phones: HashMap<String, Option<String>> = users::table
        .filter(users::id.eq_any(&recipients))
        .filter(users::notify_sms.eq(true))
        .select((users::id, users::phone))
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .collect();
    let mut devices_of: HashMap<String, Vec<String>> = HashMap::new();
    for (user, device) in devices::table
        .inner_join(users::table)
        .filter(devices::user_id.eq_any(&recipients))
        .filter(users::notify_push.eq(true))
        .filter(devices::retired_at.is_null())
        .select((devices::user_id, devices::id))
        .load::<(String, String)>(conn)?
    {
        devices_of.entry(user).or_default().push(device);
    }
    let mut deliveries = Vec::new();
    for (row, body) in &rows {
        let sms = phones.get(&row.user_id).cloned().flatten().map(|p| ("sms", p));
        let pushes = devices_of.get(&row.user_id).into_iter().flatten().map(|d| ("push", d.clone()));
        for (channel, recipient) in sms.into_iter().chain(pushes) {
            deliveries.push(NewDelivery {
                id: new_id(),
                notification_id: row.id.clone(),
                channel,
                recipient,
                body,
                created_at: at,
            });
        }
    }
    let notifications: Vec<NewNotification> = rows.into_iter().map(|(row, _)| row).collect();
    super::insert_rows!(conn, notifications::table, &notifications);
    super::insert_rows!(conn, outbox::table, &deliveries);
    Ok(notifications.len())
}

/// The members of an organisation.
pub fn members_of(conn: &mut DbConnection, organisation_id: &str) -> StoreResult<Vec<String>> {
    Ok(memberships::table
        .filter(memberships::organisation_id.eq(organisation_id))
        .select(memberships::user_id)
        .load(conn)?)
}

/// The reviewers of the bureaus with this jurisdiction.
pub fn reviewers_of(conn: &mut DbConnection, jurisdiction: &str) -> StoreResult<Vec<String>> {
    Ok(memberships::table
        .inner_join(organisations::table)
        .inner_join(users::table)
        .filter(organisations::kind.eq(OrgKind::HousingBureau.as_str()))
        .filter(organisations::jurisdiction.eq(jurisdiction))
        .filter(users::role.eq(Role::Reviewer.as_str()))
        .filter(users::active.eq(true))
        .select(users::id)
        .load(conn)?)
}

/// A user's feed, newest first.
pub fn feed(
    conn: &mut DbConnection,
    user_id: &str,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<NotificationRow>> {
    let mut query = notifications::table.filter(notifications::user_id.eq(user_id)).into_boxed();
    if unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    Ok(query
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(NotificationRow::as_select())
        .load(conn)?)
}

/// One of the user's notifications; another user's is none.
pub fn find(conn: &mut DbConnection, user_id: &str, id: &str) -> StoreResult<Option<NotificationRow>> {
    Ok(notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user_id))
        .select(NotificationRow::as_select())
        .first(conn)
        .optional()?)
}

/// How many of a user's notifications are unread.
pub fn unread_count(conn: &mut DbConnection, user_id: &str) -> StoreResult<i64> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks one of the user's notifications read; another user's answers not found.
pub fn mark_read(conn: &mut DbConnection, user_id: &str, id: &str) -> StoreResult<bool> {
    let updated = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(now())))
    .execute(conn)?;
    if updated == 0 {
        let mine = notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::user_id.eq(user_id))
            .select(notifications::id)
            .first::<String>(conn)
            .optional()?;
        return Ok(mine.is_some());
    }
    Ok(true)
}

/// Marks every unread notification of the user read; returns how many were.
pub fn mark_all_read(conn: &mut DbConnection, user_id: &str) -> StoreResult<usize> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(now())))
    .execute(conn)?)
}

/// What a notification is about, as its reader names it: the claim's estate, building and unit,
/// and its category.
#[derive(Clone, Debug)]
pub struct About {
    pub claim_id: String,
    pub estate: String,
    pub building: String,
    pub unit: Option<String>,
    pub category: WarrantyCategory,
}

/// The claims the notifications are about, by claim id, and the claim of each work order, by work
/// order id. Three statements however many notifications there are.
pub fn about(
    conn: &mut DbConnection,
    claim_ids: &[&str],
    work_order_ids: &[&str],
) -> StoreResult<(HashMap<String, About>, HashMap<String, String>)> {
    let of_orders: HashMap<String, String> = work_orders::table
        .filter(work_orders::id.eq_any(work_order_ids))
        .select((work_orders::id, work_orders::claim_id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<&str> = claim_ids.iter().copied().chain(of_orders.values().map(String::as_str)).collect();
    let rows: Vec<(String, String, String, Option<String>, WarrantyCategory)> = claims::table
        .inner_join(buildings::table.on(buildings::id.eq(claims::building_id)))
        .inner_join(estates::table.on(estates::id.eq(buildings::estate_id)))
        .filter(claims::id.eq_any(&ids))
        .select((claims::id, estates::name, buildings::name, claims::unit_id, claims::category))
        .load(conn)?;
    let unit_ids: Vec<&str> = rows.iter().filter_map(|r| r.3.as_deref()).collect();
    let numbers: HashMap<String, String> = units::table
        .filter(units::id.eq_any(&unit_ids))
        .select((units::id, units::number))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let about = rows
        .into_iter()
        .map(|(claim_id, estate, building, unit_id, category)| {
            let unit = unit_id.and_then(|u| numbers.get(&u).cloned());
            (claim_id.clone(), About { claim_id, estate, building, unit, category })
        })
        .collect();
    Ok((about, of_orders))
}

/// One outbox entry, as the sender and the administrator see it.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = outbox)]
pub struct DeliveryRow {
    /// Also the delivery id the receiver drops duplicates by.
    pub id: String,
    pub notification_id: String,
    pub channel: String,
    /// A phone number or a device id: personal data, never logged.
    pub recipient: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub sent_at: Option<NaiveDateTime>,
    pub status: String,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// Takes up to `limit` deliveries that are due at `at`, oldest first, and leases each until
/// `lease_until` so that no other sender takes it meanwhile (a lease that lapses, because its
/// sender died, makes the entry due again). Each entry is taken by a conditional update, so two
/// senders never take the same one.
/// How many outbox entries wait for delivery.
pub fn outbox_backlog(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(outbox::table.filter(outbox::status.eq("pending")).count().get_result(conn)?)
}

pub fn take_due(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<Due>> {
    let due: Vec<DeliveryRow> = outbox::table
        .filter(outbox::status.eq("pending"))
        .filter(outbox::next_attempt_at.is_null().or(outbox::next_attempt_at.le(at)))
        .order(outbox::created_at.asc())
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)?;
    let mut taken = Vec::new();
    for row in due {
        let entry = outbox::table.filter(outbox::id.eq(&row.id)).filter(outbox::status.eq("pending"));
        let lease = outbox::next_attempt_at.eq(Some(lease_until));
        let won = match row.next_attempt_at {
            Some(seen) => {
                diesel::update(entry.filter(outbox::next_attempt_at.eq(seen))).set(lease).execute(conn)?
            }
            None => {
                diesel::update(entry.filter(outbox::next_attempt_at.is_null())).set(lease).execute(conn)?
            }
        };
        if won == 1 {
            taken.push(row);
        }
    }
    let ids: Vec<&str> = taken.iter().map(|r| r.notification_id.as_str()).collect();
    let kinds: HashMap<String, (String, Option<String>)> = notifications::table
        .filter(notifications::id.eq_any(&ids))
        .select((notifications::id, notifications::kind, notifications::claim_id))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, kind, claim)| (id, (kind, claim)))
        .collect();
    Ok(taken
        .into_iter()
        .map(|row| {
            let (kind, claim_id) = kinds.get(&row.notification_id).cloned().unwrap_or_default();
            Due { row, kind, claim_id }
        })
        .collect())
}

/// A delivery taken by [`take_due`], with what its notification is about.
#[derive(Debug, Clone)]
pub struct Due {
    pub row: DeliveryRow,
    /// The notice's stable code, e.g. `claim_filed`.
    pub kind: String,
    pub claim_id: Option<String>,
}

/// A delivery the receiver accepted.
pub fn delivered(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(Some(at)),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A delivery that failed: retried at `retry_at`, or dead-lettered when `dead`.
pub fn failed(
    conn: &mut DbConnection,
    id: &str,
    error: &str,
    retry_at: NaiveDateTime,
    dead: bool,
) -> StoreResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(if dead { "dead" } else { "pending" }),
            outbox::next_attempt_at.eq(Some(retry_at)),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Outbox entries in `status`, newest first, for an administrator.
pub fn deliveries(
    conn: &mut DbConnection,
    status: &str,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<DeliveryRow>> {
    Ok(outbox::table
        .filter(outbox::status.eq(status))
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Puts a dead-lettered delivery back in line, due now with a fresh count; false when there is no
/// dead delivery with that id.
pub fn retry(conn: &mut DbConnection, id: &str) -> StoreResult<bool> {
    Ok(diesel::update(outbox::table.find(id).filter(outbox::status.eq("dead")))
        .set((
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?
        == 1)
}

/// A person's channels beyond the feed: (SMS, push).
pub fn channels(conn: &mut DbConnection, user_id: &str) -> StoreResult<(bool, bool)> {
    Ok(users::table.find(user_id).select((users::notify_sms, users::notify_push)).first(conn)?)
}

/// Sets a person's channels beyond the feed.
pub fn set_channels(conn: &mut DbConnection, user_id: &str, sms: bool, push: bool) -> StoreResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::notify_sms.eq(sms), users::notify_push.eq(push)))
        .execute(conn)?;
    Ok(())
}

/// Withdraws the unread notices of `kind` about a claim from a user: they are marked read and
/// their undelivered SMS and pushes cancelled (a signature request answered in person).
pub fn withdraw(
    conn: &mut DbConnection,
    user_id: &str,
    notice: Notice,
    claim_id: &str,
) -> StoreResult<usize> {
    let ids: Vec<String> = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::kind.eq(notice.as_str()))
        .filter(notifications::claim_id.eq(claim_id))
        .filter(notifications::read_at.is_null())
        .select(notifications::id)
        .load(conn)?;
    diesel::update(notifications::table.filter(notifications::id.eq_any(&ids)))
        .set(notifications::read_at.eq(Some(now())))
        .execute(conn)?;
    Ok(diesel::update(
        outbox::table.filter(outbox::notification_id.eq_any(&ids)).filter(outbox::status.eq("pending")),
    )
    .set(outbox::status.eq("cancelled"))
    .execute(conn)?)
}

/// The deadline notices for the bureau: for each claim waiting on it with a due date within five
/// days, two days, or past, tell its jurisdiction's reviewers once per claim, notice and due date.
pub fn raise_deadline_notices(conn: &mut DbConnection, today: NaiveDate) -> StoreResult<usize> {
    use super::schema::claims;
    let horizon = today + chrono::Duration::days(5);
    let due: Vec<(String, String, NaiveDate)> = claims::table
        .filter(claims::waiting_on.eq("bureau"))
        .filter(claims::bureau_due_on.le(horizon))
        .select((claims::id, claims::jurisdiction, claims::bureau_due_on.assume_not_null()))
        .load(conn)?;
    let mut raised = 0;
    for (claim_id, jurisdiction, due_on) in due {
        let days_left = (due_on - today).num_days();
        let notice = match days_left {
            d if d < 0 => Notice::DeadlineOverdue,
            0..=2 => Notice::DeadlineIn2Days,
            _ => Notice::DeadlineIn5Days,
        };
        let reviewers = reviewers_of(conn, &jurisdiction)?;
        let key = due_on.to_string();
        raised += notify(
            conn,
            &reviewers,
            &Notify {
                notice,
                claim_id: Some(&claim_id),
                work_order_id: None,
                key: &key,
                params: serde_json::json!({"due_on": due_on, "days_left": days_left}),
            },
        )?;
    }
    Ok(raised)
}
