//! Claims on the fund over REST: filing, every lifecycle step for the role that may take it, plans,
//! cost sheets, payment, the claim page and the reviewer queue.
//!
//! Each handler extracts the caller (its guard admits only the roles that may ever take the step),
//! calls one use case in `service::claims`, and maps the answer; the rules live there and in
//! `domain::lifecycle`.

use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::Paged;
use crate::auth::{AuthUser, ClaimApplicant, DeveloperStaff, RepairUnitStaff, Reviewer};
use crate::domain::ids::ClaimId;
use crate::error::AppResult;
use crate::service::claims::{
    self as service, ApproveRequest, ClaimPage, ClaimQuery, ClaimResponse, CostSheetRequest, DeveloperReply,
    DeveloperUnableRequest, DisputeSignatureRequest, FileClaim, InspectionResult, PayRequest,
    PlanDecisionRequest, PlanRequest, RejectRequest, RepairUnitRating, ReturnVisitRequest, SignRequest,
    SimpleStep, StepRequest, SubmitCostSheetRequest, VerifyRequest,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(defect_codes)
        .service(file_claim)
        .service(list_claims)
        .service(get_claim)
        .service(reviewer_queue)
        .service(ask_developer)
        .service(developer_reply)
        .service(developer_silent)
        .service(developer_unable)
        .service(developer_repaired)
        .service(developer_defaulted)
        .service(inspection)
        .service(approve)
        .service(reject)
        .service(submit_plan)
        .service(decide_plan)
        .service(start_repair)
        .service(new_cost_sheet)
        .service(sign_cost_sheet)
        .service(dispute_signature)
        .service(submit_cost_sheet)
        .service(return_cost_sheet)
        .service(verify)
        .service(pay)
        .service(notify_developer)
        .service(return_visit)
        .service(repair_unit_ratings);
}

/// The defect code list claims are coded with (locations, components, causes, in zh-CN and
/// English), and its version.
#[utoipa::path(tag = "claims", responses((status = 200, body = crate::domain::defects::CodeList)), security(("bearer" = [])))]
#[get("/defect-codes")]
async fn defect_codes(
    state: web::Data<AppState>,
    _user: AuthUser,
) -> web::Json<crate::domain::defects::CodeList> {
    web::Json(crate::service::claims::defect_codes(&state))
}

/// Files a claim: an owner for their own unit, the property manager for common parts (Art. 20);
/// or, for an emergency already repaired and paid, either of them with the evidence and the signed
/// cost sheet (Art. 25). Out-of-warranty defects are refused at once (Art. 18).
#[utoipa::path(tag = "claims", request_body = FileClaim, responses((status = 201, body = ClaimResponse), (status = 422, description = "out_of_warranty, ineligible_applicant, emergency_evidence_required")), security(("bearer" = [])))]
#[post("/claims")]
async fn file_claim(
    state: web::Data<AppState>,
    who: ClaimApplicant,
    body: web::Json<FileClaim>,
) -> AppResult<HttpResponse> {
    let claim = service::file(&state, &who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(claim))
}
/// Claims the caller may see, newest first. An owner sees their own; each claim says what the
/// caller must do next.
#[utoipa::path(tag = "claims", params(ClaimQuery), responses((status = 200, body = Paged<ClaimResponse>)), security(("bearer" = [])))]
#[get("/claims")]
async fn list_claims(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ClaimQuery>,
) -> AppResult<web::Json<Paged<ClaimResponse>>> {
    Ok(web::Json(service::list(&state, &user, &query).await?))
}
/// The reviewer's queue: claims in their jurisdiction waiting on the bureau, nearest legal deadline
/// first, overdue ones at the top, then those without a deadline, oldest first.
#[utoipa::path(tag = "claims", params(ClaimQuery), responses((status = 200, body = Paged<ClaimResponse>)), security(("bearer" = [])))]
#[get("/reviewer/queue")]
async fn reviewer_queue(
    state: web::Data<AppState>,
    who: Reviewer,
    query: web::Query<ClaimQuery>,
) -> AppResult<web::Json<Paged<ClaimResponse>>> {
    Ok(web::Json(service::queue(&state, &who, &query).await?))
}
/// One claim's page.
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = ClaimPage), (status = 404)), security(("bearer" = [])))]
#[get("/claims/{id}")]
async fn get_claim(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ClaimId>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::page(&state, &user, &id).await?))
}

