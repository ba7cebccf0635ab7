//! Browsers signed in: `/login` and `/logout`, the session cookie, CSRF, and the language switch.
//!
//! The cookie carries an access token of the same session table as the API's bearer tokens, so it
//! is checked the same way on every request (signature, expiry, the session still live) and ends
//! the same way: signing out, an administrator's revocation or a leaked refresh token end the
//! browser and the API alike. It lives `web_idle_minutes` and each page renews it. Every form
//! carries the session's CSRF token (an HMAC of the session id, checked server side); the sign-in
//! form, which comes before any session, carries a token of its own in a cookie beside it.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;

use super::{local_path, render, see_other, texts, Chrome, ChromeUser, PageError};
use crate::auth::caller_of_token;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Lang};
use crate::service::accounts::{self, LoginRequest};
use crate::service::Caller;
use crate::state::AppState;

pub use crate::auth::SESSION_COOKIE;
/// The sign-in form's own CSRF cookie.
const LOGIN_COOKIE: &str = "baoxiu_login";
/// The language chosen with the switch.
const LANG_COOKIE: &str = "baoxiu_lang";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(root).service(login_page).service(login).service(logout).service(language);
}

/// The reader's language: the switch's choice, else `Accept-Language`.
pub fn page_lang(req: &HttpRequest) -> Lang {
    match req.cookie(LANG_COOKIE).as_ref().map(Cookie::value) {
        Some("en") => Lang::En,
        Some("zh-CN") => Lang::ZhCn,
        _ => Lang::from_accept_language(req.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())),
    }
}

fn path_and_query(req: &HttpRequest) -> String {
    req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into())
}

/// A signed-in browser: the caller as the services know it, and the page's frame.
pub struct Browser {
    pub caller: Caller,
    pub chrome: Chrome,
    /// A fresh token when this request renewed the session cookie.
    renewed: Option<(String, DateTime<Utc>)>,
    secure: bool,
}

impl Browser {
    /// The renewed session cookie to set on the response, if the session was renewed.
    pub fn renewed_cookie(&self) -> Option<Cookie<'static>> {
        self.renewed.as_ref().map(|(token, expires)| session_cookie(token.clone(), *expires, self.secure))
    }

    /// The page's frame, with a notice at the top.
    pub fn chrome_with(&self, notice: Option<&'static str>) -> Chrome {
        Chrome { notice, ..self.chrome.clone() }
    }

    /// Only someone of `role` may open this page; others are shown it is not theirs.
    pub fn require(&self, role: Role) -> Result<(), PageError> {
        if self.caller.role == role {
            Ok(())
        } else {
            Err(self.refused(AppError::new(Code::Forbidden)))
        }
    }

    /// A service's refusal, as a page in the reader's language.
    pub fn refused(&self, error: AppError) -> PageError {
        PageError::Refused { error, lang: self.caller.lang, chrome: Some(Box::new(self.chrome.clone())) }
    }
}

fn session_cookie(token: String, expires: DateTime<Utc>, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    if let Ok(at) = time::OffsetDateTime::from_unix_timestamp(expires.timestamp()) {
        cookie.set_expires(at);
    }
    cookie
}

fn removal(name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "").path("/").http_only(true).same_site(SameSite::Strict).finish();
    cookie.make_removal();
    cookie
}

impl FromRequest for Browser {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let lang = page_lang(req);
        let path = path_and_query(req);
        let get = req.method() == actix_web::http::Method::GET;
        Box::pin(async move {
            let internal = |e| PageError::new(AppError::internal(anyhow::anyhow!("{e}")), lang);
            let state = state.ok_or_else(|| internal("no app state"))?;
            // After signing in the browser comes back with a GET: to the page it was on, or, from a
            // form it posted, to the queue (a form's address is no page).
            let next = if get { path.clone() } else { "/".to_string() };
            let Some(token) = token else { return Err(PageError::SignIn { next, expired: false }) };
            let (caller, claims, unread) = match caller_of_token(&state, &token, lang, true).await {
                Ok(found) => found,
                Err(e) if e.code == Code::Internal => return Err(PageError::new(e, lang)),
                Err(_) => return Err(PageError::SignIn { next, expired: true }),
            };
            // Renewed once half the idle time has passed, so a busy page does not re-sign each time.
            let idle = state.config.web_idle_minutes as i64 * 60;
            let left = claims.exp - Utc::now().timestamp();
            let renewed = if left < idle / 2 {
                let fresh = accounts::browser_token(&state, &caller.id, &caller.session_id, caller.role)
                    .map_err(|e| PageError::new(e, lang))?;
                Some((fresh.token, fresh.expires_at))
            } else {
                None
            };
            let expires_at = match &renewed {
                Some((_, at)) => *at,
                None => Utc.timestamp_opt(claims.exp, 0).single().unwrap_or_else(Utc::now),
            };
            let t = texts::texts(lang);
            let user = ChromeUser {
                name: caller.display_name.clone(),
                home: super::home_of(caller.role),
                nav: super::nav_of(caller.role, t),
                role: texts::role_name(caller.role, lang),
                csrf: state.tokens.csrf_token(&caller.session_id),
                expires: expires_at.with_timezone(&chrono_tz::Asia::Shanghai).format("%H:%M").to_string(),
                unread: unread.unwrap_or(0),
            };
            let chrome = Chrome { t, lang, path, user: Some(user), notice: None };
            Ok(Browser { caller, chrome, renewed, secure: state.config.web_secure_cookie })
        })
    }
}

