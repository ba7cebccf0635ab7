//! Accounts, sessions, refresh tokens and devices.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{devices, memberships, refresh_tokens, sessions, users};
use super::DbConnection;
use crate::db::{StoreError, StoreResult};
use crate::domain::registry::Role;

/// The current time as stored: UTC, to the microsecond (PostgreSQL's precision).
pub fn now() -> NaiveDateTime {
    let t = chrono::Utc::now().naive_utc();
    t.with_nanosecond_micros()
}

trait TruncateMicros {
    fn with_nanosecond_micros(self) -> Self;
}

impl TruncateMicros for NaiveDateTime {
    fn with_nanosecond_micros(self) -> Self {
        use chrono::Timelike;
        let micros = self.nanosecond() / 1_000 * 1_000;
        self.with_nanosecond(micros).unwrap_or(self)
    }
}

/// A new UUIDv7 id as text: time-ordered, so new rows append to the index.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A user as stored.
#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A user to create.
#[derive(Insertable, Debug)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub phone: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: Role,
    pub active: bool,
    pub failed_logins: i32,
    pub created_at: NaiveDateTime,
}

/// What an authenticated request needs to know about its caller.
#[derive(Queryable, Debug, Clone)]
pub struct SessionUser {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// Creates a user; a taken username is a duplicate.
pub fn insert_user(conn: &mut DbConnection, user: &NewUser<'_>) -> StoreResult<()> {
    let taken = users::table
        .filter(users::username.eq(user.username))
        .select(users::id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if taken {
        return Err(StoreError::Duplicate(Some("username")));
    }
    diesel::insert_into(users::table).values(user).execute(conn)?;
    Ok(())
}

pub fn find_user_by_username(conn: &mut DbConnection, username: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_user(conn: &mut DbConnection, id: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table.find(id).select(UserRow::as_select()).first(conn).optional()?)
}

pub fn list_users(conn: &mut DbConnection, limit: i64, offset: i64) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .order(users::username.asc())
        .limit(limit)
        .offset(offset)
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Counts a failed sign-in against the account, wherever it came from, and returns the failures
/// since its last success: they slow every later failure down, but lock nobody out (a lock of the
/// account would let anyone lock a reviewer out from elsewhere; the lock is per account and
/// address, in `service::accounts`).
pub fn count_failed_login(conn: &mut DbConnection, user_id: &str) -> StoreResult<i32> {
    diesel::update(users::table.find(user_id))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .execute(conn)?;
    Ok(users::table.find(user_id).select(users::failed_logins).first(conn)?)
}

/// A successful sign-in clears the failure count and any expired lock.
pub fn record_login_success(conn: &mut DbConnection, user_id: &str) -> StoreResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::failed_logins.eq(0), users::locked_until.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}

/// Starts a session (one login) and stores its first refresh token's hash.
pub fn create_session(
    conn: &mut DbConnection,
    user_id: &str,
    refresh_hash: &str,
    refresh_expires: NaiveDateTime,
) -> StoreResult<String> {
    let id = new_id();
    let at = now();
    diesel::insert_into(sessions::table)
        .values((sessions::id.eq(&id), sessions::user_id.eq(user_id), sessions::created_at.eq(at)))
        .execute(conn)?;
    insert_refresh_token(conn, &id, refresh_hash, at, refresh_expires)?;
    Ok(id)
}

fn insert_refresh_token(
    conn: &mut DbConnection,
    session_id: &str,
    hash: &str,
    issued_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::issued_at.eq(issued_at),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Rotation {
    /// The token was current: it is now spent and `new_hash` is the session's current token.
    Rotated { session_id: String, user: SessionUser },
    /// Unknown or expired: nothing changed.
    Invalid,
    /// Already spent: somebody replayed it, so the whole session was revoked.
    Reused,
}

/// A refresh token as presented, with its session's state.
#[derive(Queryable)]
struct PresentedToken {
    session_id: String,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    replaced_by: Option<String>,
    revoked_at: Option<NaiveDateTime>,
}

/// Spends a refresh token and stores its successor, in the caller's transaction. A spent token that
/// comes back means a copy leaked: the session (the token's whole family) is revoked. One exception
/// keeps a phone signed in when the answer to its exchange was lost (a phone in a lift, a dropped
/// connection): within `retry_window`, while the successor has never been presented, the spent token may be
/// exchanged again; the unpresented successor is spent with no successor of its own, so if it
/// does turn up later (a thief's exchange raced the phone's) the session is revoked then.
pub fn rotate_refresh_token(
    conn: &mut DbConnection,
    presented_hash: &str,
    new_hash: &str,
    new_expires: NaiveDateTime,
    retry_window: Duration,
) -> StoreResult<Rotation> {
    let at = now();
    let found: Option<PresentedToken> = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(presented_hash))
        .select((
            refresh_tokens::session_id,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            refresh_tokens::replaced_by,
            sessions::revoked_at,
        ))
        .first(conn)
        .optional()?;
    let Some(PresentedToken { session_id, expires_at, used_at, replaced_by, revoked_at }) = found else {
        return Ok(Rotation::Invalid);
    };
    if let Some(used_at) = used_at {
        let unpresented = match replaced_by.filter(|_| at < used_at + retry_window) {
            Some(successor) => diesel::update(
                refresh_tokens::table.find(successor).filter(refresh_tokens::used_at.is_null()),
            )
            .set(refresh_tokens::used_at.eq(Some(at)))
            .execute(conn)?,
            None => 0,
        };
        if unpresented == 0 {
            revoke_session(conn, &session_id, "refresh_token_reused")?;
            return Ok(Rotation::Reused);
        }
    }
    if revoked_at.is_some() || expires_at <= at {
        return Ok(Rotation::Invalid);
    }
    let Some(user) = session_user(conn, &session_id)? else {
        return Ok(Rotation::Invalid);
    };
    // The window runs from the first exchange. A first exchange is conditional on the token being
    // unspent, so that of two racing on PostgreSQL the second finds nothing to update and is
    // refused (a repeated one is already serialized by spending the successor above).
    let target = refresh_tokens::table.find(presented_hash);
    let spend = (
        refresh_tokens::used_at.eq(Some(used_at.unwrap_or(at))),
        refresh_tokens::replaced_by.eq(Some(new_hash)),
    );
    let spent = match used_at {
        None => diesel::update(target.filter(refresh_tokens::used_at.is_null())).set(spend).execute(conn)?,
        Some(_) => diesel::update(target).set(spend).execute(conn)?,
    };
    if spent == 0 {
        return Ok(Rotation::Invalid);
    }
    insert_refresh_token(conn, &session_id, new_hash, at, new_expires)?;
    Ok(Rotation::Rotated { session_id, user })
}

/// Ends a session: its access tokens stop working at once and its refresh tokens are dead.
pub fn revoke_session(conn: &mut DbConnection, session_id: &str, reason: &str) -> StoreResult<()> {
    diesel::update(sessions::table.find(session_id).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(Some(now())), sessions::revoke_reason.eq(Some(reason))))
        .execute(conn)?;
    Ok(())
}

