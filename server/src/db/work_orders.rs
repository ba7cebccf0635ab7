//! Work orders and site visits.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{claims, visits, work_orders};
use super::DbConnection;
use crate::db::{StoreError, StoreResult};
use crate::domain::work_order::WorkOrderStatus;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = work_orders, treat_none_as_null = true)]
pub struct WorkOrderRow {
    pub id: String,
    pub claim_id: String,
    pub repair_unit_id: String,
    pub technician_id: Option<String>,
    pub status: WorkOrderStatus,
    pub description: String,
    pub urgent: bool,
    pub on_site_by: Option<NaiveDateTime>,
    pub window_start: Option<NaiveDateTime>,
    pub window_end: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub version: i32,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = visits, treat_none_as_null = true)]
pub struct VisitRow {
    pub id: String,
    pub work_order_id: String,
    pub technician_id: String,
    pub device_id: Option<String>,
    pub check_in_at: NaiveDateTime,
    pub check_in_device_at: Option<NaiveDateTime>,
    pub check_in_lat: Option<f64>,
    pub check_in_lng: Option<f64>,
    pub check_out_at: Option<NaiveDateTime>,
    pub check_out_device_at: Option<NaiveDateTime>,
    pub check_out_lat: Option<f64>,
    pub check_out_lng: Option<f64>,
    pub notes: Option<String>,
    pub outcome: Option<String>,
}

/// Who may see which work orders: the repair unit its own, the reviewer those of claims in their
/// jurisdiction, the owner those of their own claims.
#[derive(Clone, Debug)]
pub enum WorkOrderScope {
    All,
    RepairUnits(Vec<String>),
    Jurisdictions(Vec<String>),
    Applicant(String),
    Nothing,
}

macro_rules! restrict_work_orders {
    ($query:expr, $scope:expr) => {
        match $scope {
            WorkOrderScope::All => $query,
            WorkOrderScope::RepairUnits(ids) => {
                $query.filter(work_orders::repair_unit_id.eq_any(ids.clone()))
            }
            WorkOrderScope::Jurisdictions(ids) => $query.filter(claims::jurisdiction.eq_any(ids.clone())),
            WorkOrderScope::Applicant(user) => $query.filter(claims::applicant_id.eq(user.clone())),
            WorkOrderScope::Nothing => $query.filter(work_orders::id.is_null()),
        }
    };
}

pub fn insert(conn: &mut DbConnection, row: &WorkOrderRow) -> StoreResult<()> {
    diesel::insert_into(work_orders::table).values(row).execute(conn)?;
    Ok(())
}

/// One work order in scope, or `not_found`.
pub fn find(conn: &mut DbConnection, scope: &WorkOrderScope, id: &str) -> StoreResult<WorkOrderRow> {
    let query = work_orders::table
        .inner_join(claims::table)
        .filter(work_orders::id.eq(id))
        .select(WorkOrderRow::as_select())
        .into_boxed();
    Ok(restrict_work_orders!(query, scope).first(conn)?)
}

/// Work orders in scope: urgent first, then by agreed arrival, then newest.
pub fn list(
    conn: &mut DbConnection,
    scope: &WorkOrderScope,
    statuses: &[String],
    assigned_to: Option<&str>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<WorkOrderRow>> {
    let mut query =
        work_orders::table.inner_join(claims::table).select(WorkOrderRow::as_select()).into_boxed();
    query = restrict_work_orders!(query, scope);
    if !statuses.is_empty() {
        query = query.filter(work_orders::status.eq_any(statuses.to_vec()));
    }
    if let Some(tech) = assigned_to {
        query = query.filter(work_orders::technician_id.eq(tech.to_string()));
    }
    Ok(query
        .order((work_orders::urgent.desc(), work_orders::window_start.asc(), work_orders::created_at.desc()))
        .limit(limit)
        .offset(offset)
        .load(conn)?)
}

/// Saves a changed work order if nobody changed it since `row.version` was read.
pub fn save(conn: &mut DbConnection, row: &mut WorkOrderRow) -> StoreResult<()> {
    let old = row.version;
    row.version += 1;
    let updated = diesel::update(
        work_orders::table.filter(work_orders::id.eq(&row.id)).filter(work_orders::version.eq(old)),
    )
    .set(&*row)
    .execute(conn)?;
    if updated != 1 {
        return Err(StoreError::Stale(i64::from(old)));
    }
    Ok(())
}

pub fn visits_of(conn: &mut DbConnection, work_order_id: &str) -> StoreResult<Vec<VisitRow>> {
    Ok(visits::table
        .filter(visits::work_order_id.eq(work_order_id))
        .order(visits::check_in_at.asc())
        .select(VisitRow::as_select())
        .load(conn)?)
}

pub fn insert_visit(conn: &mut DbConnection, visit: &VisitRow) -> StoreResult<()> {
    diesel::insert_into(visits::table).values(visit).execute(conn)?;
    Ok(())
}

pub fn update_visit(conn: &mut DbConnection, visit: &VisitRow) -> StoreResult<()> {
    diesel::update(visits::table.find(&visit.id)).set(visit).execute(conn)?;
    Ok(())
}

/// Every visit on a claim's work orders, oldest first.
pub fn visits_of_claim(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Vec<VisitRow>> {
    Ok(visits::table
        .inner_join(work_orders::table)
        .filter(work_orders::claim_id.eq(claim_id))
        .order(visits::check_in_at.asc())
        .select(VisitRow::as_select())
        .load(conn)?)
}

/// The work orders of these claims.
pub fn for_claims(conn: &mut DbConnection, claim_ids: &[String]) -> StoreResult<Vec<WorkOrderRow>> {
    Ok(work_orders::table
        .filter(work_orders::claim_id.eq_any(claim_ids))
        .order(work_orders::created_at.asc())
        .select(WorkOrderRow::as_select())
        .load(conn)?)
}
