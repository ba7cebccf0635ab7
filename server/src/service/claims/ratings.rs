//! The return visit 回访: after payment the applicant rates the repair, and the bureau sees each
//! repair unit's averages (the unit rated never sees who rated it).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::db::claims as db;
use crate::db::registry as reg;
use crate::domain::ids::ClaimId;
use crate::domain::lifecycle::Act;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::optional_text;
use crate::service::policy::{self, Caller};
use crate::service::Context;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"attitude": 5, "quality": 4, "resolution": 5, "comment": "维修及时，师傅很细心"}))]
pub struct ReturnVisitRequest {
    /// Service attitude, 1-5.
    #[schema(minimum = 1, maximum = 5)]
    pub attitude: i32,
    /// Repair quality, 1-5.
    #[schema(minimum = 1, maximum = 5)]
    pub quality: i32,
    /// Whether the problem is solved, 1-5.
    #[schema(minimum = 1, maximum = 5)]
    pub resolution: i32,
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

/// After payment the applicant rates the repair: attitude, quality and resolution, once.
pub async fn return_visit(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    req: ReturnVisitRequest,
) -> AppResult<()> {
    let id = id.to_string();
    for (field, score) in
        [("attitude", req.attitude), ("quality", req.quality), ("resolution", req.resolution)]
    {
        if !(1..=5).contains(&score) {
            return Err(AppError::invalid(field));
        }
    }
    let comment = optional_text(req.comment.as_deref(), "comment", 2000)?;
    let scores = (req.attitude, req.quality, req.resolution);
    let user = caller.clone();
    ctx
        .db
        .write(move |conn| {
            let claim = policy::visible_claim(conn, &user, &id)?;
            policy::require_applicant(&user, &claim, None)?;
            if !matches!(claim.state.as_str(), "paid" | "developer_notified") {
                return Err(AppError::new(Code::StepOutOfOrder));
            }
            db::insert_return_visit(conn, &claim, scores, comment.as_deref(), &user.id)?;
            let detail = json!({"attitude": scores.0, "quality": scores.1, "resolution": scores.2, "comment": comment});
            db::append_audit(conn, &id, &user.actor(None), Act::ReturnVisit, Some(claim.state), claim.state, detail).map_err(AppError::from)
        })
        .await
}

/// Average ratings of one repair unit.
#[derive(Serialize, ToSchema)]
pub struct RepairUnitRating {
    pub repair_unit_id: String,
    pub name: String,
    pub ratings: usize,
    /// Averages, 1-5, to two places.
    #[schema(value_type = String)]
    pub attitude: Decimal,
    #[schema(value_type = String)]
    pub quality: Decimal,
    #[schema(value_type = String)]
    pub resolution: Decimal,
}

/// The bureau's view of repair units: average return-visit ratings on claims in its jurisdiction,
/// lowest overall first, so a struggling unit is seen at once.
pub async fn repair_unit_ratings(ctx: &Context, caller: &Caller) -> AppResult<Vec<RepairUnitRating>> {
    let id = caller.id.clone();
    let (rows, names) = ctx
        .db
        .read(move |conn| {
            let jurisdictions = reg::reviewer_jurisdictions(conn, &id)?;
            let rows = db::ratings(conn, &jurisdictions)?;
            let names = reg::list_organisations(conn, &policy::registry_lookup())?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect::<std::collections::HashMap<_, _>>();
            Ok::<_, AppError>((rows, names))
        })
        .await?;
    let mut by_unit: std::collections::BTreeMap<String, Vec<(i32, i32, i32)>> = Default::default();
    for (unit, a, q, r) in rows {
        by_unit.entry(unit).or_default().push((a, q, r));
    }
    let avg = |scores: &[(i32, i32, i32)], pick: fn(&(i32, i32, i32)) -> i32| {
        let sum: i64 = scores.iter().map(|s| i64::from(pick(s))).sum();
        (Decimal::from(sum) / Decimal::from(scores.len() as i64)).round_dp(2)
    };
    let mut out: Vec<RepairUnitRating> = by_unit
        .into_iter()
        .map(|(unit, scores)| RepairUnitRating {
            name: names.get(&unit).cloned().unwrap_or_default(),
            ratings: scores.len(),
            attitude: avg(&scores, |s| s.0),
            quality: avg(&scores, |s| s.1),
            resolution: avg(&scores, |s| s.2),
            repair_unit_id: unit,
        })
        .collect();
    out.sort_by_key(|r| r.attitude + r.quality + r.resolution);
    Ok(out)
}
