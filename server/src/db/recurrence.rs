//! Recurring defects in storage: the Art. 30 register, the early warnings, and the claims and
//! buildings the warning job and the insights read.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{art30_entries, buildings, defect_warnings, estates, units};
use super::{DbConnection, StoreResult};
use crate::domain::coverage::WarrantyCategory;
use crate::domain::recurrence::EntryStatus;
use crate::domain::warnings::WarningLevel;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = art30_entries, treat_none_as_default_value = false)]
pub struct EntryRow {
    pub id: String,
    pub jurisdiction: String,
    pub building_id: String,
    pub category: WarrantyCategory,
    pub unit_id: Option<String>,
    pub defect_location: String,
    pub defect_component: String,
    /// The claim whose completed repair opened the entry.
    pub claim_id: String,
    pub reason: String,
    pub repairs: i32,
    /// The claims counted, as a JSON array of ids.
    pub claim_ids: String,
    pub warranty_last_day: NaiveDate,
    pub status: EntryStatus,
    pub opened_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    /// The decision's evidence, as a JSON array of file ids.
    pub evidence_ids: String,
}

/// Whose entries and warnings a reader sees: a reviewer's jurisdictions, a developer's
/// organisations, or all of them (an administrator).
#[derive(Debug)]
pub enum Scope {
    Jurisdictions(Vec<String>),
    Developers(Vec<String>),
    All,
}

pub fn insert_entry(conn: &mut DbConnection, row: &EntryRow) -> StoreResult<()> {
    diesel::insert_into(art30_entries::table).values(row).execute(conn)?;
    Ok(())
}

/// The entry of the same defect at the same place that still stands (open or confirmed), if any.
pub fn standing_entry(
    conn: &mut DbConnection,
    building_id: &str,
    unit_id: Option<&str>,
    category: WarrantyCategory,
    location: &str,
    component: &str,
) -> StoreResult<Option<EntryRow>> {
    let mut query = art30_entries::table
        .filter(art30_entries::building_id.eq(building_id))
        .filter(art30_entries::category.eq(category))
        .filter(art30_entries::defect_location.eq(location))
        .filter(art30_entries::defect_component.eq(component))
        .filter(art30_entries::status.ne(EntryStatus::Dismissed))
        .into_boxed();
    query = match unit_id {
        Some(unit) => query.filter(art30_entries::unit_id.eq(unit)),
        None => query.filter(art30_entries::unit_id.is_null()),
    };
    Ok(query.select(EntryRow::as_select()).first(conn).optional()?)
}

/// The entries of a building's category that refuse its refund (open or confirmed).
pub fn entries_holding(
    conn: &mut DbConnection,
    building_id: &str,
    category: WarrantyCategory,
) -> StoreResult<Vec<EntryRow>> {
    Ok(art30_entries::table
        .filter(art30_entries::building_id.eq(building_id))
        .filter(art30_entries::category.eq(category))
        .filter(art30_entries::status.ne(EntryStatus::Dismissed))
        .order(art30_entries::opened_at.asc())
        .select(EntryRow::as_select())
        .load(conn)?)
}

pub fn find_entry(conn: &mut DbConnection, id: &str) -> StoreResult<Option<EntryRow>> {
    Ok(art30_entries::table.find(id).select(EntryRow::as_select()).first(conn).optional()?)
}

