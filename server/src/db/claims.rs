//! Claims, their plans, cost sheets, payouts and audit trail, as stored.

use baoxiu_sync_protocol::money::Money;
use baoxiu_sync_protocol::wire::{CostSheetRevision, WireLine};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::borrow::Cow;

use super::accounts::{new_id, now};
use super::schema::{
    audit_log, change_counter, claim_evidence, claims, cost_sheets, line_decisions, payouts, repair_plans,
    unit_owners,
};
use super::DbConnection;
use crate::domain::lifecycle::{Claim, ClaimState, WaitingOn};
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::Code;

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
    pub kind: String,
    pub state: String,
    pub waiting_on: String,
    pub jurisdiction: String,
    pub estate_id: String,
    pub building_id: String,
    pub unit_id: Option<String>,
    pub developer_id: String,
    pub property_manager_id: Option<String>,
    pub location: String,
    pub category: String,
    pub location_detail: String,
    pub description: String,
    pub applicant_id: String,
    pub applicant_capacity: String,
    pub with_owner_representatives: bool,
    pub warranty_last_day: NaiveDate,
    pub advanced_amount_fen: Option<i64>,
    pub repair_unit_id: Option<String>,
    pub rejection_reason: Option<String>,
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
}

impl ClaimRow {
    /// The state machine's view of this claim.
    pub fn machine(&self) -> AppResult<Claim> {
        Ok(Claim {
            kind: self.kind.parse().map_err(AppError::internal)?,
            state: self.state.parse().map_err(AppError::internal)?,
            rejection: self
                .rejection_reason
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(AppError::internal)?,
            plan_approved: self.plan_approved,
            cost_sheet_signed: self.cost_sheet_signed,
            cost_sheet_verified: self.cost_sheet_verified,
        })
    }

