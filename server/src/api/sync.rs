//! Sync protocol v1 over HTTP (`sync-protocol/PROTOCOL.md`): what the server accepts, and pushes of
//! mutations recorded offline, applied exactly once, in order.

use actix_web::{get, post, web};
use baoxiu_sync_protocol::wire::{
    check_batch, wire_name, BatchError, Limits, MutationKind, MutationResult, Outcome, PushRequest,
    PushResponse, RejectReason, SyncInfo,
};
use baoxiu_sync_protocol::SUPPORTED_VERSIONS;
use utoipa_actix_web::service_config::ServiceConfig;

use super::parse_id;
use super::sync_kinds::{self, Pusher};
use crate::auth::DeviceHolder;
use crate::db::accounts;
use crate::db::sync::{self as db, RecordedMutation};
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(info).service(push);
}

const LIMITS: Limits = Limits { max_mutations: 100, max_batch_bytes: 1 << 20, max_payload_bytes: 64 << 10 };

/// What this server accepts: protocol versions, mutation kinds and batch limits.
#[utoipa::path(tag = "sync", responses((status = 200, description = "SyncInfo")))]
#[get("/info")]
async fn info() -> web::Json<SyncInfo> {
    web::Json(SyncInfo {
        min_version: *SUPPORTED_VERSIONS.start(),
        max_version: *SUPPORTED_VERSIONS.end(),
        capabilities: sync_kinds::CAPABILITIES.iter().map(|k| wire_name(*k)).collect(),
        limits: LIMITS,
    })
}

/// Pushes a batch of mutations recorded offline. Each applies once, in order; a retry gets the
/// recorded outcome back; a rejected one is kept and acknowledged with its reason. The batch commits
/// once, before the answer: acknowledged means durable.
#[utoipa::path(tag = "sync", request_body(content = Object, description = "PushRequest, see sync-protocol/PROTOCOL.md"), responses((status = 200, description = "PushResponse"), (status = 409, description = "sequence_gap or idempotency_conflict")), security(("bearer" = [])))]
#[post("/push")]
async fn push(
    state: web::Data<AppState>,
    who: DeviceHolder,
    body: web::Json<serde_json::Value>,
) -> AppResult<web::Json<PushResponse>> {
    // The wire types live in sync-protocol, which knows nothing of OpenAPI; parse them here.
    let request: PushRequest = serde_json::from_value(body.into_inner())
        .map_err(|e| AppError::new(Code::MalformedJson).detail(e.to_string()))?;
    let device_id = parse_id(&request.device_id)?;
    if request.mutations.len() > LIMITS.max_mutations as usize {
        return Err(AppError::new(Code::PayloadTooLarge).detail(LIMITS.max_mutations.to_string()));
    }
    let user = who.0;
    let quota = state.config.claim_quota_bytes;
    let response = state
        .db
        .write(move |conn| {
            let device = accounts::active_device_of(conn, &user.id, &device_id)?
                // Someone else's phone is outside the caller's scope, like any other object.
                .ok_or_else(|| AppError::new(Code::NotFound).detail("device_id"))?;
            let pusher = Pusher {
                user,
                device_id: device_id.clone(),
                public_key: device.public_key,
                claim_quota: quota,
            };
            let mut acked = db::acknowledged_through(conn, &device_id)?;
            check_batch(&request, (*SUPPORTED_VERSIONS.start(), *SUPPORTED_VERSIONS.end()), acked).map_err(
                |e| match e {
                    BatchError::UnsupportedVersion { min, max, .. } => {
                        AppError::new(Code::UnsupportedProtocolVersion).detail(format!("{min}..={max}"))
                    }
                    BatchError::Gap { expected } => {
                        AppError::new(Code::SequenceGap).detail(expected.to_string())
                    }
                    BatchError::NotConsecutive => AppError::invalid("mutations"),
                },
            )?;
            // The batch's change number is taken here, outside the mutations' savepoints: a
            // rejected mutation rolls back its savepoint, and must not roll back the counter
            // under a number the rest of the batch goes on using.
            crate::db::transaction_change(|| crate::db::claims::next_change(conn))?;
            let mut results = Vec::new();
            for m in &request.mutations {
                if m.seq <= acked {
                    let recorded =
                        db::recorded(conn, &device_id, m.seq)?.ok_or(AppError::new(Code::SequenceGap))?;
                    let kind: MutationKind =
                        serde_json::from_value(serde_json::Value::String(recorded.kind.clone()))
                            .map_err(AppError::internal)?;
                    if !m.same_as(&recorded.mutation_id, kind, &recorded.payload_hash) {
                        return Err(AppError::new(Code::IdempotencyConflict).detail(m.seq.to_string()));
                    }
                    let reason: Option<RejectReason> = recorded
                        .reason
                        .as_ref()
                        .and_then(|r| serde_json::from_value(serde_json::Value::String(r.clone())).ok());
                    results.push(MutationResult {
                        seq: m.seq,
                        id: m.id.clone(),
                        outcome: if recorded.outcome == "applied" {
                            Outcome::Duplicate
                        } else {
                            Outcome::Rejected
                        },
                        retryable: reason.is_some_and(RejectReason::retryable),
                        reason,
                        entity_version: recorded.entity_version,
                    });
                    continue;
                }
                let result = if m.payload_matches() {
                    sync_kinds::apply(conn, &pusher, m.kind, m.base_version, &m.payload)?
                } else {
                    Err(RejectReason::InvalidPayload)
                };
                let (outcome, reason, entity_version) = match result {
                    Ok(version) => (Outcome::Applied, None, version),
                    Err(reason) => (Outcome::Rejected, Some(reason), None),
                };
                let reason_name = reason.map(wire_name);
                db::record(
                    conn,
                    &RecordedMutation {
                        device_id: device_id.clone(),
                        seq: i64::try_from(m.seq).unwrap_or(i64::MAX),
                        mutation_id: m.id.clone(),
                        kind: wire_name(m.kind),
                        payload: m.payload.to_string(),
                        payload_hash: m.payload_hash.clone(),
                        outcome: if outcome == Outcome::Applied { "applied" } else { "rejected" }.into(),
                        reason: reason_name,
                        entity_version,
                        received_at: db::received_now(),
                    },
                )?;
                acked = m.seq;
                results.push(MutationResult {
                    seq: m.seq,
                    id: m.id.clone(),
                    outcome,
                    retryable: reason.is_some_and(RejectReason::retryable),
                    reason,
                    entity_version,
                });
            }
            db::set_acknowledged(conn, &device_id, acked)?;
            Ok(PushResponse { acknowledged_through: acked, results })
        })
        .await?;
    Ok(web::Json(response))
}
