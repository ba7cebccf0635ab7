//! Work the server does on its own, on a timer.

use std::time::Duration;

use chrono::Utc;

use crate::db::{coordination, fund, notify, Db};
use crate::domain::deadlines::shanghai_date;
use crate::domain::periods;
use crate::error::AppError;
use crate::messages::Notice;

/// The periodic jobs. Each runs once per period for the whole deployment, however many servers
/// there are: see [`run_job`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Silent developers surfaced (Art. 17) and deadline notices raised.
    Deadlines,
    /// Buildings near their 5-year custody limit (Art. 27).
    Custody,
    /// Unfinished uploads past their expiry, with their parts; old rate windows and job runs.
    Housekeeping,
    /// Early warnings of recurring defects raised, and the day's digest sent (issue 32).
    Warnings,
}

impl Job {
    pub const ALL: [Job; 4] = [Job::Deadlines, Job::Custody, Job::Housekeeping, Job::Warnings];

    pub fn as_str(self) -> &'static str {
        match self {
            Job::Deadlines => "deadlines",
            Job::Custody => "custody",
            Job::Housekeeping => "housekeeping",
            Job::Warnings => "warnings",
        }
    }
}

/// The period `at` falls in, named by its start: `2026-12-01T08:05:00Z` for five-minute periods.
pub fn period_of(at: chrono::DateTime<Utc>, period: Duration) -> String {
    let secs = i64::try_from(period.as_secs().max(1)).unwrap_or(300);
    let start = at.timestamp() - at.timestamp().rem_euclid(secs);
    chrono::DateTime::from_timestamp(start, 0).unwrap_or(at).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Checks for work often enough that a new period starts promptly and a run whose server died is
/// taken over soon after its lease has passed; the jobs themselves run once per period. This
/// server's own staging folder is swept here too (every server sweeps its own disk).
pub async fn run_periodic(state: std::sync::Arc<crate::state::AppState>) {
    let period = Duration::from_secs(state.config.job_period_secs);
    let check = (period / 4).clamp(Duration::from_millis(250), Duration::from_secs(30));
    let mut timer = tokio::time::interval(check);
    let mut swept_in = String::new();
    loop {
        timer.tick().await;
        for job in Job::ALL {
            run_job(&state, job).await;
        }
        let now = period_of(Utc::now(), period);
        if now != swept_in {
            swept_in = now;
            match state.media.sweep_staging().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(instance = %state.instance, files = n, "stale staging files removed"),
                Err(err) => {
                    tracing::warn!(instance = %state.instance, error = %err, "sweeping staging failed")
                }
            }
        }
    }
}

/// Runs `job` for the current period if no other server has (or the one that took it died and
/// its lease passed). Returns whether this server ran it.
pub async fn run_job(state: &crate::state::AppState, job: Job) -> bool {
    let period_length = Duration::from_secs(state.config.job_period_secs);
    let lease = chrono::Duration::seconds(i64::try_from(state.config.job_lease_secs).unwrap_or(120));
    let period = period_of(Utc::now(), period_length);
    let (name, p, me) = (job.as_str(), period.clone(), state.instance.clone());
    let at = crate::db::accounts::now();
    let taken = state.db.write(move |conn| coordination::take_run(conn, name, &p, &me, at, at + lease)).await;
    match taken {
        Ok(true) => {}
        Ok(false) => return false,
        Err(err) => {
            tracing::warn!(instance = %state.instance, job = name, error = %err, "cannot take the job's run");
            return false;
        }
    }
    let outcome = match job {
        Job::Deadlines => deadlines(&state.db).await,
        Job::Custody => custody_alerts(&state.db, shanghai_date(Utc::now())).await,
        Job::Housekeeping => housekeeping(state).await,
        Job::Warnings => warnings(&state.ctx, &state.instance).await.map(|_| ()),
    };
    let failed = outcome.is_err();
    if let Err(err) = &outcome {
        tracing::warn!(instance = %state.instance, job = name, period, error = %err, "periodic job failed; the next period retries");
    }
    state.metrics.job(name, failed);
    let (p, me, at) = (period.clone(), state.instance.clone(), crate::db::accounts::now());
    if let Err(err) =
        state.db.write(move |conn| coordination::finish_run(conn, name, &p, &me, at, failed)).await
    {
        tracing::warn!(instance = %state.instance, job = name, error = %err, "cannot record the job's run");
    }
    true
}

/// Expired uploads, old rate windows and old job runs.
async fn housekeeping(state: &crate::state::AppState) -> crate::error::AppResult<()> {
    match state.media.expire_uploads(&state.db).await? {
        0 => {}
        n => tracing::info!(instance = %state.instance, uploads = n, "expired uploads removed"),
    }
    // Sign-in attempts of an account from an address count over the lockout's window.
    let window =
        i64::try_from(state.config.rate_window_secs.max(state.config.login_lockout_secs)).unwrap_or(60);
    let before = Utc::now().timestamp() - window;
    let runs_before = crate::db::accounts::now() - chrono::Duration::days(7);
    state
        .db
        .write(move |conn| {
            coordination::forget_windows(conn, before)?;
            coordination::forget_runs(conn, runs_before)
        })
        .await?;
    Ok(())
}

/// Claims whose developer let the reply period pass return to the reviewer's queue (Art. 17), and
/// reviewers hear of deadlines within 5 days, within 2 days, and overdue.
pub async fn deadlines(db: &Db) -> crate::error::AppResult<()> {
    let today = shanghai_date(Utc::now());
    let (moved, notices) = db
        .write(move |conn| {
            let moved = crate::service::claims::notices::surface_overdue_developers(conn, today)?;
            Ok::<_, AppError>((moved, notify::raise_deadline_notices(conn, today)?))
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

/// Raises the early warnings of recurring defects the last months call for, and sends the day's
/// digest if no server has yet today. Returns how many warnings were new.
pub async fn warnings(ctx: &crate::service::Context, instance: &str) -> crate::error::AppResult<usize> {
    use crate::service::recurrence::warnings::{digest_in, raise_in};
    let today = shanghai_date(Utc::now());
    let (rules, me) = (ctx.rules.clone(), instance.to_string());
    let (raised, told) = ctx
        .db
        .write(move |conn| Ok::<_, AppError>((raise_in(conn, &rules, today)?, digest_in(conn, today, &me)?)))
        .await?;
    if raised > 0 || told > 0 {
        tracing::info!(warnings = raised, people = told, "early warnings of recurring defects raised");
    }
    Ok(raised)
}

/// Every round of periodic work at once, whoever else runs it (the tests and the CLI drive it).
pub async fn tick(db: &Db) -> crate::error::AppResult<()> {
    deadlines(db).await?;
    custody_alerts(db, shanghai_date(Utc::now())).await
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
            Ok::<_, AppError>(raised)
        })
        .await?;
    if raised > 0 {
        tracing::warn!(notices = raised, "buildings at the 5-year custody limit");
    }
    Ok(())
}
