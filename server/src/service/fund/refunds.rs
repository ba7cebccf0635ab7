//! Holds and refunds after a category's warranty expires (Art. 29, 30), and refunds of a deposit
//! reduction won after an award (Art. 9 iii).

use baoxiu_sync_protocol::Money;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{fund_view, BuildingFund, ReductionsInput};
use crate::db::fund::{self as db, Posting};
use crate::db::registry::BuildingRow;
use crate::db::{files as files_db, DbConnection};
use crate::domain::coverage::{self, BuildingWarranty, SeasonSettings, WarrantyCategory};
use crate::domain::deadlines::shanghai_date;
use crate::domain::deposit::{self, AwardLevel};
use crate::domain::deposit_notice::NoticeStatus;
use crate::domain::fund;
use crate::domain::ids::{BuildingId, HoldId};
use crate::domain::ledger::{self, EntryKind};
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::policy;
use crate::service::recurrence;
use crate::service::Context;
use crate::service::{parse_id, text, Caller};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// The warranty category whose refund is held.
    pub category: WarrantyCategory,
    #[schema(max_length = 2000)]
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftRequest {
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// Holds a category's refund while a serious, repeatedly repaired defect still impairs use (Art. 30).
pub async fn place_hold(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
    body: HoldRequest,
) -> AppResult<String> {
    let user = caller.clone();
    let building_id = id.to_string();
    let reason = text(&body.reason, "reason", 2000)?;
    let category = body.category;
    ctx.db
        .write(move |conn| -> AppResult<_> {
            policy::building_in_scope(conn, &user, &building_id)?;
            Ok(db::place_hold(conn, &building_id, category.as_str(), &reason, &user.id)?)
        })
        .await
}

/// Lifts a hold, with the reason (the defect is repaired).
pub async fn lift_hold(
    ctx: &Context,
    caller: &Caller,
    path: (BuildingId, HoldId),
    body: LiftRequest,
) -> AppResult<()> {
    let user = caller.clone();
    let (building, hold) = path;
    let (building_id, hold_id) = (String::from(building), String::from(hold));
    let reason = text(&body.reason, "reason", 2000)?;
    ctx.db
        .write(move |conn| -> AppResult<_> {
            policy::building_in_scope(conn, &user, &building_id)?;
            Ok(db::lift_hold(conn, &building_id, &hold_id, &reason, &user.id)?)
        })
        .await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    pub category: WarrantyCategory,
    pub paid_on: NaiveDate,
    #[schema(max_length = 100)]
    pub bank_reference: String,
}

/// When a category's refund may be paid (`domain::fund::refund_window`), from the building's
/// warranty and its first deposit.
pub(crate) fn refund_window(
    conn: &mut DbConnection,
    building: &BuildingRow,
    category: WarrantyCategory,
    seasons: &SeasonSettings,
) -> AppResult<Option<(NaiveDate, NaiveDate)>> {
    let expiry = building.handover_date.and_then(|handover| {
        let warranty = BuildingWarranty::of_building(handover, building.design_life_years);
        coverage::warranty_until(category, &warranty, seasons).map(|c| c.last_day).ok()
    });
    if building.handover_date.is_none() {
        return Ok(None);
    }
    Ok(fund::refund_window(expiry, db::first_deposit_date(conn, &building.id)?))
}

/// Refunds a category's balance to the developer once its warranty has expired, unless held
/// (Art. 29-30): its share of principal plus interest, less what was paid out of it.
pub async fn refund(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
    req: RefundRequest,
) -> AppResult<BuildingFund> {
    let user = caller.clone();
    let building_id = id.to_string();
    let bank_reference = text(&req.bank_reference, "bank_reference", 100)?;
    let today = shanghai_date(Utc::now());
    if req.paid_on > today {
        return Err(AppError::invalid("paid_on"));
    }
    let seasons = ctx.rules.seasons;
    ctx.db
        .write(move |conn| {
            let (building, jurisdiction, _) = policy::building_in_scope(conn, &user, &building_id)?;
            let (last_day, due) = refund_window(conn, &building, req.category, &seasons)?
                .ok_or(AppError::new(Code::RefundNotDue))?;
            let held = db::holds_of(conn, &building_id)?
                .iter()
                .any(|h| h.category == req.category && h.lifted_at.is_none());
            fund::may_refund(req.paid_on, last_day, due, held).map_err(|e| match e {
                fund::FundError::OnHold => AppError::new(Code::RefundOnHold).detail(e.article().to_string()),
                _ => AppError::new(Code::RefundNotDue).detail(format!("{}: {}", e.article(), last_day)),
            })?;
            // A defect repaired again and again: the register's open or confirmed entry refuses it.
            if let Some(why) = recurrence::refund_refused_by(conn, &building_id, req.category)? {
                return Err(AppError::new(Code::RecurringDefectRegistered).detail(why));
            }
            let b = db::category_balance(conn, &building_id, req.category)?;
            // Art. 29: the category's share of principal plus interest, less what left it.
            let principal = b.deposits + b.late_fees - b.award_refunds;
            let outcome = fund::refund_amount(principal, b.interest, b.payouts + b.refunds);
            if outcome.amount == Money::ZERO {
                return Err(AppError::new(Code::NothingToRefund));
            }
            let reason = format!("refund (Art. 29) {bank_reference}");
            db::post(
                conn,
                &Posting {
                    jurisdiction: &jurisdiction,
                    building_id: &building_id,
                    kind: EntryKind::Refund,
                    entry_date: req.paid_on,
                    claim_id: None,
                    reason: &reason,
                    recorded_by: &user.id,
                },
                &[(req.category, outcome.amount)],
            )?;
            fund_view(conn, &building, building_id.clone(), &seasons)
        })
        .await
}

// ---- award refunds (Art. 9 iii) ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardRefundRequest {
    /// `national`, `provincial` or `municipal`.
    pub award: AwardLevel,
    /// The award document: the id of a file the caller uploaded.
    pub evidence_id: String,
    pub paid_on: NaiveDate,
    #[schema(max_length = 100)]
    pub bank_reference: String,
}

