//! Claims on the fund over REST: filing, every lifecycle step for the role that may take it, plans,
//! cost sheets, payment, the claim page and the reviewer queue.
//!
//! Handlers only extract, check shape, and hand over to `db::claims::apply_step`, which asks the
//! state machine in `domain::lifecycle`; a step the claim cannot take answers 409 naming the article.

use std::str::FromStr;

use actix_web::{get, post, web, HttpResponse};
use baoxiu_sync_protocol::cost_sheet::{line_amount, LineKind};
use baoxiu_sync_protocol::Money;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{optional_text, parse_id, text, utc, Page, Paged};
use crate::auth::{AuthUser, ClaimApplicant, DeveloperStaff, RepairUnitStaff, Reviewer};
use crate::db::accounts::now;
use crate::db::claims::{self as db, Actor, ClaimFilter, ClaimRow, ClaimScope, LineRow, PayoutRow};
use crate::db::registry::{self as reg, Scope};
use crate::db::{files as files_db, fund, notify, DbConnection};
use crate::domain::coverage::{
    self, Applicant, BuildingWarranty, Defect, NotCovered, PartLocation, SeasonSettings, WarrantyCategory,
};
use crate::domain::deadlines::{self, shanghai_date, Clock};
use crate::domain::ledger::{self, EntryKind};
use crate::domain::lifecycle::{Action, Claim, ClaimKind, ClaimState, RejectionReason};
use crate::domain::registry::{OrgKind, Role};
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Notice};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(file_claim)
        .service(list_claims)
        .service(get_claim)
        .service(reviewer_queue)
        .service(ask_developer)
        .service(developer_reply)
        .service(developer_silent)
        .service(developer_repaired)
        .service(developer_defaulted)
        .service(inspection)
        .service(approve)
        .service(reject)
        .service(submit_plan)
        .service(decide_plan)
        .service(start_repair)
        .service(new_cost_sheet)
        .service(sign_cost_sheet)
        .service(submit_cost_sheet)
        .service(return_cost_sheet)
        .service(verify)
        .service(pay)
        .service(notify_developer)
        .service(return_visit)
        .service(repair_unit_ratings);
}

/// What the caller may see of claims.
pub(crate) fn claim_scope(conn: &mut DbConnection, user: &AuthUser) -> AppResult<ClaimScope> {
    Ok(match user.role {
        Role::Admin => ClaimScope::All,
        Role::Reviewer => ClaimScope::Jurisdictions(reg::reviewer_jurisdictions(conn, &user.id)?),
        Role::Developer => ClaimScope::Developer(user.organisation_ids.clone()),
        Role::PropertyManager => ClaimScope::PropertyManager(user.organisation_ids.clone()),
        Role::Technician => ClaimScope::RepairUnit(user.organisation_ids.clone()),
        Role::Owner => ClaimScope::Owner(user.id.clone()),
    })
}

fn actor(user: &AuthUser) -> Actor {
    Actor { user_id: user.id.clone(), role: user.role, device_id: None }
}

// ---- responses ----

/// One legal clock on a claim: due when, days left, overdue by.
#[derive(Serialize, ToSchema)]
pub struct DeadlineView {
    /// `payout` (Art. 23), `usage_notice` (Art. 26) or `developer_reply`.
    pub clock: String,
    /// The article that sets it, e.g. `Art. 23`.
    pub article: Option<String>,
    pub due_on: NaiveDate,
    pub days_left: i64,
    pub overdue_by: i64,
    /// Whether the duty is done.
    pub met: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Rejection {
    pub reason: RejectionReason,
    pub article: String,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ClaimResponse {
    pub id: String,
    pub kind: ClaimKind,
    pub state: ClaimState,
    /// Whose move it is: bureau, developer, repair_unit, applicant or nobody.
    pub waiting_on: String,
    /// Send this back as `version` with the next step; a mismatch answers `stale_version`.
    pub version: i32,
    pub jurisdiction: String,
    pub estate_id: String,
    pub building_id: String,
    pub unit_id: Option<String>,
    pub location: PartLocation,
    pub category: WarrantyCategory,
    pub location_detail: String,
    pub description: String,
    pub applicant_id: String,
    pub repair_unit_id: Option<String>,
    pub warranty_last_day: NaiveDate,
    #[schema(value_type = Option<String>)]
    pub advanced_amount: Option<Money>,
    pub rejection: Option<Rejection>,
    pub deadlines: Vec<DeadlineView>,
    /// What the caller is expected to do next, if anything: e.g. `sign_cost_sheet`.
    pub your_next_step: Option<&'static str>,
    pub filed_at: DateTime<Utc>,
}

fn deadline(
    clock: &str,
    article: Option<Clock>,
    due_on: NaiveDate,
    met: bool,
    now: DateTime<Utc>,
) -> DeadlineView {
    let standing = deadlines::standing(due_on, now);
    DeadlineView {
        clock: clock.into(),
        article: article.map(|c| c.article().to_string()),
        due_on,
        days_left: if met { 0 } else { standing.days_left },
        overdue_by: if met { 0 } else { standing.overdue_by },
        met,
    }
}

fn claim_deadlines(row: &ClaimRow, state: ClaimState, now: DateTime<Utc>) -> Vec<DeadlineView> {
    use ClaimState::*;
    let mut out = Vec::new();
    if let Some(due) = row.developer_reply_due_on {
        out.push(deadline("developer_reply", None, due, state != DeveloperAsked, now));
    }
    if let Some(due) = row.payout_due_on {
        out.push(deadline(
            "payout",
            Some(Clock::Payout),
            due,
            matches!(state, Paid | DeveloperNotified),
            now,
        ));
    }
    if let Some(due) = row.usage_notice_due_on {
        out.push(deadline("usage_notice", Some(Clock::UsageNotice), due, state == DeveloperNotified, now));
    }
    out
}

fn next_step(
    row: &ClaimRow,
    state: ClaimState,
    user: &AuthUser,
    unsigned_sheet: bool,
) -> Option<&'static str> {
    use ClaimState::*;
    match (user.role, state) {
        (_, InRepair) if user.id == row.applicant_id && unsigned_sheet => Some("sign_cost_sheet"),
        (Role::Developer, DeveloperAsked) => Some("reply_to_bureau"),
        (Role::Reviewer, _)
            if state.waiting_on().as_str() == row.waiting_on && row.waiting_on == "bureau" =>
        {
            Some(match state {
                Filed => "ask_developer",
                DeveloperAsked => "record_developer_silence",
                AwaitingDecision => "decide",
                PlanSubmitted => "review_plan",
                CostSheetSubmitted => "verify_cost_sheet",
                Verified => "pay",
                Paid => "notify_developer",
                _ => return None,
            })
        }
        (Role::Technician | Role::PropertyManager, Approved | PlanReturned)
            if row.repair_unit_id.is_some() =>
        {
            Some("submit_plan")
        }
        (Role::Technician | Role::PropertyManager, PlanApproved) if row.repair_unit_id.is_some() => {
            Some("start_repair")
        }
        _ => None,
    }
}

fn claim_response(row: ClaimRow, user: &AuthUser, unsigned_sheet: bool) -> AppResult<ClaimResponse> {
    let state: ClaimState = row.state.parse().map_err(AppError::internal)?;
    let now = Utc::now();
    let rejection = row
        .rejection_reason
        .as_deref()
        .map(RejectionReason::from_str)
        .transpose()
        .map_err(AppError::internal)?
        .map(|reason| Rejection {
            reason,
            article: reason.article().to_string(),
            note: row.rejection_note.clone(),
        });
    Ok(ClaimResponse {
        deadlines: claim_deadlines(&row, state, now),
        your_next_step: next_step(&row, state, user, unsigned_sheet),
        kind: row.kind.parse().map_err(AppError::internal)?,
        state,
        location: row.location.parse().map_err(AppError::internal)?,
        category: row.category.parse().map_err(AppError::internal)?,
        advanced_amount: row.advanced_amount_fen.map(Money::from_fen),
        filed_at: utc(row.filed_at),
        rejection,
        id: row.id,
        waiting_on: row.waiting_on,
        version: row.version,
        jurisdiction: row.jurisdiction,
        estate_id: row.estate_id,
        building_id: row.building_id,
        unit_id: row.unit_id,
        location_detail: row.location_detail,
        description: row.description,
        applicant_id: row.applicant_id,
        repair_unit_id: row.repair_unit_id,
        warranty_last_day: row.warranty_last_day,
    })
}

// ---- filing ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRef {
    /// The id of a file the caller uploaded (`POST /files` or a finished `/uploads`).
    pub id: String,
    /// before, during, after, receipt, inspection_report or signature.
    pub kind: String,
}

