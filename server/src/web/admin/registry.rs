//! Organisations with their members; estates with their buildings and owners' committee
//! (Art. 20); buildings with their units and owners.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use baoxiu_sync_protocol::Money;

use super::{admin_form, admin_only, answered, run, Back, PageParams};
use crate::domain::ids::{BuildingId, EstateId, OrganisationId, UnitId};
use crate::domain::registry::{BuildingClass, OrgKind, Role};
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::accounts::AccountResponse;
use crate::service::admin;
use crate::service::registry::{
    self, BuildingResponse, CommitteeRequest, CommitteeView, CreateBuilding, CreateEstate,
    CreateOrganisation, CreateUnit, EstateResponse, MemberView, OrganisationResponse, UnitResponse, UserRef,
};
use crate::service::Page;
use crate::state::AppState;
use crate::web::session::{Fields, SignedForm};
use crate::web::{render, Browser, Chrome, PageError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_organisations_page)
        .service(create_organisation)
        .service(organisation_view)
        .service(list_estates_page)
        .service(create_estate)
        .service(estate_view)
        .service(create_building)
        .service(set_committee)
        .service(building_view)
        .service(create_unit)
        .service(add_owner);
}

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsPage {
    c: Chrome,
    b: Back,
    organisations: Vec<OrganisationResponse>,
    kinds: &'static [OrgKind],
}

