//! Sync protocol bookkeeping: each device's acknowledged mutation number and the recorded outcome of
//! every mutation it sent.

use diesel::prelude::*;

use super::accounts::now;
use super::schema::{sync_devices, sync_mutations};
use super::DbConnection;
use crate::error::AppResult;

/// A mutation's recorded outcome.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = sync_mutations)]
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

/// The highest number acknowledged for the device (0 before its first push).
pub fn acknowledged_through(conn: &mut DbConnection, device_id: &str) -> AppResult<u64> {
    let found: Option<i64> = sync_devices::table
        .find(device_id)
        .select(sync_devices::acknowledged_through)
        .first(conn)
        .optional()?;
    Ok(found.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// Records that everything up to `seq` is durable for the device.
pub fn set_acknowledged(conn: &mut DbConnection, device_id: &str, seq: u64) -> AppResult<()> {
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

/// The recorded outcome of one of the device's mutations.
pub fn recorded(conn: &mut DbConnection, device_id: &str, seq: u64) -> AppResult<Option<RecordedMutation>> {
    Ok(sync_mutations::table
        .find((device_id, i64::try_from(seq).unwrap_or(i64::MAX)))
        .select(RecordedMutation::as_select())
        .first(conn)
        .optional()?)
}

/// Records a mutation's outcome.
pub fn record(conn: &mut DbConnection, row: &RecordedMutation) -> AppResult<()> {
    diesel::insert_into(sync_mutations::table).values(row).execute(conn)?;
    Ok(())
}

/// A fresh timestamp, for callers building a [`RecordedMutation`].
pub fn received_now() -> chrono::NaiveDateTime {
    now()
}
