//! What several servers over one database agree on through it: who runs each periodic job in each
//! period, and how many requests each client made in the current rate-limit window.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::{job_runs, rate_windows};
use super::DbConnection;
use crate::db::StoreResult;

/// Takes the run of `job` in `period` for `instance`: true when this server should run it, because
/// no server has taken it, or the one that did let its lease pass without finishing (it died).
pub fn take_run(
    conn: &mut DbConnection,
    job: &str,
    period: &str,
    instance: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> StoreResult<bool> {
    let row = (
        job_runs::job.eq(job),
        job_runs::period.eq(period),
        job_runs::instance.eq(instance),
        job_runs::lease_until.eq(lease_until),
        job_runs::started_at.eq(now),
    );
    // In a savepoint, so a lost race leaves the transaction usable on PostgreSQL.
    match conn.transaction(|c| diesel::insert_into(job_runs::table).values(row).execute(c)) {
        Ok(_) => return Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
        Err(other) => return Err(other.into()),
    }
    let taken = diesel::update(
        job_runs::table
            .find((job, period))
            .filter(job_runs::finished_at.is_null())
            .filter(job_runs::lease_until.lt(now)),
    )
    .set((
        job_runs::instance.eq(instance),
        job_runs::lease_until.eq(lease_until),
        job_runs::started_at.eq(now),
    ))
    .execute(conn)?;
    Ok(taken == 1)
}

/// Records that `instance` finished its run (a failed one is not run again in the same period:
/// the next period's run retries the work, which is idempotent).
pub fn finish_run(
    conn: &mut DbConnection,
    job: &str,
    period: &str,
    instance: &str,
    at: NaiveDateTime,
    failed: bool,
) -> StoreResult<()> {
    diesel::update(job_runs::table.find((job, period)).filter(job_runs::instance.eq(instance)))
        .set((job_runs::finished_at.eq(Some(at)), job_runs::failed.eq(failed)))
        .execute(conn)?;
    Ok(())
}

/// Forgets runs started before `before`.
pub fn forget_runs(conn: &mut DbConnection, before: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(job_runs::table.filter(job_runs::started_at.lt(before))).execute(conn)?)
}

/// Counts one request against `key` in the window starting at `window_start` (Unix seconds) and
/// returns the window's count, this one included.
pub fn hit(conn: &mut DbConnection, key: &str, window_start: i64) -> StoreResult<i32> {
    let this_window = rate_windows::table.find(key).filter(rate_windows::window_start.eq(window_start));
    let counted =
        diesel::update(this_window).set(rate_windows::hits.eq(rate_windows::hits + 1)).execute(conn)?;
    if counted == 0 {
        let old_window = rate_windows::table.find(key).filter(rate_windows::window_start.lt(window_start));
        let reset = diesel::update(old_window)
            .set((rate_windows::window_start.eq(window_start), rate_windows::hits.eq(1)))
            .execute(conn)?;
        if reset == 0 {
            let row = (
                rate_windows::key.eq(key),
                rate_windows::window_start.eq(window_start),
                rate_windows::hits.eq(1),
            );
            match conn.transaction(|c| diesel::insert_into(rate_windows::table).values(row).execute(c)) {
                Ok(_) => {}
                // Another server counted this key's first request a moment ago.
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    diesel::update(this_window)
                        .set(rate_windows::hits.eq(rate_windows::hits + 1))
                        .execute(conn)?;
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
    Ok(rate_windows::table.find(key).select(rate_windows::hits).first(conn)?)
}

/// Counts an attempt against `key` in a window that opens with its first attempt and lasts `window`
/// seconds, allowing `max` of them: `Ok(attempts so far)`, this one included, or `Err(seconds)`
/// until the window closes when `max` were made already (this one is then not counted).
pub fn attempt(
    conn: &mut DbConnection,
    key: &str,
    now: i64,
    window: i64,
    max: i32,
) -> StoreResult<Result<i32, i64>> {
    let open_since = now - window;
    let live = rate_windows::table.find(key).filter(rate_windows::window_start.gt(open_since));
    let counted = diesel::update(live.filter(rate_windows::hits.lt(max)))
        .set(rate_windows::hits.eq(rate_windows::hits + 1))
        .execute(conn)?;
    if counted == 1 {
        return Ok(Ok(rate_windows::table.find(key).select(rate_windows::hits).first(conn)?));
    }
    let closed = rate_windows::table.find(key).filter(rate_windows::window_start.le(open_since));
    let reopened = diesel::update(closed)
        .set((rate_windows::window_start.eq(now), rate_windows::hits.eq(1)))
        .execute(conn)?;
    if reopened == 1 {
        return Ok(Ok(1));
    }
    let row = (rate_windows::key.eq(key), rate_windows::window_start.eq(now), rate_windows::hits.eq(1));
    match conn.transaction(|c| diesel::insert_into(rate_windows::table).values(row).execute(c)) {
        Ok(_) => Ok(Ok(1)),
        // The window is open and full (or another server opened it a moment ago: then it holds one
        // attempt, and this one is counted against it).
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            let (start, hits): (i64, i32) = rate_windows::table
                .find(key)
                .select((rate_windows::window_start, rate_windows::hits))
                .first(conn)?;
            if hits < max {
                diesel::update(rate_windows::table.find(key))
                    .set(rate_windows::hits.eq(rate_windows::hits + 1))
                    .execute(conn)?;
                return Ok(Ok(hits + 1));
            }
            Ok(Err((start + window - now).max(1)))
        }
        Err(other) => Err(other.into()),
    }
}

/// Forgets what was counted against `key`.
pub fn forget(conn: &mut DbConnection, key: &str) -> StoreResult<()> {
    diesel::delete(rate_windows::table.find(key)).execute(conn)?;
    Ok(())
}

/// Forgets windows that ended before `before` (Unix seconds), so a flood of new addresses does
/// not grow the table for ever.
pub fn forget_windows(conn: &mut DbConnection, before: i64) -> StoreResult<usize> {
    Ok(diesel::delete(rate_windows::table.filter(rate_windows::window_start.lt(before))).execute(conn)?)
}
