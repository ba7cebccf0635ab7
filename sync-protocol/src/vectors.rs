//! Test vectors: canonical bytes and hashes of sample messages, written to
//! `fixtures/sync-vectors.json` so a client in another language can check itself.

use serde::Serialize;
use serde_json::Value;

use crate::canonical::{canonical_hash, to_canonical, CanonicalError};
use crate::cost_sheet::LineKind;
use crate::money::Money;
use crate::payloads::{
    Advance, AdvanceLine, BlobEvidence, EmergencyClaim, EvidenceAttached, VisitNote, VisitReport,
};
use crate::wire::{CostSheetRevision, OwnerConfirmation, SignedConfirmation, Signer, WireLine};

/// One vector: a value, its canonical bytes as a string, and their SHA-256.
#[derive(Serialize)]
pub struct Vector {
    pub name: &'static str,
    pub value: Value,
    pub canonical: String,
    pub sha256: String,
}

/// The sample revision the vectors use.
pub fn sample_revision() -> CostSheetRevision {
    let money = |s: &str| s.parse().unwrap_or_default();
    CostSheetRevision {
        claim_id: "01a21bea-0f7d-77f5-946a-fb8795a7191b".into(),
        revision_id: "01a21bea-0fd6-71e0-a7e4-54961000c1d6".into(),
        parent_hash: None,
        lines: vec![
            WireLine {
                kind: LineKind::Material,
                description: "聚氨酯防水涂料".into(),
                unit: "m²".into(),
                quantity: "12.5".into(),
                unit_price: money("38.47"),
                budget: money("500.00"),
            },
            WireLine {
                kind: LineKind::Labour,
                description: "防水施工".into(),
                unit: "工日".into(),
                quantity: "3".into(),
                unit_price: money("350.00"),
                budget: money("1000.00"),
            },
        ],
    }
}

/// A typical five-line sheet for a seepage repair (materials, labour, machinery and other), whose
/// last line reads `other`: what the end-to-end tests and `baoxiu-field` revise.
pub fn five_lines(other: &str) -> Vec<WireLine> {
    let line = |kind, description: &str, unit: &str, quantity: &str, price: &str| WireLine {
        kind,
        description: description.into(),
        unit: unit.into(),
        quantity: quantity.into(),
        unit_price: price.parse().unwrap_or_default(),
        budget: crate::Money::ZERO,
    };
    vec![
        line(LineKind::Material, "防水涂料", "kg", "12.5", "38.47"),
        line(LineKind::Material, "石膏板", "张", "3", "45"),
        line(LineKind::Labour, "防水工", "工日", "1.5", "380"),
        line(LineKind::Machinery, "脚手架租赁", "天", "1", "120"),
        line(LineKind::Other, other, "项", "1", "50"),
    ]
}

fn value(v: &impl Serialize) -> Result<Value, CanonicalError> {
    serde_json::to_value(v).map_err(|e| CanonicalError::Serialise(e.to_string()))
}

