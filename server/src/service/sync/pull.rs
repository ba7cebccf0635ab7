//! Sync pull (`sync-protocol/PROTOCOL.md`, "Pull"): what changed since an opaque cursor, a claim at
//! a time, as the caller may see it now. Without a cursor the pull starts with a snapshot of every
//! claim in scope, then follows the change numbers from where the snapshot began. And the office's
//! view of rejected mutations.

use baoxiu_sync_protocol::cost_sheet::LineKind;
use baoxiu_sync_protocol::payloads::{
    ClaimSnapshot, CostSheetSnapshot, PlanLineSnapshot, PlanSnapshot, PulledLine, WorkOrderSnapshot,
};
use baoxiu_sync_protocol::wire::{wire_name, PullResponse, PulledClaim};
use baoxiu_sync_protocol::Money;
use baoxiu_sync_protocol::SUPPORTED_VERSIONS;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::claims::{self as claims_db, ClaimRow, ClaimScope};
use crate::db::registry as reg;
use crate::db::sync as db;
use crate::db::work_orders as wo_db;
use crate::db::DbConnection;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::service::policy::{self, claim_scope, Caller};
use crate::service::utc;
use crate::service::Context;
use crate::service::Page;

/// Where a pull stands: in the snapshot (after claim `claim`, the change feed to resume from `after`)
/// or in the change feed (after change `after`); and what the caller could see then (`scope`).
#[derive(Serialize, Deserialize)]
struct Cursor {
    v: u8,
    after: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claim: Option<String>,
    /// `scope_key` when the cursor was given; absent in cursors from before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

impl Cursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(raw: &str) -> AppResult<Cursor> {
        URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|b| serde_json::from_slice::<Cursor>(&b).ok())
            .filter(|c| c.v == 1)
            .ok_or_else(|| AppError::invalid("cursor"))
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// From the last pull; omit for a first (cold) pull.
    pub cursor: Option<String>,
    /// Claims per page, 1 to 1000; default 500.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// The protocol version the device speaks; default 1. From 2 on, a page that starts a fresh
    /// snapshot because the caller's scope changed says `reset`; from 3 on, a claim carries its
    /// approved plan with the budget lines.
    #[param(minimum = 1, maximum = 3)]
    pub protocol_version: Option<u32>,
}

/// What changed since the cursor. The response's `cursor` is the next one; `more` says to pull
/// again at once.
pub async fn pull(ctx: &Context, caller: &Caller, query: PullQuery) -> AppResult<PullResponse> {
    let user = caller.clone();
    let limit = query.limit.unwrap_or(500);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit"));
    }
    let version = query.protocol_version.unwrap_or(1);
    if !SUPPORTED_VERSIONS.contains(&version) {
        return Err(super::unsupported_version());
    }
    let cursor = query.cursor.as_deref().map(Cursor::decode).transpose()?;
    let mut response = ctx.db.read(move |conn| pull_page(conn, &user, cursor, limit)).await?;
    // A protocol 1 device gets the fresh snapshot too, without the flag it would not understand:
    // it learns what came into its scope, but keeps what left it.
    response.reset &= version >= 2;
    if version < 3 {
        for change in &mut response.changes {
            change.plan = None;
        }
    }
    // Protocol 4: the reference data carries the defect code list the claims are coded with.
    if let (true, Some(reference)) = (version >= 4, response.reference.as_mut()) {
        reference["defect_codes"] =
            serde_json::to_value(&ctx.rules.defect_codes).map_err(AppError::internal)?;
    }
    Ok(response)
}

/// What the caller may see, as a short hash kept in the cursor: when it differs at the next pull
/// (an organisation joined or left, a jurisdiction, a unit bought or sold) the pull starts again
/// from a snapshot, since claims entered or left the caller's view without changing themselves.
fn scope_key(conn: &mut DbConnection, scope: &ClaimScope) -> AppResult<String> {
    let (kind, mut keys) = match scope {
        ClaimScope::All => ("all", Vec::new()),
        ClaimScope::Jurisdictions(ids) => ("jurisdictions", ids.clone()),
        ClaimScope::Developer(ids) => ("developer", ids.clone()),
        ClaimScope::PropertyManager(ids) => ("property_manager", ids.clone()),
        ClaimScope::RepairUnit(ids) => ("repair_unit", ids.clone()),
        ClaimScope::Owner(user) => ("owner", reg::owned_unit_ids(conn, user)?),
    };
    keys.sort_unstable();
    let mut hash = Sha256::new();
    hash.update(kind);
    for key in &keys {
        hash.update([0]);
        hash.update(key);
    }
    Ok(hex::encode(&hash.finalize()[..8]))
}

