//! Claims, their plans, cost sheets, payouts and audit trail, as stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::accounts::now;
use super::DbConnection;
use crate::db::schema::{claim_evidence, claims, unit_owners};
use crate::db::{StoreError, StoreResult};
use crate::domain::coverage::{PartLocation, WarrantyCategory};
use crate::domain::lifecycle::{Act, Claim, ClaimKind, ClaimState, RejectionReason, WaitingOn};

/// The queue key of a claim that waits on the bureau without a legal deadline: it sorts after
/// every real date, so the queue reads in index order on both backends.
pub const NO_DEADLINE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A claim as stored.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = claims, treat_none_as_null = true)]
pub struct ClaimRow {
    pub id: String,
    pub kind: ClaimKind,
    pub state: ClaimState,
    pub waiting_on: WaitingOn,
    pub jurisdiction: String,
    pub estate_id: String,
    pub building_id: String,
    pub unit_id: Option<String>,
    pub developer_id: String,
    pub property_manager_id: Option<String>,
    pub location: PartLocation,
    pub category: WarrantyCategory,
    pub location_detail: String,
    pub description: String,
    pub applicant_id: String,
    pub applicant_capacity: String,
    pub with_owner_representatives: bool,
    pub warranty_last_day: NaiveDate,
    pub advanced_amount_fen: Option<i64>,
    pub repair_unit_id: Option<String>,
    pub rejection_reason: Option<RejectionReason>,
    pub rejection_note: Option<String>,
    pub plan_approved: bool,
    pub cost_sheet_signed: bool,
    pub cost_sheet_verified: bool,
    pub developer_reply_due_on: Option<NaiveDate>,
    pub cost_sheet_received_at: Option<NaiveDateTime>,
    pub payout_due_on: Option<NaiveDate>,
    pub usage_notice_due_on: Option<NaiveDate>,
    pub bureau_due_on: Option<NaiveDate>,
    pub version: i32,
    pub filed_at: NaiveDateTime,
    /// The day the applicant says the defect was reported (Art. 18); claims filed before it was
    /// stored read their filing date.
    pub reported_on: Option<NaiveDate>,
    /// The day the developer promised to have repaired by (Art. 17).
    pub repair_due_on: Option<NaiveDate>,
    /// The day the testing agency's finding is due (Art. 24).
    pub inspection_due_on: Option<NaiveDate>,
    /// The owners' elected representatives a property manager applies with, by name (Art. 20).
    pub owner_representatives: Option<String>,
    /// The defect's coded location and component, its severity (`serious`, `ordinary`) and the
    /// code list's version; empty on a claim filed before coding.
    pub defect_location: Option<String>,
    pub defect_component: Option<String>,
    pub severity: Option<String>,
    pub defect_codes_version: Option<String>,
    /// The open claim of the same defect this one duplicates, or the completed repair it repeats
    /// (Art. 30, `domain::recurrence::link`).
    pub duplicate_of: Option<String>,
    pub repeat_of: Option<String>,
    /// What the repair found: the cause (a code of the list) and the solution, recorded with the
    /// signed cost sheet handed in.
    pub defect_cause: Option<String>,
    pub defect_solution: Option<String>,
}

impl ClaimRow {
    /// The state machine's view of this claim.
    pub fn machine(&self) -> Claim {
        Claim {
            kind: self.kind,
            state: self.state,
            rejection: self.rejection_reason,
            plan_approved: self.plan_approved,
            cost_sheet_signed: self.cost_sheet_signed,
            cost_sheet_verified: self.cost_sheet_verified,
        }
    }

    /// Whose move it is and the bureau's nearest legal deadline, from the state and the clocks.
    pub fn refresh_queue_fields(&mut self, state: ClaimState) {
        self.state = state;
        self.waiting_on = state.waiting_on();
        self.bureau_due_on = match state {
            ClaimState::CostSheetSubmitted | ClaimState::Verified => self.payout_due_on,
            ClaimState::Paid => self.usage_notice_due_on,
            ClaimState::UnderInspection => self.inspection_due_on.or(Some(NO_DEADLINE)),
            _ if state.waiting_on() == WaitingOn::Bureau => Some(NO_DEADLINE),
            _ => None,
        };
    }
}

/// Who may see which claims: the reviewer their jurisdiction, the developer and property manager
/// their estates' claims, the repair unit the claims it was designated for, the owner their own.
#[derive(Clone, Debug)]
pub enum ClaimScope {
    All,
    Jurisdictions(Vec<String>),
    Developer(Vec<String>),
    PropertyManager(Vec<String>),
    RepairUnit(Vec<String>),
    Owner(String),
}