macro_rules! simple_step {
    ($(#[$doc:meta])* $name:ident, $path:literal, $guard:ty, $step:expr) => {
        $(#[$doc])*
        #[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = StepRequest, responses((status = 200, body = ClaimPage), (status = 409, description = "step_out_of_order or stale_version")), security(("bearer" = [])))]
        #[post($path)]
        async fn $name(state: web::Data<AppState>, who: $guard, id: web::Path<ClaimId>, body: web::Json<StepRequest>) -> AppResult<web::Json<ClaimPage>> {
            Ok(web::Json(service::simple(&state, &who, &id, $step, body.into_inner()).await?))
        }
    };
}

simple_step!(
    /// The bureau asks the developer to repair or answer (Art. 21); the reply period starts.
    ask_developer, "/claims/{id}/ask-developer", Reviewer, SimpleStep::AskDeveloper
);
simple_step!(
    /// The developer did not answer by its reply date; refused before it has passed (Art. 17).
    developer_silent, "/claims/{id}/developer-silent", Reviewer, SimpleStep::DeveloperSilent
);
simple_step!(
    /// The developer repaired; the claim closes without the fund (Art. 17).
    developer_repaired, "/claims/{id}/developer-repaired", Reviewer, SimpleStep::DeveloperRepaired
);
simple_step!(
    /// The developer undertook to repair but did not (Art. 17).
    developer_defaulted, "/claims/{id}/developer-defaulted", Reviewer, SimpleStep::DeveloperDefaulted
);
simple_step!(
    /// The repair unit starts work on an approved plan (Art. 22).
    start_repair, "/claims/{id}/start-repair", RepairUnitStaff, SimpleStep::StartRepair
);
simple_step!(
    /// The bureau sends the cost sheet back; the repair unit submits a new revision.
    return_cost_sheet, "/claims/{id}/return-cost-sheet", Reviewer, SimpleStep::ReturnCostSheet
);
simple_step!(
    /// The bureau tells the developer what was used (Art. 26).
    notify_developer, "/claims/{id}/notify-developer", Reviewer, SimpleStep::NotifyDeveloper
);

/// The developer's answer: repair, or dispute (Art. 17, 24).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = DeveloperReply, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/developer-reply")]
async fn developer_reply(
    state: web::Data<AppState>,
    who: DeveloperStaff,
    id: web::Path<ClaimId>,
    body: web::Json<DeveloperReply>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::developer_reply(&state, &who, &id, body.into_inner()).await?))
}
/// The developer cannot repair (closed down, bankrupt): recorded at once, with the document that
/// shows it (Art. 17).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = DeveloperUnableRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/developer-unable")]
async fn developer_unable(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<ClaimId>,
    body: web::Json<DeveloperUnableRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::developer_unable(&state, &who, &id, body.into_inner()).await?))
}
/// The testing agency's finding (Art. 24).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = InspectionResult, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/inspection")]
async fn inspection(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<ClaimId>,
    body: web::Json<InspectionResult>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::inspection(&state, &who, &id, body.into_inner()).await?))
}
/// The bureau decides to use the fund (Art. 21).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = ApproveRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/approve")]
async fn approve(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<ClaimId>,
    body: web::Json<ApproveRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::approve(&state, &who, &id, body.into_inner()).await?))
}
/// The bureau refuses the claim with a coded reason naming its article.
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = RejectRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/reject")]
async fn reject(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<ClaimId>,
    body: web::Json<RejectRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::reject(&state, &who, &id, body.into_inner()).await?))
}
/// The designated repair unit submits its plan and budget (Art. 22).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = PlanRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/plans")]
async fn submit_plan(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<ClaimId>,
    body: web::Json<PlanRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::submit_plan(&state, &who, &id, body.into_inner()).await?))
}
/// The bureau approves the plan and budget, or returns it with comments (Art. 22).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = PlanDecisionRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/plan-decision")]
async fn decide_plan(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<ClaimId>,
    body: web::Json<PlanDecisionRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::decide_plan(&state, &who, &id, body.into_inner()).await?))
}
/// The repair unit records a new cost-sheet revision (Art. 22). Revisions never change; to change
/// anything, add a revision.
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = CostSheetRequest, responses((status = 201, body = ClaimPage), (status = 409, description = "stale_version")), security(("bearer" = [])))]
#[post("/claims/{id}/cost-sheets")]
async fn new_cost_sheet(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<ClaimId>,
    body: web::Json<CostSheetRequest>,
) -> AppResult<HttpResponse> {
    let page = service::add_revision(&state, &who, &id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(page))
}
/// The applicant signs one exact cost-sheet revision (签章确认, Art. 22). Only the applicant may,
/// only the latest revision, and a signed revision never changes.
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path), ("revision" = i32, Path)), request_body(content = SignRequest, description = "the hash shown (required: without it, 400 naming `revision_hash`) and the drawn signature"), responses((status = 200, body = ClaimPage), (status = 409, description = "stale_version")), security(("bearer" = [])))]
#[post("/claims/{id}/cost-sheets/{revision}/sign")]
async fn sign_cost_sheet(
    state: web::Data<AppState>,
    who: ClaimApplicant,
    path: web::Path<(ClaimId, i32)>,
    body: Option<web::Json<SignRequest>>,
) -> AppResult<web::Json<ClaimPage>> {
    let (id, revision) = path.into_inner();
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    Ok(web::Json(service::sign(&state, &who, &id, revision, body).await?))
}
/// The applicant disputes a signature a technician recorded in person on their behalf, before the
/// bureau verifies: it stops counting and the sheet goes back to the repair unit (Art. 22).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path), ("revision" = i32, Path)), request_body = DisputeSignatureRequest, responses((status = 200, body = ClaimPage), (status = 409, description = "stale_version, step_out_of_order")), security(("bearer" = [])))]
#[post("/claims/{id}/cost-sheets/{revision}/dispute-signature")]
async fn dispute_signature(
    state: web::Data<AppState>,
    who: ClaimApplicant,
    path: web::Path<(ClaimId, i32)>,
    body: web::Json<DisputeSignatureRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    let (id, revision) = path.into_inner();
    Ok(web::Json(service::dispute_signature(&state, &who, &id, revision, body.into_inner()).await?))
}
/// The repair unit hands the signed cost sheet to the bureau; the 20-day payout clock starts
/// (Art. 22-23).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = SubmitCostSheetRequest, responses((status = 200, body = ClaimPage), (status = 409, description = "cost_sheet_unsigned")), security(("bearer" = [])))]
#[post("/claims/{id}/submit-cost-sheet")]
async fn submit_cost_sheet(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<ClaimId>,
    body: web::Json<SubmitCostSheetRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::submit(&state, &who, &id, body.into_inner()).await?))
}
/// The bureau verifies the submitted cost sheet line by line: approve, cut with a reason, or
/// reject with a reason. The payout will be the approved total (Art. 23).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = VerifyRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/verify")]
async fn verify(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<ClaimId>,
    body: web::Json<VerifyRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::verify(&state, &who, &id, body.into_inner()).await?))
}
/// The bureau records the transfer of the approved total (Art. 23); the usage-notice clock starts
/// (Art. 26).
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = PayRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/pay")]
async fn pay(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<ClaimId>,
    body: web::Json<PayRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    Ok(web::Json(service::pay(&state, &who, &id, body.into_inner()).await?))
}
/// After payment the applicant rates the repair: attitude, quality and resolution, once.
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = ReturnVisitRequest, responses((status = 204), (status = 409, description = "already_exists or step_out_of_order")), security(("bearer" = [])))]
#[post("/claims/{id}/return-visit")]
async fn return_visit(
    state: web::Data<AppState>,
    who: ClaimApplicant,
    id: web::Path<ClaimId>,
    body: web::Json<ReturnVisitRequest>,
) -> AppResult<HttpResponse> {
    service::return_visit(&state, &who, &id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
/// The bureau's view of repair units: average return-visit ratings on claims in its jurisdiction,
/// lowest overall first, so a struggling unit is seen at once.
#[utoipa::path(tag = "claims", responses((status = 200, body = [RepairUnitRating])), security(("bearer" = [])))]
#[get("/reviewer/repair-unit-ratings")]
async fn repair_unit_ratings(
    state: web::Data<AppState>,
    who: Reviewer,
) -> AppResult<web::Json<Vec<RepairUnitRating>>> {
    Ok(web::Json(service::repair_unit_ratings(&state, &who).await?))
}
