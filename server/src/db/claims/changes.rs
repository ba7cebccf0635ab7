//! The change counter: one number per write transaction, in commit order, that pulls follow.

use diesel::prelude::*;

use crate::db::schema::change_counter;
use crate::db::DbConnection;
use crate::db::StoreResult;

/// The next change number, taken inside the caller's transaction. The counter row stays locked
/// until that transaction ends, so numbers become visible in the order they were given out.
pub fn next_change(conn: &mut DbConnection) -> StoreResult<i64> {
    diesel::update(change_counter::table.find(1))
        .set(change_counter::last.eq(change_counter::last + 1))
        .execute(conn)?;
    Ok(change_counter::table.find(1).select(change_counter::last).first(conn)?)
}

/// The last change number given out.
pub fn last_change(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(change_counter::table.find(1).select(change_counter::last).first(conn)?)
}