    /// Whose move it is and the bureau's nearest legal deadline, from the state and the clocks.
    pub fn refresh_queue_fields(&mut self, state: ClaimState) {
        self.state = state.as_str().into();
        self.waiting_on = state.waiting_on().as_str().into();
        self.bureau_due_on = match state {
            ClaimState::CostSheetSubmitted | ClaimState::Verified => self.payout_due_on,
            ClaimState::Paid => self.usage_notice_due_on,
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

/// Stores a new claim and its first audit entry.
pub fn insert_claim(
    conn: &mut DbConnection,
    row: &ClaimRow,
    actor: &Actor,
    evidence: &[(String, String)],
) -> AppResult<()> {
    diesel::insert_into(claims::table).values(row).execute(conn)?;
    for (evidence_id, kind) in evidence {
        attach_evidence(conn, &row.id, evidence_id, kind, &actor.user_id)?;
    }
    append_audit(
        conn,
        &row.id,
        actor,
        "file",
        None,
        &row.state,
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
) -> AppResult<()> {
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
pub fn find_claim(conn: &mut DbConnection, scope: &ClaimScope, id: &str) -> AppResult<ClaimRow> {
    let query = claims::table.filter(claims::id.eq(id)).select(ClaimRow::as_select()).into_boxed();
    Ok(restrict_claims!(query, scope).first(conn)?)
}

/// A claim's state as stored, whoever asks: for the audit entries of steps on its parts.
pub fn state_of(conn: &mut DbConnection, id: &str) -> AppResult<String> {
    Ok(claims::table.find(id).select(claims::state).first(conn)?)
}

/// The claims among `ids` that are in scope; the others are simply absent.
pub fn find_claims(conn: &mut DbConnection, scope: &ClaimScope, ids: &[&str]) -> AppResult<Vec<ClaimRow>> {
    let query = claims::table.filter(claims::id.eq_any(ids)).select(ClaimRow::as_select()).into_boxed();
    Ok(restrict_claims!(query, scope).load(conn)?)
}

/// Filters on a claim list.
#[derive(Clone, Debug, Default)]
pub struct ClaimFilter {
    pub states: Vec<String>,
    pub estate_id: Option<String>,
    /// Only claims whose bureau deadline is on or before this date (or overdue).
    pub due_by: Option<NaiveDate>,
}

/// Claims in scope, newest first.
pub fn list_claims(
    conn: &mut DbConnection,
    scope: &ClaimScope,
    filter: &ClaimFilter,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<ClaimRow>> {
    let mut query = claims::table.select(ClaimRow::as_select()).into_boxed();
    query = restrict_claims!(query, scope);
    if !filter.states.is_empty() {
        query = query.filter(claims::state.eq_any(filter.states.clone()));
    }
    if let Some(estate) = &filter.estate_id {
        query = query.filter(claims::estate_id.eq(estate.clone()));
    }
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
) -> AppResult<Vec<ClaimRow>> {
    let mut query =
        claims::table.filter(claims::waiting_on.eq("bureau")).select(ClaimRow::as_select()).into_boxed();
    // One jurisdiction, the usual case, as an equality so the index also yields the order.
    query = match jurisdictions {
        [one] => query.filter(claims::jurisdiction.eq(one.clone())),
        many => query.filter(claims::jurisdiction.eq_any(many.to_vec())),
    };
    if !filter.states.is_empty() {
        query = query.filter(claims::state.eq_any(filter.states.clone()));
    }
    if let Some(estate) = &filter.estate_id {
        query = query.filter(claims::estate_id.eq(estate.clone()));
    }
    if let Some(due_by) = filter.due_by {
        query = query.filter(claims::bureau_due_on.le(due_by));
    }
    Ok(query
        .order((claims::bureau_due_on.asc(), claims::filed_at.asc(), claims::id.asc()))
        .limit(limit)
        .offset(offset)
        .load(conn)?)
}

/// Who takes a step, and from which device.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
    pub device_id: Option<String>,
}

/// An audit entry to append.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct NewAudit {
    id: String,
    claim_id: String,
    actor_id: String,
    device_id: Option<String>,
    action: String,
    before_state: Option<String>,
    after_state: String,
    detail: String,
    at: NaiveDateTime,
    change_seq: Option<i64>,
}

impl NewAudit {
    /// An entry; it gets its change number when it is inserted.
    pub fn new(
        claim_id: &str,
        actor: &Actor,
        action: &str,
        before: Option<&str>,
        after: &str,
        detail: serde_json::Value,
    ) -> NewAudit {
        NewAudit {
            id: new_id(),
            claim_id: claim_id.into(),
            actor_id: actor.user_id.clone(),
            device_id: actor.device_id.clone(),
            action: action.into(),
            before_state: before.map(str::to_owned),
            after_state: after.into(),
            detail: detail.to_string(),
            at: now(),
            change_seq: None,
        }
    }
}

/// Appends to claims' audit trails under the current write transaction's change number, in as
/// few statements as the backend allows.
pub fn insert_audits(conn: &mut DbConnection, mut entries: Vec<NewAudit>) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let change = super::transaction_change(|| next_change(conn))?;
    for entry in &mut entries {
        entry.change_seq = Some(change);
    }
    super::insert_rows!(conn, audit_log::table, &entries);
    Ok(())
}

/// Appends to the claim's audit trail.
pub fn append_audit(
    conn: &mut DbConnection,
    claim_id: &str,
    actor: &Actor,
    action: &str,
    before: Option<&str>,
    after: &str,
    detail: serde_json::Value,
) -> AppResult<()> {
    insert_audits(conn, vec![NewAudit::new(claim_id, actor, action, before, after, detail)])
}

/// The next change number, taken inside the caller's transaction. The counter row stays locked
/// until that transaction ends, so numbers become visible in the order they were given out.
pub fn next_change(conn: &mut DbConnection) -> AppResult<i64> {
    diesel::update(change_counter::table.find(1))
        .set(change_counter::last.eq(change_counter::last + 1))
        .execute(conn)?;
    Ok(change_counter::table.find(1).select(change_counter::last).first(conn)?)
}

/// The last change number given out.
pub fn last_change(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(change_counter::table.find(1).select(change_counter::last).first(conn)?)
}

/// An audit entry as stored.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub claim_id: String,
    pub actor_id: String,
    pub device_id: Option<String>,
    pub action: String,
    pub before_state: Option<String>,
    pub after_state: String,
    pub detail: String,
    pub at: NaiveDateTime,
}

/// A claim's audit trail, oldest first (ids are time-ordered UUIDv7s).
pub fn audit_trail(conn: &mut DbConnection, claim_id: &str) -> AppResult<Vec<AuditRow>> {
    Ok(audit_log::table
        .filter(audit_log::claim_id.eq(claim_id))
        .order((audit_log::at.asc(), audit_log::id.asc()))
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// Saves a claim after a step, bumping its version, only if no one changed it since `row` was
/// read; otherwise `stale_version` with the version the caller saw.
pub fn save_step(conn: &mut DbConnection, row: &mut ClaimRow) -> AppResult<()> {
    let old_version = row.version;
    row.version += 1;
    let updated =
        diesel::update(claims::table.filter(claims::id.eq(&row.id)).filter(claims::version.eq(old_version)))
            .set(&*row)
            .execute(conn)?;
    if updated != 1 {
        return Err(AppError::new(Code::StaleVersion).detail(old_version.to_string()));
    }
    Ok(())
}

// ---- plans ----

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = repair_plans)]
pub struct PlanRow {
    pub id: String,
    pub claim_id: String,
    pub revision: i32,
    pub description: String,
    pub budget_fen: i64,
    pub submitted_by: String,
    pub submitted_at: NaiveDateTime,
    pub decision: Option<String>,
    pub decision_comment: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

pub fn plans(conn: &mut DbConnection, claim_id: &str) -> AppResult<Vec<PlanRow>> {
    Ok(repair_plans::table
        .filter(repair_plans::claim_id.eq(claim_id))
        .order(repair_plans::revision.asc())
        .select(PlanRow::as_select())
        .load(conn)?)
}

/// Stores the next plan revision.
pub fn insert_plan(
    conn: &mut DbConnection,
    claim_id: &str,
    description: &str,
    budget_fen: i64,
    by: &str,
) -> AppResult<i32> {
    let last: Option<i32> = repair_plans::table
        .filter(repair_plans::claim_id.eq(claim_id))
        .select(diesel::dsl::max(repair_plans::revision))
        .first(conn)?;
    let revision = last.unwrap_or(0) + 1;
    diesel::insert_into(repair_plans::table)
        .values((
            repair_plans::id.eq(new_id()),
            repair_plans::claim_id.eq(claim_id),
            repair_plans::revision.eq(revision),
            repair_plans::description.eq(description),
            repair_plans::budget_fen.eq(budget_fen),
            repair_plans::submitted_by.eq(by),
            repair_plans::submitted_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(revision)
}

/// Records the bureau's decision on the latest plan revision.
pub fn decide_plan(
    conn: &mut DbConnection,
    claim_id: &str,
    decision: &str,
    comment: Option<&str>,
    by: &str,
) -> AppResult<()> {
    let latest = plans(conn, claim_id)?.pop().ok_or(AppError::new(Code::NotFound))?;
    diesel::update(repair_plans::table.find(&latest.id))
        .set((
            repair_plans::decision.eq(Some(decision)),
            repair_plans::decision_comment.eq(comment),
            repair_plans::decided_by.eq(Some(by)),
            repair_plans::decided_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- cost sheets ----

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = cost_sheets, treat_none_as_default_value = false)]
pub struct CostSheetRow {
    pub id: String,
    pub claim_id: String,
    pub revision: i32,
    pub total_fen: i64,
    pub budget_total_fen: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub signed_by: Option<String>,
    pub signed_at: Option<NaiveDateTime>,
    pub approved_total_fen: Option<i64>,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    /// Canonical SHA-256 of the revision (`sync-protocol`); a signature binds to it.
    pub revision_hash: Option<String>,
    pub parent_hash: Option<String>,
    /// Another revision names the same parent: a person must choose by adding a revision.
    pub conflict: bool,
    pub signer_name: Option<String>,
    pub signer_phone: Option<String>,
    pub signature_file_id: Option<String>,
    pub signing_device_id: Option<String>,
}

/// One line of a cost-sheet revision, with the reviewer's decision once there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct LineRow {
    pub cost_sheet_id: String,
    pub line_no: i32,
    pub kind: String,
    pub description: String,
    pub unit: String,
    pub quantity: String,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    pub budget_fen: i64,
    pub decision: Option<String>,
    pub approved_fen: Option<i64>,
    pub decision_reason: Option<String>,
}

/// A line as kept in its revision's document, `cost_sheets.lines`: a JSON array in line order.
/// A revision never changes once submitted, so its lines live in its own row rather than a row
/// each; a reviewer's decisions, which come later, are rows of `line_decisions`.
#[derive(Serialize, Deserialize)]
struct StoredLine<'a> {
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    description: Cow<'a, str>,
    #[serde(borrow)]
    unit: Cow<'a, str>,
    #[serde(borrow)]
    quantity: Cow<'a, str>,
    unit_price_fen: i64,
    amount_fen: i64,
    budget_fen: i64,
}

/// The document that keeps these lines in their revision's row.
fn lines_document(lines: &[LineRow]) -> AppResult<String> {
    let stored: Vec<StoredLine<'_>> = lines
        .iter()
        .map(|l| StoredLine {
            kind: Cow::Borrowed(&l.kind),
            description: Cow::Borrowed(&l.description),
            unit: Cow::Borrowed(&l.unit),
            quantity: Cow::Borrowed(&l.quantity),
            unit_price_fen: l.unit_price_fen,
            amount_fen: l.amount_fen,
            budget_fen: l.budget_fen,
        })
        .collect();
    serde_json::to_string(&stored).map_err(AppError::internal)
}

/// A reviewer's decision on one line of a revision.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = line_decisions, treat_none_as_default_value = false)]
struct DecisionRow {
    cost_sheet_id: String,
    line_no: i32,
    decision: String,
    approved_fen: i64,
    reason: Option<String>,
}

/// A revision's lines from its document, with the decisions taken on them.
fn read_lines(sheet_id: &str, document: &str, decisions: &[DecisionRow]) -> AppResult<Vec<LineRow>> {
    let stored: Vec<StoredLine<'_>> = serde_json::from_str(document).map_err(AppError::internal)?;
    Ok(stored
        .into_iter()
        .zip(1..)
        .map(|(l, line_no)| {
            let decided = decisions.iter().find(|d| d.line_no == line_no);
            LineRow {
                cost_sheet_id: sheet_id.to_owned(),
                line_no,
                kind: l.kind.into_owned(),
                description: l.description.into_owned(),
                unit: l.unit.into_owned(),
                quantity: l.quantity.into_owned(),
                unit_price_fen: l.unit_price_fen,
                amount_fen: l.amount_fen,
                budget_fen: l.budget_fen,
                decision: decided.map(|d| d.decision.clone()),
                approved_fen: decided.map(|d| d.approved_fen),
                decision_reason: decided.and_then(|d| d.reason.clone()),
            }
        })
        .collect())
}

/// A new revision's row with its lines document.
#[derive(Insertable)]
#[diesel(table_name = cost_sheets)]
struct NewSheet {
    #[diesel(embed)]
    row: CostSheetRow,
    lines: String,
}

pub fn cost_sheets_of(conn: &mut DbConnection, claim_id: &str) -> AppResult<Vec<CostSheetRow>> {
    Ok(cost_sheets::table
        .filter(cost_sheets::claim_id.eq(claim_id))
        .order(cost_sheets::revision.asc())
        .select(CostSheetRow::as_select())
        .load(conn)?)
}

pub fn lines_of(conn: &mut DbConnection, cost_sheet_id: &str) -> AppResult<Vec<LineRow>> {
    let Some(document) =
        cost_sheets::table.find(cost_sheet_id).select(cost_sheets::lines).first::<String>(conn).optional()?
    else {
        return Ok(Vec::new());
    };
    let decisions: Vec<DecisionRow> = line_decisions::table
        .filter(line_decisions::cost_sheet_id.eq(cost_sheet_id))
        .select(DecisionRow::as_select())
        .load(conn)?;
    read_lines(cost_sheet_id, &document, &decisions)
}

/// The latest revision, if any.
pub fn latest_cost_sheet(conn: &mut DbConnection, claim_id: &str) -> AppResult<Option<CostSheetRow>> {
    Ok(cost_sheets::table
        .filter(cost_sheets::claim_id.eq(claim_id))
        .order(cost_sheets::revision.desc())
        .select(CostSheetRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a new revision with its lines. `parent_revision` must be the latest revision the author
/// saw (none for the first): otherwise someone else revised it first and the answer is
/// `stale_version` with the current revision.
pub fn insert_cost_sheet(
    conn: &mut DbConnection,
    claim_id: &str,
    parent_revision: Option<i32>,
    lines: Vec<LineRow>,
    by: &str,
) -> AppResult<CostSheetRow> {
    let latest = latest_cost_sheet(conn, claim_id)?;
    let current = latest.as_ref().map(|c| c.revision);
    if current != parent_revision {
        return Err(AppError::new(Code::StaleVersion).detail(current.unwrap_or(0).to_string()));
    }
    let parent_hash = latest.and_then(|l| l.revision_hash);
    Ok(insert_revision(conn, NewRevision::new(claim_id, &new_id(), parent_hash, lines, by)?)?.0)
}

/// The wire form of stored lines, for hashing.
pub fn wire_lines(lines: &[LineRow]) -> AppResult<Vec<WireLine>> {
    lines
        .iter()
        .map(|l| {
            Ok(WireLine {
                kind: serde_json::from_value(serde_json::Value::String(l.kind.clone()))
                    .map_err(AppError::internal)?,
                description: l.description.clone(),
                unit: l.unit.clone(),
                quantity: l.quantity.clone(),
                unit_price: Money::from_fen(l.unit_price_fen),
                budget: Money::from_fen(l.budget_fen),
            })
        })
        .collect()
}

/// A cost-sheet revision to append, with its canonical hash computed from the lines as stored.
#[derive(Debug, Clone)]
pub struct NewRevision {
    pub claim_id: String,
    pub revision_id: String,
    pub parent_hash: Option<String>,
    pub lines: Vec<LineRow>,
    pub by: String,
    /// The canonical SHA-256 the stored revision will have.
    pub hash: String,
    /// The lines as the revision's row keeps them.
    document: String,
}

impl NewRevision {
    pub fn new(
        claim_id: &str,
        revision_id: &str,
        parent_hash: Option<String>,
        lines: Vec<LineRow>,
        by: &str,
    ) -> AppResult<NewRevision> {
        Ok(NewRevision::with_wire(claim_id, revision_id, parent_hash, lines, by)?.0)
    }

    /// The same, with the wire form that was hashed, for comparing with what a device sent.
    pub fn with_wire(
        claim_id: &str,
        revision_id: &str,
        parent_hash: Option<String>,
        lines: Vec<LineRow>,
        by: &str,
    ) -> AppResult<(NewRevision, CostSheetRevision)> {
        let wire = CostSheetRevision {
            claim_id: claim_id.to_string(),
            revision_id: revision_id.to_string(),
            parent_hash: parent_hash.clone(),
            lines: wire_lines(&lines)?,
        };
        let hash = wire.hash().map_err(AppError::internal)?;
        let document = lines_document(&lines)?;
        let new = NewRevision {
            claim_id: claim_id.into(),
            revision_id: revision_id.into(),
            parent_hash,
            lines,
            by: by.into(),
            hash,
            document,
        };
        Ok((new, wire))
    }
}

/// Locks these claims until the transaction ends, on PostgreSQL, where two writers may run side
/// by side: take it before reading the claims, so that a check of a claim's state still holds at
/// the commit, and before appending to their cost sheets, so that two appends cannot both number
/// their revision n + 1. SQLite has a single writer already.
pub fn lock_claims(conn: &mut DbConnection, ids: &[&str]) -> AppResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        // In id order, so that two batches never wait on each other in a circle.
        claims::table
            .filter(claims::id.eq_any(&ids))
            .order(claims::id)
            .select(claims::id)
            .for_no_key_update()
            .load::<String>(pg)?;
    }
    Ok(())
}

/// Appends a revision; see [`insert_revisions`].
pub fn insert_revision(conn: &mut DbConnection, revision: NewRevision) -> AppResult<(CostSheetRow, bool)> {
    insert_revisions(conn, vec![revision])?.pop().unwrap_or(Err(AppError::new(Code::Internal)))
}

/// Appends revisions in order, each whose parent is the revision hashed `parent_hash`, which must
/// be one of its claim's, stored before or earlier in the list (else `step_out_of_order`: parent).
/// When another revision already names the same parent, both are kept and flagged as a conflict
/// for a person to resolve by adding a revision; nothing is merged. The same content twice (same
/// id, parent and lines) is the existing revision, and the flag says whether one was added; an id
/// already used for other content is `already_exists`.
///
/// Each revision gets its own outcome; a refused one leaves nothing behind. Everything is read in
/// two queries and written in multi-row statements, so a batch of a hundred from a phone costs a
/// handful of round trips instead of two thousand. The caller holds its claims' locks
/// ([`lock_claims`]), taken before it read them.
pub fn insert_revisions(
    conn: &mut DbConnection,
    revisions: Vec<NewRevision>,
) -> AppResult<Vec<AppResult<(CostSheetRow, bool)>>> {
    use std::collections::{HashMap, HashSet};
    let claim_ids: Vec<&str> = revisions.iter().map(|r| r.claim_id.as_str()).collect();
    let ids: Vec<&str> = revisions.iter().map(|r| r.revision_id.as_str()).collect();
    // Two index lookups: one `OR` of both would scan the table.
    let existing = cost_sheets::table
        .filter(cost_sheets::claim_id.eq_any(&claim_ids))
        .select(CostSheetRow::as_select())
        .order((cost_sheets::claim_id.asc(), cost_sheets::revision.asc()))
        .load::<CostSheetRow>(conn)?;
    let mut taken: HashSet<String> = cost_sheets::table
        .filter(cost_sheets::id.eq_any(&ids))
        .select(cost_sheets::id)
        .load(conn)?
        .into_iter()
        .collect();
    let mut sheets: HashMap<String, Vec<CostSheetRow>> = HashMap::new();
    for sheet in existing {
        sheets.entry(sheet.claim_id.clone()).or_default().push(sheet);
    }
    // Each added revision's lines document, by id.
    let (mut added, mut flagged) = (HashMap::new(), Vec::new());
    let mut outcomes = Vec::with_capacity(revisions.len());
    for new in revisions {
        let claim = sheets.entry(new.claim_id.clone()).or_default();
        if let Some(same) = claim.iter().find(|c| c.revision_hash.as_deref() == Some(new.hash.as_str())) {
            outcomes.push(Ok((same.clone(), false)));
            continue;
        }
        if taken.contains(&new.revision_id) {
            outcomes.push(Err(AppError::new(Code::AlreadyExists).detail("revision_id")));
            continue;
        }
        if let Some(parent) = &new.parent_hash {
            if !claim.iter().any(|c| c.revision_hash.as_ref() == Some(parent)) {
                outcomes.push(Err(AppError::new(Code::StepOutOfOrder).detail("parent")));
                continue;
            }
        }
        let mut conflict = false;
        for sibling in claim.iter_mut().filter(|c| c.parent_hash == new.parent_hash) {
            conflict = true;
            if !sibling.conflict && !added.contains_key(&sibling.id) {
                flagged.push(sibling.id.clone());
            }
            sibling.conflict = true;
        }
        let row = CostSheetRow {
            id: new.revision_id.clone(),
            claim_id: new.claim_id.clone(),
            revision: claim.last().map_or(0, |c| c.revision) + 1,
            total_fen: new.lines.iter().map(|l| l.amount_fen).sum(),
            budget_total_fen: new.lines.iter().map(|l| l.budget_fen).sum(),
            created_by: new.by,
            created_at: now(),
            signed_by: None,
            signed_at: None,
            approved_total_fen: None,
            verified_by: None,
            verified_at: None,
            revision_hash: Some(new.hash),
            parent_hash: new.parent_hash,
            conflict,
            signer_name: None,
            signer_phone: None,
            signature_file_id: None,
            signing_device_id: None,
        };
        taken.insert(row.id.clone());
        added.insert(row.id.clone(), new.document);
        claim.push(row.clone());
        outcomes.push(Ok((row, true)));
    }
    if !flagged.is_empty() {
        diesel::update(cost_sheets::table.filter(cost_sheets::id.eq_any(&flagged)))
            .set(cost_sheets::conflict.eq(true))
            .execute(conn)?;
    }
    // The rows as they stand after the whole list: a later sibling flags an earlier one.
    let rows: Vec<NewSheet> = sheets
        .into_values()
        .flatten()
        .filter_map(|row| added.remove(&row.id).map(|lines| NewSheet { row, lines }))
        .collect();
    super::insert_rows!(conn, cost_sheets::table, &rows);
    Ok(outcomes)
}

/// The applicant's signature on one exact revision; only the latest may be signed, and once.
pub fn sign_cost_sheet(
    conn: &mut DbConnection,
    claim_id: &str,
    revision: i32,
    by: &str,
) -> AppResult<CostSheetRow> {
    let latest = latest_cost_sheet(conn, claim_id)?.ok_or(AppError::new(Code::NotFound))?;
    if latest.revision != revision {
        return Err(AppError::new(Code::StaleVersion).detail(latest.revision.to_string()));
    }
    sign_latest(conn, latest, by, None)
}

/// How a confirmation captured on a phone was made: who signed in person, the signature image,
/// and the capturing device's signature over it all.
pub struct OnSiteSignature {
    pub signer_name: Option<String>,
    pub signer_phone: Option<String>,
    pub signature_file_id: String,
    pub device_id: String,
    pub device_signature: String,
}

/// Signs the latest revision, unless it is in conflict with a sibling; signing twice is a no-op.
pub fn sign_latest(
    conn: &mut DbConnection,
    latest: CostSheetRow,
    by: &str,
    on_site: Option<OnSiteSignature>,
) -> AppResult<CostSheetRow> {
    if latest.signed_by.is_some() {
        return Ok(latest);
    }
    if latest.conflict {
        return Err(AppError::new(Code::CostSheetConflict));
    }
    diesel::update(cost_sheets::table.find(&latest.id))
        .set((cost_sheets::signed_by.eq(Some(by)), cost_sheets::signed_at.eq(Some(now()))))
        .execute(conn)?;
    if let Some(s) = on_site {
        diesel::update(cost_sheets::table.find(&latest.id))
            .set((
                cost_sheets::signer_name.eq(s.signer_name),
                cost_sheets::signer_phone.eq(s.signer_phone),
                cost_sheets::signature_file_id.eq(Some(s.signature_file_id)),
                cost_sheets::signing_device_id.eq(Some(s.device_id)),
                cost_sheets::device_signature.eq(Some(s.device_signature)),
            ))
            .execute(conn)?;
    }
    latest_cost_sheet(conn, &latest.claim_id)?.ok_or(AppError::new(Code::NotFound))
}

/// Records the reviewer's decision on each of the sheet's `lines`, as the caller read them, and the
/// approved total.
pub fn record_verification(
    conn: &mut DbConnection,
    sheet: &CostSheetRow,
    lines: &[LineRow],
    decisions: &[(i32, String, i64, Option<String>)],
    by: &str,
) -> AppResult<i64> {
    let count = lines.len();
    let mut approved_total = 0;
    let mut rows = Vec::with_capacity(decisions.len());
    for (line_no, decision, approved_fen, reason) in decisions {
        if !usize::try_from(*line_no).is_ok_and(|n| (1..=count).contains(&n)) {
            return Err(AppError::invalid("lines").detail(format!("no line {line_no}")));
        }
        approved_total += approved_fen;
        rows.push(DecisionRow {
            cost_sheet_id: sheet.id.clone(),
            line_no: *line_no,
            decision: decision.clone(),
            approved_fen: *approved_fen,
            reason: reason.clone(),
        });
    }
    // A verification replaces any earlier one of the same revision.
    diesel::delete(line_decisions::table.filter(line_decisions::cost_sheet_id.eq(&sheet.id)))
        .execute(conn)?;
    super::insert_rows!(conn, line_decisions::table, &rows);
    diesel::update(cost_sheets::table.find(&sheet.id))
        .set((
            cost_sheets::approved_total_fen.eq(Some(approved_total)),
            cost_sheets::verified_by.eq(Some(by)),
            cost_sheets::verified_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(approved_total)
}

// ---- payouts ----

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = payouts)]
pub struct PayoutRow {
    pub claim_id: String,
    pub amount_fen: i64,
    pub payee: String,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
    pub cost_sheet_id: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_payout(conn: &mut DbConnection, payout: &PayoutRow) -> AppResult<()> {
    diesel::insert_into(payouts::table).values(payout).execute(conn)?;
    Ok(())
}

pub fn payout_of(conn: &mut DbConnection, claim_id: &str) -> AppResult<Option<PayoutRow>> {
    Ok(payouts::table.find(claim_id).select(PayoutRow::as_select()).first(conn).optional()?)
}

/// Evidence ids attached to a claim, with their kinds.
pub fn evidence_of(conn: &mut DbConnection, claim_id: &str) -> AppResult<Vec<(String, String)>> {
    Ok(claim_evidence::table
        .filter(claim_evidence::claim_id.eq(claim_id))
        .order(claim_evidence::attached_at.asc())
        .select((claim_evidence::evidence_id, claim_evidence::kind))
        .load(conn)?)
}

/// Claims whose developer did not answer by the reply date: they return to the bureau's queue so
/// a reviewer can record the silence (Art. 17). Returns how many moved.
pub fn surface_silent_developers(conn: &mut DbConnection, today: NaiveDate) -> AppResult<usize> {
    Ok(diesel::update(
        claims::table
            .filter(claims::state.eq(ClaimState::DeveloperAsked.as_str()))
            .filter(claims::waiting_on.eq("developer"))
            .filter(claims::developer_reply_due_on.lt(today)),
    )
    .set((claims::waiting_on.eq("bureau"), claims::bureau_due_on.eq(claims::developer_reply_due_on)))
    .execute(conn)?)
}

// ---- return visits ----

/// Records the applicant's rating; a second rating of the same claim is `already_exists`.
pub fn insert_return_visit(
    conn: &mut DbConnection,
    claim: &ClaimRow,
    scores: (i32, i32, i32),
    comment: Option<&str>,
    by: &str,
) -> AppResult<()> {
    use super::schema::return_visits;
    let exists = return_visits::table
        .find(&claim.id)
        .select(return_visits::claim_id)
        .first::<String>(conn)
        .optional()?;
    if exists.is_some() {
        return Err(AppError::new(Code::AlreadyExists));
    }
    diesel::insert_into(return_visits::table)
        .values((
            return_visits::claim_id.eq(&claim.id),
            return_visits::repair_unit_id.eq(&claim.repair_unit_id),
            return_visits::attitude.eq(scores.0),
            return_visits::quality.eq(scores.1),
            return_visits::resolution.eq(scores.2),
            return_visits::comment.eq(comment),
            return_visits::rated_by.eq(by),
            return_visits::rated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every rating of repair units on claims in these jurisdictions: (unit, attitude, quality,
/// resolution).
pub fn ratings(conn: &mut DbConnection, jurisdictions: &[String]) -> AppResult<Vec<(String, i32, i32, i32)>> {
    use super::schema::return_visits;
    Ok(return_visits::table
        .inner_join(claims::table)
        .filter(claims::jurisdiction.eq_any(jurisdictions.to_vec()))
        .filter(return_visits::repair_unit_id.is_not_null())
        .select((
            return_visits::repair_unit_id.assume_not_null(),
            return_visits::attitude,
            return_visits::quality,
            return_visits::resolution,
        ))
        .load(conn)?)
}

/// The applicant's rating of a claim.
#[derive(Queryable, Debug, Clone)]
pub struct Rating {
    pub attitude: i32,
    pub quality: i32,
    pub resolution: i32,
    pub comment: Option<String>,
}

/// The applicant's own rating of a claim, if given.
pub fn return_visit_of(conn: &mut DbConnection, claim_id: &str) -> AppResult<Option<Rating>> {
    use super::schema::return_visits;
    Ok(return_visits::table
        .find(claim_id)
        .select((
            return_visits::attitude,
            return_visits::quality,
            return_visits::resolution,
            return_visits::comment,
        ))
        .first(conn)
        .optional()?)
}

/// Claims in scope: those named (`ids`), or, for a snapshot, the next `limit` after `after_id` in
/// id order.
pub fn claims_in_scope(
    conn: &mut DbConnection,
    scope: &ClaimScope,
    ids: Option<&[String]>,
    after_id: &str,
    limit: i64,
) -> AppResult<Vec<ClaimRow>> {
    let mut query = claims::table
        .filter(claims::id.gt(after_id.to_string()))
        .order(claims::id.asc())
        .limit(limit)
        .select(ClaimRow::as_select())
        .into_boxed();
    if let Some(ids) = ids {
        query = query.filter(claims::id.eq_any(ids.to_vec()));
    }
    Ok(restrict_claims!(query, scope).load(conn)?)
}

/// Every cost-sheet revision of these claims, with its lines.
pub fn cost_sheets_for(
    conn: &mut DbConnection,
    claim_ids: &[String],
) -> AppResult<Vec<(CostSheetRow, Vec<LineRow>)>> {
    let sheets: Vec<(CostSheetRow, String)> = cost_sheets::table
        .filter(cost_sheets::claim_id.eq_any(claim_ids))
        .order((cost_sheets::claim_id.asc(), cost_sheets::revision.asc()))
        .select((CostSheetRow::as_select(), cost_sheets::lines))
        .load(conn)?;
    let ids: Vec<&String> = sheets.iter().map(|(s, _)| &s.id).collect();
    let mut decided: std::collections::HashMap<String, Vec<DecisionRow>> = std::collections::HashMap::new();
    for d in line_decisions::table
        .filter(line_decisions::cost_sheet_id.eq_any(ids))
        .select(DecisionRow::as_select())
        .load::<DecisionRow>(conn)?
    {
        decided.entry(d.cost_sheet_id.clone()).or_default().push(d);
    }
    sheets
        .into_iter()
        .map(|(sheet, document)| {
            let lines = read_lines(&sheet.id, &document, decided.get(&sheet.id).map_or(&[], Vec::as_slice))?;
            Ok((sheet, lines))
        })
        .collect()
}
