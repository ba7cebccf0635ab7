//! Work orders for the designated repair unit, and technicians' visits on site: assign and
//! reassign, agree an arrival window with the owner, check in and out with server time, device time
//! and GPS, partial completion and follow-up visits. Urgent orders are due on site within 24 hours.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::db::accounts::{self, new_id, now};
use crate::db::claims as claims_db;
use crate::db::notify::{self, Notify};
use crate::db::work_orders::{self as db, VisitRow, WorkOrderRow, WorkOrderScope};
use crate::db::DbConnection;
use crate::domain::ids::{ClaimId, WorkOrderId};
use crate::domain::lifecycle::{Act, ClaimKind, ClaimState, WaitingOn};
use crate::domain::registry::Role;
use crate::domain::work_order::{
    append_note, VisitOutcome, WorkOrder, WorkOrderEvent, WorkOrderRefusal, WorkOrderStatus,
};
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Hint, Notice};
use crate::service::policy;
use crate::service::utc;
use crate::service::Context;
use crate::service::{optional_text, parse_id, position, text, Caller, Page, Paged};

#[derive(Serialize, ToSchema)]
pub struct VisitView {
    pub id: String,
    pub technician_id: String,
    pub device_id: Option<String>,
    pub check_in_at: DateTime<Utc>,
    pub check_in_device_at: Option<DateTime<Utc>>,
    pub check_in_lat: Option<f64>,
    pub check_in_lng: Option<f64>,
    pub check_out_at: Option<DateTime<Utc>>,
    pub check_out_device_at: Option<DateTime<Utc>>,
    pub check_out_lat: Option<f64>,
    pub check_out_lng: Option<f64>,
    pub notes: Option<String>,
    /// done, partial or follow_up.
    pub outcome: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkOrderView {
    pub id: String,
    pub claim_id: String,
    pub repair_unit_id: String,
    pub technician_id: Option<String>,
    /// open, assigned, scheduled, in_progress, follow_up or completed.
    pub status: WorkOrderStatus,
    pub description: String,
    pub urgent: bool,
    /// For urgent orders: on site by this time (24 hours from the order).
    pub on_site_by: Option<DateTime<Utc>>,
    /// An urgent order nobody has checked in to by its time.
    pub on_site_overdue: bool,
    pub window_start: Option<DateTime<Utc>>,
    pub window_end: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub visits: Vec<VisitView>,
}

fn view(row: WorkOrderRow, visits: Vec<VisitRow>) -> WorkOrderView {
    let on_site_overdue = row.on_site_by.is_some_and(|by| {
        let first_arrival = visits.first().map(|v| v.check_in_at);
        match first_arrival {
            Some(arrived) => arrived > by,
            None => now() > by,
        }
    });
    WorkOrderView {
        on_site_overdue,
        visits: visits
            .into_iter()
            .map(|v| VisitView {
                id: v.id,
                technician_id: v.technician_id,
                device_id: v.device_id,
                check_in_at: utc(v.check_in_at),
                check_in_device_at: v.check_in_device_at.map(utc),
                check_in_lat: v.check_in_lat,
                check_in_lng: v.check_in_lng,
                check_out_at: v.check_out_at.map(utc),
                check_out_device_at: v.check_out_device_at.map(utc),
                check_out_lat: v.check_out_lat,
                check_out_lng: v.check_out_lng,
                notes: v.notes,
                outcome: v.outcome,
            })
            .collect(),
        id: row.id,
        claim_id: row.claim_id,
        repair_unit_id: row.repair_unit_id,
        technician_id: row.technician_id,
        status: row.status,
        description: row.description,
        urgent: row.urgent,
        on_site_by: row.on_site_by.map(utc),
        window_start: row.window_start.map(utc),
        window_end: row.window_end.map(utc),
        created_at: utc(row.created_at),
        completed_at: row.completed_at.map(utc),
        version: row.version,
    }
}

fn load_view(conn: &mut DbConnection, scope: &WorkOrderScope, id: &str) -> AppResult<WorkOrderView> {
    let row = db::find(conn, scope, id)?;
    let visits = db::visits_of(conn, id)?;
    Ok(view(row, visits))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkOrder {
    #[schema(max_length = 2000)]
    pub description: String,
    /// Urgent problems are on site within 24 hours.
    #[serde(default)]
    pub urgent: bool,
}

/// A work order for a claim: by the designated repair unit once the plan is approved and repair has
/// started (Art. 22), or at once by the property manager who is repairing an emergency (Art. 25).
pub async fn create(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    body: CreateWorkOrder,
) -> AppResult<WorkOrderView> {
    let user = caller.clone();
    let claim_id = id.to_string();
    let description = text(&body.description, "description", 2000)?;
    let urgent = body.urgent;
    ctx.db
        .write(move |conn| {
            let claim = claims_db::find_claim(conn, &policy::work_order_claims(&user), &claim_id)?;
            let repair_unit = if claim.kind == ClaimKind::EmergencyAdvance {
                // The property manager repairing an emergency sends its own people at once.
                if claim.applicant_id != user.id || claim.state.waiting_on() == WaitingOn::Nobody {
                    return Err(AppError::new(Code::StepNotForRole).detail("Art. 25"));
                }
                user.organisation_ids.first().cloned().ok_or(AppError::new(Code::NotFound))?
            } else {
                policy::require_designated_unit(&user, &claim)?;
                let unit = claim.repair_unit_id.clone().ok_or(AppError::new(Code::NotFound))?;
                // No work order before an approved plan (Art. 22).
                if claim.state != ClaimState::InRepair {
                    return Err(AppError::new(Code::StepOutOfOrder).detail("Art. 22"));
                }
                unit
            };
            let created_at = now();
            let row = WorkOrderRow {
                id: new_id(),
                claim_id: claim.id.clone(),
                repair_unit_id: repair_unit,
                technician_id: None,
                status: WorkOrderStatus::Open,
                description,
                urgent,
                on_site_by: urgent.then(|| created_at + Duration::hours(24)),
                window_start: None,
                window_end: None,
                created_by: user.id.clone(),
                created_at,
                completed_at: None,
                version: 1,
            };
            db::insert(conn, &row)?;
            claims_db::append_audit(
                conn,
                &claim.id,
                &user.actor(None),
                Act::WorkOrderCreated,
                Some(claim.state),
                claim.state,
                json!({"work_order_id": row.id, "urgent": urgent}),
            )?;
            Ok(view(row, Vec::new()))
        })
        .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorkOrderQuery {
    /// Comma-separated statuses.
    pub status: Option<String>,
    /// Only those assigned to me.
    pub mine: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Work orders the caller may see: urgent first, then by arrival window.
pub async fn list(ctx: &Context, caller: &Caller, query: WorkOrderQuery) -> AppResult<Paged<WorkOrderView>> {
    let user = caller.clone();
    let (limit, offset) = Page { limit: query.limit, offset: query.offset }.bounds()?;
    let statuses: Vec<String> = match &query.status {
        Some(list) => list
            .split(',')
            .map(|s| s.trim())
            .map(|s| {
                Ok(s.parse::<WorkOrderStatus>()
                    .map_err(|_| AppError::invalid("status"))?
                    .as_str()
                    .to_string())
            })
            .collect::<AppResult<_>>()?,
        None => Vec::new(),
    };
    let mine = query.mine.unwrap_or(false);
    let items = ctx
        .db
        .read(move |conn| {
            let scope = policy::work_order_scope(conn, &user)?;
            let rows = db::list(conn, &scope, &statuses, mine.then_some(user.id.as_str()), limit, offset)?;
            rows.into_iter()
                .map(|row| {
                    let visits = db::visits_of(conn, &row.id)?;
                    Ok(view(row, visits))
                })
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    Ok(Paged { items, limit, offset })
}

/// A claim's work orders with their visits, as the caller may see them.
pub(crate) fn of_claim(
    conn: &mut DbConnection,
    caller: &Caller,
    claim_id: &str,
) -> AppResult<Vec<WorkOrderView>> {
    let scope = policy::work_order_scope(conn, caller)?;
    let mut orders = Vec::new();
    for row in db::for_claims(conn, &[claim_id.to_string()])? {
        let row = match db::find(conn, &scope, &row.id).map_err(AppError::from) {
            Ok(row) => row,
            Err(e) if e.code == Code::NotFound => continue,
            Err(e) => return Err(e),
        };
        let visits = db::visits_of(conn, &row.id)?;
        orders.push(view(row, visits));
    }
    Ok(orders)
}

/// Whom a unit may send to a work order: its active technicians and staff, (id, name).
pub(crate) fn assignable(conn: &mut DbConnection, unit: &str) -> AppResult<Vec<(String, String)>> {
    Ok(crate::db::registry::members(conn, unit)?
        .into_iter()
        .filter(|(_, _, role, active)| *active && matches!(role, Role::Technician | Role::PropertyManager))
        .map(|(id, name, _, _)| (id, name))
        .collect())
}

/// One work order with its visits.
pub async fn get_one(ctx: &Context, caller: &Caller, id: &WorkOrderId) -> AppResult<WorkOrderView> {
    let user = caller.clone();
    let id = id.to_string();
    ctx.db.read(move |conn| one_in(conn, &user, &id)).await
}

/// One work order the caller may see, in the caller's transaction.
pub(crate) fn one_in(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<WorkOrderView> {
    let scope = policy::work_order_scope(conn, caller)?;
    load_view(conn, &scope, id)
}

/// Loads a work order of one of the caller's repair units, checks the version they saw, lets `change`
/// alter it, saves it and audits the change on the claim.
fn change_work_order(
    conn: &mut DbConnection,
    user: &Caller,
    id: &str,
    version: Option<i32>,
    action: Act,
    device_id: Option<String>,
    change: impl FnOnce(&mut DbConnection, &mut WorkOrderRow) -> AppResult<serde_json::Value>,
) -> AppResult<WorkOrderView> {
    let scope = policy::own_unit_work_orders(user);
    let mut row = db::find(conn, &scope, id)?;
    if version.is_some_and(|v| v != row.version) {
        return Err(AppError::new(Code::StaleVersion).detail(row.version.to_string()));
    }
    if row.status == WorkOrderStatus::Completed {
        return Err(WorkOrderRefusal::Completed.into());
    }
    let before = row.status;
    let detail = change(conn, &mut row)?;
    db::save(conn, &mut row)?;
    let claim_state = claims_db::state_of(conn, &row.claim_id)?;
    let mut detail = detail;
    detail["work_order_id"] = json!(row.id);
    detail["status_before"] = json!(before);
    detail["status_after"] = json!(row.status);
    claims_db::append_audit(
        conn,
        &row.claim_id,
        &user.actor(device_id.as_deref()),
        action,
        Some(claim_state),
        claim_state,
        detail,
    )?;
    load_view(conn, &scope, id)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub version: Option<i32>,
    /// A technician (or property-manager staff) of the work order's repair unit.
    pub technician_id: String,
}

/// Assigns or reassigns the work order; the technician is notified.
pub async fn assign(
    ctx: &Context,
    caller: &Caller,
    id: &WorkOrderId,
    body: AssignRequest,
) -> AppResult<WorkOrderView> {
    let user = caller.clone();
    let id = id.to_string();
    let technician = parse_id(&body.technician_id)?;
    let version = body.version;
    ctx.db
        .write(move |conn| {
            change_work_order(conn, &user, &id, version, Act::WorkOrderAssigned, None, |conn, row| {
                let members = notify::members_of(conn, &row.repair_unit_id)?;
                let person = accounts::find_user(conn, &technician)?;
                let fits = person.as_ref().is_some_and(|p| {
                    p.active
                        && members.contains(&p.id)
                        && matches!(p.role, Role::Technician | Role::PropertyManager)
                });
                if !fits {
                    return Err(AppError::invalid("technician_id"));
                }
                let previous = row.technician_id.replace(technician.clone());
                advance(row, WorkOrderEvent::Assign, false)?;
                let key = format!("{}:{}", row.version, technician);
                notify::notify(
                    conn,
                    std::slice::from_ref(&technician),
                    &Notify {
                        notice: Notice::WorkOrderAssigned,
                        claim_id: None,
                        work_order_id: Some(&row.id),
                        key: &key,
                        params: json!({"claim_id": row.claim_id, "urgent": row.urgent}),
                    },
                )?;
                Ok(json!({"technician_id": technician, "previous": previous}))
            })
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"window_start": "2026-12-08T09:00:00+08:00", "window_end": "2026-12-08T11:00:00+08:00"}))]
pub struct ScheduleRequest {
    pub version: Option<i32>,
    /// The arrival window agreed with the owner.
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
}

/// Records the arrival window the technician booked with the owner (at most 12 hours).
pub async fn schedule(
    ctx: &Context,
    caller: &Caller,
    id: &WorkOrderId,
    body: ScheduleRequest,
) -> AppResult<WorkOrderView> {
    let user = caller.clone();
    let id = id.to_string();
    let (start, end) = (body.window_start, body.window_end);
    if end <= start || end - start > Duration::hours(12) {
        return Err(AppError::invalid("window_end"));
    }
    if start < Utc::now() - Duration::hours(1) || start > Utc::now() + Duration::days(90) {
        return Err(AppError::invalid("window_start"));
    }
    let version = body.version;
    ctx.db
        .write(move |conn| {
            change_work_order(conn, &user, &id, version, Act::WorkOrderScheduled, None, |_, row| {
                advance(row, WorkOrderEvent::Schedule, false)?;
                row.window_start = Some(start.naive_utc());
                row.window_end = Some(end.naive_utc());
                Ok(json!({"window_start": start, "window_end": end}))
            })
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "partial", "notes": "涂料未干，明日刷第二遍", "lat": 36.6512, "lng": 117.1201}))]
pub struct SiteReport {
    /// The enrolled phone used, if any.
    pub device_id: Option<String>,
    /// The phone's own clock, kept beside the server's.
    pub device_time: Option<DateTime<Utc>>,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub lat: Option<f64>,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub lng: Option<f64>,
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
    /// At check-out: done, partial or follow_up.
    #[schema(example = "partial")]
    pub outcome: Option<String>,
}

fn site_position(report: &SiteReport) -> AppResult<(Option<f64>, Option<f64>)> {
    Ok(position(report.lat, report.lng, "lat")?.unzip())
}

/// Moves the order on by `event`, as `domain::work_order` allows.
fn advance(row: &mut WorkOrderRow, event: WorkOrderEvent, on_site: bool) -> AppResult<()> {
    let machine = WorkOrder { status: row.status, assigned: row.technician_id.is_some(), on_site };
    row.status = machine.after(event)?;
    Ok(())
}

fn assigned_to(row: &WorkOrderRow, user: &Caller) -> AppResult<()> {
    if row.technician_id.as_deref() != Some(user.id.as_str()) {
        return Err(AppError::new(Code::StepNotForRole)
            .detail("technician_id")
            .hint(Hint::AssignedTechnicianOnly));
    }
    Ok(())
}

/// The assigned technician arrives: a visit starts, with server time, device time and position.
pub async fn check_in(
    ctx: &Context,
    caller: &Caller,
    id: &WorkOrderId,
    report: SiteReport,
) -> AppResult<WorkOrderView> {
    let (user, id) = (caller.clone(), id.to_string());
    ctx.db.write(move |conn| check_in_on(conn, &user, &id, None, report)).await
}

/// Starts a visit on a work order: for the API and for a phone's synced `check_in`.
pub(crate) fn check_in_on(
    conn: &mut DbConnection,
    user: &Caller,
    id: &str,
    version: Option<i32>,
    report: SiteReport,
) -> AppResult<WorkOrderView> {
    let (lat, lng) = site_position(&report)?;
    // What the technician wrote on arrival is the visit's first note, kept (it was dropped).
    let notes = optional_text(report.notes.as_deref(), "notes", 4000)?;
    let device = crate::service::devices::own_device(conn, user, report.device_id.as_deref())?;
    let device_for_audit = device.clone();
    change_work_order(conn, user, id, version, Act::VisitCheckIn, device_for_audit, |conn, row| {
        assigned_to(row, user)?;
        let on_site = db::visits_of(conn, &row.id)?.iter().any(|v| v.check_out_at.is_none());
        advance(row, WorkOrderEvent::CheckIn, on_site)?;
        let visit = VisitRow {
            id: new_id(),
            work_order_id: row.id.clone(),
            technician_id: user.id.clone(),
            device_id: device,
            check_in_at: now(),
            check_in_device_at: report.device_time.map(|t| t.naive_utc()),
            check_in_lat: lat,
            check_in_lng: lng,
            check_out_at: None,
            check_out_device_at: None,
            check_out_lat: None,
            check_out_lng: None,
            notes: notes.clone(),
            outcome: None,
        };
        db::insert_visit(conn, &visit)?;
        Ok(
            json!({"visit_id": visit.id, "lat": lat, "lng": lng, "device_time": report.device_time, "notes": notes}),
        )
    })
}

/// The technician leaves: the visit closes with notes and an outcome. `done` completes the order;
/// `partial` and `follow_up` leave it waiting for another visit.
pub async fn check_out(
    ctx: &Context,
    caller: &Caller,
    id: &WorkOrderId,
    report: SiteReport,
) -> AppResult<WorkOrderView> {
    let (user, id) = (caller.clone(), id.to_string());
    ctx.db.write(move |conn| check_out_on(conn, &user, &id, None, report)).await
}

/// Ends the open visit: for the API and for a phone's synced `check_out`.
pub(crate) fn check_out_on(
    conn: &mut DbConnection,
    user: &Caller,
    id: &str,
    version: Option<i32>,
    report: SiteReport,
) -> AppResult<WorkOrderView> {
    let (lat, lng) = site_position(&report)?;
    let outcome: VisitOutcome =
        report.outcome.as_deref().and_then(|o| o.parse().ok()).ok_or_else(|| AppError::invalid("outcome"))?;
    let notes = optional_text(report.notes.as_deref(), "notes", 4000)?;
    let device = crate::service::devices::own_device(conn, user, report.device_id.as_deref())?;
    change_work_order(conn, user, id, version, Act::VisitCheckOut, device, |conn, row| {
        assigned_to(row, user)?;
        let open = db::visits_of(conn, &row.id)?.into_iter().find(|v| v.check_out_at.is_none());
        advance(row, WorkOrderEvent::CheckOut(outcome), open.is_some())?;
        let mut visit = open.ok_or_else(|| AppError::from(WorkOrderRefusal::NotOnSite))?;
        visit.check_out_at = Some(now());
        visit.check_out_device_at = report.device_time.map(|t| t.naive_utc());
        visit.check_out_lat = lat;
        visit.check_out_lng = lng;
        // Notes made on arrival and during the visit stay; the check-out's follow them.
        if let Some(last) = &notes {
            visit.notes = Some(append_note(visit.notes.as_deref(), last));
        }
        visit.outcome = Some(outcome.as_str().into());
        db::update_visit(conn, &visit)?;
        if row.status == WorkOrderStatus::Completed {
            row.completed_at = visit.check_out_at;
        }
        Ok(json!({"visit_id": visit.id, "outcome": outcome, "notes": notes}))
    })
}
