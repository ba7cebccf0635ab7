//! The administrator's pages (`/admin/…`): accounts (create, lock, a one-time password-reset link,
//! memberships), organisations, estates with their buildings, units, owners and owners'
//! committee, the outbox's dead letters, and the audit log by person and date; and the page where
//! a reset link sets a new password (`/reset/{token}`, no sign-in). Every step calls the same use
//! case as the API; every form carries the session's CSRF token; a refused form comes back with
//! what was typed.

mod accounts;
mod outbox;
mod registry;
mod reset;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::session::{Fields, SignedForm};
use super::typed::Typed;
use super::{notice_of, see_other, Browser, InPlace, PageError};
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::Code;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(accounts::routes)
        .configure(registry::routes)
        .configure(outbox::routes)
        .configure(reset::routes);
}

/// How an administrator's page comes back: after a step, with a notice; after a refusal, with it
/// beside the form refused and what was typed into it.
#[derive(Default)]
pub struct Back {
    pub notice: Option<&'static str>,
    pub refused: Option<(String, InPlace)>,
    pub typed: Typed,
}

impl Back {
    /// A page opened afresh, with the notice its address names.
    fn opened(browser: &Browser, notice: Option<&str>) -> Back {
        Back { notice: notice_of(&browser.chrome, notice), ..Back::default() }
    }

    /// The refusal of the form named `form`, if that form was refused.
    pub fn refusal_at(&self, form: &str) -> Option<&InPlace> {
        self.refused.as_ref().filter(|(f, _)| f == form).map(|(_, r)| r)
    }
}

/// Only the administrator opens these pages.
fn admin_only(browser: &Browser) -> Result<(), PageError> {
    browser.require(Role::Admin)
}

/// The administrator's posted form: its browser and fields; anyone else's is refused.
fn admin_form(form: &SignedForm) -> Result<(&Browser, Fields<'_>), PageError> {
    admin_only(&form.browser)?;
    Ok((&form.browser, form.fields()))
}

/// The use case run on the request a form made, or the form's own refusal.
async fn run<R, T, Fut>(request: AppResult<R>, use_case: impl FnOnce(R) -> Fut) -> AppResult<T>
where
    Fut: std::future::Future<Output = AppResult<T>>,
{
    use_case(request?).await
}

/// After a step of the form `form`: to `done` with a notice, or the page again (`again`) with the
/// refusal and what was typed; a refusal the page cannot show (not found, a fault) is an error page.
async fn answered<T, F, Fut>(
    outcome: Result<T, AppError>,
    browser: &Browser,
    (form, fields): (&str, &Fields<'_>),
    done: impl FnOnce(T) -> String,
    again: F,
) -> Result<HttpResponse, PageError>
where
    F: FnOnce(Back, StatusCode) -> Fut,
    Fut: std::future::Future<Output = Result<HttpResponse, PageError>>,
{
    match outcome {
        Ok(value) => Ok(see_other(&done(value))),
        Err(e) if matches!(e.code, Code::Internal | Code::NotFound) => Err(browser.refused(e)),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let back = Back {
                notice: None,
                refused: Some((form.to_string(), InPlace::of(&e, browser.caller.lang))),
                typed: Typed::of(form, fields),
            };
            again(back, status).await
        }
    }
}

#[derive(serde::Deserialize)]
struct PageParams {
    notice: Option<String>,
    offset: Option<i64>,
}