macro_rules! restrict_claims {
    ($query:expr, $scope:expr) => {
        match $scope {
            ClaimScope::All => $query,
            ClaimScope::Jurisdictions(ids) => $query.filter(claims::jurisdiction.eq_any(ids.clone())),
            ClaimScope::Developer(ids) => $query.filter(claims::developer_id.eq_any(ids.clone())),
            ClaimScope::PropertyManager(ids) => {
                $query.filter(claims::property_manager_id.assume_not_null().eq_any(ids.clone()))
            }
            ClaimScope::RepairUnit(ids) => {
                $query.filter(claims::repair_unit_id.assume_not_null().eq_any(ids.clone()))
            }
            // An owner sees the claims they filed and those on units they own.
            ClaimScope::Owner(user) => $query.filter(
                claims::applicant_id.eq(user.clone()).or(claims::unit_id.assume_not_null().eq_any(
                    unit_owners::table
                        .filter(unit_owners::user_id.eq(user.clone()))
                        .select(unit_owners::unit_id),
                )),
            ),
        }
    };
}

// Declared after `restrict_claims`, which the parts use.
mod audit;
mod changes;
mod payout;
mod plans;
mod revisions;
mod visits;

pub use audit::{append_audit, audit_trail, insert_audits, Actor, AuditRow, NewAudit};
pub use changes::{last_change, next_change};
pub use payout::{
    evidence_of, insert_payout, payout_of, progress_of, surface_overdue_developers, PayoutRow, Progress,
};
pub use plans::{approved_plan, approved_plans_for, decide_plan, insert_plan, plans, PlanLine, PlanRow};
pub use revisions::{
    confirm_in_person, cost_sheets_for, cost_sheets_of, dispute_signature, drawing_hashes, insert_cost_sheet,
    insert_revision, insert_revisions, latest_cost_sheet, lines_of, lock_claims, record_verification,
    sheet_totals, sign_latest, wire_lines, CostSheetRow, LineRow, NewRevision, OnSiteSignature,
    SignatureKind, Signing,
};
pub use visits::{claims_in_scope, insert_return_visit, ratings, return_visit_of, Rating};

/// An earlier claim of the same defect key: id, filing time, state, when the bureau received its
/// cost sheet (the repair completed), and what it duplicates.
pub type SameDefect = (String, NaiveDateTime, ClaimState, Option<NaiveDateTime>, Option<String>);

/// The other claims of a coded claim's defect key: the same building, unit (or common parts),
/// coded location and component, and category. None for an uncoded claim.
pub fn same_defect(conn: &mut DbConnection, row: &ClaimRow) -> StoreResult<Vec<SameDefect>> {
    let (Some(location), Some(component)) = (&row.defect_location, &row.defect_component) else {
        return Ok(Vec::new());
    };
    let mut query = claims::table
        .filter(claims::building_id.eq(&row.building_id))
        .filter(claims::defect_location.eq(location))
        .filter(claims::defect_component.eq(component))
        .filter(claims::category.eq(row.category))
        .filter(claims::id.ne(&row.id))
        .into_boxed();
    query = match &row.unit_id {
        Some(unit) => query.filter(claims::unit_id.eq(unit)),
        None => query.filter(claims::unit_id.is_null()),
    };
    Ok(query
        .select((
            claims::id,
            claims::filed_at,
            claims::state,
            claims::cost_sheet_received_at,
            claims::duplicate_of,
        ))
        .order(claims::filed_at.asc())
        .limit(500)
        .load(conn)?)
}

/// Stores a new claim and its first audit entry.
pub fn insert_claim(
    conn: &mut DbConnection,
    row: &ClaimRow,
    actor: &Actor,
    evidence: &[(String, String)],
) -> StoreResult<()> {
    diesel::insert_into(claims::table).values(row).execute(conn)?;
    for (evidence_id, kind) in evidence {
        attach_evidence(conn, &row.id, evidence_id, kind, &actor.user_id)?;
    }
    append_audit(
        conn,
        &row.id,
        actor,
        Act::Filed,
        None,
        row.state,
        json!({"kind": row.kind, "category": row.category}),
    )
}

