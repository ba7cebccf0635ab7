//! The yearly publication of a building's fund (Art. 28) and the journal export.

use baoxiu_sync_protocol::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{reviewer_jurisdiction, InterestRunView, JournalEntryView};
use crate::db::fund as db;
use crate::db::registry as reg;
use crate::db::DbConnection;
use crate::domain::ids::BuildingId;
use crate::domain::ledger;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::policy;
use crate::service::Caller;
use crate::service::Context;

/// One building's year: what came in, what was used, what was refunded, and the balance.
#[derive(Serialize, ToSchema, Clone)]
pub struct YearStatement {
    pub building_id: String,
    pub estate: String,
    pub building: String,
    pub year: i32,
    pub opening_balance: Money,
    /// Deposits and late fees received.
    pub deposits: Money,
    pub interest: Money,
    /// Paid out for repairs.
    pub uses: Money,
    /// Returned to the developer: refunds and award refunds.
    pub refunds: Money,
    pub closing_balance: Money,
}

fn year_bounds(year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    // The range first: `year + 1` of i32::MAX would overflow.
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid("year").detail("2000-2100"));
    }
    let from = NaiveDate::from_ymd_opt(year, 1, 1);
    let to = NaiveDate::from_ymd_opt(year + 1, 1, 1);
    match (from, to) {
        (Some(f), Some(t)) => Ok((f, t)),
        _ => Err(AppError::new(Code::InvalidId)),
    }
}

/// Folds each building's sums into its statement, through the ledger's one fold.
fn statements(
    sums: Vec<(String, db::Summed, i64)>,
    year: i32,
    names: &std::collections::HashMap<String, (String, String)>,
) -> Vec<YearStatement> {
    let mut by_building: std::collections::BTreeMap<String, (Money, Vec<ledger::Sum>)> = Default::default();
    for (building, summed, total) in sums {
        let (opening, within) = by_building.entry(building).or_default();
        let amount = Money::from_fen(total);
        match summed {
            db::Summed::Opening => *opening = *opening + amount,
            db::Summed::Within { kind, reverses } => within.push(ledger::Sum { kind, reverses, amount }),
        }
    }
    let mut out: Vec<YearStatement> = by_building
        .into_iter()
        .map(|(building, (opening, within))| {
            let (estate, name) = names.get(&building).cloned().unwrap_or_default();
            YearStatement::new(building, estate, name, year, ledger::year_totals(opening, within))
        })
        .collect();
    out.sort_by(|a, b| (&a.estate, &a.building).cmp(&(&b.estate, &b.building)));
    out
}

impl YearStatement {
    fn new(building_id: String, estate: String, building: String, year: i32, t: ledger::YearTotals) -> Self {
        YearStatement {
            building_id,
            estate,
            building,
            year,
            opening_balance: t.opening_balance,
            deposits: t.deposits,
            interest: t.interest,
            uses: t.uses,
            refunds: t.refunds,
            closing_balance: t.closing_balance,
        }
    }
}

/// The bureau publishes a building's year to its owners (Art. 28).
pub async fn publish(ctx: &Context, caller: &Caller, path: (BuildingId, i32)) -> AppResult<()> {
    let user = caller.clone();
    let (id, year) = path;
    let building_id = String::from(id);
    year_bounds(year)?;
    ctx.db
        .write(move |conn| -> AppResult<_> {
            policy::building_in_scope(conn, &user, &building_id)?;
            Ok(db::publish(conn, &building_id, year, &user.id)?)
        })
        .await?;
    Ok(())
}

