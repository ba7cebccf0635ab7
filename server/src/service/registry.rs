//! The registry's use cases: organisations, estates, buildings, units and their owners.
//!
//! Reads are scoped to what the caller may see; anything outside answers 404, exactly as if it did
//! not exist, so ids cannot be probed. Writes belong to administrators and, within their
//! jurisdiction, bureau reviewers.

use baoxiu_sync_protocol::Money;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::accounts::now;
use crate::db::registry::{
    self as reg, BuildingChanges, BuildingRow, EstateChanges, EstateRow, OrganisationRow, Scope, UnitChanges,
    UnitRow,
};
use crate::db::DbConnection;
use crate::domain::ids::{BuildingId, EstateId, OrganisationId, UnitId, UserId};
use crate::domain::registry::{valid_jurisdiction, BuildingClass, OrgKind, Role};
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::utc;
use crate::service::{optional_text, parse_id, text, Caller, Page, Paged};
use crate::state::AppState;

// ---- organisations ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    pub kind: OrgKind,
    #[schema(max_length = 200)]
    pub name: String,
    /// Six-digit division code; required for a housing bureau and only for one.
    pub jurisdiction: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationResponse {
    pub id: String,
    pub kind: OrgKind,
    pub name: String,
    pub jurisdiction: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn organisation_response(row: OrganisationRow) -> AppResult<OrganisationResponse> {
    Ok(OrganisationResponse {
        id: row.id,
        kind: row.kind,
        name: row.name,
        jurisdiction: row.jurisdiction,
        created_at: utc(row.created_at),
    })
}

/// Registers an organisation (administrators only).
pub async fn create_organisation(
    state: &AppState,
    _admin: &Caller,
    body: CreateOrganisation,
) -> AppResult<OrganisationResponse> {
    state.db.write(move |conn| create_organisation_in(conn, body)).await
}

/// Registers an organisation in the caller's transaction: for the API and the demo estate.
pub fn create_organisation_in(
    conn: &mut DbConnection,
    req: CreateOrganisation,
) -> AppResult<OrganisationResponse> {
    let name = text(&req.name, "name", 200)?;
    match (&req.kind, &req.jurisdiction) {
        (OrgKind::HousingBureau, Some(j)) if valid_jurisdiction(j) => {}
        (OrgKind::HousingBureau, _) => return Err(AppError::invalid("jurisdiction")),
        (_, Some(_)) => return Err(AppError::invalid("jurisdiction")),
        (_, None) => {}
    }
    let row = OrganisationRow {
        id: reg::fresh_id(),
        kind: req.kind,
        name,
        jurisdiction: req.jurisdiction,
        created_at: now(),
    };
    reg::insert_organisation(conn, &row)?;
    organisation_response(row)
}

/// Organisations: all of them for administrators and reviewers, one's own for everyone else.
pub async fn list_organisations(state: &AppState, caller: &Caller) -> AppResult<Vec<OrganisationResponse>> {
    let user = caller.clone();
    let viewer = user.viewer();
    let rows = state.db.read(move |conn| reg::list_organisations(conn, &viewer)).await?;
    rows.into_iter().map(organisation_response).collect::<AppResult<_>>()
}

/// One organisation.
pub async fn get_organisation(
    state: &AppState,
    caller: &Caller,
    id: &OrganisationId,
) -> AppResult<OrganisationResponse> {
    let user = caller.clone();
    let id = id.to_string();
    let viewer = user.viewer();
    let row = state.db.read(move |conn| reg::find_organisation(conn, &viewer, &id)).await?;
    organisation_response(row)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRef {
    pub user_id: String,
}

/// An account to add to an organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_id": "0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e", "office": false}))]
pub struct NewMember {
    #[schema(format = Uuid)]
    pub user_id: String,
    /// Of the organisation's office: a repair unit's dispatchers, who read their field staff's
    /// rejected sync mutations. Default false.
    #[serde(default)]
    pub office: bool,
}

/// Adds an account to an organisation (administrators only), or sets whether it is of its
/// office. The account's role must fit the organisation's kind.
pub async fn add_member(
    state: &AppState,
    caller: &Caller,
    id: &OrganisationId,
    body: NewMember,
) -> AppResult<()> {
    let _admin = caller.clone();
    let org = id.to_string();
    let user = parse_id(&body.user_id)?;
    state.db.write(move |conn| reg::add_membership(conn, &org, &user, body.office)).await?;
    Ok(())
}

/// A member of an organisation, as its colleagues see them: no phone, no username.
#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
}

/// An organisation's members, for its own members (a repair unit's office assigning a work order
/// to a colleague, a bureau's reviewers) and administrators; to anyone else the organisation is
/// not there (404).
pub async fn members(state: &AppState, caller: &Caller, id: &OrganisationId) -> AppResult<Vec<MemberView>> {
    let org = id.to_string();
    if caller.role != Role::Admin && !caller.organisation_ids.contains(&org) {
        return Err(AppError::new(Code::NotFound));
    }
    let rows = state.db.read(move |conn| reg::members(conn, &org)).await?;
    Ok(rows
        .into_iter()
        .map(|(id, display_name, role, active)| MemberView { id, display_name, role, active })
        .collect())
}

/// Takes an account out of an organisation (administrators only). From its next request on it no
/// longer acts for the organisation or sees its claims; its phones get a fresh snapshot at their next
/// pull. Refused while it holds open work orders there.
pub async fn remove_member(state: &AppState, path: (OrganisationId, UserId)) -> AppResult<()> {
    let (org, user) = path;
    let (org, user) = (String::from(org), String::from(user));
    state.db.write(move |conn| reg::remove_membership(conn, &org, &user)).await
}

// ---- estates ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "明湖花园二期", "address": "济南市历下区明湖东路 88 号", "jurisdiction": "370102", "developer_id": "0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e"}))]
pub struct CreateEstate {
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(max_length = 300)]
    pub address: String,
    /// Six-digit division code of the bureau responsible.
    #[schema(example = "370102", pattern = r"^[0-9]{6}$")]
    pub jurisdiction: String,
    pub developer_id: String,
    pub property_manager_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EstateResponse {
    pub id: String,
    pub name: String,
    pub address: String,
    pub jurisdiction: String,
    pub developer_id: String,
    pub property_manager_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<EstateRow> for EstateResponse {
    fn from(r: EstateRow) -> Self {
        EstateResponse {
            id: r.id,
            name: r.name,
            address: r.address,
            jurisdiction: r.jurisdiction,
            developer_id: r.developer_id,
            property_manager_id: r.property_manager_id,
            created_at: utc(r.created_at),
        }
    }
}

/// Registers an estate. A reviewer may do so only in their own jurisdiction.
pub async fn create_estate(
    state: &AppState,
    caller: &Caller,
    body: CreateEstate,
) -> AppResult<EstateResponse> {
    let editor = caller.clone();
    state.db.write(move |conn| create_estate_in(conn, &editor, body)).await
}

/// Registers an estate in the caller's transaction: a reviewer only in their jurisdiction.
pub fn create_estate_in(
    conn: &mut DbConnection,
    editor: &Caller,
    req: CreateEstate,
) -> AppResult<EstateResponse> {
    if !valid_jurisdiction(&req.jurisdiction) {
        return Err(AppError::invalid("jurisdiction"));
    }
    let row = EstateRow {
        id: reg::fresh_id(),
        name: text(&req.name, "name", 200)?,
        address: text(&req.address, "address", 300)?,
        jurisdiction: req.jurisdiction,
        developer_id: parse_id(&req.developer_id)?,
        property_manager_id: req.property_manager_id.as_deref().map(parse_id).transpose()?,
        created_at: now(),
    };
    if editor.role == Role::Reviewer
        && !reg::reviewer_jurisdictions(conn, &editor.id)?.contains(&row.jurisdiction)
    {
        return Err(AppError::new(Code::OutsideJurisdiction));
    }
    reg::insert_estate(conn, &row)?;
    Ok(EstateResponse::from(row))
}

/// Estates the caller may see.
pub async fn list_estates(state: &AppState, caller: &Caller, page: Page) -> AppResult<Paged<EstateResponse>> {
    let user = caller.clone();
    let (limit, offset) = page.bounds()?;
    let viewer = user.viewer();
    let rows = state
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::list_estates(conn, &scope, limit, offset)
        })
        .await?;
    Ok(Paged { items: rows.into_iter().map(Into::into).collect(), limit, offset })
}