#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// material, labour, machinery or other.
    #[schema(value_type = String, example = "material")]
    pub kind: LineKind,
    pub description: String,
    /// Unit of measure, e.g. m², 工日, 个.
    pub unit: String,
    /// Decimal string, up to three places.
    #[schema(value_type = String, example = "12.5")]
    pub quantity: Decimal,
    #[schema(value_type = String, example = "38.47")]
    pub unit_price: Money,
    /// This line's budget from the approved plan; zero when none.
    #[schema(value_type = Option<String>)]
    pub budget: Option<Money>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceInput {
    /// What the applicant paid; must equal the cost sheet's total.
    #[schema(value_type = String)]
    pub amount: Money,
    pub lines: Vec<LineInput>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileClaim {
    pub kind: ClaimKind,
    pub building_id: String,
    /// Required for a private part.
    pub unit_id: Option<String>,
    pub location: PartLocation,
    pub category: WarrantyCategory,
    /// Where in the building, e.g. "主卧卫生间顶棚".
    pub location_detail: String,
    pub description: String,
    /// When the defect was first reported; default today. Not in the future.
    pub reported_on: Option<NaiveDate>,
    /// A property manager applying for common parts without an owners' committee must apply with
    /// elected owner representatives (Art. 20).
    #[serde(default)]
    pub with_owner_representatives: bool,
    #[serde(default)]
    pub evidence: Vec<EvidenceRef>,
    /// The repair already done and paid, for an emergency advance claim (Art. 25).
    pub advance: Option<AdvanceInput>,
}

pub(crate) const EVIDENCE_KINDS: &[&str] =
    &["before", "during", "after", "receipt", "inspection_report", "signature"];

pub(crate) fn priced_lines(inputs: &[LineInput]) -> AppResult<Vec<LineRow>> {
    if inputs.is_empty() || inputs.len() > 200 {
        return Err(AppError::invalid("lines"));
    }
    inputs
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let amount = line_amount(l.quantity, l.unit_price)
                .map_err(|e| AppError::invalid("lines").detail(format!("line {}: {e}", i + 1)))?;
            let budget = l.budget.unwrap_or(Money::ZERO);
            if budget.is_negative() {
                return Err(AppError::invalid("lines").detail(format!("line {}: negative budget", i + 1)));
            }
            Ok(LineRow {
                cost_sheet_id: String::new(),
                line_no: i as i32 + 1,
                kind: serde_json::to_value(l.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                description: text(&l.description, "lines.description", 200)?,
                unit: text(&l.unit, "lines.unit", 20)?,
                quantity: l.quantity.normalize().to_string(),
                unit_price_fen: l.unit_price.to_fen(),
                amount_fen: amount.to_fen(),
                budget_fen: budget.to_fen(),
                decision: None,
                approved_fen: None,
                decision_reason: None,
            })
        })
        .collect()
}

fn not_covered(err: NotCovered) -> AppError {
    let code = match err {
        NotCovered::OutOfPeriod { .. } => Code::OutOfWarranty,
        NotCovered::BeforeHandover => Code::BeforeHandover,
        NotCovered::NoPeriodAgreed => Code::NoPeriodAgreed,
        NotCovered::Excluded { .. } => Code::OutOfWarranty,
    };
    let detail = match err {
        NotCovered::OutOfPeriod { last_day } => format!("{}: {last_day}", err.article()),
        _ => err.article().to_string(),
    };
    AppError::new(code).detail(detail)
}

