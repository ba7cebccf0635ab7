//! Organisations, estates, buildings, units and their owners over REST. Reads are scoped to what
//! the caller may see (anything else answers 404); writes belong to administrators and, within their
//! jurisdiction, bureau reviewers. Each handler calls one use case in `service::registry`.

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{Page, Paged};
use crate::auth::{Admin, AuthUser, RegistryEditor};
use crate::domain::ids::{BuildingId, EstateId, OrganisationId, UnitId, UserId};
use crate::error::AppResult;
use crate::service::registry::{
    self, BuildingResponse, CommitteeRequest, CommitteeView, CreateBuilding, CreateEstate,
    CreateOrganisation, CreateUnit, EstateResponse, MemberView, NewMember, OrganisationResponse,
    UnitResponse, UpdateBuilding, UpdateEstate, UpdateUnit, UserRef,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_organisation)
        .service(list_organisations)
        .service(get_organisation)
        .service(add_member)
        .service(list_members)
        .service(remove_member)
        .service(create_estate)
        .service(list_estates)
        .service(get_estate)
        .service(update_estate)
        .service(update_unit)
        .service(create_building)
        .service(list_buildings)
        .service(get_building)
        .service(update_building)
        .service(create_unit)
        .service(list_units)
        .service(get_unit)
        .service(add_owner)
        .service(my_units)
        .service(set_committee)
        .service(get_committee);
}

/// Registers an organisation (administrators only).
#[utoipa::path(tag = "registry", request_body = CreateOrganisation, responses((status = 201, body = OrganisationResponse)), security(("bearer" = [])))]
#[post("/organisations")]
async fn create_organisation(
    state: web::Data<AppState>,
    admin: Admin,
    body: web::Json<CreateOrganisation>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(registry::create_organisation(&state, &admin, body.into_inner()).await?))
}

/// Organisations: all of them for administrators and reviewers, one's own for everyone else.
#[utoipa::path(tag = "registry", responses((status = 200, body = [OrganisationResponse])), security(("bearer" = [])))]
#[get("/organisations")]
async fn list_organisations(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<web::Json<Vec<OrganisationResponse>>> {
    Ok(web::Json(registry::list_organisations(&state, &user).await?))
}

/// One organisation.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = OrganisationResponse)), security(("bearer" = [])))]
#[get("/organisations/{id}")]
async fn get_organisation(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<OrganisationId>,
) -> AppResult<web::Json<OrganisationResponse>> {
    Ok(web::Json(registry::get_organisation(&state, &user, &id).await?))
}

/// Adds an account to an organisation (administrators only). The account's role must fit the
/// organisation's kind.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), request_body = NewMember, responses((status = 204)), security(("bearer" = [])))]
#[post("/organisations/{id}/members")]
async fn add_member(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<OrganisationId>,
    body: web::Json<NewMember>,
) -> AppResult<HttpResponse> {
    registry::add_member(&state, &admin, &id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers an estate. A reviewer may do so only in their own jurisdiction.
#[utoipa::path(tag = "registry", request_body = CreateEstate, responses((status = 201, body = EstateResponse), (status = 403, description = "outside_jurisdiction")), security(("bearer" = [])))]
#[post("/estates")]
async fn create_estate(
    state: web::Data<AppState>,
    editor: RegistryEditor,
    body: web::Json<CreateEstate>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(registry::create_estate(&state, &editor, body.into_inner()).await?))
}

/// Estates the caller may see.
#[utoipa::path(tag = "registry", params(Page), responses((status = 200, body = Paged<EstateResponse>)), security(("bearer" = [])))]
#[get("/estates")]
async fn list_estates(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<Page>,
) -> AppResult<web::Json<Paged<EstateResponse>>> {
    Ok(web::Json(registry::list_estates(&state, &user, page.into_inner()).await?))
}

/// One estate.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = EstateResponse), (status = 404)), security(("bearer" = [])))]
#[get("/estates/{id}")]
async fn get_estate(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<EstateId>,
) -> AppResult<web::Json<EstateResponse>> {
    Ok(web::Json(registry::get_estate(&state, &user, &id).await?))
}

/// Adds a building to an estate the editor may see.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), request_body = CreateBuilding, responses((status = 201, body = BuildingResponse)), security(("bearer" = [])))]
#[post("/estates/{id}/buildings")]
async fn create_building(
    state: web::Data<AppState>,
    editor: RegistryEditor,
    id: web::Path<EstateId>,
    body: web::Json<CreateBuilding>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(registry::create_building(&state, &editor, &id, body.into_inner()).await?))
}

/// An estate's buildings (for an owner, only those holding their units).
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = [BuildingResponse])), security(("bearer" = [])))]
#[get("/estates/{id}/buildings")]
async fn list_buildings(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<EstateId>,
) -> AppResult<web::Json<Vec<BuildingResponse>>> {
    Ok(web::Json(registry::list_buildings(&state, &user, &id).await?))
}

/// One building.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = BuildingResponse)), security(("bearer" = [])))]
#[get("/buildings/{id}")]
async fn get_building(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<BuildingId>,
) -> AppResult<web::Json<BuildingResponse>> {
    Ok(web::Json(registry::get_building(&state, &user, &id).await?))
}

