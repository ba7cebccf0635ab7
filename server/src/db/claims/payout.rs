//! Payouts, claim evidence links, and the developers whose reply period ran out.

#[allow(clippy::wildcard_imports)]
use super::*;

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

pub fn insert_payout(conn: &mut DbConnection, payout: &PayoutRow) -> AppResult<()> {
    diesel::insert_into(payouts::table).values(payout).execute(conn)?;
    Ok(())
}

pub fn payout_of(conn: &mut DbConnection, claim_id: &str) -> AppResult<Option<PayoutRow>> {
    Ok(payouts::table.find(claim_id).select(PayoutRow::as_select()).first(conn).optional()?)
}

/// Evidence ids attached to a claim, with their kinds.
pub fn evidence_of(conn: &mut DbConnection, claim_id: &str) -> AppResult<Vec<(String, String)>> {
    Ok(claim_evidence::table
        .filter(claim_evidence::claim_id.eq(claim_id))
        .order(claim_evidence::attached_at.asc())
        .select((claim_evidence::evidence_id, claim_evidence::kind))
        .load(conn)?)
}

/// Claims whose developer did not answer by the reply date: they return to the bureau's queue so
/// a reviewer can record the silence (Art. 17). Returns how many moved.
pub fn surface_silent_developers(conn: &mut DbConnection, today: NaiveDate) -> AppResult<usize> {
    Ok(diesel::update(
        claims::table
            .filter(claims::state.eq(ClaimState::DeveloperAsked.as_str()))
            .filter(claims::waiting_on.eq("developer"))
            .filter(claims::developer_reply_due_on.lt(today)),
    )
    .set((claims::waiting_on.eq("bureau"), claims::bureau_due_on.eq(claims::developer_reply_due_on)))
    .execute(conn)?)
}
