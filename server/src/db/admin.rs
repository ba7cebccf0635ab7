//! What an administrator changes about accounts beyond creating them: locking and unlocking,
//! one-time password-reset links, and the audit log read by person and date.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::accounts::{now, UserRow};
use super::claims::AuditRow;
use super::schema::{audit_log, password_resets, sessions, users};
use super::DbConnection;
use crate::db::StoreResult;
use crate::domain::registry::Role;

/// Locks (`active = false`) or unlocks an account; a locked account's sessions end at once (the
/// session lookup reads `active`), and they are revoked too, so that unlocking does not revive
/// them. Returns whether the account exists.
pub fn set_active(conn: &mut DbConnection, user_id: &str, active: bool) -> StoreResult<bool> {
    let found = diesel::update(users::table.find(user_id)).set(users::active.eq(active)).execute(conn)?;
    if found > 0 && !active {
        diesel::update(
            sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::revoked_at.is_null()),
        )
        .set((sessions::revoked_at.eq(Some(now())), sessions::revoke_reason.eq(Some("account_locked"))))
        .execute(conn)?;
    }
    Ok(found > 0)
}

/// Gives the account another role and ends its sessions (a token names the role it was issued
/// for). Returns whether the account exists.
pub fn set_role(conn: &mut DbConnection, user_id: &str, role: Role) -> StoreResult<bool> {
    let found =
        diesel::update(users::table.find(user_id)).set(users::role.eq(role.as_str())).execute(conn)?;
    if found > 0 {
        diesel::update(
            sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::revoked_at.is_null()),
        )
        .set((sessions::revoked_at.eq(Some(now())), sessions::revoke_reason.eq(Some("role_changed"))))
        .execute(conn)?;
    }
    Ok(found > 0)
}

/// Keeps a reset link's token hash for the account; earlier unused links of that account lapse.
pub fn insert_reset(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &str,
    created_by: &str,
    expires_at: NaiveDateTime,
) -> StoreResult<()> {
    let at = now();
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::expires_at.eq(at))
    .execute(conn)?;
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(token_hash),
            password_resets::user_id.eq(user_id),
            password_resets::created_by.eq(created_by),
            password_resets::created_at.eq(at),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The account a live reset link is for (unused, not lapsed, account active), if any.
pub fn reset_account(conn: &mut DbConnection, token_hash: &str) -> StoreResult<Option<(String, String)>> {
    Ok(password_resets::table
        .inner_join(users::table.on(users::id.eq(password_resets::user_id)))
        .filter(password_resets::token_hash.eq(token_hash))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now()))
        .filter(users::active.eq(true))
        .select((users::id, users::username))
        .first(conn)
        .optional()?)
}

/// Spends a live reset link and sets the account's new password hash; every session of the
/// account ends. Returns the account, or `None` where the link was not live (used meanwhile, by
/// another request: the conditional update takes it once).
pub fn redeem_reset(
    conn: &mut DbConnection,
    token_hash: &str,
    password_hash: &str,
) -> StoreResult<Option<String>> {
    let Some((user_id, _)) = reset_account(conn, token_hash)? else { return Ok(None) };
    let at = now();
    let spent = diesel::update(
        password_resets::table
            .filter(password_resets::token_hash.eq(token_hash))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(Some(at)))
    .execute(conn)?;
    if spent == 0 {
        return Ok(None);
    }
    diesel::update(users::table.find(&user_id))
        .set((
            users::password_hash.eq(password_hash),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::update(
        sessions::table.filter(sessions::user_id.eq(&user_id)).filter(sessions::revoked_at.is_null()),
    )
    .set((sessions::revoked_at.eq(Some(at)), sessions::revoke_reason.eq(Some("password_reset"))))
    .execute(conn)?;
    Ok(Some(user_id))
}

/// The audit log's entries by one person (or everyone), from `from` up to `until`, newest first,
/// with the actor's username.
pub fn audit_by(
    conn: &mut DbConnection,
    actor: Option<&str>,
    (from, until): (NaiveDateTime, NaiveDateTime),
    limit: i64,
) -> StoreResult<Vec<(AuditRow, String)>> {
    let mut query = audit_log::table
        .inner_join(users::table.on(users::id.eq(audit_log::actor_id)))
        .filter(audit_log::at.ge(from))
        .filter(audit_log::at.lt(until))
        .into_boxed();
    if let Some(actor) = actor {
        query = query.filter(users::username.eq(actor));
    }
    Ok(query
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .select((AuditRow::as_select(), users::username))
        .load(conn)?)
}

/// The accounts of one role, by username, at most `limit`.
pub fn users_with_role(conn: &mut DbConnection, role: Role, limit: i64) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::role.eq(role.as_str()))
        .order(users::username.asc())
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)?)
}