/// Files a claim for `user` (an owner or a property manager), checking every rule of Art. 18-20
/// and 25; shared by `POST /claims` and the sync protocol's `emergency_claim`.
pub(crate) fn file_on(
    conn: &mut DbConnection,
    user: &AuthUser,
    device_id: Option<&str>,
    req: FileClaim,
) -> AppResult<ClaimRow> {
    let building_id = parse_id(&req.building_id)?;
    let unit_id = req.unit_id.as_deref().map(parse_id).transpose()?;
    let location_detail = text(&req.location_detail, "location_detail", 200)?;
    let description = text(&req.description, "description", 4000)?;
    let today = shanghai_date(Utc::now());
    let reported_on = req.reported_on.unwrap_or(today);
    if reported_on > today {
        return Err(AppError::invalid("reported_on"));
    }
    let evidence: Vec<(String, String)> = req
        .evidence
        .iter()
        .map(|e| {
            if !EVIDENCE_KINDS.contains(&e.kind.as_str()) {
                return Err(AppError::invalid("evidence.kind"));
            }
            Ok((parse_id(&e.id)?, e.kind.clone()))
        })
        .collect::<AppResult<_>>()?;
    let advance_lines = req.advance.as_ref().map(|a| priced_lines(&a.lines)).transpose()?;
    let claim = match req.kind {
        ClaimKind::Standard if req.advance.is_some() => return Err(AppError::invalid("advance")),
        ClaimKind::Standard => Claim::file(),
        // The applicant files the sheet themselves, which is their signature on it (Art. 22).
        ClaimKind::EmergencyAdvance => {
            Claim::file_emergency(!evidence.is_empty(), advance_lines.is_some()).map_err(db::refusal_error)?
        }
    };
    if let (Some(advance), Some(lines)) = (&req.advance, &advance_lines) {
        let total: i64 = lines.iter().map(|l| l.amount_fen).sum();
        if advance.amount.to_fen() != total {
            return Err(
                AppError::new(Code::AdvancedAmountMismatch).detail(Money::from_fen(total).to_string())
            );
        }
    }
    let viewer = user.viewer();
    let actor = Actor { device_id: device_id.map(str::to_owned), ..actor(user) };
    let scope = reg::scope(conn, &viewer)?;
    let (building, _) = reg::find_building(conn, &scope, &building_id)?;
    let estate = reg::find_estate(conn, &Scope::All, &building.estate_id)?;
    let owns_the_unit = match &unit_id {
        Some(unit) => {
            let found = reg::find_unit(conn, &scope, unit)?;
            if found.building_id != building.id {
                return Err(AppError::invalid("unit_id"));
            }
            reg::my_units(conn, &viewer.user_id)?.iter().any(|u| u.id == *unit)
        }
        None => false,
    };
    if req.location == PartLocation::PrivatePart && unit_id.is_none() {
        return Err(AppError::invalid("unit_id"));
    }
    let who = match viewer.role {
        Role::Owner => Applicant::Owner { owns_the_unit },
        _ => Applicant::PropertyManager { with_owner_representatives: req.with_owner_representatives },
    };
    // Owners' committees are not in the registry yet, so none is taken to exist and a
    // property manager applies with owner representatives.
    let eligible = match claim.kind {
        ClaimKind::Standard => coverage::may_apply(who, req.location, false),
        ClaimKind::EmergencyAdvance => coverage::may_advance(who, req.location, false),
    };
    if let Err(refusal) = eligible {
        return Err(AppError::new(Code::IneligibleApplicant).detail(refusal.article().to_string()));
    }
    let handover = building.handover_date.ok_or(AppError::new(Code::BeforeHandover).detail("Art. 18"))?;
    let warranty = BuildingWarranty {
        handover,
        design_life_years: u32::try_from(building.design_life_years).unwrap_or(0),
        contract: Default::default(),
    };
    let defect = Defect { category: req.category, location: req.location, reported_on, exclusion: None };
    let covered = coverage::assess(&defect, &warranty, &SeasonSettings::default()).map_err(not_covered)?;
    let filed_at = now();
    let mut row = ClaimRow {
        id: reg::fresh_id(),
        kind: claim.kind.as_str().into(),
        state: String::new(),
        waiting_on: String::new(),
        jurisdiction: estate.jurisdiction,
        estate_id: estate.id,
        building_id: building.id,
        unit_id,
        developer_id: estate.developer_id,
        property_manager_id: estate.property_manager_id,
        location: req.location.as_str().into(),
        category: req.category.as_str().into(),
        location_detail,
        description,
        applicant_id: viewer.user_id.clone(),
        applicant_capacity: if viewer.role == Role::Owner { "owner" } else { "property_manager" }.into(),
        with_owner_representatives: req.with_owner_representatives,
        warranty_last_day: covered.last_day,
        advanced_amount_fen: req.advance.as_ref().map(|a| a.amount.to_fen()),
        repair_unit_id: None,
        rejection_reason: None,
        rejection_note: None,
        plan_approved: false,
        cost_sheet_signed: claim.cost_sheet_signed,
        cost_sheet_verified: false,
        developer_reply_due_on: None,
        cost_sheet_received_at: None,
        payout_due_on: None,
        usage_notice_due_on: None,
        bureau_due_on: None,
        version: 1,
        filed_at,
    };
    row.refresh_queue_fields(claim.state);
    files_db::require_own_files(conn, &actor.user_id, evidence.iter().map(|(id, _)| id))?;
    db::insert_claim(conn, &row, &actor, &evidence)?;
    if let Some(lines) = advance_lines {
        // The claim is new in this transaction: no one else sees it, so no lock is needed.
        let sheet = db::insert_cost_sheet(conn, &row.id, None, lines, &actor.user_id)?;
        db::sign_cost_sheet(conn, &row.id, sheet.revision, &actor.user_id)?;
    }
    Ok(row)
}

/// Files a claim: an owner for their own unit, the property manager for common parts (Art. 20);
/// or, for an emergency already repaired and paid, either of them with the evidence and the signed
/// cost sheet (Art. 25). Out-of-warranty defects are refused at once (Art. 18).
#[utoipa::path(tag = "claims", request_body = FileClaim, responses((status = 201, body = ClaimResponse), (status = 422, description = "out_of_warranty, ineligible_applicant, emergency_evidence_required")), security(("bearer" = [])))]
#[post("/claims")]
async fn file_claim(
    state: web::Data<AppState>,
    applicant: ClaimApplicant,
    body: web::Json<FileClaim>,
) -> AppResult<HttpResponse> {
    let req = body.into_inner();
    let user = applicant.0;
    let who = user.clone();
    let row = state.db.write(move |conn| file_on(conn, &who, None, req)).await?;
    Ok(HttpResponse::Created().json(claim_response(row, &user, false)?))
}

