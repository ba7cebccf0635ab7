//! The web pages, for the people who work in a browser: the bureau's console first.
//!
//! Pages are thin like the API's handlers: they extract the signed-in browser and the form, call
//! one use case in `service`, and render a compile-time checked template (`server/templates`).
//! Every control is a plain link or form; htmx (vendored, `assets`) only swaps parts of a page in
//! place. Texts come from [`texts`]; refusals show the service's own message.

mod admin;
mod assets;
mod charts;
mod claim;
mod field;
mod fund;
mod insights;
mod me;
mod notifications;
mod offices;
mod printed;
mod review;
mod session;
pub mod texts;
mod typed;
mod wording;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use askama::Template;
use chrono::{DateTime, Utc};

use crate::domain::coverage::{PartLocation, WarrantyCategory};
use crate::domain::lifecycle::{ClaimKind, ClaimState, RejectionReason, WaitingOn};
use crate::domain::registry::Role;
use crate::error::AppError;
use crate::messages::{Code, Lang};
pub use session::{Browser, SESSION_COOKIE};
use texts::Texts;

/// Registers the pages at the root, beside the API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(64 * 1024))
        .configure(assets::routes)
        .configure(field::routes)
        .configure(session::routes)
        .configure(review::routes)
        .configure(claim::routes)
        .configure(me::routes)
        .configure(offices::routes)
        .configure(printed::routes)
        .configure(fund::routes)
        .configure(insights::routes)
        .configure(notifications::routes)
        .configure(admin::routes);
}

/// What every page's frame shows: the language, the signed-in person, the notification count,
/// the CSRF token for its forms, and when the session lapses.
#[derive(Clone)]
pub struct Chrome {
    pub t: &'static Texts,
    pub lang: Lang,
    /// The page's own path and query, for the language switch to come back to.
    pub path: String,
    pub user: Option<ChromeUser>,
    /// A notice at the top of the page (a stale version reloaded, a step done).
    pub notice: Option<&'static str>,
}

#[derive(Clone)]
pub struct ChromeUser {
    pub name: String,
    /// Where this person starts, and the pages of their role: (address, label).
    pub home: &'static str,
    pub nav: Vec<(&'static str, &'static str)>,
    pub role: &'static str,
    pub csrf: String,
    /// When the session lapses unless a page is opened, in Shanghai time.
    pub expires: String,
    pub unread: i64,
}

impl std::fmt::Debug for Chrome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chrome").field("path", &self.path).field("lang", &self.lang).finish_non_exhaustive()
    }
}

