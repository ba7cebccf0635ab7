//! What the insights pages read beyond the claims themselves (issue 32): payouts and their
//! deadlines, and the repair units' record (arrival, finish, cuts, return visits), each for the
//! claims of some buildings filed in a period.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::min;
use diesel::prelude::*;

use super::schema::{audit_log, claims, cost_sheets, payouts, return_visits, visits, work_orders};
use super::{DbConnection, StoreResult};
use crate::domain::coverage::WarrantyCategory;

/// Claims of these buildings filed from `since` to before `until` (both UTC).
macro_rules! claims_of {
    ($buildings:expr, $since:expr, $until:expr) => {
        claims::building_id
            .eq_any($buildings.to_vec())
            .and(claims::filed_at.ge($since))
            .and(claims::filed_at.lt($until))
    };
}

/// A payout of a claim: its category, amount, day paid and the Art. 23 deadline it had.
#[derive(Queryable, Debug, Clone)]
pub struct PaidClaim {
    pub claim_id: String,
    pub category: WarrantyCategory,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
}

/// The payouts of claims of these buildings (any filing date), paid from `since` to `until`.
pub fn payouts(
    conn: &mut DbConnection,
    buildings: &[String],
    since: NaiveDate,
    until: NaiveDate,
) -> StoreResult<Vec<PaidClaim>> {
    Ok(payouts::table
        .inner_join(claims::table)
        .filter(claims::building_id.eq_any(buildings.to_vec()))
        .filter(payouts::paid_on.ge(since))
        .filter(payouts::paid_on.le(until))
        .select((
            payouts::claim_id,
            claims::category,
            payouts::amount_fen,
            payouts::paid_on,
            claims::payout_due_on,
        ))
        .load(conn)?)
}

/// The payouts of these claims, by claim: what the fund paid for each.
pub fn paid_for(
    conn: &mut DbConnection,
    buildings: &[String],
    since: NaiveDateTime,
    until: NaiveDateTime,
) -> StoreResult<Vec<(String, i64)>> {
    Ok(payouts::table
        .inner_join(claims::table)
        .filter(claims_of!(buildings, since, until))
        .select((payouts::claim_id, payouts::amount_fen))
        .load(conn)?)
}

/// A repaired claim as the repair units' comparison reads it.
#[derive(Debug, Clone, Default)]
pub struct RepairFacts {
    pub approved_at: Option<NaiveDateTime>,
    pub first_check_in: Option<NaiveDateTime>,
    /// When its signed cost sheet reached the bureau: the repair completed.
    pub finished_at: Option<NaiveDateTime>,
    /// Verified sheets: what was claimed and what was approved, in fen.
    pub claimed_fen: i64,
    pub approved_fen: i64,
    /// The applicant's return visit: attitude, quality, resolution.
    pub rating: Option<(i32, i32, i32)>,
}

/// The facts of each claim with a repair unit among these buildings' claims filed in the period.
pub fn repair_facts(
    conn: &mut DbConnection,
    buildings: &[String],
    since: NaiveDateTime,
    until: NaiveDateTime,
) -> StoreResult<std::collections::HashMap<String, RepairFacts>> {
    let mut facts: std::collections::HashMap<String, RepairFacts> = std::collections::HashMap::new();
    let finished: Vec<(String, Option<NaiveDateTime>)> = claims::table
        .filter(claims_of!(buildings, since, until))
        .filter(claims::repair_unit_id.is_not_null())
        .select((claims::id, claims::cost_sheet_received_at))
        .load(conn)?;
    for (claim, at) in finished {
        facts.entry(claim).or_default().finished_at = at;
    }
    let approved: Vec<(String, Option<NaiveDateTime>)> = audit_log::table
        .inner_join(claims::table)
        .filter(claims_of!(buildings, since, until))
        .filter(claims::repair_unit_id.is_not_null())
        .filter(audit_log::action.eq("approve"))
        .group_by(audit_log::claim_id)
        .select((audit_log::claim_id, min(audit_log::at)))
        .load(conn)?;
    for (claim, at) in approved {
        facts.entry(claim).or_default().approved_at = at;
    }
    let arrived: Vec<(String, Option<NaiveDateTime>)> = visits::table
        .inner_join(work_orders::table.inner_join(claims::table))
        .filter(claims_of!(buildings, since, until))
        .group_by(work_orders::claim_id)
        .select((work_orders::claim_id, min(visits::check_in_at)))
        .load(conn)?;
    for (claim, at) in arrived {
        facts.entry(claim).or_default().first_check_in = at;
    }
    let sheets: Vec<(String, i64, Option<i64>)> = cost_sheets::table
        .inner_join(claims::table)
        .filter(claims_of!(buildings, since, until))
        .filter(cost_sheets::verified_at.is_not_null())
        .select((cost_sheets::claim_id, cost_sheets::total_fen, cost_sheets::approved_total_fen))
        .load(conn)?;
    for (claim, total, approved) in sheets {
        let entry = facts.entry(claim).or_default();
        entry.claimed_fen = entry.claimed_fen.saturating_add(total);
        entry.approved_fen = entry.approved_fen.saturating_add(approved.unwrap_or(total));
    }
    let ratings: Vec<(String, i32, i32, i32)> = return_visits::table
        .inner_join(claims::table)
        .filter(claims_of!(buildings, since, until))
        .select((
            return_visits::claim_id,
            return_visits::attitude,
            return_visits::quality,
            return_visits::resolution,
        ))
        .load(conn)?;
    for (claim, attitude, quality, resolution) in ratings {
        facts.entry(claim).or_default().rating = Some((attitude, quality, resolution));
    }
    Ok(facts)
}

/// Names of organisations by id.
pub fn organisation_names(
    conn: &mut DbConnection,
    ids: &[String],
) -> StoreResult<std::collections::HashMap<String, String>> {
    use super::schema::organisations;
    let rows: Vec<(String, String)> = organisations::table
        .filter(organisations::id.eq_any(ids.to_vec()))
        .select((organisations::id, organisations::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
