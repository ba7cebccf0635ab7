//! Corrections by reversing entries, and the usage notice to the developer (Art. 26).

use baoxiu_sync_protocol::Money;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::JournalEntryView;
use crate::db::fund as db;
use crate::db::registry as reg;
use crate::db::DbConnection;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::deadlines::shanghai_date;
use crate::domain::ids::{ClaimId, EntryId};
use crate::domain::ledger::{self, EntryKind};
use crate::domain::lifecycle::ClaimState;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::policy;
use crate::service::Context;
use crate::service::{text, Caller};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// Corrects the journal: posts the exact negation of an entry, with the reason. Entries are never
/// edited, and reversing money into the fund may not take a balance below zero.
pub async fn reverse_entry(
    ctx: &Context,
    caller: &Caller,
    id: &EntryId,
    body: ReverseRequest,
) -> AppResult<JournalEntryView> {
    let user = caller.clone();
    let entry_id = id.to_string();
    let reason = text(&body.reason, "reason", 2000)?;
    let row = ctx
        .db
        .write(move |conn| {
            let entry = db::find_entry(conn, &entry_id)?.ok_or(AppError::new(Code::NotFound))?;
            if !reg::reviewer_jurisdictions(conn, &user.id)?.contains(&entry.jurisdiction) {
                return Err(AppError::new(Code::NotFound));
            }
            // A reversal is never itself reversed: the entry it reversed is corrected anew.
            if entry.kind == EntryKind::Reversal {
                return Err(AppError::new(Code::StepOutOfOrder));
            }
            if entry.amount_fen > 0 {
                let category = entry.category;
                let available = db::category_balance(conn, &entry.building_id, category)?.balance;
                ledger::check_outflow(available, Money::from_fen(entry.amount_fen))?;
            }
            db::reverse(conn, &entry, &reason, &user.id, shanghai_date(Utc::now())).map_err(AppError::from)
        })
        .await?;
    Ok(JournalEntryView::from(row))
}

/// What the developer is told after settlement (Art. 26), generated from the journal.
#[derive(Serialize, ToSchema)]
pub struct UsageNotice {
    pub claim_id: String,
    pub building_id: String,
    pub category: WarrantyCategory,
    /// The journal entries charged to the claim.
    pub entries: Vec<JournalEntryView>,
    /// Net amount used from the fund.
    pub total_used: Money,
    /// The category's balance after it.
    pub category_balance: Money,
    /// The notice is due 30 days after settlement (Art. 26).
    pub due_on: Option<NaiveDate>,
    pub sent: bool,
}

/// The usage notice for a settled claim (Art. 26): what was used, from the journal.
pub async fn usage_notice(ctx: &Context, caller: &Caller, id: &ClaimId) -> AppResult<UsageNotice> {
    let user = caller.clone();
    let claim_id = id.to_string();
    if !matches!(user.role, Role::Reviewer | Role::Developer | Role::Admin) {
        return Err(AppError::new(Code::Forbidden));
    }
    ctx.db.read(move |conn| usage_notice_in(conn, &user, &claim_id)).await
}

/// The usage notice of a claim the caller may see, read in the caller's transaction.
pub(crate) fn usage_notice_in(
    conn: &mut DbConnection,
    user: &Caller,
    claim_id: &str,
) -> AppResult<UsageNotice> {
    let scope = policy::claim_scope(conn, user)?;
    let claim = crate::db::claims::find_claim(conn, &scope, claim_id)?;
    let rows = db::entries_of_claim(conn, &claim.id)?;
    let balance = db::category_balance(conn, &claim.building_id, claim.category)?.balance;
    Ok(UsageNotice {
        total_used: -rows.iter().map(|r| Money::from_fen(r.amount_fen)).sum::<Money>(),
        entries: rows.into_iter().map(JournalEntryView::from).collect(),
        category_balance: balance,
        due_on: claim.usage_notice_due_on,
        sent: claim.state == ClaimState::DeveloperNotified,
        claim_id: claim.id,
        building_id: claim.building_id,
        category: claim.category,
    })
}
