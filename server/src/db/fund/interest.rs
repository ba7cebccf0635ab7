//! Interest runs (Art. 27): each period posted once per jurisdiction, on each day's balance.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::journal;
use crate::db::DbConnection;
use crate::db::StoreResult;

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
) -> StoreResult<Vec<InterestRunRow>> {
    use crate::db::schema::interest_runs as r;
    Ok(r::table
        .filter(r::jurisdiction.eq(jurisdiction))
        .filter(r::period_from.lt(to))
        .filter(r::period_to.gt(from))
        .select(InterestRunRow::as_select())
        .load(conn)?)
}

pub fn insert_run(conn: &mut DbConnection, run: &InterestRunRow) -> StoreResult<()> {
    diesel::insert_into(crate::db::schema::interest_runs::table).values(run).execute(conn)?;
    Ok(())
}

pub fn runs_of(conn: &mut DbConnection, jurisdictions: &[String]) -> StoreResult<Vec<InterestRunRow>> {
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
) -> StoreResult<Vec<(String, String, NaiveDate, i64)>> {
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