async fn organisations_page(
    state: &AppState,
    browser: &Browser,
    b: Back,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let organisations =
        registry::list_organisations(state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let page = OrganisationsPage { c: browser.chrome_with(b.notice), b, organisations, kinds: OrgKind::ALL };
    Ok(render(&page, status, Some(browser)))
}

#[get("/admin/organisations")]
async fn list_organisations_page(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    admin_only(&browser)?;
    let back = Back::opened(&browser, params.notice.as_deref());
    organisations_page(&state, &browser, back, StatusCode::OK).await
}

#[post("/admin/organisations")]
async fn create_organisation(
    state: web::Data<AppState>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let request = || -> AppResult<CreateOrganisation> {
        Ok(CreateOrganisation {
            kind: fields.required("kind")?.parse().map_err(|_| AppError::invalid("kind"))?,
            name: fields.required("name")?,
            jurisdiction: fields.text("jurisdiction"),
        })
    };
    let outcome =
        run(request(), |request| registry::create_organisation(&state, &browser.caller, request)).await;
    let done = |o: OrganisationResponse| format!("/admin/organisations/{}?notice=done", o.id);
    let again = |b, status| organisations_page(&state, browser, b, status);
    answered(outcome, browser, ("create", &fields), done, again).await
}

#[derive(Template)]
#[template(path = "admin/organisation.html")]
struct OrganisationPage {
    c: Chrome,
    o: OrganisationResponse,
    members: Vec<MemberView>,
}

#[get("/admin/organisations/{id}")]
async fn organisation_view(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<OrganisationId>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    admin_only(&browser)?;
    let o = registry::get_organisation(&state, &browser.caller, &id).await.map_err(|e| browser.refused(e))?;
    let members = registry::members(&state, &browser.caller, &id).await.map_err(|e| browser.refused(e))?;
    let notice = Back::opened(&browser, params.notice.as_deref()).notice;
    let page = OrganisationPage { c: browser.chrome_with(notice), o, members };
    Ok(render(&page, StatusCode::OK, Some(&browser)))
}

#[derive(Template)]
#[template(path = "admin/estates.html")]
struct EstatesPage {
    c: Chrome,
    b: Back,
    estates: Vec<EstateResponse>,
    organisations: Vec<OrganisationResponse>,
}

impl EstatesPage {
    fn of_kind(&self, kind: &str) -> Vec<&OrganisationResponse> {
        self.organisations.iter().filter(|o| o.kind.as_str() == kind).collect()
    }
}

async fn estates_page(
    state: &AppState,
    browser: &Browser,
    b: Back,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let all = Page { limit: Some(200), offset: None };
    let estates =
        registry::list_estates(state, &browser.caller, all).await.map_err(|e| browser.refused(e))?.items;
    let organisations =
        registry::list_organisations(state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let page = EstatesPage { c: browser.chrome_with(b.notice), b, estates, organisations };
    Ok(render(&page, status, Some(browser)))
}

#[get("/admin/estates")]
async fn list_estates_page(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    admin_only(&browser)?;
    let back = Back::opened(&browser, params.notice.as_deref());
    estates_page(&state, &browser, back, StatusCode::OK).await
}

#[post("/admin/estates")]
async fn create_estate(state: web::Data<AppState>, form: SignedForm) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let request = || -> AppResult<CreateEstate> {
        Ok(CreateEstate {
            name: fields.required("name")?,
            address: fields.required("address")?,
            jurisdiction: fields.required("jurisdiction")?,
            developer_id: fields.required("developer_id")?,
            property_manager_id: fields.text("property_manager_id"),
        })
    };
    let outcome = run(request(), |request| registry::create_estate(&state, &browser.caller, request)).await;
    let done = |e: EstateResponse| format!("/admin/estates/{}?notice=done", e.id);
    let again = |b, status| estates_page(&state, browser, b, status);
    answered(outcome, browser, ("create", &fields), done, again).await
}

#[derive(Template)]
#[template(path = "admin/estate.html")]
struct EstatePage {
    c: Chrome,
    b: Back,
    e: EstateResponse,
    buildings: Vec<BuildingResponse>,
    committee: Option<CommitteeView>,
    owners: Vec<AccountResponse>,
    classes: &'static [BuildingClass],
}

async fn estate_page(
    state: &AppState,
    browser: &Browser,
    id: &EstateId,
    b: Back,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let who = &browser.caller;
    let e = registry::get_estate(state, who, id).await.map_err(|e| browser.refused(e))?;
    let buildings = registry::list_buildings(state, who, id).await.map_err(|e| browser.refused(e))?;
    let committee = match registry::committee(state, who, id).await {
        Ok(view) => Some(view),
        Err(e) if e.code == Code::NotFound => None,
        Err(e) => return Err(browser.refused(e)),
    };
    let owners = admin::accounts_with_role(state, Role::Owner).await.map_err(|e| browser.refused(e))?;
    let page = EstatePage {
        c: browser.chrome_with(b.notice),
        b,
        e,
        buildings,
        committee,
        owners,
        classes: BuildingClass::ALL,
    };
    Ok(render(&page, status, Some(browser)))
}

/// An estate: its buildings, the form for a new one, and its owners' committee.
#[get("/admin/estates/{id}")]
async fn estate_view(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<EstateId>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    admin_only(&browser)?;
    let back = Back::opened(&browser, params.notice.as_deref());
    estate_page(&state, &browser, &id, back, StatusCode::OK).await
}

fn new_building(f: &Fields<'_>) -> AppResult<CreateBuilding> {
    Ok(CreateBuilding {
        name: f.required("name")?,
        class: f.required("class")?.parse().map_err(|_| AppError::invalid("class"))?,
        construction_cost: f
            .parsed::<Money>("construction_cost")?
            .ok_or_else(|| AppError::invalid("construction_cost"))?,
        design_life_years: f
            .parsed("design_life_years")?
            .ok_or_else(|| AppError::invalid("design_life_years"))?,
        handover_date: f.parsed("handover_date")?,
    })
}

#[post("/admin/estates/{id}/buildings")]
async fn create_building(
    state: web::Data<AppState>,
    id: web::Path<EstateId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let outcome = run(new_building(&fields), |request| {
        registry::create_building(&state, &browser.caller, &id, request)
    })
    .await;
    let done = |b: BuildingResponse| format!("/admin/buildings/{}?notice=done", b.id);
    let again = |b, status| estate_page(&state, browser, &id, b, status);
    answered(outcome, browser, ("building", &fields), done, again).await
}

/// Records the estate's owners' committee and its members (Art. 20), replacing what was recorded.
#[post("/admin/estates/{id}/committee")]
async fn set_committee(
    state: web::Data<AppState>,
    id: web::Path<EstateId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let outcome = match fields.required("name") {
        Ok(name) => {
            let member_ids = fields.values("member_id").map(str::to_owned).collect();
            registry::set_committee(&state, &browser.caller, &id, CommitteeRequest { name, member_ids }).await
        }
        Err(e) => Err(e),
    };
    let done = |_| format!("/admin/estates/{id}?notice=done");
    let again = |b, status| estate_page(&state, browser, &id, b, status);
    answered(outcome, browser, ("committee", &fields), done, again).await
}

#[derive(Template)]
#[template(path = "admin/building.html")]
struct BuildingPage {
    c: Chrome,
    b: Back,
    bl: BuildingResponse,
    units: Vec<UnitResponse>,
    owners: Vec<AccountResponse>,
}

async fn building_page(
    state: &AppState,
    browser: &Browser,
    id: &BuildingId,
    b: Back,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let who = &browser.caller;
    let bl = registry::get_building(state, who, id).await.map_err(|e| browser.refused(e))?;
    let units = registry::list_units(state, who, id).await.map_err(|e| browser.refused(e))?;
    let owners = admin::accounts_with_role(state, Role::Owner).await.map_err(|e| browser.refused(e))?;
    let page = BuildingPage { c: browser.chrome_with(b.notice), b, bl, units, owners };
    Ok(render(&page, status, Some(browser)))
}

/// A building: its units, the form for a new one, and an owner recorded for a unit.
#[get("/admin/buildings/{id}")]
async fn building_view(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<BuildingId>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    admin_only(&browser)?;
    let back = Back::opened(&browser, params.notice.as_deref());
    building_page(&state, &browser, &id, back, StatusCode::OK).await
}

#[post("/admin/buildings/{id}/units")]
async fn create_unit(
    state: web::Data<AppState>,
    id: web::Path<BuildingId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let request = || -> AppResult<CreateUnit> {
        Ok(CreateUnit {
            number: fields.required("number")?,
            floor: fields.parsed("floor")?.ok_or_else(|| AppError::invalid("floor"))?,
        })
    };
    let outcome =
        run(request(), |request| registry::create_unit(&state, &browser.caller, &id, request)).await;
    let done = |_| format!("/admin/buildings/{id}?notice=done");
    let again = |b, status| building_page(&state, browser, &id, b, status);
    answered(outcome, browser, ("unit", &fields), done, again).await
}

#[post("/admin/buildings/{id}/owners")]
async fn add_owner(
    state: web::Data<AppState>,
    id: web::Path<BuildingId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (browser, fields) = admin_form(&form)?;
    let request = || -> AppResult<(UnitId, UserRef)> {
        let unit = fields.required("unit_id")?.parse().map_err(|_| AppError::invalid("unit_id"))?;
        Ok((unit, UserRef { user_id: fields.required("user_id")? }))
    };
    let outcome = match request() {
        Ok((unit, owner)) => registry::add_owner(&state, &browser.caller, &unit, owner).await,
        Err(e) => Err(e),
    };
    let done = |()| format!("/admin/buildings/{id}?notice=done");
    let again = |b, status| building_page(&state, browser, &id, b, status);
    answered(outcome, browser, ("owner", &fields), done, again).await
}
