//! The repair cost sheet 维修费用清单 (Art. 22): revisions recorded by the repair unit, the
//! applicant's signature on one exact revision, its submission to the bureau, and the bureau's
//! verdict on every line.

use baoxiu_sync_protocol::Money;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::filing::{priced_lines, LineInput};
use super::steps::{run, Extra};
use super::view::{claim_page, ClaimPage};
use crate::db::claims::{self as db, Actor, ClaimRow};
use crate::db::{notify, DbConnection};
use crate::domain::defects::Kind;
use crate::domain::ids::ClaimId;
use crate::domain::lifecycle::{Act, Action, ClaimState};
use crate::domain::signing::{self, Signer, Signing};
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Hint, Notice};
use crate::service::policy::{self, Caller};
use crate::service::Context;
use crate::service::{optional_text, text};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"lines": [{"kind": "material", "description": "聚氨酯防水涂料", "unit": "m²", "quantity": "10", "unit_price": "40.00", "plan_line": 1}, {"kind": "labour", "description": "防水施工", "unit": "工日", "quantity": "3", "unit_price": "300.00", "plan_line": 2}]}))]
pub struct CostSheetRequest {
    /// The latest revision the author saw; none for the first. Otherwise `stale_version` with the
    /// current revision.
    pub parent_revision: Option<i32>,
    pub lines: Vec<LineInput>,
}

/// The repair unit records a new cost-sheet revision (Art. 22); the applicant is asked to sign it.
pub async fn add_revision(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: CostSheetRequest,
) -> AppResult<ClaimPage> {
    let id = id.to_string();
    let mut lines = priced_lines(&req.lines)?;
    let carried: Vec<(Option<i32>, Option<Money>)> =
        req.lines.iter().map(|l| (l.plan_line, l.budget)).collect();
    let parent = req.parent_revision;
    let caller = caller.clone();
    ctx.db
        .write(move |conn| {
            let scope = policy::claim_scope(conn, &caller)?;
            db::lock_claims(conn, &[&id])?;
            let claim = db::find_claim(conn, &scope, &id)?;
            policy::require_designated_unit(&caller, &claim)?;
            if claim.state != ClaimState::InRepair {
                return Err(AppError::new(Code::StepOutOfOrder).detail("Art. 22"));
            }
            carry_plan_budgets(conn, &id, &mut lines, &carried)?;
            let sheet = db::insert_cost_sheet(conn, &id, parent, lines, &caller.id)?;
            let added = [(&claim, &sheet)];
            db::insert_audits(conn, revision_audits(&caller.actor(None), &added))?;
            request_signatures(conn, &added)?;
            claim_page(conn, &caller, &id)
        })
        .await
}

/// Gives each line that names a line of the approved plan (`plan_line`) that line's budget, so
/// that budget and actual compare like with like, line by line and in total (Art. 22). A line
/// may repeat the plan's budget but not state another one.
fn carry_plan_budgets(
    conn: &mut DbConnection,
    claim_id: &str,
    lines: &mut [db::LineRow],
    carried: &[(Option<i32>, Option<Money>)],
) -> AppResult<()> {
    if carried.iter().all(|(plan_line, _)| plan_line.is_none()) {
        return Ok(());
    }
    let refused = |i: usize| {
        AppError::invalid("lines.plan_line")
            .detail(format!("line {}", i + 1))
            .hint(Hint::NameAnApprovedPlanLine)
    };
    let plan = db::approved_plan(conn, claim_id)?.map(|p| p.budget_lines()).transpose()?.unwrap_or_default();
    for (i, (line, (plan_line, budget))) in lines.iter_mut().zip(carried).enumerate() {
        let Some(n) = plan_line else { continue };
        let planned = usize::try_from(*n)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| plan.get(n))
            .ok_or_else(|| refused(i))?;
        if budget.is_some_and(|b| b.to_fen() != planned.budget_fen) {
            return Err(refused(i));
        }
        line.budget_fen = planned.budget_fen;
    }
    Ok(())
}