/// A form posted by a signed-in browser, its CSRF token checked: every page that changes
/// something takes one, so no such page can be reached without the token.
pub struct SignedForm {
    pub browser: Browser,
    fields: Vec<(String, String)>,
}

impl SignedForm {
    /// A field's value, if the form has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a field the form repeats.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A field's value, trimmed, or `None` when absent or blank.
    pub fn filled(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    }
}

/// A posted form's fields.
pub struct Fields<'a>(&'a SignedForm);

impl SignedForm {
    pub fn fields(&self) -> Fields<'_> {
        Fields(self)
    }
}

impl Fields<'_> {
    pub fn text(&self, name: &str) -> Option<String> {
        self.0.filled(name)
    }

    pub fn required(&self, name: &str) -> AppResult<String> {
        self.text(name).ok_or_else(|| AppError::invalid(name))
    }

    pub fn parsed<T: std::str::FromStr>(&self, name: &str) -> AppResult<Option<T>> {
        self.text(name).map(|v| v.parse().map_err(|_| AppError::invalid(name))).transpose()
    }

    pub fn version(&self) -> AppResult<Option<i32>> {
        self.parsed("version")
    }

    /// Every value of a field the form repeats.
    pub fn values<'b>(&'b self, name: &'b str) -> impl Iterator<Item = &'b str> + 'b {
        self.0.values(name)
    }

    /// A checkbox: present means ticked.
    pub fn ticked(&self, name: &str) -> bool {
        self.0.get(name).is_some()
    }

    /// Every field as posted, in order.
    pub fn all(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl FromRequest for SignedForm {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let browser = Browser::from_request(req, payload);
        let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let lang = page_lang(req);
        Box::pin(async move {
            let browser = browser.await?;
            let refused = |code| PageError::new(AppError::new(code), lang);
            let fields = form.await.map_err(|_| refused(Code::InvalidInput))?.into_inner();
            let state = state.ok_or_else(|| refused(Code::Internal))?;
            let presented = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
            if !state.tokens.csrf_matches(&browser.caller.session_id, presented) {
                tracing::warn!(user = %browser.caller.username, "form without its CSRF token refused");
                return Err(refused(Code::CsrfRefused));
            }
            Ok(SignedForm { browser, fields })
        })
    }
}

/// The start: each person's own home page.
#[get("/")]
async fn root(browser: Browser) -> HttpResponse {
    see_other(super::home_of(browser.caller.role))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    username: String,
    login_token: String,
    message: Option<&'static str>,
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    signed_out: Option<String>,
    /// A new password was just set with a reset link.
    reset: Option<String>,
}

fn login_form(
    req: &HttpRequest,
    next: &str,
    username: String,
    message: Option<&'static str>,
    status: StatusCode,
) -> HttpResponse {
    let lang = page_lang(req);
    let login_token = crate::auth::tokens::new_refresh_token();
    let page = LoginPage {
        c: Chrome { t: texts::texts(lang), lang, path: path_and_query(req), user: None, notice: None },
        next: local_path(Some(next)),
        username,
        login_token: login_token.clone(),
        message,
    };
    let mut response = render(&page, status, None);
    let cookie = Cookie::build(LOGIN_COOKIE, login_token)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    let _ = response.add_cookie(&cookie);
    response
}

