//! The messages of sync protocol v1. See `PROTOCOL.md`.
//!
//! Structs marked FROZEN are on the wire: do *not* rename, remove or retype their fields. Add
//! optional fields only, and only with a protocol version bump noted in `PROTOCOL.md`.

use serde::{Deserialize, Serialize};

use crate::canonical::{canonical_hash, to_canonical, value_hash, CanonicalError};
use crate::cost_sheet::{
    check_budget, check_line_count, line_amount, parse_quantity, total, LineError, LineKind,
};
use crate::payloads::{ClaimSnapshot, CostSheetSnapshot, PlanSnapshot, WorkOrderSnapshot};
use crate::Money;

/// The protocol version this build speaks when it sends. History in `PROTOCOL.md`, section 1:
/// 2 added `PullResponse::reset`; 3 added `PulledClaim::plan`.
pub const CURRENT_VERSION: u32 = 3;

/// FROZEN. What the server accepts: `GET /api/sync/info`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncInfo {
    /// Oldest protocol version accepted.
    pub min_version: u32,
    /// Newest protocol version accepted.
    pub max_version: u32,
    /// Mutation kinds this server applies, e.g. `cost_sheet_revision`.
    pub capabilities: Vec<String>,
    /// Limits a client must split its batches to.
    pub limits: Limits,
}

/// FROZEN. Batch limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Most mutations in one push.
    pub max_mutations: u32,
    /// Most bytes in one push body.
    pub max_batch_bytes: u64,
    /// Most bytes in one mutation's payload.
    pub max_payload_bytes: u64,
}

/// FROZEN. What a mutation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationKind {
    CheckIn,
    CheckOut,
    VisitNote,
    EvidenceAttached,
    CostSheetRevision,
    OwnerConfirmation,
    EmergencyClaim,
}

impl MutationKind {
    /// Every kind, in declaration order.
    pub const ALL: [MutationKind; 7] = [
        MutationKind::CheckIn,
        MutationKind::CheckOut,
        MutationKind::VisitNote,
        MutationKind::EvidenceAttached,
        MutationKind::CostSheetRevision,
        MutationKind::OwnerConfirmation,
        MutationKind::EmergencyClaim,
    ];
}

/// FROZEN. One change made on a device, numbered 1, 2, 3… per device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// The device's sequence number: the first mutation is 1, and there are no gaps.
    pub seq: u64,
    /// A UUIDv7 the device generated.
    pub id: String,
    pub kind: MutationKind,
    /// The version of the entity the change was made against; `None` for creations.
    pub base_version: Option<i64>,
    pub payload: serde_json::Value,
    /// Lowercase hex SHA-256 of the payload's canonical JSON.
    pub payload_hash: String,
}

/// FROZEN. `POST /api/sync/push`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub protocol_version: u32,
    pub device_id: String,
    pub mutations: Vec<Mutation>,
}

/// FROZEN. How one mutation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Applied now.
    Applied,
    /// Applied before: this is the recorded outcome, returned again.
    Duplicate,
    /// Refused; kept on the server with its reason, shown to the device and the office.
    Rejected,
}

/// FROZEN. Why a mutation was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The entity changed since `base_version` (e.g. a reviewer decided meanwhile).
    StaleVersion,
    /// An evidence blob it references has not been uploaded yet. Retryable.
    MissingBlob,
    /// The payload does not match its hash, or does not parse as its kind.
    InvalidPayload,
    /// The account or device may not make this change.
    NotAllowed,
    /// The device signature does not verify.
    BadSignature,
    /// The rules refuse it in the entity's present state.
    RuleRefused,
}

/// The name a unit variant (a kind, an outcome, a reason) has on the wire, e.g. `cost_sheet_revision`.
pub fn wire_name<T: Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

impl RejectReason {
    /// Every reason.
    pub const ALL: [RejectReason; 6] = [
        RejectReason::StaleVersion,
        RejectReason::MissingBlob,
        RejectReason::InvalidPayload,
        RejectReason::NotAllowed,
        RejectReason::BadSignature,
        RejectReason::RuleRefused,
    ];

