//! Deposit notices and payments, the journal, and shortfalls.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::accounts::{new_id, now};
use super::schema::{deposit_evidence, deposit_notices, deposit_payments, journal, shortfalls};
use super::DbConnection;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::ledger::{self, Entry, EntryKind};
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use baoxiu_sync_protocol::Money;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = deposit_notices, treat_none_as_null = true)]
pub struct NoticeRow {
    pub id: String,
    pub building_id: String,
    pub jurisdiction: String,
    pub developer_id: String,
    pub cost_fen: i64,
    pub class: String,
    pub rate: String,
    pub reductions: String,
    pub amount_fen: i64,
    pub due_on: NaiveDate,
    pub notified_at: NaiveDateTime,
    pub objection_due_on: NaiveDate,
    pub status: String,
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
    pub category: String,
    pub kind: String,
    pub amount_fen: i64,
    pub entry_date: NaiveDate,
    pub claim_id: Option<String>,
    pub reverses_id: Option<String>,
    pub reverses_kind: Option<String>,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

impl JournalRow {
    /// The balance rules' view of this entry.
    pub fn entry(&self) -> AppResult<Entry> {
        Ok(Entry {
            kind: self.kind.parse().map_err(AppError::internal)?,
            category: self.category.parse().map_err(AppError::internal)?,
            amount: Money::from_fen(self.amount_fen),
            reverses: self
                .reverses_kind
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(AppError::internal)?,
        })
    }
}

pub fn insert_notice(
    conn: &mut DbConnection,
    row: &NoticeRow,
    evidence: &[(String, String)],
) -> AppResult<()> {
    let exists = notice_of(conn, &row.building_id)?;
    if exists.is_some() {
        return Err(AppError::new(Code::AlreadyExists).detail("Art. 12"));
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

pub fn notice_of(conn: &mut DbConnection, building_id: &str) -> AppResult<Option<NoticeRow>> {
    Ok(deposit_notices::table
        .filter(deposit_notices::building_id.eq(building_id))
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn notice_by_certificate(conn: &mut DbConnection, number: &str) -> AppResult<Option<NoticeRow>> {
    Ok(deposit_notices::table
        .filter(deposit_notices::certificate_number.eq(number))
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn evidence_of(conn: &mut DbConnection, notice_id: &str) -> AppResult<Vec<(String, String)>> {
    Ok(deposit_evidence::table
        .filter(deposit_evidence::notice_id.eq(notice_id))
        .select((deposit_evidence::evidence_id, deposit_evidence::kind))
        .load(conn)?)
}

/// Saves a changed notice if nobody changed it since it was read.
pub fn save_notice(conn: &mut DbConnection, row: &mut NoticeRow) -> AppResult<()> {
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
        return Err(AppError::new(Code::StaleVersion).detail(old.to_string()));
    }
    Ok(())
}

pub fn payments_of(conn: &mut DbConnection, notice_id: &str) -> AppResult<Vec<PaymentRow>> {
    Ok(deposit_payments::table
        .filter(deposit_payments::notice_id.eq(notice_id))
        .order((deposit_payments::paid_on.asc(), deposit_payments::id.asc()))
        .select(PaymentRow::as_select())
        .load(conn)?)
}

pub fn insert_payment(conn: &mut DbConnection, row: &PaymentRow) -> AppResult<()> {
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
) -> AppResult<()> {
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
                category: category.as_str().into(),
                kind: p.kind.as_str().into(),
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
pub fn entries_of(conn: &mut DbConnection, building_id: &str) -> AppResult<Vec<JournalRow>> {
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
) -> AppResult<ledger::Balance> {
    let rows: Vec<JournalRow> = journal::table
        .filter(journal::building_id.eq(building_id))
        .filter(journal::category.eq(category.as_str()))
        .select(JournalRow::as_select())
        .load(conn)?;
    let entries = rows.iter().map(JournalRow::entry).collect::<AppResult<Vec<_>>>()?;
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
) -> AppResult<()> {
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
pub fn shortfalls_of(conn: &mut DbConnection, claim_id: &str) -> AppResult<Vec<i64>> {
    Ok(shortfalls::table
        .filter(shortfalls::claim_id.eq(claim_id))
        .select(shortfalls::amount_fen)
        .load(conn)?)
}
