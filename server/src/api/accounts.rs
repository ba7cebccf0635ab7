//! Sign-in, token refresh, sign-out, the caller's own profile, and account administration over
//! REST. Each handler calls one use case in `service::accounts`; only the client's address, which
//! sign-in throttles on, is read from the request here.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{Page, Paged};
use crate::auth::{self, Admin, AuthUser};
use crate::domain::ids::UserId;
use crate::error::AppResult;
use crate::service::accounts::{
    self, AccountResponse, CreateUserRequest, LoginRequest, MeResponse, RefreshRequest, TokenResponse,
};
use crate::service::admin::{self, AuditEntry, AuditQuery, ResetLink, RoleRequest};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(create_user)
        .service(list_users)
        .service(get_user)
        .service(lock_user)
        .service(unlock_user)
        .service(reset_link)
        .service(set_role)
        .service(audit);
}

/// Signs in with username and password.
///
/// Failed attempts slow the answer down; too many lock the account and the client address for a
/// while (429 `too_many_attempts` with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "invalid_credentials", body = crate::error::ErrorBody),
        (status = 429, description = "too_many_attempts, or rate_limited: too many sign-ins from the address (Retry-After)", body = crate::error::ErrorBody)
    )
)]
#[post("/auth/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> AppResult<web::Json<TokenResponse>> {
    let ip = auth::client_address(&req, &state);
    Ok(web::Json(accounts::login(&state, ip, body.into_inner()).await?))
}

/// Trades a refresh token for new tokens. Each refresh token works once: presenting a spent one
/// revokes the whole session (401 `refresh_token_reused`), since a copy has leaked.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "refresh_token_invalid or refresh_token_reused", body = crate::error::ErrorBody)
    )
)]
#[post("/auth/refresh")]
async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> AppResult<web::Json<TokenResponse>> {
    Ok(web::Json(accounts::refresh(&state, body.into_inner()).await?))
}

/// Signs out: the session's access and refresh tokens stop working at once.
#[utoipa::path(tag = "auth", responses((status = 204)), security(("bearer" = [])))]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    accounts::logout(&state, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in account.
#[utoipa::path(tag = "auth", responses((status = 200, body = MeResponse)), security(("bearer" = [])))]
#[get("/me")]
async fn me(user: AuthUser) -> web::Json<MeResponse> {
    web::Json(accounts::me(&user))
}

/// Creates an account (administrators only).
#[utoipa::path(
    tag = "accounts",
    request_body = CreateUserRequest,
    responses((status = 201, body = AccountResponse), (status = 409, description = "username_taken")),
    security(("bearer" = []))
)]
#[post("/users")]
async fn create_user(
    state: web::Data<AppState>,
    _admin: Admin,
    body: web::Json<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(accounts::create_user(&state, body.into_inner()).await?))
}

/// Lists accounts (administrators only).
#[utoipa::path(tag = "accounts", params(Page), responses((status = 200, body = Paged<AccountResponse>)), security(("bearer" = [])))]
#[get("/users")]
async fn list_users(
    state: web::Data<AppState>,
    _admin: Admin,
    page: web::Query<Page>,
) -> AppResult<web::Json<Paged<AccountResponse>>> {
    Ok(web::Json(accounts::list_users(&state, page.into_inner()).await?))
}

/// One account (administrators only).
#[utoipa::path(tag = "accounts", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = AccountResponse)), security(("bearer" = [])))]
#[get("/users/{id}")]
async fn get_user(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<UserId>,
) -> AppResult<web::Json<AccountResponse>> {
    Ok(web::Json(accounts::get_user(&state, &id).await?))
}

/// Locks an account: it signs in nowhere and its sessions end at once (administrators only; not
/// their own).
#[utoipa::path(tag = "accounts", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = AccountResponse), (status = 409, description = "own_account")), security(("bearer" = [])))]
#[post("/users/{id}/lock")]
async fn lock_user(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<UserId>,
) -> AppResult<web::Json<AccountResponse>> {
    Ok(web::Json(admin::set_locked(&state, &admin, &id, true).await?))
}

/// Unlocks an account (administrators only); its old sessions stay ended.
#[utoipa::path(tag = "accounts", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = AccountResponse)), security(("bearer" = [])))]
#[post("/users/{id}/unlock")]
async fn unlock_user(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<UserId>,
) -> AppResult<web::Json<AccountResponse>> {
    Ok(web::Json(admin::set_locked(&state, &admin, &id, false).await?))
}

/// Issues a one-time password-reset link for an account, valid for 24 hours; an earlier link of
/// the account stops working (administrators only).
#[utoipa::path(tag = "accounts", params(("id" = uuid::Uuid, Path)), responses((status = 201, body = ResetLink)), security(("bearer" = [])))]
#[post("/users/{id}/password-reset")]
async fn reset_link(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(admin::reset_link(&state, &admin, &id).await?))
}

/// Gives an account another role (administrators only): refused while it belongs to an
/// organisation or owns a unit (`role_in_use`); its sessions end.
#[utoipa::path(tag = "accounts", params(("id" = uuid::Uuid, Path)), request_body = RoleRequest, responses((status = 200, body = AccountResponse), (status = 409, description = "role_in_use or own_account")), security(("bearer" = [])))]
#[post("/users/{id}/role")]
async fn set_role(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<UserId>,
    body: web::Json<RoleRequest>,
) -> AppResult<web::Json<AccountResponse>> {
    Ok(web::Json(admin::set_role(&state, &admin, &id, body.into_inner()).await?))
}

/// The audit log by person and date, newest first (administrators only).
#[utoipa::path(tag = "accounts", params(AuditQuery), responses((status = 200, body = Vec<AuditEntry>)), security(("bearer" = [])))]
#[get("/admin/audit")]
async fn audit(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<AuditQuery>,
) -> AppResult<web::Json<Vec<AuditEntry>>> {
    Ok(web::Json(admin::audit(&state, query.into_inner()).await?))
}
