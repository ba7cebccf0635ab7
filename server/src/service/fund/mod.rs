//! The warranty fund: deposit notices, the developer's objection, the bureau's re-check, payments
//! with late fees, deposit certificates, and each building's balances and journal.

mod balances;
mod corrections;
mod deposits;
mod interest;
mod publication;
mod refunds;

pub use balances::{building_fund, BuildingFund, CategoryBalance, HoldView, JournalEntryView};
pub(crate) use corrections::usage_notice_in;
pub use corrections::{reverse_entry, usage_notice, ReverseRequest, UsageNotice};
pub(crate) use deposits::notice_view;
pub use deposits::{
    building_with_notice, get_notice, notify_deposit, notify_deposit_in, object_to_notice, recheck,
    record_payment, record_payment_in, verify_certificate, CertificateView, DepositNoticeRequest,
    EvidenceInput, EvidenceRef, NoticeView, ObjectionRequest, PaymentRequest, PaymentView, RecheckRequest,
    ReductionsInput,
};
pub use interest::{run_interest, run_interest_in, InterestRunRequest, InterestRunView};
pub use publication::{
    export_journal, jurisdiction_overview, jurisdiction_publication, publication, publish, JournalLine,
    PeriodQuery, YearStatement,
};
pub use refunds::{
    award_refund, lift_hold, place_hold, refund, AwardRefundRequest, HoldRequest, LiftRequest, RefundRequest,
};

// Shared between the areas.
use balances::{fund_view, visible_fund};
use interest::reviewer_jurisdiction;
pub(crate) use refunds::refund_window;
