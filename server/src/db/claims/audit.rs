//! Claims' audit trails: who took which step, from which device, and what it recorded.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::next_change;
use crate::db::accounts::{new_id, now};
use crate::db::schema::audit_log;
use crate::db::DbConnection;
use crate::db::StoreResult;
use crate::domain::lifecycle::ClaimState;
use crate::domain::lifecycle::Recorded;
use crate::domain::registry::Role;

/// Who takes a step, and from which device.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
    pub device_id: Option<String>,
}

/// An audit entry to append.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct NewAudit {
    id: String,
    claim_id: String,
    actor_id: String,
    device_id: Option<String>,
    action: String,
    before_state: Option<ClaimState>,
    after_state: ClaimState,
    detail: String,
    at: NaiveDateTime,
    change_seq: Option<i64>,
}

impl NewAudit {
    /// An entry; it gets its change number when it is inserted.
    pub fn new(
        claim_id: &str,
        actor: &Actor,
        action: impl Into<Recorded>,
        before: Option<ClaimState>,
        after: ClaimState,
        detail: serde_json::Value,
    ) -> NewAudit {
        NewAudit {
            id: new_id(),
            claim_id: claim_id.into(),
            actor_id: actor.user_id.clone(),
            device_id: actor.device_id.clone(),
            action: action.into().as_str().into(),
            before_state: before,
            after_state: after,
            detail: detail.to_string(),
            at: now(),
            change_seq: None,
        }
    }
}

/// Appends to claims' audit trails under the current write transaction's change number, in as
/// few statements as the backend allows.
pub fn insert_audits(conn: &mut DbConnection, mut entries: Vec<NewAudit>) -> StoreResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let change = crate::db::transaction_change(|| next_change(conn))?;
    for entry in &mut entries {
        entry.change_seq = Some(change);
    }
    crate::db::insert_rows!(conn, audit_log::table, &entries);
    Ok(())
}

/// Appends to the claim's audit trail.
pub fn append_audit(
    conn: &mut DbConnection,
    claim_id: &str,
    actor: &Actor,
    action: impl Into<Recorded>,
    before: Option<ClaimState>,
    after: ClaimState,
    detail: serde_json::Value,
) -> StoreResult<()> {
    insert_audits(conn, vec![NewAudit::new(claim_id, actor, action, before, after, detail)])
}

/// An audit entry as stored.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub claim_id: String,
    pub actor_id: String,
    pub device_id: Option<String>,
    pub action: String,
    pub before_state: Option<String>,
    pub after_state: String,
    pub detail: String,
    pub at: NaiveDateTime,
}

/// A claim's audit trail, oldest first (ids are time-ordered UUIDv7s).
pub fn audit_trail(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Vec<AuditRow>> {
    Ok(audit_log::table
        .filter(audit_log::claim_id.eq(claim_id))
        .order((audit_log::at.asc(), audit_log::id.asc()))
        .select(AuditRow::as_select())
        .load(conn)?)
}
