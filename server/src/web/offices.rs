//! The offices' pages: the developer's (`/developer`: requests to repair with their reply
//! deadlines, usage notices, deposit notices with the objection within 7 days) and the repair
//! unit's (`/repair`: designated claims, work orders to assign and schedule).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use super::me::place_of;
use super::session::SignedForm;
use super::typed::Typed;
use super::{notice_of, render, see_other, Browser, Chrome, InPlace, PageError};
use crate::domain::ids::{BuildingId, WorkOrderId};
use crate::domain::lifecycle::WaitingOn;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::claims::ClaimResponse;
use crate::service::fund::{self, ObjectionRequest};
use crate::service::parties::{self, DeveloperHome, RepairHome, WorkOrderPage};
use crate::service::work_orders::{self, AssignRequest, ScheduleRequest};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(developer).service(object).service(repair).service(work_order).service(work_order_step);
}

#[derive(Deserialize)]
struct PageParams {
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "developer.html")]
struct DeveloperPage {
    c: Chrome,
    home: DeveloperHome,
    refused: Option<(String, InPlace)>,
    /// What was typed into the objection refused, by its building.
    typed: Typed,
    today: chrono::NaiveDate,
}

impl DeveloperPage {
    fn place(&self, claim: &ClaimResponse) -> String {
        place_of(&self.home.places, claim)
    }

    /// The claims waiting on the developer's answer, nearest reply date first.
    fn to_answer(&self) -> Vec<&ClaimResponse> {
        let mut waiting: Vec<&ClaimResponse> =
            self.home.claims.iter().filter(|c| c.state.waiting_on() == WaitingOn::Developer).collect();
        waiting.sort_by_key(|c| c.next_step.due_on);
        waiting
    }

    fn others(&self) -> Vec<&ClaimResponse> {
        self.home.claims.iter().filter(|c| c.state.waiting_on() != WaitingOn::Developer).collect()
    }

    fn refusal_for(&self, building: &str) -> Option<&InPlace> {
        self.refused.as_ref().filter(|(b, _)| b == building).map(|(_, r)| r)
    }
}

