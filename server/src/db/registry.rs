//! The registry: organisations, memberships, estates → buildings → units, and unit owners,
//! with the object-level scoping every read goes through.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::accounts::{new_id, now};
use super::schema::{buildings, estates, memberships, organisations, unit_owners, units, users, work_orders};
use super::DbConnection;
use crate::db::{StoreError, StoreResult};
use crate::domain::registry::{BuildingClass, OrgKind, Role};

/// Who is looking: every registry read is filtered by what this account may see.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user_id: String,
    pub role: Role,
    /// The organisations the viewer belongs to.
    pub organisation_ids: Vec<String>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: String,
    pub kind: OrgKind,
    pub name: String,
    pub jurisdiction: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = estates)]
pub struct EstateRow {
    pub id: String,
    pub name: String,
    pub address: String,
    pub jurisdiction: String,
    pub developer_id: String,
    pub property_manager_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = buildings)]
pub struct BuildingRow {
    pub id: String,
    pub estate_id: String,
    pub name: String,
    pub class: BuildingClass,
    pub construction_cost_fen: i64,
    pub design_life_years: i32,
    pub handover_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

/// Changes to a building; `None` leaves a field as it is.
#[derive(AsChangeset, Debug, Default)]
#[diesel(table_name = buildings)]
pub struct BuildingChanges {
    pub name: Option<String>,
    pub class: Option<String>,
    pub construction_cost_fen: Option<i64>,
    pub design_life_years: Option<i32>,
    pub handover_date: Option<Option<NaiveDate>>,
}

/// Changes to an estate; `None` leaves a field as it is.
#[derive(AsChangeset, Debug, Default)]
#[diesel(table_name = estates)]
pub struct EstateChanges {
    pub name: Option<String>,
    pub address: Option<String>,
    pub property_manager_id: Option<Option<String>>,
}

/// Changes to a unit; `None` leaves a field as it is.
#[derive(AsChangeset, Debug, Default)]
#[diesel(table_name = units)]
pub struct UnitChanges {
    pub number: Option<String>,
    pub floor: Option<i32>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = units)]
pub struct UnitRow {
    pub id: String,
    pub building_id: String,
    pub number: String,
    pub floor: i32,
    pub created_at: NaiveDateTime,
}

/// What a viewer may see, resolved once per request from their role and memberships:
/// everything (admin); their bureau's jurisdictions (reviewer); estates their company built or
/// manages (developer, property manager); their own units and what holds them (owner). Technicians
/// see sites through their work orders, not the registry.
#[derive(Clone, Debug)]
pub enum Scope {
    All,
    Jurisdictions(Vec<String>),
    Developer(Vec<String>),
    PropertyManager(Vec<String>),
    Owner(OwnedUnits),
    Nothing,
}

/// An owner's units with their buildings and estates.
#[derive(Clone, Debug, Default)]
pub struct OwnedUnits {
    pub units: Vec<String>,
    pub buildings: Vec<String>,
    pub estates: Vec<String>,
}

/// Resolves what `viewer` may see.
pub fn scope(conn: &mut DbConnection, viewer: &Viewer) -> StoreResult<Scope> {
    Ok(match viewer.role {
        Role::Admin => Scope::All,
        Role::Reviewer => Scope::Jurisdictions(reviewer_jurisdictions(conn, &viewer.user_id)?),
        Role::Developer => Scope::Developer(viewer.organisation_ids.clone()),
        Role::PropertyManager => Scope::PropertyManager(viewer.organisation_ids.clone()),
        Role::Owner => {
            let rows: Vec<(String, String, String)> = units::table
                .inner_join(unit_owners::table)
                .inner_join(buildings::table)
                .filter(unit_owners::user_id.eq(&viewer.user_id))
                .select((units::id, buildings::id, buildings::estate_id))
                .load(conn)?;
            let mut owned = OwnedUnits::default();
            for (unit, building, estate) in rows {
                owned.units.push(unit);
                owned.buildings.push(building);
                owned.estates.push(estate);
            }
            Scope::Owner(owned)
        }
        Role::Technician => Scope::Nothing,
    })
}

