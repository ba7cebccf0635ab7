//! What the server reports about itself: the readings `/metrics` takes from the database.

use crate::db::{files, notify};
use crate::error::AppError;
use crate::error::AppResult;
use crate::metrics::Readings;
use crate::service::Context;

/// The derivative queue, the outbox backlog and the database pools, now.
pub async fn readings(ctx: &Context) -> AppResult<Readings> {
    let (pending_derivatives, outbox_backlog) = ctx
        .db
        .read(|conn| {
            Ok::<_, AppError>((files::count_pending_derivatives(conn)?, notify::outbox_backlog(conn)?))
        })
        .await?;
    Ok(Readings { pending_derivatives, outbox_backlog, pools: ctx.db.pool_states() })
}
