//! The page a one-time reset link opens (`/reset/{token}`): its account's holder sets a new
//! password, without signing in. The link is the secret; it works once, for 24 hours.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::service::{accounts, admin};
use crate::state::AppState;
use crate::web::session::page_lang;
use crate::web::{render, see_other, texts, Chrome, InPlace, PageError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page).service(set_password);
}

#[derive(Template)]
#[template(path = "admin/reset.html")]
struct ResetPage {
    c: Chrome,
    token: String,
    /// Whose account the link is for, while it works.
    username: Option<String>,
    refused: Option<InPlace>,
}

fn chrome(req: &HttpRequest) -> Chrome {
    let lang = page_lang(req);
    Chrome { t: texts::texts(lang), lang, path: "/login".into(), user: None, notice: None }
}

/// A token is 43 URL-safe characters; anything else is no link.
fn plausible(token: &str) -> bool {
    (16..=128).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[get("/reset/{token}")]
async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let c = chrome(&req);
    let token = token.into_inner();
    let found = match plausible(&token) {
        true => admin::reset_account(&state, &token).await,
        false => Err(crate::error::AppError::new(crate::messages::Code::ResetLinkSpent)),
    };
    let (username, refused, status) = match found {
        Ok(username) => (Some(username), None, StatusCode::OK),
        Err(e) => (None, Some(InPlace::of(&e, c.lang)), actix_web::ResponseError::status_code(&e)),
    };
    let token = if username.is_some() { token } else { String::new() };
    Ok(render(&ResetPage { c, token, username, refused }, status, None))
}

#[derive(serde::Deserialize)]
struct NewPassword {
    password: String,
}

#[post("/reset/{token}")]
async fn set_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<NewPassword>,
) -> Result<HttpResponse, PageError> {
    let c = chrome(&req);
    let token = token.into_inner();
    if !plausible(&token) {
        let e = crate::error::AppError::new(crate::messages::Code::ResetLinkSpent);
        return Err(PageError::new(e, c.lang));
    }
    match accounts::reset_password(&state, &token, form.into_inner().password).await {
        Ok(_) => Ok(see_other("/login?reset=1")),
        Err(e) if e.code == crate::messages::Code::Internal => Err(PageError::new(e, c.lang)),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = Some(InPlace::of(&e, c.lang));
            // A password too short asks again; a spent link says so, with no form.
            let username = match e.code {
                crate::messages::Code::ResetLinkSpent => None,
                _ => admin::reset_account(&state, &token).await.ok(),
            };
            let token = if username.is_some() { token } else { String::new() };
            Ok(render(&ResetPage { c, token, username, refused }, status, None))
        }
    }
}
