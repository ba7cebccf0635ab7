//! The reviewer's pages: the queue (`/review`) and a claim's dossier (`/review/claims/{id}`) with
//! every step the bureau may take in the claim's state as a form. Each form posts to
//! `/review/claims/{id}/{step}`, which calls the same use case as the API; a refusal is shown in
//! place at its form, a stale version reloads the dossier with a notice.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use baoxiu_sync_protocol::Money;
use chrono::NaiveDate;
use serde::Deserialize;

use super::session::{multipart_file, Fields, SignedForm};
use super::typed::Typed;
use super::{notice_of, render, see_other, Browser, Chrome, InPlace, PageError};
use crate::domain::coverage::WarrantyCategory;
use crate::domain::deadlines::shanghai_date;
use crate::domain::ids::{ClaimId, RegisterEntryId};
use crate::domain::lifecycle::{ClaimKind, ClaimState, RejectionReason, StepName};
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::claims::{
    self as claims, ApproveRequest, ClaimQuery, CostSheetView, DeveloperUnableRequest, InspectionResult,
    LineDecision, LineVerdict, PayRequest, Payee, PlanDecision, PlanDecisionRequest, RejectRequest,
    SimpleStep, StepRequest, VerifyRequest,
};
use crate::service::console::{self, Dossier};
use crate::service::files::PlainUpload;
use crate::service::recurrence::{self, DecideEntryRequest, RecodeRequest};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The coding's form before the steps', whose `{step}` would take its path.
    cfg.service(queue)
        .service(dossier)
        .service(upload_document)
        .service(recode)
        .service(decide_entry)
        .service(take_step);
}

/// Claims on a queue page.
const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
struct QueueParams {
    state: Option<String>,
    building: Option<String>,
    category: Option<String>,
    due: Option<String>,
    page: Option<i64>,
}

fn blank_is_none(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// One row of the queue.
struct QueueRow {
    id: String,
    state: ClaimState,
    place: String,
    category: WarrantyCategory,
    /// An emergency repair the applicant already paid for, to reimburse (Art. 25).
    emergency: bool,
    description: String,
    next: &'static str,
    due_on: Option<NaiveDate>,
    days_left: Option<i64>,
    /// `overdue`, `due2` (within 2 days), `due5` (within 5) or empty.
    urgency: &'static str,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    c: Chrome,
    rows: Vec<QueueRow>,
    counts: Vec<(ClaimState, i64)>,
    buildings: Vec<(String, String, String)>,
    states: &'static [ClaimState],
    categories: &'static [WarrantyCategory],
    state: String,
    building: String,
    category: String,
    due: String,
    total: i64,
    page: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
}

fn urgency(days_left: Option<i64>) -> &'static str {
    match days_left {
        Some(d) if d < 0 => "overdue",
        Some(d) if d <= 2 => "due2",
        Some(d) if d <= 5 => "due5",
        _ => "",
    }
}

/// The link to another page of the queue with the same filters.
fn queue_link(params: &QueueParams, page: i64) -> String {
    let mut query = vec![format!("page={page}")];
    for (name, value) in [
        ("state", &params.state),
        ("building", &params.building),
        ("category", &params.category),
        ("due", &params.due),
    ] {
        if let Some(v) = blank_is_none(value) {
            query.push(format!("{name}={}", super::urlencode(&v)));
        }
    }
    format!("/review?{}", query.join("&"))
}