/// One estate.
pub async fn get_estate(state: &AppState, caller: &Caller, id: &EstateId) -> AppResult<EstateResponse> {
    let user = caller.clone();
    let id = id.to_string();
    let viewer = user.viewer();
    let row = state
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_estate(conn, &scope, &id)
        })
        .await?;
    Ok(row.into())
}

// ---- buildings ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "3号楼", "class": "multi_storey", "construction_cost": "38400000.00", "design_life_years": 50, "handover_date": "2026-06-30"}))]
pub struct CreateBuilding {
    #[schema(max_length = 100)]
    pub name: String,
    pub class: BuildingClass,
    /// Construction and installation cost 建筑安装总造价, a decimal string in yuan.
    pub construction_cost: Money,
    /// Design reasonable service life in years (the structural warranty period, Art. 18).
    #[schema(minimum = 1, maximum = 200)]
    pub design_life_years: i32,
    /// Hand-over date 交付使用之日, from which warranty periods run; unknown until handed over.
    pub handover_date: Option<NaiveDate>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateBuilding {
    #[schema(max_length = 100)]
    pub name: Option<String>,
    pub class: Option<BuildingClass>,
    pub construction_cost: Option<Money>,
    #[schema(minimum = 1, maximum = 200)]
    pub design_life_years: Option<i32>,
    pub handover_date: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct BuildingResponse {
    pub id: String,
    pub estate_id: String,
    pub name: String,
    pub class: BuildingClass,
    pub construction_cost: Money,
    pub design_life_years: i32,
    pub handover_date: Option<NaiveDate>,
    /// The estate's jurisdiction.
    pub jurisdiction: String,
    pub created_at: DateTime<Utc>,
}

fn building_response(row: BuildingRow, jurisdiction: String) -> AppResult<BuildingResponse> {
    Ok(BuildingResponse {
        id: row.id,
        estate_id: row.estate_id,
        name: row.name,
        class: row.class,
        construction_cost: Money::from_fen(row.construction_cost_fen),
        design_life_years: row.design_life_years,
        handover_date: row.handover_date,
        jurisdiction,
        created_at: utc(row.created_at),
    })
}

fn check_cost(cost: Money) -> AppResult<i64> {
    if cost.is_negative() {
        return Err(AppError::invalid("construction_cost"));
    }
    Ok(cost.to_fen())
}

fn check_life(years: i32) -> AppResult<i32> {
    // Chinese design service lives are 5, 25, 50 or 100 years; anything outside 1-200 is a typo.
    if !(1..=200).contains(&years) {
        return Err(AppError::invalid("design_life_years"));
    }
    Ok(years)
}

fn check_handover(date: NaiveDate) -> AppResult<NaiveDate> {
    let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(NaiveDate::MIN);
    let latest = Utc::now().date_naive() + chrono::Duration::days(5 * 366);
    if date < earliest || date > latest {
        return Err(AppError::invalid("handover_date"));
    }
    Ok(date)
}

/// Adds a building to an estate the editor may see.
pub async fn create_building(
    state: &AppState,
    caller: &Caller,
    id: &EstateId,
    body: CreateBuilding,
) -> AppResult<BuildingResponse> {
    let (editor, estate_id) = (caller.clone(), id.clone());
    state.db.write(move |conn| create_building_in(conn, &editor, &estate_id, body)).await
}

/// Registers a building of an estate the editor may see, in the caller's transaction.
pub fn create_building_in(
    conn: &mut DbConnection,
    editor: &Caller,
    estate_id: &EstateId,
    req: CreateBuilding,
) -> AppResult<BuildingResponse> {
    let row = BuildingRow {
        id: reg::fresh_id(),
        estate_id: estate_id.to_string(),
        name: text(&req.name, "name", 100)?,
        class: req.class,
        construction_cost_fen: check_cost(req.construction_cost)?,
        design_life_years: check_life(req.design_life_years)?,
        handover_date: req.handover_date.map(check_handover).transpose()?,
        created_at: now(),
    };
    let scope = reg::scope(conn, &editor.viewer())?;
    let estate = reg::find_estate(conn, &scope, &row.estate_id)?;
    reg::insert_building(conn, &row)?;
    building_response(row, estate.jurisdiction)
}

/// An estate's buildings (for an owner, only those holding their units).
pub async fn list_buildings(
    state: &AppState,
    caller: &Caller,
    id: &EstateId,
) -> AppResult<Vec<BuildingResponse>> {
    let user = caller.clone();
    let estate_id = id.to_string();
    let viewer = user.viewer();
    let (rows, jurisdiction) = state
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            let estate = reg::find_estate(conn, &scope, &estate_id)?;
            Ok((reg::list_buildings(conn, &scope, &estate_id)?, estate.jurisdiction))
        })
        .await?;
    rows.into_iter().map(|r| building_response(r, jurisdiction.clone())).collect()
}

