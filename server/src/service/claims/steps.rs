//! The one place a lifecycle step is applied: load the claim the caller may see, check the version
//! they saw, ask the state machine (`domain::lifecycle`), start the clocks the step starts, record
//! the step's own data, save, audit, and tell whoever must hear of it.
//!
//! The steps that carry nothing but a note are [`SimpleStep`]s; the others (the developer's
//! answer, the inspection, approval, rejection, plans) have a command of their own here, and the
//! cost-sheet and payout steps live in their own modules.

use baoxiu_sync_protocol::cost_sheet::{check_budget, check_line_count, total, LineKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::notices::{self, Event};
use super::view::{claim_page, ClaimPage};
use crate::db::claims::{self as db, ClaimRow};
use crate::db::registry as reg;
use crate::db::{files as files_db, DbConnection};
use crate::domain::deadlines::{self, Clock};
use crate::domain::evidence::EvidenceKind;
use crate::domain::ids::ClaimId;
use crate::domain::lifecycle::{Action, RejectionReason, StepName};
use crate::domain::registry::OrgKind;
use crate::domain::rules::RuleSettings;
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Hint};
use crate::service::policy::{self, Caller};
use crate::service::Context;
use crate::service::{optional_text, parse_id, text};

/// What a step records of its own beyond the state change, run on the claim before it is saved.
pub(super) type Extra = Box<dyn FnOnce(&mut DbConnection, &mut ClaimRow) -> AppResult<()> + Send>;

pub(super) fn no_extra() -> Extra {
    Box::new(|_, _| Ok(()))
}

/// Takes one lifecycle step on a claim in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(super) fn apply_step(
    conn: &mut DbConnection,
    caller: &Caller,
    claim_id: &str,
    action: Action,
    expected_version: Option<i32>,
    rules: &RuleSettings,
    at: DateTime<Utc>,
    detail: serde_json::Value,
    extra: Extra,
) -> AppResult<ClaimRow> {
    let mut row = policy::visible_claim(conn, caller, claim_id)?;
    if let Some(expected) = expected_version {
        if expected != row.version {
            return Err(AppError::new(Code::StaleVersion).detail(row.version.to_string()));
        }
    }
    let before = row.state;
    let repaired_before = row.cost_sheet_received_at.is_some();
    let today = deadlines::shanghai_date(at);
    // What the state machine must know that only the claim's stored clocks say (Art. 17).
    let action = match action {
        Action::DeveloperSilent { .. } => Action::DeveloperSilent {
            reply_period_over: deadlines::period_over(row.developer_reply_due_on, today),
        },
        other => other,
    };
    if action.by_repair_unit() {
        policy::require_designated_unit(caller, &row)?;
    }
    if action.by_applicant() {
        policy::require_applicant(caller, &row, Some("Art. 22"))?;
    }
    let next = row.machine().apply(action, caller.role).map_err(|refusal| {
        let rule = refusal.article().to_string();
        AppError::from(refusal).standing(
            rule,
            row.state.as_str(),
            row.machine().possible_steps().into_iter().map(StepName::as_str).collect(),
        )
    })?;
    let due = |clock| deadlines::due(clock, at, rules.day_count, &rules.calendar).map_err(AppError::internal);
    match action {
        Action::AskDeveloper => {
            row.developer_reply_due_on =
                Some(today + chrono::Duration::days(i64::from(rules.developer_reply_days)));
        }
        // The testing agency's finding is due within the configured days (Art. 24).
        Action::DeveloperDisputes => {
            row.inspection_due_on = Some(today + chrono::Duration::days(i64::from(rules.inspection_days)));
        }
        // The bureau receives the cost sheet: the 20-day payout clock starts (Art. 23). On the
        // emergency path that happens when the claim is approved.
        Action::SubmitCostSheet { .. } | Action::Approve
            if next.state == crate::domain::lifecycle::ClaimState::CostSheetSubmitted =>
        {
            row.cost_sheet_received_at = Some(at.naive_utc());
            row.payout_due_on = Some(due(Clock::Payout)?.due_on);
        }
        // Settlement starts the 30-day usage-notice clock (Art. 26): the payout's own step sets it
        // from the payment date.
        _ => {}
    }
    row.rejection_reason = next.rejection;
    row.plan_approved = next.plan_approved;
    row.cost_sheet_signed = next.cost_sheet_signed;
    row.cost_sheet_verified = next.cost_sheet_verified;
    row.refresh_queue_fields(next.state);
    extra(conn, &mut row)?;
    db::save_step(conn, &mut row)?;
    db::append_audit(conn, &row.id, &caller.actor(None), action.name(), Some(before), row.state, detail)?;
    // The repair is complete: is the defect now one the Art. 30 register must hold?
    if !repaired_before && row.cost_sheet_received_at.is_some() {
        crate::service::recurrence::on_repair(conn, &row, rules.recurrence.of(&row.jurisdiction), at)?;
    }
    notify_after_step(conn, &row, action, &caller.id)?;
    Ok(row)
}

