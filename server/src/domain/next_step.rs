//! Who acts next on a claim, and what everyone else waits for: one table over every state and
//! every party, so nobody opens a claim and is left guessing.
//!
//! The party whose move it is gets [`NextStep::Act`] with the step; every other party gets
//! [`NextStep::Wait`] naming who they wait on and for what. Only a finished claim is
//! [`NextStep::Done`], and even then the applicant is asked to rate the repair (回访) or read the
//! decision.

use serde::Serialize;

use super::lifecycle::{ClaimKind, ClaimState, WaitingOn};
use super::text_enum;

/// Which party of a claim someone is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The claim's applicant (Art. 20).
    Applicant,
    /// The repair unit the bureau designated (Art. 21).
    DesignatedUnit,
    /// The building's developer (Art. 17, 24).
    Developer,
    /// A reviewer of the claim's jurisdiction.
    Reviewer,
    /// Anyone else who can see the claim (the estate's property manager on an owner's claim).
    Bystander,
}

impl Party {
    /// Every party.
    pub const ALL: [Party; 5] =
        [Party::Applicant, Party::DesignatedUnit, Party::Developer, Party::Reviewer, Party::Bystander];

    /// The party a claim that waits on `on` waits for.
    fn of(on: WaitingOn) -> Option<Party> {
        match on {
            WaitingOn::Bureau => Some(Party::Reviewer),
            WaitingOn::Developer => Some(Party::Developer),
            WaitingOn::RepairUnit => Some(Party::DesignatedUnit),
            WaitingOn::Applicant => Some(Party::Applicant),
            WaitingOn::Nobody => None,
        }
    }

    fn waiting_on(self) -> WaitingOn {
        match self {
            Party::Reviewer => WaitingOn::Bureau,
            Party::Developer => WaitingOn::Developer,
            Party::DesignatedUnit => WaitingOn::RepairUnit,
            Party::Applicant => WaitingOn::Applicant,
            Party::Bystander => WaitingOn::Nobody,
        }
    }
}

text_enum! {
    /// A step someone takes next; its texts are in `messages.rs`.
    pub enum Step {
        /// Ask the developer to repair or answer (Art. 21), or record at once that it cannot (Art. 17).
        AskDeveloper = "ask_developer",
        /// Answer the bureau: repair, or dispute with a testing agency (Art. 17, 24).
        ReplyToBureau = "reply_to_bureau",
        /// The reply date has passed: record the developer's silence (Art. 17).
        RecordDeveloperSilence = "record_developer_silence",
        /// Repair the defect by the promised date (Art. 17).
        RepairAsPromised = "repair_as_promised",
        /// The promised date has passed: record the repair, or the default (Art. 17).
        RecordDeveloperRepair = "record_developer_repair",
        /// Record the testing agency's finding by its due date (Art. 24).
        RecordInspection = "record_inspection",
        /// Decide: approve with a repair unit, or reject with a reason (Art. 21).
        Decide = "decide",
        /// Prepare and submit the repair plan and budget (Art. 22).
        SubmitPlan = "submit_plan",
        /// Approve the plan and budget, or return them with comments (Art. 22).
        ReviewPlan = "review_plan",
        /// Start the repair on the approved plan (Art. 22).
        StartRepair = "start_repair",
        /// Create a work order and assign a technician.
        CreateWorkOrder = "create_work_order",
        /// Record the cost sheet of the work done (Art. 22).
        RecordCostSheet = "record_cost_sheet",
        /// Sign the cost sheet, or have it signed on site (Art. 22).
        SignCostSheet = "sign_cost_sheet",
        /// Submit the signed cost sheet to the bureau (Art. 22).
        SubmitCostSheet = "submit_cost_sheet",
        /// Verify the cost sheet line by line, or return it (Art. 23).
        VerifyCostSheet = "verify_cost_sheet",
        /// Verify an emergency repair the applicant paid for: its evidence, receipts and the sheet
        /// they signed (Art. 25).
        VerifyReimbursement = "verify_reimbursement",
        /// Pay the verified amount (Art. 23).
        Pay = "pay",
        /// Repay the applicant who advanced an emergency repair (Art. 25).
        Reimburse = "reimburse",
        /// Tell the developer what the fund paid (Art. 26).
        NotifyDeveloper = "notify_developer",
        /// Rate the repair (回访).
        RateRepair = "rate_repair",
        /// Read the bureau's decision and its reason; file again with new evidence if it allows.
        ReadDecision = "read_decision",
    }
}

