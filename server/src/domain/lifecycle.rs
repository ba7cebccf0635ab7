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

    /// The step's snake_case name, as the timeline records it.
    pub fn name(self) -> &'static str {
        match self {
            Action::AskDeveloper => "ask_developer",
            Action::DeveloperWillRepair => "developer_will_repair",
            Action::DeveloperDisputes => "developer_disputes",
            Action::DeveloperSilent { .. } => "developer_silent",
            Action::DeveloperUnable => "developer_unable",
            Action::DeveloperRepaired => "developer_repaired",
            Action::DeveloperDefaulted => "developer_defaulted",
            Action::InspectionFound { .. } => "inspection_found",
            Action::Approve => "approve",
            Action::Reject { .. } => "reject",
            Action::SubmitPlan => "submit_plan",
            Action::ApprovePlan => "approve_plan",
            Action::ReturnPlan => "return_plan",
            Action::StartRepair => "start_repair",
            Action::SubmitCostSheet { .. } => "submit_cost_sheet",
            Action::ReturnCostSheet => "return_cost_sheet",
            Action::DisputeSignature => "dispute_signature",
            Action::Verify => "verify",
            Action::Pay => "pay",
            Action::NotifyDeveloper => "notify_developer",
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
    pub fn possible_steps(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Action::ALL
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
    pub fn possible_steps_for(&self, role: Role, parties: &[Party]) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Action::ALL
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
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Role::*;

    #[test]
    fn each_party_is_offered_its_own_steps_only() {
        let asked = Claim { state: ClaimState::DeveloperAsked, ..Claim::file() };
        assert_eq!(
            asked.possible_steps_for(Developer, &[Party::Developer]),
            ["developer_will_repair", "developer_disputes"]
        );
        // A developer's staff who is not this claim's developer is offered nothing.
        assert!(asked.possible_steps_for(Developer, &[Party::Bystander]).is_empty());
        let approved = Claim { state: ClaimState::Approved, ..Claim::file() };
        assert_eq!(approved.possible_steps_for(PropertyManager, &[Party::DesignatedUnit]), ["submit_plan"]);
        // The estate's property manager looking at an owner's claim designated to another unit.
        assert!(approved.possible_steps_for(PropertyManager, &[Party::Bystander]).is_empty());
        assert!(approved.possible_steps_for(Technician, &[Party::Applicant]).is_empty());
        assert_eq!(Action::DisputeSignature.party(), Party::Applicant);
        assert_eq!(Action::Pay.party(), Party::Reviewer);
    }

    fn run(mut claim: Claim, steps: &[(Action, Role)]) -> Claim {
        for (action, role) in steps {
            claim = claim.apply(*action, *role).unwrap_or_else(|e| panic!("{action:?} by {role}: {e}"));
        }
        claim
    }

    #[test]
    fn the_standard_path_from_filing_to_developer_notice() {
        let claim = run(
            Claim::file(),
            &[
                (Action::AskDeveloper, Reviewer),
                (Action::DeveloperSilent { reply_period_over: true }, Reviewer),
                (Action::Approve, Reviewer),
                (Action::SubmitPlan, Technician),
                (Action::ReturnPlan, Reviewer),
                (Action::SubmitPlan, Technician),
                (Action::ApprovePlan, Reviewer),
                (Action::StartRepair, Technician),
                (Action::SubmitCostSheet { signed_by_applicant: true }, Technician),
                (Action::Verify, Reviewer),
                (Action::Pay, Reviewer),
                (Action::NotifyDeveloper, Reviewer),
            ],
        );
        assert_eq!(claim.state, ClaimState::DeveloperNotified);
        assert!(claim.is_final());
    }

    #[test]
    fn art_17_silence_only_after_the_reply_period_and_inability_at_once() {
        let asked = Claim::file().apply(Action::AskDeveloper, Reviewer).unwrap();
        assert_eq!(
            asked.apply(Action::DeveloperSilent { reply_period_over: false }, Reviewer),
            Err(Refusal::ReplyPeriodRunning)
        );
        assert_eq!(Refusal::ReplyPeriodRunning.article(), Article(17));
        let silent = asked.apply(Action::DeveloperSilent { reply_period_over: true }, Reviewer).unwrap();
        assert_eq!(silent.state, ClaimState::AwaitingDecision);
        // Closed down or bankrupt: recorded at once, even before asking.
        for claim in [Claim::file(), asked] {
            assert_eq!(
                claim.apply(Action::DeveloperUnable, Reviewer).unwrap().state,
                ClaimState::AwaitingDecision
            );
        }
        assert!(matches!(asked.apply(Action::DeveloperUnable, Developer), Err(Refusal::WrongRole { .. })));
    }

    #[test]
    fn a_refusal_can_say_which_steps_the_claim_can_take_now() {
        assert_eq!(Claim::file().possible_steps(), ["ask_developer", "developer_unable", "reject"]);
        let asked = Claim::file().apply(Action::AskDeveloper, Reviewer).unwrap();
        assert_eq!(
            asked.possible_steps(),
            ["developer_will_repair", "developer_disputes", "developer_silent", "developer_unable", "reject"]
        );
        let done = run(Claim::file(), &[(Action::Reject { reason: RejectionReason::Excluded }, Reviewer)]);
        assert!(done.possible_steps().is_empty());
        // The timeline's names are serde's.
        for action in Action::ALL {
            assert_eq!(serde_json::to_value(action).unwrap()["action"], action.name());
        }
    }

    #[test]
    fn the_developer_repairs_and_the_fund_is_not_used() {
        let claim = run(
            Claim::file(),
            &[
                (Action::AskDeveloper, Reviewer),
                (Action::DeveloperWillRepair, Developer),
                (Action::DeveloperRepaired, Reviewer),
            ],
        );
        assert_eq!(claim.state, ClaimState::Closed);
        let defaulted = run(
            Claim::file(),
            &[
                (Action::AskDeveloper, Reviewer),
                (Action::DeveloperWillRepair, Developer),
                (Action::DeveloperDefaulted, Reviewer),
            ],
        );
        assert_eq!(defaulted.state, ClaimState::AwaitingDecision);
    }

    #[test]
    fn the_dispute_branch_both_ways() {
        let asked =
            run(Claim::file(), &[(Action::AskDeveloper, Reviewer), (Action::DeveloperDisputes, Developer)]);
        assert_eq!(asked.state, ClaimState::UnderInspection);
        let liable = asked.apply(Action::InspectionFound { developer_liable: true }, Reviewer).unwrap();
        assert_eq!(liable.state, ClaimState::AwaitingDecision);
        let cleared = asked.apply(Action::InspectionFound { developer_liable: false }, Reviewer).unwrap();
        assert_eq!(
            (cleared.state, cleared.rejection),
            (ClaimState::Rejected, Some(RejectionReason::NotDeveloperLiable))
        );
        assert_eq!(RejectionReason::NotDeveloperLiable.article(), Article(24));
    }

    #[test]
    fn the_emergency_path_to_reimbursement() {
        assert_eq!(Claim::file_emergency(false, true), Err(Refusal::EmergencyWithoutEvidence));
        assert_eq!(Claim::file_emergency(true, false).unwrap_err().article(), Article(25));
        let filed = Claim::file_emergency(true, true).unwrap();
        let asked = filed.apply(Action::AskDeveloper, Reviewer).unwrap();
        assert!(matches!(
            asked.apply(Action::DeveloperWillRepair, Developer),
            Err(Refusal::OutOfOrder { .. })
        ));
        let claim = run(
            asked,
            &[
                (Action::DeveloperDisputes, Developer),
                (Action::InspectionFound { developer_liable: true }, Reviewer),
                (Action::Approve, Reviewer),
            ],
        );
        assert_eq!(claim.state, ClaimState::CostSheetSubmitted, "no plan, no work order: the repair is done");
        let paid = run(
            claim,
            &[(Action::Verify, Reviewer), (Action::Pay, Reviewer), (Action::NotifyDeveloper, Reviewer)],
        );
        assert_eq!(paid.state, ClaimState::DeveloperNotified);
    }

    #[test]
    fn final_states_wait_on_nobody_and_payment_waits_on_the_bureau() {
        for state in ClaimState::ALL {
            let finished =
                matches!(state, ClaimState::Rejected | ClaimState::Closed | ClaimState::DeveloperNotified);
            assert_eq!(state.waiting_on() == WaitingOn::Nobody, finished, "{state}");
        }
        assert_eq!(ClaimState::CostSheetSubmitted.waiting_on(), WaitingOn::Bureau);
        assert_eq!(
            ClaimState::Paid.waiting_on(),
            WaitingOn::Bureau,
            "the usage notice is still owed (Art. 26)"
        );
    }

    #[test]
    fn every_rejection_names_its_article() {
        let articles: Vec<u8> = RejectionReason::ALL.iter().map(|r| r.article().0).collect();
        assert_eq!(articles, [18, 19, 17, 24, 20, 25]);
        for state_steps in [&[][..], &[(Action::AskDeveloper, Reviewer)][..]] {
            for reason in RejectionReason::ALL {
                let claim = run(Claim::file(), state_steps)
                    .apply(Action::Reject { reason: *reason }, Reviewer)
                    .unwrap();
                assert_eq!((claim.state, claim.rejection), (ClaimState::Rejected, Some(*reason)));
            }
        }
    }

    #[test]
    fn steps_out_of_order_or_by_the_wrong_role_are_refused_with_their_article() {
        let claim = Claim::file();
        assert_eq!(
            claim.apply(Action::Pay, Reviewer),
            Err(Refusal::OutOfOrder { action: Action::Pay, state: ClaimState::Filed, article: Article(23) })
        );
        let refused = claim.apply(Action::AskDeveloper, Owner).unwrap_err();
        assert!(matches!(refused, Refusal::WrongRole { role: Owner, .. }));
        assert_eq!(refused.article(), Article(21));
        // No work order before an approved plan (Art. 22).
        let approved = run(
            claim,
            &[
                (Action::AskDeveloper, Reviewer),
                (Action::DeveloperSilent { reply_period_over: true }, Reviewer),
                (Action::Approve, Reviewer),
            ],
        );
        assert_eq!(approved.apply(Action::StartRepair, Technician).unwrap_err().article(), Article(22));
        // The applicant's signature is required (Art. 22).
        let repairing = run(
            approved,
            &[
                (Action::SubmitPlan, Technician),
                (Action::ApprovePlan, Reviewer),
                (Action::StartRepair, Technician),
            ],
        );
        assert_eq!(
            repairing.apply(Action::SubmitCostSheet { signed_by_applicant: false }, Technician),
            Err(Refusal::UnsignedCostSheet)
        );
        // A technician cannot pay themselves.
        let submitted =
            repairing.apply(Action::SubmitCostSheet { signed_by_applicant: true }, Technician).unwrap();
        assert!(matches!(submitted.apply(Action::Verify, Technician), Err(Refusal::WrongRole { .. })));
        assert!(
            matches!(submitted.apply(Action::Pay, Reviewer), Err(Refusal::OutOfOrder { .. })),
            "not verified yet"
        );
        // A returned sheet must be signed and verified again.
        let returned = submitted.apply(Action::Verify, Reviewer).unwrap();
        assert!(matches!(returned.apply(Action::ReturnCostSheet, Reviewer), Err(Refusal::OutOfOrder { .. })));
        let back = submitted.apply(Action::ReturnCostSheet, Reviewer).unwrap();
        assert_eq!((back.state, back.cost_sheet_signed), (ClaimState::InRepair, false));
        // The applicant disputes a signature captured in person: back to the unit, unsigned,
        // until the bureau verifies; after that, not any more.
        let disputed = submitted.apply(Action::DisputeSignature, Owner).unwrap();
        assert_eq!((disputed.state, disputed.cost_sheet_signed), (ClaimState::InRepair, false));
        assert!(matches!(
            submitted.apply(Action::DisputeSignature, Technician),
            Err(Refusal::WrongRole { .. })
        ));
        assert!(matches!(returned.apply(Action::DisputeSignature, Owner), Err(Refusal::OutOfOrder { .. })));
    }

    /// Every step with every flag and reason, by every role.
    fn all_steps() -> Vec<(Action, Role)> {
        let mut actions = Action::ALL.to_vec();
        actions.extend([
            Action::DeveloperSilent { reply_period_over: false },
            Action::SubmitCostSheet { signed_by_applicant: false },
        ]);
        actions.extend(RejectionReason::ALL.iter().map(|&reason| Action::Reject { reason }));
        actions.iter().flat_map(|&a| Role::ALL.iter().map(move |&r| (a, r))).collect()
    }

    fn check_invariants(claim: &Claim) {
        if matches!(claim.state, ClaimState::Paid | ClaimState::DeveloperNotified) {
            assert!(claim.cost_sheet_signed && claim.cost_sheet_verified, "{claim:?}");
        }
        if claim.state == ClaimState::InRepair {
            assert!(claim.kind == ClaimKind::Standard && claim.plan_approved, "{claim:?}");
        }
    }

    /// Every claim reachable by any steps of any roles, explored exhaustively: none is paid without
    /// a verified, signed cost sheet; none is in repair without an approved plan; final states have
    /// no way out; and both paths can reach the developer notice.
    #[test]
    fn exhaustively_no_reachable_claim_is_paid_without_a_verified_signed_cost_sheet() {
        let steps = all_steps();
        for start in [Claim::file(), Claim::file_emergency(true, true).unwrap()] {
            let mut seen = vec![start];
            let mut queue = vec![start];
            while let Some(claim) = queue.pop() {
                check_invariants(&claim);
                for (action, role) in &steps {
                    if let Ok(next) = claim.apply(*action, *role) {
                        assert!(!claim.is_final(), "{claim:?} moved by {action:?}");
                        if !seen.contains(&next) {
                            seen.push(next);
                            queue.push(next);
                        }
                    }
                }
            }
            assert!(
                seen.iter().any(|c| c.state == ClaimState::DeveloperNotified),
                "{:?} cannot finish",
                start.kind
            );
        }
    }

    proptest! {
        /// Long random histories, mostly of steps the claim can take and sometimes of steps it
        /// cannot: the invariants hold after every step, and every refusal names an article of
        /// the claim chapter (Art. 17-26).
        #[test]
        fn random_histories_keep_the_invariants(
            emergency in any::<bool>(),
            picks in prop::collection::vec((0u8..10, any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..80),
        ) {
            let steps = all_steps();
            let mut claim = if emergency { Claim::file_emergency(true, true).unwrap() } else { Claim::file() };
            for (mode, enabled_pick, any_pick) in picks {
                let enabled: Vec<_> = steps.iter().filter(|(a, r)| claim.apply(*a, *r).is_ok()).collect();
                let (action, role) = if mode < 8 && !enabled.is_empty() {
                    *enabled_pick.get(&enabled).to_owned()
                } else {
                    *any_pick.get(&steps)
                };
                match claim.apply(action, role) {
                    Ok(next) => claim = next,
                    Err(refusal) => prop_assert!((17..=26).contains(&refusal.article().0)),
                }
                check_invariants(&claim);
            }
        }
    }
}
