//! The fund over REST: deposit notices and payments, the building's fund page, interest, holds and
//! refunds, the yearly publication, the journal, corrections and usage notices. Each handler calls
//! one use case in `service::fund`; `render` turns statements and certificates into CSV and pages.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, DeveloperStaff, Reviewer};
use crate::domain::ids::{BuildingId, ClaimId, EntryId, HoldId};
use crate::error::{AppError, AppResult};
use crate::http::documents;
use crate::service::fund::{
    self, AwardRefundRequest, BuildingFund, CertificateView, DepositNoticeRequest, HoldRequest,
    InterestRunRequest, InterestRunView, JournalEntryView, LiftRequest, NoticeView, ObjectionRequest,
    PaymentRequest, PeriodQuery, RecheckRequest, RefundRequest, ReverseRequest, UsageNotice, YearStatement,
};
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `json` (default), `csv`, or `html` (a zh-CN page owners can read; building statements only).
    pub format: Option<String>,
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(notify_deposit)
        .service(get_notice)
        .service(object_to_notice)
        .service(recheck)
        .service(record_payment)
        .service(verify_certificate)
        .service(building_fund)
        .service(run_interest)
        .service(place_hold)
        .service(lift_hold)
        .service(refund)
        .service(publish)
        .service(publication)
        .service(jurisdiction_publication)
        .service(export_journal)
        .service(reverse_entry)
        .service(usage_notice)
        .service(award_refund);
}

/// The bureau notifies the developer of the deposit a building owes (Art. 8-10, 12). One per
/// building; the developer may object within 7 days (Art. 11).
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), request_body = DepositNoticeRequest, responses((status = 201, body = NoticeView), (status = 409, description = "already_exists")), security(("bearer" = [])))]
#[post("/buildings/{id}/deposit-notice")]
async fn notify_deposit(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<BuildingId>,
    body: web::Json<DepositNoticeRequest>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(fund::notify_deposit(&state, &reviewer, &id, body.into_inner()).await?))
}

/// A building's deposit notice with its payments and the late fee accruing today.
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = NoticeView), (status = 404)), security(("bearer" = [])))]
#[get("/buildings/{id}/deposit-notice")]
async fn get_notice(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<BuildingId>,
) -> AppResult<web::Json<NoticeView>> {
    Ok(web::Json(fund::get_notice(&state, &user, &id).await?))
}

/// The developer objects to the notified amount, within 7 days of the notice (Art. 11).
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), request_body = ObjectionRequest, responses((status = 200, body = NoticeView), (status = 409, description = "objection_period_over")), security(("bearer" = [])))]
#[post("/buildings/{id}/deposit-notice/objection")]
async fn object_to_notice(
    state: web::Data<AppState>,
    developer: DeveloperStaff,
    id: web::Path<BuildingId>,
    body: web::Json<ObjectionRequest>,
) -> AppResult<web::Json<NoticeView>> {
    Ok(web::Json(fund::object_to_notice(&state, &developer, &id, body.into_inner()).await?))
}

/// The bureau re-checks an objected notice and confirms or corrects it (Art. 11).
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), request_body = RecheckRequest, responses((status = 200, body = NoticeView)), security(("bearer" = [])))]
#[post("/buildings/{id}/deposit-notice/recheck")]
async fn recheck(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<BuildingId>,
    body: web::Json<RecheckRequest>,
) -> AppResult<web::Json<NoticeView>> {
    Ok(web::Json(fund::recheck(&state, &reviewer, &id, body.into_inner()).await?))
}

/// Records a deposit payment. A late payment is charged the late fee on the unpaid part from the
/// day after the due date (Art. 16); deposit and fee enter the journal, shared among the
/// categories. Paid in full, the notice yields a deposit certificate (Art. 15).
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), request_body = PaymentRequest, responses((status = 200, body = NoticeView)), security(("bearer" = [])))]
#[post("/buildings/{id}/deposit-payments")]
async fn record_payment(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<BuildingId>,
    body: web::Json<PaymentRequest>,
) -> AppResult<web::Json<NoticeView>> {
    Ok(web::Json(fund::record_payment(&state, &reviewer, &id, body.into_inner()).await?))
}

