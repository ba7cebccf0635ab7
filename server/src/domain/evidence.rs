//! What evidence is: the kinds a claim's files serve as (Art. 21-25), and the documents a deposit
//! reduction rests on (Art. 9).

use super::lifecycle::ClaimState;
use super::next_step::Party;
use super::text_enum;

text_enum! {
    /// What a file attached to a claim shows.
    pub enum EvidenceKind {
        /// The defect before repair (Art. 20-21).
        Before = "before",
        /// The repair under way.
        During = "during",
        /// The finished repair.
        After = "after",
        /// A receipt for money spent (Art. 25) or a cost-sheet line.
        Receipt = "receipt",
        /// The testing agency's report (Art. 24).
        InspectionReport = "inspection_report",
        /// A handwritten signature image (Art. 22).
        Signature = "signature",
        /// The document that shows the developer cannot repair: deregistration, bankruptcy
        /// (Art. 17). Attached with the step that records it.
        DeveloperStatus = "developer_status",
    }
}

impl EvidenceKind {
    /// Photos of the repair are compared with its visits' times; the others only with the site.
    pub fn documents_the_repair(self) -> bool {
        matches!(self, EvidenceKind::During | EvidenceKind::After)
    }
}

/// Why a file may not be attached as that kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttachRefusal {
    /// The claim is over (paid, closed, rejected): its record no longer changes.
    #[error("the claim is over")]
    ClaimOver,
    /// A signature image comes only with the confirmation it belongs to (Art. 22).
    #[error("a signature comes only with its confirmation (Art. 22)")]
    SignatureOnlyByConfirmation,
    /// This party may not attach this kind, or not now.
    #[error("{0:?} may not attach this kind now")]
    NotTheirs(Party),
}

impl EvidenceKind {
    /// May `who` attach a file of this kind to a claim in `state` (`emergency` for Art. 25)?
    ///
    /// - nothing once the claim is paid, closed or rejected;
    /// - a signature only through the confirmation that carries it (Art. 22), never on its own;
    /// - photos of the defect from the applicant, or from the designated unit once designated;
    /// - photos of the repair from the designated unit from the approved plan to the submitted
    ///   sheet, or from the applicant who repaired in an emergency (Art. 25);
    /// - receipts from the applicant on the emergency path (Art. 25), or from the designated unit
    ///   for its sheet's lines (Art. 22);
    /// - the testing agency's report during the inspection, from the developer who disputes or the
    ///   reviewer who ordered it (Art. 24).
    pub fn may_attach(self, who: Party, state: ClaimState, emergency: bool) -> Result<(), AttachRefusal> {
        use ClaimState::*;
        if matches!(state, Paid | DeveloperNotified | Closed | Rejected) {
            return Err(AttachRefusal::ClaimOver);
        }
        let repairing = matches!(state, PlanApproved | InRepair | CostSheetSubmitted);
        let designated = !matches!(
            state,
            Filed | DeveloperAsked | DeveloperRepairing | UnderInspection | AwaitingDecision
        );
        let allowed = match (self, who) {
            (EvidenceKind::Signature, _) => return Err(AttachRefusal::SignatureOnlyByConfirmation),
            (EvidenceKind::Before, Party::Applicant) => true,
            (EvidenceKind::Before, Party::DesignatedUnit) => designated,
            (EvidenceKind::During | EvidenceKind::After, Party::DesignatedUnit) => repairing,
            (EvidenceKind::During | EvidenceKind::After | EvidenceKind::Receipt, Party::Applicant) => {
                emergency
            }
            (EvidenceKind::Receipt, Party::DesignatedUnit) => repairing,
            (EvidenceKind::InspectionReport, Party::Developer | Party::Reviewer) => state == UnderInspection,
            (EvidenceKind::DeveloperStatus, Party::Reviewer) => matches!(state, Filed | DeveloperAsked),
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(AttachRefusal::NotTheirs(who))
        }
    }
}

text_enum! {
    /// The document behind a deposit reduction (Art. 9).
    pub enum DepositEvidenceKind {
        /// (i) The engineering quality liability insurance policy.
        InsurancePolicy = "insurance_policy",
        /// (ii) The housing performance certificate.
        PerformanceCertificate = "performance_certificate",
        /// (iii) The quality award.
        Award = "award",
        /// (iv) The credit rating.
        CreditRating = "credit_rating",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_keeps_its_stored_name() {
        for kind in EvidenceKind::ALL {
            assert_eq!(kind.as_str().parse::<EvidenceKind>(), Ok(*kind));
        }
        for kind in DepositEvidenceKind::ALL {
            assert_eq!(kind.as_str().parse::<DepositEvidenceKind>(), Ok(*kind));
        }
        assert!("selfie".parse::<EvidenceKind>().is_err());
        assert!(EvidenceKind::After.documents_the_repair() && !EvidenceKind::Receipt.documents_the_repair());
    }

    #[test]
    fn who_may_attach_what_and_when() {
        use ClaimState::*;
        use EvidenceKind::*;
        use Party::*;
        let may = |kind: EvidenceKind, who, state, emergency| kind.may_attach(who, state, emergency).is_ok();
        // Signatures never on their own, whoever and whenever.
        for who in [Applicant, DesignatedUnit, Developer, Reviewer, Bystander] {
            assert_eq!(
                Signature.may_attach(who, InRepair, false),
                Err(AttachRefusal::SignatureOnlyByConfirmation)
            );
        }
        // Nothing once the claim is over.
        for state in [Paid, DeveloperNotified, Closed, Rejected] {
            assert_eq!(Before.may_attach(Applicant, state, false), Err(AttachRefusal::ClaimOver));
        }
        // Receipts: the applicant only on the emergency path; the designated unit while repairing;
        // the developer and a bystander never.
        assert!(may(Receipt, Applicant, Filed, true) && !may(Receipt, Applicant, InRepair, false));
        assert!(
            may(Receipt, DesignatedUnit, InRepair, false) && !may(Receipt, DesignatedUnit, Approved, false)
        );
        assert!(!may(Receipt, Developer, InRepair, false) && !may(Receipt, Bystander, InRepair, true));
        // Inspection reports only during the inspection, from its parties.
        assert!(may(InspectionReport, Developer, UnderInspection, false));
        assert!(may(InspectionReport, Reviewer, UnderInspection, false));
        assert!(
            !may(InspectionReport, Developer, InRepair, false)
                && !may(InspectionReport, Applicant, UnderInspection, false)
        );
        // Photos of the repair from the unit doing it, while it does it.
        assert!(may(After, DesignatedUnit, InRepair, false) && !may(After, DesignatedUnit, Approved, false));
        assert!(!may(After, Applicant, InRepair, false) && may(After, Applicant, Filed, true));
        // Photos of the defect from the applicant, and from the unit once designated.
        assert!(may(Before, Applicant, Filed, false) && may(Before, DesignatedUnit, Approved, false));
        assert!(!may(Before, DesignatedUnit, Filed, false) && !may(Before, Developer, Filed, false));
        assert!(!may(Before, Bystander, Filed, false));
        // The developer's deregistration or bankruptcy, from the reviewer before deciding (Art. 17).
        assert!(may(DeveloperStatus, Reviewer, DeveloperAsked, false));
        assert!(
            !may(DeveloperStatus, Reviewer, InRepair, false)
                && !may(DeveloperStatus, Developer, Filed, false)
        );
    }
}
