//! Printed documents over REST: each a PDF for those who may see its claim or building, and the
//! public check of a document by its number (`service::documents`).

use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::domain::ids::{BuildingId, ClaimId};
use crate::error::AppResult;
use crate::http::pdf_response;
use crate::service::documents::{self as service, Kind, Verification};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(cost_sheet)
        .service(dossier)
        .service(usage_notice)
        .service(deposit_notice)
        .service(deposit_certificate)
        .service(publication)
        .service(verify);
}

/// The repair cost sheet of one revision (物业维修工程费用清单, Art. 22), with its signature and hash.
#[utoipa::path(tag = "documents", params(("id" = uuid::Uuid, Path), ("revision" = i32, Path)), responses((status = 200, content_type = "application/pdf", description = "the PDF; Baoxiu-Document-Number"), (status = 404)), security(("bearer" = [])))]
#[get("/claims/{id}/cost-sheets/{revision}/pdf")]
async fn cost_sheet(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(ClaimId, i32)>,
) -> AppResult<HttpResponse> {
    let (id, revision) = path.into_inner();
    Ok(pdf_response(service::cost_sheet(&state, &user, &id, revision).await?))
}

/// The claim dossier: application, coverage, deadlines, plan, sheet, payout, evidence, timeline.
#[utoipa::path(tag = "documents", params(("id" = uuid::Uuid, Path)), responses((status = 200, content_type = "application/pdf", description = "the PDF"), (status = 404)), security(("bearer" = [])))]
#[get("/claims/{id}/dossier/pdf")]
async fn dossier(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ClaimId>,
) -> AppResult<HttpResponse> {
    Ok(pdf_response(service::dossier(&state, &user, &id).await?))
}

/// The usage notice to the developer (Art. 26).
#[utoipa::path(tag = "documents", params(("id" = uuid::Uuid, Path)), responses((status = 200, content_type = "application/pdf", description = "the PDF"), (status = 403), (status = 404)), security(("bearer" = [])))]
#[get("/claims/{id}/usage-notice/pdf")]
async fn usage_notice(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ClaimId>,
) -> AppResult<HttpResponse> {
    Ok(pdf_response(service::usage_notice(&state, &user, &id).await?))
}

/// The deposit notice (Art. 10).
#[utoipa::path(tag = "documents", params(("id" = uuid::Uuid, Path)), responses((status = 200, content_type = "application/pdf", description = "the PDF"), (status = 404)), security(("bearer" = [])))]
#[get("/buildings/{id}/deposit-notice/pdf")]
async fn deposit_notice(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<BuildingId>,
) -> AppResult<HttpResponse> {
    Ok(pdf_response(service::deposit(&state, &user, &id, Kind::DepositNotice).await?))
}

/// The deposit certificate (保修金交存证明, Art. 15), once paid in full.
#[utoipa::path(tag = "documents", params(("id" = uuid::Uuid, Path)), responses((status = 200, content_type = "application/pdf", description = "the PDF"), (status = 404)), security(("bearer" = [])))]
#[get("/buildings/{id}/deposit-certificate/pdf")]
async fn deposit_certificate(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<BuildingId>,
) -> AppResult<HttpResponse> {
    Ok(pdf_response(service::deposit(&state, &user, &id, Kind::DepositCertificate).await?))
}

/// A building's yearly publication of its fund (Art. 28).
#[utoipa::path(tag = "documents", params(("id" = uuid::Uuid, Path), ("year" = i32, Path)), responses((status = 200, content_type = "application/pdf", description = "the PDF"), (status = 404)), security(("bearer" = [])))]
#[get("/buildings/{id}/publication/{year}/pdf")]
async fn publication(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(BuildingId, i32)>,
) -> AppResult<HttpResponse> {
    let (id, year) = path.into_inner();
    Ok(pdf_response(service::publication(&state, &user, &id, year).await?))
}

/// Checks a document by its number: no sign-in, no personal data; the PDF's SHA-256 as issued.
#[utoipa::path(tag = "documents", params(("number" = String, Path)), responses((status = 200, body = Verification), (status = 404)))]
#[get("/documents/{number}")]
async fn verify(state: web::Data<AppState>, number: web::Path<String>) -> AppResult<web::Json<Verification>> {
    Ok(web::Json(service::verify(&state, &number).await?))
}
