//! Recurring defects over REST (issue 32): the Art. 30 register and its decisions, the early
//! warnings and the developer's answers, the insights' figures and the claims behind each, and the
//! bureau's correction of a claim's coding.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{DeveloperStaff, InsightReader, Reviewer};
use crate::domain::ids::{ClaimId, RegisterEntryId, WarningId};
use crate::error::AppResult;
use crate::service::recurrence::insights::{self, ClaimBehind, Insights, InsightsQuery};
use crate::service::recurrence::warnings::{self, CloseWarningRequest, WarningView};
use crate::service::recurrence::{self, DecideEntryRequest, RecodeRequest, RegisterEntry};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(decide)
        .service(warning_list)
        .service(acknowledge)
        .service(close)
        .service(figures)
        .service(claims_behind)
        .service(recode);
}

/// Narrows a list to one building.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OfBuilding {
    building: Option<uuid::Uuid>,
}

/// The Art. 30 register: a reviewer's jurisdictions, a developer's buildings; newest first.
#[utoipa::path(tag = "recurrence", params(OfBuilding), responses((status = 200, body = Vec<RegisterEntry>)), security(("bearer" = [])))]
#[get("/art30")]
async fn register(
    state: web::Data<AppState>,
    reader: InsightReader,
    query: web::Query<OfBuilding>,
) -> AppResult<web::Json<Vec<RegisterEntry>>> {
    let building = query.building.map(|b| b.hyphenated().to_string());
    Ok(web::Json(recurrence::register(&state, &reader, building).await?))
}

/// The bureau confirms an entry (the defect still impairs use: the category's refund stays
/// refused) or dismisses it (the refund may go), with a reason and evidence (Art. 30).
#[utoipa::path(tag = "recurrence", params(("id" = uuid::Uuid, Path)), request_body = DecideEntryRequest, responses((status = 200, body = RegisterEntry), (status = 409, description = "step_out_of_order: already decided")), security(("bearer" = [])))]
#[post("/art30/{id}/decision")]
async fn decide(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<RegisterEntryId>,
    body: web::Json<DecideEntryRequest>,
) -> AppResult<web::Json<RegisterEntry>> {
    Ok(web::Json(recurrence::decide(&state, &reviewer, id.to_string(), body.into_inner()).await?))
}

/// The early warnings the caller may read, newest first: which building and category, which
/// period and rule, the claims behind it, and the developer's answer.
#[utoipa::path(tag = "recurrence", params(OfBuilding), responses((status = 200, body = Vec<WarningView>)), security(("bearer" = [])))]
#[get("/warnings")]
async fn warning_list(
    state: web::Data<AppState>,
    reader: InsightReader,
    query: web::Query<OfBuilding>,
) -> AppResult<web::Json<Vec<WarningView>>> {
    let building = query.building.map(|b| b.hyphenated().to_string());
    Ok(web::Json(warnings::list(&state, &reader, building).await?))
}

/// The developer acknowledges one of its warnings.
#[utoipa::path(tag = "recurrence", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = WarningView), (status = 409, description = "already_exists: acknowledged before")), security(("bearer" = [])))]
#[post("/warnings/{id}/acknowledge")]
async fn acknowledge(
    state: web::Data<AppState>,
    developer: DeveloperStaff,
    id: web::Path<WarningId>,
) -> AppResult<web::Json<WarningView>> {
    Ok(web::Json(warnings::answer(&state, &developer, id.to_string(), None).await?))
}

/// The developer closes an acknowledged warning with its cause and the measures taken.
#[utoipa::path(tag = "recurrence", params(("id" = uuid::Uuid, Path)), request_body = CloseWarningRequest, responses((status = 200, body = WarningView), (status = 409, description = "step_out_of_order: not acknowledged; already_exists: closed")), security(("bearer" = [])))]
#[post("/warnings/{id}/close")]
async fn close(
    state: web::Data<AppState>,
    developer: DeveloperStaff,
    id: web::Path<WarningId>,
    body: web::Json<CloseWarningRequest>,
) -> AppResult<web::Json<WarningView>> {
    Ok(web::Json(warnings::answer(&state, &developer, id.to_string(), Some(body.into_inner())).await?))
}

/// The insights' figures for a span of months (at most 36) and an estate, building or category.
#[utoipa::path(tag = "recurrence", params(InsightsQuery), responses((status = 200, body = Insights)), security(("bearer" = [])))]
#[get("/insights")]
async fn figures(
    state: web::Data<AppState>,
    reader: InsightReader,
    query: web::Query<InsightsQuery>,
) -> AppResult<web::Json<Insights>> {
    Ok(web::Json(insights::insights(&state, &reader, query.into_inner()).await?))
}

/// The claims behind the insights' numbers for the same filter, oldest first.
#[utoipa::path(tag = "recurrence", params(InsightsQuery), responses((status = 200, body = Vec<ClaimBehind>)), security(("bearer" = [])))]
#[get("/insights/claims")]
async fn claims_behind(
    state: web::Data<AppState>,
    reader: InsightReader,
    query: web::Query<InsightsQuery>,
) -> AppResult<web::Json<Vec<ClaimBehind>>> {
    Ok(web::Json(insights::claims(&state, &reader, query.into_inner()).await?))
}

/// The bureau corrects a claim's defect coding, with a reason kept in its timeline.
#[utoipa::path(tag = "recurrence", params(("id" = uuid::Uuid, Path)), request_body = RecodeRequest, responses((status = 204), (status = 409, description = "stale_version")), security(("bearer" = [])))]
#[post("/claims/{id}/defect")]
async fn recode(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<ClaimId>,
    body: web::Json<RecodeRequest>,
) -> AppResult<HttpResponse> {
    recurrence::recode(&state, &reviewer, id.to_string(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