/// What the caller does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NextStep {
    /// It is the caller's move.
    Act { step: Step },
    /// Someone else's move: the caller waits on them for that step.
    Wait { on: WaitingOn, step: Step },
    /// Nothing more happens.
    Done,
}

/// Where a repair's cost sheet stands, as far as the next step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sheet {
    /// None yet, or the last one was returned or its signature disputed: a new revision is due.
    Missing,
    /// Awaiting the applicant's signature.
    Unsigned,
    /// Signed, not yet with the bureau.
    Signed,
}

/// What the table needs to know of a claim beyond its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Situation {
    pub kind: ClaimKind,
    pub state: ClaimState,
    /// The developer let its reply or promised repair date pass and the claim went back to the
    /// bureau (Art. 17).
    pub developer_overdue: bool,
    /// A work order is out for the repair.
    pub has_work_order: bool,
    pub sheet: Sheet,
    /// The applicant has rated the repair.
    pub rated: bool,
}

impl Situation {
    /// The one move the claim waits for: whose it is and the step. `None` once finished.
    pub fn pending(&self) -> Option<(Party, Step)> {
        use ClaimState::*;
        let step = match self.state {
            Filed => Step::AskDeveloper,
            DeveloperAsked if self.developer_overdue => Step::RecordDeveloperSilence,
            DeveloperAsked => Step::ReplyToBureau,
            DeveloperRepairing if self.developer_overdue => Step::RecordDeveloperRepair,
            DeveloperRepairing => Step::RepairAsPromised,
            UnderInspection => Step::RecordInspection,
            AwaitingDecision => Step::Decide,
            Approved | PlanReturned => Step::SubmitPlan,
            PlanSubmitted => Step::ReviewPlan,
            PlanApproved => Step::StartRepair,
            InRepair => match self.sheet {
                Sheet::Missing if !self.has_work_order => Step::CreateWorkOrder,
                Sheet::Missing => Step::RecordCostSheet,
                Sheet::Unsigned => return Some((Party::Applicant, Step::SignCostSheet)),
                Sheet::Signed => Step::SubmitCostSheet,
            },
            CostSheetSubmitted if self.kind == ClaimKind::EmergencyAdvance => Step::VerifyReimbursement,
            CostSheetSubmitted => Step::VerifyCostSheet,
            Verified if self.kind == ClaimKind::EmergencyAdvance => Step::Reimburse,
            Verified => Step::Pay,
            Paid => Step::NotifyDeveloper,
            DeveloperNotified | Rejected | Closed => return None,
        };
        let on = if self.developer_overdue { WaitingOn::Bureau } else { self.state.waiting_on() };
        Party::of(on).map(|party| (party, step))
    }

    /// What `party` does next, or waits for.
    pub fn next_for(&self, party: Party) -> NextStep {
        // The applicant's own steps beside the main line: rating a paid repair, reading a refusal.
        if party == Party::Applicant {
            let paid = matches!(self.state, ClaimState::Paid | ClaimState::DeveloperNotified);
            if paid && !self.rated {
                return NextStep::Act { step: Step::RateRepair };
            }
            if self.state == ClaimState::Rejected {
                return NextStep::Act { step: Step::ReadDecision };
            }
        }
        match self.pending() {
            Some((actor, step)) if actor == party => NextStep::Act { step },
            Some((actor, step)) => NextStep::Wait { on: actor.waiting_on(), step },
            None => NextStep::Done,
        }
    }