/// Tells the claim's parties of the step, by the notification table (`notices::Event`).
fn notify_after_step(conn: &mut DbConnection, row: &ClaimRow, action: Action, actor: &str) -> AppResult<()> {
    let sheet = db::latest_cost_sheet(conn, &row.id)?;
    let cut = action == Action::Verify
        && sheet
            .as_ref()
            .and_then(|s| s.approved_total_fen.map(|approved| approved < s.total_fen))
            .unwrap_or(false);
    let to_unit =
        action == Action::Pay && db::payout_of(conn, &row.id)?.is_some_and(|p| p.payee == "repair_unit");
    let params = notices::step_params(row, sheet.as_ref());
    notices::tell(conn, row, Event::of_step(action, cut, to_unit), actor, params)?;
    Ok(())
}

/// Takes one step in its own transaction and answers with the claim's page as the caller sees it.
pub(super) async fn run(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    action: Action,
    version: Option<i32>,
    detail: serde_json::Value,
    extra: Extra,
) -> AppResult<ClaimPage> {
    let id = id.to_string();
    let caller = caller.clone();
    let rules = ctx.rules.clone();
    ctx.db
        .write(move |conn| {
            apply_step(conn, &caller, &id, action, version, &rules, Utc::now(), detail, extra)?;
            claim_page(conn, &caller, &id)
        })
        .await
}

// ---- steps that carry a note ----

/// The version of the claim the caller saw, and an optional note for the timeline.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "已电话告知开发建设单位"}))]
pub struct StepRequest {
    pub version: Option<i32>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The steps that carry nothing but the caller's note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimpleStep {
    /// The bureau asks the developer to repair or answer (Art. 21).
    AskDeveloper,
    /// The developer did not answer by its reply date (Art. 17).
    DeveloperSilent,
    /// The developer repaired; the claim closes without the fund (Art. 17).
    DeveloperRepaired,
    /// The developer undertook to repair but did not (Art. 17).
    DeveloperDefaulted,
    /// The repair unit starts work on an approved plan (Art. 22).
    StartRepair,
    /// The bureau sends the cost sheet back.
    ReturnCostSheet,
    /// The bureau tells the developer what was used (Art. 26).
    NotifyDeveloper,
}

impl SimpleStep {
    fn action(self) -> Action {
        match self {
            SimpleStep::AskDeveloper => Action::AskDeveloper,
            SimpleStep::DeveloperSilent => Action::DeveloperSilent { reply_period_over: false },
            SimpleStep::DeveloperRepaired => Action::DeveloperRepaired,
            SimpleStep::DeveloperDefaulted => Action::DeveloperDefaulted,
            SimpleStep::StartRepair => Action::StartRepair,
            SimpleStep::ReturnCostSheet => Action::ReturnCostSheet,
            SimpleStep::NotifyDeveloper => Action::NotifyDeveloper,
        }
    }
}

fn note(note: Option<&str>) -> AppResult<serde_json::Value> {
    Ok(json!({ "note": optional_text(note, "note", 2000)? }))
}

/// Takes a step that carries only a note.
pub async fn simple(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    step: SimpleStep,
    req: StepRequest,
) -> AppResult<ClaimPage> {
    let detail = note(req.note.as_deref())?;
    run(ctx, caller, id, step.action(), req.version, detail, no_extra()).await
}

// ---- the developer's answer ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum DeveloperAnswer {
    /// The developer will repair (Art. 17).
    WillRepair,
    /// The developer disputes liability and commissions a testing agency (Art. 24).
    Dispute,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reply": "will_repair", "repair_by": "2026-12-20", "note": "本周内安排维修"}))]