/// One building.
pub async fn get_building(state: &AppState, caller: &Caller, id: &BuildingId) -> AppResult<BuildingResponse> {
    let user = caller.clone();
    let id = id.to_string();
    let viewer = user.viewer();
    let (row, jurisdiction) = state
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_building(conn, &scope, &id)
        })
        .await?;
    building_response(row, jurisdiction)
}

/// Corrects a building's registry data.
pub async fn update_building(
    state: &AppState,
    caller: &Caller,
    id: &BuildingId,
    req: UpdateBuilding,
) -> AppResult<BuildingResponse> {
    let editor = caller.clone();
    let id = id.to_string();
    let changes = BuildingChanges {
        name: optional_text(req.name.as_deref(), "name", 100)?,
        class: req.class.map(|c| c.as_str().to_string()),
        construction_cost_fen: req.construction_cost.map(check_cost).transpose()?,
        design_life_years: req.design_life_years.map(check_life).transpose()?,
        handover_date: req.handover_date.map(check_handover).transpose()?.map(Some),
    };
    let viewer = editor.viewer();
    let (row, jurisdiction) = state
        .db
        .write(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_building(conn, &scope, &id)?;
            reg::update_building(conn, &id, &changes)?;
            reg::find_building(conn, &scope, &id)
        })
        .await?;
    building_response(row, jurisdiction)
}

