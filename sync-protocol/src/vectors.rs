//! Test vectors: canonical bytes and hashes of sample messages, written to
//! `fixtures/sync-vectors.json` so a client in another language can check itself.

use serde::Serialize;
use serde_json::Value;

use crate::canonical::{canonical_hash, to_canonical, CanonicalError};
use crate::cost_sheet::LineKind;
use crate::wire::{CostSheetRevision, OwnerConfirmation, Signer, WireLine};

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

/// Every vector, computed.
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
    let vector = |name, value: Value| -> Result<Vector, CanonicalError> {
        Ok(Vector {
            name,
            canonical: String::from_utf8_lossy(&to_canonical(&value)?).into_owned(),
            sha256: canonical_hash(&value)?,
            value,
        })
    };
    Ok(vec![
        vector(
            "cost_sheet_revision",
            serde_json::to_value(&revision).map_err(|e| CanonicalError::Serialise(e.to_string()))?,
        )?,
        vector(
            "owner_confirmation",
            serde_json::to_value(&confirmation).map_err(|e| CanonicalError::Serialise(e.to_string()))?,
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

    #[test]
    fn the_sample_revision_totals_by_the_shared_arithmetic() {
        let (amounts, total) = sample_revision().amounts().unwrap();
        assert_eq!(amounts.iter().map(|m| m.to_string()).collect::<Vec<_>>(), ["480.88", "1050.00"]);
        assert_eq!(total.to_string(), "1530.88");
    }
}