pub struct DeveloperReply {
    pub version: Option<i32>,
    pub reply: DeveloperAnswer,
    /// With `will_repair`: the day the repair will be done by, at most `developer_repair_days`
    /// ahead (the default). Past it the claim returns to the bureau (Art. 17).
    pub repair_by: Option<NaiveDate>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The developer's answer: repair, or dispute (Art. 17, 24).
pub async fn developer_reply(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: DeveloperReply,
) -> AppResult<ClaimPage> {
    let today = deadlines::shanghai_date(Utc::now());
    let latest = today + chrono::Duration::days(i64::from(ctx.rules.developer_repair_days));
    let (action, repair_by) = match (req.reply, req.repair_by) {
        (DeveloperAnswer::WillRepair, None) => (Action::DeveloperWillRepair, Some(latest)),
        (DeveloperAnswer::WillRepair, Some(by)) if by >= today && by <= latest => {
            (Action::DeveloperWillRepair, Some(by))
        }
        (DeveloperAnswer::WillRepair, Some(_)) => {
            return Err(AppError::invalid("repair_by").detail(format!("repair_by: {today}..{latest}")))
        }
        (DeveloperAnswer::Dispute, None) => (Action::DeveloperDisputes, None),
        (DeveloperAnswer::Dispute, Some(_)) => return Err(AppError::invalid("repair_by")),
    };
    let note = optional_text(req.note.as_deref(), "note", 2000)?;
    let detail = json!({"note": note, "repair_by": repair_by});
    let extra: Extra = Box::new(move |_, row| {
        if repair_by.is_some() {
            row.repair_due_on = repair_by;
        }
        Ok(())
    });
    run(ctx, caller, id, action, req.version, detail, extra).await
}

// ---- the developer cannot repair ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "开发建设单位已注销", "evidence_id": "0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e"}))]
pub struct DeveloperUnableRequest {
    pub version: Option<i32>,
    /// Why: closed down, bankrupt, deregistered.
    #[schema(max_length = 2000)]
    pub reason: String,
    /// The document that shows it (the deregistration notice, the bankruptcy ruling): the id of a
    /// file the reviewer uploaded.
    pub evidence_id: String,
}

/// The bureau records that the developer cannot repair, with the evidence, without waiting for
/// its reply period (Art. 17).
pub async fn developer_unable(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: DeveloperUnableRequest,
) -> AppResult<ClaimPage> {
    let reason = text(&req.reason, "reason", 2000)?;
    let evidence = parse_id(&req.evidence_id)?;
    let detail = json!({"reason": reason, "evidence_id": evidence});
    let by = caller.id.clone();
    let extra: Extra = Box::new(move |conn, row| {
        files_db::require_own_files(conn, &by, [&evidence])?;
        db::attach_evidence(conn, &row.id, &evidence, EvidenceKind::DeveloperStatus.as_str(), &by)
            .map_err(AppError::from)
    });
    run(ctx, caller, id, Action::DeveloperUnable, req.version, detail, extra).await
}

// ---- the inspection ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionResult {
    pub version: Option<i32>,
    pub developer_liable: bool,
    /// The testing agency's report: the id of a file the reviewer uploaded.
    pub report_evidence_id: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The testing agency's finding (Art. 24), with its report attached as evidence.
pub async fn inspection(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: InspectionResult,
) -> AppResult<ClaimPage> {
    let report = req.report_evidence_id.as_deref().map(parse_id).transpose()?;
    let note = optional_text(req.note.as_deref(), "note", 2000)?;
    let detail =
        json!({"developer_liable": req.developer_liable, "report_evidence_id": report, "note": note});
    let by = caller.id.clone();
    let (liable, finding) = (req.developer_liable, note.clone());
    let extra: Extra = Box::new(move |conn, row| {
        // Not liable: the claim is refused on the agency's finding, which the applicant reads.
        if !liable {
            row.rejection_note = finding;
        }
        match &report {
            Some(report) => {
                files_db::require_own_files(conn, &by, [report])?;
                db::attach_evidence(conn, &row.id, report, "inspection_report", &by).map_err(AppError::from)
            }
            None => Ok(()),
        }
    });
    let action = Action::InspectionFound { developer_liable: req.developer_liable };
    run(ctx, caller, id, action, req.version, detail, extra).await
}

// ---- the bureau's decision ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"repair_unit_id": "0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e", "note": "同意使用保修金维修"}))]
pub struct ApproveRequest {
    pub version: Option<i32>,
    /// The repair unit to designate: a repair unit or the property manager (Art. 21). Not used on
    /// the emergency path, where the repair is done.
    pub repair_unit_id: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The bureau decides to use the fund (Art. 21), designating the repair unit on the standard path.
pub async fn approve(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: ApproveRequest,
) -> AppResult<ClaimPage> {
    let unit = req.repair_unit_id.as_deref().map(parse_id).transpose()?;
    let note = optional_text(req.note.as_deref(), "note", 2000)?;
    let detail = json!({"repair_unit_id": unit, "note": note});
    let extra: Extra = Box::new(move |conn, row| {
        match (row.kind.as_str(), unit) {
            ("standard", Some(unit)) => {
                let org = reg::find_organisation(conn, &policy::registry_lookup(), &unit)
                    .map_err(|_| AppError::invalid("repair_unit_id"))?;
                if org.kind != OrgKind::RepairUnit && org.kind != OrgKind::PropertyManager {
                    return Err(AppError::invalid("repair_unit_id"));
                }
                row.repair_unit_id = Some(unit);
            }
            ("standard", None) => return Err(AppError::invalid("repair_unit_id")),
            (_, Some(_)) => return Err(AppError::invalid("repair_unit_id")),
            (_, None) => {}
        }
        Ok(())
    });
    run(ctx, caller, id, Action::Approve, req.version, detail, extra).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    pub version: Option<i32>,
    pub reason: RejectionReason,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The bureau refuses the claim with a coded reason naming its article.
pub async fn reject(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: RejectRequest,
) -> AppResult<ClaimPage> {
    let note = optional_text(req.note.as_deref(), "note", 2000)?;
    let detail = json!({"reason": req.reason, "article": req.reason.article().to_string(), "note": note});
    let extra: Extra = Box::new(move |_, row| {
        row.rejection_note = note;
        Ok(())
    });
    run(ctx, caller, id, Action::Reject { reason: req.reason }, req.version, detail, extra).await
}

// ---- plans ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub version: Option<i32>,
    #[schema(max_length = 4000)]
    pub description: String,
    pub budget: baoxiu_sync_protocol::Money,
    /// The budget line by line; their budgets add up to `budget`. Each cost-sheet line that
    /// carries out one of them names it (`plan_line`) and is measured against its budget.
    #[serde(default)]
    pub lines: Vec<PlanLineInput>,
}

/// One line of a plan's budget (Art. 22).
#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct PlanLineInput {
    /// material, labour, machinery or other.
    #[schema(value_type = crate::service::claims::filing::LineKindName)]
    pub kind: LineKind,
    pub description: String,
    /// Unit of measure, e.g. m², 工日.
    pub unit: String,
    pub budget: baoxiu_sync_protocol::Money,
}

/// A plan's budget lines, checked: within the cost-sheet bounds, and adding up to the plan's
/// budget exactly (checked arithmetic).
fn plan_lines(inputs: &[PlanLineInput], budget: baoxiu_sync_protocol::Money) -> AppResult<Vec<db::PlanLine>> {
    if inputs.is_empty() {
        return Ok(Vec::new());
    }
    check_line_count(inputs.len()).map_err(|e| AppError::invalid("lines").detail(e.to_string()))?;
    let lines = inputs
        .iter()
        .map(|l| {
            let budget = check_budget(l.budget).map_err(|_| AppError::invalid("lines.budget"))?;
            Ok(db::PlanLine {
                kind: l.kind.as_str().to_string(),
                description: text(&l.description, "lines.description", 200)?,
                unit: text(&l.unit, "lines.unit", 20)?,
                budget_fen: budget.to_fen(),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let sum = total(inputs.iter().map(|l| l.budget)).map_err(|_| AppError::invalid("lines.budget"))?;
    if sum != budget {
        return Err(AppError::invalid("lines")
            .detail(format!("{sum} ≠ {budget}"))
            .hint(Hint::PlanLinesAddUp));
    }
    Ok(lines)
}

/// The designated repair unit submits its plan and budget (Art. 22).
pub async fn submit_plan(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: PlanRequest,
) -> AppResult<ClaimPage> {
    let description = text(&req.description, "description", 4000)?;
    if req.budget.is_negative() {
        return Err(AppError::invalid("budget"));
    }
    let lines = plan_lines(&req.lines, req.budget)?;
    let budget = req.budget.to_fen();
    let by = caller.id.clone();
    let detail = json!({"budget": req.budget, "lines": lines.len()});
    let extra: Extra = Box::new(move |conn, row| {
        db::insert_plan(conn, &row.id, &description, (budget, &lines), &by)
            .map(|_| ())
            .map_err(AppError::from)
    });
    run(ctx, caller, id, Action::SubmitPlan, req.version, detail, extra).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum PlanDecision {
    Approve,
    Return,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDecisionRequest {
    pub version: Option<i32>,
    pub decision: PlanDecision,
    /// Required when returning the plan.
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

/// The bureau approves the plan and budget, or returns it with comments (Art. 22).
pub async fn decide_plan(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: PlanDecisionRequest,
) -> AppResult<ClaimPage> {
    let comment = optional_text(req.comment.as_deref(), "comment", 2000)?;
    let (action, decision) = match req.decision {
        PlanDecision::Approve => (Action::ApprovePlan, "approved"),
        PlanDecision::Return if comment.is_none() => return Err(AppError::invalid("comment")),
        PlanDecision::Return => (Action::ReturnPlan, "returned"),
    };
    let by = caller.id.clone();
    let detail = json!({"decision": decision, "comment": comment});
    let extra: Extra = Box::new(move |conn, row| {
        db::decide_plan(conn, &row.id, decision, comment.as_deref(), &by).map_err(AppError::from)
    });
    run(ctx, caller, id, action, req.version, detail, extra).await
}