// ---- units ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    /// The unit's number as written on the door, e.g. `2-1-301` (entrance-staircase-room).
    #[schema(max_length = 50)]
    pub number: String,
    #[schema(minimum = -10, maximum = 200)]
    pub floor: i32,
}

#[derive(Serialize, ToSchema)]
pub struct UnitResponse {
    pub id: String,
    pub building_id: String,
    pub number: String,
    pub floor: i32,
    pub created_at: DateTime<Utc>,
}

impl From<UnitRow> for UnitResponse {
    fn from(r: UnitRow) -> Self {
        UnitResponse {
            id: r.id,
            building_id: r.building_id,
            number: r.number,
            floor: r.floor,
            created_at: utc(r.created_at),
        }
    }
}

/// Adds a unit to a building.
pub async fn create_unit(
    state: &AppState,
    caller: &Caller,
    id: &BuildingId,
    body: CreateUnit,
) -> AppResult<UnitResponse> {
    let (editor, building_id) = (caller.clone(), id.clone());
    state.db.write(move |conn| create_unit_in(conn, &editor, &building_id, body)).await
}

/// Registers a unit of a building the editor may see, in the caller's transaction.
pub fn create_unit_in(
    conn: &mut DbConnection,
    editor: &Caller,
    building_id: &BuildingId,
    req: CreateUnit,
) -> AppResult<UnitResponse> {
    if !(-10..=200).contains(&req.floor) {
        return Err(AppError::invalid("floor"));
    }
    let row = UnitRow {
        id: reg::fresh_id(),
        building_id: building_id.to_string(),
        number: text(&req.number, "number", 50)?,
        floor: req.floor,
        created_at: now(),
    };
    let scope = reg::scope(conn, &editor.viewer())?;
    reg::find_building(conn, &scope, &row.building_id)?;
    reg::insert_unit(conn, &row)?;
    Ok(UnitResponse::from(row))
}

