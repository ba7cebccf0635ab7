//! The administrator's use cases beyond creating accounts and organisations: locking an account,
//! issuing a one-time password-reset link, and reading the audit log by person and date. Each is
//! the administrator's alone (the API's `Admin` extractor and the pages' role check both ask).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::tokens;
use crate::db::{accounts, admin};
use crate::domain::deadlines::shanghai_date;
use crate::domain::ids::UserId;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::accounts::{account_response, AccountResponse};
use crate::service::{utc, Caller, Context};

/// How long a password-reset link works.
pub const RESET_LINK_HOURS: i64 = 24;

/// Locks or unlocks an account. A locked account signs in nowhere and its sessions end at once;
/// an administrator cannot lock their own.
pub async fn set_locked(
    ctx: &Context,
    admin: &Caller,
    id: &UserId,
    locked: bool,
) -> AppResult<AccountResponse> {
    let id = id.to_string();
    if locked && id == admin.id {
        return Err(AppError::new(Code::OwnAccount));
    }
    let user = ctx
        .db
        .write(move |conn| {
            if !admin::set_active(conn, &id, !locked)? {
                return Err(AppError::new(Code::NotFound));
            }
            accounts::find_user(conn, &id)?.ok_or_else(|| AppError::new(Code::NotFound))
        })
        .await?;
    account_response(&user)
}

/// A new role for an account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    pub role: Role,
}

/// Gives an account another role. Only an account acting in no role's capacity changes it: one
/// still in an organisation or owning a unit is refused (`role_in_use`) until that ends, so no
/// technician is left in a repair unit as an owner. Its sessions end; an administrator cannot
/// change their own.
pub async fn set_role(
    ctx: &Context,
    admin: &Caller,
    id: &UserId,
    req: RoleRequest,
) -> AppResult<AccountResponse> {
    let id = id.to_string();
    if id == admin.id {
        return Err(AppError::new(Code::OwnAccount));
    }
    let user = ctx
        .db
        .write(move |conn| {
            let user = accounts::find_user(conn, &id)?.ok_or_else(|| AppError::new(Code::NotFound))?;
            if user.role == req.role {
                return Ok(user);
            }
            let in_use = !accounts::organisation_ids(conn, &id)?.is_empty()
                || !crate::db::registry::owned_unit_ids(conn, &id)?.is_empty();
            if in_use {
                return Err(AppError::new(Code::RoleInUse));
            }
            admin::set_role(conn, &id, req.role)?;
            accounts::find_user(conn, &id)?.ok_or_else(|| AppError::new(Code::NotFound))
        })
        .await?;
    account_response(&user)
}

/// The organisations an account belongs to, by id.
pub async fn memberships(ctx: &Context, id: &UserId) -> AppResult<Vec<String>> {
    let id = id.to_string();
    Ok(ctx.db.read(move |conn| accounts::organisation_ids(conn, &id)).await?)
}

/// The most accounts of one role a form offers to choose from.
const CHOICES: i64 = 500;

/// The accounts of one role, by username (an owner to record for a unit, the members of an owners'
/// committee), at most 500.
pub async fn accounts_with_role(ctx: &Context, role: Role) -> AppResult<Vec<AccountResponse>> {
    let rows = ctx.db.read(move |conn| admin::users_with_role(conn, role, CHOICES)).await?;
    rows.iter().map(account_response).collect()
}

/// How many outbox entries wait for delivery.
pub async fn backlog(ctx: &Context) -> AppResult<i64> {
    Ok(ctx.db.read(crate::db::notify::outbox_backlog).await?)
}

/// A one-time link with which the account's holder sets a new password.
#[derive(Serialize, ToSchema)]
pub struct ResetLink {
    /// The whole address to hand to the account's holder; shown once, kept only as a hash.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues a password-reset link for an account, replacing any earlier one.
pub async fn reset_link(ctx: &Context, admin: &Caller, id: &UserId) -> AppResult<ResetLink> {
    let token = tokens::new_refresh_token();
    let hash = tokens::refresh_token_hash(&token);
    let expires = accounts::now() + Duration::hours(RESET_LINK_HOURS);
    let (id, by) = (id.to_string(), admin.id.clone());
    ctx.db
        .write(move |conn| {
            if accounts::find_user(conn, &id)?.is_none() {
                return Err(AppError::new(Code::NotFound));
            }
            admin::insert_reset(conn, &hash, &id, &by, expires)?;
            Ok(())
        })
        .await?;
    let base = ctx.limits.public_url.trim_end_matches('/');
    Ok(ResetLink { url: format!("{base}/reset/{token}"), expires_at: utc(expires) })
}

/// The username a live reset link is for; a spent or unknown link is `reset_link_spent`.
pub async fn reset_account(ctx: &Context, token: &str) -> AppResult<String> {
    let hash = tokens::refresh_token_hash(token);
    let found = ctx.db.read(move |conn| admin::reset_account(conn, &hash)).await?;
    found.map(|(_, username)| username).ok_or_else(|| AppError::new(Code::ResetLinkSpent))
}

/// Which entries of the audit log to read.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// One person's entries, by username; everyone's if absent.
    pub person: Option<String>,
    /// The first and last day (Asia/Shanghai) of the entries; the last 7 days if absent.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One step someone took on a claim, as the audit log keeps it.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub username: String,
    pub claim_id: String,
    pub action: String,
    pub before_state: Option<String>,
    pub after_state: String,
    pub device_id: Option<String>,
}

/// The most entries one reading answers.
const AUDIT_LIMIT: i64 = 500;

/// The audit log by person and date, newest first, at most 500 entries.
pub async fn audit(ctx: &Context, query: AuditQuery) -> AppResult<Vec<AuditEntry>> {
    let to = query.to.unwrap_or_else(|| shanghai_date(Utc::now()));
    let week_before = to.checked_sub_signed(Duration::days(6)).ok_or_else(|| AppError::invalid("to"))?;
    let from = query.from.unwrap_or(week_before);
    if from > to || (to - from).num_days() > 366 {
        return Err(AppError::invalid("from"));
    }
    let day_after = to.checked_add_signed(Duration::days(1)).ok_or_else(|| AppError::invalid("to"))?;
    let bound = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(chrono_tz::Asia::Shanghai).single())
            .map(|t| t.naive_utc())
            .ok_or_else(|| AppError::invalid("from"))
    };
    let window = (bound(from)?, bound(day_after)?);
    let person = query.person.map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
    let rows = ctx.db.read(move |conn| admin::audit_by(conn, person.as_deref(), window, AUDIT_LIMIT)).await?;
    Ok(rows
        .into_iter()
        .map(|(row, username)| AuditEntry {
            at: utc(row.at),
            username,
            claim_id: row.claim_id,
            action: row.action,
            before_state: row.before_state,
            after_state: row.after_state,
            device_id: row.device_id,
        })
        .collect())
}
