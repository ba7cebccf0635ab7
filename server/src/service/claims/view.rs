//! What a caller sees of a claim: the claim with its clocks and the caller's next step, and the
//! claim's page with its timeline, plans, cost sheets, payout and evidence.

use baoxiu_sync_protocol::Money;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::claims::{self as db, ClaimRow, Progress, SignatureKind};
use crate::db::DbConnection;
use crate::domain::articles::Article;
use crate::domain::coverage::{PartLocation, WarrantyCategory};
use crate::domain::deadlines::{self, Clock};
use crate::domain::lifecycle::{ClaimKind, ClaimState, RejectionReason, WaitingOn};
use crate::domain::next_step::{NextStep, Party, Sheet, Situation, Step};
use crate::domain::registry::Role;
use crate::error::AppResult;
use crate::messages::{done_text, rejection_text, step_text, Lang};
use crate::service::policy::{self, Caller};
use crate::service::utc;

/// One legal clock on a claim: due when, days left, overdue by.
#[derive(Serialize, ToSchema)]
pub struct DeadlineView {
    /// `developer_reply` and `developer_repair` (Art. 17), `inspection` (Art. 24), `payout`
    /// (Art. 23) or `usage_notice` (Art. 26).
    pub clock: String,
    /// The article that sets it, e.g. `Art. 23`.
    pub article: Option<String>,
    pub due_on: NaiveDate,
    pub days_left: i64,
    pub overdue_by: i64,
    /// Whether the duty is done.
    pub met: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Rejection {
    pub reason: RejectionReason,
    pub article: String,
    /// The reason in words, in the caller's language.
    pub text: &'static str,
    pub note: Option<String>,
}

/// What a repair found.
#[derive(Serialize, ToSchema, Clone)]
pub struct FindingView {
    pub cause: Option<String>,
    pub cause_name: Option<String>,
    pub solution: Option<String>,
}

/// A claim's defect coding as stored, with the version of the code list it names.
#[derive(Serialize, ToSchema, Clone)]
pub struct DefectView {
    pub location: String,
    pub component: String,
    pub severity: String,
    pub codes_version: String,
    /// The location's, component's and severity's names, in the caller's language.
    pub location_name: String,
    pub component_name: String,
    pub severity_name: &'static str,
}

/// A defect code's name in `lang`, from the shipped list (the code itself where it does not know it).
pub(crate) fn code_name(kind: crate::domain::defects::Kind, code: &str, lang: Lang) -> String {
    let (zh, en) = crate::domain::defects::shipped().map_or((code, code), |list| list.names(kind, code));
    match lang {
        Lang::ZhCn => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

impl DefectView {
    fn new(
        location: String,
        component: String,
        severity: String,
        codes_version: String,
        lang: Lang,
    ) -> DefectView {
        use crate::domain::defects::Kind;
        DefectView {
            location_name: code_name(Kind::Location, &location, lang),
            component_name: code_name(Kind::Component, &component, lang),
            severity_name: crate::messages::severity_name(&severity, lang),
            location,
            component,
            severity,
            codes_version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClaimResponse {
    pub id: String,
    pub kind: ClaimKind,
    pub state: ClaimState,
    /// Whose move it is: bureau, developer, repair_unit, applicant or nobody.
    pub waiting_on: WaitingOn,
    /// Send this back as `version` with the next step; a mismatch answers `stale_version`.
    pub version: i32,
    pub jurisdiction: String,
    pub estate_id: String,
    pub building_id: String,
    pub unit_id: Option<String>,
    pub location: PartLocation,
    pub category: WarrantyCategory,
    pub location_detail: String,
    pub description: String,
    pub applicant_id: String,
    /// The applicant's name.
    pub applicant_name: Option<String>,
    /// The applicant's phone number: for the bureau, the designated repair unit and the applicant
    /// only (personal data).
    pub applicant_phone: Option<String>,
    /// The owners' elected representatives the property manager applied with, by name (Art. 20).
    pub owner_representatives: Option<String>,
    /// The defect's coding, once coded: location, component, severity and the code list's version.
    pub defect: Option<DefectView>,
    /// The open claim of the same defect this one duplicates (it counts once), or the completed
    /// repair it repeats (Art. 30).
    pub duplicate_of: Option<String>,
    pub repeat_of: Option<String>,
    /// What the repair found, once the repair unit handed the sheet in: the cause's code and name
    /// (in the caller's language) and the solution.
    pub finding: Option<FindingView>,
    pub repair_unit_id: Option<String>,
    pub warranty_last_day: NaiveDate,
    pub advanced_amount: Option<Money>,
    pub rejection: Option<Rejection>,
    pub deadlines: Vec<DeadlineView>,
    /// The step that is the caller's move, if it is theirs: e.g. `sign_cost_sheet`.
    pub your_next_step: Option<&'static str>,
    /// What the caller does next or waits for, and until when.
    pub next_step: NextStepView,
    pub filed_at: DateTime<Utc>,
    /// The day the applicant says the defect was reported, which decides the warranty (Art. 18).
    pub reported_on: NaiveDate,
    /// How many days the report date lies before the filing date: the reviewer checks a large one
    /// against its evidence (Art. 18).
    pub reported_days_before_filing: i64,
}

fn deadline(clock: &str, article: Article, due_on: NaiveDate, met: bool, now: DateTime<Utc>) -> DeadlineView {
    let standing = deadlines::standing(due_on, now);
    DeadlineView {
        clock: clock.into(),
        article: Some(article.to_string()),
        due_on,
        days_left: if met { 0 } else { standing.days_left },
        overdue_by: if met { 0 } else { standing.overdue_by },
        met,
    }
}

fn claim_deadlines(row: &ClaimRow, state: ClaimState, now: DateTime<Utc>) -> Vec<DeadlineView> {
    use ClaimState::*;
    let mut out = Vec::new();
    let mut add = |clock: &str, article: Article, due: Option<NaiveDate>, met: bool| {
        if let Some(due) = due {
            out.push(deadline(clock, article, due, met, now));
        }
    };
    add("developer_reply", Article::DEVELOPER_FIRST, row.developer_reply_due_on, state != DeveloperAsked);
    add("developer_repair", Article::DEVELOPER_FIRST, row.repair_due_on, state != DeveloperRepairing);
    add("inspection", Article::DISPUTE, row.inspection_due_on, state != UnderInspection);
    add("payout", Clock::Payout.article(), row.payout_due_on, matches!(state, Paid | DeveloperNotified));
    add("usage_notice", Clock::UsageNotice.article(), row.usage_notice_due_on, state == DeveloperNotified);
    out
}

/// What the caller does next on a claim, or waits for, and until when.
#[derive(Serialize, ToSchema)]
pub struct NextStepView {
    /// `act` (the caller's move), `wait` (someone else's) or `done`.
    pub kind: &'static str,
    /// The step, e.g. `sign_cost_sheet`; absent when done.
    pub step: Option<Step>,
    /// Whose move it is when the caller waits.
    pub waiting_on: Option<WaitingOn>,
    /// The legal or set date the step is due by, if it has one.
    pub due_on: Option<NaiveDate>,
    /// What to do, or what is awaited, in the caller's language.
    pub text: &'static str,
}

/// The date a step is due by, from the claim's clocks.
fn due_on(step: Step, row: &ClaimRow) -> Option<NaiveDate> {
    match step {
        Step::ReplyToBureau | Step::RecordDeveloperSilence => row.developer_reply_due_on,
        Step::RepairAsPromised | Step::RecordDeveloperRepair => row.repair_due_on,
        Step::RecordInspection => row.inspection_due_on,
        Step::VerifyCostSheet | Step::VerifyReimbursement | Step::Pay | Step::Reimburse => row.payout_due_on,
        Step::NotifyDeveloper => row.usage_notice_due_on,
        _ => None,
    }
}

/// Where the claim stands for the next-step table.
pub(crate) fn situation(row: &ClaimRow, progress: &Progress) -> Situation {
    Situation {
        kind: row.kind,
        state: row.state,
        developer_overdue: row.waiting_on == WaitingOn::Bureau
            && row.state.waiting_on() == WaitingOn::Developer,
        has_work_order: progress.has_work_order,
        sheet: match progress.latest_signed {
            None => Sheet::Missing,
            Some(false) => Sheet::Unsigned,
            Some(true) => Sheet::Signed,
        },
        rated: progress.rated,
    }
}

fn next_step_view(row: &ClaimRow, user: &Caller, progress: &Progress) -> NextStepView {
    let parties = policy::parties(user, row);
    let (kind, step, waiting_on) = match situation(row, progress).next_for_any(&parties) {
        NextStep::Act { step } => ("act", Some(step), None),
        NextStep::Wait { on, step } => ("wait", Some(step), Some(on)),
        NextStep::Done => ("done", None, None),
    };
    NextStepView {
        kind,
        step,
        waiting_on,
        due_on: step.and_then(|s| due_on(s, row)),
        text: match step {
            Some(step) => step_text(step, waiting_on.is_none(), user.lang),
            None => done_text(user.lang),
        },
    }
}

/// The names and phone numbers a claim's answers show, by account id.
pub(crate) type People = std::collections::HashMap<String, (String, Option<String>)>;

pub(crate) fn claim_response(
    row: ClaimRow,
    user: &Caller,
    progress: &Progress,
    people: &People,
) -> AppResult<ClaimResponse> {
    let applicant = people.get(&row.applicant_id);
    let applicant_name = applicant.map(|(name, _)| name.clone());
    let applicant_phone =
        applicant.and_then(|(_, phone)| phone.clone()).filter(|_| policy::sees_applicant_phone(user, &row));
    let state = row.state;
    let now = Utc::now();
    let rejection = row.rejection_reason.map(|reason| Rejection {
        reason,
        article: reason.article().to_string(),
        text: rejection_text(reason, user.lang),
        note: row.rejection_note.clone(),
    });
    let next = next_step_view(&row, user, progress);
    let filed_on = deadlines::shanghai_date(utc(row.filed_at));
    let reported_on = row.reported_on.unwrap_or(filed_on);
    Ok(ClaimResponse {
        deadlines: claim_deadlines(&row, state, now),
        your_next_step: if next.kind == "act" { next.step.map(Step::as_str) } else { None },
        next_step: next,
        reported_on,
        reported_days_before_filing: (filed_on - reported_on).num_days(),
        kind: row.kind,
        state,
        location: row.location,
        category: row.category,
        advanced_amount: row.advanced_amount_fen.map(Money::from_fen),
        filed_at: utc(row.filed_at),
        rejection,
        id: row.id,
        waiting_on: row.waiting_on,
        version: row.version,
        jurisdiction: row.jurisdiction,
        estate_id: row.estate_id,
        building_id: row.building_id,
        unit_id: row.unit_id,
        location_detail: row.location_detail,
        description: row.description,
        applicant_id: row.applicant_id,
        applicant_name,
        applicant_phone,
        owner_representatives: row.owner_representatives,
        duplicate_of: row.duplicate_of,
        repeat_of: row.repeat_of,
        finding: (row.defect_cause.is_some() || row.defect_solution.is_some()).then(|| FindingView {
            cause_name: row
                .defect_cause
                .as_deref()
                .map(|code| code_name(crate::domain::defects::Kind::Cause, code, user.lang)),
            cause: row.defect_cause,
            solution: row.defect_solution,
        }),
        defect: match (row.defect_location, row.defect_component, row.severity, row.defect_codes_version) {
            (Some(location), Some(component), Some(severity), Some(codes_version)) => {
                Some(DefectView::new(location, component, severity, codes_version, user.lang))
            }
            _ => None,
        },
        repair_unit_id: row.repair_unit_id,
        warranty_last_day: row.warranty_last_day,
    })
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    pub action: String,
    pub actor_id: String,
    /// The actor's name.
    pub actor_name: Option<String>,
    pub device_id: Option<String>,
    pub before: Option<String>,
    pub after: String,
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanView {
    pub revision: i32,
    pub description: String,
    pub budget: Money,
    /// The budget line by line (Art. 22); empty when the plan gives one total only.
    pub lines: Vec<PlanLineView>,
    pub submitted_at: DateTime<Utc>,
    pub decision: Option<String>,
    pub decision_comment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanLineView {
    /// Numbered from 1: what a cost-sheet line names as its `plan_line`.
    pub line_no: i32,
    pub kind: String,
    pub description: String,
    pub unit: String,
    pub budget: Money,
}

#[derive(Serialize, ToSchema)]
pub struct LineView {
    pub line_no: i32,
    pub kind: String,
    pub description: String,
    pub unit: String,
    pub quantity: String,
    pub unit_price: Money,
    pub amount: Money,
    pub budget: Money,
    /// amount − budget.
    pub variance: Money,
    pub decision: Option<String>,
    pub approved: Option<Money>,
    pub decision_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CostSheetView {
    pub revision: i32,
    pub total: Money,
    pub budget_total: Money,
    pub variance: Money,
    pub signed_by: Option<String>,
    /// The signer's name.
    pub signed_by_name: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    pub approved_total: Option<Money>,
    pub verified_at: Option<DateTime<Utc>>,
    pub lines: Vec<LineView>,
    /// Canonical SHA-256 of this revision (`sync-protocol`); a signature binds to it.
    pub hash: Option<String>,
    pub parent_hash: Option<String>,
    /// Another revision names the same parent: choose one by adding a revision before signing.
    pub conflict: bool,
    /// Who signed in person on the technician's phone, when the applicant did not sign on their
    /// own account.
    pub signed_in_person_by: Option<String>,
    /// How the revision was signed: `account` (the applicant's own act) or `in_person` (captured
    /// on the technician's phone, witnessed by `witnessed_by` on the applicant's behalf).
    pub signature: Option<SignatureKind>,
    /// The technician who witnessed an in-person signature.
    pub witnessed_by: Option<String>,
    /// Signed and not disputed: what submission and payout rest on (Art. 22).
    pub signed: bool,
    /// The file of the handwritten signature image, once signed (`GET /files/{id}/content`).
    pub signature_file_id: Option<String>,
    /// When and why the applicant disputed an in-person signature.
    pub disputed_at: Option<DateTime<Utc>>,
    pub dispute_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PayoutView {
    pub amount: Money,
    pub payee: String,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
    pub cost_sheet_revision: i32,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: String,
    pub kind: String,
}

/// A claim's page: the claim with its deadlines, timeline, plans, cost sheets, payout and evidence.
#[derive(Serialize, ToSchema)]
pub struct ClaimPage {
    pub claim: ClaimResponse,
    pub timeline: Vec<TimelineEntry>,
    pub plans: Vec<PlanView>,
    pub cost_sheets: Vec<CostSheetView>,
    pub payout: Option<PayoutView>,
    pub evidence: Vec<EvidenceView>,
    /// The applicant's return-visit rating, once given.
    pub return_visit: Option<ReturnVisitView>,
    /// The defect's history at this place, for the bureau and the developer: the earlier claims of
    /// the same building, unit or common part, location, component and category.
    pub defect_history: Vec<DefectHistoryEntry>,
    /// The Art. 30 register's entries that name this claim, for the bureau and the developer.
    pub register: Vec<crate::service::recurrence::RegisterEntry>,
}

/// An earlier claim of the same defect at the same place.
#[derive(Serialize, ToSchema)]
pub struct DefectHistoryEntry {
    pub claim_id: String,
    pub filed_on: NaiveDate,
    /// The day its repair completed, if it did.
    pub repaired_on: Option<NaiveDate>,
    /// Still open.
    pub open: bool,
    /// It duplicated another and counts once, with it.
    pub duplicate: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReturnVisitView {
    pub attitude: i32,
    pub quality: i32,
    pub resolution: i32,
    pub comment: Option<String>,
}

/// One claim's page, if the caller may see the claim.
pub fn claim_page(conn: &mut DbConnection, user: &Caller, id: &str) -> AppResult<ClaimPage> {
    let row = policy::visible_claim(conn, user, id)?;
    page_of(conn, user, row)
}

/// The page of a claim the caller was already found to see.
pub(crate) fn page_of(conn: &mut DbConnection, user: &Caller, row: ClaimRow) -> AppResult<ClaimPage> {
    let id = row.id.clone();
    let id = id.as_str();
    let trail = db::audit_trail(conn, id)?;
    let mut ids: Vec<&str> = trail.iter().map(|a| a.actor_id.as_str()).collect();
    ids.push(&row.applicant_id);
    ids.sort_unstable();
    ids.dedup();
    let people = crate::db::accounts::people(conn, &ids)?;
    let timeline: Vec<TimelineEntry> = trail
        .into_iter()
        .map(|a| TimelineEntry {
            actor_name: people.get(&a.actor_id).map(|(name, _)| name.clone()),
            detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null),
            action: a.action,
            actor_id: a.actor_id,
            device_id: a.device_id,
            before: a.before_state,
            after: a.after_state,
            at: utc(a.at),
        })
        .collect();
    let plans = db::plans(conn, id)?
        .into_iter()
        .map(|p| {
            let lines = p.budget_lines()?;
            Ok((p, lines))
        })
        .collect::<AppResult<Vec<_>>>()?
        .into_iter()
        .map(|(p, lines)| PlanView {
            lines: lines
                .into_iter()
                .zip(1..)
                .map(|(l, line_no)| PlanLineView {
                    line_no,
                    kind: l.kind,
                    description: l.description,
                    unit: l.unit,
                    budget: Money::from_fen(l.budget_fen),
                })
                .collect(),
            revision: p.revision,
            description: p.description,
            budget: Money::from_fen(p.budget_fen),
            submitted_at: utc(p.submitted_at),
            decision: p.decision,
            decision_comment: p.decision_comment,
        })
        .collect();
    let sheets = db::cost_sheets_of(conn, id)?;
    let mut cost_sheets = Vec::new();
    let mut revision_of = std::collections::HashMap::new();
    for sheet in sheets {
        revision_of.insert(sheet.id.clone(), sheet.revision);
        let lines = db::lines_of(conn, &sheet.id)?
            .into_iter()
            .map(|l| LineView {
                line_no: l.line_no,
                kind: l.kind,
                description: l.description,
                unit: l.unit,
                quantity: l.quantity,
                unit_price: Money::from_fen(l.unit_price_fen),
                amount: Money::from_fen(l.amount_fen),
                budget: Money::from_fen(l.budget_fen),
                variance: Money::from_fen(l.amount_fen - l.budget_fen),
                decision: l.decision,
                approved: l.approved_fen.map(Money::from_fen),
                decision_reason: l.decision_reason,
            })
            .collect();
        let (signature, signed) = (sheet.signature_kind(), sheet.is_signed());
        cost_sheets.push(CostSheetView {
            signature,
            signed,
            witnessed_by: sheet.witnessed_by,
            signature_file_id: sheet.signature_file_id,
            disputed_at: sheet.disputed_at.map(utc),
            dispute_reason: sheet.dispute_reason,
            revision: sheet.revision,
            total: Money::from_fen(sheet.total_fen),
            budget_total: Money::from_fen(sheet.budget_total_fen),
            variance: Money::from_fen(sheet.total_fen - sheet.budget_total_fen),
            signed_by_name: sheet
                .signed_by
                .as_ref()
                .and_then(|id| people.get(id))
                .map(|(name, _)| name.clone()),
            signed_by: sheet.signed_by,
            signed_at: sheet.signed_at.map(utc),
            hash: sheet.revision_hash,
            parent_hash: sheet.parent_hash,
            conflict: sheet.conflict,
            signed_in_person_by: sheet.signer_name,
            approved_total: sheet.approved_total_fen.map(Money::from_fen),
            verified_at: sheet.verified_at.map(utc),
            lines,
        });
    }
    let progress = db::progress_of(conn, &[id])?.remove(id).unwrap_or_default();
    let payout = db::payout_of(conn, id)?.map(|p| PayoutView {
        amount: Money::from_fen(p.amount_fen),
        cost_sheet_revision: revision_of.get(&p.cost_sheet_id).copied().unwrap_or(0),
        payee: p.payee,
        paid_on: p.paid_on,
        bank_reference: p.bank_reference,
    });
    let evidence =
        db::evidence_of(conn, id)?.into_iter().map(|(id, kind)| EvidenceView { id, kind }).collect();
    // The rating goes to the bureau and stays with the applicant who gave it: the repair unit
    // rated, the developer and anyone else see neither it nor its comment on the timeline.
    let reads_rating =
        policy::parties(user, &row).iter().any(|p| matches!(p, Party::Applicant | Party::Reviewer));
    let rating = if reads_rating { db::return_visit_of(conn, id)? } else { None };
    let timeline: Vec<TimelineEntry> =
        timeline.into_iter().filter(|t: &TimelineEntry| reads_rating || t.action != "return_visit").collect();
    let rating = rating.map(|r| ReturnVisitView {
        attitude: r.attitude,
        quality: r.quality,
        resolution: r.resolution,
        comment: r.comment,
    });
    let oversees = matches!(user.role, Role::Reviewer | Role::Developer | Role::Admin);
    let (defect_history, register) = if oversees {
        let history = crate::service::recurrence::earlier_of(conn, &row)?
            .into_iter()
            .map(|e| DefectHistoryEntry {
                claim_id: e.claim_id,
                filed_on: e.filed_on,
                repaired_on: e.repaired_on,
                open: e.open,
                duplicate: e.duplicate,
            })
            .collect();
        (history, crate::service::recurrence::entries_of_claim(conn, id, user.lang)?)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(ClaimPage {
        defect_history,
        register,
        claim: claim_response(row, user, &progress, &people)?,
        timeline,
        plans,
        cost_sheets,
        payout,
        evidence,
        return_visit: rating,
    })
}
