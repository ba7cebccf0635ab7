//! Printed documents in the browser: the PDFs for the signed-in person (the same use cases and
//! scoping as the API's `…/pdf` routes) and the public verification page a document's QR code
//! opens, which shows its kind, number, date, amounts and hash and nothing personal.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;

use super::session::page_lang;
use super::{render, texts, Browser, Chrome, PageError};
use crate::domain::ids::{BuildingId, ClaimId};
use crate::http::pdf_response;
use crate::service::documents::{self as service, Kind, Verification};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(verify)
        .service(cost_sheet)
        .service(dossier)
        .service(usage_notice)
        .service(deposit_notice)
        .service(deposit_certificate)
        .service(publication);
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    c: Chrome,
    v: Verification,
    /// The amounts and dates printed, as (label, value).
    facts: Vec<(String, String)>,
}

/// A document's public check, from its QR code.
#[get("/verify/{number}")]
async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = page_lang(&req);
    let v = service::verify(&state, &number).await.map_err(|e| PageError::new(e, lang))?;
    let facts = match &v.facts {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(_, value)| !value.is_null() && !value.is_object())
            .map(|(k, value)| {
                (k.clone(), value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string()))
            })
            .collect(),
        _ => Vec::new(),
    };
    let c = Chrome { t: texts::texts(lang), lang, path: req.path().to_string(), user: None, notice: None };
    Ok(render(&VerifyPage { c, v, facts }, StatusCode::OK, None))
}

#[get("/claims/{id}/cost-sheets/{revision}/pdf")]
async fn cost_sheet(
    state: web::Data<AppState>,
    browser: Browser,
    path: web::Path<(ClaimId, i32)>,
) -> Result<HttpResponse, PageError> {
    let (id, revision) = path.into_inner();
    let issued =
        service::cost_sheet(&state, &browser.caller, &id, revision).await.map_err(|e| browser.refused(e))?;
    Ok(pdf_response(issued))
}

#[get("/claims/{id}/dossier/pdf")]
async fn dossier(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<ClaimId>,
) -> Result<HttpResponse, PageError> {
    let issued = service::dossier(&state, &browser.caller, &id).await.map_err(|e| browser.refused(e))?;
    Ok(pdf_response(issued))
}

#[get("/claims/{id}/usage-notice/pdf")]
async fn usage_notice(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<ClaimId>,
) -> Result<HttpResponse, PageError> {
    let issued = service::usage_notice(&state, &browser.caller, &id).await.map_err(|e| browser.refused(e))?;
    Ok(pdf_response(issued))
}

#[get("/buildings/{id}/deposit-notice/pdf")]
async fn deposit_notice(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<BuildingId>,
) -> Result<HttpResponse, PageError> {
    let issued = service::deposit(&state, &browser.caller, &id, Kind::DepositNotice)
        .await
        .map_err(|e| browser.refused(e))?;
    Ok(pdf_response(issued))
}

#[get("/buildings/{id}/deposit-certificate/pdf")]
async fn deposit_certificate(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<BuildingId>,
) -> Result<HttpResponse, PageError> {
    let issued = service::deposit(&state, &browser.caller, &id, Kind::DepositCertificate)
        .await
        .map_err(|e| browser.refused(e))?;
    Ok(pdf_response(issued))
}

#[get("/buildings/{id}/publication/{year}/pdf")]
async fn publication(
    state: web::Data<AppState>,
    browser: Browser,
    path: web::Path<(BuildingId, i32)>,
) -> Result<HttpResponse, PageError> {
    let (id, year) = path.into_inner();
    let issued =
        service::publication(&state, &browser.caller, &id, year).await.map_err(|e| browser.refused(e))?;
    Ok(pdf_response(issued))
}