    /// What someone who is several parties at once does next: the first of their parties whose
    /// move it is, otherwise what the first of them waits for.
    pub fn next_for_any(&self, parties: &[Party]) -> NextStep {
        let options: Vec<NextStep> = parties.iter().map(|p| self.next_for(*p)).collect();
        options
            .iter()
            .find(|n| matches!(n, NextStep::Act { .. }))
            .or(options.first())
            .copied()
            .unwrap_or_else(|| self.next_for(Party::Bystander))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClaimState::*;

    fn situation(state: ClaimState) -> Situation {
        Situation {
            kind: ClaimKind::Standard,
            state,
            developer_overdue: false,
            has_work_order: true,
            sheet: Sheet::Missing,
            rated: false,
        }
    }

    /// One row per state and situation: what each party is told, in the order applicant,
    /// designated unit, developer, reviewer, bystander. `A:step` acts, `W:on:step` waits,
    /// `-` is done.
    #[test]
    fn every_state_tells_every_party_what_to_do_or_what_it_waits_for() {
        let overdue = |state| Situation { developer_overdue: true, ..situation(state) };
        let repairing = |has_work_order, sheet| Situation { has_work_order, sheet, ..situation(InRepair) };
        let rated = |state| Situation { rated: true, ..situation(state) };
        let emergency = |state| Situation { kind: ClaimKind::EmergencyAdvance, ..situation(state) };
        let rows: Vec<(Situation, [&str; 5])> = vec![
            (
                situation(Filed),
                [
                    "W:bureau:ask_developer",
                    "W:bureau:ask_developer",
                    "W:bureau:ask_developer",
                    "A:ask_developer",
                    "W:bureau:ask_developer",
                ],
            ),
            (
                situation(DeveloperAsked),
                [
                    "W:developer:reply_to_bureau",
                    "W:developer:reply_to_bureau",
                    "A:reply_to_bureau",
                    "W:developer:reply_to_bureau",
                    "W:developer:reply_to_bureau",
                ],
            ),
            (
                overdue(DeveloperAsked),
                [
                    "W:bureau:record_developer_silence",
                    "W:bureau:record_developer_silence",
                    "W:bureau:record_developer_silence",
                    "A:record_developer_silence",
                    "W:bureau:record_developer_silence",
                ],
            ),
            (
                situation(DeveloperRepairing),
                [
                    "W:developer:repair_as_promised",
                    "W:developer:repair_as_promised",
                    "A:repair_as_promised",
                    "W:developer:repair_as_promised",
                    "W:developer:repair_as_promised",
                ],
            ),
            (
                overdue(DeveloperRepairing),
                [
                    "W:bureau:record_developer_repair",
                    "W:bureau:record_developer_repair",
                    "W:bureau:record_developer_repair",
                    "A:record_developer_repair",
                    "W:bureau:record_developer_repair",
                ],
            ),
            (
                situation(UnderInspection),
                [
                    "W:bureau:record_inspection",
                    "W:bureau:record_inspection",
                    "W:bureau:record_inspection",
                    "A:record_inspection",
                    "W:bureau:record_inspection",
                ],
            ),
            (
                situation(AwaitingDecision),
                ["W:bureau:decide", "W:bureau:decide", "W:bureau:decide", "A:decide", "W:bureau:decide"],
            ),
            (
                situation(Approved),
                [
                    "W:repair_unit:submit_plan",
                    "A:submit_plan",
                    "W:repair_unit:submit_plan",
                    "W:repair_unit:submit_plan",
                    "W:repair_unit:submit_plan",
                ],
            ),
            (
                situation(PlanReturned),
                [
                    "W:repair_unit:submit_plan",
                    "A:submit_plan",
                    "W:repair_unit:submit_plan",
                    "W:repair_unit:submit_plan",
                    "W:repair_unit:submit_plan",
                ],
            ),
            (
                situation(PlanSubmitted),
                [
                    "W:bureau:review_plan",
                    "W:bureau:review_plan",
                    "W:bureau:review_plan",
                    "A:review_plan",
                    "W:bureau:review_plan",
                ],
            ),
            (
                situation(PlanApproved),
                [
                    "W:repair_unit:start_repair",
                    "A:start_repair",
                    "W:repair_unit:start_repair",
                    "W:repair_unit:start_repair",
                    "W:repair_unit:start_repair",
                ],
            ),
            (
                repairing(false, Sheet::Missing),
                [
                    "W:repair_unit:create_work_order",
                    "A:create_work_order",
                    "W:repair_unit:create_work_order",
                    "W:repair_unit:create_work_order",
                    "W:repair_unit:create_work_order",
                ],
            ),
            (
                repairing(true, Sheet::Missing),
                [
                    "W:repair_unit:record_cost_sheet",
                    "A:record_cost_sheet",
                    "W:repair_unit:record_cost_sheet",
                    "W:repair_unit:record_cost_sheet",
                    "W:repair_unit:record_cost_sheet",
                ],
            ),
            (
                repairing(true, Sheet::Unsigned),
                [
                    "A:sign_cost_sheet",
                    "W:applicant:sign_cost_sheet",
                    "W:applicant:sign_cost_sheet",
                    "W:applicant:sign_cost_sheet",
                    "W:applicant:sign_cost_sheet",
                ],
            ),
            (
                repairing(true, Sheet::Signed),
                [
                    "W:repair_unit:submit_cost_sheet",
                    "A:submit_cost_sheet",
                    "W:repair_unit:submit_cost_sheet",
                    "W:repair_unit:submit_cost_sheet",
                    "W:repair_unit:submit_cost_sheet",
                ],
            ),
            (
                situation(CostSheetSubmitted),
                [
                    "W:bureau:verify_cost_sheet",
                    "W:bureau:verify_cost_sheet",
                    "W:bureau:verify_cost_sheet",
                    "A:verify_cost_sheet",
                    "W:bureau:verify_cost_sheet",
                ],
            ),
            (
                emergency(CostSheetSubmitted),
                [
                    "W:bureau:verify_reimbursement",
                    "W:bureau:verify_reimbursement",
                    "W:bureau:verify_reimbursement",
                    "A:verify_reimbursement",
                    "W:bureau:verify_reimbursement",
                ],
            ),
            (situation(Verified), ["W:bureau:pay", "W:bureau:pay", "W:bureau:pay", "A:pay", "W:bureau:pay"]),
            (
                situation(Paid),
                [
                    "A:rate_repair",
                    "W:bureau:notify_developer",
                    "W:bureau:notify_developer",
                    "A:notify_developer",
                    "W:bureau:notify_developer",
                ],
            ),
            (
                rated(Paid),
                [
                    "W:bureau:notify_developer",
                    "W:bureau:notify_developer",
                    "W:bureau:notify_developer",
                    "A:notify_developer",
                    "W:bureau:notify_developer",
                ],
            ),
            (situation(DeveloperNotified), ["A:rate_repair", "-", "-", "-", "-"]),
            (rated(DeveloperNotified), ["-", "-", "-", "-", "-"]),
            (situation(Rejected), ["A:read_decision", "-", "-", "-", "-"]),
            (situation(Closed), ["-", "-", "-", "-", "-"]),
        ];
        let show = |n: NextStep| match n {
            NextStep::Act { step } => format!("A:{step}"),
            NextStep::Wait { on, step } => format!("W:{on}:{step}"),
            NextStep::Done => "-".into(),
        };
        for (situation, expected) in &rows {
            let told: Vec<String> = Party::ALL.iter().map(|p| show(situation.next_for(*p))).collect();
            assert_eq!(told, expected.to_vec(), "{situation:?}");
        }
        // Every state has a row.
        for state in ClaimState::ALL {
            assert!(rows.iter().any(|(s, _)| s.state == *state), "{state} has no row");
        }
    }

    /// Whoever it is, while the claim is open exactly one party acts on its main line, and
    /// everyone else waits on that party.
    #[test]
    fn while_a_claim_is_open_exactly_one_party_acts_and_the_rest_wait_on_it() {
        for state in ClaimState::ALL {
            for overdue in [false, true] {
                for sheet in [Sheet::Missing, Sheet::Unsigned, Sheet::Signed] {
                    let s = Situation { developer_overdue: overdue, sheet, rated: true, ..situation(*state) };
                    let told: Vec<NextStep> = Party::ALL.iter().map(|p| s.next_for(*p)).collect();
                    let acting = told.iter().filter(|n| matches!(n, NextStep::Act { .. })).count();
                    match s.pending() {
                        None => assert!(told.iter().all(|n| *n == NextStep::Done) || *state == Rejected),
                        Some((_, step)) => {
                            assert_eq!(acting, 1, "{s:?}");
                            assert!(told.iter().all(|n| match n {
                                NextStep::Act { step: s } | NextStep::Wait { step: s, .. } => *s == step,
                                NextStep::Done => false,
                            }));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn someone_who_is_two_parties_is_told_the_move_that_is_theirs() {
        // A property manager who applied for a common part and was designated to repair it.
        let signed = Situation { sheet: Sheet::Signed, ..situation(InRepair) };
        assert_eq!(
            signed.next_for_any(&[Party::Applicant, Party::DesignatedUnit]),
            NextStep::Act { step: Step::SubmitCostSheet }
        );
        let unsigned = Situation { sheet: Sheet::Unsigned, ..situation(InRepair) };
        assert_eq!(
            unsigned.next_for_any(&[Party::Applicant, Party::DesignatedUnit]),
            NextStep::Act { step: Step::SignCostSheet }
        );
        assert_eq!(
            situation(Filed).next_for_any(&[]),
            NextStep::Wait { on: WaitingOn::Bureau, step: Step::AskDeveloper }
        );
    }
}
