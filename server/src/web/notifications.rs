//! The signed-in person's notifications, and marking one read.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use super::session::SignedForm;
use super::{render, see_other, Browser, Chrome, PageError};
use crate::domain::ids::NotificationId;
use crate::service::notifications::{self, FeedQuery, NotificationView};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(feed).service(mark_read);
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct FeedPage {
    c: Chrome,
    items: Vec<NotificationView>,
}

/// The newest 100 notifications, unread ones marked.
#[get("/notifications")]
async fn feed(state: web::Data<AppState>, browser: Browser) -> Result<HttpResponse, PageError> {
    let query = FeedQuery { unread: None, limit: Some(100), offset: None };
    let items =
        notifications::feed(&state, &browser.caller, query).await.map_err(|e| browser.refused(e))?.items;
    let page = FeedPage { c: browser.chrome_with(None), items };
    Ok(render(&page, StatusCode::OK, Some(&browser)))
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
