//! Payouts, claim evidence links, and the developers whose reply period ran out.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::CostSheetRow;
use crate::db::schema::{claim_evidence, claims, cost_sheets, payouts};
use crate::db::DbConnection;
use crate::db::StoreResult;
use crate::domain::lifecycle::ClaimState;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = payouts)]
pub struct PayoutRow {
    pub claim_id: String,
    pub amount_fen: i64,
    pub payee: String,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
    pub cost_sheet_id: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_payout(conn: &mut DbConnection, payout: &PayoutRow) -> StoreResult<()> {
    diesel::insert_into(payouts::table).values(payout).execute(conn)?;
    Ok(())
}

pub fn payout_of(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Option<PayoutRow>> {
    Ok(payouts::table.find(claim_id).select(PayoutRow::as_select()).first(conn).optional()?)
}

/// Evidence ids attached to a claim, with their kinds.
pub fn evidence_of(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Vec<(String, String)>> {
    Ok(claim_evidence::table
        .filter(claim_evidence::claim_id.eq(claim_id))
        .order(claim_evidence::attached_at.asc())
        .select((claim_evidence::evidence_id, claim_evidence::kind))
        .load(conn)?)
}

/// Claims whose developer let its date pass return to the bureau's queue, due on that date: the
/// reply date, so a reviewer can record the silence, and the promised repair date, so a reviewer
/// can record the repair or the default (Art. 17). Returns the ids that moved.
pub fn surface_overdue_developers(conn: &mut DbConnection, today: NaiveDate) -> StoreResult<Vec<String>> {
    let silent: Vec<String> = claims::table
        .filter(claims::state.eq(ClaimState::DeveloperAsked.as_str()))
        .filter(claims::waiting_on.eq("developer"))
        .filter(claims::developer_reply_due_on.lt(today))
        .select(claims::id)
        .load(conn)?;
    diesel::update(claims::table.filter(claims::id.eq_any(&silent)))
        .set((claims::waiting_on.eq("bureau"), claims::bureau_due_on.eq(claims::developer_reply_due_on)))
        .execute(conn)?;
    let defaulting: Vec<String> = claims::table
        .filter(claims::state.eq(ClaimState::DeveloperRepairing.as_str()))
        .filter(claims::waiting_on.eq("developer"))
        .filter(claims::repair_due_on.lt(today))
        .select(claims::id)
        .load(conn)?;
    diesel::update(claims::table.filter(claims::id.eq_any(&defaulting)))
        .set((claims::waiting_on.eq("bureau"), claims::bureau_due_on.eq(claims::repair_due_on)))
        .execute(conn)?;
    Ok(silent.into_iter().chain(defaulting).collect())
}

/// What the next-step table needs of each claim beyond the claim row: whether a work order is out,
/// where its latest cost sheet stands, whether the applicant rated the repair. Three reads
/// however many claims.
pub fn progress_of(
    conn: &mut DbConnection,
    ids: &[&str],
) -> StoreResult<std::collections::HashMap<String, Progress>> {
    use crate::db::schema::{return_visits, work_orders};
    let mut out: std::collections::HashMap<String, Progress> =
        ids.iter().map(|id| ((*id).to_owned(), Progress::default())).collect();
    let ordered: Vec<String> = work_orders::table
        .filter(work_orders::claim_id.eq_any(ids))
        .select(work_orders::claim_id)
        .distinct()
        .load(conn)?;
    for id in ordered {
        out.entry(id).or_default().has_work_order = true;
    }
    let sheets: Vec<CostSheetRow> = cost_sheets::table
        .filter(cost_sheets::claim_id.eq_any(ids))
        .order((cost_sheets::claim_id.asc(), cost_sheets::revision.asc()))
        .select(CostSheetRow::as_select())
        .load(conn)?;
    for sheet in sheets {
        // Ordered by revision: the last one seen is the latest.
        out.entry(sheet.claim_id.clone()).or_default().latest_signed = Some(sheet.is_signed());
    }
    let rated: Vec<String> = return_visits::table
        .filter(return_visits::claim_id.eq_any(ids))
        .select(return_visits::claim_id)
        .load(conn)?;
    for id in rated {
        out.entry(id).or_default().rated = true;
    }
    Ok(out)
}

/// See [`progress_of`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub has_work_order: bool,
    /// Whether the latest cost sheet is signed (and not disputed); `None` without a sheet.
    pub latest_signed: Option<bool>,
    pub rated: bool,
}