impl Chrome {
    /// An amount as people read it: `¥3,840,000.00`, `−¥100.00`.
    pub fn yuan(&self, amount: impl std::fmt::Display) -> String {
        crate::messages::yuan(amount)
    }
    /// A difference against a budget: over it as money (`¥120.00`), under it as what was saved
    /// (`节余 ¥100.00`).
    pub fn variance(&self, amount: impl std::fmt::Display) -> String {
        let text = amount.to_string();
        match text.strip_prefix('-') {
            Some(saved) if saved.bytes().any(|b| (b'1'..=b'9').contains(&b)) => {
                format!("{} {}", self.t.saving, crate::messages::yuan(saved))
            }
            _ => crate::messages::yuan(text.trim_start_matches('-')),
        }
    }
    pub fn state_name(&self, s: &ClaimState) -> &'static str {
        texts::state_name(*s, self.lang)
    }
    pub fn category_name(&self, c: &WarrantyCategory) -> &'static str {
        texts::category_name(*c, self.lang)
    }
    pub fn location_name(&self, l: &PartLocation) -> &'static str {
        texts::location_name(*l, self.lang)
    }
    pub fn kind_name(&self, k: &ClaimKind) -> &'static str {
        texts::kind_name(*k, self.lang)
    }
    pub fn waiting_on_name(&self, w: &WaitingOn) -> &'static str {
        texts::waiting_on_name(*w, self.lang)
    }
    pub fn reason_name(&self, r: &RejectionReason) -> &'static str {
        texts::reason_name(*r, self.lang)
    }
    pub fn clock_name(&self, clock: &str) -> &'static str {
        texts::clock_name(clock, self.lang)
    }
    pub fn flag_name(&self, flag: &str) -> &'static str {
        texts::flag_name(flag, self.lang)
    }
    pub fn evidence_kind_name(&self, kind: &str) -> &'static str {
        texts::evidence_kind_name(kind, self.lang)
    }
    pub fn action_name(&self, action: &str) -> &'static str {
        texts::action_name(action, self.lang)
    }
    /// A category's name from its stored text (the fund's balances keep categories as text).
    pub fn category_text(&self, category: &str) -> &'static str {
        category.parse().map(|c| texts::category_name(c, self.lang)).unwrap_or("")
    }
    /// A state's name from its stored text (the timeline keeps states as text).
    pub fn state_text(&self, state: &str) -> &'static str {
        state.parse().map(|s| texts::state_name(s, self.lang)).unwrap_or("")
    }
    /// A defect code's name in this page's language.
    /// Where an Art. 30 register entry stands, in this page's language.
    pub fn entry_status(&self, status: &crate::domain::recurrence::EntryStatus) -> &'static str {
        use crate::domain::recurrence::EntryStatus;
        let i = insights::insight_texts(self.lang);
        match status {
            EntryStatus::Open => i.entry_open,
            EntryStatus::Confirmed => i.entry_confirmed,
            EntryStatus::Dismissed => i.entry_dismissed,
        }
    }
    pub fn code_name<'a>(&self, code: &'a crate::domain::defects::Code) -> &'a str {
        match self.lang {
            Lang::ZhCn => &code.zh,
            Lang::En => &code.en,
        }
    }
    pub fn role_name(&self, role: &Role) -> &'static str {
        texts::role_name(*role, self.lang)
    }
    pub fn org_kind_name(&self, kind: &crate::domain::registry::OrgKind) -> &'static str {
        texts::org_kind_name(*kind, self.lang)
    }
    pub fn class_name(&self, class: &crate::domain::registry::BuildingClass) -> &'static str {
        texts::class_name(*class, self.lang)
    }
    pub fn decision_name(&self, decision: &str) -> &'static str {
        texts::decision_name(decision, self.lang)
    }
    pub fn payee_name(&self, payee: &str) -> &'static str {
        texts::payee_name(payee, self.lang)
    }
    pub fn entry_kind_name(&self, kind: &str) -> &'static str {
        texts::entry_kind_name(kind, self.lang)
    }
    /// A moment as people in Shandong read it: Shanghai time, to the minute.
    pub fn local(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string()
    }
    /// This page's path, encoded for a `back=` query.
    pub fn back(&self) -> String {
        urlencode(&self.path)
    }
    /// Where the signed-in person starts.
    pub fn home(&self) -> &'static str {
        self.user.as_ref().map(|u| u.home).unwrap_or("/")
    }
    pub fn line_kind_name(&self, kind: &baoxiu_sync_protocol::cost_sheet::LineKind) -> &'static str {
        texts::line_kind_name(kind.as_str(), self.lang)
    }
    pub fn work_order_status(&self, status: &crate::domain::work_order::WorkOrderStatus) -> &'static str {
        texts::work_order_status_name(*status, self.lang)
    }
    /// The note, reason or comment a timeline step carries.
    pub fn note_of(&self, entry: &crate::service::claims::TimelineEntry) -> Option<String> {
        ["note", "reason", "comment"]
            .iter()
            .find_map(|k| entry.detail.get(k).and_then(|v| v.as_str()).map(str::to_owned))
    }
    /// A journal entry's reason in this page's language.
    pub fn journal_reason(&self, reason: &str) -> String {
        crate::messages::journal_reason(reason, self.lang)
    }
    /// A text's article references in this page's language: 第十七条 on a Chinese page.
    pub fn article(&self, text: &str) -> String {
        crate::messages::articles_in(text, self.lang)
    }
    /// One of a zh-CN and English pair, in this page's language.
    pub fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(zh, en)
    }
    /// The CSRF token for this page's forms.
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map(|u| u.csrf.as_str()).unwrap_or("")
    }
}

