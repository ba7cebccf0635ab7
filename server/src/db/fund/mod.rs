//! Deposit notices and payments, the journal, and shortfalls.

mod interest;

pub use interest::{
    insert_run, jurisdiction_entries, overlapping_runs, runs_of, InterestOutcome, InterestRunRow,
};

use baoxiu_sync_protocol::Money;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::accounts::{new_id, now};
use super::DbConnection;
use crate::db::schema::{deposit_evidence, deposit_notices, deposit_payments, journal, shortfalls};
use crate::db::{StoreError, StoreResult};
use crate::domain::coverage::WarrantyCategory;
use crate::domain::deposit_notice::NoticeStatus;
use crate::domain::ledger::{self, Entry, EntryKind};
use crate::domain::registry::BuildingClass;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = deposit_notices, treat_none_as_null = true)]
pub struct NoticeRow {
    pub id: String,
    pub building_id: String,
    pub jurisdiction: String,
    pub developer_id: String,
    pub cost_fen: i64,
    pub class: BuildingClass,
    pub rate: String,
    pub reductions: String,
    pub amount_fen: i64,
    pub due_on: NaiveDate,
    pub notified_at: NaiveDateTime,
    pub objection_due_on: NaiveDate,
    pub status: NoticeStatus,
    pub objection: Option<String>,
    pub objected_at: Option<NaiveDateTime>,
    pub recheck_note: Option<String>,
    pub rechecked_at: Option<NaiveDateTime>,
    pub paid_fen: i64,
    pub late_fee_fen: i64,
    pub certificate_number: Option<String>,
    pub version: i32,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = deposit_payments)]
