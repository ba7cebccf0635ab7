//! Baoxiu's sync protocol: the types an offline phone and the server agree on.
//!
//! This crate depends on serde and friends only, so the phone-side client and the server compute
//! exactly the same amounts and hashes. See `PROTOCOL.md` for the wire rules.

pub mod canonical;
#[cfg(feature = "client")]
pub mod client;
pub mod cost_sheet;
pub mod money;
pub mod payloads;
pub mod vectors;
pub mod wire;

pub use money::{Money, MoneyError};

/// The protocol versions this build speaks, oldest first.
pub const SUPPORTED_VERSIONS: std::ops::RangeInclusive<u32> = 1..=4;