fn pull_page(
    conn: &mut DbConnection,
    user: &Caller,
    cursor: Option<Cursor>,
    limit: i64,
) -> AppResult<PullResponse> {
    let scope = claim_scope(conn, user)?;
    let key = scope_key(conn, &scope)?;
    let (cursor, reset) = match cursor {
        Some(c) if c.scope.as_deref() == Some(key.as_str()) => (Some(c), false),
        Some(_) => (None, true),
        None => (None, false),
    };
    let reference = cursor.is_none().then(reference_data);
    let cursor = match cursor {
        Some(c) => c,
        // A cold pull: remember where the change feed stands before reading the snapshot, so that
        // nothing committed during the snapshot is missed afterwards.
        None => {
            Cursor { v: 1, after: claims_db::last_change(conn)?, claim: Some(String::new()), scope: None }
        }
    };
    let next = |after: i64, claim: Option<String>| Cursor { v: 1, after, claim, scope: Some(key.clone()) };
    match cursor.claim {
        Some(after_id) => {
            let claims = claims_db::claims_in_scope(conn, &scope, None, &after_id, limit)?;
            let full = claims.len() as i64 == limit;
            let last = claims.last().filter(|_| full).map(|c| c.id.clone());
            let cursor_next = next(cursor.after, last);
            let changes = snapshots(conn, user, claims, |_| cursor.after)?;
            Ok(PullResponse { changes, cursor: cursor_next.encode(), more: full, reference, reset })
        }
        None => {
            let changed = db::changed_claims(conn, cursor.after, limit)?;
            let full = changed.len() as i64 == limit;
            let after = changed.last().map_or(cursor.after, |(_, seq)| *seq);
            let ids: Vec<String> = changed.iter().map(|(id, _)| id.clone()).collect();
            let mut claims = claims_db::claims_in_scope(conn, &scope, Some(&ids), "", limit)?;
            let order = |id: &str| changed.iter().position(|(c, _)| c == id).unwrap_or(usize::MAX);
            claims.sort_by_key(|c| order(&c.id));
            let seq_of = |id: &str| changed.iter().find(|(c, _)| c == id).map_or(after, |(_, s)| *s);
            let changes = snapshots(conn, user, claims, seq_of)?;
            Ok(PullResponse { changes, cursor: next(after, None).encode(), more: full, reference, reset })
        }
    }
}