    /// What the technician reads on the phone: what happened and what to do, in Chinese or
    /// (`english`) English. The phone's texts, kept with the reasons they explain.
    pub fn text(self, english: bool) -> &'static str {
        let (zh, en) = match self {
            RejectReason::StaleVersion => (
                "记录已在服务器上被更新（例如住建部门已作出决定），请同步后按最新情况重新办理。",
                "The record changed on the server meanwhile (a decision was made); sync and redo it on the latest state.",
            ),
            RejectReason::MissingBlob => (
                "照片或签名文件尚未上传完成，网络恢复后将自动重试。",
                "A photo or signature file has not finished uploading; it is retried when the connection returns.",
            ),
            RejectReason::InvalidPayload => (
                "提交的内容不完整或格式有误（例如含有不允许的字符或超出上限），请检查后重新填写。",
                "The record is incomplete or malformed (a forbidden character, a value over its limit); check and fill it in again.",
            ),
            RejectReason::NotAllowed => (
                "您或本设备无权办理此事项（例如并非指定的维修单位或被派单的维修人员，或签名图像并非本机为此清单当场所签）。",
                "You or this phone may not do this (not the designated repair unit, not the assigned technician, or a signature drawing not drawn on this phone for this sheet).",
            ),
            RejectReason::BadSignature => (
                "设备签名校验失败，请重新登记本设备后再签章。",
                "The device signature does not verify; enrol this phone again and sign anew.",
            ),
            RejectReason::RuleRefused => (
                "按规定当前环节不能办理此事项（例如工单已完成、现场签章超出到场时间），请联系办公室处理。",
                "The rules refuse this at the present stage (the work order is completed, a signature outside the visit); ask the office.",
            ),
        };
        if english {
            en
        } else {
            zh
        }
    }

    /// Whether sending the same mutation again later can succeed.
    pub fn retryable(self) -> bool {
        matches!(self, RejectReason::MissingBlob)
    }
}

/// FROZEN. The result of one mutation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutationResult {
    pub seq: u64,
    pub id: String,
    pub outcome: Outcome,
    pub reason: Option<RejectReason>,
    pub retryable: bool,
    /// The entity's version after the mutation.
    pub entity_version: Option<i64>,
}

/// FROZEN. `POST /api/sync/push` answers with this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Every mutation up to and including this number is durable on the server.
    pub acknowledged_through: u64,
    pub results: Vec<MutationResult>,
}

/// Why a batch cannot be taken as it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The protocol version is outside what the server accepts.
    #[error("protocol version {got} is not accepted; use {min}..={max}")]
    UnsupportedVersion { got: u32, min: u32, max: u32 },
    /// The first new mutation does not follow the last acknowledged one.
    #[error("expected mutation {expected}")]
    Gap { expected: u64 },
    /// Numbers inside the batch are not consecutive.
    #[error("mutations must be numbered consecutively")]
    NotConsecutive,
    /// A number of 0 or above [`MAX_SEQ`].
    #[error("mutation numbers run from 1 to 9223372036854775807")]
    SeqOutOfRange,
}

/// The largest mutation number: the server stores numbers as a signed 64-bit integer.
pub const MAX_SEQ: u64 = i64::MAX as u64;

/// Checks a batch against the server's accepted versions and the device's last acknowledged
/// number. Mutations at or below `acknowledged_through` are retries (their recorded outcome is
/// returned); the first new one must be `acknowledged_through + 1`.
pub fn check_batch(
    request: &PushRequest,
    accepted: (u32, u32),
    acknowledged_through: u64,
) -> Result<(), BatchError> {
    let (min, max) = accepted;
    if request.protocol_version < min || request.protocol_version > max {
        return Err(BatchError::UnsupportedVersion { got: request.protocol_version, min, max });
    }
    if request.mutations.iter().any(|m| m.seq == 0 || m.seq > MAX_SEQ) {
        return Err(BatchError::SeqOutOfRange);
    }
    if request.mutations.windows(2).any(|w| w[0].seq.checked_add(1) != Some(w[1].seq)) {
        return Err(BatchError::NotConsecutive);
    }
    if let Some(first_new) = request.mutations.iter().find(|m| m.seq > acknowledged_through) {
        let expected = acknowledged_through.saturating_add(1);
        if first_new.seq != expected {
            return Err(BatchError::Gap { expected });
        }
    }
    Ok(())
}

