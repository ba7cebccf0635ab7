//! The registry's use cases: organisations, estates, buildings, units and their owners.
//!
//! Reads are scoped to what the caller may see; anything outside answers 404, exactly as if it did
//! not exist, so ids cannot be probed. Writes belong to administrators and, within their
//! jurisdiction, bureau reviewers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::accounts::now;
use crate::db::registry::{self as reg, OrganisationRow};
use crate::db::DbConnection;
use crate::domain::ids::{OrganisationId, UserId};
use crate::domain::registry::{valid_jurisdiction, OrgKind, Role};
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::utc;
use crate::service::Context;
use crate::service::{parse_id, text, Caller};

mod buildings;
mod estates;

pub use buildings::{
    add_owner, add_owner_in, create_building, create_building_in, create_unit, create_unit_in, get_building,
    get_unit, list_buildings, list_units, my_units, update_building, update_unit, BuildingResponse,
    CreateBuilding, CreateUnit, UnitResponse, UpdateBuilding, UpdateUnit,
};
pub use estates::{
    committee, create_estate, create_estate_in, get_estate, list_estates, set_committee, update_estate,
    CommitteeMember, CommitteeRequest, CommitteeView, CreateEstate, EstateResponse, UpdateEstate,
};

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
    ctx: &Context,
    _admin: &Caller,
    body: CreateOrganisation,
) -> AppResult<OrganisationResponse> {
    ctx.db.write(move |conn| create_organisation_in(conn, body)).await
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
pub async fn list_organisations(ctx: &Context, caller: &Caller) -> AppResult<Vec<OrganisationResponse>> {
    let user = caller.clone();
    let viewer = user.viewer();
    let rows = ctx.db.read(move |conn| reg::list_organisations(conn, &viewer)).await?;
    rows.into_iter().map(organisation_response).collect::<AppResult<_>>()
}

/// One organisation.
pub async fn get_organisation(
    ctx: &Context,
    caller: &Caller,
    id: &OrganisationId,
) -> AppResult<OrganisationResponse> {
    let user = caller.clone();
    let id = id.to_string();
    let viewer = user.viewer();
    let row = ctx.db.read(move |conn| reg::find_organisation(conn, &viewer, &id)).await?;
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
    ctx: &Context,
    caller: &Caller,
    id: &OrganisationId,
    body: NewMember,
) -> AppResult<()> {
    let _admin = caller.clone();
    let org = id.to_string();
    let user = parse_id(&body.user_id)?;
    ctx.db
        .write(move |conn| {
            require_member_fits(conn, &org, &user)?;
            Ok(reg::add_membership(conn, &org, &user, body.office)?)
        })
        .await
}

/// An account joins an organisation whose kind its role fits (a technician a repair unit, a
/// reviewer a bureau); a missing organisation or account is not found.
pub(crate) fn require_member_fits(conn: &mut DbConnection, org: &str, user: &str) -> AppResult<()> {
    let kind = reg::organisation_kind(conn, org)?.ok_or(AppError::new(Code::NotFound))?;
    let role = reg::user_role(conn, user)?.ok_or(AppError::new(Code::NotFound))?;
    if role.organisation_kind() != Some(kind) {
        return Err(AppError::invalid("user_id").detail("role does not fit this kind of organisation"));
    }
    Ok(())
}

/// The organisation named in `field` is of `kind` (an estate's developer, its property manager).
pub(crate) fn require_org_kind(
    conn: &mut DbConnection,
    id: &str,
    kind: OrgKind,
    field: &str,
) -> AppResult<()> {
    if reg::organisation_kind(conn, id)? != Some(kind) {
        return Err(AppError::invalid(field));
    }
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
pub async fn members(ctx: &Context, caller: &Caller, id: &OrganisationId) -> AppResult<Vec<MemberView>> {
    let org = id.to_string();
    if caller.role != Role::Admin && !caller.organisation_ids.contains(&org) {
        return Err(AppError::new(Code::NotFound));
    }
    let rows = ctx.db.read(move |conn| reg::members(conn, &org)).await?;
    Ok(rows
        .into_iter()
        .map(|(id, display_name, role, active)| MemberView { id, display_name, role, active })
        .collect())
}

/// Takes an account out of an organisation (administrators only). From its next request on it no
/// longer acts for the organisation or sees its claims; its phones get a fresh snapshot at their next
/// pull. Refused while it holds open work orders there.
pub async fn remove_member(ctx: &Context, path: (OrganisationId, UserId)) -> AppResult<()> {
    let (org, user) = path;
    let (org, user) = (String::from(org), String::from(user));
    ctx.db
        .write(move |conn| {
            // Its open work orders go to a colleague first: the office reassigns them.
            let open = reg::open_work_orders_of(conn, &org, &user)?;
            if open > 0 {
                return Err(AppError::new(Code::MemberHasOpenWorkOrders).detail(open.to_string()));
            }
            Ok(reg::remove_membership(conn, &org, &user)?)
        })
        .await
}
