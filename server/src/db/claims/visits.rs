//! Return visits 回访 and the ratings the bureau reads, and the claims a pull may send.

use diesel::prelude::*;

use super::{ClaimRow, ClaimScope};
use crate::db::accounts::now;
use crate::db::schema::{claims, unit_owners};
use crate::db::DbConnection;
use crate::db::{StoreError, StoreResult};

/// Records the applicant's rating; a second rating of the same claim is `already_exists`.
pub fn insert_return_visit(
    conn: &mut DbConnection,
    claim: &ClaimRow,
    scores: (i32, i32, i32),
    comment: Option<&str>,
    by: &str,
) -> StoreResult<()> {
    use crate::db::schema::return_visits;
    let exists = return_visits::table
        .find(&claim.id)
        .select(return_visits::claim_id)
        .first::<String>(conn)
        .optional()?;
    if exists.is_some() {
        return Err(StoreError::Duplicate(None));
    }
    diesel::insert_into(return_visits::table)
        .values((
            return_visits::claim_id.eq(&claim.id),
            return_visits::repair_unit_id.eq(&claim.repair_unit_id),
            return_visits::attitude.eq(scores.0),
            return_visits::quality.eq(scores.1),
            return_visits::resolution.eq(scores.2),
            return_visits::comment.eq(comment),
            return_visits::rated_by.eq(by),
            return_visits::rated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every rating of repair units on claims in these jurisdictions: (unit, attitude, quality,
/// resolution).
pub fn ratings(
    conn: &mut DbConnection,
    jurisdictions: &[String],
) -> StoreResult<Vec<(String, i32, i32, i32)>> {
    use crate::db::schema::return_visits;
    Ok(return_visits::table
        .inner_join(claims::table)
        .filter(claims::jurisdiction.eq_any(jurisdictions.to_vec()))
        .filter(return_visits::repair_unit_id.is_not_null())
        .select((
            return_visits::repair_unit_id.assume_not_null(),
            return_visits::attitude,
            return_visits::quality,
            return_visits::resolution,
        ))
        .load(conn)?)
}

/// The applicant's rating of a claim.
#[derive(Queryable, Debug, Clone)]
pub struct Rating {
    pub attitude: i32,
    pub quality: i32,
    pub resolution: i32,
    pub comment: Option<String>,
}

/// The applicant's own rating of a claim, if given.
pub fn return_visit_of(conn: &mut DbConnection, claim_id: &str) -> StoreResult<Option<Rating>> {
    use crate::db::schema::return_visits;
    Ok(return_visits::table
        .find(claim_id)
        .select((
            return_visits::attitude,
            return_visits::quality,
            return_visits::resolution,
            return_visits::comment,
        ))
        .first(conn)
        .optional()?)
}

/// Claims in scope: those named (`ids`), or, for a snapshot, the next `limit` after `after_id` in
/// id order.
pub fn claims_in_scope(
    conn: &mut DbConnection,
    scope: &ClaimScope,
    ids: Option<&[String]>,
    after_id: &str,
    limit: i64,
) -> StoreResult<Vec<ClaimRow>> {
    let mut query = claims::table
        .filter(claims::id.gt(after_id.to_string()))
        .order(claims::id.asc())
        .limit(limit)
        .select(ClaimRow::as_select())
        .into_boxed();
    if let Some(ids) = ids {
        query = query.filter(claims::id.eq_any(ids.to_vec()));
    }
    Ok(restrict_claims!(query, scope).load(conn)?)
}