impl Mutation {
    /// A mutation with its payload hash computed.
    pub fn new(
        seq: u64,
        id: String,
        kind: MutationKind,
        base_version: Option<i64>,
        payload: serde_json::Value,
    ) -> Result<Mutation, CanonicalError> {
        let payload_hash = value_hash(&payload)?;
        Ok(Mutation { seq, id, kind, base_version, payload, payload_hash })
    }

    /// True when the payload hashes to `payload_hash`.
    pub fn payload_matches(&self) -> bool {
        value_hash(&self.payload).is_ok_and(|h| h == self.payload_hash)
    }

    /// The same number sent again with other content is an idempotency conflict, never a silent
    /// overwrite: compare id, kind and payload hash with what was recorded.
    pub fn same_as(&self, recorded_id: &str, recorded_kind: MutationKind, recorded_hash: &str) -> bool {
        self.id == recorded_id && self.kind == recorded_kind && self.payload_hash == recorded_hash
    }
}

/// FROZEN. One line of a cost sheet on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireLine {
    pub kind: LineKind,
    pub description: String,
    pub unit: String,
    /// Decimal string, up to three places.
    pub quantity: String,
    pub unit_price: Money,
    pub budget: Money,
}

/// FROZEN. A cost-sheet revision: append-only, naming its parent by hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostSheetRevision {
    pub claim_id: String,
    /// UUIDv7 of this revision.
    pub revision_id: String,
    /// Canonical hash of the revision this one changes; `None` for the first.
    pub parent_hash: Option<String>,
    pub lines: Vec<WireLine>,
}

impl CostSheetRevision {
    /// The revision's identity: SHA-256 of its canonical JSON. A signature binds to this.
    pub fn hash(&self) -> Result<String, CanonicalError> {
        canonical_hash(self)
    }

    /// Each line's amount and the total, by the shared arithmetic, within its bounds.
    pub fn amounts(&self) -> Result<(Vec<Money>, Money), LineError> {
        check_line_count(self.lines.len())?;
        let amounts = self
            .lines
            .iter()
            .map(|l| {
                let quantity = parse_quantity(&l.quantity)?;
                check_budget(l.budget)?;
                line_amount(quantity, l.unit_price)
            })
            .collect::<Result<Vec<_>, _>>()?;
        total(self.lines.iter().map(|l| l.budget))?;
        let sum = total(amounts.iter().copied())?;
        Ok((amounts, sum))
    }
}

/// FROZEN. Who signed a cost sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Signer {
    /// The applicant signed in on their own account.
    Account { account_id: String },
    /// The owner signed on the technician's phone.
    InPerson { name: String, phone: String },
}

/// FROZEN. The applicant's confirmation 签章确认 of one exact revision (Art. 22).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerConfirmation {
    pub claim_id: String,
    /// The canonical hash of the confirmed revision.
    pub revision_hash: String,
    pub signer: Signer,
    /// RFC 3339 time of signing, UTC, from the device clock.
    pub signed_at: String,
    /// SHA-256 of the handwritten-signature image blob.
    pub signature_image_sha256: String,
    /// The enrolled device that captured it.
    pub device_id: String,
}

impl OwnerConfirmation {
    /// The bytes the device signs with its Ed25519 key: the canonical JSON of the confirmation.
    pub fn signing_bytes(&self) -> Result<Vec<u8>, CanonicalError> {
        to_canonical(self)
    }
}

/// FROZEN. A confirmation with the device's Ed25519 signature (standard base64) over
/// [`OwnerConfirmation::signing_bytes`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedConfirmation {
    pub confirmation: OwnerConfirmation,
    pub device_signature: String,
}

