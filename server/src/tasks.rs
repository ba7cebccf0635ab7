//! Work the server does on its own, on a timer.

use std::time::Duration;

use chrono::Utc;

use crate::db::{claims, notify, Db};
use crate::domain::deadlines::shanghai_date;

/// How often the periodic work runs.
const PERIOD: Duration = Duration::from_secs(300);

/// Runs [`tick`] now and then every five minutes, for as long as the server runs. A failed tick is
/// logged and retried at the next one; the work is idempotent.
pub async fn run_periodic(db: Db) {
    let mut timer = tokio::time::interval(PERIOD);
    loop {
        timer.tick().await;
        if let Err(err) = tick(&db).await {
            tracing::warn!(error = %err, "periodic work failed; will retry");
        }
    }
}

/// One round: claims whose developer let the reply period pass return to the reviewer's queue
/// (Art. 17), and reviewers hear of deadlines within 5 days, within 2 days, and overdue.
pub async fn tick(db: &Db) -> crate::error::AppResult<()> {
    let today = shanghai_date(Utc::now());
    let (moved, notices) = db
        .write(move |conn| {
            let moved = claims::surface_silent_developers(conn, today)?;
            Ok((moved, notify::raise_deadline_notices(conn, today)?))
        })
        .await?;
    if moved > 0 || notices > 0 {
        tracing::info!(
            claims = moved,
            notices,
            "periodic work: silent developers surfaced, deadline notices raised"
        );
    }
    Ok(())
}
