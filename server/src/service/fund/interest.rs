//! Interest on the fund at the demand-deposit rate (Art. 27).

use baoxiu_sync_protocol::Money;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::fund as db;
use crate::db::registry as reg;
use crate::db::DbConnection;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::deadlines::shanghai_date;
use crate::domain::fund::RateTable;
use crate::domain::ledger::EntryKind;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::Caller;
use crate::service::Context;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"period_from": "2026-01-01", "period_to": "2026-07-01"}))]
pub struct InterestRunRequest {
    /// First day of the period.
    pub period_from: NaiveDate,
    /// The day after the last day of the period (the period is `[from, to)`).
    pub period_to: NaiveDate,
    /// The jurisdiction; default the reviewer's own (when they have one).
    pub jurisdiction: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InterestRunView {
    pub id: String,
    pub jurisdiction: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub total: Money,
    /// False when this exact period had been posted before and nothing was posted now.
    pub posted_now: bool,
}

impl InterestRunView {
    /// A run as it was posted before.
    pub(super) fn posted(run: db::InterestRunRow) -> InterestRunView {
        InterestRunView {
            id: run.id,
            jurisdiction: run.jurisdiction,
            period_from: run.period_from,
            period_to: run.period_to,
            total: Money::from_fen(run.total_fen),
            posted_now: false,
        }
    }
}

pub(super) fn reviewer_jurisdiction(
    conn: &mut DbConnection,
    reviewer_id: &str,
    asked: Option<&str>,
) -> AppResult<String> {
    let mine = reg::reviewer_jurisdictions(conn, reviewer_id)?;
    match asked {
        Some(j) if mine.iter().any(|m| m == j) => Ok(j.to_string()),
        Some(_) => Err(AppError::new(Code::OutsideJurisdiction)),
        None => mine.into_iter().next().ok_or(AppError::new(Code::OutsideJurisdiction)),
    }
}

/// Posts interest for a period on every building and category of a jurisdiction, on each day's
/// balance at the demand-deposit rate then in force, actual/360 (Art. 27). Re-running the same
/// period posts nothing again; a period overlapping one already posted is refused.
pub async fn run_interest(
    ctx: &Context,
    caller: &Caller,
    req: InterestRunRequest,
) -> AppResult<InterestRunView> {
    if req.period_to <= req.period_from
        || req.period_to > shanghai_date(Utc::now()) + chrono::Duration::days(1)
    {
        return Err(AppError::invalid("period_to"));
    }
    let rates = ctx.rules.rates.clone();
    let reviewer = caller.id.clone();
    ctx.db
        .write(move |conn| {
            let asked = req.jurisdiction.as_deref();
            run_interest_in(conn, &rates, &reviewer, asked, req.period_from, req.period_to)
        })
        .await
}

/// The interest run in the caller's transaction, by a reviewer of the jurisdiction: for the API,
/// and for the `baoxiu interest` command a scheduler runs.
pub fn run_interest_in(
    conn: &mut DbConnection,
    rates: &RateTable,
    reviewer_id: &str,
    jurisdiction: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<InterestRunView> {
    let jurisdiction = reviewer_jurisdiction(conn, reviewer_id, jurisdiction)?;
    let outcome = post_interest(conn, &jurisdiction, from, to, rates, reviewer_id)?;
    Ok(InterestRunView {
        id: outcome.run.id,
        jurisdiction,
        period_from: outcome.run.period_from,
        period_to: outcome.run.period_to,
        total: Money::from_fen(outcome.run.total_fen),
        posted_now: outcome.posted_now,
    })
}

/// Posts interest for `[from, to)` on every building and category of a jurisdiction, on each
/// day's balance at the rate then in force, actual/360 (Art. 27). The same period again returns
/// the earlier run and posts nothing; a period overlapping another is `interest_period_overlaps`.
fn post_interest(
    conn: &mut DbConnection,
    jurisdiction: &str,
    from: NaiveDate,
    to: NaiveDate,
    rates: &RateTable,
    by: &str,
) -> AppResult<db::InterestOutcome> {
    use crate::domain::fund::{balance_segments, building_interest};
    if to <= from {
        return Err(AppError::invalid("period_to"));
    }
    let overlapping = db::overlapping_runs(conn, jurisdiction, from, to)?;
    if let Some(same) = overlapping.iter().find(|r| r.period_from == from && r.period_to == to) {
        return Ok(db::InterestOutcome { run: same.clone(), posted_now: false });
    }
    if let Some(other) = overlapping.first() {
        return Err(AppError::new(Code::InterestPeriodOverlaps)
            .detail(format!("{} – {}", other.period_from, other.period_to)));
    }
    let mut by_account: std::collections::BTreeMap<(String, String), Vec<(NaiveDate, Money)>> =
        Default::default();
    let entries = db::jurisdiction_entries(conn, jurisdiction, to)?;
    // Interest is earned on money in custody (Art. 27): a period starts on or after the first
    // deposit the jurisdiction took in, never at 0001-01-01.
    let custody_from = entries.iter().map(|(_, _, date, _)| *date).min();
    if custody_from.is_none_or(|first| from < first) {
        let since = custody_from.map_or("nothing in custody".to_string(), |d| format!("custody from {d}"));
        return Err(AppError::invalid("period_from").detail(format!("Art. 27: {since}")));
    }
    for (building, category, date, fen) in entries {
        by_account.entry((building, category)).or_default().push((date, Money::from_fen(fen)));
    }
    let posted_on = to.pred_opt().unwrap_or(to);
    // The building's account earns the interest; its categories share it exactly (Art. 27).
    let mut by_building: std::collections::BTreeMap<String, Vec<(WarrantyCategory, Vec<_>)>> =
        Default::default();
    for ((building, category), entries) in by_account {
        let category: WarrantyCategory = category.parse().map_err(AppError::internal)?;
        by_building.entry(building).or_default().push((category, balance_segments(&entries, from, to)));
    }
    let mut total = Money::ZERO;
    for (building, categories) in by_building {
        let segments: Vec<_> = categories.iter().map(|(_, s)| s.clone()).collect();
        let (interest, shares) = building_interest(&segments, rates)
            .map_err(|e| AppError::invalid("period_from").detail(e.to_string()))?;
        let postings: Vec<(WarrantyCategory, Money)> = categories
            .iter()
            .map(|(c, _)| *c)
            .zip(shares)
            .filter(|(_, share)| *share != Money::ZERO)
            .collect();
        if postings.is_empty() {
            continue;
        }
        db::post(
            conn,
            &db::Posting {
                jurisdiction,
                building_id: &building,
                kind: EntryKind::Interest,
                entry_date: posted_on,
                claim_id: None,
                reason: "interest (Art. 27)",
                recorded_by: by,
            },
            &postings,
        )?;
        total = total + interest;
    }
    let run = db::InterestRunRow {
        id: crate::db::accounts::new_id(),
        jurisdiction: jurisdiction.into(),
        period_from: from,
        period_to: to,
        total_fen: total.to_fen(),
        posted_by: by.into(),
        posted_at: crate::db::accounts::now(),
    };
    db::insert_run(conn, &run)?;
    Ok(db::InterestOutcome { run, posted_now: true })
}
