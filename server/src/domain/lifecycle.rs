//! A claim on the fund as an explicit state machine (Art. 17, 20-26).
//!
//! Standard path: filed → developer asked → (developer repairs → closed) | (developer disputes →
//! inspection → liable | not liable) | (developer silent or unable) → approved with a designated
//! repair unit | rejected → plan submitted → approved or returned → in repair → cost sheet submitted
//! (signed by the applicant) → verified → paid → developer told.
//!
//! Emergency path (Art. 25): filed with the repair already done and paid by the applicant, the
//! signed cost sheet and the evidence attached → developer asked → liability settled as above →
//! approved, at which point the bureau takes the cost sheet for verification → verified →
//! reimbursed (paid) → developer told. No plan and no work order: the repair is done.
//!
//! Every step says who may take it and what it requires; a refusal names its article.

use serde::Serialize;

use super::articles::Article;
use super::next_step::Party;
use super::registry::Role;
use super::text_enum;

text_enum! {
    /// Standard claim, or reimbursement of an emergency repair paid in advance (Art. 25).
    pub enum ClaimKind {
        Standard = "standard",
        EmergencyAdvance = "emergency_advance",
    }
}

text_enum! {
    /// Where a claim stands.
    pub enum ClaimState {
        /// Filed by an applicant Art. 20 allows.
        Filed = "filed",
        /// The bureau has asked the developer to repair or answer (Art. 17, 21).
        DeveloperAsked = "developer_asked",
        /// The developer has undertaken to repair (Art. 17): the fund is not used.
        DeveloperRepairing = "developer_repairing",
        /// The developer disputes liability; a testing agency inspects (Art. 24).
        UnderInspection = "under_inspection",
        /// Liability is settled against the developer, or it is silent or unable: the bureau decides (Art. 21).
        AwaitingDecision = "awaiting_decision",
        /// The bureau decided to use the fund and designated a repair unit (Art. 21).
        Approved = "approved",
        /// Refused, with a reason naming its article.
        Rejected = "rejected",
        /// The repair unit's plan and budget await review (Art. 22).
        PlanSubmitted = "plan_submitted",
        /// The plan came back with comments (Art. 22).
        PlanReturned = "plan_returned",
        /// The plan and budget are approved: work may start (Art. 22).
        PlanApproved = "plan_approved",
        /// Work orders are out; technicians are on site.
        InRepair = "in_repair",
        /// The signed cost sheet is with the bureau; the 20-day payout clock runs (Art. 23).
        CostSheetSubmitted = "cost_sheet_submitted",
        /// The bureau has verified the cost sheet (Art. 23).
        Verified = "verified",
        /// Paid from the fund to the applicant or the repair unit (Art. 23).
        Paid = "paid",
        /// The developer has been told what was used (Art. 26). Final.
        DeveloperNotified = "developer_notified",
        /// Closed without using the fund: the developer repaired (Art. 17). Final.
        Closed = "closed",
    }
}

text_enum! {
    /// Why the bureau refuses a claim.
    pub enum RejectionReason {
        /// Outside the warranty period (Art. 18).
        OutOfPeriod = "out_of_period",
        /// An exclusion of Art. 19.
        Excluded = "excluded",
        /// The developer repairs, so the fund is not used (Art. 17).
        DeveloperRepairs = "developer_repairs",
        /// The testing agency found the developer not liable (Art. 24).
        NotDeveloperLiable = "not_developer_liable",
        /// The applicant may not apply for this part (Art. 20).
        IneligibleApplicant = "ineligible_applicant",
        /// Not an emergency of structural safety or a vital function, or the evidence does not
        /// support it (Art. 25).
        NotAnEmergency = "not_an_emergency",
    }
}

text_enum! {
    /// Whose move it is.
    pub enum WaitingOn {
        /// The housing bureau must act: these claims fill the reviewer queue.
        Bureau = "bureau",
        /// The developer must answer or repair.
        Developer = "developer",
        /// The designated repair unit must plan, repair or hand in the cost sheet.
        RepairUnit = "repair_unit",
        /// The applicant must sign.
        Applicant = "applicant",
        /// Nobody: the claim is finished.
        Nobody = "nobody",
    }
}

impl ClaimState {
    /// Whose move it is in this state.
    pub fn waiting_on(self) -> WaitingOn {
        use ClaimState::*;
        match self {
            Filed | AwaitingDecision | PlanSubmitted | CostSheetSubmitted | Verified | Paid => {
                WaitingOn::Bureau
            }
            // The bureau records the testing agency's finding (Art. 24), by the inspection's due date.
            UnderInspection => WaitingOn::Bureau,
            DeveloperAsked | DeveloperRepairing => WaitingOn::Developer,
            Approved | PlanReturned | PlanApproved | InRepair => WaitingOn::RepairUnit,
            Rejected | Closed | DeveloperNotified => WaitingOn::Nobody,
        }
    }
}