/// The audit entries that record new cost-sheet revisions in their claims' trails.
pub(crate) fn revision_audits(
    actor: &Actor,
    revisions: &[(&ClaimRow, &db::CostSheetRow)],
) -> Vec<db::NewAudit> {
    revisions
        .iter()
        .map(|(claim, sheet)| {
            let total = Money::from_fen(sheet.total_fen);
            let detail = json!({"revision": sheet.revision, "total": total, "hash": sheet.revision_hash, "conflict": sheet.conflict});
            let state = Some(claim.state);
            db::NewAudit::new(&claim.id, actor, Act::CostSheetRevision, state, claim.state, detail)
        })
        .collect()
}

/// Asks each applicant to sign their claim's new revision, in a fixed number of statements however
/// many revisions there are.
pub(crate) fn request_signatures(
    conn: &mut DbConnection,
    revisions: &[(&ClaimRow, &db::CostSheetRow)],
) -> AppResult<()> {
    let asks: Vec<(String, serde_json::Value)> = revisions
        .iter()
        .map(|(_, sheet)| {
            let total = Money::from_fen(sheet.total_fen);
            (sheet.revision.to_string(), json!({"revision": sheet.revision, "total": total}))
        })
        .collect();
    let notices: Vec<notify::Notify<'_>> = revisions
        .iter()
        .zip(&asks)
        .map(|((claim, _), (key, params))| notify::Notify {
            notice: Notice::SignatureRequested,
            claim_id: Some(&claim.id),
            work_order_id: None,
            key,
            params: params.clone(),
        })
        .collect();
    let to: Vec<(&str, &notify::Notify<'_>)> =
        revisions.iter().zip(&notices).map(|((claim, _), n)| (claim.applicant_id.as_str(), n)).collect();
    notify::notify_all(conn, &to)?;
    Ok(())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// Required: the revision's canonical hash as the signer was shown it (Art. 22: the applicant
    /// signs *that* sheet). Without it the request is refused (400 naming `revision_hash`); if the
    /// revision is not that one any more, `stale_version`, naming the latest revision.
    #[schema(required = true)]
    pub revision_hash: Option<String>,
    /// The signer's drawn signature, an image they uploaded (`POST /files`), kept with it.
    pub signature_file_id: Option<String>,
}

/// The applicant signs one exact cost-sheet revision (签章确认, Art. 22). Only the applicant may,
/// only the latest revision, and a signed revision never changes. A revision signed in person on
/// the technician's phone is confirmed instead: the applicant's own act beside the witness's.
pub async fn sign(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    revision: i32,
    req: SignRequest,
) -> AppResult<ClaimPage> {
    let id = id.to_string();
    let caller = caller.clone();
    let drawing = req.signature_file_id.as_deref().map(crate::service::parse_id).transpose()?;
    // A signature without the hash it was shown would sign whatever revision is latest, one
    // recorded after the owner looked included.
    let shown = req
        .revision_hash
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| AppError::invalid("revision_hash"))?;
    ctx.db
        .write(move |conn| {
            let claim = policy::visible_claim(conn, &caller, &id)?;
            let latest = db::latest_cost_sheet(conn, &id)?;
            let signing = signing::decide(&signing::Attempt {
                signer: Signer::Applicant { is_applicant: claim.applicant_id == caller.id },
                state: claim.state,
                revision: Some(revision),
                shown: &shown,
                latest: latest.as_ref().map(db::CostSheetRow::as_signed),
            })?;
            let latest = latest.ok_or(AppError::new(Code::NotFound))?;
            let drawn = match &drawing {
                Some(file) => {
                    crate::db::files::require_own_files(conn, &caller.id, [file])?;
                    let (_, blob) = crate::db::files::file(conn, file)?;
                    if !blob.media_type.starts_with("image/") {
                        return Err(AppError::invalid("signature_file_id"));
                    }
                    // Signing a signed revision again changes nothing, and checks nothing.
                    if signing != Signing::AlreadySigned {
                        signing::fresh_drawing(&db::drawing_hashes(conn, &id)?, &blob.sha256)?;
                    }
                    Some(blob.sha256)
                }
                None => None,
            };
            let how = db::Signing::Own { drawing: drawing.clone() };
            let (sheet, action) = record_signing(conn, signing, latest, &caller.id, how)?;
            // The timeline keeps what was signed: the revision's hash and the drawing's bytes.
            let detail = json!({
                "revision": sheet.revision,
                "total": Money::from_fen(sheet.total_fen),
                "hash": sheet.revision_hash,
                "signature_file_id": drawing,
                "signature_sha256": drawn,
            });
            db::append_audit(conn, &id, &caller.actor(None), action, Some(claim.state), claim.state, detail)?;
            claim_page(conn, &caller, &id)
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "这不是我的签名：那天我不在家。"}))]
pub struct DisputeSignatureRequest {
    pub version: Option<i32>,
    /// Why the applicant says it is not their signature (at most 500 characters).
    #[schema(max_length = 500)]
    pub reason: String,
}

