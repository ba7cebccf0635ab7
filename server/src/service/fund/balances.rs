//! A building's fund as its balances per category, holds, custody limit and journal.

use baoxiu_sync_protocol::Money;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::refund_window;
use crate::db::fund as db;
use crate::db::registry::BuildingRow;
use crate::db::DbConnection;
use crate::domain::coverage::{SeasonSettings, WarrantyCategory};
use crate::domain::deadlines::shanghai_date;
use crate::domain::ids::BuildingId;
use crate::domain::ledger::{self, EntryKind, SHARE_CATEGORIES};
use crate::domain::periods;
use crate::error::AppResult;
use crate::service::policy;
use crate::service::utc;
use crate::service::Caller;
use crate::service::Context;

#[derive(Serialize, ToSchema)]
pub struct CategoryBalance {
    pub category: String,
    pub deposits: Money,
    pub interest: Money,
    pub late_fees: Money,
    pub payouts: Money,
    pub refunds: Money,
    pub award_refunds: Money,
    pub balance: Money,
    /// The last day of this category's warranty, or of the 5-year custody if sooner (Art. 27, 29).
    pub refundable_after: Option<NaiveDate>,
    /// The refund falls due within 30 days after that (Art. 29).
    pub refund_due_on: Option<NaiveDate>,
    /// A hold for an unresolved serious defect blocks the refund (Art. 30).
    pub on_hold: bool,
}

#[derive(Serialize, ToSchema)]
pub struct JournalEntryView {
    pub id: String,
    pub category: WarrantyCategory,
    pub kind: EntryKind,
    /// Signed: positive into the fund.
    pub amount: Money,
    pub entry_date: NaiveDate,
    pub claim_id: Option<String>,
    pub reverses_id: Option<String>,
    pub reason: String,
}

impl From<db::JournalRow> for JournalEntryView {
    fn from(r: db::JournalRow) -> Self {
        JournalEntryView {
            id: r.id,
            category: r.category,
            kind: r.kind,
            amount: Money::from_fen(r.amount_fen),
            entry_date: r.entry_date,
            claim_id: r.claim_id,
            reverses_id: r.reverses_id,
            reason: r.reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HoldView {
    pub id: String,
    pub category: WarrantyCategory,
    pub reason: String,
    pub placed_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BuildingFund {
    pub building_id: String,
    pub balance: Money,
    /// The fund is kept at most 5 years from the deposit (Art. 27).
    pub custody_until: Option<NaiveDate>,
    pub custody_overdue: bool,
    pub categories: Vec<CategoryBalance>,
    pub holds: Vec<HoldView>,
    pub journal: Vec<JournalEntryView>,
}

pub(super) fn fund_view(
    conn: &mut DbConnection,
    building: &BuildingRow,
    building_id: String,
    seasons: &SeasonSettings,
) -> AppResult<BuildingFund> {
    let rows = db::entries_of(conn, &building_id)?;
    let entries = rows.iter().map(|r| r.entry()).collect::<Result<Vec<_>, _>>()?;
    let holds = db::holds_of(conn, &building_id)?;
    let mut categories = Vec::new();
    for category in SHARE_CATEGORIES {
        let b = ledger::balance(entries.iter().filter(|e| e.category == category));
        let window = refund_window(conn, building, category, seasons)?;
        categories.push(CategoryBalance {
            category: category.as_str().into(),
            deposits: b.deposits,
            interest: b.interest,
            late_fees: b.late_fees,
            payouts: b.payouts,
            refunds: b.refunds,
            award_refunds: b.award_refunds,
            balance: b.balance,
            refundable_after: window.map(|w| w.0),
            refund_due_on: window.map(|w| w.1),
            on_hold: holds.iter().any(|h| h.category == category && h.lifted_at.is_none()),
        });
    }
    let custody_until = db::first_deposit_date(conn, &building_id)?.and_then(|d| periods::years_after(d, 5));
    let total = ledger::balance(&entries).balance;
    Ok(BuildingFund {
        balance: total,
        custody_until,
        custody_overdue: custody_until.is_some_and(|c| shanghai_date(Utc::now()) > c && total > Money::ZERO),
        building_id,
        categories,
        holds: holds
            .into_iter()
            .map(|h| HoldView {
                id: h.id,
                category: h.category,
                reason: h.reason,
                placed_at: utc(h.placed_at),
                lifted_at: h.lifted_at.map(utc),
                lift_reason: h.lift_reason,
            })
            .collect(),
        journal: rows.into_iter().map(JournalEntryView::from).collect(),
    })
}

/// A building's fund: balances per category derived from its journal, refund dates, holds, the
/// custody limit, and the journal itself.
pub async fn building_fund(ctx: &Context, caller: &Caller, id: &BuildingId) -> AppResult<BuildingFund> {
    let user = caller.clone();
    let building_id = id.to_string();
    let seasons = ctx.rules.seasons;
    ctx.db.read(move |conn| visible_fund(conn, &user, building_id, &seasons)).await
}

/// A building's fund, if the caller may see the building.
pub(super) fn visible_fund(
    conn: &mut DbConnection,
    user: &Caller,
    building_id: String,
    seasons: &SeasonSettings,
) -> AppResult<BuildingFund> {
    let (building, _, _) = policy::building_in_scope(conn, user, &building_id)?;
    fund_view(conn, &building, building_id, seasons)
}
