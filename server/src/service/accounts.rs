//! Accounts: sign-in with its throttling and lockout, token refresh, sign-out, the caller's own
//! profile, and account administration, for the API and the command line alike.

use std::net::IpAddr;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::throttle::slowdown;
use crate::auth::{password, tokens};
use crate::db::accounts::{self, now, NewUser, Rotation, UserRow};
use crate::db::{coordination, registry, Db, DbConnection, StoreError};
use crate::domain::ids::UserId;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Lang};
use crate::service::utc;
use crate::service::Context;
use crate::service::{optional_text, parse_id, text, Caller, Page, Paged};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Tokens for a session.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque token for `POST /api/v1/auth/refresh`; each use returns a new one.
    pub refresh_token: String,
    pub user: UserResponse,
}

#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

fn refresh_expiry(state: &AppState) -> chrono::NaiveDateTime {
    now() + Duration::days(state.config.refresh_token_ttl_days as i64)
}

/// Signs in with username and password.
///
/// Every attempt is counted before its password is hashed, per client address and per name and
/// address; too many lock them for a while (429 `too_many_attempts` with `Retry-After`), a name that
/// is no account exactly as a real one, so that a lock does not tell which accounts exist. Nothing
/// locks an account from every address. Failed attempts slow the answer down, growing with the
/// account's failures from anywhere. Hashing runs in a bounded pool
/// (`auth::throttle::HashingPool`); when it stays full the answer is 503 `service_unavailable`.
pub async fn login(state: &AppState, ip: IpAddr, body: LoginRequest) -> AppResult<TokenResponse> {
    let (user, session_id, refresh_token) = open_session(state, ip, body).await?;
    let (access_token, expires_in) =
        state.tokens.issue(&user.id, &session_id, user.role.as_str()).map_err(AppError::internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in,
        refresh_token,
        user: user_response(&user)?,
    })
}

/// A browser's sign-in: the token its session cookie carries, and when it lapses unless renewed.
pub struct BrowserSignIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Signs a browser in, with the same accounts, throttling and lockout as [`login`], into a
/// session of the same kind: signing out, or revoking it, ends the cookie as it ends a token.
pub async fn login_browser(state: &AppState, ip: IpAddr, body: LoginRequest) -> AppResult<BrowserSignIn> {
    let (user, session_id, _unused_refresh) = open_session(state, ip, body).await?;
    browser_token(state, &user.id, &session_id, user.role)
}

/// A fresh cookie token for a browser's live session: each page it opens renews its idle time.
pub fn browser_token(
    state: &AppState,
    user_id: &str,
    session_id: &str,
    role: Role,
) -> AppResult<BrowserSignIn> {
    let ttl = state.config.web_idle_minutes as i64 * 60;
    let (token, ttl) =
        state.tokens.issue_for(user_id, session_id, role.as_str(), ttl).map_err(AppError::internal)?;
    Ok(BrowserSignIn { token, expires_at: Utc::now() + Duration::seconds(ttl) })
}

/// Checks the password (counted, throttled, slowed down) and opens a session: the account, the
/// session's id and its refresh token.
async fn open_session(
    state: &AppState,
    ip: IpAddr,
    body: LoginRequest,
) -> AppResult<(UserRow, String, String)> {
    let LoginRequest { username, password } = body;
    // A name no account can have is refused before anything is looked up or counted.
    if username.chars().any(char::is_control) || username.chars().count() > 64 {
        return Err(AppError::invalid("username"));
    }
    let guards = &state.sign_in;
    let too_many = |secs: u64| AppError::new(Code::TooManyAttempts).retry_after(secs);
    let address_attempts = guards.addresses.begin(&ip, Instant::now()).map_err(too_many)?;

    // Attempts on one name from one address, counted before the password is checked (so that
    // concurrent guesses cannot all be evaluated first) and in the database (so that every server
    // counts the same). Too many lock that pair only: a guesser is kept out without locking the
    // account's owner out from anywhere else. Counted by name, account or not, so that a lock
    // does not tell which accounts exist.
    let pair = format!("sign_in/{ip}/{username}");
    let (max, window) = (
        i32::try_from(state.config.login_max_failures).unwrap_or(i32::MAX),
        i64::try_from(state.config.login_lockout_secs).unwrap_or(i64::MAX),
    );
    let (key, lookup) = (pair.clone(), username.clone());
    let (user, pair_attempts) = state
        .db
        .write(move |conn| {
            let counted = coordination::attempt(conn, &key, Utc::now().timestamp(), window, max)?;
            Ok::<_, AppError>((accounts::find_user_by_username(conn, &lookup)?, counted))
        })
        .await?;
    let pair_attempts = pair_attempts.map_err(|secs| too_many(u64::try_from(secs).unwrap_or(1)))?;

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = guards
        .hashing
        .run(move || password::verify(stored.as_deref().unwrap_or(password::dummy_hash()), &password))
        .await?;

    let user = match user {
        Some(user) if matches && user.active => user,
        other => {
            // Failures on the account from anywhere slow its guessing down, never lock it.
            let account_failures = match other {
                Some(user) => {
                    tracing::info!(user = %user.username, pair_attempts, "failed sign-in");
                    state.db.write(move |conn| accounts::count_failed_login(conn, &user.id)).await?
                }
                None => pair_attempts,
            };
            let recent =
                address_attempts.max(u32::try_from(account_failures.max(pair_attempts)).unwrap_or(0));
            tokio::time::sleep(slowdown(recent, state.config.login_slowdown_ms)).await;
            return Err(AppError::new(Code::InvalidCredentials));
        }
    };

    guards.addresses.succeeded(&ip);
    let refresh_token = tokens::new_refresh_token();
    let refresh_hash = tokens::refresh_token_hash(&refresh_token);
    let expires = refresh_expiry(state);
    let user_id = user.id.clone();
    let session_id = state
        .db
        .write(move |conn| {
            accounts::record_login_success(conn, &user_id)?;
            coordination::forget(conn, &pair)?;
            accounts::create_session(conn, &user_id, &refresh_hash, expires)
        })
        .await?;
    tracing::info!(user = %user.username, session = %session_id, "signed in");
    Ok((user, session_id, refresh_token))
}