/// A building's statement for a year: deposits, uses, refunds and balance (Art. 28), as JSON, CSV
/// or a zh-CN page. Owners of the building see it once the bureau has published it.
pub async fn publication(
    ctx: &Context,
    caller: &Caller,
    path: (BuildingId, i32),
) -> AppResult<YearStatement> {
    let user = caller.clone();
    let (id, year) = path;
    let building_id = String::from(id);
    let (from, to) = year_bounds(year)?;
    ctx.db
        .read(move |conn| {
            let (building, jurisdiction, _) = policy::building_in_scope(conn, &user, &building_id)?;
            if user.role == Role::Owner && !db::is_published(conn, &building_id, year)? {
                return Err(AppError::new(Code::NotFound));
            }
            let estate = reg::find_estate(conn, &reg::Scope::All, &building.estate_id)?;
            let names = std::collections::HashMap::from([(
                building.id.clone(),
                (estate.name, building.name.clone()),
            )]);
            let sums = db::sums(conn, &jurisdiction, Some(&building.id), from, to)?;
            let estate = names.values().next().map(|n| n.0.clone()).unwrap_or_default();
            Ok(statements(sums, year, &names).pop().unwrap_or_else(|| {
                YearStatement::new(building.id, estate, building.name, year, Default::default())
            }))
        })
        .await
}

/// Every building of the reviewer's jurisdiction for a year (Art. 28), as JSON or CSV.
pub async fn jurisdiction_publication(
    ctx: &Context,
    caller: &Caller,
    year: i32,
) -> AppResult<Vec<YearStatement>> {
    let user = caller.id.clone();
    ctx.db.read(move |conn| jurisdiction_statements(conn, &user, year)).await
}

/// The console's fund page: the jurisdiction's year (Art. 28) and its interest runs (Art. 27),
/// read at once.
pub async fn jurisdiction_overview(
    ctx: &Context,
    caller: &Caller,
    year: i32,
) -> AppResult<(Vec<YearStatement>, Vec<InterestRunView>)> {
    let user = caller.id.clone();
    ctx.db
        .read(move |conn| {
            let statements = jurisdiction_statements(conn, &user, year)?;
            let jurisdictions = reg::reviewer_jurisdictions(conn, &user)?;
            let runs = db::runs_of(conn, &jurisdictions)?.into_iter().map(InterestRunView::posted).collect();
            Ok((statements, runs))
        })
        .await
}

fn jurisdiction_statements(
    conn: &mut DbConnection,
    reviewer: &str,
    year: i32,
) -> AppResult<Vec<YearStatement>> {
    let (from, to) = year_bounds(year)?;
    let jurisdiction = reviewer_jurisdiction(conn, reviewer, None)?;
    let scope = reg::Scope::Jurisdictions(vec![jurisdiction.clone()]);
    let mut names = std::collections::HashMap::new();
    for estate in reg::list_estates(conn, &scope, i64::MAX, 0)? {
        for b in reg::list_buildings(conn, &scope, &estate.id)? {
            names.insert(b.id, (estate.name.clone(), b.name));
        }
    }
    let sums = db::sums(conn, &jurisdiction, None, from, to)?;
    Ok(statements(sums, year, &names))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// First day.
    pub from: NaiveDate,
    /// The day after the last day.
    pub to: NaiveDate,
}

/// The journal of the reviewer's jurisdiction for a period, as CSV for accountants.
pub async fn export_journal(
    ctx: &Context,
    caller: &Caller,
    query: PeriodQuery,
) -> AppResult<Vec<JournalLine>> {
    let user = caller.clone();
    let (from, to) = (query.from, query.to);
    // Custody is at most five years (Art. 27): six years covers any building's whole journal.
    if to <= from || (to - from).num_days() > 6 * 366 {
        return Err(AppError::invalid("to"));
    }
    let rows = ctx
        .db
        .read(move |conn| {
            let jurisdictions = reg::reviewer_jurisdictions(conn, &user.id)?;
            db::journal_between(conn, &jurisdictions, from, to)
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| JournalLine {
            jurisdiction: r.jurisdiction.clone(),
            building_id: r.building_id.clone(),
            entry: JournalEntryView::from(r),
        })
        .collect())
}

/// One line of the journal export: the entry with where it was booked.
pub struct JournalLine {
    pub jurisdiction: String,
    pub building_id: String,
    pub entry: JournalEntryView,
}