/// Every vector, computed: the payload of each mutation kind, the confirmation a device signs, and
/// values that trip a client in JavaScript.
pub fn vectors() -> Result<Vec<Vector>, CanonicalError> {
    let revision = sample_revision();
    let confirmation = OwnerConfirmation {
        claim_id: revision.claim_id.clone(),
        revision_hash: revision.hash()?,
        signer: Signer::InPerson { name: "王秀英".into(), phone: "13805310000".into() },
        signed_at: "2026-11-27T03:15:00Z".into(),
        signature_image_sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        device_id: "01a21bea-1111-7222-8333-444455556666".into(),
    };
    let work_order = "01a21bea-2222-7333-8444-555566667777".to_string();
    let check_in = VisitReport {
        work_order_id: work_order.clone(),
        device_time: Some("2026-11-27T02:40:00Z".into()),
        lat: Some("36.6512".into()),
        lng: Some("117.1201".into()),
        ..Default::default()
    };
    let check_out = VisitReport {
        device_time: Some("2026-11-27T04:05:00Z".into()),
        notes: Some("顶棚防水已完成".into()),
        outcome: Some("done".into()),
        ..check_in.clone()
    };
    let note = VisitNote { work_order_id: work_order, note: "业主要求周六复查".into() };
    let photo = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae".to_string();
    let evidence = EvidenceAttached {
        claim_id: revision.claim_id.clone(),
        sha256: photo.clone(),
        kind: "during".into(),
        taken_at: Some("2026-11-27T03:00:00Z".into()),
        lat: Some("36.6512".into()),
        lng: Some("117.1201".into()),
        ..Default::default()
    };
    let amount = |s: &str| s.parse::<Money>().map_err(|e| CanonicalError::Serialise(e.to_string()));
    let emergency = EmergencyClaim {
        kind: "emergency_advance".into(),
        building_id: "01a21bea-3333-7444-8555-666677778888".into(),
        unit_id: Some("01a21bea-4444-7555-8666-777788889999".into()),
        location: "private_part".into(),
        category: "electrical_plumbing_equipment".into(),
        location_detail: "厨房给水管".into(),
        description: "夜间水管爆裂，已关闭总阀并抢修。".into(),
        reported_on: Some("2026-11-26".into()),
        with_owner_representatives: false,
        evidence: vec![BlobEvidence { sha256: photo, kind: "receipt".into() }],
        advance: Some(Advance {
            amount: amount("380.00")?,
            lines: vec![AdvanceLine {
                kind: LineKind::Labour,
                description: "管道抢修".into(),
                unit: "项".into(),
                quantity: "1".into(),
                unit_price: amount("380.00")?,
                budget: None,
            }],
        }),
    };
    let signed = SignedConfirmation {
        confirmation: confirmation.clone(),
        device_signature:
            "placeholder: the device's Ed25519 signature over the confirmation's canonical bytes".into(),
    };
    let vector = |name, value: Value| -> Result<Vector, CanonicalError> {
        Ok(Vector {
            name,
            canonical: String::from_utf8_lossy(&to_canonical(&value)?).into_owned(),
            sha256: canonical_hash(&value)?,
            value,
        })
    };
    Ok(vec![
        vector("cost_sheet_revision", value(&revision)?)?,
        vector("owner_confirmation", value(&confirmation)?)?,
        vector("owner_confirmation_payload", value(&signed)?)?,
        vector("check_in", value(&check_in)?)?,
        vector("check_out", value(&check_out)?)?,
        vector("visit_note", value(&note)?)?,
        vector("evidence_attached", value(&evidence)?)?,
        vector("emergency_claim", value(&emergency)?)?,
        // What trips a JavaScript client: integer-like keys, which JavaScript's objects put
        // first in numeric order; keys whose UTF-16 order differs from their UTF-8 byte order (a
        // character outside the BMP against one in U+E000-U+FFFF); characters outside the BMP;
        // integers beyond 2^53, which a JavaScript number cannot hold.
        vector("integer_like_keys", serde_json::json!({"10": "十", "2": "二", "1": "一", "b": 0, "a": -1}))?,
        vector(
            "utf16_versus_utf8_order",
            serde_json::json!({"\u{FF61}": "half-width stop", "\u{1F600}": "smile", "\u{E000}": "private use", "z": "ascii"}),
        )?,
        vector(
            "outside_the_bmp",
            serde_json::json!({"description": "𠮷野家的瓷砖 😀", "unit": "m²", "quote": "\"\\\n\u{7}"}),
        )?,
        vector(
            "integers_beyond_2_53",
            serde_json::json!({"seq": 9_007_199_254_740_993_i64, "max_seq": i64::MAX, "min": i64::MIN}),
        )?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../fixtures/sync-vectors.json");

    /// The committed vectors are what this code computes: a change to the canonical form or to a
    /// frozen type shows up here. Regenerate with `BAOXIU_WRITE_VECTORS=1 cargo test -p baoxiu-sync-protocol vectors`
    /// only for a deliberate, versioned protocol change.
    #[test]
    fn committed_vectors_match_the_code() {
        let computed = serde_json::to_string_pretty(&vectors().unwrap()).unwrap() + "\n";
        if std::env::var("BAOXIU_WRITE_VECTORS").is_ok() {
            std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/sync-vectors.json"), &computed)
                .unwrap();
            return;
        }
        assert_eq!(FIXTURE, computed, "fixtures/sync-vectors.json is out of date");
    }

    /// Every mutation kind has a vector, and each vector reads back into its frozen type unchanged:
    /// a client in another language that matches these bytes speaks the protocol.
    #[test]
    fn every_mutation_kind_has_a_vector_that_reads_back_into_its_type() {
        use crate::wire::{wire_name, MutationKind};
        fn same<T: serde::de::DeserializeOwned + Serialize>(v: &Vector) {
            let parsed: T =
                serde_json::from_value(v.value.clone()).unwrap_or_else(|e| panic!("{}: {e}", v.name));
            assert_eq!(serde_json::to_value(&parsed).unwrap(), v.value, "{}", v.name);
        }
        let all = vectors().unwrap();
        let named =
            |name: &str| all.iter().find(|v| v.name == name).unwrap_or_else(|| panic!("no {name} vector"));
        for kind in MutationKind::ALL {
            let v = match kind {
                MutationKind::OwnerConfirmation => named("owner_confirmation_payload"),
                other => named(&wire_name(other)),
            };
            match kind {
                MutationKind::CheckIn | MutationKind::CheckOut => same::<VisitReport>(v),
                MutationKind::VisitNote => same::<VisitNote>(v),
                MutationKind::EvidenceAttached => same::<EvidenceAttached>(v),
                MutationKind::CostSheetRevision => same::<CostSheetRevision>(v),
                MutationKind::OwnerConfirmation => same::<SignedConfirmation>(v),
                MutationKind::EmergencyClaim => same::<EmergencyClaim>(v),
            }
        }
    }

    #[test]
    fn the_sample_revision_totals_by_the_shared_arithmetic() {
        let (amounts, total) = sample_revision().amounts().unwrap();
        assert_eq!(amounts.iter().map(|m| m.to_string()).collect::<Vec<_>>(), ["480.88", "1050.00"]);
        assert_eq!(total.to_string(), "1530.88");
    }
}
