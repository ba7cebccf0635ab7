//! What the insights pages read beyond the claims themselves (issue 32): payouts and their
//! deadlines, and the repair units' record (arrival, finish, cuts, return visits), each for the
//! claims of some buildings filed in a period.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::recurrence::{CountedClaim, Scope};
use super::schema::{audit_log, claims, cost_sheets, payouts, return_visits, visits, work_orders};
use super::{DbConnection, StoreResult};
use crate::domain::coverage::WarrantyCategory;

/// Which claims the insights count: the reader's scope (a reviewer's jurisdictions, a developer's
/// organisations, or all), narrowed to an estate, a building and a category where the filter names
/// them. Read from the claim's own columns, so that no list of buildings is sent.
pub struct Counted<'a> {
    pub scope: &'a Scope,
    pub estate: Option<&'a str>,
    pub building: Option<&'a str>,
    pub category: Option<WarrantyCategory>,
}

/// A boxed query over `claims` (alone or joined) narrowed to a [`Counted`].
macro_rules! counted {
    ($query:expr, $f:expr) => {{
        let f: &Counted<'_> = $f;
        let mut q = $query.into_boxed();
        q = match f.scope {
            Scope::All => q,
            Scope::Jurisdictions(j) => q.filter(claims::jurisdiction.eq_any(j.clone())),
            Scope::Developers(d) => q.filter(claims::developer_id.eq_any(d.clone())),
        };
        if let Some(estate) = f.estate {
            q = q.filter(claims::estate_id.eq(estate.to_string()));
        }
        if let Some(building) = f.building {
            q = q.filter(claims::building_id.eq(building.to_string()));
        }
        if let Some(category) = f.category {
            q = q.filter(claims::category.eq(category));
        }
        q
    }};
}

/// The claims counted, filed from `since` to before `until` (UTC), oldest first.
pub fn claims(
    conn: &mut DbConnection,
    f: &Counted<'_>,
    since: NaiveDateTime,
    until: NaiveDateTime,
) -> StoreResult<Vec<CountedClaim>> {
    Ok(counted!(claims::table, f)
        .filter(claims::filed_at.ge(since))
        .filter(claims::filed_at.lt(until))
        .order(claims::filed_at.asc())
        .select((
            claims::id,
            claims::building_id,
            claims::unit_id,
            claims::category,
            claims::filed_at,
            claims::duplicate_of,
            claims::repeat_of,
            claims::repair_unit_id,
        ))
        .load(conn)?)
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

/// The payouts of the claims counted (any filing date), paid from `since` to `until`.
pub fn payouts(
    conn: &mut DbConnection,
    f: &Counted<'_>,
    since: NaiveDate,
    until: NaiveDate,
) -> StoreResult<Vec<PaidClaim>> {
    Ok(counted!(payouts::table.inner_join(claims::table), f)
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

/// What the fund paid for each claim counted that was filed from `since` to before `until`.
pub fn paid_for(
    conn: &mut DbConnection,
    f: &Counted<'_>,
    since: NaiveDateTime,
    until: NaiveDateTime,
) -> StoreResult<Vec<(String, i64)>> {
    Ok(counted!(payouts::table.inner_join(claims::table), f)
        .filter(claims::filed_at.ge(since))
        .filter(claims::filed_at.lt(until))
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

/// The facts of each claim counted with a repair unit, filed from `since` to before `until`.
pub fn repair_facts(
    conn: &mut DbConnection,
    f: &Counted<'_>,
    since: NaiveDateTime,
    until: NaiveDateTime,
) -> StoreResult<std::collections::HashMap<String, RepairFacts>> {
    let mut facts: std::collections::HashMap<String, RepairFacts> = std::collections::HashMap::new();
    let finished: Vec<(String, Option<NaiveDateTime>)> = counted!(claims::table, f)
        .filter(claims::filed_at.ge(since))
        .filter(claims::filed_at.lt(until))
        .filter(claims::repair_unit_id.is_not_null())
        .select((claims::id, claims::cost_sheet_received_at))
        .load(conn)?;
    for (claim, at) in finished {
        facts.entry(claim).or_default().finished_at = at;
    }
    // The first approval and the first check-in of each claim (the minimum taken here: a boxed
    // query cannot be grouped).
    let approved: Vec<(String, NaiveDateTime)> = counted!(audit_log::table.inner_join(claims::table), f)
        .filter(claims::filed_at.ge(since))
        .filter(claims::filed_at.lt(until))
        .filter(claims::repair_unit_id.is_not_null())
        .filter(audit_log::action.eq("approve"))
        .select((audit_log::claim_id, audit_log::at))
        .load(conn)?;
    for (claim, at) in approved {
        let entry = facts.entry(claim).or_default();
        entry.approved_at = Some(entry.approved_at.map_or(at, |seen| seen.min(at)));
    }
    let arrived: Vec<(String, NaiveDateTime)> =
        counted!(visits::table.inner_join(work_orders::table.inner_join(claims::table)), f)
            .filter(claims::filed_at.ge(since))
            .filter(claims::filed_at.lt(until))
            .select((work_orders::claim_id, visits::check_in_at))
            .load(conn)?;
    for (claim, at) in arrived {
        let entry = facts.entry(claim).or_default();
        entry.first_check_in = Some(entry.first_check_in.map_or(at, |seen| seen.min(at)));
    }
    let sheets: Vec<(String, i64, Option<i64>)> = counted!(cost_sheets::table.inner_join(claims::table), f)
        .filter(claims::filed_at.ge(since))
        .filter(claims::filed_at.lt(until))
        .filter(cost_sheets::verified_at.is_not_null())
        .select((cost_sheets::claim_id, cost_sheets::total_fen, cost_sheets::approved_total_fen))
        .load(conn)?;
    for (claim, total, approved) in sheets {
        let entry = facts.entry(claim).or_default();
        entry.claimed_fen = entry.claimed_fen.saturating_add(total);
        entry.approved_fen = entry.approved_fen.saturating_add(approved.unwrap_or(total));
    }
    let ratings: Vec<(String, i32, i32, i32)> = counted!(return_visits::table.inner_join(claims::table), f)
        .filter(claims::filed_at.ge(since))
        .filter(claims::filed_at.lt(until))
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
