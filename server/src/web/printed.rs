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
use crate::service::fund::{self, CertificateView};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(verify)
        .service(certificate)
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
    /// The amounts and dates printed, as (label, value), in the reader's language.
    facts: Vec<(&'static str, String)>,
}

/// A public page's frame: the signed-in person's header where they are signed in, so the page
/// is part of the site for them; the bare frame for anyone else.
fn public_frame(req: &HttpRequest, browser: Option<&Browser>) -> Chrome {
    match browser {
        Some(b) => Chrome { path: req.path().to_string(), ..b.chrome.clone() },
        None => {
            let lang = page_lang(req);
            Chrome { t: texts::texts(lang), lang, path: req.path().to_string(), user: None, notice: None }
        }
    }
}

/// A document's public check, from its QR code.
#[get("/verify/{number}")]
async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
    browser: Option<Browser>,
) -> Result<HttpResponse, PageError> {
    let c = public_frame(&req, browser.as_ref());
    let v = service::verify(&state, &number).await.map_err(|e| refused(e, &c))?;
    let facts = match &v.facts {
        serde_json::Value::Object(map) => {
            map.iter().filter_map(|(k, value)| super::wording::fact_text(k, value, c.lang)).collect()
        }
        _ => Vec::new(),
    };
    Ok(render(&VerifyPage { c, v, facts }, StatusCode::OK, browser.as_ref()))
}

fn refused(error: crate::error::AppError, c: &Chrome) -> PageError {
    let chrome = c.user.is_some().then(|| Box::new(c.clone()));
    PageError::Refused { error, lang: c.lang, chrome }
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    c: Chrome,
    cert: CertificateView,
}

/// A deposit certificate's public check (Art. 15), from its number: part of the site.
#[get("/certificates/{number}")]
async fn certificate(
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
    browser: Option<Browser>,
) -> Result<HttpResponse, PageError> {
    let c = public_frame(&req, browser.as_ref());
    let cert = fund::verify_certificate(&state, &number).await.map_err(|e| refused(e, &c))?;
    Ok(render(&CertificatePage { c, cert }, StatusCode::OK, browser.as_ref()))
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