/// The entries that name a claim: the one its repair opened, or those that counted it.
pub fn entries_of_claim(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Vec<EntryRow>> {
    let pattern = format!("%\"{claim_id}\"%");
    Ok(art30_entries::table
        .filter(art30_entries::claim_id.eq(claim_id).or(art30_entries::claim_ids.like(pattern)))
        .order(art30_entries::opened_at.asc())
        .select(EntryRow::as_select())
        .load(conn)?)
}

pub fn save_decision(conn: &mut DbConnection, row: &EntryRow) -> StoreResult<()> {
    diesel::update(art30_entries::table.find(&row.id))
        .set((
            art30_entries::status.eq(row.status),
            art30_entries::decided_by.eq(&row.decided_by),
            art30_entries::decided_at.eq(row.decided_at),
            art30_entries::decision_reason.eq(&row.decision_reason),
            art30_entries::evidence_ids.eq(&row.evidence_ids),
        ))
        .execute(conn)?;
    Ok(())
}

/// The register as the reader may see it, newest first, optionally of one building.
pub fn entries(
    conn: &mut DbConnection,
    scope: &Scope,
    building_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<EntryRow>> {
    let mut query = art30_entries::table.into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Jurisdictions(j) => query.filter(art30_entries::jurisdiction.eq_any(j.clone())),
        Scope::Developers(orgs) => query.filter(
            art30_entries::building_id.eq_any(
                buildings::table
                    .inner_join(estates::table)
                    .filter(estates::developer_id.eq_any(orgs.clone()))
                    .select(buildings::id),
            ),
        ),
    };
    if let Some(building) = building_id {
        query = query.filter(art30_entries::building_id.eq(building));
    }
    Ok(query
        .order((art30_entries::opened_at.desc(), art30_entries::id.asc()))
        .limit(limit)
        .select(EntryRow::as_select())
        .load(conn)?)
}

// ---- warnings ----

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = defect_warnings, treat_none_as_default_value = false)]
pub struct WarningRow {
    pub id: String,
    pub jurisdiction: String,
    pub developer_id: String,
    pub building_id: String,
    pub category: WarrantyCategory,
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    pub level: WarningLevel,
    pub rule: String,
    /// The rule's numbers, as JSON (`domain::warnings::Rule`).
    pub figures: String,
    /// The claims behind it, as a JSON array of ids.
    pub claim_ids: String,
    pub raised_at: NaiveDateTime,
    pub acknowledge_by: NaiveDate,
    pub digested_at: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledged_by: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_by: Option<String>,
    pub cause: Option<String>,
    pub measures: Option<String>,
}

/// The periods already warned of, as `building:category:period`, among these buildings.
pub fn warned_keys(
    conn: &mut DbConnection,
    periods: &[String],
) -> StoreResult<std::collections::HashSet<String>> {
    let rows: Vec<(String, WarrantyCategory, String)> = defect_warnings::table
        .filter(defect_warnings::period.eq_any(periods))
        .select((defect_warnings::building_id, defect_warnings::category, defect_warnings::period))
        .load(conn)?;
    Ok(rows.into_iter().map(|(b, c, p)| format!("{b}:{c}:{p}")).collect())
}

pub fn insert_warnings(conn: &mut DbConnection, rows: &[WarningRow]) -> StoreResult<usize> {
    Ok(super::insert_rows!(conn, defect_warnings::table, rows))
}

pub fn find_warning(conn: &mut DbConnection, id: &str) -> StoreResult<Option<WarningRow>> {
    Ok(defect_warnings::table.find(id).select(WarningRow::as_select()).first(conn).optional()?)
}

pub fn save_warning(conn: &mut DbConnection, row: &WarningRow) -> StoreResult<()> {
    diesel::update(defect_warnings::table.find(&row.id))
        .set((
            defect_warnings::acknowledged_at.eq(row.acknowledged_at),
            defect_warnings::acknowledged_by.eq(&row.acknowledged_by),
            defect_warnings::closed_at.eq(row.closed_at),
            defect_warnings::closed_by.eq(&row.closed_by),
            defect_warnings::cause.eq(&row.cause),
            defect_warnings::measures.eq(&row.measures),
        ))
        .execute(conn)?;
    Ok(())
}