pub struct PaymentRow {
    pub id: String,
    pub notice_id: String,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
    pub late_fee_fen: i64,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// A journal entry as stored.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = journal)]
pub struct JournalRow {
    pub id: String,
    pub jurisdiction: String,
    pub building_id: String,
    pub category: WarrantyCategory,
    pub kind: EntryKind,
    pub amount_fen: i64,
    pub entry_date: NaiveDate,
    pub claim_id: Option<String>,
    pub reverses_id: Option<String>,
    pub reverses_kind: Option<EntryKind>,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

impl JournalRow {
    /// The balance rules' view of this entry.
    pub fn entry(&self) -> StoreResult<Entry> {
        Ok(Entry {
            kind: self.kind,
            category: self.category,
            amount: Money::from_fen(self.amount_fen),
            reverses: self.reverses_kind,
        })
    }
}

pub fn insert_notice(
    conn: &mut DbConnection,
    row: &NoticeRow,
    evidence: &[(String, String)],
) -> StoreResult<()> {
    let exists = notice_of(conn, &row.building_id)?;
    if exists.is_some() {
        return Err(StoreError::Duplicate(Some("Art. 12")));
    }
    diesel::insert_into(deposit_notices::table).values(row).execute(conn)?;
    for (evidence_id, kind) in evidence {
        diesel::insert_into(deposit_evidence::table)
            .values((
                deposit_evidence::notice_id.eq(&row.id),
                deposit_evidence::evidence_id.eq(evidence_id),
                deposit_evidence::kind.eq(kind),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn notice_of(conn: &mut DbConnection, building_id: &str) -> StoreResult<Option<NoticeRow>> {
    Ok(deposit_notices::table
        .filter(deposit_notices::building_id.eq(building_id))
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn notice_by_certificate(conn: &mut DbConnection, number: &str) -> StoreResult<Option<NoticeRow>> {
    Ok(deposit_notices::table
        .filter(deposit_notices::certificate_number.eq(number))
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn evidence_of(conn: &mut DbConnection, notice_id: &str) -> StoreResult<Vec<(String, String)>> {
    Ok(deposit_evidence::table
        .filter(deposit_evidence::notice_id.eq(notice_id))
        .select((deposit_evidence::evidence_id, deposit_evidence::kind))
        .load(conn)?)
}

/// The buildings whose deposit notices cite this file as evidence.
pub fn buildings_with_evidence(conn: &mut DbConnection, file_id: &str) -> StoreResult<Vec<String>> {
    Ok(deposit_evidence::table
        .inner_join(deposit_notices::table.on(deposit_notices::id.eq(deposit_evidence::notice_id)))
        .filter(deposit_evidence::evidence_id.eq(file_id))
        .select(deposit_notices::building_id)
        .load(conn)?)
}

/// Saves a changed notice if nobody changed it since it was read.
pub fn save_notice(conn: &mut DbConnection, row: &mut NoticeRow) -> StoreResult<()> {
    let old = row.version;
    row.version += 1;
    let updated = diesel::update(
        deposit_notices::table
            .filter(deposit_notices::id.eq(&row.id))
            .filter(deposit_notices::version.eq(old)),
    )
    .set(&*row)
    .execute(conn)?;
    if updated != 1 {
        return Err(StoreError::Stale(i64::from(old)));
    }
    Ok(())
}

pub fn payments_of(conn: &mut DbConnection, notice_id: &str) -> StoreResult<Vec<PaymentRow>> {
    Ok(deposit_payments::table
        .filter(deposit_payments::notice_id.eq(notice_id))
        .order((deposit_payments::paid_on.asc(), deposit_payments::id.asc()))
        .select(PaymentRow::as_select())
        .load(conn)?)
}

pub fn insert_payment(conn: &mut DbConnection, row: &PaymentRow) -> StoreResult<()> {
    diesel::insert_into(deposit_payments::table).values(row).execute(conn)?;
    Ok(())
}

/// What to post.
pub struct Posting<'a> {
    pub jurisdiction: &'a str,
    pub building_id: &'a str,
    pub kind: EntryKind,
    pub entry_date: NaiveDate,
    pub claim_id: Option<&'a str>,
    pub reason: &'a str,
    pub recorded_by: &'a str,
}

/// Posts one entry per category: `amounts` are positive magnitudes, signed here by the kind.
pub fn post(
    conn: &mut DbConnection,
    p: &Posting<'_>,
    amounts: &[(WarrantyCategory, Money)],
) -> StoreResult<()> {
    let at = now();
    for (category, amount) in amounts {
        if *amount == Money::ZERO {
            continue;
        }
        let signed = if p.kind.direction() < 0 { -amount.to_fen() } else { amount.to_fen() };
        diesel::insert_into(journal::table)
            .values(&JournalRow {
                id: new_id(),
                jurisdiction: p.jurisdiction.into(),
                building_id: p.building_id.into(),
                category: *category,
                kind: p.kind,
                amount_fen: signed,
                entry_date: p.entry_date,
                claim_id: p.claim_id.map(str::to_owned),
                reverses_id: None,
                reverses_kind: None,
                reason: p.reason.into(),
                recorded_by: p.recorded_by.into(),
                recorded_at: at,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// A building's journal, oldest first.
pub fn entries_of(conn: &mut DbConnection, building_id: &str) -> StoreResult<Vec<JournalRow>> {
    Ok(journal::table
        .filter(journal::building_id.eq(building_id))
        .order((journal::entry_date.asc(), journal::id.asc()))
        .select(JournalRow::as_select())
        .load(conn)?)
}

/// The balance of one category of a building.
pub fn category_balance(
    conn: &mut DbConnection,
    building_id: &str,
    category: WarrantyCategory,
) -> StoreResult<ledger::Balance> {
    let rows: Vec<JournalRow> = journal::table
        .filter(journal::building_id.eq(building_id))
        .filter(journal::category.eq(category.as_str()))
        .select(JournalRow::as_select())
        .load(conn)?;
    let entries = rows.iter().map(JournalRow::entry).collect::<StoreResult<Vec<_>>>()?;
    Ok(ledger::balance(&entries))
}

/// Records a shortfall against the developer (a payout the fund could not cover).
pub fn record_shortfall(
    conn: &mut DbConnection,
    claim_id: &str,
    building_id: &str,
    developer_id: &str,
    category: &str,
    amount: Money,
) -> StoreResult<()> {
    diesel::insert_into(shortfalls::table)
        .values((
            shortfalls::id.eq(new_id()),
            shortfalls::claim_id.eq(claim_id),
            shortfalls::building_id.eq(building_id),
            shortfalls::developer_id.eq(developer_id),
            shortfalls::category.eq(category),
            shortfalls::amount_fen.eq(amount.to_fen()),
            shortfalls::recorded_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Shortfalls recorded for a claim.
pub fn shortfalls_of(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Vec<i64>> {
    Ok(shortfalls::table
        .filter(shortfalls::claim_id.eq(claim_id))
        .select(shortfalls::amount_fen)
        .load(conn)?)
}

// ---- holds ----

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = crate::db::schema::refund_holds)]
pub struct HoldRow {
    pub id: String,
    pub building_id: String,
    pub category: WarrantyCategory,
    pub reason: String,
    pub placed_by: String,
    pub placed_at: NaiveDateTime,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<NaiveDateTime>,
    pub lift_reason: Option<String>,
}

pub fn holds_of(conn: &mut DbConnection, building_id: &str) -> StoreResult<Vec<HoldRow>> {
    use crate::db::schema::refund_holds as h;
    Ok(h::table
        .filter(h::building_id.eq(building_id))
        .order(h::placed_at.asc())
        .select(HoldRow::as_select())
        .load(conn)?)
}

pub fn place_hold(
    conn: &mut DbConnection,
    building_id: &str,
    category: &str,
    reason: &str,
    by: &str,
) -> StoreResult<String> {
    use crate::db::schema::refund_holds as h;
    let id = new_id();
    diesel::insert_into(h::table)
        .values((
            h::id.eq(&id),
            h::building_id.eq(building_id),
            h::category.eq(category),
            h::reason.eq(reason),
            h::placed_by.eq(by),
            h::placed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Lifts an active hold of the building; `not_found` if there is none with that id.
pub fn lift_hold(
    conn: &mut DbConnection,
    building_id: &str,
    hold_id: &str,
    reason: &str,
    by: &str,
) -> StoreResult<()> {
    use crate::db::schema::refund_holds as h;
    let updated = diesel::update(
        h::table
            .filter(h::id.eq(hold_id))
            .filter(h::building_id.eq(building_id))
            .filter(h::lifted_at.is_null()),
    )
    .set((h::lifted_by.eq(Some(by)), h::lifted_at.eq(Some(now())), h::lift_reason.eq(Some(reason))))
    .execute(conn)?;
    if updated != 1 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ---- publications ----

pub fn publish(conn: &mut DbConnection, building_id: &str, year: i32, by: &str) -> StoreResult<()> {
    use crate::db::schema::publications as p;
    if is_published(conn, building_id, year)? {
        return Ok(());
    }
    diesel::insert_into(p::table)
        .values((
            p::building_id.eq(building_id),
            p::year.eq(year),
            p::published_by.eq(by),
            p::published_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn is_published(conn: &mut DbConnection, building_id: &str, year: i32) -> StoreResult<bool> {
    use crate::db::schema::publications as p;
    Ok(p::table.find((building_id, year)).select(p::year).first::<i32>(conn).optional()?.is_some())
}

/// Sums per building and entry kind for a jurisdiction (or one building) over `[from, to)`, with
/// `kind = "opening"` rows for everything before `from`. Aggregated in the database: a yearly
/// publication for a whole jurisdiction reads a million entries.
pub fn sums(
    conn: &mut DbConnection,
    jurisdiction: &str,
    building: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<(String, Summed, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        building_id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
    }
    use diesel::sql_types::{Date, Text};
    let building_filter = if building.is_some() { " AND building_id = {4}" } else { "" };
    let template = format!(
        "SELECT building_id, CASE WHEN entry_date < {{2}} THEN 'opening' \
         WHEN kind = 'reversal' THEN 'reversal:' || COALESCE(reverses_kind, '') ELSE kind END AS kind, \
         CAST(SUM(amount_fen) AS BIGINT) AS total FROM journal \
         WHERE jurisdiction = {{1}} AND entry_date < {{3}}{building_filter} GROUP BY 1, 2 ORDER BY 1, 2"
    );
    // Placeholders differ by backend; the statement is otherwise the same.
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            template.replace("{1}", "?").replace("{2}", "?").replace("{3}", "?").replace("{4}", "?")
        }
        DbConnection::Postgres(_) => {
            template.replace("{1}", "$1").replace("{2}", "$2").replace("{3}", "$3").replace("{4}", "$4")
        }
    };
    // SQLite numbers placeholders by position of appearance: {2} comes before {1} in the text.
    let rows: Vec<Row> = match (&*conn, building) {
        (DbConnection::Sqlite(_), None) => diesel::sql_query(sql)
            .bind::<Date, _>(from)
            .bind::<Text, _>(jurisdiction)
            .bind::<Date, _>(to)
            .load(conn)?,
        (DbConnection::Sqlite(_), Some(b)) => diesel::sql_query(sql)
            .bind::<Date, _>(from)
            .bind::<Text, _>(jurisdiction)
            .bind::<Date, _>(to)
            .bind::<Text, _>(b)
            .load(conn)?,
        (DbConnection::Postgres(_), None) => diesel::sql_query(sql)
            .bind::<Text, _>(jurisdiction)
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .load(conn)?,
        (DbConnection::Postgres(_), Some(b)) => diesel::sql_query(sql)
            .bind::<Text, _>(jurisdiction)
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .bind::<Text, _>(b)
            .load(conn)?,
    };
    rows.into_iter()
        .map(|r| {
            let summed = match r.kind.as_str() {
                "opening" => Summed::Opening,
                kind => {
                    let (kind, reverses) = match kind.strip_prefix("reversal:") {
                        Some(reversed) => {
                            (EntryKind::Reversal, Some(reversed.parse().map_err(StoreError::corrupt)?))
                        }
                        None => (kind.parse().map_err(StoreError::corrupt)?, None),
                    };
                    Summed::Within { kind, reverses }
                }
            };
            Ok((r.building_id, summed, r.total))
        })
        .collect()
}

/// What a row of [`sums`] totals: everything before the period, or one kind of entry within it.
/// A kind this build does not know is an error, never counted as something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Summed {
    Opening,
    Within { kind: EntryKind, reverses: Option<EntryKind> },
}

/// A jurisdiction's journal over `[from, to)`, oldest first, for accountants.
pub fn journal_between(
    conn: &mut DbConnection,
    jurisdictions: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<JournalRow>> {
    Ok(journal::table
        .filter(journal::jurisdiction.eq_any(jurisdictions.to_vec()))
        .filter(journal::entry_date.ge(from))
        .filter(journal::entry_date.lt(to))
        .order((journal::entry_date.asc(), journal::id.asc()))
        .select(JournalRow::as_select())
        .load(conn)?)
}

/// The date the building's deposit was first paid, which starts its 5-year custody (Art. 27).
pub fn first_deposit_date(conn: &mut DbConnection, building_id: &str) -> StoreResult<Option<NaiveDate>> {
    let dates: Vec<NaiveDate> = journal::table
        .filter(journal::building_id.eq(building_id))
        .filter(journal::kind.eq(EntryKind::Deposit.as_str()))
        .order(journal::entry_date.asc())
        .select(journal::entry_date)
        .limit(1)
        .load(conn)?;
    Ok(dates.into_iter().next())
}

/// One journal entry by id.
pub fn find_entry(conn: &mut DbConnection, id: &str) -> StoreResult<Option<JournalRow>> {
    Ok(journal::table.find(id).select(JournalRow::as_select()).first(conn).optional()?)
}

/// Posts the exact negation of `entry`, with a reason. An entry is reversed at most once (the
/// database holds `reverses_id` unique): again is a duplicate.
pub fn reverse(
    conn: &mut DbConnection,
    entry: &JournalRow,
    reason: &str,
    by: &str,
    on: NaiveDate,
) -> StoreResult<JournalRow> {
    let already = journal::table
        .filter(journal::reverses_id.eq(&entry.id))
        .select(journal::id)
        .first::<String>(conn)
        .optional()?;
    if already.is_some() {
        return Err(StoreError::Duplicate(None));
    }
    let row = JournalRow {
        id: new_id(),
        jurisdiction: entry.jurisdiction.clone(),
        building_id: entry.building_id.clone(),
        category: entry.category,
        kind: EntryKind::Reversal,
        amount_fen: -entry.amount_fen,
        entry_date: on,
        claim_id: entry.claim_id.clone(),
        reverses_id: Some(entry.id.clone()),
        reverses_kind: Some(entry.kind),
        reason: reason.into(),
        recorded_by: by.into(),
        recorded_at: now(),
    };
    diesel::insert_into(journal::table).values(&row).execute(conn)?;
    Ok(row)
}

/// A claim's entries in the journal (its payout, and any reversal of it).
pub fn entries_of_claim(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Vec<JournalRow>> {
    Ok(journal::table
        .filter(journal::claim_id.eq(claim_id))
        .order((journal::entry_date.asc(), journal::id.asc()))
        .select(JournalRow::as_select())
        .load(conn)?)
}

/// A building's custody facts: where it is, when its deposit was first paid, what it holds.
pub struct Custody {
    pub building_id: String,
    pub jurisdiction: String,
    pub first_deposit: Option<NaiveDate>,
    pub balance_fen: i64,
}

/// Per building: jurisdiction, first deposit date and balance, aggregated in the database.
pub fn custody_overview(conn: &mut DbConnection) -> StoreResult<Vec<Custody>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        building_id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        jurisdiction: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
        first_deposit: Option<NaiveDate>,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        balance: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT building_id, jurisdiction, MIN(CASE WHEN kind = 'deposit' THEN entry_date END) AS first_deposit, \
         CAST(SUM(amount_fen) AS BIGINT) AS balance FROM journal GROUP BY building_id, jurisdiction",
    )
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Custody {
            building_id: r.building_id,
            jurisdiction: r.jurisdiction,
            first_deposit: r.first_deposit,
            balance_fen: r.balance,
        })
        .collect())
}

/// Attaches a document to a deposit notice; attaching the same one twice is a no-op.
pub fn add_evidence(
    conn: &mut DbConnection,
    notice_id: &str,
    evidence_id: &str,
    kind: &str,
) -> StoreResult<()> {
    let exists = deposit_evidence::table
        .find((notice_id, evidence_id))
        .select(deposit_evidence::kind)
        .first::<String>(conn)
        .optional()?;
    if exists.is_none() {
        diesel::insert_into(deposit_evidence::table)
            .values((
                deposit_evidence::notice_id.eq(notice_id),
                deposit_evidence::evidence_id.eq(evidence_id),
                deposit_evidence::kind.eq(kind),
            ))
            .execute(conn)?;
    }
    Ok(())
}