/// A stored time as the wire carries it: RFC 3339 in UTC, as chrono's serde writes it.
fn wire_time(t: chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The claims as the caller sees them, with work orders and cost sheets, in three queries.
fn snapshots(
    conn: &mut DbConnection,
    user: &Caller,
    claims: Vec<ClaimRow>,
    change_of: impl Fn(&str) -> i64,
) -> AppResult<Vec<PulledClaim>> {
    let ids: Vec<String> = claims.iter().map(|c| c.id.clone()).collect();
    let orders = wo_db::for_claims(conn, &ids)?;
    let sheets = claims_db::cost_sheets_for(conn, &ids)?;
    let plans = claims_db::approved_plans_for(conn, &ids)?;
    let plan_of = |claim_id: &str| -> AppResult<Option<PlanSnapshot>> {
        let Some(p) = plans.iter().find(|p| p.claim_id == claim_id) else { return Ok(None) };
        let lines = p
            .budget_lines()?
            .into_iter()
            .zip(1..)
            .map(|(l, line)| {
                Ok(PlanLineSnapshot {
                    line,
                    kind: LineKind::parse(&l.kind)
                        .ok_or_else(|| AppError::internal(anyhow::anyhow!("plan line kind {}", l.kind)))?,
                    description: l.description,
                    unit: l.unit,
                    budget: Money::from_fen(l.budget_fen),
                })
            })
            .collect::<AppResult<_>>()?;
        Ok(Some(PlanSnapshot {
            revision: p.revision,
            description: p.description.clone(),
            budget: Money::from_fen(p.budget_fen),
            lines,
        }))
    };
    claims
        .into_iter()
        .map(|c| {
            let plan = plan_of(&c.id)?;
            let work_orders = orders
                .iter()
                .filter(|w| w.claim_id == c.id)
                .filter(|w| {
                    user.role != Role::Technician || w.technician_id.as_deref() == Some(user.id.as_str())
                })
                .map(|w| WorkOrderSnapshot {
                    id: w.id.clone(),
                    status: w.status.as_str().into(),
                    description: w.description.clone(),
                    urgent: w.urgent,
                    technician_id: w.technician_id.clone(),
                    on_site_by: w.on_site_by.map(wire_time),
                    window_start: w.window_start.map(wire_time),
                    window_end: w.window_end.map(wire_time),
                    version: w.version,
                })
                .collect();
            let cost_sheets = sheets
                .iter()
                .filter(|(s, _)| s.claim_id == c.id)
                .map(|(s, lines)| CostSheetSnapshot {
                    id: s.id.clone(),
                    revision: s.revision,
                    hash: s.revision_hash.clone(),
                    parent_hash: s.parent_hash.clone(),
                    conflict: s.conflict,
                    total: Money::from_fen(s.total_fen),
                    signed: s.is_signed(),
                    signature: s.signature_kind().map(wire_name),
                    witnessed_by: s.witnessed_by.clone(),
                    verified: s.verified_at.is_some(),
                    approved_total: s.approved_total_fen.map(Money::from_fen),
                    lines: lines
                        .iter()
                        .map(|l| PulledLine {
                            line: l.line_no,
                            description: l.description.clone(),
                            amount: Money::from_fen(l.amount_fen),
                            decision: l.decision.clone(),
                            approved: l.approved_fen.map(Money::from_fen),
                            reason: l.decision_reason.clone(),
                        })
                        .collect(),
                })
                .collect();
            Ok(PulledClaim {
                change: change_of(&c.id),
                claim_id: c.id.clone(),
                claim: ClaimSnapshot {
                    id: c.id,
                    version: c.version,
                    state: c.state.as_str().into(),
                    kind: c.kind.as_str().into(),
                    category: c.category.as_str().into(),
                    building_id: c.building_id,
                    unit_id: c.unit_id,
                    location_detail: c.location_detail,
                    description: c.description,
                    repair_unit_id: c.repair_unit_id,
                },
                work_orders,
                cost_sheets,
                plan,
            })
        })
        .collect()
}

/// Warranty categories and their statutory minimum periods (Art. 18).
fn reference_data() -> serde_json::Value {
    let categories: Vec<_> = WarrantyCategory::ALL
        .iter()
        .map(|c| json!({"category": c.as_str(), "minimum_period": c.minimum_period()}))
        .collect();
    json!({"categories": categories})
}

/// A mutation the server refused, with its reason.
#[derive(Serialize, ToSchema)]
pub struct RejectionView {
    pub device_id: String,
    pub device_name: String,
    pub user_id: String,
    pub seq: i64,
    pub mutation_id: String,
    pub kind: String,
    pub reason: Option<String>,
    pub payload: serde_json::Value,
    pub received_at: DateTime<Utc>,
}

/// Rejected mutations, newest first: an administrator sees all; everyone else those from their own
/// phones and from the phones of colleagues in their organisations (the office sees its field staff).
pub async fn rejections(ctx: &Context, caller: &Caller, page: Page) -> AppResult<Vec<RejectionView>> {
    let user = caller.clone();
    let (limit, offset) = page.bounds()?;
    let rows = ctx
        .db
        .read(move |conn| -> AppResult<_> {
            let users = policy::rejection_authors(conn, &user)?;
            Ok(db::rejections(conn, users, limit, offset)?)
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| RejectionView {
            device_id: r.device_id,
            device_name: r.device_name,
            user_id: r.user_id,
            seq: r.seq,
            mutation_id: r.mutation_id,
            kind: r.kind,
            reason: r.reason,
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
            received_at: utc(r.received_at),
        })
        .collect())
}
