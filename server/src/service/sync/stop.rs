//! Why a pushed mutation stopped, and how the wire says it: a rejection recorded with its reason
//! (from what was refused, never from an HTTP status), or trouble on our side that aborts the
//! batch so the phone sends it again later.

use baoxiu_sync_protocol::wire::RejectReason;
use serde::de::DeserializeOwned;

use crate::db::StoreError;
use crate::domain::signing::SigningRefusal;
use crate::error::AppError;
use crate::messages::Code;
use crate::service::parse_id;

/// Why a mutation stopped: a rejection to record, or trouble that aborts the batch.
pub(super) enum Stop {
    Reject(RejectReason),
    Fail(AppError),
}

impl From<AppError> for Stop {
    fn from(err: AppError) -> Stop {
        match rejection(err.code) {
            Some(reason) => Stop::Reject(reason),
            None => Stop::Fail(err),
        }
    }
}

/// The wire's reason for a refusal, from what was refused: every code is placed here, so a new
/// one cannot fall into a class by its HTTP status. `None` is trouble that passes (on our side, or
/// a moment's contention): the batch aborts and the device sends it again later.
fn rejection(code: Code) -> Option<RejectReason> {
    use Code::*;
    let reason = match code {
        StaleVersion | SequenceGap | IdempotencyConflict => RejectReason::StaleVersion,
        NotFound | NoSuchRoute | Forbidden | StepNotForRole | SignatureReused | OutsideJurisdiction
        | CsrfRefused | Unauthenticated | InvalidToken | TokenExpired | SessionRevoked
        | InvalidCredentials | RefreshTokenInvalid | RefreshTokenReused | LinkInvalid | MethodNotAllowed => {
            RejectReason::NotAllowed
        }
        FileNotFound | UploadNotFound | UploadExpired => RejectReason::MissingBlob,
        StepOutOfOrder
        | ReplyPeriodRunning
        | CostSheetUnsigned
        | CostSheetConflict
        | ClaimQuotaExceeded
        | UserQuotaExceeded
        | IneligibleApplicant
        | OutOfWarranty
        | BeforeHandover
        | NoPeriodAgreed
        | ReportDateNeedsEvidence
        | EmergencyEvidenceRequired
        | AdvancedAmountMismatch
        | ObjectionPeriodOver
        | PaymentExceedsOutstanding
        | InsufficientBalance
        | InterestPeriodOverlaps
        | RefundNotDue
        | RefundOnHold
        | RecurringDefectRegistered
        | NothingToRefund
        | MemberHasOpenWorkOrders
        | FileTooLarge => RejectReason::RuleRefused,
        InvalidInput
        | InvalidId
        | AlreadyExists
        | MalformedJson
        | PayloadTooLarge
        | UnsupportedMediaType
        | UsernameTaken
        | OwnAccount
        | RoleInUse
        | ResetLinkSpent
        | DeviceAlreadyEnrolled
        | InvalidDeviceKey
        | UnsupportedProtocolVersion
        | UploadOffsetMismatch
        | UploadExceedsLength
        | ChecksumMismatch
        | ChecksumAlgorithmUnsupported
        | TusVersionUnsupported
        | HashMismatch
        | UnsupportedFileType
        | HeicNotAccepted
        | ImageTooLarge
        | CorruptFile => RejectReason::InvalidPayload,
        Internal | ServiceUnavailable | BodyTimeout | TooManyAttempts | RateLimited | UploadBusy
        | UploadInterrupted | PreviewNotReady => return None,
    };
    Some(reason)
}

/// A signature refused by the rule of Art. 22, as the wire says it.
impl From<SigningRefusal> for Stop {
    fn from(refusal: SigningRefusal) -> Stop {
        Stop::Reject(match refusal {
            SigningRefusal::NotTheSigner | SigningRefusal::DrawingReused { .. } => RejectReason::NotAllowed,
            SigningRefusal::Stale { .. } => RejectReason::StaleVersion,
            SigningRefusal::NoSheet | SigningRefusal::OutOfOrder | SigningRefusal::Conflict => {
                RejectReason::RuleRefused
            }
        })
    }
}

impl From<StoreError> for Stop {
    fn from(err: StoreError) -> Stop {
        AppError::from(err).into()
    }
}

impl From<diesel::result::Error> for Stop {
    fn from(err: diesel::result::Error) -> Stop {
        AppError::from(err).into()
    }
}

pub(super) fn reject<T>(reason: RejectReason) -> Result<T, Stop> {
    Err(Stop::Reject(reason))
}

pub(super) fn parse<T: DeserializeOwned>(payload: &serde_json::Value) -> Result<T, Stop> {
    T::deserialize(payload).map_err(|_| Stop::Reject(RejectReason::InvalidPayload))
}

pub(super) fn id(raw: &str) -> Result<String, Stop> {
    parse_id(raw).map_err(|_| Stop::Reject(RejectReason::InvalidPayload))
}