/// FROZEN. `GET /api/sync/pull?cursor=…&limit=…` answers with this.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// What changed since the cursor, one claim at a time, in change order; each is the claim as the
    /// caller may see it now and replaces what the device holds for that claim.
    pub changes: Vec<PulledClaim>,
    /// Opaque. Store it together with the changes, and send it with the next pull.
    pub cursor: String,
    /// More is waiting: pull again at once.
    pub more: bool,
    /// Reference data (warranty categories and their minimum periods), on a pull without a cursor.
    pub reference: Option<serde_json::Value>,
    /// Protocol 2: what the caller may see changed as a whole (an organisation joined or left, a
    /// unit bought or sold), so this page starts a fresh snapshot. Drop every claim held, in the
    /// same local transaction that stores this page. Absent (false) for a protocol 1 pull.
    #[serde(default, skip_serializing_if = "is_false")]
    pub reset: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// FROZEN. One claim as it is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulledClaim {
    /// The last change number this snapshot includes.
    pub change: i64,
    pub claim_id: String,
    pub claim: ClaimSnapshot,
    /// The claim's work orders the caller works on (a technician: those assigned to them). One that
    /// was held before and is missing now was unassigned: remove it.
    pub work_orders: Vec<WorkOrderSnapshot>,
    /// Every cost-sheet revision with the reviewer's decisions on its lines.
    pub cost_sheets: Vec<CostSheetSnapshot>,
    /// Protocol 3: the approved plan with its budget lines, once the bureau approved one. Absent
    /// for a protocol 1 or 2 pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanSnapshot>,
}

#[cfg(test)]
mod reason_texts {
    use super::*;

    #[test]
    fn every_rejection_reason_has_a_text_in_both_languages() {
        for reason in RejectReason::ALL {
            assert!(!reason.text(false).is_empty() && !reason.text(false).is_ascii(), "{reason:?}");
            assert!(reason.text(true).is_ascii() && !reason.text(true).is_empty(), "{reason:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mutation(seq: u64) -> Mutation {
        Mutation::new(seq, format!("m{seq}"), MutationKind::VisitNote, Some(1), json!({"note": "n"})).unwrap()
    }

    #[test]
    fn batches_follow_the_last_acknowledged_number() {
        let req = |seqs: &[u64], version| PushRequest {
            protocol_version: version,
            device_id: "d".into(),
            mutations: seqs.iter().map(|&s| mutation(s)).collect(),
        };
        assert_eq!(check_batch(&req(&[1, 2, 3], 1), (1, 1), 0), Ok(()));
        // A retry of 1-3 with 4 new after 3 was acknowledged.
        assert_eq!(check_batch(&req(&[2, 3, 4], 1), (1, 1), 3), Ok(()));
        assert_eq!(check_batch(&req(&[5, 6], 1), (1, 1), 3), Err(BatchError::Gap { expected: 4 }));
        assert_eq!(check_batch(&req(&[1, 3], 1), (1, 1), 0), Err(BatchError::NotConsecutive));
        // Numbers at the edge of their type are refused, never wrapped.
        assert_eq!(check_batch(&req(&[u64::MAX, 0], 1), (1, 1), 0), Err(BatchError::SeqOutOfRange));
        assert_eq!(check_batch(&req(&[MAX_SEQ + 1], 1), (1, 1), 0), Err(BatchError::SeqOutOfRange));
        assert_eq!(check_batch(&req(&[0], 1), (1, 1), 0), Err(BatchError::SeqOutOfRange));
        assert_eq!(
            check_batch(&req(&[1], 0), (1, 1), 0),
            Err(BatchError::UnsupportedVersion { got: 0, min: 1, max: 1 })
        );
    }

    #[test]
    fn payload_hashes_catch_tampering_and_conflicts() {
        let recorded = mutation(1);
        assert!(recorded.payload_matches());
        assert!(recorded.same_as("m1", MutationKind::VisitNote, &recorded.payload_hash));
        // The payload changed in transit: the hash no longer matches.
        let mut tampered = recorded.clone();
        tampered.payload = json!({"note": "changed"});
        assert!(!tampered.payload_matches());
        // The same number sent again with other content: an idempotency conflict.
        let other = Mutation::new(1, "m1".into(), MutationKind::VisitNote, Some(1), json!({"note": "other"}))
            .unwrap();
        assert!(!other.same_as(&recorded.id, recorded.kind, &recorded.payload_hash));
        assert!(RejectReason::MissingBlob.retryable() && !RejectReason::StaleVersion.retryable());
    }
}
