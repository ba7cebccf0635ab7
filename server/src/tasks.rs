//! Work the server does on its own, on a timer.

use std::time::Duration;

use chrono::Utc;

use crate::db::{fund, notify, Db};
use crate::domain::deadlines::shanghai_date;
use crate::domain::periods;
use crate::messages::Notice;

/// How often the periodic work runs.
const PERIOD: Duration = Duration::from_secs(300);

/// Runs [`tick`] now and then every five minutes, for as long as the server runs. A failed tick is
/// logged and retried at the next one; the work is idempotent.
pub async fn run_periodic(state: std::sync::Arc<crate::state::AppState>) {
    let mut timer = tokio::time::interval(PERIOD);
    loop {
        timer.tick().await;
        if let Err(err) = tick(&state.db).await {
            tracing::warn!(error = %err, "periodic work failed; will retry");
        }
        match state.media.expire_uploads(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(uploads = n, "expired uploads removed"),
            Err(err) => tracing::warn!(error = %err, "expiring uploads failed; will retry"),
        }
        match state.media.sweep_staging(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "stale staging files removed"),
            Err(err) => tracing::warn!(error = %err, "sweeping staging files failed; will retry"),
        }
    }
}

/// One round: claims whose developer let the reply period pass return to the reviewer's queue
/// (Art. 17), and reviewers hear of deadlines within 5 days, within 2 days, and overdue.
pub async fn tick(db: &Db) -> crate::error::AppResult<()> {
    let today = shanghai_date(Utc::now());
    let (moved, notices) = db
        .write(move |conn| {
            let moved = crate::service::claims::notices::surface_overdue_developers(conn, today)?;
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
    custody_alerts(db, today).await
}

/// Reviewers hear once when a building's fund comes within 30 days of its 5-year custody limit, or
/// passes it, with money still in it (Art. 27).
async fn custody_alerts(db: &Db, today: chrono::NaiveDate) -> crate::error::AppResult<()> {
    let overview = db.read(fund::custody_overview).await?;
    let due: Vec<(String, String, chrono::NaiveDate)> = overview
        .into_iter()
        .filter_map(|c| {
            let until = c.first_deposit.and_then(|d| periods::years_after(d, 5))?;
            let near = c.balance_fen > 0 && until <= today + chrono::Duration::days(30);
            near.then_some((c.building_id, c.jurisdiction, until))
        })
        .collect();
    if due.is_empty() {
        return Ok(());
    }
    let raised = db
        .write(move |conn| {
            let mut raised = 0;
            for (building, jurisdiction, until) in &due {
                let reviewers = notify::reviewers_of(conn, jurisdiction)?;
                let key = format!("{building}:{until}");
                raised += notify::notify(
                    conn,
                    &reviewers,
                    &notify::Notify {
                        notice: Notice::CustodyLimit,
                        claim_id: None,
                        work_order_id: None,
                        key: &key,
                        params: serde_json::json!({"building_id": building, "custody_until": until}),
                    },
                )?;
            }
            Ok(raised)
        })
        .await?;
    if raised > 0 {
        tracing::warn!(notices = raised, "buildings at the 5-year custody limit");
    }
    Ok(())
}