impl RejectionReason {
    pub fn article(self) -> Article {
        match self {
            RejectionReason::OutOfPeriod => Article::WARRANTY_PERIODS,
            RejectionReason::Excluded => Article::EXCLUSIONS,
            RejectionReason::DeveloperRepairs => Article::DEVELOPER_FIRST,
            RejectionReason::NotDeveloperLiable => Article::DISPUTE,
            RejectionReason::IneligibleApplicant => Article::APPLICANTS,
            RejectionReason::NotAnEmergency => Article::EMERGENCY_ADVANCE,
        }
    }
}

text_enum! {
    /// Each claim step's name, once: the routes, the timeline and the pages take it from here, so a
    /// page cannot offer a step that does not exist (`Action::name` gives a step's).
    pub enum StepName {
        AskDeveloper = "ask_developer",
        DeveloperWillRepair = "developer_will_repair",
        DeveloperDisputes = "developer_disputes",
        DeveloperSilent = "developer_silent",
        DeveloperUnable = "developer_unable",
        DeveloperRepaired = "developer_repaired",
        DeveloperDefaulted = "developer_defaulted",
        InspectionFound = "inspection_found",
        Approve = "approve",
        Reject = "reject",
        SubmitPlan = "submit_plan",
        ApprovePlan = "approve_plan",
        ReturnPlan = "return_plan",
        StartRepair = "start_repair",
        SubmitCostSheet = "submit_cost_sheet",
        ReturnCostSheet = "return_cost_sheet",
        DisputeSignature = "dispute_signature",
        Verify = "verify",
        Pay = "pay",
        NotifyDeveloper = "notify_developer",
    }
}

/// A step in a claim's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The bureau asks the developer to repair or answer (Art. 21).
    AskDeveloper,
    /// The developer undertakes to repair (Art. 17).
    DeveloperWillRepair,
    /// The developer disputes liability (Art. 24).
    DeveloperDisputes,
    /// The bureau records that the developer did not answer by its reply date (Art. 17);
    /// `reply_period_over` says whether that date has passed: silence counts only after it.
    DeveloperSilent { reply_period_over: bool },
    /// The bureau records that the developer cannot repair (closed down, bankrupt), with the
    /// evidence: at once, without waiting for the reply date (Art. 17).
    DeveloperUnable,
    /// The bureau records that the developer repaired, confirmed with the applicant (Art. 17).
    DeveloperRepaired,
    /// The bureau records that the developer undertook to repair but did not (Art. 17).
    DeveloperDefaulted,
    /// The bureau records the testing agency's finding (Art. 24).
    InspectionFound { developer_liable: bool },
    /// The bureau decides to use the fund and designates a repair unit (Art. 21).
    Approve,
    /// The bureau refuses the claim.
    Reject { reason: RejectionReason },
    /// The repair unit submits its plan and budget (Art. 22).
    SubmitPlan,
    /// The bureau approves the plan and budget (Art. 22).
    ApprovePlan,
    /// The bureau returns the plan with comments (Art. 22).
    ReturnPlan,
    /// The repair unit starts work: work orders go out (Art. 22).
    StartRepair,
    /// The repair unit hands in the cost sheet; `signed_by_applicant` says whether the applicant
    /// has signed and sealed it (Art. 22).
    SubmitCostSheet { signed_by_applicant: bool },
    /// The bureau sends the cost sheet back for a new revision.
    ReturnCostSheet,
    /// The applicant disputes a signature captured in person on the technician's phone, before
    /// the bureau verifies: the sheet goes back to the repair unit unsigned (Art. 22).
    DisputeSignature,
    /// The bureau verifies the cost sheet (Art. 23).
    Verify,
    /// The bureau pays (Art. 23).
    Pay,
    /// The bureau tells the developer what was used (Art. 26).
    NotifyDeveloper,
}

