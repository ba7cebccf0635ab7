//! Sync protocol bookkeeping: each device's acknowledged mutation number and the recorded outcome of
//! every mutation it sent.

use std::collections::HashMap;

use diesel::prelude::*;

use super::accounts::now;
use super::schema::{sync_devices, sync_mutations};
use super::DbConnection;
use crate::db::StoreResult;

/// A mutation's recorded outcome.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = sync_mutations, treat_none_as_default_value = false)]
pub struct RecordedMutation {
    pub device_id: String,
    pub seq: i64,
    pub mutation_id: String,
    pub kind: String,
    pub payload: String,
    pub payload_hash: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub entity_version: Option<i64>,
    pub received_at: chrono::NaiveDateTime,
}

/// Of these mutation ids, those recorded already, from any device.
pub fn recorded_ids(conn: &mut DbConnection, ids: &[&str]) -> StoreResult<std::collections::HashSet<String>> {
    Ok(sync_mutations::table
        .filter(sync_mutations::mutation_id.eq_any(ids))
        .select(sync_mutations::mutation_id)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// The id under which a replayed mutation's rejection is recorded: its own id is another
/// mutation's, and ids are unique; the device and number are.
pub fn replay_id(device_id: &str, seq: i64) -> String {
    format!("replayed/{device_id}/{seq}")
}

/// The highest number acknowledged for the device (0 before its first push).
pub fn acknowledged_through(conn: &mut DbConnection, device_id: &str) -> StoreResult<u64> {
    let found: Option<i64> = sync_devices::table
        .find(device_id)
        .select(sync_devices::acknowledged_through)
        .first(conn)
        .optional()?;
    Ok(found.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// Records that everything up to `seq` is durable for the device.
pub fn set_acknowledged(conn: &mut DbConnection, device_id: &str, seq: u64) -> StoreResult<()> {
    let seq = i64::try_from(seq).unwrap_or(i64::MAX);
    let updated = diesel::update(sync_devices::table.find(device_id))
        .set(sync_devices::acknowledged_through.eq(seq))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(sync_devices::table)
            .values((sync_devices::device_id.eq(device_id), sync_devices::acknowledged_through.eq(seq)))
            .execute(conn)?;
    }
    Ok(())
}

/// The recorded outcomes of the device's mutations numbered `from..=through`, by number.
pub fn recorded_between(
    conn: &mut DbConnection,
    device_id: &str,
    from: u64,
    through: u64,
) -> StoreResult<HashMap<u64, RecordedMutation>> {
    let seq = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(sync_mutations::table
        .filter(sync_mutations::device_id.eq(device_id))
        .filter(sync_mutations::seq.between(seq(from), seq(through)))
        .select(RecordedMutation::as_select())
        .load::<RecordedMutation>(conn)?
        .into_iter()
        .map(|r| (u64::try_from(r.seq).unwrap_or(0), r))
        .collect())
}

/// Records mutations' outcomes.
pub fn record(conn: &mut DbConnection, rows: &[RecordedMutation]) -> StoreResult<()> {
    super::insert_rows!(conn, sync_mutations::table, rows);
    Ok(())
}

/// A fresh timestamp, for callers building a [`RecordedMutation`].
pub fn received_now() -> chrono::NaiveDateTime {
    now()
}

/// Claims with changes after `after`, each with its latest change number, in change order.
pub fn changed_claims(conn: &mut DbConnection, after: i64, limit: i64) -> StoreResult<Vec<(String, i64)>> {
    use super::schema::audit_log;
    use diesel::dsl::max;
    let rows: Vec<(String, Option<i64>)> = audit_log::table
        .filter(audit_log::change_seq.gt(after))
        .group_by(audit_log::claim_id)
        .select((audit_log::claim_id, max(audit_log::change_seq)))
        .order(max(audit_log::change_seq).asc())
        .limit(limit)
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, seq)| seq.map(|s| (id, s))).collect())
}

/// A rejected mutation, for the device and the office.
#[derive(Queryable, Debug, Clone)]
pub struct Rejection {
    pub device_id: String,
    pub device_name: String,
    pub user_id: String,
    pub seq: i64,
    pub mutation_id: String,
    pub kind: String,
    pub payload: String,
    pub reason: Option<String>,
    pub received_at: chrono::NaiveDateTime,
}

/// Rejected mutations from the devices of these accounts (all devices when `None`), newest first.
pub fn rejections(
    conn: &mut DbConnection,
    users: Option<Vec<String>>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<Rejection>> {
    use super::schema::devices;
    let mut query = sync_mutations::table
        .inner_join(devices::table.on(devices::id.eq(sync_mutations::device_id)))
        .filter(sync_mutations::outcome.eq("rejected"))
        .select((
            sync_mutations::device_id,
            devices::name,
            devices::user_id,
            sync_mutations::seq,
            sync_mutations::mutation_id,
            sync_mutations::kind,
            sync_mutations::payload,
            sync_mutations::reason,
            sync_mutations::received_at,
        ))
        .order(sync_mutations::received_at.desc())
        .limit(limit)
        .offset(offset)
        .into_boxed();
    if let Some(users) = users {
        query = query.filter(devices::user_id.eq_any(users));
    }
    Ok(query.load(conn)?)
}
