//! Paying a verified cost sheet (Art. 23): from the claim's category of its building's fund, to the
//! applicant or the repair unit, with a shortfall recorded against the developer when the fund
//! cannot cover it.

use baoxiu_sync_protocol::Money;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::steps::{run, Extra};
use super::view::ClaimPage;
use crate::db::accounts::now;
use crate::db::claims::{self as db, ClaimRow, PayoutRow};
use crate::db::{fund, DbConnection};
use crate::domain::deadlines::{self, shanghai_date, Clock};
use crate::domain::ids::ClaimId;
use crate::domain::ledger::{self, EntryKind, OutflowRefused};
use crate::domain::lifecycle::{Action, ClaimKind, ClaimState};
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Hint};
use crate::service::policy::{self, Caller};
use crate::service::text;
use crate::service::Context;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Payee {
    Applicant,
    RepairUnit,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"payee": "repair_unit", "paid_on": "2026-12-06", "bank_reference": "ICBC-20261206-0001"}))]
pub struct PayRequest {
    pub version: Option<i32>,
    /// The applicant (always, on the emergency path) or the repair unit (Art. 23).
    pub payee: Payee,
    pub paid_on: NaiveDate,
    #[schema(max_length = 100)]
    pub bank_reference: String,
}

/// The bureau records the transfer of the approved total (Art. 23); the usage-notice clock starts
/// (Art. 26).
pub async fn pay(ctx: &Context, caller: &Caller, id: &ClaimId, req: PayRequest) -> AppResult<ClaimPage> {
    let bank_reference = text(&req.bank_reference, "bank_reference", 100)?;
    let today = shanghai_date(Utc::now());
    if req.paid_on > today {
        return Err(AppError::invalid("paid_on"));
    }
    let rules = ctx.rules.clone();
    let payee = match req.payee {
        Payee::Applicant => "applicant",
        Payee::RepairUnit => "repair_unit",
    };
    // The fund must cover the payout from the claim's category. If it cannot, the shortfall is
    // recorded against the developer (committed on its own) and the payment refused.
    let claim_id = id.to_string();
    let (probe_id, who) = (claim_id.clone(), caller.clone());
    let shortfall = ctx
        .db
        .write(move |conn| {
            let claim = policy::visible_claim(conn, &who, &probe_id)?;
            if claim.state != ClaimState::Verified {
                return Ok::<_, AppError>(None);
            }
            let Some(amount) = db::latest_cost_sheet(conn, &claim.id)?.and_then(|s| s.approved_total_fen)
            else {
                return Ok(None);
            };
            let amount = Money::from_fen(amount);
            let available = available_for(conn, &claim)?;
            match ledger::check_outflow(available, amount) {
                Ok(()) => Ok(None),
                Err(refused @ OutflowRefused::Negative(_)) => Err(refused.into()),
                Err(OutflowRefused::Short(short)) => {
                    fund::record_shortfall(
                        conn,
                        &claim.id,
                        &claim.building_id,
                        &claim.developer_id,
                        claim.category.as_str(),
                        short.shortfall,
                    )?;
                    Ok(Some(short.shortfall))
                }
            }
        })
        .await?;
    if let Some(short) = shortfall {
        return Err(AppError::new(Code::InsufficientBalance).detail(short.to_string()));
    }
    let by = caller.id.clone();
    let paid_on = req.paid_on;
    let detail = json!({"payee": payee, "paid_on": paid_on, "bank_reference": bank_reference});
    let extra: Extra = Box::new(move |conn, row| {
        if row.kind == ClaimKind::EmergencyAdvance && payee != "applicant" {
            return Err(AppError::invalid("payee").hint(Hint::EmergencyPaysTheApplicant));
        }
        let sheet = db::latest_cost_sheet(conn, &row.id)?.ok_or(AppError::new(Code::NotFound))?;
        let amount = sheet.approved_total_fen.ok_or(AppError::new(Code::StepOutOfOrder).detail("Art. 23"))?;
        let received =
            row.cost_sheet_received_at.ok_or(AppError::new(Code::StepOutOfOrder).detail("Art. 23"))?;
        deadlines::check_settlement(paid_on, shanghai_date(received.and_utc()), today)
            .map_err(|_| AppError::invalid("paid_on"))?;
        // The usage notice is due 30 days after the money moved, however late it was entered (Art. 26).
        let notice = deadlines::due_from(Clock::UsageNotice, paid_on, rules.day_count, &rules.calendar)
            .map_err(AppError::internal)?;
        row.usage_notice_due_on = Some(notice.due_on);
        row.refresh_queue_fields(row.state);
        // Checked again inside the transaction: another payout may have landed meanwhile.
        let available = available_for(conn, row)?;
        ledger::check_outflow(available, Money::from_fen(amount))?;
        fund::post(
            conn,
            &fund::Posting {
                jurisdiction: &row.jurisdiction,
                building_id: &row.building_id,
                kind: EntryKind::Payout,
                entry_date: paid_on,
                claim_id: Some(&row.id),
                reason: "payout (Art. 23)",
                recorded_by: &by,
            },
            &[(row.category, Money::from_fen(amount))],
        )?;
        db::insert_payout(
            conn,
            &PayoutRow {
                claim_id: row.id.clone(),
                amount_fen: amount,
                payee: payee.into(),
                paid_on,
                bank_reference,
                cost_sheet_id: sheet.id,
                recorded_by: by,
                recorded_at: now(),
            },
        )
        .map_err(AppError::from)
    });
    run(ctx, caller, id, Action::Pay, req.version, detail, extra).await
}

/// What the claim's category of its building's fund holds.
fn available_for(conn: &mut DbConnection, claim: &ClaimRow) -> AppResult<Money> {
    Ok(fund::category_balance(conn, &claim.building_id, claim.category)?.balance)
}
