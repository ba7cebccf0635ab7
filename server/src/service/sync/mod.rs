//! The sync protocol's use cases (`sync-protocol/PROTOCOL.md`): what this server accepts, pushes
//! of mutations recorded offline, and pulls of what the caller may see.

pub mod kinds;
pub mod pull;
pub mod push;
mod stop;

use baoxiu_sync_protocol::wire::{wire_name, Limits, SyncInfo};
use baoxiu_sync_protocol::SUPPORTED_VERSIONS;

use crate::error::AppError;
use crate::messages::Code;

/// The batch limits this server advertises and enforces.
pub const LIMITS: Limits =
    Limits { max_mutations: 100, max_batch_bytes: 1 << 20, max_payload_bytes: 64 << 10 };

/// What this server accepts: protocol versions, mutation kinds and batch limits.
pub fn info() -> SyncInfo {
    SyncInfo {
        min_version: *SUPPORTED_VERSIONS.start(),
        max_version: *SUPPORTED_VERSIONS.end(),
        capabilities: kinds::CAPABILITIES.iter().map(|k| wire_name(*k)).collect(),
        limits: LIMITS,
    }
}

/// A protocol version outside the range this server speaks; the error names the range.
pub(crate) fn unsupported_version() -> AppError {
    let (min, max) = (SUPPORTED_VERSIONS.start(), SUPPORTED_VERSIONS.end());
    AppError::new(Code::UnsupportedProtocolVersion).detail(format!("{min}..={max}"))
}