// ---- reading ----

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClaimQuery {
    /// Comma-separated states.
    pub status: Option<String>,
    pub estate_id: Option<String>,
    /// Only claims due within this many days (overdue ones included).
    pub due_within_days: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn filter_of(q: &ClaimQuery) -> AppResult<ClaimFilter> {
    let states = match &q.status {
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
    let due_by = match q.due_within_days {
        Some(days) if (0..=3650).contains(&days) => {
            Some(shanghai_date(Utc::now()) + chrono::Duration::days(days))
        }
        Some(_) => return Err(AppError::invalid("due_within_days")),
        None => None,
    };
    Ok(ClaimFilter { states, estate_id: q.estate_id.as_deref().map(parse_id).transpose()?, due_by })
}

/// Claims the caller may see, newest first. An owner sees their own; each claim says what the
/// caller must do next.
#[utoipa::path(tag = "claims", params(ClaimQuery), responses((status = 200, body = Paged<ClaimResponse>)), security(("bearer" = [])))]
#[get("/claims")]
async fn list_claims(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ClaimQuery>,
) -> AppResult<web::Json<Paged<ClaimResponse>>> {
    let (limit, offset) = Page { limit: query.limit, offset: query.offset }.bounds()?;
    let filter = filter_of(&query)?;
    let caller = user.clone();
    let rows = state
        .db
        .read(move |conn| {
            let scope = claim_scope(conn, &caller)?;
            let rows = db::list_claims(conn, &scope, &filter, limit, offset)?;
            rows.into_iter()
                .map(|row| {
                    let unsigned = row.state == ClaimState::InRepair.as_str()
                        && db::latest_cost_sheet(conn, &row.id)?.is_some_and(|s| s.signed_by.is_none());
                    Ok((row, unsigned))
                })
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    let items = rows
        .into_iter()
        .map(|(row, unsigned)| claim_response(row, &user, unsigned))
        .collect::<AppResult<_>>()?;
    Ok(web::Json(Paged { items, limit, offset }))
}

/// The reviewer's queue: claims in their jurisdiction waiting on the bureau, nearest legal deadline
/// first, overdue ones at the top, then those without a deadline, oldest first.
#[utoipa::path(tag = "claims", params(ClaimQuery), responses((status = 200, body = Paged<ClaimResponse>)), security(("bearer" = [])))]
#[get("/reviewer/queue")]
async fn reviewer_queue(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    query: web::Query<ClaimQuery>,
) -> AppResult<web::Json<Paged<ClaimResponse>>> {
    let (limit, offset) = Page { limit: query.limit, offset: query.offset }.bounds()?;
    let filter = filter_of(&query)?;
    let id = reviewer.id.clone();
    let rows = state
        .db
        .read(move |conn| {
            let jurisdictions = reg::reviewer_jurisdictions(conn, &id)?;
            db::queue(conn, &jurisdictions, &filter, limit, offset)
        })
        .await?;
    let items =
        rows.into_iter().map(|row| claim_response(row, &reviewer, false)).collect::<AppResult<_>>()?;
    Ok(web::Json(Paged { items, limit, offset }))
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    pub action: String,
    pub actor_id: String,
    pub device_id: Option<String>,
    pub before: Option<String>,
    pub after: String,
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanView {
    pub revision: i32,
    pub description: String,
    #[schema(value_type = String)]
    pub budget: Money,
    pub submitted_at: DateTime<Utc>,
    pub decision: Option<String>,
    pub decision_comment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LineView {
    pub line_no: i32,
    pub kind: String,
    pub description: String,
    pub unit: String,
    pub quantity: String,
    #[schema(value_type = String)]
    pub unit_price: Money,
    #[schema(value_type = String)]
    pub amount: Money,
    #[schema(value_type = String)]
    pub budget: Money,
    /// amount − budget.
    #[schema(value_type = String)]
    pub variance: Money,
    pub decision: Option<String>,
    #[schema(value_type = Option<String>)]
    pub approved: Option<Money>,
    pub decision_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CostSheetView {
    pub revision: i32,
    #[schema(value_type = String)]
    pub total: Money,
    #[schema(value_type = String)]
    pub budget_total: Money,
    #[schema(value_type = String)]
    pub variance: Money,
    pub signed_by: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>)]
    pub approved_total: Option<Money>,
    pub verified_at: Option<DateTime<Utc>>,
    pub lines: Vec<LineView>,
    /// Canonical SHA-256 of this revision (`sync-protocol`); a signature binds to it.
    pub hash: Option<String>,
    pub parent_hash: Option<String>,
    /// Another revision names the same parent: choose one by adding a revision before signing.
    pub conflict: bool,
    /// Who signed in person on the technician's phone, when the applicant did not sign on their
    /// own account.
    pub signed_in_person_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PayoutView {
    #[schema(value_type = String)]
    pub amount: Money,
    pub payee: String,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
    pub cost_sheet_revision: i32,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: String,
    pub kind: String,
}

/// A claim's page: the claim with its deadlines, timeline, plans, cost sheets, payout and evidence.
#[derive(Serialize, ToSchema)]
pub struct ClaimPage {
    pub claim: ClaimResponse,
    pub timeline: Vec<TimelineEntry>,
    pub plans: Vec<PlanView>,
    pub cost_sheets: Vec<CostSheetView>,
    pub payout: Option<PayoutView>,
    pub evidence: Vec<EvidenceView>,
    /// The applicant's return-visit rating, once given.
    pub return_visit: Option<ReturnVisitView>,
}

#[derive(Serialize, ToSchema)]
pub struct ReturnVisitView {
    pub attitude: i32,
    pub quality: i32,
    pub resolution: i32,
    pub comment: Option<String>,
}

/// One claim's page.
#[utoipa::path(tag = "claims", params(("id" = String, Path)), responses((status = 200, body = ClaimPage), (status = 404)), security(("bearer" = [])))]
#[get("/claims/{id}")]
async fn get_claim(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<web::Json<ClaimPage>> {
    let id = parse_id(&id)?;
    let caller = user.clone();
    let page = state.db.read(move |conn| claim_page(conn, &caller, &id)).await?;
    Ok(web::Json(page))
}

fn claim_page(conn: &mut DbConnection, user: &AuthUser, id: &str) -> AppResult<ClaimPage> {
    let scope = claim_scope(conn, user)?;
    let row = db::find_claim(conn, &scope, id)?;
    let timeline = db::audit_trail(conn, id)?
        .into_iter()
        .map(|a| TimelineEntry {
            detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null),
            action: a.action,
            actor_id: a.actor_id,
            device_id: a.device_id,
            before: a.before_state,
            after: a.after_state,
            at: utc(a.at),
        })
        .collect();
    let plans = db::plans(conn, id)?
        .into_iter()
        .map(|p| PlanView {
            revision: p.revision,
            description: p.description,
            budget: Money::from_fen(p.budget_fen),
            submitted_at: utc(p.submitted_at),
            decision: p.decision,
            decision_comment: p.decision_comment,
        })
        .collect();
    let sheets = db::cost_sheets_of(conn, id)?;
    let mut cost_sheets = Vec::new();
    let mut revision_of = std::collections::HashMap::new();
    for sheet in sheets {
        revision_of.insert(sheet.id.clone(), sheet.revision);
        let lines = db::lines_of(conn, &sheet.id)?
            .into_iter()
            .map(|l| LineView {
                line_no: l.line_no,
                kind: l.kind,
                description: l.description,
                unit: l.unit,
                quantity: l.quantity,
                unit_price: Money::from_fen(l.unit_price_fen),
                amount: Money::from_fen(l.amount_fen),
                budget: Money::from_fen(l.budget_fen),
                variance: Money::from_fen(l.amount_fen - l.budget_fen),
                decision: l.decision,
                approved: l.approved_fen.map(Money::from_fen),
                decision_reason: l.decision_reason,
            })
            .collect();
        cost_sheets.push(CostSheetView {
            revision: sheet.revision,
            total: Money::from_fen(sheet.total_fen),
            budget_total: Money::from_fen(sheet.budget_total_fen),
            variance: Money::from_fen(sheet.total_fen - sheet.budget_total_fen),
            signed_by: sheet.signed_by,
            signed_at: sheet.signed_at.map(utc),
            hash: sheet.revision_hash,
            parent_hash: sheet.parent_hash,
            conflict: sheet.conflict,
            signed_in_person_by: sheet.signer_name,
            approved_total: sheet.approved_total_fen.map(Money::from_fen),
            verified_at: sheet.verified_at.map(utc),
            lines,
        });
    }
    let unsigned = cost_sheets.last().is_some_and(|s| s.signed_by.is_none());
    let payout = db::payout_of(conn, id)?.map(|p| PayoutView {
        amount: Money::from_fen(p.amount_fen),
        cost_sheet_revision: revision_of.get(&p.cost_sheet_id).copied().unwrap_or(0),
        payee: p.payee,
        paid_on: p.paid_on,
        bank_reference: p.bank_reference,
    });
    let evidence =
        db::evidence_of(conn, id)?.into_iter().map(|(id, kind)| EvidenceView { id, kind }).collect();
    let rating = db::return_visit_of(conn, id)?.map(|r| ReturnVisitView {
        attitude: r.attitude,
        quality: r.quality,
        resolution: r.resolution,
        comment: r.comment,
    });
    Ok(ClaimPage {
        claim: claim_response(row, user, unsigned)?,
        timeline,
        plans,
        cost_sheets,
        payout,
        evidence,
        return_visit: rating,
    })
}

// ---- lifecycle steps ----

/// The version of the claim the caller saw, and an optional note for the timeline.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    pub version: Option<i32>,
    pub note: Option<String>,
}

type Extra = Box<dyn FnOnce(&mut DbConnection, &mut ClaimRow) -> AppResult<()> + Send>;

/// Takes one step and answers with the claim's page.
async fn step(
    state: web::Data<AppState>,
    user: AuthUser,
    id: &str,
    action: Action,
    version: Option<i32>,
    detail: serde_json::Value,
    extra: Extra,
) -> AppResult<web::Json<ClaimPage>> {
    let id = parse_id(id)?;
    let caller = user.clone();
    let rules = state.rules.clone();
    let page = state
        .db
        .write(move |conn| {
            let scope = claim_scope(conn, &caller)?;
            db::apply_step(
                conn,
                &scope,
                &id,
                &actor(&caller),
                action,
                version,
                &rules,
                Utc::now(),
                detail,
                extra,
            )?;
            claim_page(conn, &caller, &id)
        })
        .await?;
    Ok(web::Json(page))
}

fn note_of(req: &StepRequest) -> AppResult<serde_json::Value> {
    let note = optional_text(req.note.as_deref(), "note", 2000)?;
    Ok(json!({ "note": note }))
}

fn no_extra() -> Extra {
    Box::new(|_, _| Ok(()))
}

macro_rules! simple_step {
    ($(#[$doc:meta])* $name:ident, $path:literal, $guard:ty, $action:expr) => {
        $(#[$doc])*
        #[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = StepRequest, responses((status = 200, body = ClaimPage), (status = 409, description = "step_out_of_order or stale_version")), security(("bearer" = [])))]
        #[post($path)]
        async fn $name(state: web::Data<AppState>, who: $guard, id: web::Path<String>, body: web::Json<StepRequest>) -> AppResult<web::Json<ClaimPage>> {
            let detail = note_of(&body)?;
            step(state, who.0, &id, $action, body.version, detail, no_extra()).await
        }
    };
}

simple_step!(
    /// The bureau asks the developer to repair or answer (Art. 21); the reply period starts.
    ask_developer, "/claims/{id}/ask-developer", Reviewer, Action::AskDeveloper
);
simple_step!(
    /// The developer did not answer in time, or cannot repair (Art. 17).
    developer_silent, "/claims/{id}/developer-silent", Reviewer, Action::DeveloperSilentOrUnable
);
simple_step!(
    /// The developer repaired; the claim closes without the fund (Art. 17).
    developer_repaired, "/claims/{id}/developer-repaired", Reviewer, Action::DeveloperRepaired
);
simple_step!(
    /// The developer undertook to repair but did not (Art. 17).
    developer_defaulted, "/claims/{id}/developer-defaulted", Reviewer, Action::DeveloperDefaulted
);
simple_step!(
    /// The repair unit starts work on an approved plan (Art. 22).
    start_repair, "/claims/{id}/start-repair", RepairUnitStaff, Action::StartRepair
);
simple_step!(
    /// The bureau sends the cost sheet back; the repair unit submits a new revision.
    return_cost_sheet, "/claims/{id}/return-cost-sheet", Reviewer, Action::ReturnCostSheet
);
simple_step!(
    /// The bureau tells the developer what was used (Art. 26).
    notify_developer, "/claims/{id}/notify-developer", Reviewer, Action::NotifyDeveloper
);

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum DeveloperAnswer {
    /// The developer will repair (Art. 17).
    WillRepair,
    /// The developer disputes liability and commissions a testing agency (Art. 24).
    Dispute,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeveloperReply {
    pub version: Option<i32>,
    pub reply: DeveloperAnswer,
    pub note: Option<String>,
}

/// The developer's answer: repair, or dispute (Art. 17, 24).
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = DeveloperReply, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/developer-reply")]
async fn developer_reply(
    state: web::Data<AppState>,
    who: DeveloperStaff,
    id: web::Path<String>,
    body: web::Json<DeveloperReply>,
) -> AppResult<web::Json<ClaimPage>> {
    let action = match body.reply {
        DeveloperAnswer::WillRepair => Action::DeveloperWillRepair,
        DeveloperAnswer::Dispute => Action::DeveloperDisputes,
    };
    let detail = note_of(&StepRequest { version: None, note: body.note.clone() })?;
    step(state, who.0, &id, action, body.version, detail, no_extra()).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionResult {
    pub version: Option<i32>,
    pub developer_liable: bool,
    /// The testing agency's report: the id of a file the reviewer uploaded.
    pub report_evidence_id: Option<String>,
    pub note: Option<String>,
}

/// The testing agency's finding (Art. 24).
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = InspectionResult, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/inspection")]
async fn inspection(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    body: web::Json<InspectionResult>,
) -> AppResult<web::Json<ClaimPage>> {
    let report = body.report_evidence_id.as_deref().map(parse_id).transpose()?;
    let note = optional_text(body.note.as_deref(), "note", 2000)?;
    let detail =
        json!({"developer_liable": body.developer_liable, "report_evidence_id": report, "note": note});
    let by = who.id.clone();
    let extra: Extra = Box::new(move |conn, row| match &report {
        Some(report) => {
            files_db::require_own_files(conn, &by, [report])?;
            db::attach_evidence(conn, &row.id, report, "inspection_report", &by)
        }
        None => Ok(()),
    });
    step(
        state,
        who.0,
        &id,
        Action::InspectionFound { developer_liable: body.developer_liable },
        body.version,
        detail,
        extra,
    )
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    pub version: Option<i32>,
    /// The repair unit to designate: a repair unit or the property manager (Art. 21). Not used on
    /// the emergency path, where the repair is done.
    pub repair_unit_id: Option<String>,
    pub note: Option<String>,
}

/// The bureau decides to use the fund (Art. 21).
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = ApproveRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/approve")]
async fn approve(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    body: web::Json<ApproveRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    let unit = body.repair_unit_id.as_deref().map(parse_id).transpose()?;
    let note = optional_text(body.note.as_deref(), "note", 2000)?;
    let detail = json!({"repair_unit_id": unit, "note": note});
    let extra: Extra = Box::new(move |conn, row| {
        match (row.kind.as_str(), unit) {
            ("standard", Some(unit)) => {
                let org = reg::find_organisation(
                    conn,
                    &reg::Viewer { user_id: String::new(), role: Role::Admin, organisation_ids: Vec::new() },
                    &unit,
                )
                .map_err(|_| AppError::invalid("repair_unit_id"))?;
                if org.kind != OrgKind::RepairUnit.as_str() && org.kind != OrgKind::PropertyManager.as_str() {
                    return Err(AppError::invalid("repair_unit_id"));
                }
                row.repair_unit_id = Some(unit);
            }
            ("standard", None) => return Err(AppError::invalid("repair_unit_id")),
            (_, Some(_)) => return Err(AppError::invalid("repair_unit_id")),
            (_, None) => {}
        }
        Ok(())
    });
    step(state, who.0, &id, Action::Approve, body.version, detail, extra).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    pub version: Option<i32>,
    pub reason: RejectionReason,
    pub note: Option<String>,
}

/// The bureau refuses the claim with a coded reason naming its article.
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = RejectRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/reject")]
async fn reject(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    body: web::Json<RejectRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    let note = optional_text(body.note.as_deref(), "note", 2000)?;
    let detail = json!({"reason": body.reason, "article": body.reason.article().to_string(), "note": note});
    let extra: Extra = Box::new(move |_, row| {
        row.rejection_note = note;
        Ok(())
    });
    step(state, who.0, &id, Action::Reject { reason: body.reason }, body.version, detail, extra).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub version: Option<i32>,
    pub description: String,
    #[schema(value_type = String)]
    pub budget: Money,
}

/// The designated repair unit submits its plan and budget (Art. 22).
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = PlanRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/plans")]
async fn submit_plan(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<String>,
    body: web::Json<PlanRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    let description = text(&body.description, "description", 4000)?;
    if body.budget.is_negative() {
        return Err(AppError::invalid("budget"));
    }
    let budget = body.budget.to_fen();
    let by = who.id.clone();
    let detail = json!({"budget": body.budget});
    let extra: Extra =
        Box::new(move |conn, row| db::insert_plan(conn, &row.id, &description, budget, &by).map(|_| ()));
    step(state, who.0, &id, Action::SubmitPlan, body.version, detail, extra).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum PlanDecision {
    Approve,
    Return,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDecisionRequest {
    pub version: Option<i32>,
    pub decision: PlanDecision,
    /// Required when returning the plan.
    pub comment: Option<String>,
}

/// The bureau approves the plan and budget, or returns it with comments (Art. 22).
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = PlanDecisionRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/plan-decision")]
async fn decide_plan(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    body: web::Json<PlanDecisionRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    let comment = optional_text(body.comment.as_deref(), "comment", 2000)?;
    let (action, decision) = match body.decision {
        PlanDecision::Approve => (Action::ApprovePlan, "approved"),
        PlanDecision::Return if comment.is_none() => return Err(AppError::invalid("comment")),
        PlanDecision::Return => (Action::ReturnPlan, "returned"),
    };
    let by = who.id.clone();
    let detail = json!({"decision": decision, "comment": comment});
    let extra: Extra =
        Box::new(move |conn, row| db::decide_plan(conn, &row.id, decision, comment.as_deref(), &by));
    step(state, who.0, &id, action, body.version, detail, extra).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostSheetRequest {
    /// The latest revision the author saw; none for the first. Otherwise `stale_version` with the
    /// current revision.
    pub parent_revision: Option<i32>,
    pub lines: Vec<LineInput>,
}

/// The repair unit records a new cost-sheet revision (Art. 22). Revisions never change; to change
/// anything, add a revision.
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = CostSheetRequest, responses((status = 201, body = ClaimPage), (status = 409, description = "stale_version")), security(("bearer" = [])))]
#[post("/claims/{id}/cost-sheets")]
async fn new_cost_sheet(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<String>,
    body: web::Json<CostSheetRequest>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lines = priced_lines(&body.lines)?;
    let parent = body.parent_revision;
    let user = who.0.clone();
    let page = state
        .db
        .write(move |conn| {
            let scope = claim_scope(conn, &user)?;
            db::lock_claims(conn, &[&id])?;
            let claim = db::find_claim(conn, &scope, &id)?;
            if claim.state != ClaimState::InRepair.as_str() {
                return Err(AppError::new(Code::StepOutOfOrder).detail("Art. 22"));
            }
            let sheet = db::insert_cost_sheet(conn, &id, parent, lines, &user.id)?;
            let added = [(&claim, &sheet)];
            db::insert_audits(conn, revision_audits(&actor(&user), &added))?;
            request_signatures(conn, &added)?;
            claim_page(conn, &user, &id)
        })
        .await?;
    Ok(HttpResponse::Created().json(page))
}

/// The audit entries that record new cost-sheet revisions in their claims' trails.
pub(crate) fn revision_audits(
    actor: &Actor,
    revisions: &[(&ClaimRow, &db::CostSheetRow)],
) -> Vec<db::NewAudit> {
    revisions
        .iter()
        .map(|(claim, sheet)| {
            let total = Money::from_fen(sheet.total_fen);
            let detail = json!({"revision": sheet.revision, "total": total, "hash": sheet.revision_hash, "conflict": sheet.conflict});
            let state = Some(claim.state.as_str());
            db::NewAudit::new(&claim.id, actor, "cost_sheet_revision", state, &claim.state, detail)
        })
        .collect()
}

/// Asks each applicant to sign their claim's new revision, in a fixed number of statements however
/// many revisions there are.
pub(crate) fn request_signatures(
    conn: &mut DbConnection,
    revisions: &[(&ClaimRow, &db::CostSheetRow)],
) -> AppResult<()> {
    let asks: Vec<(String, serde_json::Value)> = revisions
        .iter()
        .map(|(_, sheet)| {
            let total = Money::from_fen(sheet.total_fen);
            (sheet.revision.to_string(), json!({"revision": sheet.revision, "total": total}))
        })
        .collect();
    let notices: Vec<notify::Notify<'_>> = revisions
        .iter()
        .zip(&asks)
        .map(|((claim, _), (key, params))| notify::Notify {
            notice: Notice::SignatureRequested,
            claim_id: Some(&claim.id),
            work_order_id: None,
            key,
            params: params.clone(),
        })
        .collect();
    let to: Vec<(&str, &notify::Notify<'_>)> =
        revisions.iter().zip(&notices).map(|((claim, _), n)| (claim.applicant_id.as_str(), n)).collect();
    notify::notify_all(conn, &to)?;
    Ok(())
}

/// The applicant signs one exact cost-sheet revision (签章确认, Art. 22). Only the applicant may,
/// only the latest revision, and a signed revision never changes.
#[utoipa::path(tag = "claims", params(("id" = String, Path), ("revision" = i32, Path)), responses((status = 200, body = ClaimPage), (status = 409, description = "stale_version")), security(("bearer" = [])))]
#[post("/claims/{id}/cost-sheets/{revision}/sign")]
async fn sign_cost_sheet(
    state: web::Data<AppState>,
    who: ClaimApplicant,
    path: web::Path<(String, i32)>,
) -> AppResult<web::Json<ClaimPage>> {
    let user = who.0;
    let (id, revision) = path.into_inner();
    let id = parse_id(&id)?;
    let page = state
        .db
        .write(move |conn| {
            let scope = claim_scope(conn, &user)?;
            let claim = db::find_claim(conn, &scope, &id)?;
            if claim.applicant_id != user.id {
                return Err(AppError::new(Code::StepNotForRole).detail("Art. 22"));
            }
            if claim.state != ClaimState::InRepair.as_str() {
                return Err(AppError::new(Code::StepOutOfOrder).detail("Art. 22"));
            }
            let sheet = db::sign_cost_sheet(conn, &id, revision, &user.id)?;
            let detail = json!({"revision": sheet.revision, "total": Money::from_fen(sheet.total_fen)});
            db::append_audit(
                conn,
                &id,
                &actor(&user),
                "cost_sheet_signed",
                Some(&claim.state),
                &claim.state,
                detail,
            )?;
            claim_page(conn, &user, &id)
        })
        .await?;
    Ok(web::Json(page))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitCostSheetRequest {
    pub version: Option<i32>,
    /// The revision being handed in: the latest, signed by the applicant.
    pub revision: i32,
}

/// The repair unit hands the signed cost sheet to the bureau; the 20-day payout clock starts
/// (Art. 22-23).
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = SubmitCostSheetRequest, responses((status = 200, body = ClaimPage), (status = 409, description = "cost_sheet_unsigned")), security(("bearer" = [])))]
#[post("/claims/{id}/submit-cost-sheet")]
async fn submit_cost_sheet(
    state: web::Data<AppState>,
    who: RepairUnitStaff,
    id: web::Path<String>,
    body: web::Json<SubmitCostSheetRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    let revision = body.revision;
    let claim_id = parse_id(&id)?;
    let probe = claim_id.clone();
    let signed = state
        .db
        .read(move |conn| {
            let latest = db::latest_cost_sheet(conn, &probe)?;
            match latest {
                Some(sheet) if sheet.revision == revision => Ok(sheet.signed_by.is_some()),
                Some(sheet) => Err(AppError::new(Code::StaleVersion).detail(sheet.revision.to_string())),
                None => Err(AppError::new(Code::NotFound)),
            }
        })
        .await?;
    // Checked again inside the step's transaction, so a revision added meanwhile cannot slip by.
    let extra: Extra = Box::new(move |conn, row| match db::latest_cost_sheet(conn, &row.id)? {
        Some(sheet) if sheet.revision == revision && sheet.signed_by.is_some() => Ok(()),
        Some(sheet) => Err(AppError::new(Code::StaleVersion).detail(sheet.revision.to_string())),
        None => Err(AppError::new(Code::NotFound)),
    });
    let detail = json!({"revision": revision});
    step(
        state,
        who.0,
        &claim_id,
        Action::SubmitCostSheet { signed_by_applicant: signed },
        body.version,
        detail,
        extra,
    )
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum LineDecision {
    Approved,
    Cut,
    Rejected,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineVerdict {
    pub line_no: i32,
    pub decision: LineDecision,
    /// For a cut line: the amount approved, less than the line's amount.
    #[schema(value_type = Option<String>)]
    pub approved_amount: Option<Money>,
    /// Required for a cut or rejected line.
    pub reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub version: Option<i32>,
    pub revision: i32,
    /// A verdict for every line.
    pub lines: Vec<LineVerdict>,
}

/// The bureau verifies the submitted cost sheet line by line: approve, cut with a reason, or
/// reject with a reason. The payout will be the approved total (Art. 23).
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = VerifyRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/verify")]
async fn verify(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    body: web::Json<VerifyRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    let req = body.into_inner();
    let by = who.id.clone();
    let revision = req.revision;
    let verdicts = req.lines;
    let extra: Extra = Box::new(move |conn, row| {
        let sheet = match db::latest_cost_sheet(conn, &row.id)? {
            Some(sheet) if sheet.revision == revision => sheet,
            Some(sheet) => return Err(AppError::new(Code::StaleVersion).detail(sheet.revision.to_string())),
            None => return Err(AppError::new(Code::NotFound)),
        };
        let lines = db::lines_of(conn, &sheet.id)?;
        if verdicts.len() != lines.len() {
            return Err(AppError::invalid("lines").detail("a verdict for every line"));
        }
        let mut decisions = Vec::new();
        for line in &lines {
            let verdict = verdicts.iter().find(|v| v.line_no == line.line_no).ok_or_else(|| {
                AppError::invalid("lines").detail(format!("no verdict for line {}", line.line_no))
            })?;
            let reason = optional_text(verdict.reason.as_deref(), "lines.reason", 500)?;
            let (decision, approved) = match verdict.decision {
                LineDecision::Approved => ("approved", line.amount_fen),
                LineDecision::Rejected if reason.is_some() => ("rejected", 0),
                LineDecision::Cut if reason.is_some() => {
                    let amount =
                        verdict.approved_amount.ok_or_else(|| AppError::invalid("lines.approved_amount"))?;
                    if amount.is_negative() || amount.to_fen() >= line.amount_fen {
                        return Err(AppError::invalid("lines.approved_amount"));
                    }
                    ("cut", amount.to_fen())
                }
                _ => return Err(AppError::invalid("lines.reason")),
            };
            decisions.push((line.line_no, decision.to_string(), approved, reason));
        }
        db::record_verification(conn, &sheet, &lines, &decisions, &by)?;
        Ok(())
    });
    step(state, who.0, &id, Action::Verify, req.version, json!({"revision": revision}), extra).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Payee {
    Applicant,
    RepairUnit,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    pub version: Option<i32>,
    /// The applicant (always, on the emergency path) or the repair unit (Art. 23).
    pub payee: Payee,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
}

/// The bureau records the transfer of the approved total (Art. 23); the usage-notice clock starts
/// (Art. 26).
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = PayRequest, responses((status = 200, body = ClaimPage)), security(("bearer" = [])))]
#[post("/claims/{id}/pay")]
async fn pay(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
    body: web::Json<PayRequest>,
) -> AppResult<web::Json<ClaimPage>> {
    let req = body.into_inner();
    let bank_reference = text(&req.bank_reference, "bank_reference", 100)?;
    let today = shanghai_date(Utc::now());
    if req.paid_on > today {
        return Err(AppError::invalid("paid_on"));
    }
    let payee = match req.payee {
        Payee::Applicant => "applicant",
        Payee::RepairUnit => "repair_unit",
    };
    // The fund must cover the payout from the claim's category. If it cannot, the shortfall is
    // recorded against the developer (committed on its own) and the payment refused.
    let claim_id = parse_id(&id)?;
    let (probe_id, caller) = (claim_id.clone(), who.0.clone());
    let shortfall = state
        .db
        .write(move |conn| {
            let scope = claim_scope(conn, &caller)?;
            let claim = db::find_claim(conn, &scope, &probe_id)?;
            if claim.state != ClaimState::Verified.as_str() {
                return Ok(None);
            }
            let Some(amount) = db::latest_cost_sheet(conn, &claim.id)?.and_then(|s| s.approved_total_fen)
            else {
                return Ok(None);
            };
            let amount = Money::from_fen(amount);
            let available = available_for(conn, &claim)?;
            match ledger::check_outflow(available, amount) {
                Ok(()) => Ok(None),
                Err(short) => {
                    fund::record_shortfall(
                        conn,
                        &claim.id,
                        &claim.building_id,
                        &claim.developer_id,
                        &claim.category,
                        short.shortfall,
                    )?;
                    Ok(Some(short.shortfall))
                }
            }
        })
        .await?;
    if let Some(short) = shortfall {
        return Err(AppError::new(Code::InsufficientBalance).detail(short.to_string()));
    }
    let by = who.id.clone();
    let paid_on = req.paid_on;
    let detail = json!({"payee": payee, "paid_on": paid_on, "bank_reference": bank_reference});
    let extra: Extra = Box::new(move |conn, row| {
        if row.kind == ClaimKind::EmergencyAdvance.as_str() && payee != "applicant" {
            return Err(AppError::invalid("payee"));
        }
        let sheet = db::latest_cost_sheet(conn, &row.id)?.ok_or(AppError::new(Code::NotFound))?;
        let amount = sheet.approved_total_fen.ok_or(AppError::new(Code::StepOutOfOrder).detail("Art. 23"))?;
        if paid_on < deadlines::shanghai_date(sheet.created_at.and_utc()) {
            return Err(AppError::invalid("paid_on"));
        }
        // Checked again inside the transaction: another payout may have landed meanwhile.
        let available = available_for(conn, row)?;
        ledger::check_outflow(available, Money::from_fen(amount))
            .map_err(|s| AppError::new(Code::InsufficientBalance).detail(s.shortfall.to_string()))?;
        let category: WarrantyCategory = row.category.parse().map_err(AppError::internal)?;
        fund::post(
            conn,
            &fund::Posting {
                jurisdiction: &row.jurisdiction,
                building_id: &row.building_id,
                kind: EntryKind::Payout,
                entry_date: paid_on,
                claim_id: Some(&row.id),
                reason: "payout (Art. 23)",
                recorded_by: &by,
            },
            &[(category, Money::from_fen(amount))],
        )?;
        db::insert_payout(
            conn,
            &PayoutRow {
                claim_id: row.id.clone(),
                amount_fen: amount,
                payee: payee.into(),
                paid_on,
                bank_reference,
                cost_sheet_id: sheet.id,
                recorded_by: by,
                recorded_at: now(),
            },
        )
    });
    step(state, who.0, &claim_id, Action::Pay, req.version, detail, extra).await
}

/// What the claim's category of its building's fund holds.
fn available_for(conn: &mut DbConnection, claim: &ClaimRow) -> AppResult<Money> {
    let category: WarrantyCategory = claim.category.parse().map_err(AppError::internal)?;
    Ok(fund::category_balance(conn, &claim.building_id, category)?.balance)
}

// ---- return visits 回访 ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnVisitRequest {
    /// Service attitude, 1-5.
    pub attitude: i32,
    /// Repair quality, 1-5.
    pub quality: i32,
    /// Whether the problem is solved, 1-5.
    pub resolution: i32,
    pub comment: Option<String>,
}

/// After payment the applicant rates the repair: attitude, quality and resolution, once.
#[utoipa::path(tag = "claims", params(("id" = String, Path)), request_body = ReturnVisitRequest, responses((status = 204), (status = 409, description = "already_exists or step_out_of_order")), security(("bearer" = [])))]
#[post("/claims/{id}/return-visit")]
async fn return_visit(
    state: web::Data<AppState>,
    who: ClaimApplicant,
    id: web::Path<String>,
    body: web::Json<ReturnVisitRequest>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    for (field, score) in
        [("attitude", body.attitude), ("quality", body.quality), ("resolution", body.resolution)]
    {
        if !(1..=5).contains(&score) {
            return Err(AppError::invalid(field));
        }
    }
    let comment = optional_text(body.comment.as_deref(), "comment", 2000)?;
    let scores = (body.attitude, body.quality, body.resolution);
    let user = who.0;
    state
        .db
        .write(move |conn| {
            let scope = claim_scope(conn, &user)?;
            let claim = db::find_claim(conn, &scope, &id)?;
            if claim.applicant_id != user.id {
                return Err(AppError::new(Code::StepNotForRole));
            }
            if !matches!(claim.state.as_str(), "paid" | "developer_notified") {
                return Err(AppError::new(Code::StepOutOfOrder));
            }
            db::insert_return_visit(conn, &claim, scores, comment.as_deref(), &user.id)?;
            let detail = json!({"attitude": scores.0, "quality": scores.1, "resolution": scores.2, "comment": comment});
            db::append_audit(conn, &id, &actor(&user), "return_visit", Some(&claim.state), &claim.state, detail)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
#[utoipa::path(tag = "claims", responses((status = 200, body = [RepairUnitRating])), security(("bearer" = [])))]
#[get("/reviewer/repair-unit-ratings")]
async fn repair_unit_ratings(
    state: web::Data<AppState>,
    reviewer: Reviewer,
) -> AppResult<web::Json<Vec<RepairUnitRating>>> {
    let id = reviewer.id.clone();
    let (rows, names) = state
        .db
        .read(move |conn| {
            let jurisdictions = reg::reviewer_jurisdictions(conn, &id)?;
            let rows = db::ratings(conn, &jurisdictions)?;
            let everyone =
                reg::Viewer { user_id: String::new(), role: Role::Admin, organisation_ids: Vec::new() };
            let names = reg::list_organisations(conn, &everyone)?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect::<std::collections::HashMap<_, _>>();
            Ok((rows, names))
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
    Ok(web::Json(out))
}
