//! The outbox's dead letters, with the webhook they go to, and the audit log by person and date.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::{admin_form, admin_only, answered, run, Back, PageParams};
use crate::error::AppError;
use crate::service::admin::{self, AuditEntry, AuditQuery};
use crate::service::notifications::{self, DeliveryView, OutboxQuery};
use crate::state::AppState;
use crate::web::session::SignedForm;
use crate::web::{render, Browser, Chrome, InPlace, PageError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(outbox).service(retry).service(audit);
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    c: Chrome,
    b: Back,
    /// Where deliveries go: the webhook's scheme and host only (its path may carry a key).
    webhook: Option<String>,
    backlog: i64,
    dead: Vec<DeliveryView>,
}

/// The webhook's scheme, host and port: never its path, query or credentials, which may carry a key.
fn webhook_host(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", u.scheme()),
            (Some(host), None) => format!("{}://{host}", u.scheme()),
            (None, _) => u.scheme().to_string(),
        },
        Err(_) => String::new(),
    }
}

async fn outbox_page(
    state: &AppState,
    browser: &Browser,
    b: Back,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let query = OutboxQuery { status: Some("dead".into()), limit: Some(200), offset: None };
    let dead = notifications::outbox(state, query).await.map_err(|e| browser.refused(e))?.items;
    let backlog = admin::backlog(state).await.map_err(|e| browser.refused(e))?;
    let webhook = state.config.webhook_url.as_deref().map(webhook_host);
    let page = OutboxPage { c: browser.chrome_with(b.notice), b, webhook, backlog, dead };
    Ok(render(&page, status, Some(browser)))
}

#[get("/admin/outbox")]
async fn outbox(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    admin_only(&browser)?;
    let back = Back::opened(&browser, params.notice.as_deref());
    outbox_page(&state, &browser, back, StatusCode::OK).await
}

/// Sends a dead letter again.
#[post("/admin/outbox/{id}/retry")]
async fn retry(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let outcome = notifications::retry_delivery(&state, &id).await;
    let again = |b, status| outbox_page(&state, browser, b, status);
    answered(outcome, browser, ("retry", &fields), |()| "/admin/outbox?notice=done".into(), again).await
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    c: Chrome,
    b: Back,
    person: String,
    from: String,
    to: String,
    entries: Vec<AuditEntry>,
}

#[derive(serde::Deserialize)]
struct AuditParams {
    person: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The audit log by person and date (the last seven days of everyone's, unless asked).
#[get("/admin/audit")]
async fn audit(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, PageError> {
    admin_only(&browser)?;
    let params = params.into_inner();
    let day = |field: &str, value: &Option<String>| -> Result<Option<NaiveDate>, AppError> {
        match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => v.parse().map(Some).map_err(|_| AppError::invalid(field)),
            None => Ok(None),
        }
    };
    let query = day("from", &params.from)
        .and_then(|from| Ok(AuditQuery { person: params.person.clone(), from, to: day("to", &params.to)? }));
    let outcome = run(query, |query| admin::audit(&state, query)).await;
    let (entries, b, status) = match outcome {
        Ok(entries) => (entries, Back::default(), StatusCode::OK),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = Some(("audit".to_string(), InPlace::of(&e, browser.caller.lang)));
            (Vec::new(), Back { refused, ..Back::default() }, status)
        }
    };
    let page = AuditPage {
        c: browser.chrome_with(None),
        b,
        person: params.person.unwrap_or_default(),
        from: params.from.unwrap_or_default(),
        to: params.to.unwrap_or_default(),
        entries,
    };
    Ok(render(&page, status, Some(&browser)))
}

#[cfg(test)]
mod tests {
    use super::webhook_host;

    #[test]
    fn the_webhook_is_shown_without_its_path_or_credentials() {
        assert_eq!(webhook_host("https://sms.example.cn/hook/SECRET?key=1"), "https://sms.example.cn");
        assert_eq!(webhook_host("https://user:pw@gw.example:8443/x"), "https://gw.example:8443");
        assert_eq!(webhook_host("not a url /SECRET"), "");
    }
}
