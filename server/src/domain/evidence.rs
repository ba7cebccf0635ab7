//! What evidence is: the kinds a claim's files serve as (Art. 21-25), and the documents a deposit
//! reduction rests on (Art. 9).

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
    }
}

impl EvidenceKind {
    /// Photos of the repair are compared with its visits' times; the others only with the site.
    pub fn documents_the_repair(self) -> bool {
        matches!(self, EvidenceKind::During | EvidenceKind::After)
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
}
