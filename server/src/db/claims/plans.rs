//! Repair plans and their budgets, and the bureau's decision on each (Art. 22).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::accounts::{new_id, now};
use crate::db::schema::repair_plans;
use crate::db::DbConnection;
use crate::db::{StoreError, StoreResult};

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
    /// The budget line by line, as JSON ([`PlanLine`]s); `[]` when the plan has one total only.
    pub lines: String,
}

/// One line of a plan's budget (Art. 22): what will be done and what it may cost.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    pub kind: String,
    pub description: String,
    pub unit: String,
    pub budget_fen: i64,
}

impl PlanRow {
    /// The plan's budget lines, in order.
    pub fn budget_lines(&self) -> StoreResult<Vec<PlanLine>> {
        serde_json::from_str(&self.lines).map_err(StoreError::corrupt)
    }

    pub fn is_approved(&self) -> bool {
        self.decision.as_deref() == Some("approved")
    }
}

/// The approved plans of these claims: each claim's latest revision, where the bureau approved it.
pub fn approved_plans_for(conn: &mut DbConnection, claim_ids: &[String]) -> StoreResult<Vec<PlanRow>> {
    let mut all: Vec<PlanRow> = repair_plans::table
        .filter(repair_plans::claim_id.eq_any(claim_ids))
        .order((repair_plans::claim_id.asc(), repair_plans::revision.desc()))
        .select(PlanRow::as_select())
        .load(conn)?;
    all.dedup_by(|later, first| later.claim_id == first.claim_id);
    all.retain(PlanRow::is_approved);
    Ok(all)
}

/// The claim's approved plan: the latest revision, if the bureau approved it.
pub fn approved_plan(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Option<PlanRow>> {
    Ok(plans(conn, claim_id)?.pop().filter(PlanRow::is_approved))
}

pub fn plans(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Vec<PlanRow>> {
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
    (budget_fen, lines): (i64, &[PlanLine]),
    by: &str,
) -> StoreResult<i32> {
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
            repair_plans::lines.eq(serde_json::to_string(lines).map_err(StoreError::corrupt)?),
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
) -> StoreResult<()> {
    let latest = plans(conn, claim_id)?.pop().ok_or(StoreError::NotFound)?;
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