fn user_response(user: &UserRow) -> AppResult<UserResponse> {
    Ok(UserResponse {
        id: user.id.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Trades a refresh token for new tokens. Each refresh token works once: presenting a spent one
/// revokes the whole session (401 `refresh_token_reused`), since a copy has leaked.
pub async fn refresh(state: &AppState, body: RefreshRequest) -> AppResult<TokenResponse> {
    let presented = tokens::refresh_token_hash(&body.refresh_token);
    let refresh_token = tokens::new_refresh_token();
    let new_hash = tokens::refresh_token_hash(&refresh_token);
    let expires = refresh_expiry(state);
    // At most a day: `Config::validate`.
    let retry = Duration::seconds(state.config.refresh_retry_secs as i64);
    let outcome = state
        .db
        .write(move |conn| accounts::rotate_refresh_token(conn, &presented, &new_hash, expires, retry))
        .await?;
    match outcome {
        Rotation::Rotated { session_id, user } => {
            let (access_token, expires_in) = state
                .tokens
                .issue(&user.user_id, &session_id, user.role.as_str())
                .map_err(AppError::internal)?;
            Ok(TokenResponse {
                access_token,
                token_type: "Bearer",
                expires_in,
                refresh_token,
                user: UserResponse {
                    role: user.role,
                    id: user.user_id,
                    username: user.username,
                    display_name: user.display_name,
                },
            })
        }
        Rotation::Invalid => Err(AppError::new(Code::RefreshTokenInvalid)),
        Rotation::Reused => {
            tracing::warn!("refresh token reused; session revoked");
            Err(AppError::new(Code::RefreshTokenReused))
        }
    }
}

/// Signs out: the session's access and refresh tokens stop working at once.
pub async fn logout(ctx: &Context, caller: &Caller) -> AppResult<()> {
    let session = caller.session_id.clone();
    ctx.db.write(move |conn| accounts::revoke_session(conn, &session, "logout")).await.map_err(AppError::from)
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The organisations this account belongs to.
    pub organisation_ids: Vec<String>,
}

/// The signed-in account.
pub fn me(caller: &Caller) -> MeResponse {
    MeResponse {
        id: caller.id.clone(),
        username: caller.username.clone(),
        display_name: caller.display_name.clone(),
        role: caller.role,
        organisation_ids: caller.organisation_ids.clone(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "owner-3-2-501", "display_name": "陈业主", "password": "change-me-2026", "role": "owner", "phone": "13800000501"}))]
pub struct CreateUserRequest {
    /// 3-64 characters: letters, digits, `.`, `_`, `-`.
    #[schema(
        example = "owner-3-2-501",
        min_length = 3,
        max_length = 64,
        pattern = r"^[A-Za-z0-9._-]{3,64}$"
    )]
    pub username: String,
    #[schema(max_length = 100)]
    pub display_name: String,
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    /// At least 10 characters.
    #[schema(example = "change-me-2026", min_length = 10, max_length = 256)]
    pub password: String,
    pub role: Role,
    /// The organisation to join; required for reviewers, developers, property managers and
    /// technicians, and must be of the matching kind.
    pub organisation_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountResponse {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

pub fn account_response(user: &UserRow) -> AppResult<AccountResponse> {
    Ok(AccountResponse {
        id: user.id.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        phone: user.phone.clone(),
        role: user.role,
        active: user.active,
        created_at: utc(user.created_at),
    })
}

/// Sets a new password with a one-time reset link an administrator issued
/// (`service::admin::reset_link`): the link is spent, the failed sign-ins forgotten and every
/// session of the account ended. Returns the username.
pub async fn reset_password(state: &AppState, token: &str, new_password: String) -> AppResult<String> {
    let username = crate::service::admin::reset_account(state, token).await?;
    if !password::acceptable(&new_password) {
        return Err(AppError::invalid("password"));
    }
    let hash = state.sign_in.hashing.run(move || password::hash(&new_password)).await??;
    let token_hash = tokens::refresh_token_hash(token);
    let spent = state.db.write(move |conn| crate::db::admin::redeem_reset(conn, &token_hash, &hash)).await?;
    spent.map(|_| username).ok_or_else(|| AppError::new(Code::ResetLinkSpent))
}

/// Checks a username's form.
pub fn valid_username(name: &str) -> bool {
    (3..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Creates an account (administrators only).
pub async fn create_user(state: &AppState, req: CreateUserRequest) -> AppResult<AccountResponse> {
    check_new_account(&req)?;
    let password = req.password.clone();
    let hash = state.sign_in.hashing.run(move || password::hash(&password)).await??;
    let created = state.db.write(move |conn| create_account_in(conn, &req, &hash)).await?;
    account_response(&created)
}

/// Checks a new account's fields before its password is hashed: the API and the command line
/// refuse alike.
pub fn check_new_account(req: &CreateUserRequest) -> AppResult<()> {
    if !valid_username(&req.username) {
        return Err(AppError::invalid("username"));
    }
    text(&req.display_name, "display_name", 100)?;
    optional_text(req.phone.as_deref(), "phone", 32)?;
    if !password::acceptable(&req.password) {
        return Err(AppError::invalid("password"));
    }
    let organisation_id = req.organisation_id.as_deref().map(parse_id).transpose()?;
    if req.role.organisation_kind().is_some() != organisation_id.is_some() {
        return Err(AppError::invalid("organisation_id"));
    }
    Ok(())
}

/// Creates a checked account with its hashed password, and its membership, in the caller's
/// transaction.
pub fn create_account_in(conn: &mut DbConnection, req: &CreateUserRequest, hash: &str) -> AppResult<UserRow> {
    let organisation_id = req.organisation_id.as_deref().map(parse_id).transpose()?;
    let user_id = accounts::new_id();
    let inserted = accounts::insert_user(
        conn,
        &NewUser {
            id: &user_id,
            username: &req.username,
            display_name: req.display_name.trim(),
            phone: req.phone.as_deref(),
            password_hash: hash,
            role: req.role,
            active: true,
            failed_logins: 0,
            created_at: now(),
        },
    );
    if let Err(StoreError::Duplicate(_)) = inserted {
        return Err(AppError::new(Code::UsernameTaken));
    }
    inserted?;
    if let Some(org) = &organisation_id {
        crate::service::registry::require_member_fits(conn, org, &user_id)?;
        registry::add_membership(conn, org, &user_id, false)?;
    }
    accounts::find_user(conn, &user_id)?.ok_or(AppError::new(Code::NotFound))
}

/// Lists accounts (administrators only).
pub async fn list_users(ctx: &Context, page: Page) -> AppResult<Paged<AccountResponse>> {
    let (limit, offset) = page.bounds()?;
    let rows = ctx.db.read(move |conn| accounts::list_users(conn, limit, offset)).await?;
    let items = rows.iter().map(account_response).collect::<AppResult<_>>()?;
    Ok(Paged { items, limit, offset })
}

/// One account (administrators only).
pub async fn get_user(ctx: &Context, id: &UserId) -> AppResult<AccountResponse> {
    let id = id.to_string();
    let user = ctx.db.read(move |conn| accounts::find_user(conn, &id)).await?;
    account_response(&user.ok_or(AppError::new(Code::NotFound))?)
}

/// The caller of a request whose token names `session_id` and `subject`, if that session is still
/// live and belongs to that subject, in one trip to the database; with `unread`, the caller's unread
/// notifications are counted in the same trip (the pages' header shows them). The API's bearer
/// tokens and the pages' session cookies alike come through here.
pub async fn caller_of_session(
    db: &Db,
    session_id: String,
    subject: String,
    lang: Lang,
    unread: bool,
) -> AppResult<(Caller, Option<i64>)> {
    let found = db
        .read(move |conn| match accounts::session_user(conn, &session_id)? {
            Some(user) if user.user_id == subject => {
                let orgs = accounts::organisation_ids(conn, &user.user_id)?;
                let count = match unread {
                    true => Some(crate::db::notify::unread_count(conn, &user.user_id)?),
                    false => None,
                };
                Ok::<_, AppError>(Some((user, orgs, session_id, count)))
            }
            _ => Ok(None),
        })
        .await?;
    let (user, organisation_ids, session_id, count) = found.ok_or(AppError::new(Code::SessionRevoked))?;
    let caller = Caller {
        id: user.user_id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        session_id,
        organisation_ids,
        lang,
    };
    Ok((caller, count))
}