/// Restricts a boxed query that joins `estates` to what a [`Scope`] allows. Owners are restricted on
/// `$owner_column` against their owned `$owned` ids, so an owner sees their own unit, not the
/// neighbours'.
macro_rules! restrict {
    ($query:expr, $scope:expr, $owner_column:expr, $owned:ident) => {
        match $scope {
            Scope::All => $query,
            Scope::Jurisdictions(ids) => $query.filter(estates::jurisdiction.eq_any(ids.clone())),
            Scope::Developer(ids) => $query.filter(estates::developer_id.eq_any(ids.clone())),
            Scope::PropertyManager(ids) => {
                $query.filter(estates::property_manager_id.assume_not_null().eq_any(ids.clone()))
            }
            Scope::Owner(owned) => $query.filter($owner_column.eq_any(owned.$owned.clone())),
            Scope::Nothing => $query.filter(estates::id.is_null()),
        }
    };
}

/// The jurisdictions of the bureaus a reviewer belongs to.
pub fn reviewer_jurisdictions(conn: &mut DbConnection, user_id: &str) -> StoreResult<Vec<String>> {
    let found: Vec<Option<String>> = organisations::table
        .inner_join(memberships::table)
        .filter(memberships::user_id.eq(user_id))
        .filter(organisations::kind.eq(OrgKind::HousingBureau.as_str()))
        .select(organisations::jurisdiction)
        .load(conn)?;
    Ok(found.into_iter().flatten().collect())
}

// ---- organisations and memberships ----