/// The live session's user, if the session is neither revoked nor its account disabled: one indexed
/// lookup per authenticated request.
pub fn session_user(conn: &mut DbConnection, session_id: &str) -> StoreResult<Option<SessionUser>> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .filter(sessions::revoked_at.is_null())
        .filter(users::active.eq(true))
        .select((users::id, users::username, users::display_name, users::role))
        .first(conn)
        .optional()?)
}

/// The organisations an account belongs to.
pub fn organisation_ids(conn: &mut DbConnection, user_id: &str) -> StoreResult<Vec<String>> {
    Ok(memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::organisation_id)
        .order(memberships::organisation_id)
        .load(conn)?)
}

/// An enrolled phone.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub public_key: String,
    pub enrolled_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

/// Enrolls a device for a user; an id already enrolled (to anyone) is refused, so a device id is
/// never silently moved between accounts.
pub fn insert_device(conn: &mut DbConnection, device: &DeviceRow) -> StoreResult<()> {
    let exists = devices::table.find(&device.id).select(devices::id).first::<String>(conn).optional()?;
    if exists.is_some() {
        return Err(StoreError::Duplicate(Some("device_id")));
    }
    diesel::insert_into(devices::table)
        .values((
            devices::id.eq(&device.id),
            devices::user_id.eq(&device.user_id),
            devices::name.eq(&device.name),
            devices::public_key.eq(&device.public_key),
            devices::enrolled_at.eq(device.enrolled_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn list_devices(conn: &mut DbConnection, user_id: &str) -> StoreResult<Vec<DeviceRow>> {
    Ok(devices::table
        .filter(devices::user_id.eq(user_id))
        .order(devices::enrolled_at.asc())
        .select(DeviceRow::as_select())
        .load(conn)?)
}

pub fn find_device(conn: &mut DbConnection, id: &str) -> StoreResult<Option<DeviceRow>> {
    Ok(devices::table.find(id).select(DeviceRow::as_select()).first(conn).optional()?)
}

/// The device, if it is `user_id`'s and still enrolled.
pub fn active_device_of(conn: &mut DbConnection, user_id: &str, id: &str) -> StoreResult<Option<DeviceRow>> {
    Ok(find_device(conn, id)?.filter(|d| d.user_id == user_id && d.retired_at.is_none()))
}

/// Retires a device: it keeps its history but may sign nothing new.
pub fn retire_device(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::update(devices::table.find(id).filter(devices::retired_at.is_null()))
        .set(devices::retired_at.eq(Some(now())))
        .execute(conn)?;
    Ok(())
}

/// Everyone who shares an organisation with one of these.
pub fn members_of_any(conn: &mut DbConnection, organisation_ids: &[String]) -> StoreResult<Vec<String>> {
    Ok(memberships::table
        .filter(memberships::organisation_id.eq_any(organisation_ids))
        .select(memberships::user_id)
        .distinct()
        .load(conn)?)
}

/// The organisations whose office the account is of.
pub fn office_organisations(conn: &mut DbConnection, user_id: &str) -> StoreResult<Vec<String>> {
    Ok(memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::office.eq(true))
        .select(memberships::organisation_id)
        .load(conn)?)
}

/// Display names and phone numbers of the given accounts, in one read.
pub fn people(
    conn: &mut DbConnection,
    ids: &[&str],
) -> StoreResult<std::collections::HashMap<String, (String, Option<String>)>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name, users::phone))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, name, phone)| (id, (name, phone)))
        .collect())
}
