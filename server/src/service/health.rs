//! What the server reports about itself: the readings `/metrics` takes from the database.

use crate::db::{files, notify};
use crate::error::AppResult;
use crate::metrics::Readings;
use crate::state::AppState;

/// The derivative queue, the outbox backlog and the database pools, now.
pub async fn readings(state: &AppState) -> AppResult<Readings> {
    let (pending_derivatives, outbox_backlog) = state
        .db
        .read(|conn| Ok((files::count_pending_derivatives(conn)?, notify::outbox_backlog(conn)?)))
        .await?;
    Ok(Readings { pending_derivatives, outbox_backlog, pools: state.db.pool_states() })
}