/// Corrects a building's registry data.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), request_body = UpdateBuilding, responses((status = 200, body = BuildingResponse)), security(("bearer" = [])))]
#[patch("/buildings/{id}")]
async fn update_building(
    state: web::Data<AppState>,
    editor: RegistryEditor,
    id: web::Path<BuildingId>,
    body: web::Json<UpdateBuilding>,
) -> AppResult<web::Json<BuildingResponse>> {
    Ok(web::Json(registry::update_building(&state, &editor, &id, body.into_inner()).await?))
}

/// Adds a unit to a building.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), request_body = CreateUnit, responses((status = 201, body = UnitResponse)), security(("bearer" = [])))]
#[post("/buildings/{id}/units")]
async fn create_unit(
    state: web::Data<AppState>,
    editor: RegistryEditor,
    id: web::Path<BuildingId>,
    body: web::Json<CreateUnit>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(registry::create_unit(&state, &editor, &id, body.into_inner()).await?))
}

/// A building's units (for an owner, only their own).
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = [UnitResponse])), security(("bearer" = [])))]
#[get("/buildings/{id}/units")]
async fn list_units(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<BuildingId>,
) -> AppResult<web::Json<Vec<UnitResponse>>> {
    Ok(web::Json(registry::list_units(&state, &user, &id).await?))
}

/// One unit.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = UnitResponse)), security(("bearer" = [])))]
#[get("/units/{id}")]
async fn get_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
) -> AppResult<web::Json<UnitResponse>> {
    Ok(web::Json(registry::get_unit(&state, &user, &id).await?))
}

/// Records an owner of a unit.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), request_body = UserRef, responses((status = 204)), security(("bearer" = [])))]
#[post("/units/{id}/owners")]
async fn add_owner(
    state: web::Data<AppState>,
    editor: RegistryEditor,
    id: web::Path<UnitId>,
    body: web::Json<UserRef>,
) -> AppResult<HttpResponse> {
    registry::add_owner(&state, &editor, &id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own units (owners).
#[utoipa::path(tag = "registry", responses((status = 200, body = [UnitResponse])), security(("bearer" = [])))]
#[get("/me/units")]
async fn my_units(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Vec<UnitResponse>>> {
    Ok(web::Json(registry::my_units(&state, &user).await?))
}

/// Corrects an estate's name, address or property manager. Its jurisdiction and developer are
/// fixed: claims and the fund are filed under them.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), request_body = UpdateEstate, responses((status = 200, body = EstateResponse)), security(("bearer" = [])))]
#[patch("/estates/{id}")]
async fn update_estate(
    state: web::Data<AppState>,
    editor: RegistryEditor,
    id: web::Path<EstateId>,
    body: web::Json<UpdateEstate>,
) -> AppResult<web::Json<EstateResponse>> {
    Ok(web::Json(registry::update_estate(&state, &editor, &id, body.into_inner()).await?))
}

/// Corrects a unit's number or floor.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), request_body = UpdateUnit, responses((status = 200, body = UnitResponse)), security(("bearer" = [])))]
#[patch("/units/{id}")]
async fn update_unit(
    state: web::Data<AppState>,
    editor: RegistryEditor,
    id: web::Path<UnitId>,
    body: web::Json<UpdateUnit>,
) -> AppResult<web::Json<UnitResponse>> {
    Ok(web::Json(registry::update_unit(&state, &editor, &id, body.into_inner()).await?))
}

/// An organisation's members by name, for its own members and administrators: a repair unit's
/// office finds the colleague to assign a work order to.
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = [MemberView]), (status = 404, description = "not_found")), security(("bearer" = [])))]
#[get("/organisations/{id}/members")]
async fn list_members(
    state: web::Data<AppState>,
    who: AuthUser,
    id: web::Path<OrganisationId>,
) -> AppResult<web::Json<Vec<MemberView>>> {
    Ok(web::Json(registry::members(&state, &who, &id).await?))
}

/// Takes an account out of an organisation (administrators only). From its next request on it no
/// longer acts for the organisation or sees its claims; its phones get a fresh snapshot at their next
/// pull. Refused while it holds open work orders there.
#[utoipa::path(
    tag = "registry",
    params(("id" = uuid::Uuid, Path), ("user_id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, description = "not a member"), (status = 409, description = "member_has_open_work_orders")),
    security(("bearer" = []))
)]
#[delete("/organisations/{id}/members/{user_id}")]
async fn remove_member(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(OrganisationId, UserId)>,
) -> AppResult<HttpResponse> {
    registry::remove_member(&state, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Records an estate's owners' committee and its members, owners of the estate (Art. 20).
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), request_body = CommitteeRequest, responses((status = 200, body = CommitteeView)), security(("bearer" = [])))]
#[put("/estates/{id}/owners-committee")]
async fn set_committee(
    state: web::Data<AppState>,
    editor: RegistryEditor,
    id: web::Path<EstateId>,
    body: web::Json<CommitteeRequest>,
) -> AppResult<web::Json<CommitteeView>> {
    Ok(web::Json(registry::set_committee(&state, &editor, &id, body.into_inner()).await?))
}

/// An estate's owners' committee (404 when it has none).
#[utoipa::path(tag = "registry", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = CommitteeView)), security(("bearer" = [])))]
#[get("/estates/{id}/owners-committee")]
async fn get_committee(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<EstateId>,
) -> AppResult<web::Json<CommitteeView>> {
    Ok(web::Json(registry::committee(&state, &user, &id).await?))
}
