//! The signed-in person's notifications, and marking one read.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use super::session::SignedForm;
use super::{home_of, render, see_other, Browser, Chrome, PageError};
use crate::domain::ids::NotificationId;
use crate::domain::registry::Role;
use crate::service::notifications::{self, FeedQuery, NotificationView};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(feed).service(open).service(mark_all_read).service(mark_read);
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct FeedPage {
    c: Chrome,
    role: Role,
    items: Vec<NotificationView>,
}

/// Where a notification takes its reader: the bureau's dossier for a reviewer, the work order for
/// whoever a work order was given to, the claim's page for every other party; a notice about no
/// claim (a deposit notice, a building's statement) leads to the reader's own home, where it is.
fn destination(role: Role, n: &NotificationView) -> Option<String> {
    let claim = n.about.as_ref().map(|a| &a.claim_id).or(n.claim_id.as_ref());
    // The day's digest of early warnings leads to the warnings themselves.
    if n.kind == crate::messages::Notice::DefectWarnings.as_str() {
        return match role {
            Role::Reviewer => Some("/review/insights#warnings".into()),
            Role::Developer => Some("/developer/insights#warnings".into()),
            _ => None,
        };
    }
    match (role, &n.work_order_id, claim) {
        (Role::Admin, ..) => None,
        (Role::Reviewer, _, Some(claim)) => Some(format!("/review/claims/{claim}")),
        (Role::Technician | Role::PropertyManager, Some(order), _) => {
            Some(format!("/repair/work-orders/{order}"))
        }
        (_, _, Some(claim)) => Some(format!("/claims/{claim}")),
        (role, _, None) => Some(home_of(role).to_string()),
    }
}

impl FeedPage {
    /// Opening a notification that leads somewhere marks it read on the way.
    fn href(&self, n: &NotificationView) -> Option<String> {
        destination(self.role, n).map(|_| format!("/notifications/{}/open", n.id))
    }

    /// The reader's unread notifications, all of them (the header counts them), not only the
    /// hundred this page lists.
    fn unread(&self) -> i64 {
        self.c.user.as_ref().map_or(0, |u| u.unread)
    }
}

/// The newest 100 notifications, unread ones marked.
#[get("/notifications")]
async fn feed(state: web::Data<AppState>, browser: Browser) -> Result<HttpResponse, PageError> {
    let query = FeedQuery { unread: None, limit: Some(100), offset: None };
    let items =
        notifications::feed(&state, &browser.caller, query).await.map_err(|e| browser.refused(e))?.items;
    let page = FeedPage { c: browser.chrome_with(None), role: browser.caller.role, items };
    Ok(render(&page, StatusCode::OK, Some(&browser)))
}

/// Opens a notification: marks it read and goes where it leads (the feed, where it leads nowhere).
/// A read mark is the only change, and the session cookie is same-site, so a link may do it.
#[get("/notifications/{id}/open")]
async fn open(
    state: web::Data<AppState>,
    id: web::Path<NotificationId>,
    browser: Browser,
) -> Result<HttpResponse, PageError> {
    let n = notifications::open(&state, &browser.caller, &id).await.map_err(|e| browser.refused(e))?;
    Ok(see_other(&destination(browser.caller.role, &n).unwrap_or_else(|| "/notifications".into())))
}

/// Every unread notification read at once.
#[post("/notifications/read")]
async fn mark_all_read(state: web::Data<AppState>, form: SignedForm) -> Result<HttpResponse, PageError> {
    let browser = form.browser;
    notifications::mark_all_read(&state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    Ok(see_other("/notifications"))
}

#[post("/notifications/{id}/read")]
async fn mark_read(
    state: web::Data<AppState>,
    id: web::Path<NotificationId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let browser = form.browser;
    notifications::mark_read(&state, &browser.caller, &id).await.map_err(|e| browser.refused(e))?;
    Ok(see_other("/notifications"))
}
