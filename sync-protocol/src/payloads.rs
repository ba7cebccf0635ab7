//! The payload of every mutation kind, and the claim a pull sends back, as frozen types: the phone
//! builds what it pushes from these and the server parses what it receives into them, so the two
//! can never disagree on a field. `cost_sheet_revision` and `owner_confirmation` carry
//! [`CostSheetRevision`](crate::wire::CostSheetRevision) and
//! [`SignedConfirmation`](crate::wire::SignedConfirmation).
//!
//! Times are RFC 3339 strings in UTC and coordinates decimal strings: the canonical JSON that
//! payload hashes are taken over has no floats and no time zones.
//!
//! FROZEN: do *not* rename, retype or remove a field; add optional ones only, in a new protocol
//! version (`PROTOCOL.md`).

use serde::{Deserialize, Serialize};

use crate::cost_sheet::LineKind;
use crate::money::Money;

/// FROZEN. The payload of `check_in` and `check_out`: the technician arrives at or leaves the site
/// of one work order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitReport {
    pub work_order_id: String,
    /// The phone's own clock when it happened, kept beside the server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_time: Option<String>,
    /// Latitude and longitude, as decimal strings (both or neither).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lng: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// At check-out: `done`, `partial` or `follow_up`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// FROZEN. The payload of `visit_note`: a note on the technician's latest visit of a work order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitNote {
    pub work_order_id: String,
    pub note: String,
}

/// FROZEN. The payload of `evidence_attached`: a photo or document, uploaded by hash, attached to
/// a claim. Until the blob is uploaded the mutation is rejected, retryably (`missing_blob`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceAttached {
    pub claim_id: String,
    /// Lowercase hex SHA-256 of the uploaded blob.
    pub sha256: String,
    /// `before`, `during`, `after`, `receipt`, `inspection_report` or `signature`.
    pub kind: String,
    /// The visit it documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_id: Option<String>,
    /// The cost sheet and line it supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_sheet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<i32>,
    /// When and where the phone says it was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lng: Option<String>,
}

/// FROZEN. A blob named by hash, as evidence of an emergency claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobEvidence {
    pub sha256: String,
    /// `before`, `during`, `after` or `receipt`.
    pub kind: String,
}

/// FROZEN. One line of the cost sheet an applicant files with an emergency claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvanceLine {
    pub kind: LineKind,
    pub description: String,
    pub unit: String,
    /// Decimal string, up to three places.
    pub quantity: String,
    pub unit_price: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Money>,
}

/// FROZEN. What the applicant paid for an emergency repair, line by line (Art. 25).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    /// Must equal the lines' total.
    pub amount: Money,
    pub lines: Vec<AdvanceLine>,
}

/// FROZEN. The payload of `emergency_claim`: an emergency repair already done and paid, filed from
/// the phone of the owner or property manager who advanced the money (Art. 25). The fields of
/// `POST /api/v1/claims`, with evidence named by blob hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyClaim {
    /// Always `emergency_advance`.
    pub kind: String,
    pub building_id: String,
    /// Required for a private part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<String>,
    /// `private_part` or `common_part`.
    pub location: String,
    /// A warranty category, e.g. `seepage`.
    pub category: String,
    pub location_detail: String,
    pub description: String,
    /// When the defect was first reported, `YYYY-MM-DD`; default today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_on: Option<String>,
    /// A property manager filing for common parts with elected owner representatives (Art. 20).
    #[serde(default, skip_serializing_if = "is_false")]
    pub with_owner_representatives: bool,
    #[serde(default)]
    pub evidence: Vec<BlobEvidence>,
    pub advance: Option<Advance>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// FROZEN. A claim as a pull sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimSnapshot {
    pub id: String,
    /// Send back as a mutation's `base_version`.
    pub version: i32,
    pub state: String,
    pub kind: String,
    pub category: String,
    pub building_id: String,
    pub unit_id: Option<String>,
    pub location_detail: String,
    pub description: String,
    pub repair_unit_id: Option<String>,
}

/// FROZEN. A work order as a pull sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkOrderSnapshot {
    pub id: String,
    /// `open`, `assigned`, `scheduled`, `in_progress`, `follow_up` or `completed`.
    pub status: String,
    pub description: String,
    pub urgent: bool,
    pub technician_id: Option<String>,
    /// RFC 3339, UTC.
    pub on_site_by: Option<String>,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub version: i32,
}

/// FROZEN. One line of a pulled cost sheet, with the reviewer's verdict once given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulledLine {
    pub line: i32,
    pub description: String,
    pub amount: Money,
    /// `approved`, `cut` or `rejected`.
    pub decision: Option<String>,
    pub approved: Option<Money>,
    pub reason: Option<String>,
}

/// FROZEN. A cost-sheet revision as a pull sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostSheetSnapshot {
    pub id: String,
    pub revision: i32,
    /// Its canonical hash: a confirmation names it.
    pub hash: Option<String>,
    pub parent_hash: Option<String>,
    /// Another revision names the same parent.
    pub conflict: bool,
    pub total: Money,
    pub signed: bool,
    /// How it was signed: `account` (the applicant on their own account) or `in_person` (on a
    /// technician's phone, witnessed by `witnessed_by`). Added in the same version, optional so
    /// that readers that do not know it are unaffected; absent while unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witnessed_by: Option<String>,
    pub verified: bool,
    pub approved_total: Option<Money>,
    pub lines: Vec<PulledLine>,
}

/// FROZEN (protocol 3). The claim's approved plan as a pull sends it: its budget line by line, so
/// that the phone gives each cost-sheet line the budget of the plan line it carries out (Art. 22)
/// before it hashes the revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSnapshot {
    pub revision: i32,
    pub description: String,
    pub budget: Money,
    /// Empty when the plan gives one total only.
    pub lines: Vec<PlanLineSnapshot>,
}

/// FROZEN (protocol 3). One line of an approved plan's budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLineSnapshot {
    /// Numbered from 1.
    pub line: i32,
    pub kind: LineKind,
    pub description: String,
    pub unit: String,
    pub budget: Money,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn optional_fields_stay_off_the_wire_and_unknown_ones_are_refused() {
        let check_in =
            VisitReport { work_order_id: "w".into(), device_time: Some("t".into()), ..Default::default() };
        assert_eq!(
            serde_json::to_value(&check_in).unwrap(),
            json!({"work_order_id": "w", "device_time": "t"})
        );
        let extra = serde_json::from_value::<VisitNote>(json!({"work_order_id": "w", "note": "n", "x": 1}));
        assert!(extra.is_err(), "a field this version does not know is refused");
        let emergency: EmergencyClaim = serde_json::from_value(json!({
            "kind": "emergency_advance", "building_id": "b", "location": "private_part", "category": "seepage",
            "location_detail": "厨房", "description": "漏水", "advance": null
        }))
        .unwrap();
        assert!(emergency.evidence.is_empty() && !emergency.with_owner_representatives);
    }
}
