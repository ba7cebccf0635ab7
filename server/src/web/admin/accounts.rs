//! Accounts: the list with the form for a new one (`/admin`), and each account's page with its
//! lock, its one-time password-reset link and its memberships.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use super::{admin_form, admin_only, answered, run, Back, PageParams};
use crate::domain::ids::{OrganisationId, UserId};
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, AccountResponse, CreateUserRequest};
use crate::service::admin::{self, ResetLink, RoleRequest};
use crate::service::registry::{self, NewMember, OrganisationResponse};
use crate::service::Page;
use crate::state::AppState;
use crate::web::session::{Fields, SignedForm};
use crate::web::{render, Browser, Chrome, PageError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(account)
        .service(lock)
        .service(unlock)
        .service(issue_reset)
        .service(change_role)
        .service(join)
        .service(leave);
}

/// Accounts a page lists.
const PER_PAGE: i64 = 100;

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    c: Chrome,
    b: Back,
    accounts: Vec<AccountResponse>,
    organisations: Vec<OrganisationResponse>,
    roles: &'static [Role],
    offset: i64,
    limit: i64,
}

impl AccountsPage {
    fn previous(&self) -> i64 {
        (self.offset - self.limit).max(0)
    }

    fn next(&self) -> Option<i64> {
        (self.accounts.len() as i64 == self.limit).then_some(self.offset + self.limit)
    }
}

async fn accounts_page(
    state: &AppState,
    browser: &Browser,
    (b, offset): (Back, i64),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let page = Page { limit: Some(PER_PAGE), offset: Some(offset) };
    let accounts = accounts::list_users(state, page).await.map_err(|e| browser.refused(e))?.items;
    let organisations =
        registry::list_organisations(state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let page = AccountsPage {
        c: browser.chrome_with(b.notice),
        b,
        accounts,
        organisations,
        roles: Role::ALL,
        offset,
        limit: PER_PAGE,
    };
    Ok(render(&page, status, Some(browser)))
}

/// Every account, a hundred a page, and the form for a new one.
#[get("/admin")]
async fn list(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    admin_only(&browser)?;
    let back = Back::opened(&browser, params.notice.as_deref());
    accounts_page(&state, &browser, (back, params.offset.unwrap_or(0).max(0)), StatusCode::OK).await
}

fn new_account(f: &Fields<'_>) -> AppResult<CreateUserRequest> {
    Ok(CreateUserRequest {
        username: f.required("username")?,
        display_name: f.required("display_name")?,
        phone: f.text("phone"),
        password: f.required("password")?,
        role: f.required("role")?.parse().map_err(|_| AppError::invalid("role"))?,
        organisation_id: f.text("organisation_id"),
    })
}

/// Creates an account through the API's use case.
#[post("/admin/accounts")]
async fn create(state: web::Data<AppState>, form: SignedForm) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let outcome = run(new_account(&fields), |request| accounts::create_user(&state, request)).await;
    let done = |a: AccountResponse| format!("/admin/accounts/{}?notice=done", a.id);
    let again = |b, status| accounts_page(&state, browser, (b, 0), status);
    answered(outcome, browser, ("create", &fields), done, again).await
}

#[derive(Template)]
#[template(path = "admin/account.html")]
struct AccountPage {
    c: Chrome,
    b: Back,
    a: AccountResponse,
    /// The link just issued, shown this once.
    reset: Option<ResetLink>,
    memberships: Vec<OrganisationResponse>,
    organisations: Vec<OrganisationResponse>,
    roles: &'static [Role],
}

async fn account_page(
    state: &AppState,
    browser: &Browser,
    id: &UserId,
    (b, reset): (Back, Option<ResetLink>),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let a = accounts::get_user(state, id).await.map_err(|e| browser.refused(e))?;
    let member_of = admin::memberships(state, id).await.map_err(|e| browser.refused(e))?;
    let organisations =
        registry::list_organisations(state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let (memberships, organisations) = organisations.into_iter().partition(|o| member_of.contains(&o.id));
    let page = AccountPage {
        c: browser.chrome_with(b.notice),
        b,
        a,
        reset,
        memberships,
        organisations,
        roles: Role::ALL,
    };
    Ok(render(&page, status, Some(browser)))
}

/// One account: its lock, a reset link, its memberships.
#[get("/admin/accounts/{id}")]
async fn account(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<UserId>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    admin_only(&browser)?;
    let back = Back::opened(&browser, params.notice.as_deref());
    account_page(&state, &browser, &id, (back, None), StatusCode::OK).await
}

async fn set_locked(
    state: &AppState,
    form: SignedForm,
    id: &UserId,
    locked: bool,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let outcome = admin::set_locked(state, &browser.caller, id, locked).await;
    let done = |a: AccountResponse| format!("/admin/accounts/{}?notice=done", a.id);
    let again = |b, status| account_page(state, browser, id, (b, None), status);
    answered(outcome, browser, ("lock", &fields), done, again).await
}

/// Locks the account: it signs in nowhere, its sessions end at once.
#[post("/admin/accounts/{id}/lock")]
async fn lock(
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    set_locked(&state, form, &id, true).await
}

#[post("/admin/accounts/{id}/unlock")]
async fn unlock(
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    set_locked(&state, form, &id, false).await
}

/// Issues a one-time reset link and shows it once, on the account's page.
#[post("/admin/accounts/{id}/reset")]
async fn issue_reset(
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let browser = &form.browser;
    admin_only(browser)?;
    let link = admin::reset_link(&state, &browser.caller, &id).await.map_err(|e| browser.refused(e))?;
    let back = Back { notice: Some(browser.chrome.t.admin_reset_issued), ..Back::default() };
    account_page(&state, browser, &id, (back, Some(link)), StatusCode::OK).await
}

/// Gives the account another role (once it belongs to no organisation and owns no unit).
#[post("/admin/accounts/{id}/role")]
async fn change_role(
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let role = fields.required("role").and_then(|r| r.parse().map_err(|_| AppError::invalid("role")));
    let outcome = run(role, |role| admin::set_role(&state, &browser.caller, &id, RoleRequest { role })).await;
    let done = |a: AccountResponse| format!("/admin/accounts/{}?notice=done", a.id);
    let again = |b, status| account_page(&state, browser, &id, (b, None), status);
    answered(outcome, browser, ("role", &fields), done, again).await
}

/// Adds the account to an organisation (its role must fit the organisation's kind).
#[post("/admin/accounts/{id}/join")]
async fn join(
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let outcome = match organisation(&fields) {
        Ok(org) => {
            let member = NewMember { user_id: id.to_string(), office: fields.ticked("office") };
            registry::add_member(&state, &browser.caller, &org, member).await
        }
        Err(e) => Err(e),
    };
    let done = |()| format!("/admin/accounts/{id}?notice=done");
    let again = |b, status| account_page(&state, browser, &id, (b, None), status);
    answered(outcome, browser, ("join", &fields), done, again).await
}

/// Takes the account out of an organisation (refused while it holds open work orders there).
#[post("/admin/accounts/{id}/leave")]
async fn leave(
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let outcome = run(organisation(&fields), |org| registry::remove_member(&state, (org, id.clone()))).await;
    let done = |()| format!("/admin/accounts/{id}?notice=done");
    let again = |b, status| account_page(&state, browser, &id, (b, None), status);
    answered(outcome, browser, ("leave", &fields), done, again).await
}

fn organisation(f: &Fields<'_>) -> AppResult<OrganisationId> {
    f.required("organisation_id")?.parse().map_err(|_| AppError::invalid("organisation_id"))
}
