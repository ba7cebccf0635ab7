//! Claims on the fund: filing, the lifecycle steps, plans, cost sheets, payment, the return visit,
//! and what each party sees of them.

mod cost_sheets;
mod filing;
pub mod notices;
mod payout;
mod ratings;
mod steps;
mod view;

use chrono::Utc;
use serde::Deserialize;

pub use crate::db::claims::SignatureKind;
pub use cost_sheets::{
    add_revision, dispute_signature, sign, submit, verify, CostSheetRequest, DisputeSignatureRequest,
    LineDecision, LineVerdict, SignRequest, SubmitCostSheetRequest, VerifyRequest,
};
pub(crate) use cost_sheets::{record_signing, request_signatures, revision_audits};
pub(crate) use filing::file_in;
pub use filing::{
    defect_codes, file, priced_lines, AdvanceInput, DefectCoding, EvidenceRef, FileClaim, LineInput,
};
pub use payout::{pay, PayRequest, Payee};
pub use ratings::{repair_unit_ratings, return_visit, RepairUnitRating, ReturnVisitRequest};
pub use steps::{
    approve, decide_plan, developer_reply, developer_unable, inspection, reject, simple, submit_plan,
    ApproveRequest, DeveloperAnswer, DeveloperReply, DeveloperUnableRequest, InspectionResult, PlanDecision,
    PlanDecisionRequest, PlanLineInput, PlanRequest, RejectRequest, SimpleStep, StepRequest,
};
pub use view::{
    claim_page, ClaimPage, ClaimResponse, CostSheetView, DeadlineView, EvidenceView, LineView, PayoutView,
    PlanLineView, PlanView, Rejection, ReturnVisitView, TimelineEntry,
};
pub(crate) use view::{code_name, page_of};

use self::view::claim_response;
use crate::db::claims::{self as db, ClaimFilter};
use crate::db::registry as reg;
use crate::db::DbConnection;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::deadlines::shanghai_date;
use crate::domain::ids::ClaimId;
use crate::domain::lifecycle::ClaimState;
use crate::error::{AppError, AppResult};
use crate::service::policy::{self, Caller};
use crate::service::Context;
use crate::service::{parse_id, Page, Paged};
use std::collections::HashMap;

/// Which claims to list.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClaimQuery {
    /// Comma-separated states.
    pub status: Option<String>,
    pub estate_id: Option<String>,
    pub building_id: Option<String>,
    /// A warranty category, e.g. `seepage`.
    pub category: Option<String>,
    /// Only claims due within this many days (overdue ones included), 0 to 3650.
    #[param(minimum = 0, maximum = 3650)]
    pub due_within_days: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl ClaimQuery {
    pub(crate) fn filter(&self) -> AppResult<ClaimFilter> {
        let states = match &self.status {
            Some(list) => list
                .split(',')
                .map(|s| {
                    s.trim()
                        .parse::<ClaimState>()
                        .map(|s| s.as_str().to_string())
                        .map_err(|_| AppError::invalid("status"))
                })
                .collect::<AppResult<_>>()?,
            None => Vec::new(),
        };
        let due_by = match self.due_within_days {
            Some(days) if (0..=3650).contains(&days) => {
                Some(shanghai_date(Utc::now()) + chrono::Duration::days(days))
            }
            Some(_) => return Err(AppError::invalid("due_within_days")),
            None => None,
        };
        let category = match self.category.as_deref() {
            Some(c) => Some(
                c.parse::<WarrantyCategory>()
                    .map_err(|_| AppError::invalid("category"))?
                    .as_str()
                    .to_string(),
            ),
            None => None,
        };
        Ok(ClaimFilter {
            states,
            estate_id: self.estate_id.as_deref().map(parse_id).transpose()?,
            building_id: self.building_id.as_deref().map(parse_id).transpose()?,
            category,
            due_by,
        })
    }

    pub(crate) fn page(&self) -> AppResult<(i64, i64)> {
        Page { limit: self.limit, offset: self.offset }.bounds()
    }
}

/// Claims the caller may see, newest first, each saying what the caller must do next.
pub async fn list(ctx: &Context, caller: &Caller, query: &ClaimQuery) -> AppResult<Paged<ClaimResponse>> {
    let (limit, offset) = query.page()?;
    let filter = query.filter()?;
    let who = caller.clone();
    let rows = ctx
        .db
        .read(move |conn| {
            let scope = policy::claim_scope(conn, &who)?;
            let rows = db::list_claims(conn, &scope, &filter, limit, offset)?;
            with_progress(conn, rows)
        })
        .await?;
    responses(rows, caller, limit, offset)
}

/// The reviewer's queue: claims in their jurisdiction waiting on the bureau, nearest legal deadline
/// first, overdue ones at the top, then those without a deadline, oldest first.
pub async fn queue(ctx: &Context, caller: &Caller, query: &ClaimQuery) -> AppResult<Paged<ClaimResponse>> {
    let (limit, offset) = query.page()?;
    let filter = query.filter()?;
    let id = caller.id.clone();
    let rows = ctx
        .db
        .read(move |conn| {
            let jurisdictions = reg::reviewer_jurisdictions(conn, &id)?;
            let rows = db::queue(conn, &jurisdictions, &filter, limit, offset)?;
            with_progress(conn, rows)
        })
        .await?;
    responses(rows, caller, limit, offset)
}

pub(crate) type WithProgress = (Vec<db::ClaimRow>, HashMap<String, db::Progress>, view::People);

/// The claims with what their answers need beyond the rows: their progress and their applicants'
/// names, in a fixed number of reads.
pub(crate) fn with_progress(conn: &mut DbConnection, rows: Vec<db::ClaimRow>) -> AppResult<WithProgress> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let progress = db::progress_of(conn, &ids)?;
    let applicants: Vec<&str> = rows.iter().map(|r| r.applicant_id.as_str()).collect();
    let people = crate::db::accounts::people(conn, &applicants)?;
    Ok((rows, progress, people))
}

pub(crate) fn responses(
    (rows, progress, people): WithProgress,
    caller: &Caller,
    limit: i64,
    offset: i64,
) -> AppResult<Paged<ClaimResponse>> {
    let items = rows
        .into_iter()
        .map(|row| {
            let p = progress.get(&row.id).copied().unwrap_or_default();
            claim_response(row, caller, &p, &people)
        })
        .collect::<AppResult<_>>()?;
    Ok(Paged { items, limit, offset })
}

/// One claim's page, if the caller may see it.
pub async fn page(ctx: &Context, caller: &Caller, id: &ClaimId) -> AppResult<ClaimPage> {
    let id = id.to_string();
    let who = caller.clone();
    ctx.db.read(move |conn| claim_page(conn, &who, &id)).await
}