/// Refunds the points a quality award earns after the deposit (Art. 9 iii): the deposit before
/// minus the deposit with the award, which keeps the 1 % floor; shared out of the categories.
pub async fn award_refund(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
    req: AwardRefundRequest,
) -> AppResult<BuildingFund> {
    let user = caller.clone();
    let building_id = id.to_string();
    let evidence_id = parse_id(&req.evidence_id)?;
    let bank_reference = text(&req.bank_reference, "bank_reference", 100)?;
    if req.paid_on > shanghai_date(Utc::now()) {
        return Err(AppError::invalid("paid_on"));
    }
    let seasons = ctx.rules.seasons;
    ctx.db
        .write(move |conn| {
            let (building, jurisdiction, _) = policy::building_in_scope(conn, &user, &building_id)?;
            let mut notice = db::notice_of(conn, &building_id)?.ok_or(AppError::new(Code::NotFound))?;
            if notice.status != NoticeStatus::Paid {
                return Err(AppError::new(Code::StepOutOfOrder).detail("Art. 9"));
            }
            let before: ReductionsInput =
                serde_json::from_str(&notice.reductions).map_err(AppError::internal)?;
            if before.award.is_some() {
                return Err(AppError::new(Code::AlreadyExists).detail("Art. 9"));
            }
            let after = ReductionsInput { award: Some(req.award), ..before };
            let returned = deposit::refund_for_new_reduction(
                notice.class,
                Money::from_fen(notice.cost_fen),
                &before.domain(),
                &after.domain(),
            )
            .map_err(|e| AppError::invalid("award").detail(e.article().to_string()))?;
            if returned == Money::ZERO {
                return Err(AppError::new(Code::NothingToRefund).detail("Art. 9"));
            }
            let shares = ledger::shares(returned);
            let mut short = Money::ZERO;
            for (category, share) in &shares {
                let available = db::category_balance(conn, &building_id, *category)?.balance;
                match ledger::check_outflow(available, *share) {
                    Ok(()) => {}
                    Err(ledger::OutflowRefused::Short(s)) => short = short + s.shortfall,
                    Err(refused) => return Err(refused.into()),
                }
            }
            if short > Money::ZERO {
                return Err(AppError::new(Code::InsufficientBalance).detail(short.to_string()));
            }
            let reason = format!("award refund (Art. 9) {bank_reference}");
            db::post(
                conn,
                &Posting {
                    jurisdiction: &jurisdiction,
                    building_id: &building_id,
                    kind: EntryKind::AwardRefund,
                    entry_date: req.paid_on,
                    claim_id: None,
                    reason: &reason,
                    recorded_by: &user.id,
                },
                &shares,
            )?;
            notice.reductions = serde_json::to_string(&after).map_err(AppError::internal)?;
            db::save_notice(conn, &mut notice)?;
            files_db::require_own_files(conn, &user.id, [&evidence_id])?;
            db::add_evidence(conn, &notice.id, &evidence_id, "award")?;
            fund_view(conn, &building, building_id.clone(), &seasons)
        })
        .await
}
