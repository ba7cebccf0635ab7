//! Work orders over REST: the repair unit sends its technicians to site and they check in and out.
//! Each handler calls one use case in `service::work_orders`.

use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::Paged;
use crate::auth::{AuthUser, RepairUnitStaff};
use crate::domain::ids::{ClaimId, WorkOrderId};
use crate::error::AppResult;
use crate::service::work_orders::{
    self, AssignRequest, CreateWorkOrder, ScheduleRequest, SiteReport, WorkOrderQuery, WorkOrderView,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get_one)
        .service(assign)
        .service(schedule)
        .service(check_in)
        .service(check_out);
}

/// A work order for a claim: by the designated repair unit once the plan is approved and repair has
/// started (Art. 22), or at once by the property manager who is repairing an emergency (Art. 25).
#[utoipa::path(tag = "work orders", params(("id" = uuid::Uuid, Path)), request_body = CreateWorkOrder, responses((status = 201, body = WorkOrderView), (status = 409, description = "step_out_of_order")), security(("bearer" = [])))]
#[post("/claims/{id}/work-orders")]
async fn create(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<ClaimId>,
    body: web::Json<CreateWorkOrder>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(work_orders::create(&state, &who, &id, body.into_inner()).await?))
}

/// Work orders the caller may see: urgent first, then by arrival window.
#[utoipa::path(tag = "work orders", params(WorkOrderQuery), responses((status = 200, body = Paged<WorkOrderView>)), security(("bearer" = [])))]
#[get("/work-orders")]
async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<WorkOrderQuery>,
) -> AppResult<web::Json<Paged<WorkOrderView>>> {
    Ok(web::Json(work_orders::list(&state, &user, query.into_inner()).await?))
}

/// One work order with its visits.
#[utoipa::path(tag = "work orders", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = WorkOrderView)), security(("bearer" = [])))]
#[get("/work-orders/{id}")]
async fn get_one(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<WorkOrderId>,
) -> AppResult<web::Json<WorkOrderView>> {
    Ok(web::Json(work_orders::get_one(&state, &user, &id).await?))
}

/// Assigns or reassigns the work order; the technician is notified.
#[utoipa::path(tag = "work orders", params(("id" = uuid::Uuid, Path)), request_body = AssignRequest, responses((status = 200, body = WorkOrderView)), security(("bearer" = [])))]
#[post("/work-orders/{id}/assign")]
async fn assign(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<WorkOrderId>,
    body: web::Json<AssignRequest>,
) -> AppResult<web::Json<WorkOrderView>> {
    Ok(web::Json(work_orders::assign(&state, &who, &id, body.into_inner()).await?))
}

/// Records the arrival window the technician booked with the owner (at most 12 hours).
#[utoipa::path(tag = "work orders", params(("id" = uuid::Uuid, Path)), request_body = ScheduleRequest, responses((status = 200, body = WorkOrderView)), security(("bearer" = [])))]
#[post("/work-orders/{id}/schedule")]
async fn schedule(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<WorkOrderId>,
    body: web::Json<ScheduleRequest>,
) -> AppResult<web::Json<WorkOrderView>> {
    Ok(web::Json(work_orders::schedule(&state, &who, &id, body.into_inner()).await?))
}

/// The assigned technician arrives: a visit starts, with server time, device time and position.
#[utoipa::path(tag = "work orders", params(("id" = uuid::Uuid, Path)), request_body = SiteReport, responses((status = 200, body = WorkOrderView)), security(("bearer" = [])))]
#[post("/work-orders/{id}/check-in")]
async fn check_in(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<WorkOrderId>,
    body: web::Json<SiteReport>,
) -> AppResult<web::Json<WorkOrderView>> {
    Ok(web::Json(work_orders::check_in(&state, &who, &id, body.into_inner()).await?))
}

/// The technician leaves: the visit closes with notes and an outcome. `done` completes the order;
/// `partial` and `follow_up` leave it waiting for another visit.
#[utoipa::path(tag = "work orders", params(("id" = uuid::Uuid, Path)), request_body = SiteReport, responses((status = 200, body = WorkOrderView)), security(("bearer" = [])))]
#[post("/work-orders/{id}/check-out")]
async fn check_out(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<WorkOrderId>,
    body: web::Json<SiteReport>,
) -> AppResult<web::Json<WorkOrderView>> {
    Ok(web::Json(work_orders::check_out(&state, &who, &id, body.into_inner()).await?))
}