/// Checks a deposit certificate by its number (Art. 15): anyone holding one may verify it, so no
/// sign-in is needed; only what is printed on the certificate is returned.
#[utoipa::path(tag = "fund", params(("number" = String, Path), FormatQuery), responses((status = 200, body = CertificateView), (status = 404)))]
#[get("/deposit-certificates/{number}")]
async fn verify_certificate(
    state: web::Data<AppState>,
    number: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> AppResult<HttpResponse> {
    let view = fund::verify_certificate(&state, &number).await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(view)),
        Some("html") => Ok(documents::certificate_page(&view)),
        Some(_) => Err(AppError::invalid("format")),
    }
}

/// A building's fund: balances per category derived from its journal, refund dates, holds, the
/// custody limit, and the journal itself.
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = BuildingFund)), security(("bearer" = [])))]
#[get("/buildings/{id}/fund")]
async fn building_fund(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<BuildingId>,
) -> AppResult<web::Json<BuildingFund>> {
    Ok(web::Json(fund::building_fund(&state, &user, &id).await?))
}

/// Posts interest for a period on every building and category of a jurisdiction, on each day's
/// balance at the demand-deposit rate then in force, actual/360 (Art. 27). Re-running the same
/// period posts nothing again; a period overlapping one already posted is refused.
#[utoipa::path(tag = "fund", request_body = InterestRunRequest, responses((status = 200, body = InterestRunView), (status = 409, description = "interest_period_overlaps")), security(("bearer" = [])))]
#[post("/fund/interest-runs")]
async fn run_interest(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    body: web::Json<InterestRunRequest>,
) -> AppResult<web::Json<InterestRunView>> {
    Ok(web::Json(fund::run_interest(&state, &reviewer, body.into_inner()).await?))
}

/// Holds a category's refund while a serious, repeatedly repaired defect still impairs use (Art. 30).
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), request_body = HoldRequest, responses((status = 201)), security(("bearer" = [])))]
#[post("/buildings/{id}/holds")]
async fn place_hold(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<BuildingId>,
    body: web::Json<HoldRequest>,
) -> AppResult<HttpResponse> {
    let hold = fund::place_hold(&state, &reviewer, &id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({"id": hold})))
}

/// Lifts a hold, with the reason (the defect is repaired).
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path), ("hold" = uuid::Uuid, Path)), request_body = LiftRequest, responses((status = 204)), security(("bearer" = [])))]
#[post("/buildings/{id}/holds/{hold}/lift")]
async fn lift_hold(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    path: web::Path<(BuildingId, HoldId)>,
    body: web::Json<LiftRequest>,
) -> AppResult<HttpResponse> {
    fund::lift_hold(&state, &reviewer, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Refunds a category's balance to the developer once its warranty has expired, unless held
/// (Art. 29-30): its share of principal plus interest, less what was paid out of it.
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), request_body = RefundRequest, responses((status = 200, body = BuildingFund), (status = 409, description = "refund_not_due, refund_on_hold or nothing_to_refund")), security(("bearer" = [])))]
#[post("/buildings/{id}/refunds")]
async fn refund(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<BuildingId>,
    body: web::Json<RefundRequest>,
) -> AppResult<web::Json<BuildingFund>> {
    Ok(web::Json(fund::refund(&state, &reviewer, &id, body.into_inner()).await?))
}

