use proptest::prelude::*;
use Role::*;

use super::*;

fn names(steps: Vec<StepName>) -> Vec<&'static str> {
    steps.into_iter().map(StepName::as_str).collect()
}

#[test]
fn each_party_is_offered_its_own_steps_only() {
    let asked = Claim { state: ClaimState::DeveloperAsked, ..Claim::file() };
    assert_eq!(
        names(asked.possible_steps_for(Developer, &[Party::Developer])),
        ["developer_will_repair", "developer_disputes"]
    );
    // A developer's staff who is not this claim's developer is offered nothing.
    assert!(names(asked.possible_steps_for(Developer, &[Party::Bystander])).is_empty());
    let approved = Claim { state: ClaimState::Approved, ..Claim::file() };
    assert_eq!(
        names(approved.possible_steps_for(PropertyManager, &[Party::DesignatedUnit])),
        ["submit_plan"]
    );
    // The estate's property manager looking at an owner's claim designated to another unit.
    assert!(names(approved.possible_steps_for(PropertyManager, &[Party::Bystander])).is_empty());
    assert!(names(approved.possible_steps_for(Technician, &[Party::Applicant])).is_empty());
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
    assert_eq!(names(Claim::file().possible_steps()), ["ask_developer", "developer_unable", "reject"]);
    let asked = Claim::file().apply(Action::AskDeveloper, Reviewer).unwrap();
    assert_eq!(
        names(asked.possible_steps()),
        ["developer_will_repair", "developer_disputes", "developer_silent", "developer_unable", "reject"]
    );
    let done = run(Claim::file(), &[(Action::Reject { reason: RejectionReason::Excluded }, Reviewer)]);
    assert!(names(done.possible_steps()).is_empty());
    // The timeline's names are serde's.
    for action in Action::ALL {
        assert_eq!(serde_json::to_value(action).unwrap()["action"], action.name().as_str());
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
    assert!(matches!(asked.apply(Action::DeveloperWillRepair, Developer), Err(Refusal::OutOfOrder { .. })));
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
    assert_eq!(ClaimState::Paid.waiting_on(), WaitingOn::Bureau, "the usage notice is still owed (Art. 26)");
}

#[test]
fn every_rejection_names_its_article() {
    let articles: Vec<u8> = RejectionReason::ALL.iter().map(|r| r.article().0).collect();
    assert_eq!(articles, [18, 19, 17, 24, 20, 25]);
    for state_steps in [&[][..], &[(Action::AskDeveloper, Reviewer)][..]] {
        for reason in RejectionReason::ALL {
            let claim =
                run(Claim::file(), state_steps).apply(Action::Reject { reason: *reason }, Reviewer).unwrap();
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
    assert!(matches!(submitted.apply(Action::DisputeSignature, Technician), Err(Refusal::WrongRole { .. })));
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