/// A building's units (for an owner, only their own).
pub async fn list_units(state: &AppState, caller: &Caller, id: &BuildingId) -> AppResult<Vec<UnitResponse>> {
    let user = caller.clone();
    let building_id = id.to_string();
    let viewer = user.viewer();
    let rows = state
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_building(conn, &scope, &building_id)?;
            reg::list_units(conn, &scope, &building_id)
        })
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One unit.
pub async fn get_unit(state: &AppState, caller: &Caller, id: &UnitId) -> AppResult<UnitResponse> {
    let user = caller.clone();
    let id = id.to_string();
    let viewer = user.viewer();
    let row = state
        .db
        .read(move |conn| {
            let scope: Scope = reg::scope(conn, &viewer)?;
            reg::find_unit(conn, &scope, &id)
        })
        .await?;
    Ok(row.into())
}

/// Records an owner of a unit.
pub async fn add_owner(state: &AppState, caller: &Caller, id: &UnitId, body: UserRef) -> AppResult<()> {
    let (editor, unit_id) = (caller.clone(), id.clone());
    state.db.write(move |conn| add_owner_in(conn, &editor, &unit_id, body)).await
}

/// Records an owner of a unit the editor may see, in the caller's transaction; again changes nothing.
pub fn add_owner_in(
    conn: &mut DbConnection,
    editor: &Caller,
    unit_id: &UnitId,
    req: UserRef,
) -> AppResult<()> {
    let user_id = parse_id(&req.user_id)?;
    let scope = reg::scope(conn, &editor.viewer())?;
    reg::find_unit(conn, &scope, unit_id)?;
    reg::add_unit_owner(conn, unit_id, &user_id)
}

/// The caller's own units (owners).
pub async fn my_units(state: &AppState, caller: &Caller) -> AppResult<Vec<UnitResponse>> {
    let user = caller.clone();
    let id = user.id.clone();
    let rows = state.db.read(move |conn| reg::my_units(conn, &id)).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateEstate {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 300)]
    pub address: Option<String>,
    pub property_manager_id: Option<String>,
}

/// Corrects an estate's name, address or property manager. Its jurisdiction and developer are
/// fixed: claims and the fund are filed under them.
pub async fn update_estate(
    state: &AppState,
    caller: &Caller,
    id: &EstateId,
    body: UpdateEstate,
) -> AppResult<EstateResponse> {
    let editor = caller.clone();
    let id = id.to_string();
    let changes = EstateChanges {
        name: optional_text(body.name.as_deref(), "name", 200)?,
        address: optional_text(body.address.as_deref(), "address", 300)?,
        property_manager_id: body.property_manager_id.as_deref().map(parse_id).transpose()?.map(Some),
    };
    let viewer = editor.viewer();
    let row = state
        .db
        .write(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_estate(conn, &scope, &id)?;
            reg::update_estate(conn, &id, &changes)?;
            reg::find_estate(conn, &scope, &id)
        })
        .await?;
    Ok(row.into())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnit {
    #[schema(max_length = 50)]
    pub number: Option<String>,
    #[schema(minimum = -10, maximum = 200)]
    pub floor: Option<i32>,
}

