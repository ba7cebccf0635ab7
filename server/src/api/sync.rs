//! Sync protocol v1 over HTTP (`sync-protocol/PROTOCOL.md`): what the server accepts, and pushes of
//! mutations recorded offline, applied exactly once, in order.

use actix_web::{get, post, web};
use baoxiu_sync_protocol::wire::{
    check_batch, BatchError, Limits, MutationKind, MutationResult, Outcome, PushRequest, PushResponse,
    RejectReason, SyncInfo,
};
use baoxiu_sync_protocol::SUPPORTED_VERSIONS;
use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::parse_id;
use super::work_orders::{check_in_on, check_out_on, SiteReport};
use crate::auth::{AuthUser, DeviceHolder};
use crate::db::accounts;
use crate::db::sync::{self as db, RecordedMutation};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(info).service(push);
}

/// The mutation kinds this server applies today; the others are refused `not_allowed` until they
/// land, and clients learn it here.
const CAPABILITIES: &[MutationKind] = &[MutationKind::CheckIn, MutationKind::CheckOut];

const LIMITS: Limits = Limits { max_mutations: 100, max_batch_bytes: 1 << 20, max_payload_bytes: 64 << 10 };

fn kind_name(kind: MutationKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// What this server accepts: protocol versions, mutation kinds and batch limits.
#[utoipa::path(tag = "sync", responses((status = 200, description = "SyncInfo")))]
#[get("/info")]
async fn info() -> web::Json<SyncInfo> {
    web::Json(SyncInfo {
        min_version: *SUPPORTED_VERSIONS.start(),
        max_version: *SUPPORTED_VERSIONS.end(),
        capabilities: CAPABILITIES.iter().map(|k| kind_name(*k)).collect(),
        limits: LIMITS,
    })
}

/// The payload of `check_in` and `check_out`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VisitPayload {
    work_order_id: String,
    device_time: Option<DateTime<Utc>>,
    /// Decimal strings: the canonical form that payload hashes are over has no floats.
    lat: Option<String>,
    lng: Option<String>,
    notes: Option<String>,
    outcome: Option<String>,
}

/// Applies one mutation; `Ok(Err(reason))` is a rejection to record, `Err` aborts the batch.
fn apply(
    conn: &mut DbConnection,
    user: &AuthUser,
    device_id: &str,
    kind: MutationKind,
    base_version: Option<i64>,
    payload: &serde_json::Value,
) -> AppResult<Result<Option<i64>, RejectReason>> {
    if !CAPABILITIES.contains(&kind) {
        return Ok(Err(RejectReason::NotAllowed));
    }
    let Ok(p) = serde_json::from_value::<VisitPayload>(payload.clone()) else {
        return Ok(Err(RejectReason::InvalidPayload));
    };
    let Ok(work_order) = parse_id(&p.work_order_id) else {
        return Ok(Err(RejectReason::InvalidPayload));
    };
    let coordinate = |c: &Option<String>| c.as_deref().map(str::parse::<f64>).transpose();
    let (Ok(lat), Ok(lng)) = (coordinate(&p.lat), coordinate(&p.lng)) else {
        return Ok(Err(RejectReason::InvalidPayload));
    };
    let version = base_version.map(|v| i32::try_from(v).unwrap_or(i32::MAX));
    let report = SiteReport {
        device_id: Some(device_id.to_string()),
        device_time: p.device_time,
        lat,
        lng,
        notes: p.notes,
        outcome: p.outcome,
    };
    // Each mutation is atomic on its own: a nested transaction is a savepoint, so a refused one
    // leaves nothing behind while the batch goes on.
    let applied = conn.transaction(|conn| match kind {
        MutationKind::CheckIn => check_in_on(conn, user, &work_order, version, report),
        _ => check_out_on(conn, user, &work_order, version, report),
    });
    match applied {
        Ok(view) => Ok(Ok(Some(i64::from(view.version)))),
        Err(err) => Ok(Err(match err.code {
            Code::StaleVersion => RejectReason::StaleVersion,
            Code::NotFound | Code::Forbidden | Code::StepNotForRole => RejectReason::NotAllowed,
            Code::StepOutOfOrder => RejectReason::RuleRefused,
            Code::InvalidInput | Code::InvalidId => RejectReason::InvalidPayload,
            // Anything else is trouble on our side: abort the batch so nothing is acknowledged.
            _ => return Err(err),
        })),
    }
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
    let response = state
        .db
        .write(move |conn| {
            let device = accounts::find_device(conn, &device_id)?;
            if !device.is_some_and(|d| d.user_id == user.id && d.retired_at.is_none()) {
                // Someone else's phone is outside the caller's scope, like any other object.
                return Err(AppError::new(Code::NotFound).detail("device_id"));
            }
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
                    apply(conn, &user, &device_id, m.kind, m.base_version, &m.payload)?
                } else {
                    Err(RejectReason::InvalidPayload)
                };
                let (outcome, reason, entity_version) = match result {
                    Ok(version) => (Outcome::Applied, None, version),
                    Err(reason) => (Outcome::Rejected, Some(reason), None),
                };
                let reason_name = reason
                    .and_then(|r| serde_json::to_value(r).ok())
                    .and_then(|v| v.as_str().map(str::to_owned));
                db::record(
                    conn,
                    &RecordedMutation {
                        device_id: device_id.clone(),
                        seq: i64::try_from(m.seq).unwrap_or(i64::MAX),
                        mutation_id: m.id.clone(),
                        kind: kind_name(m.kind),
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