impl Action {
    /// Every step, once for each of its variants.
    pub const ALL: &'static [Action] = &[
        Action::AskDeveloper,
        Action::DeveloperWillRepair,
        Action::DeveloperDisputes,
        Action::DeveloperSilent { reply_period_over: true },
        Action::DeveloperUnable,
        Action::DeveloperRepaired,
        Action::DeveloperDefaulted,
        Action::InspectionFound { developer_liable: true },
        Action::InspectionFound { developer_liable: false },
        Action::Approve,
        Action::Reject { reason: RejectionReason::Excluded },
        Action::SubmitPlan,
        Action::ApprovePlan,
        Action::ReturnPlan,
        Action::StartRepair,
        Action::SubmitCostSheet { signed_by_applicant: true },
        Action::ReturnCostSheet,
        Action::DisputeSignature,
        Action::Verify,
        Action::Pay,
        Action::NotifyDeveloper,
    ];

    /// The step's one name: the route's, the timeline's and the pages'.
    pub fn name(self) -> StepName {
        match self {
            Action::AskDeveloper => StepName::AskDeveloper,
            Action::DeveloperWillRepair => StepName::DeveloperWillRepair,
            Action::DeveloperDisputes => StepName::DeveloperDisputes,
            Action::DeveloperSilent { .. } => StepName::DeveloperSilent,
            Action::DeveloperUnable => StepName::DeveloperUnable,
            Action::DeveloperRepaired => StepName::DeveloperRepaired,
            Action::DeveloperDefaulted => StepName::DeveloperDefaulted,
            Action::InspectionFound { .. } => StepName::InspectionFound,
            Action::Approve => StepName::Approve,
            Action::Reject { .. } => StepName::Reject,
            Action::SubmitPlan => StepName::SubmitPlan,
            Action::ApprovePlan => StepName::ApprovePlan,
            Action::ReturnPlan => StepName::ReturnPlan,
            Action::StartRepair => StepName::StartRepair,
            Action::SubmitCostSheet { .. } => StepName::SubmitCostSheet,
            Action::ReturnCostSheet => StepName::ReturnCostSheet,
            Action::DisputeSignature => StepName::DisputeSignature,
            Action::Verify => StepName::Verify,
            Action::Pay => StepName::Pay,
            Action::NotifyDeveloper => StepName::NotifyDeveloper,
        }
    }

    /// The article that governs this step.
    pub fn article(self) -> Article {
        match self {
            Action::AskDeveloper | Action::Approve | Action::Reject { .. } => Article::BUREAU_DECIDES,
            Action::DeveloperWillRepair
            | Action::DeveloperSilent { .. }
            | Action::DeveloperUnable
            | Action::DeveloperRepaired
            | Action::DeveloperDefaulted => Article::DEVELOPER_FIRST,
            Action::DeveloperDisputes | Action::InspectionFound { .. } => Article::DISPUTE,
            Action::SubmitPlan
            | Action::ApprovePlan
            | Action::ReturnPlan
            | Action::StartRepair
            | Action::SubmitCostSheet { .. }
            | Action::ReturnCostSheet
            | Action::DisputeSignature => Article::PLAN_AND_COST_SHEET,
            Action::Verify | Action::Pay => Article::PAYOUT,
            Action::NotifyDeveloper => Article::USAGE_NOTICE,
        }
    }

    /// The designated repair unit's own steps (Art. 21-22): only that unit's staff take them, not
    /// any staff of the role.
    pub fn by_repair_unit(self) -> bool {
        matches!(self, Action::SubmitPlan | Action::StartRepair | Action::SubmitCostSheet { .. })
    }

    /// The applicant's own steps: only the claim's applicant takes them, not any owner.
    pub fn by_applicant(self) -> bool {
        matches!(self, Action::DisputeSignature)
    }

    /// The party of a claim whose step this is.
    pub fn party(self) -> Party {
        if self.by_applicant() {
            Party::Applicant
        } else if self.by_repair_unit() {
            Party::DesignatedUnit
        } else if matches!(self, Action::DeveloperWillRepair | Action::DeveloperDisputes) {
            Party::Developer
        } else {
            Party::Reviewer
        }
    }

    /// Who may take this step.
    pub fn roles(self) -> &'static [Role] {
        match self {
            // The applicant is an owner or a property manager (Art. 20).
            Action::DisputeSignature => &[Role::Owner, Role::PropertyManager],
            Action::DeveloperWillRepair | Action::DeveloperDisputes => &[Role::Developer],
            // The repair unit is a property manager or a licensed contractor (Art. 21).
            Action::SubmitPlan | Action::StartRepair | Action::SubmitCostSheet { .. } => {
                &[Role::Technician, Role::PropertyManager]
            }
            _ => &[Role::Reviewer],
        }
    }
}