/// A notice named in a page's query, in the reader's language.
pub fn notice_of(chrome: &Chrome, name: Option<&str>) -> Option<&'static str> {
    let t = chrome.t;
    match name {
        Some("stale") => Some(t.stale_notice),
        Some("done") => Some(t.done_notice),
        Some("uploaded") => Some(t.document_uploaded),
        Some("filed") => Some(t.claim_filed),
        Some("signed") => Some(t.signed_notice),
        Some("changed") => Some(t.sheet_changed),
        _ => None,
    }
}

/// Where a person of `role` starts.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Reviewer => "/review",
        Role::Owner | Role::PropertyManager => "/me",
        Role::Developer => "/developer",
        Role::Technician => "/repair",
        Role::Admin => "/admin",
    }
}

/// The pages a person of `role` works in, for the header.
pub fn nav_of(role: Role, t: &'static Texts) -> Vec<(&'static str, &'static str)> {
    let mut nav = match role {
        Role::Reviewer => {
            vec![("/review", t.nav_queue), ("/review/fund", t.nav_fund), ("/review/insights", t.nav_insights)]
        }
        Role::Owner => vec![("/me", t.nav_my_claims)],
        // A property manager applies for common parts (Art. 20); where it is designated to repair
        // (Art. 21) its home page leads to the repairs.
        Role::PropertyManager => vec![("/me", t.nav_my_claims)],
        Role::Developer => vec![("/developer", t.nav_developer), ("/developer/insights", t.nav_insights)],
        Role::Technician => vec![("/repair", t.nav_repairs)],
        Role::Admin => vec![
            ("/admin", t.admin_accounts),
            ("/admin/organisations", t.admin_organisations),
            ("/admin/estates", t.admin_estates),
            ("/admin/outbox", t.admin_outbox),
            ("/admin/audit", t.admin_audit),
        ],
    };
    nav.push(("/notifications", t.nav_notifications));
    nav
}