/// The applicant disputes the signature a technician recorded in person on revision `revision`,
/// before the bureau verifies it: the signature stops counting, a submitted sheet goes back to the
/// repair unit, the dispute is on the timeline, and the witness is told (Art. 22).
pub async fn dispute_signature(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    revision: i32,
    req: DisputeSignatureRequest,
) -> AppResult<ClaimPage> {
    let reason = text(&req.reason, "reason", 500)?;
    let detail = json!({"revision": revision, "reason": reason});
    let extra: Extra = Box::new(move |conn, row| {
        let sheet = latest_is(conn, &row.id, revision)?;
        let witness = match (&sheet.witnessed_by, sheet.is_signed()) {
            (Some(witness), true) => witness.clone(),
            _ => return Err(AppError::new(Code::StepOutOfOrder).detail("not signed in person")),
        };
        db::dispute_signature(conn, &sheet, &reason)?;
        let key = sheet.revision.to_string();
        let notice = notify::Notify {
            notice: Notice::SignatureDisputed,
            claim_id: Some(&row.id),
            work_order_id: None,
            key: &key,
            params: json!({"revision": sheet.revision}),
        };
        notify::notify(conn, &[witness], &notice)?;
        Ok(())
    });
    run(ctx, caller, id, Action::DisputeSignature, req.version, detail, extra).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"revision": 1}))]
pub struct SubmitCostSheetRequest {
    pub version: Option<i32>,
    /// The revision being handed in: the latest, signed by the applicant.
    pub revision: i32,
    /// What the repair found: the cause, a code of the defect code list (`GET /defect-codes`,
    /// `causes`), and the solution; the repair unit's page asks for both.
    #[schema(example = "workmanship")]
    #[serde(default)]
    pub cause: Option<String>,
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub solution: Option<String>,
}

/// Records on the latest revision what `domain::signing::decide` decided, for the applicant: the
/// signature given `how`, or their confirmation of one a technician witnessed; a sheet already
/// signed stays as it is. With the timeline's name for it. The web, the API and the phone share it.
pub(crate) fn record_signing(
    conn: &mut DbConnection,
    decided: Signing,
    latest: db::CostSheetRow,
    applicant: &str,
    how: db::Signing,
) -> AppResult<(db::CostSheetRow, Act)> {
    Ok(match decided {
        Signing::Sign => (db::sign_latest(conn, latest, applicant, how)?, Act::CostSheetSigned),
        Signing::ConfirmInPerson => {
            (db::confirm_in_person(conn, &latest, applicant)?, Act::InPersonSignatureConfirmed)
        }
        Signing::AlreadySigned => (latest, Act::CostSheetSigned),
    })
}

/// The latest revision, if it is `revision`; otherwise `stale_version` naming the latest.
fn latest_is(conn: &mut DbConnection, claim_id: &str, revision: i32) -> AppResult<db::CostSheetRow> {
    match db::latest_cost_sheet(conn, claim_id)? {
        Some(sheet) if sheet.revision == revision => Ok(sheet),
        Some(sheet) => Err(AppError::new(Code::StaleVersion).detail(sheet.revision.to_string())),
        None => Err(AppError::new(Code::NotFound)),
    }
}