/// The jurisdiction's claims waiting on the bureau, nearest deadline first.
#[get("/review")]
async fn queue(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, PageError> {
    browser.require(Role::Reviewer)?;
    let params = params.into_inner();
    let page = params.page.unwrap_or(1).clamp(1, 100_000);
    let due_within_days = match blank_is_none(&params.due) {
        Some(d) => Some(d.parse::<i64>().map_err(|_| browser.refused(AppError::invalid("due")))?),
        None => None,
    };
    let query = ClaimQuery {
        status: blank_is_none(&params.state),
        estate_id: None,
        building_id: blank_is_none(&params.building),
        category: blank_is_none(&params.category),
        due_within_days,
        limit: Some(PAGE_SIZE),
        offset: Some((page - 1) * PAGE_SIZE),
    };
    let overview = console::queue(&state, &browser.caller, &query).await.map_err(|e| browser.refused(e))?;
    let today = shanghai_date(chrono::Utc::now());
    let rows = overview
        .claims
        .into_iter()
        .map(|claim| {
            let due_on = claim
                .next_step
                .due_on
                .or_else(|| claim.deadlines.iter().filter(|d| !d.met).map(|d| d.due_on).min());
            let days_left = due_on.map(|d| (d - today).num_days());
            let place = overview
                .buildings
                .iter()
                .find(|(id, _, _)| *id == claim.building_id)
                .map(|(_, estate, building)| format!("{estate} {building}"))
                .unwrap_or_default();
            QueueRow {
                place: format!("{place} {}", claim.location_detail),
                state: claim.state,
                category: claim.category,
                emergency: claim.kind == ClaimKind::EmergencyAdvance,
                description: claim.description.chars().take(60).collect(),
                next: claim.next_step.text,
                due_on,
                days_left,
                urgency: urgency(days_left),
                id: claim.id,
            }
        })
        .collect();
    let pages = ((overview.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let template = QueuePage {
        c: browser.chrome_with(None),
        rows,
        counts: overview.counts,
        buildings: overview.buildings,
        states: ClaimState::ALL,
        categories: WarrantyCategory::ALL,
        state: blank_is_none(&params.state).unwrap_or_default(),
        building: blank_is_none(&params.building).unwrap_or_default(),
        category: blank_is_none(&params.category).unwrap_or_default(),
        due: blank_is_none(&params.due).unwrap_or_default(),
        total: overview.total,
        page,
        pages,
        previous: (page > 1).then(|| queue_link(&params, page - 1)),
        next: (page < pages).then(|| queue_link(&params, page + 1)),
    };
    Ok(render(&template, StatusCode::OK, Some(&browser)))
}

/// A refusal shown at the form that was refused: a step's (its name), the coding's (`defect`) or
/// a register entry's (its id).
struct Refused {
    step: String,
    at: InPlace,
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DossierPage {
    c: Chrome,
    d: Dossier,
    /// A document the reviewer just uploaded, for the forms that name one.
    document: Option<String>,
    refused: Option<Refused>,
    /// What was typed into the form that was refused, given back.
    typed: Typed,
    today: NaiveDate,
    reasons: &'static [RejectionReason],
    /// The defect code list the coding's form offers.
    codes: crate::domain::defects::CodeList,
}

impl DossierPage {
    fn offers(&self, step: StepName) -> bool {
        self.d.steps.contains(&step)
    }

    fn refusal_at(&self, step: StepName) -> Option<&Refused> {
        self.refusal_for(step.as_str())
    }

    /// The refusal of the form named `form`, where it came back.
    fn refusal_for(&self, form: &str) -> Option<&Refused> {
        self.refused.as_ref().filter(|r| r.step == form)
    }

    fn locations(&self) -> Vec<&crate::domain::defects::Code> {
        self.codes.offered(crate::domain::defects::Kind::Location)
    }

    fn components(&self) -> Vec<&crate::domain::defects::Code> {
        self.codes.offered(crate::domain::defects::Kind::Component)
    }

    /// The coding's value as typed where its form came back, else as the claim carries it.
    fn coded(&self, name: &str) -> String {
        if self.typed.is("defect") {
            return self.typed.value("defect", name).to_string();
        }
        let coding = self.d.page.claim.defect.as_ref();
        match name {
            "location" => coding.map(|d| d.location.clone()),
            "component" => coding.map(|d| d.component.clone()),
            "severity" => coding.map(|d| d.severity.clone()),
            _ => None,
        }
        .unwrap_or_default()
    }

    /// What was typed into `step`'s form, where it came back.
    fn typed_in(&self, step: StepName, name: &str) -> &str {
        self.typed.value(step.as_str(), name)
    }

    /// Whether `value` was chosen for `name` in `step`'s form.
    fn picked(&self, step: StepName, name: &str, value: &str) -> bool {
        self.typed.picked(step.as_str(), name, value)
    }

    /// A verification line's typed field, `{field}_{line}`.
    fn line_typed(&self, field: &str, line: &i32) -> &str {
        self.typed.value(StepName::Verify.as_str(), &format!("{field}_{line}"))
    }

    /// What a reviewer may decide on each line: (value, label).
    fn line_decisions(&self) -> [(&'static str, &'static str); 3] {
        let t = self.c.t;
        [("approved", t.line_approved), ("cut", t.line_cut), ("rejected", t.line_rejected)]
    }

    /// The payment date: as typed, or today.
    fn paid_on(&self) -> String {
        let typed = self.typed_in(StepName::Pay, "paid_on");
        if self.typed.is(StepName::Pay.as_str()) {
            typed.to_string()
        } else {
            self.today.to_string()
        }
    }

    /// Whether `value` was chosen for a verification line's `{field}_{line}`.
    fn line_picked(&self, field: &str, line: &i32, value: &str) -> bool {
        self.typed.picked(StepName::Verify.as_str(), &format!("{field}_{line}"), value)
    }

    /// The cost sheet now with the bureau: the latest revision.
    fn submitted_sheet(&self) -> Option<&CostSheetView> {
        self.d.page.cost_sheets.last()
    }
}

#[derive(Deserialize)]
struct DossierParams {
    notice: Option<String>,
    document: Option<String>,
}

async fn dossier_page(
    state: &AppState,
    browser: &Browser,
    id: &ClaimId,
    notice: Option<&'static str>,
    (refused, document, typed): (Option<Refused>, Option<String>, Typed),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let d = console::dossier(state, &browser.caller, id).await.map_err(|e| browser.refused(e))?;
    let template = DossierPage {
        c: browser.chrome_with(notice),
        d,
        document,
        refused,
        typed,
        today: shanghai_date(chrono::Utc::now()),
        reasons: RejectionReason::ALL,
        codes: crate::service::claims::defect_codes(state),
    };
    Ok(render(&template, status, Some(browser)))
}

/// A claim's dossier, with the forms of the steps the bureau may take now.
#[get("/review/claims/{id}")]
async fn dossier(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<ClaimId>,
    params: web::Query<DossierParams>,
) -> Result<HttpResponse, PageError> {
    browser.require(Role::Reviewer)?;
    let notice = notice_of(&browser.chrome, params.notice.as_deref());
    let document = params.document.as_deref().and_then(|d| d.parse::<crate::domain::ids::FileId>().ok());
    let document = document.map(String::from);
    dossier_page(&state, &browser, &id, notice, (None, document, Typed::default()), StatusCode::OK).await
}

/// Uploads a document for a step that names one (the developer's deregistration, the testing
/// agency's report): a multipart form whose first field is the session's CSRF token, then the
/// file. Back on the dossier the forms carry the new file's id.
#[post("/review/claims/{id}/documents")]
async fn upload_document(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<ClaimId>,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    browser.require(Role::Reviewer)?;
    let (_, field, _rest) = multipart_file(&state, &browser, form, "document").await?;
    let filename = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
    let new = PlainUpload { sha256: None, filename, device_id: None, declared: None };
    let file = console::claim_document(&state, &browser.caller, &id, new, field)
        .await
        .map_err(|e| browser.refused(e))?;
    Ok(see_other(&format!("/review/claims/{id}?notice=uploaded&document={}", file.id)))
}

/// Takes one step of the bureau's from its form, through the same use case as the API.
#[post("/review/claims/{id}/{step}")]
async fn take_step(
    state: web::Data<AppState>,
    path: web::Path<(ClaimId, String)>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (id, step) = path.into_inner();
    form.browser.require(Role::Reviewer)?;
    // A step that does not exist is a page that does not exist.
    let step: StepName = step.parse().map_err(|_| form.browser.refused(AppError::new(Code::NotFound)))?;
    let fields = form.fields();
    let typed = Typed::of(step.as_str(), &fields);
    let parsed = request(step, &fields);
    let browser = form.browser;
    let outcome = match parsed {
        Ok(request) => take(&state, &browser, &id, request).await,
        Err(e) => Err(e),
    };
    let here = format!("/review/claims/{id}");
    match outcome {
        Ok(()) => Ok(see_other(&format!("{here}?notice=done"))),
        Err(e) if e.code == Code::NotFound || e.code == Code::Internal => Err(browser.refused(e)),
        // Someone acted on the claim meanwhile: the page as it is now, with what was typed kept.
        Err(e) if e.code == Code::StaleVersion => {
            let status = actix_web::ResponseError::status_code(&e);
            let stale = Some(browser.chrome.t.stale_notice);
            dossier_page(&state, &browser, &id, stale, (None, None, typed), status).await
        }
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused =
                Refused { step: step.as_str().to_string(), at: InPlace::of(&e, browser.caller.lang) };
            dossier_page(&state, &browser, &id, None, (Some(refused), None, typed), status).await
        }
    }
}

/// The dossier after one of its own forms (not a lifecycle step): back to it, or the refusal at
/// the form with what was typed.
async fn after_form(
    state: &AppState,
    browser: &Browser,
    id: &ClaimId,
    form: String,
    outcome: AppResult<()>,
    typed: Typed,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(()) => Ok(see_other(&format!("/review/claims/{id}?notice=done"))),
        Err(e) if e.code == Code::NotFound || e.code == Code::Internal => Err(browser.refused(e)),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = Refused { step: form, at: InPlace::of(&e, browser.caller.lang) };
            dossier_page(state, browser, id, None, (Some(refused), None, typed), status).await
        }
    }
}

/// The bureau corrects the claim's defect coding, with a reason its timeline keeps.
#[post("/review/claims/{id}/defect")]
async fn recode(
    state: web::Data<AppState>,
    id: web::Path<ClaimId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    form.browser.require(Role::Reviewer)?;
    let (typed, request) = {
        let f = form.fields();
        let request = (|| {
            Ok(RecodeRequest {
                version: f.version()?.ok_or_else(|| AppError::invalid("version"))?,
                location: f.required("location")?,
                component: f.required("component")?,
                severity: f.parsed("severity")?.ok_or_else(|| AppError::invalid("severity"))?,
                reason: f.required("reason")?,
            })
        })();
        (Typed::of("defect", &f), request)
    };
    let browser = form.browser;
    let outcome = match request {
        Ok(req) => recurrence::recode(&state, &browser.caller, id.to_string(), req).await,
        Err(e) => Err(e),
    };
    after_form(&state, &browser, &id, "defect".into(), outcome, typed).await
}

/// The bureau confirms or dismisses an Art. 30 register entry from the dossier of a claim it
/// names, with a reason and a document it uploaded.
#[post("/review/claims/{id}/register/{entry}")]
async fn decide_entry(
    state: web::Data<AppState>,
    path: web::Path<(ClaimId, RegisterEntryId)>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    form.browser.require(Role::Reviewer)?;
    let (id, entry) = path.into_inner();
    let (typed, request) = {
        let f = form.fields();
        let request = (|| {
            Ok(DecideEntryRequest {
                decision: f.parsed("decision")?.ok_or_else(|| AppError::invalid("decision"))?,
                reason: f.required("reason")?,
                evidence: vec![f.required("evidence")?],
            })
        })();
        (Typed::of(entry.as_str(), &f), request)
    };
    let browser = form.browser;
    let outcome = match request {
        Ok(req) => recurrence::decide(&state, &browser.caller, entry.to_string(), req).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after_form(&state, &browser, &id, entry.to_string(), outcome, typed).await
}

/// A reviewer's step as its use case takes it.
enum StepForm {
    Simple(SimpleStep, StepRequest),
    DeveloperUnable(DeveloperUnableRequest),
    Inspection(InspectionResult),
    Approve(ApproveRequest),
    Reject(RejectRequest),
    DecidePlan(PlanDecisionRequest),
    Verify(VerifyRequest),
    Pay(PayRequest),
}

/// Reads a step's form into its use case's request; a step that is not a reviewer's is not found.
fn request(step: StepName, f: &Fields<'_>) -> AppResult<StepForm> {
    let simple = |s| Ok(StepForm::Simple(s, StepRequest { version: f.version()?, note: f.text("note") }));
    match step {
        StepName::AskDeveloper => simple(SimpleStep::AskDeveloper),
        StepName::DeveloperSilent => simple(SimpleStep::DeveloperSilent),
        StepName::DeveloperRepaired => simple(SimpleStep::DeveloperRepaired),
        StepName::DeveloperDefaulted => simple(SimpleStep::DeveloperDefaulted),
        StepName::ReturnCostSheet => simple(SimpleStep::ReturnCostSheet),
        StepName::NotifyDeveloper => simple(SimpleStep::NotifyDeveloper),
        StepName::DeveloperUnable => Ok(StepForm::DeveloperUnable(DeveloperUnableRequest {
            version: f.version()?,
            reason: f.required("reason")?,
            evidence_id: f.required("evidence_id")?,
        })),
        StepName::InspectionFound => Ok(StepForm::Inspection(InspectionResult {
            version: f.version()?,
            developer_liable: match f.required("developer_liable")?.as_str() {
                "yes" => true,
                "no" => false,
                _ => return Err(AppError::invalid("developer_liable")),
            },
            report_evidence_id: f.text("report_evidence_id"),
            note: f.text("note"),
        })),
        StepName::Approve => Ok(StepForm::Approve(ApproveRequest {
            version: f.version()?,
            repair_unit_id: f.text("repair_unit_id"),
            note: f.text("note"),
        })),
        StepName::Reject => Ok(StepForm::Reject(RejectRequest {
            version: f.version()?,
            reason: f.parsed("reason")?.ok_or_else(|| AppError::invalid("reason"))?,
            note: f.text("note"),
        })),
        // One form decides the plan: approve it, or return it with comments.
        StepName::ApprovePlan | StepName::ReturnPlan => Ok(StepForm::DecidePlan(PlanDecisionRequest {
            version: f.version()?,
            decision: match f.required("decision")?.as_str() {
                "approve" => PlanDecision::Approve,
                "return" => PlanDecision::Return,
                _ => return Err(AppError::invalid("decision")),
            },
            comment: f.text("comment"),
        })),
        StepName::Verify => {
            let revision: i32 = f.parsed("revision")?.ok_or_else(|| AppError::invalid("revision"))?;
            let lines: Vec<i32> = f
                .values("line")
                .map(|v| v.parse().map_err(|_| AppError::invalid("line")))
                .collect::<AppResult<_>>()?;
            let verdicts = lines
                .into_iter()
                .map(|line_no| {
                    let field = |name: &str| format!("{name}_{line_no}");
                    let decision = match f.text(&field("decision")).as_deref() {
                        Some("approved") => LineDecision::Approved,
                        Some("cut") => LineDecision::Cut,
                        Some("rejected") => LineDecision::Rejected,
                        _ => return Err(AppError::invalid("decision").detail(field("decision"))),
                    };
                    let approved_amount = match decision {
                        LineDecision::Cut => {
                            Some(f.parsed::<Money>(&field("approved"))?.ok_or_else(|| {
                                AppError::invalid("approved_amount").detail(field("approved"))
                            })?)
                        }
                        _ => None,
                    };
                    Ok(LineVerdict { line_no, decision, approved_amount, reason: f.text(&field("reason")) })
                })
                .collect::<AppResult<_>>()?;
            Ok(StepForm::Verify(VerifyRequest { version: f.version()?, revision, lines: verdicts }))
        }
        StepName::Pay => Ok(StepForm::Pay(PayRequest {
            version: f.version()?,
            payee: match f.required("payee")?.as_str() {
                "applicant" => Payee::Applicant,
                "repair_unit" => Payee::RepairUnit,
                _ => return Err(AppError::invalid("payee")),
            },
            paid_on: f.parsed("paid_on")?.ok_or_else(|| AppError::invalid("paid_on"))?,
            bank_reference: f.required("bank_reference")?,
        })),
        _ => Err(AppError::new(Code::NotFound)),
    }
}

/// Takes the step through its one use case.
async fn take(state: &AppState, browser: &Browser, id: &ClaimId, form: StepForm) -> AppResult<()> {
    let who = &browser.caller;
    match form {
        StepForm::Simple(simple, req) => claims::simple(state, who, id, simple, req).await,
        StepForm::DeveloperUnable(req) => claims::developer_unable(state, who, id, req).await,
        StepForm::Inspection(req) => claims::inspection(state, who, id, req).await,
        StepForm::Approve(req) => claims::approve(state, who, id, req).await,
        StepForm::Reject(req) => claims::reject(state, who, id, req).await,
        StepForm::DecidePlan(req) => claims::decide_plan(state, who, id, req).await,
        StepForm::Verify(req) => claims::verify(state, who, id, req).await,
        StepForm::Pay(req) => claims::pay(state, who, id, req).await,
    }
    .map(|_| ())
}