async fn developer_page(
    state: &AppState,
    browser: &Browser,
    notice: Option<&'static str>,
    (refused, typed): (Option<(String, InPlace)>, Typed),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let home = parties::developer_home(state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let page =
        DeveloperPage { c: browser.chrome_with(notice), home, refused, typed, today: parties::today() };
    Ok(render(&page, status, Some(browser)))
}

/// The developer's page.
#[get("/developer")]
async fn developer(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    let notice = notice_of(&browser.chrome, params.notice.as_deref());
    developer_page(&state, &browser, notice, (None, Typed::default()), StatusCode::OK).await
}

/// The developer objects to a deposit notice within 7 days of it (Art. 11).
#[post("/developer/buildings/{id}/objection")]
async fn object(
    state: web::Data<AppState>,
    id: web::Path<BuildingId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let reason = form.fields().required("reason");
    let typed = Typed::of(id.to_string(), &form.fields());
    let browser = form.browser;
    let outcome = match reason {
        Ok(reason) => fund::object_to_notice(&state, &browser.caller, &id, ObjectionRequest { reason }).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(see_other("/developer?notice=done")),
        Err(e) if matches!(e.code, Code::NotFound | Code::Internal) => Err(browser.refused(e)),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = (id.to_string(), InPlace::of(&e, browser.caller.lang));
            developer_page(&state, &browser, None, (Some(refused), typed), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "repair.html")]
struct RepairPage {
    c: Chrome,
    home: RepairHome,
}

impl RepairPage {
    fn place(&self, claim: &ClaimResponse) -> String {
        place_of(&self.home.places, claim)
    }
}

/// The repair unit's page: its designated claims and its work orders.
#[get("/repair")]
async fn repair(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    let home = parties::repair_home(&state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let notice = notice_of(&browser.chrome, params.notice.as_deref());
    let page = RepairPage { c: browser.chrome_with(notice), home };
    Ok(render(&page, StatusCode::OK, Some(&browser)))
}

#[derive(Template)]
#[template(path = "work_order.html")]
struct OrderPage {
    c: Chrome,
    p: WorkOrderPage,
    refused: Option<(String, InPlace)>,
    /// The arrival window's form values, in Shanghai time: as typed where the form came back.
    window: (String, String),
    typed: Typed,
}

impl OrderPage {
    /// The colleague chosen: as typed where the form came back, else the one it is with.
    fn chosen(&self, id: &str) -> bool {
        match self.typed.is("assign") {
            true => self.typed.picked("assign", "technician_id", id),
            false => self.p.order.technician_id.as_deref() == Some(id),
        }
    }

    fn refusal_at(&self, step: &str) -> Option<&InPlace> {
        self.refused.as_ref().filter(|(s, _)| s == step).map(|(_, r)| r)
    }

    fn name_of(&self, id: &Option<String>) -> String {
        id.as_deref().map(|id| self.name(id)).unwrap_or_default()
    }

    fn name(&self, id: &str) -> String {
        self.p.colleagues.iter().find(|(c, _)| c == id).map(|(_, n)| n.clone()).unwrap_or_default()
    }
}

/// A `datetime-local` value in Shanghai time.
fn local_input(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

async fn order_page(
    state: &AppState,
    browser: &Browser,
    id: &WorkOrderId,
    notice: Option<&'static str>,
    (refused, typed): (Option<(String, InPlace)>, Typed),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let p = parties::work_order_page(state, &browser.caller, id).await.map_err(|e| browser.refused(e))?;
    let window = match typed.is("schedule") {
        true => {
            (typed.value("schedule", "window_start").into(), typed.value("schedule", "window_end").into())
        }
        false => (local_input(p.order.window_start), local_input(p.order.window_end)),
    };
    let page = OrderPage { c: browser.chrome_with(notice), p, refused, window, typed };
    Ok(render(&page, status, Some(browser)))
}

/// A work order: whom it is with, the arrival window, the visits the phones sent.
#[get("/repair/work-orders/{id}")]
async fn work_order(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<WorkOrderId>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    let notice = notice_of(&browser.chrome, params.notice.as_deref());
    order_page(&state, &browser, &id, notice, (None, Typed::default()), StatusCode::OK).await
}

/// A moment typed in Shanghai time (`datetime-local`).
fn shanghai_moment(value: &str, field: &str) -> AppResult<DateTime<Utc>> {
    let local =
        NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M").map_err(|_| AppError::invalid(field))?;
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| AppError::invalid(field))
}

/// Assigns the work order to a colleague, or books the arrival window agreed with the owner.
#[post("/repair/work-orders/{id}/{step}")]
async fn work_order_step(
    state: web::Data<AppState>,
    path: web::Path<(WorkOrderId, String)>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (id, step) = path.into_inner();
    let f = form.fields();
    let typed = Typed::of(&step, &f);
    let outcome: AppResult<()> = async {
        let version = f.version()?;
        match step.as_str() {
            "assign" => {
                let req = AssignRequest { version, technician_id: f.required("technician_id")? };
                work_orders::assign(&state, &form.browser.caller, &id, req).await.map(|_| ())
            }
            "schedule" => {
                let req = ScheduleRequest {
                    version,
                    window_start: shanghai_moment(&f.required("window_start")?, "window_start")?,
                    window_end: shanghai_moment(&f.required("window_end")?, "window_end")?,
                };
                work_orders::schedule(&state, &form.browser.caller, &id, req).await.map(|_| ())
            }
            _ => Err(AppError::new(Code::NotFound)),
        }
    }
    .await;
    let browser = &form.browser;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/repair/work-orders/{id}?notice=done"))),
        Err(e) if matches!(e.code, Code::NotFound | Code::Internal) => Err(browser.refused(e)),
        // Someone changed the work order meanwhile: the page as it is now, with what was typed.
        Err(e) if e.code == Code::StaleVersion => {
            let status = actix_web::ResponseError::status_code(&e);
            let stale = Some(browser.chrome.t.stale_notice);
            order_page(&state, browser, &id, stale, (None, typed), status).await
        }
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = (step, InPlace::of(&e, browser.caller.lang));
            order_page(&state, browser, &id, None, (Some(refused), typed), status).await
        }
    }
}