/// The warnings as the reader may see them, newest first, optionally of one building.
pub fn warnings(
    conn: &mut DbConnection,
    scope: &Scope,
    building_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<WarningRow>> {
    let mut query = defect_warnings::table.into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Jurisdictions(j) => query.filter(defect_warnings::jurisdiction.eq_any(j.clone())),
        Scope::Developers(orgs) => query.filter(defect_warnings::developer_id.eq_any(orgs.clone())),
    };
    if let Some(building) = building_id {
        query = query.filter(defect_warnings::building_id.eq(building));
    }
    Ok(query
        .order((defect_warnings::raised_at.desc(), defect_warnings::id.asc()))
        .limit(limit)
        .select(WarningRow::as_select())
        .load(conn)?)
}

/// Warnings not yet in anyone's daily digest.
pub fn undigested(conn: &mut DbConnection) -> StoreResult<Vec<WarningRow>> {
    Ok(defect_warnings::table
        .filter(defect_warnings::digested_at.is_null())
        .order(defect_warnings::raised_at.asc())
        .select(WarningRow::as_select())
        .load(conn)?)
}

pub fn mark_digested(conn: &mut DbConnection, ids: &[String], at: NaiveDateTime) -> StoreResult<()> {
    for chunk in ids.chunks(500) {
        diesel::update(defect_warnings::table.filter(defect_warnings::id.eq_any(chunk)))
            .set(defect_warnings::digested_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(())
}

// ---- what the warning job and the insights read ----

/// A claim as the counts read it: building, unit (none for the common parts), category, the day
/// it was filed, whether it duplicates an open one, and its repair unit and dates.
#[derive(Queryable, Debug, Clone)]
pub struct CountedClaim {
    pub id: String,
    pub building_id: String,
    pub unit_id: Option<String>,
    pub category: WarrantyCategory,
    pub filed_at: NaiveDateTime,
    pub duplicate_of: Option<String>,
    pub repeat_of: Option<String>,
    pub repair_unit_id: Option<String>,
}

/// A building as the counts read it: its estate's jurisdiction and developer, its hand-over, its
/// design life and how many units it has.
#[derive(Debug, Clone)]
pub struct CountedBuilding {
    pub id: String,
    pub name: String,
    /// The building's type (`high_rise`, `multi_storey`…), for the developer's design feedback.
    pub class: String,
    pub estate_id: String,
    pub estate_name: String,
    pub jurisdiction: String,
    pub developer_id: String,
    pub handover_date: Option<NaiveDate>,
    pub design_life_years: i32,
    pub units: u32,
}

/// Every building (optionally of some jurisdictions or developers), with its unit count.
pub fn counted_buildings(conn: &mut DbConnection, scope: &Scope) -> StoreResult<Vec<CountedBuilding>> {
    type Row = (String, String, String, String, String, String, String, Option<NaiveDate>, i32);
    let mut query = buildings::table.inner_join(estates::table).into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Jurisdictions(j) => query.filter(estates::jurisdiction.eq_any(j.clone())),
        Scope::Developers(orgs) => query.filter(estates::developer_id.eq_any(orgs.clone())),
    };
    let rows: Vec<Row> = query
        .order(buildings::id.asc())
        .select((
            buildings::id,
            buildings::name,
            buildings::class,
            estates::id,
            estates::name,
            estates::jurisdiction,
            estates::developer_id,
            buildings::handover_date,
            buildings::design_life_years,
        ))
        .load(conn)?;
    let counts: Vec<(String, i64)> = units::table
        .group_by(units::building_id)
        .select((units::building_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: std::collections::HashMap<String, i64> = counts.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                name,
                class,
                estate_id,
                estate_name,
                jurisdiction,
                developer_id,
                handover_date,
                design_life_years,
            )| {
                let units = counts.get(&id).map_or(0, |n| u32::try_from(*n).unwrap_or(u32::MAX));
                CountedBuilding {
                    id,
                    name,
                    class,
                    estate_id,
                    estate_name,
                    jurisdiction,
                    developer_id,
                    handover_date,
                    design_life_years,
                    units,
                }
            },
        )
        .collect())
}