text_enum! {
    /// What the timeline records beside the steps: other acts on a claim.
    pub enum Act {
        Filed = "file",
        CostSheetRevision = "cost_sheet_revision",
        CostSheetSigned = "cost_sheet_signed",
        InPersonSignatureConfirmed = "in_person_signature_confirmed",
        EvidenceAttached = "attach_evidence",
        WorkOrderCreated = "work_order_created",
        WorkOrderAssigned = "work_order_assigned",
        WorkOrderScheduled = "work_order_scheduled",
        VisitCheckIn = "visit_check_in",
        VisitCheckOut = "visit_check_out",
        VisitNote = "visit_note",
        ReturnVisit = "return_visit",
        DefectRecoded = "defect_recoded",
        RegisterDecided = "register_decided",
    }
}

/// What one entry of a claim's timeline (its audit trail) records: a step, or another act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Recorded {
    Step(StepName),
    Act(Act),
}

impl Recorded {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Recorded::Step(step) => step.as_str(),
            Recorded::Act(act) => act.as_str(),
        }
    }
}

impl std::str::FromStr for Recorded {
    type Err = super::UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse()
            .map(Recorded::Step)
            .or_else(|_| s.parse().map(Recorded::Act))
            .map_err(|_| super::UnknownName("Recorded"))
    }
}

impl From<StepName> for Recorded {
    fn from(step: StepName) -> Recorded {
        Recorded::Step(step)
    }
}

impl From<Act> for Recorded {
    fn from(act: Act) -> Recorded {
        Recorded::Act(act)
    }
}

/// A claim as the state machine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub kind: ClaimKind,
    pub state: ClaimState,
    /// Set when a rejection happens.
    pub rejection: Option<RejectionReason>,
    /// The plan and budget were approved at some point (Art. 22).
    pub plan_approved: bool,
    /// The cost sheet now with the bureau is signed by the applicant (Art. 22).
    pub cost_sheet_signed: bool,
    /// The bureau has verified that cost sheet (Art. 23).
    pub cost_sheet_verified: bool,
}

/// Why a step is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// This role may not take this step.
    #[error("{role} may not {action:?} ({article})")]
    WrongRole { action: Action, role: Role, article: Article },
    /// Not a step the claim can take in its present state.
    #[error("cannot {action:?} while the claim is {state} ({article})")]
    OutOfOrder { action: Action, state: ClaimState, article: Article },
    /// A cost sheet without the applicant's signature (Art. 22).
    #[error("the cost sheet must be signed by the applicant (Art. 22)")]
    UnsignedCostSheet,
    /// An emergency claim filed without evidence or without the signed cost sheet (Art. 25).
    #[error("an emergency claim needs its evidence and the signed cost sheet (Art. 25)")]
    EmergencyWithoutEvidence,
    /// The developer's reply period has not passed: it is not silent yet (Art. 17).
    #[error("the developer's reply period has not passed yet (Art. 17)")]
    ReplyPeriodRunning,
}

impl Refusal {
    pub fn article(&self) -> Article {
        match self {
            Refusal::WrongRole { article, .. } | Refusal::OutOfOrder { article, .. } => *article,
            Refusal::UnsignedCostSheet => Article::PLAN_AND_COST_SHEET,
            Refusal::EmergencyWithoutEvidence => Article::EMERGENCY_ADVANCE,
            Refusal::ReplyPeriodRunning => Article::DEVELOPER_FIRST,
        }
    }
}

impl Claim {
    /// A standard claim, just filed (Art. 20: the caller has checked the applicant).
    pub fn file() -> Claim {
        Claim {
            kind: ClaimKind::Standard,
            state: ClaimState::Filed,
            rejection: None,
            plan_approved: false,
            cost_sheet_signed: false,
            cost_sheet_verified: false,
        }
    }

    /// An emergency advance-repair claim (Art. 25): the repair is done and paid; the evidence and
    /// the applicant-signed cost sheet must come with it.
    pub fn file_emergency(has_evidence: bool, cost_sheet_signed: bool) -> Result<Claim, Refusal> {
        if !has_evidence || !cost_sheet_signed {
            return Err(Refusal::EmergencyWithoutEvidence);
        }
        Ok(Claim { kind: ClaimKind::EmergencyAdvance, cost_sheet_signed: true, ..Claim::file() })
    }

    /// True once nothing more can happen.
    pub fn is_final(&self) -> bool {
        matches!(self.state, ClaimState::DeveloperNotified | ClaimState::Closed | ClaimState::Rejected)
    }

    /// The steps the claim can take now, by anyone: what a refusal offers instead.
    pub fn possible_steps(&self) -> Vec<StepName> {
        let mut names: Vec<StepName> = Action::ALL
            .iter()
            .filter(|a| a.roles().iter().any(|r| self.apply(**a, *r).is_ok()))
            .map(|a| a.name())
            .collect();
        names.dedup();
        names
    }