/// Attaches evidence to a claim; attaching the same evidence twice is a no-op.
pub fn attach_evidence(
    conn: &mut DbConnection,
    claim_id: &str,
    evidence_id: &str,
    kind: &str,
    by: &str,
) -> StoreResult<()> {
    let exists = claim_evidence::table
        .find((claim_id, evidence_id))
        .select(claim_evidence::claim_id)
        .first::<String>(conn)
        .optional()?;
    if exists.is_none() {
        diesel::insert_into(claim_evidence::table)
            .values((
                claim_evidence::claim_id.eq(claim_id),
                claim_evidence::evidence_id.eq(evidence_id),
                claim_evidence::kind.eq(kind),
                claim_evidence::attached_by.eq(by),
                claim_evidence::attached_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// One claim, or `not_found` when it does not exist or is out of scope.
pub fn find_claim(conn: &mut DbConnection, scope: &ClaimScope, id: &str) -> StoreResult<ClaimRow> {
    let query = claims::table.filter(claims::id.eq(id)).select(ClaimRow::as_select()).into_boxed();
    Ok(restrict_claims!(query, scope).first(conn)?)
}

/// A claim's state as stored, whoever asks: for the audit entries of steps on its parts.
pub fn state_of(conn: &mut DbConnection, id: &str) -> StoreResult<ClaimState> {
    Ok(claims::table.find(id).select(claims::state).first(conn)?)
}

/// The claims among `ids` that are in scope; the others are simply absent.
pub fn find_claims(conn: &mut DbConnection, scope: &ClaimScope, ids: &[&str]) -> StoreResult<Vec<ClaimRow>> {
    let query = claims::table.filter(claims::id.eq_any(ids)).select(ClaimRow::as_select()).into_boxed();
    Ok(restrict_claims!(query, scope).load(conn)?)
}

/// Filters on a claim list.
#[derive(Clone, Debug, Default)]
pub struct ClaimFilter {
    pub states: Vec<String>,
    pub estate_id: Option<String>,
    pub building_id: Option<String>,
    pub category: Option<String>,
    /// Only claims whose bureau deadline is on or before this date (or overdue).
    pub due_by: Option<NaiveDate>,
}

impl ClaimFilter {
    /// Whether it narrows by anything but the state.
    pub fn narrows_beyond_states(&self) -> bool {
        self.estate_id.is_some()
            || self.building_id.is_some()
            || self.category.is_some()
            || self.due_by.is_some()
    }
}

/// Narrows a boxed claims query to a [`ClaimFilter`]'s states, estate, building and category.
macro_rules! filter_claims {
    ($query:expr, $filter:expr) => {{
        let (mut query, filter) = ($query, $filter);
        if !filter.states.is_empty() {
            query = query.filter(claims::state.eq_any(filter.states.clone()));
        }
        if let Some(estate) = &filter.estate_id {
            query = query.filter(claims::estate_id.eq(estate.clone()));
        }
        if let Some(building) = &filter.building_id {
            query = query.filter(claims::building_id.eq(building.clone()));
        }
        if let Some(category) = &filter.category {
            query = query.filter(claims::category.eq(category.clone()));
        }
        query
    }};
}

/// The claims waiting on the bureau in these jurisdictions, as a boxed query to narrow further.
macro_rules! bureau_claims {
    ($jurisdictions:expr) => {{
        let query = claims::table.filter(claims::waiting_on.eq("bureau")).into_boxed();
        // One jurisdiction, the usual case, as an equality so the index also yields the order.
        match $jurisdictions {
            [one] => query.filter(claims::jurisdiction.eq(one.clone())),
            many => query.filter(claims::jurisdiction.eq_any(many.to_vec())),
        }
    }};
}

/// Claims in scope, newest first.
pub fn list_claims(
    conn: &mut DbConnection,
    scope: &ClaimScope,
    filter: &ClaimFilter,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<ClaimRow>> {
    let mut query = claims::table.select(ClaimRow::as_select()).into_boxed();
    query = restrict_claims!(query, scope);
    query = filter_claims!(query, filter);
    Ok(query.order((claims::filed_at.desc(), claims::id.desc())).limit(limit).offset(offset).load(conn)?)
}

/// The reviewer queue: claims in these jurisdictions waiting on the bureau, nearest legal deadline
/// first (overdue ones are the nearest), then those without a deadline, oldest first.
pub fn queue(
    conn: &mut DbConnection,
    jurisdictions: &[String],
    filter: &ClaimFilter,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<ClaimRow>> {
    let mut query = filter_claims!(bureau_claims!(jurisdictions), filter).select(ClaimRow::as_select());
    if let Some(due_by) = filter.due_by {
        query = query.filter(claims::bureau_due_on.le(due_by));
    }
    Ok(query
        .order((claims::bureau_due_on.asc(), claims::filed_at.asc(), claims::id.asc()))
        .limit(limit)
        .offset(offset)
        .load(conn)?)
}

/// How many claims of the reviewer queue match `filter`, for paging.
pub fn queue_total(
    conn: &mut DbConnection,
    jurisdictions: &[String],
    filter: &ClaimFilter,
) -> StoreResult<i64> {
    let mut query = filter_claims!(bureau_claims!(jurisdictions), filter);
    if let Some(due_by) = filter.due_by {
        query = query.filter(claims::bureau_due_on.le(due_by));
    }
    Ok(query.count().get_result(conn)?)
}

/// How many claims wait on the bureau in these jurisdictions, by state.
pub fn queue_counts(conn: &mut DbConnection, jurisdictions: &[String]) -> StoreResult<Vec<(String, i64)>> {
    Ok(claims::table
        .filter(claims::waiting_on.eq("bureau"))
        .filter(claims::jurisdiction.eq_any(jurisdictions))
        .group_by(claims::state)
        .select((claims::state, diesel::dsl::count_star()))
        .order(claims::state.asc())
        .load(conn)?)
}

/// Saves a claim after a step, bumping its version, only if no one changed it since `row` was
/// read; otherwise `stale_version` with the version the caller saw.
pub fn save_step(conn: &mut DbConnection, row: &mut ClaimRow) -> StoreResult<()> {
    let old_version = row.version;
    row.version += 1;
    let updated =
        diesel::update(claims::table.filter(claims::id.eq(&row.id)).filter(claims::version.eq(old_version)))
            .set(&*row)
            .execute(conn)?;
    if updated != 1 {
        return Err(StoreError::Stale(i64::from(old_version)));
    }
    Ok(())
}
