//! Every refusal of a rule, turned into the one error type once: `?` carries a domain refusal
//! out of a use case with its code, its article and what would make it pass.

use super::AppError;
use crate::db::StoreError;
use crate::domain::coverage::NotCovered;
use crate::domain::evidence::AttachRefusal;
use crate::domain::ledger::OutflowRefused;
use crate::domain::lifecycle::Refusal;
use crate::domain::signing::SigningRefusal;
use crate::domain::work_order::WorkOrderRefusal;
use crate::media::inspect::Refusal as FileRefusal;
use crate::messages::{Code, Hint};

/// A claim step the state machine refuses, naming the article and what would make it pass. (The
/// step's use case adds where the claim stands: `AppError::standing`.)
impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> AppError {
        let (code, hint) = match refusal {
            Refusal::WrongRole { .. } => (Code::StepNotForRole, Hint::StepIsAnothers),
            Refusal::OutOfOrder { .. } => (Code::StepOutOfOrder, Hint::TakeAnAllowedStep),
            Refusal::UnsignedCostSheet => (Code::CostSheetUnsigned, Hint::SignFirst),
            Refusal::EmergencyWithoutEvidence => {
                (Code::EmergencyEvidenceRequired, Hint::AttachEmergencyEvidence)
            }
            Refusal::ReplyPeriodRunning => (Code::ReplyPeriodRunning, Hint::WaitForReplyDate),
        };
        AppError::new(code).detail(refusal.article().to_string()).hint(hint)
    }
}

/// A signature the rules of Art. 22 refuse.
impl From<SigningRefusal> for AppError {
    fn from(refusal: SigningRefusal) -> AppError {
        match refusal {
            SigningRefusal::NotTheSigner => AppError::new(Code::StepNotForRole).detail("Art. 22"),
            SigningRefusal::NoSheet => AppError::new(Code::NotFound),
            SigningRefusal::Stale { latest } => AppError::new(Code::StaleVersion).detail(latest.to_string()),
            SigningRefusal::OutOfOrder => AppError::new(Code::StepOutOfOrder).detail("Art. 22"),
            SigningRefusal::Conflict => AppError::new(Code::CostSheetConflict),
            SigningRefusal::DrawingReused { revision } => {
                AppError::new(Code::SignatureReused).detail(revision.to_string())
            }
        }
    }
}

/// A defect outside what the warranty covers (Art. 18).
impl From<NotCovered> for AppError {
    fn from(err: NotCovered) -> AppError {
        let code = match err {
            NotCovered::OutOfPeriod { .. } | NotCovered::Excluded { .. } => Code::OutOfWarranty,
            NotCovered::BeforeHandover => Code::BeforeHandover,
            NotCovered::NoPeriodAgreed => Code::NoPeriodAgreed,
        };
        let detail = match err {
            NotCovered::OutOfPeriod { last_day } => format!("{}: {last_day}", err.article()),
            _ => err.article().to_string(),
        };
        AppError::new(code).detail(detail)
    }
}

/// Evidence its kind does not allow here.
impl From<AttachRefusal> for AppError {
    fn from(refusal: AttachRefusal) -> AppError {
        match refusal {
            AttachRefusal::ClaimOver => AppError::new(Code::StepOutOfOrder).detail("claim_over"),
            AttachRefusal::SignatureOnlyByConfirmation => {
                AppError::new(Code::StepNotForRole).detail("Art. 22")
            }
            AttachRefusal::NotTheirs(_) => AppError::new(Code::StepNotForRole).detail("kind"),
        }
    }
}

/// A work order moved out of order, naming what is missing.
impl From<WorkOrderRefusal> for AppError {
    fn from(refusal: WorkOrderRefusal) -> AppError {
        match refusal {
            WorkOrderRefusal::Completed => AppError::new(Code::StepOutOfOrder),
            other => AppError::new(Code::StepOutOfOrder).detail(other.to_string()),
        }
    }
}

/// A payout or refund the fund's balance does not allow.
impl From<OutflowRefused> for AppError {
    fn from(err: OutflowRefused) -> AppError {
        match err {
            OutflowRefused::Negative(amount) => AppError::invalid("amount").detail(amount.to_string()),
            OutflowRefused::Short(s) => {
                AppError::new(Code::InsufficientBalance).detail(s.shortfall.to_string())
            }
        }
    }
}

/// A file whose bytes are refused, whatever its name says.
impl From<FileRefusal> for AppError {
    fn from(refusal: FileRefusal) -> AppError {
        match refusal {
            FileRefusal::Unsupported(kind) => AppError::new(Code::UnsupportedFileType).detail(kind),
            FileRefusal::Heic => AppError::new(Code::HeicNotAccepted),
            FileRefusal::TooLarge { width, height } if width > 0 => {
                AppError::new(Code::ImageTooLarge).detail(format!("{width}x{height}"))
            }
            FileRefusal::TooLarge { .. } => AppError::new(Code::ImageTooLarge),
            FileRefusal::Corrupt(why) => AppError::new(Code::CorruptFile).detail(why),
        }
    }
}

/// What storage could not do, as the caller hears it: a storage fact, with the rule it implies
/// left to the use case (which maps a duplicate username, say, to `username_taken` itself).
impl From<StoreError> for AppError {
    fn from(err: StoreError) -> AppError {
        match err {
            StoreError::NotFound => AppError::new(Code::NotFound),
            StoreError::NoSuchUpload => AppError::new(Code::UploadNotFound),
            StoreError::NoSuchFile(None) => AppError::new(Code::FileNotFound),
            StoreError::NoSuchFile(Some(id)) => AppError::new(Code::FileNotFound).detail(id),
            StoreError::Duplicate(None) => AppError::new(Code::AlreadyExists),
            StoreError::Duplicate(Some(key)) => AppError::new(Code::AlreadyExists).detail(key),
            StoreError::MissingParent => AppError::new(Code::StepOutOfOrder).detail("parent"),
            StoreError::OutOfBounds(what) => AppError::invalid("lines").detail(what),
            StoreError::Stale(version) => AppError::new(Code::StaleVersion).detail(version.to_string()),
            StoreError::Busy => AppError::new(Code::UploadBusy).retry_after(1),
            StoreError::Database(err) => err.into(),
            StoreError::Pool(err) => err.into(),
            StoreError::Corrupt(cause) => AppError::internal(cause),
        }
    }
}