    /// The steps someone of `role`, who is `parties` to this claim, can take now, by name: what
    /// the pages offer them. A step is offered only to the party whose step it is (a property
    /// manager who is not the designated unit is offered no repair unit's step).
    pub fn possible_steps_for(&self, role: Role, parties: &[Party]) -> Vec<StepName> {
        let mut names: Vec<StepName> = Action::ALL
            .iter()
            .filter(|a| parties.contains(&a.party()) && self.apply(**a, role).is_ok())
            .map(|a| a.name())
            .collect();
        names.dedup();
        names
    }

    /// Takes `action` as `role`, or says why not.
    pub fn apply(&self, action: Action, role: Role) -> Result<Claim, Refusal> {
        use ClaimState::*;
        if !action.roles().contains(&role) {
            return Err(Refusal::WrongRole { action, role, article: action.article() });
        }
        let emergency = self.kind == ClaimKind::EmergencyAdvance;
        let out_of_order = Refusal::OutOfOrder { action, state: self.state, article: action.article() };
        let mut next = *self;
        next.state = match (action, self.state) {
            (Action::AskDeveloper, Filed) => DeveloperAsked,
            // An emergency repair is already done: the developer can dispute it, not redo it.
            (Action::DeveloperWillRepair, DeveloperAsked) if !emergency => DeveloperRepairing,
            (Action::DeveloperDisputes, DeveloperAsked) => UnderInspection,
            // Silence counts only once the reply date has passed (Art. 17).
            (Action::DeveloperSilent { reply_period_over: false }, DeveloperAsked) => {
                return Err(Refusal::ReplyPeriodRunning)
            }
            (Action::DeveloperSilent { reply_period_over: true }, DeveloperAsked) => AwaitingDecision,
            // A developer closed down or bankrupt cannot answer: no need to ask or wait (Art. 17).
            (Action::DeveloperUnable, Filed | DeveloperAsked) => AwaitingDecision,
            (Action::DeveloperRepaired, DeveloperRepairing) => Closed,
            (Action::DeveloperDefaulted, DeveloperRepairing) => AwaitingDecision,
            (Action::InspectionFound { developer_liable: true }, UnderInspection) => AwaitingDecision,
            (Action::InspectionFound { developer_liable: false }, UnderInspection) => {
                next.rejection = Some(RejectionReason::NotDeveloperLiable);
                Rejected
            }
            // On the emergency path approval hands the signed sheet to the bureau for verification:
            // the payout clock starts now.
            (Action::Approve, AwaitingDecision) if emergency => CostSheetSubmitted,
            (Action::Approve, AwaitingDecision) => Approved,
            (Action::Reject { reason }, Filed | DeveloperAsked | AwaitingDecision) => {
                next.rejection = Some(reason);
                Rejected
            }
            (Action::SubmitPlan, Approved | PlanReturned) => PlanSubmitted,
            (Action::ApprovePlan, PlanSubmitted) => {
                next.plan_approved = true;
                PlanApproved
            }
            (Action::ReturnPlan, PlanSubmitted) => PlanReturned,
            // No work order before an approved plan (Art. 22).
            (Action::StartRepair, PlanApproved) if self.plan_approved => InRepair,
            (Action::SubmitCostSheet { signed_by_applicant }, InRepair) => {
                if !signed_by_applicant {
                    return Err(Refusal::UnsignedCostSheet);
                }
                next.cost_sheet_signed = true;
                next.cost_sheet_verified = false;
                CostSheetSubmitted
            }
            (Action::ReturnCostSheet, CostSheetSubmitted) if !emergency => {
                next.cost_sheet_signed = false;
                next.cost_sheet_verified = false;
                InRepair
            }
            // Only a repair unit's sheet is signed in person; an emergency applicant signed their own.
            (Action::DisputeSignature, InRepair) if !emergency => InRepair,
            (Action::DisputeSignature, CostSheetSubmitted) if !emergency => {
                next.cost_sheet_signed = false;
                next.cost_sheet_verified = false;
                InRepair
            }
            (Action::Verify, CostSheetSubmitted) => {
                if !self.cost_sheet_signed {
                    return Err(Refusal::UnsignedCostSheet);
                }
                next.cost_sheet_verified = true;
                Verified
            }
            // No payout without a verified cost sheet signed by the applicant (Art. 22-23).
            (Action::Pay, Verified) if self.cost_sheet_signed && self.cost_sheet_verified => Paid,
            (Action::NotifyDeveloper, Paid) => DeveloperNotified,
            _ => return Err(out_of_order),
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests;