/// The bureau publishes a building's year to its owners (Art. 28).
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path), ("year" = i32, Path, minimum = 2000, maximum = 2100)), responses((status = 204)), security(("bearer" = [])))]
#[post("/buildings/{id}/publication/{year}/publish")]
async fn publish(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    path: web::Path<(BuildingId, i32)>,
) -> AppResult<HttpResponse> {
    fund::publish(&state, &reviewer, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A building's statement for a year: deposits, uses, refunds and balance (Art. 28), as JSON, CSV
/// or a zh-CN page. Owners of the building see it once the bureau has published it.
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path), ("year" = i32, Path, minimum = 2000, maximum = 2100), FormatQuery), responses((status = 200, body = YearStatement)), security(("bearer" = [])))]
#[get("/buildings/{id}/publication/{year}")]
async fn publication(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(BuildingId, i32)>,
    query: web::Query<FormatQuery>,
) -> AppResult<HttpResponse> {
    let statement = fund::publication(&state, &user, path.into_inner()).await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(statement)),
        Some("csv") => documents::csv_of(std::slice::from_ref(&statement)),
        Some("html") => Ok(documents::html_of(&statement)),
        Some(_) => Err(AppError::invalid("format")),
    }
}

/// Every building of the reviewer's jurisdiction for a year (Art. 28), as JSON or CSV.
#[utoipa::path(tag = "fund", params(("year" = i32, Path, minimum = 2000, maximum = 2100), FormatQuery), responses((status = 200, body = [YearStatement])), security(("bearer" = [])))]
#[get("/fund/publication/{year}")]
async fn jurisdiction_publication(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    year: web::Path<i32>,
    query: web::Query<FormatQuery>,
) -> AppResult<HttpResponse> {
    let rows = fund::jurisdiction_publication(&state, &reviewer, year.into_inner()).await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(rows)),
        Some("csv") => documents::csv_of(&rows),
        Some(_) => Err(AppError::invalid("format")),
    }
}

/// The journal of the reviewer's jurisdiction for a period, as CSV for accountants.
#[utoipa::path(tag = "fund", params(PeriodQuery), responses((status = 200, description = "text/csv")), security(("bearer" = [])))]
#[get("/fund/journal.csv")]
async fn export_journal(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    query: web::Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let (from, to) = (query.from, query.to);
    let rows = fund::export_journal(&state, &reviewer, query.into_inner()).await?;
    documents::journal_csv(rows, &format!("journal-{from}-{to}.csv"))
}

/// Corrects the journal: posts the exact negation of an entry, with the reason. Entries are never
/// edited, and reversing money into the fund may not take a balance below zero.
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), request_body = ReverseRequest, responses((status = 201, body = JournalEntryView), (status = 409, description = "already_exists or insufficient_balance")), security(("bearer" = [])))]
#[post("/fund/journal/{id}/reverse")]
async fn reverse_entry(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<EntryId>,
    body: web::Json<ReverseRequest>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(fund::reverse_entry(&state, &reviewer, &id, body.into_inner()).await?))
}

/// The usage notice for a settled claim (Art. 26): what was used, from the journal.
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = UsageNotice)), security(("bearer" = [])))]
#[get("/claims/{id}/usage-notice")]
async fn usage_notice(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ClaimId>,
) -> AppResult<web::Json<UsageNotice>> {
    Ok(web::Json(fund::usage_notice(&state, &user, &id).await?))
}

/// Refunds the points a quality award earns after the deposit (Art. 9 iii): the deposit before
/// minus the deposit with the award, which keeps the 1 % floor; shared out of the categories.
#[utoipa::path(tag = "fund", params(("id" = uuid::Uuid, Path)), request_body = AwardRefundRequest, responses((status = 200, body = BuildingFund), (status = 409, description = "already_exists, nothing_to_refund or insufficient_balance")), security(("bearer" = [])))]
#[post("/buildings/{id}/award-refund")]
async fn award_refund(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<BuildingId>,
    body: web::Json<AwardRefundRequest>,
) -> AppResult<web::Json<BuildingFund>> {
    Ok(web::Json(fund::award_refund(&state, &reviewer, &id, body.into_inner()).await?))
}