/// Corrects a unit's number or floor.
pub async fn update_unit(
    state: &AppState,
    caller: &Caller,
    id: &UnitId,
    body: UpdateUnit,
) -> AppResult<UnitResponse> {
    let editor = caller.clone();
    let id = id.to_string();
    if body.floor.is_some_and(|f| !(-10..=200).contains(&f)) {
        return Err(AppError::invalid("floor"));
    }
    let changes =
        UnitChanges { number: optional_text(body.number.as_deref(), "number", 50)?, floor: body.floor };
    let viewer = editor.viewer();
    let row = state
        .db
        .write(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_unit(conn, &scope, &id)?;
            reg::update_unit(conn, &id, &changes)?;
            reg::find_unit(conn, &scope, &id)
        })
        .await?;
    Ok(row.into())
}

// ---- owners' committees (Art. 20) ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "明湖花园业主委员会", "member_ids": ["0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e"]}))]
pub struct CommitteeRequest {
    /// e.g. "明湖花园业主委员会".
    #[schema(max_length = 100)]
    pub name: String,
    /// The members: owners of units in the estate, at least one.
    pub member_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CommitteeView {
    pub estate_id: String,
    pub name: String,
    /// Ids and names of the members (no phone numbers).
    pub members: Vec<CommitteeMember>,
}

#[derive(Serialize, ToSchema)]
pub struct CommitteeMember {
    pub id: String,
    pub display_name: String,
}

fn committee_view(conn: &mut DbConnection, estate_id: &str) -> AppResult<CommitteeView> {
    let (row, members) = reg::committee_of(conn, estate_id)?.ok_or(AppError::new(Code::NotFound))?;
    let ids: Vec<&str> = members.iter().map(String::as_str).collect();
    let people = crate::db::accounts::people(conn, &ids)?;
    let members = members
        .into_iter()
        .map(|id| CommitteeMember {
            display_name: people.get(&id).map(|(n, _)| n.clone()).unwrap_or_default(),
            id,
        })
        .collect();
    Ok(CommitteeView { estate_id: row.estate_id, name: row.name, members })
}

/// Records an estate's owners' committee and its members (a reviewer of its jurisdiction or an
/// administrator), replacing the earlier one: from then on its members apply for common parts,
/// and the property manager no longer needs elected representatives (Art. 20).
pub async fn set_committee(
    state: &AppState,
    caller: &Caller,
    id: &EstateId,
    req: CommitteeRequest,
) -> AppResult<CommitteeView> {
    let name = text(&req.name, "name", 100)?;
    let mut members = req.member_ids.iter().map(|m| parse_id(m)).collect::<AppResult<Vec<_>>>()?;
    members.sort();
    members.dedup();
    if members.is_empty() || members.len() > 50 {
        return Err(AppError::invalid("member_ids"));
    }
    let (editor, estate_id) = (caller.clone(), id.to_string());
    state
        .db
        .write(move |conn| {
            let scope = reg::scope(conn, &editor.viewer())?;
            let estate = reg::find_estate(conn, &scope, &estate_id)?;
            if reg::owners_of_estate(conn, &estate.id, &members)?.len() != members.len() {
                return Err(AppError::invalid("member_ids").detail("member_ids: owners of the estate only"));
            }
            let row = reg::CommitteeRow {
                estate_id: estate.id.clone(),
                name,
                created_by: editor.id.clone(),
                created_at: now(),
            };
            reg::set_committee(conn, &row, &members)?;
            committee_view(conn, &estate.id)
        })
        .await
}

/// An estate's owners' committee, for those who see the estate; 404 when it has none.
pub async fn committee(state: &AppState, caller: &Caller, id: &EstateId) -> AppResult<CommitteeView> {
    let (viewer, estate_id) = (caller.clone(), id.to_string());
    state
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer.viewer())?;
            let estate = reg::find_estate(conn, &scope, &estate_id)?;
            committee_view(conn, &estate.id)
        })
        .await
}
