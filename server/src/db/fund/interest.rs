//! Interest runs (Art. 27): each period posted once per jurisdiction, on each day's balance.

use super::{post, Posting};
use crate::db::accounts::{new_id, now};
use crate::db::schema::journal;
use crate::db::DbConnection;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::ledger::EntryKind;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use baoxiu_sync_protocol::Money;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = crate::db::schema::interest_runs)]
pub struct InterestRunRow {
    pub id: String,
    pub jurisdiction: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub total_fen: i64,
    pub posted_by: String,
    pub posted_at: NaiveDateTime,
}

/// Runs in the jurisdiction whose period overlaps `[from, to)`.
pub fn overlapping_runs(
    conn: &mut DbConnection,
    jurisdiction: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<InterestRunRow>> {
    use crate::db::schema::interest_runs as r;
    Ok(r::table
        .filter(r::jurisdiction.eq(jurisdiction))
        .filter(r::period_from.lt(to))
        .filter(r::period_to.gt(from))
        .select(InterestRunRow::as_select())
        .load(conn)?)
}

pub fn insert_run(conn: &mut DbConnection, run: &InterestRunRow) -> AppResult<()> {
    diesel::insert_into(crate::db::schema::interest_runs::table).values(run).execute(conn)?;
    Ok(())
}

pub fn runs_of(conn: &mut DbConnection, jurisdictions: &[String]) -> AppResult<Vec<InterestRunRow>> {
    use crate::db::schema::interest_runs as r;
    Ok(r::table
        .filter(r::jurisdiction.eq_any(jurisdictions.to_vec()))
        .order(r::period_from.asc())
        .select(InterestRunRow::as_select())
        .load(conn)?)
}

/// Every journal entry of a jurisdiction dated before `before`: (building, category, date, fen).
pub fn jurisdiction_entries(
    conn: &mut DbConnection,
    jurisdiction: &str,
    before: NaiveDate,
) -> AppResult<Vec<(String, String, NaiveDate, i64)>> {
    Ok(journal::table
        .filter(journal::jurisdiction.eq(jurisdiction))
        .filter(journal::entry_date.lt(before))
        .select((journal::building_id, journal::category, journal::entry_date, journal::amount_fen))
        .load(conn)?)
}

/// What an interest run did.
#[derive(Debug, Clone)]
pub struct InterestOutcome {
    pub run: InterestRunRow,
    /// False when this exact period had been posted before and nothing was posted now.
    pub posted_now: bool,
}

/// Posts interest for `[from, to)` on every building and category of a jurisdiction, on each
/// day's balance at the rate then in force, actual/360 (Art. 27). The same period again returns
/// the earlier run and posts nothing; a period overlapping another is `interest_period_overlaps`.
/// Shared by the API and the `baoxiu interest` command a scheduler runs.
pub fn post_interest(
    conn: &mut DbConnection,
    jurisdiction: &str,
    from: NaiveDate,
    to: NaiveDate,
    rates: &crate::domain::fund::RateTable,
    by: &str,
) -> AppResult<InterestOutcome> {
    use crate::domain::fund::{balance_segments, building_interest};
    if to <= from {
        return Err(AppError::invalid("period_to"));
    }
    let overlapping = overlapping_runs(conn, jurisdiction, from, to)?;
    if let Some(same) = overlapping.iter().find(|r| r.period_from == from && r.period_to == to) {
        return Ok(InterestOutcome { run: same.clone(), posted_now: false });
    }
    if let Some(other) = overlapping.first() {
        return Err(AppError::new(Code::InterestPeriodOverlaps)
            .detail(format!("{} – {}", other.period_from, other.period_to)));
    }
    let mut by_account: std::collections::BTreeMap<(String, String), Vec<(NaiveDate, Money)>> =
        Default::default();
    let entries = jurisdiction_entries(conn, jurisdiction, to)?;
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
        post(
            conn,
            &Posting {
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
    let run = InterestRunRow {
        id: new_id(),
        jurisdiction: jurisdiction.into(),
        period_from: from,
        period_to: to,
        total_fen: total.to_fen(),
        posted_by: by.into(),
        posted_at: now(),
    };
    insert_run(conn, &run)?;
    Ok(InterestOutcome { run, posted_now: true })
}