/// Renders a page with the security headers every page carries; a renewed session cookie, if the
/// browser's was renewed, rides along.
pub fn render(template: &impl Template, status: StatusCode, browser: Option<&Browser>) -> HttpResponse {
    match template.render() {
        Ok(body) => {
            let mut response = HttpResponse::build(status);
            if let Some(cookie) = browser.and_then(Browser::renewed_cookie) {
                response.cookie(cookie);
            }
            let mut response = response.content_type("text/html; charset=utf-8").body(body);
            secure_headers(response.headers_mut());
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "page did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The content security policy of every page: scripts and styles from this server only, none
/// inline; nothing framed; forms post back here only.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

fn secure_headers(headers: &mut header::HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Pages hold personal data: never kept by a shared cache or the browser's back cache.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A 303 to `location`, after a form or to the sign-in page.
pub fn see_other(location: &str) -> HttpResponse {
    // A location no header can hold goes home rather than failing the response.
    let location = header::HeaderValue::from_str(location).unwrap_or(header::HeaderValue::from_static("/"));
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// A service's refusal as a person reads it at the form it refused: its message, what would make
/// it pass, and the field at fault.
pub struct InPlace {
    pub message: &'static str,
    pub hint: Option<&'static str>,
    pub detail: Option<String>,
}

impl InPlace {
    pub fn of(error: &AppError, lang: Lang) -> InPlace {
        InPlace {
            message: error.code.text(lang),
            hint: error.explanation.as_ref().and_then(|e| e.hint).map(|h| h.text(lang)),
            detail: error.detail.as_deref().and_then(|d| wording::detail_text(d, lang)),
        }
    }
}

/// Why a page is not shown: the browser must sign in (again), or the service refused, shown as
/// a page in the reader's language.
#[derive(Debug)]
pub enum PageError {
    SignIn {
        next: String,
        expired: bool,
    },
    /// The signed-in person's frame, where there is one, so that the page keeps its header and
    /// leads back to the reader's own home.
    Refused {
        error: AppError,
        lang: Lang,
        chrome: Option<Box<Chrome>>,
    },
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::SignIn { .. } => write!(f, "sign-in needed"),
            PageError::Refused { error, .. } => write!(f, "{error}"),
        }
    }
}

impl PageError {
    pub fn new(error: AppError, lang: Lang) -> PageError {
        PageError::Refused { error, lang, chrome: None }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    message: &'static str,
    hint: Option<&'static str>,
    status: u16,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn { .. } => StatusCode::SEE_OTHER,
            PageError::Refused { error, .. } => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::SignIn { next, expired } => {
                let mut url = format!("/login?next={}", urlencode(next));
                if *expired {
                    url.push_str("&expired=1");
                }
                see_other(&url)
            }
            PageError::Refused { error, lang, chrome } => {
                if error.code == Code::Internal {
                    tracing::error!(error = %error, "page failed");
                }
                let t = texts::texts(*lang);
                let message = match error.code {
                    Code::NotFound => t.not_found,
                    Code::Forbidden => t.forbidden_page,
                    code => code.text(*lang),
                };
                let hint = InPlace::of(error, *lang).hint;
                let c = match chrome {
                    Some(chrome) => Chrome { notice: None, ..(**chrome).clone() },
                    None => Chrome { t, lang: *lang, path: "/".into(), user: None, notice: None },
                };
                let page = ErrorPage { c, message, hint, status: self.status_code().as_u16() };
                render(&page, self.status_code(), None)
            }
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A path this site may send a browser back to: its own, never another origin's. Only `/` itself, or
/// a `/` followed by a path character (RFC 3986 `pchar`), with no control character or whitespace
/// anywhere: browsers drop tabs and newlines from a `Location` (so `/\t/evil.example` would be
/// `//evil.example`) and read `\` as `/`, and a header cannot hold a control character at all.
/// Other characters (a building's name in a filter) come back percent-encoded.
pub fn local_path(path: Option<&str>) -> String {
    let followed = |p: &str| {
        let pchar = |c: char| c.is_ascii_alphanumeric() || "-._~%!$&'()*+,;=:@".contains(c) || !c.is_ascii();
        p.starts_with('/')
            && p[1..].chars().next().is_none_or(pchar)
            && !p.chars().any(|c| {
                c.is_control() || c.is_whitespace() || c == '\\' || crate::service::is_bidi_control(c)
            })
            && !p.contains("://")
    };
    match path {
        Some(p) if followed(p) => p
            .chars()
            .map(|c| if c.is_ascii() { c.to_string() } else { urlencode(c.encode_utf8(&mut [0; 4])) })
            .collect(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_paths_are_followed_back() {
        assert_eq!(local_path(Some("/review?x=1")), "/review?x=1");
        assert_eq!(local_path(Some("/")), "/");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/x?u=http://e",
            "/\t/evil.example",
            "/\n/x",
            "/review\r\nSet-Cookie: a=b",
            "/ /evil.example",
            "/x\u{7f}",
            "",
        ] {
            assert_eq!(local_path(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(local_path(None), "/");
        assert_eq!(local_path(Some("/review?building=中")), "/review?building=%E4%B8%AD");
    }

    #[test]
    fn a_saving_against_the_budget_reads_as_one() {
        let c = Chrome {
            t: texts::texts(Lang::ZhCn),
            lang: Lang::ZhCn,
            path: "/".into(),
            user: None,
            notice: None,
        };
        assert_eq!(c.variance("-100.00"), "节余 ¥100.00");
        assert_eq!(c.variance("1200.50"), "¥1,200.50");
        assert_eq!(c.variance("0.00"), "¥0.00");
        assert_eq!(c.variance("-0.00"), "¥0.00");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(urlencode("/review?a=1&b=中"), "/review%3Fa%3D1%26b%3D%E4%B8%AD");
    }
}
