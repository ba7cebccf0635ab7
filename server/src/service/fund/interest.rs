//! Interest on the fund at the demand-deposit rate (Art. 27).

use crate::db::fund::{self as db};
use crate::db::registry::{self as reg};
use crate::db::DbConnection;
use crate::domain::deadlines::shanghai_date;
use crate::domain::fund::RateTable;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::Caller;
use crate::service::Context;
use baoxiu_sync_protocol::Money;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    let outcome = db::post_interest(conn, &jurisdiction, from, to, rates, reviewer_id)?;
    Ok(InterestRunView {
        id: outcome.run.id,
        jurisdiction,
        period_from: outcome.run.period_from,
        period_to: outcome.run.period_to,
        total: Money::from_fen(outcome.run.total_fen),
        posted_now: outcome.posted_now,
    })
}