/// The repair unit hands the signed cost sheet to the bureau; the 20-day payout clock starts
/// (Art. 22-23).
pub async fn submit(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: SubmitCostSheetRequest,
) -> AppResult<ClaimPage> {
    let revision = req.revision;
    let solution = optional_text(req.solution.as_deref(), "solution", 2000)?;
    let cause = req.cause.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if cause.as_ref().is_some_and(|c| !ctx.rules.defect_codes.offers(Kind::Cause, c)) {
        return Err(AppError::invalid("cause"));
    }
    let (probe, who) = (id.to_string(), caller.clone());
    let signed = ctx
        .db
        .read(move |conn| {
            // Out of the caller's sight the claim does not exist: no revision count leaks out.
            policy::visible_claim(conn, &who, &probe)?;
            Ok::<_, AppError>(latest_is(conn, &probe, revision)?.is_signed())
        })
        .await?;
    // Checked again inside the step's transaction, so a revision added meanwhile cannot slip by.
    let extra: Extra = Box::new(move |conn, row| match latest_is(conn, &row.id, revision)? {
        sheet if sheet.is_signed() => {
            row.defect_cause = cause.or(row.defect_cause.take());
            row.defect_solution = solution.or(row.defect_solution.take());
            Ok(())
        }
        _ => Err(AppError::new(Code::StaleVersion).detail(revision.to_string())),
    });
    let action = Action::SubmitCostSheet { signed_by_applicant: signed };
    run(ctx, caller, id, action, req.version, json!({"revision": revision}), extra).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum LineDecision {
    Approved,
    Cut,
    Rejected,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineVerdict {
    pub line_no: i32,
    pub decision: LineDecision,
    /// For a cut line: the amount approved, less than the line's amount.
    pub approved_amount: Option<Money>,
    /// Required for a cut or rejected line.
    pub reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"revision": 1, "lines": [{"line_no": 1, "decision": "approved"}, {"line_no": 2, "decision": "cut", "approved_amount": "900.00", "reason": "人工按三个工日的信息价核定"}]}))]
pub struct VerifyRequest {
    pub version: Option<i32>,
    pub revision: i32,
    /// A verdict for every line.
    pub lines: Vec<LineVerdict>,
}

/// The bureau verifies the submitted cost sheet line by line: approve, cut with a reason, or
/// reject with a reason. The payout will be the approved total (Art. 23).
pub async fn verify(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: VerifyRequest,
) -> AppResult<ClaimPage> {
    let by = caller.id.clone();
    let revision = req.revision;
    let verdicts = req.lines;
    let extra: Extra = Box::new(move |conn, row| {
        let sheet = latest_is(conn, &row.id, revision)?;
        let lines = db::lines_of(conn, &sheet.id)?;
        if verdicts.len() != lines.len() {
            return Err(AppError::invalid("lines").hint(Hint::VerdictForEveryLine));
        }
        let mut decisions = Vec::new();
        for line in &lines {
            let verdict = verdicts.iter().find(|v| v.line_no == line.line_no).ok_or_else(|| {
                AppError::invalid("lines").detail(format!("no verdict for line {}", line.line_no))
            })?;
            let reason = optional_text(verdict.reason.as_deref(), "lines.reason", 500)?;
            let (decision, approved) = match verdict.decision {
                LineDecision::Approved => ("approved", line.amount_fen),
                LineDecision::Rejected if reason.is_some() => ("rejected", 0),
                LineDecision::Cut if reason.is_some() => {
                    let amount =
                        verdict.approved_amount.ok_or_else(|| AppError::invalid("lines.approved_amount"))?;
                    if amount.is_negative() || amount.to_fen() >= line.amount_fen {
                        return Err(AppError::invalid("lines.approved_amount"));
                    }
                    ("cut", amount.to_fen())
                }
                _ => return Err(AppError::invalid("lines.reason").hint(Hint::ReasonForCutOrRejection)),
            };
            decisions.push((line.line_no, decision.to_string(), approved, reason));
        }
        // One decision for each stored line, by its number: read from the lines themselves.
        db::record_verification(conn, &sheet, &decisions, &by)?;
        Ok(())
    });
    run(ctx, caller, id, Action::Verify, req.version, json!({"revision": revision}), extra).await
}