pub fn insert_organisation(conn: &mut DbConnection, org: &OrganisationRow) -> StoreResult<()> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(&org.id),
            organisations::kind.eq(&org.kind),
            organisations::name.eq(&org.name),
            organisations::jurisdiction.eq(&org.jurisdiction),
            organisations::created_at.eq(org.created_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Organisations the viewer may see: all for admins and reviewers, their own for everyone else.
pub fn list_organisations(conn: &mut DbConnection, viewer: &Viewer) -> StoreResult<Vec<OrganisationRow>> {
    let mut query = organisations::table.select(OrganisationRow::as_select()).into_boxed();
    if !matches!(viewer.role, Role::Admin | Role::Reviewer) {
        query = query.filter(organisations::id.eq_any(viewer.organisation_ids.clone()));
    }
    Ok(query.order((organisations::kind.asc(), organisations::name.asc())).load(conn)?)
}

pub fn find_organisation(conn: &mut DbConnection, viewer: &Viewer, id: &str) -> StoreResult<OrganisationRow> {
    list_organisations_by_id(conn, viewer, id)?.ok_or(StoreError::NotFound)
}

/// An organisation's name, for what is printed about a claim it was designated to.
pub fn organisation_name(conn: &mut DbConnection, id: &str) -> StoreResult<Option<String>> {
    Ok(organisations::table.find(id).select(organisations::name).first(conn).optional()?)
}

fn list_organisations_by_id(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: &str,
) -> StoreResult<Option<OrganisationRow>> {
    let mut query = organisations::table
        .filter(organisations::id.eq(id))
        .select(OrganisationRow::as_select())
        .into_boxed();
    if !matches!(viewer.role, Role::Admin | Role::Reviewer) {
        query = query.filter(organisations::id.eq_any(viewer.organisation_ids.clone()));
    }
    Ok(query.first(conn).optional()?)
}

/// An organisation's kind, if it exists.
pub fn organisation_kind(conn: &mut DbConnection, id: &str) -> StoreResult<Option<OrgKind>> {
    Ok(organisations::table.find(id).select(organisations::kind).first(conn).optional()?)
}

/// An account's role, if it exists.
pub fn user_role(conn: &mut DbConnection, id: &str) -> StoreResult<Option<Role>> {
    Ok(users::table.find(id).select(users::role).first(conn).optional()?)
}

/// Adds `user_id` to the organisation; `office` makes them of its office (a repair unit's
/// dispatchers). Joining again sets only that.
pub fn add_membership(conn: &mut DbConnection, org_id: &str, user_id: &str, office: bool) -> StoreResult<()> {
    let updated = diesel::update(memberships::table.find((user_id, org_id)))
        .set(memberships::office.eq(office))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(memberships::table)
            .values((
                memberships::user_id.eq(user_id),
                memberships::organisation_id.eq(org_id),
                memberships::created_at.eq(now()),
                memberships::office.eq(office),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// An organisation's members, by name: (id, display name, role, active).
pub fn members(conn: &mut DbConnection, org_id: &str) -> StoreResult<Vec<(String, String, Role, bool)>> {
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::organisation_id.eq(org_id))
        .order(users::display_name.asc())
        .select((users::id, users::display_name, users::role, users::active))
        .load(conn)?)
}

/// How many of the organisation's work orders are assigned to the account and not completed.
pub fn open_work_orders_of(conn: &mut DbConnection, org_id: &str, user_id: &str) -> StoreResult<i64> {
    Ok(work_orders::table
        .filter(work_orders::repair_unit_id.eq(org_id))
        .filter(work_orders::technician_id.eq(user_id))
        .filter(work_orders::status.ne("completed"))
        .count()
        .get_result(conn)?)
}

/// Takes an account out of an organisation. Not a member: not found.
pub fn remove_membership(conn: &mut DbConnection, org_id: &str, user_id: &str) -> StoreResult<()> {
    let removed = diesel::delete(memberships::table.find((user_id, org_id))).execute(conn)?;
    if removed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ---- estates ----

pub fn insert_estate(conn: &mut DbConnection, estate: &EstateRow) -> StoreResult<()> {
    diesel::insert_into(estates::table).values(estate).execute(conn)?;
    Ok(())
}

pub fn list_estates(
    conn: &mut DbConnection,
    scope: &Scope,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<EstateRow>> {
    let query = estates::table.select(EstateRow::as_select()).into_boxed();
    Ok(restrict!(query, scope, estates::id, estates)
        .order((estates::name.asc(), estates::id.asc()))
        .limit(limit)
        .offset(offset)
        .load(conn)?)
}

/// One estate, or `not_found` when it does not exist *or* the viewer may not see it.
pub fn find_estate(conn: &mut DbConnection, scope: &Scope, id: &str) -> StoreResult<EstateRow> {
    let query = estates::table.filter(estates::id.eq(id)).select(EstateRow::as_select()).into_boxed();
    Ok(restrict!(query, scope, estates::id, estates).first(conn)?)
}

// ---- buildings ----

pub fn insert_building(conn: &mut DbConnection, building: &BuildingRow) -> StoreResult<()> {
    let exists = buildings::table
        .filter(buildings::estate_id.eq(&building.estate_id))
        .filter(buildings::name.eq(&building.name))
        .select(buildings::id)
        .first::<String>(conn)
        .optional()?;
    if exists.is_some() {
        return Err(StoreError::Duplicate(Some("name")));
    }
    diesel::insert_into(buildings::table).values(building).execute(conn)?;
    Ok(())
}

pub fn list_buildings(
    conn: &mut DbConnection,
    scope: &Scope,
    estate_id: &str,
) -> StoreResult<Vec<BuildingRow>> {
    let query = buildings::table
        .inner_join(estates::table)
        .filter(buildings::estate_id.eq(estate_id))
        .select(BuildingRow::as_select())
        .into_boxed();
    Ok(restrict!(query, scope, buildings::id, buildings).order(buildings::name.asc()).load(conn)?)
}

/// One building with its estate's jurisdiction, or `not_found` when out of the viewer's scope.
pub fn find_building(conn: &mut DbConnection, scope: &Scope, id: &str) -> StoreResult<(BuildingRow, String)> {
    let query = buildings::table
        .inner_join(estates::table)
        .filter(buildings::id.eq(id))
        .select((BuildingRow::as_select(), estates::jurisdiction))
        .into_boxed();
    Ok(restrict!(query, scope, buildings::id, buildings).first(conn)?)
}

pub fn update_building(conn: &mut DbConnection, id: &str, changes: &BuildingChanges) -> StoreResult<()> {
    if let Some(name) = &changes.name {
        let estate_id: String = buildings::table.find(id).select(buildings::estate_id).first(conn)?;
        let clash = buildings::table
            .filter(buildings::estate_id.eq(estate_id))
            .filter(buildings::name.eq(name))
            .filter(buildings::id.ne(id))
            .select(buildings::id)
            .first::<String>(conn)
            .optional()?;
        if clash.is_some() {
            return Err(StoreError::Duplicate(Some("name")));
        }
    }
    let BuildingChanges { name, class, construction_cost_fen, design_life_years, handover_date } = changes;
    let nothing = name.is_none()
        && class.is_none()
        && construction_cost_fen.is_none()
        && design_life_years.is_none()
        && handover_date.is_none();
    // A PATCH with nothing in it changes nothing and answers the building as it is.
    if !nothing {
        diesel::update(buildings::table.find(id)).set(changes).execute(conn)?;
    }
    Ok(())
}

// ---- units and owners ----

pub fn insert_unit(conn: &mut DbConnection, unit: &UnitRow) -> StoreResult<()> {
    let exists = units::table
        .filter(units::building_id.eq(&unit.building_id))
        .filter(units::number.eq(&unit.number))
        .select(units::id)
        .first::<String>(conn)
        .optional()?;
    if exists.is_some() {
        return Err(StoreError::Duplicate(Some("number")));
    }
    diesel::insert_into(units::table).values(unit).execute(conn)?;
    Ok(())
}

pub fn list_units(conn: &mut DbConnection, scope: &Scope, building_id: &str) -> StoreResult<Vec<UnitRow>> {
    let query = units::table
        .inner_join(buildings::table.inner_join(estates::table))
        .filter(units::building_id.eq(building_id))
        .select(UnitRow::as_select())
        .into_boxed();
    Ok(restrict!(query, scope, units::id, units)
        .order((units::floor.asc(), units::number.asc()))
        .load(conn)?)
}

/// The viewer's own units (owners), across buildings.
pub fn my_units(conn: &mut DbConnection, user_id: &str) -> StoreResult<Vec<UnitRow>> {
    Ok(units::table
        .inner_join(unit_owners::table)
        .filter(unit_owners::user_id.eq(user_id))
        .order(units::number.asc())
        .select(UnitRow::as_select())
        .load(conn)?)
}

/// The ids of the units an account owns, in id order.
pub fn owned_unit_ids(conn: &mut DbConnection, user_id: &str) -> StoreResult<Vec<String>> {
    Ok(unit_owners::table
        .filter(unit_owners::user_id.eq(user_id))
        .order(unit_owners::unit_id.asc())
        .select(unit_owners::unit_id)
        .load(conn)?)
}

pub fn find_unit(conn: &mut DbConnection, scope: &Scope, id: &str) -> StoreResult<UnitRow> {
    let query = units::table
        .inner_join(buildings::table.inner_join(estates::table))
        .filter(units::id.eq(id))
        .select(UnitRow::as_select())
        .into_boxed();
    Ok(restrict!(query, scope, units::id, units).first(conn)?)
}

/// Records `user_id` as an owner of the unit.
pub fn add_unit_owner(conn: &mut DbConnection, unit_id: &str, user_id: &str) -> StoreResult<()> {
    let exists = unit_owners::table
        .find((unit_id, user_id))
        .select(unit_owners::unit_id)
        .first::<String>(conn)
        .optional()?;
    if exists.is_none() {
        diesel::insert_into(unit_owners::table)
            .values((
                unit_owners::unit_id.eq(unit_id),
                unit_owners::user_id.eq(user_id),
                unit_owners::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A fresh id for a registry row.
pub fn fresh_id() -> String {
    new_id()
}

// ---- natural-key lookups, for idempotent loading ----

/// The id of the organisation of this kind and name.
pub fn organisation_id_by_name(
    conn: &mut DbConnection,
    kind: OrgKind,
    name: &str,
) -> StoreResult<Option<String>> {
    Ok(organisations::table
        .filter(organisations::kind.eq(kind.as_str()))
        .filter(organisations::name.eq(name))
        .select(organisations::id)
        .first(conn)
        .optional()?)
}

/// The id of the estate of this name in this jurisdiction.
pub fn estate_id_by_name(
    conn: &mut DbConnection,
    jurisdiction: &str,
    name: &str,
) -> StoreResult<Option<String>> {
    Ok(estates::table
        .filter(estates::jurisdiction.eq(jurisdiction))
        .filter(estates::name.eq(name))
        .select(estates::id)
        .first(conn)
        .optional()?)
}

/// The id of the building of this name in the estate.
pub fn building_id_by_name(
    conn: &mut DbConnection,
    estate_id: &str,
    name: &str,
) -> StoreResult<Option<String>> {
    Ok(buildings::table
        .filter(buildings::estate_id.eq(estate_id))
        .filter(buildings::name.eq(name))
        .select(buildings::id)
        .first(conn)
        .optional()?)
}

/// The id of the unit with this number in the building.
pub fn unit_id_by_number(
    conn: &mut DbConnection,
    building_id: &str,
    number: &str,
) -> StoreResult<Option<String>> {
    Ok(units::table
        .filter(units::building_id.eq(building_id))
        .filter(units::number.eq(number))
        .select(units::id)
        .first(conn)
        .optional()?)
}

/// Corrects an estate's name, address or property manager.
pub fn update_estate(conn: &mut DbConnection, id: &str, changes: &EstateChanges) -> StoreResult<()> {
    if changes.name.is_some() || changes.address.is_some() || changes.property_manager_id.is_some() {
        diesel::update(estates::table.find(id)).set(changes).execute(conn)?;
    }
    Ok(())
}

/// Corrects a unit's number or floor; a number already used in the building is `already_exists`.
pub fn update_unit(conn: &mut DbConnection, id: &str, changes: &UnitChanges) -> StoreResult<()> {
    if let Some(number) = &changes.number {
        let building_id: String = units::table.find(id).select(units::building_id).first(conn)?;
        let clash = units::table
            .filter(units::building_id.eq(building_id))
            .filter(units::number.eq(number))
            .filter(units::id.ne(id))
            .select(units::id)
            .first::<String>(conn)
            .optional()?;
        if clash.is_some() {
            return Err(StoreError::Duplicate(Some("number")));
        }
    }
    if changes.number.is_some() || changes.floor.is_some() {
        diesel::update(units::table.find(id)).set(changes).execute(conn)?;
    }
    Ok(())
}

// ---- owners' committees (Art. 20) ----

/// An estate's owners' committee, as stored.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = super::schema::owners_committees)]
pub struct CommitteeRow {
    pub estate_id: String,
    pub name: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// Records the estate's committee with its members, replacing an earlier one's members.
pub fn set_committee(conn: &mut DbConnection, row: &CommitteeRow, members: &[String]) -> StoreResult<()> {
    use super::schema::{committee_members, owners_committees};
    diesel::delete(committee_members::table.filter(committee_members::estate_id.eq(&row.estate_id)))
        .execute(conn)?;
    diesel::delete(owners_committees::table.find(&row.estate_id)).execute(conn)?;
    diesel::insert_into(owners_committees::table).values(row).execute(conn)?;
    for user in members {
        diesel::insert_into(committee_members::table)
            .values((committee_members::estate_id.eq(&row.estate_id), committee_members::user_id.eq(user)))
            .execute(conn)?;
    }
    Ok(())
}

/// The estate's committee and its members' ids, if it has one.
pub fn committee_of(
    conn: &mut DbConnection,
    estate_id: &str,
) -> StoreResult<Option<(CommitteeRow, Vec<String>)>> {
    use super::schema::{committee_members, owners_committees};
    let Some(row) =
        owners_committees::table.find(estate_id).select(CommitteeRow::as_select()).first(conn).optional()?
    else {
        return Ok(None);
    };
    let members = committee_members::table
        .filter(committee_members::estate_id.eq(estate_id))
        .order(committee_members::user_id.asc())
        .select(committee_members::user_id)
        .load(conn)?;
    Ok(Some((row, members)))
}

/// Whether each of `users` owns a unit of the estate.
pub fn owners_of_estate(
    conn: &mut DbConnection,
    estate_id: &str,
    users: &[String],
) -> StoreResult<Vec<String>> {
    Ok(unit_owners::table
        .inner_join(units::table.inner_join(buildings::table))
        .filter(buildings::estate_id.eq(estate_id))
        .filter(unit_owners::user_id.eq_any(users))
        .select(unit_owners::user_id)
        .distinct()
        .load(conn)?)
}

/// The buildings of estates in these jurisdictions, as (building id, estate name, building name),
/// by estate and building name: what a reviewer filters the queue by.
pub fn buildings_in(
    conn: &mut DbConnection,
    jurisdictions: &[String],
) -> StoreResult<Vec<(String, String, String)>> {
    Ok(buildings::table
        .inner_join(estates::table)
        .filter(estates::jurisdiction.eq_any(jurisdictions))
        .select((buildings::id, estates::name, buildings::name))
        .order((estates::name.asc(), buildings::name.asc()))
        .load(conn)?)
}

/// The buildings a viewer's scope holds, with their estate's id and name, by estate and building
/// name: where an applicant may file, what a developer has built.
pub fn visible_buildings(
    conn: &mut DbConnection,
    scope: &Scope,
) -> StoreResult<Vec<(BuildingRow, String, String)>> {
    let query = buildings::table
        .inner_join(estates::table)
        .select((BuildingRow::as_select(), estates::id, estates::name))
        .into_boxed();
    Ok(restrict!(query, scope, buildings::id, buildings)
        .order((estates::name.asc(), buildings::name.asc()))
        .limit(500)
        .load(conn)?)
}

/// A building's estate and building names, and a unit's number: how people name a claim's place.
pub fn place_names(
    conn: &mut DbConnection,
    building_id: &str,
    unit_id: Option<&str>,
) -> StoreResult<(String, String, Option<String>)> {
    let (estate, building): (String, String) = buildings::table
        .inner_join(estates::table)
        .filter(buildings::id.eq(building_id))
        .select((estates::name, buildings::name))
        .first(conn)?;
    let unit = match unit_id {
        Some(id) => units::table.filter(units::id.eq(id)).select(units::number).first(conn).optional()?,
        None => None,
    };
    Ok((estate, building, unit))
}

/// The organisations a bureau may designate to repair (Art. 21): repair units and property
/// managers, by kind and name, as (id, name).
pub fn designatable_units(conn: &mut DbConnection) -> StoreResult<Vec<(String, String)>> {
    Ok(organisations::table
        .filter(organisations::kind.eq_any([OrgKind::RepairUnit.as_str(), OrgKind::PropertyManager.as_str()]))
        .select((organisations::id, organisations::name))
        .order((organisations::kind.desc(), organisations::name.asc()))
        .load(conn)?)
}