#[get("/login")]
async fn login_page(req: HttpRequest, query: web::Query<LoginQuery>) -> HttpResponse {
    let t = texts::texts(page_lang(&req));
    let message = if query.expired.is_some() {
        Some(t.session_expired)
    } else if query.signed_out.is_some() {
        Some(t.signed_out)
    } else if query.reset.is_some() {
        Some(t.admin_password_set)
    } else {
        None
    };
    login_form(&req, query.next.as_deref().unwrap_or("/"), String::new(), message, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
    login_token: String,
}

/// Signs a browser in through the same use case as the API (throttling and lockout included).
#[post("/login")]
async fn login(req: HttpRequest, state: web::Data<AppState>, form: web::Form<LoginForm>) -> HttpResponse {
    let form = form.into_inner();
    let lang = page_lang(&req);
    let next = local_path(form.next.as_deref());
    let expected = req.cookie(LOGIN_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if expected.is_empty() || expected != form.login_token {
        let message = Code::CsrfRefused.text(lang);
        return login_form(&req, &next, form.username, Some(message), StatusCode::FORBIDDEN);
    }
    let ip = crate::auth::client_address(&req, &state);
    let body = LoginRequest { username: form.username.clone(), password: form.password };
    match accounts::login_browser(&state, ip, body).await {
        Ok(signed_in) => {
            let mut response = see_other(&next);
            let _ = response.add_cookie(&session_cookie(
                signed_in.token,
                signed_in.expires_at,
                state.config.web_secure_cookie,
            ));
            let _ = response.add_removal_cookie(&Cookie::build(LOGIN_COOKIE, "").path("/login").finish());
            response
        }
        Err(e) => {
            let status = e.status_code();
            let mut response = login_form(&req, &next, form.username, Some(e.code.text(lang)), status);
            if let Some(seconds) = e.retry_after {
                if let Ok(v) = seconds.to_string().parse() {
                    response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
                }
            }
            response
        }
    }
}

/// Signs out: the session ends for the browser and for any API token of it.
#[post("/logout")]
async fn logout(state: web::Data<AppState>, form: SignedForm) -> Result<HttpResponse, PageError> {
    let browser = form.browser;
    accounts::logout(&state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let mut response = see_other("/login?signed_out=1");
    let _ = response.add_removal_cookie(&removal(SESSION_COOKIE));
    Ok(response)
}

#[derive(Deserialize)]
struct LanguageQuery {
    back: Option<String>,
}

/// The language switch: remembers the choice and goes back to the page.
#[get("/language/{lang}")]
async fn language(lang: web::Path<String>, query: web::Query<LanguageQuery>) -> HttpResponse {
    let value = if lang.as_str() == "en" { "en" } else { "zh-CN" };
    let mut response = see_other(&local_path(query.back.as_deref()));
    let cookie = Cookie::build(LANG_COOKIE, value)
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .finish();
    let _ = response.add_cookie(&cookie);
    response
}

/// A multipart form's small fields before its file, read with the session's CSRF token checked
/// before any byte of the file is taken: `csrf` first, any short text fields, then the file field
/// named `file_field`, returned with the stream still open on it.
pub async fn multipart_file(
    state: &AppState,
    browser: &Browser,
    mut form: actix_multipart::Multipart,
    file_field: &str,
) -> Result<(Vec<(String, String)>, actix_multipart::Field, actix_multipart::Multipart), PageError> {
    use futures_util::StreamExt;
    /// Enough for a token, a kind or a note.
    const FIELD_BYTES: usize = 2048;
    let refused = |code| browser.refused(AppError::new(code));
    let mut fields: Vec<(String, String)> = Vec::new();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| refused(Code::InvalidInput))?;
        let name = field.name().unwrap_or_default().to_string();
        if name == file_field {
            let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
            if !state.tokens.csrf_matches(&browser.caller.session_id, csrf) {
                return Err(refused(Code::CsrfRefused));
            }
            return Ok((fields, field, form));
        }
        if fields.len() >= 8 {
            return Err(refused(Code::InvalidInput));
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| refused(Code::InvalidInput))?;
            if value.len() + chunk.len() > FIELD_BYTES {
                return Err(refused(if name == "csrf" { Code::CsrfRefused } else { Code::InvalidInput }));
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value).map_err(|_| refused(Code::InvalidInput))?;
        fields.push((name, value));
    }
    let has_csrf = fields.iter().any(|(k, _)| k == "csrf");
    Err(refused(if has_csrf { Code::InvalidInput } else { Code::CsrfRefused }))
}
