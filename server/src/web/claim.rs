//! A claim's page for every party but the bureau (`/claims/{id}`), the applicant's signing page
//! (`/claims/{id}/cost-sheets/{revision}/sign`) and the steps they take from them. Each shows only
//! a claim the caller may see (the API's scoping: another's claim is a 404) and offers only the
//! steps that party may take in the claim's state; each step posts to `/claims/{id}/{step}` and
//! calls the same use case as the API.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use baoxiu_sync_protocol::cost_sheet::LineKind;
use baoxiu_sync_protocol::Money;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::session::{multipart_file, Fields, SignedForm};
use super::typed::{blank, line_numbers, numbered, reshapes, Line, Typed, FORM_LINES};
use super::{notice_of, render, see_other, Browser, Chrome, InPlace, PageError};
use crate::domain::ids::ClaimId;
use crate::domain::lifecycle::{ClaimState, StepName};
use crate::domain::next_step::Party;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::claims::{
    self as claims, CostSheetRequest, CostSheetView, DeveloperAnswer, DeveloperReply,
    DisputeSignatureRequest, LineInput, PlanLineInput, PlanRequest, ReturnVisitRequest, SignRequest,
    SimpleStep, StepRequest, SubmitCostSheetRequest,
};
use crate::service::console::{self, Dossier};
use crate::service::evidence::{self, EvidenceItem};
use crate::service::files::PlainUpload;
use crate::service::parties::today;
use crate::service::work_orders::{self, CreateWorkOrder};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(claim_view).service(sign_page).service(upload).service(take_step);
}

/// A refusal shown at the form of the step that was refused.
pub struct Refused {
    pub step: String,
    pub at: InPlace,
}

#[derive(Template)]
#[template(path = "claim.html")]
struct ClaimPageView {
    c: Chrome,
    d: Dossier,
    refused: Option<Refused>,
    today: NaiveDate,
    line_kinds: &'static [LineKind],
    /// What was typed into the form that was refused or asked for a row more or less.
    typed: Typed,
    /// The causes a repair may find (the defect code list).
    causes: Vec<crate::domain::defects::Code>,
}

impl ClaimPageView {
    /// What was typed into `step`'s form, where it came back.
    fn typed_in(&self, step: &str, name: &str) -> &str {
        self.typed.value(step, name)
    }

    fn stars(&self, score: &str) -> &'static str {
        ["", "★", "★★", "★★★", "★★★★", "★★★★★"][score.parse::<usize>().unwrap_or(0).min(5)]
    }

    /// The plan form's rows: as typed, or blank.
    fn plan_rows(&self) -> Vec<Line> {
        self.typed.lines("submit_plan", "plan").unwrap_or_else(|| blank(FORM_LINES))
    }

    /// The cost-sheet form's rows: as typed; or a new revision starting from the last one, each
    /// line still carrying out the plan line it did, and a blank row for one more; or blank.
    fn sheet_rows(&self) -> Vec<Line> {
        if let Some(typed) = self.typed.lines("cost_sheet", "line") {
            return typed;
        }
        let Some(latest) = self.d.latest_sheet() else { return blank(FORM_LINES) };
        let plan = self.approved_plan_lines();
        let mut rows: Vec<Line> = latest
            .lines
            .iter()
            .map(|l| {
                let carried = plan
                    .iter()
                    .find(|p| p.description == l.description && p.budget == l.budget)
                    .or_else(|| plan.iter().find(|p| p.kind == l.kind && p.budget == l.budget));
                Line {
                    kind: l.kind.clone(),
                    description: l.description.clone(),
                    unit: l.unit.clone(),
                    quantity: l.quantity.clone(),
                    unit_price: l.unit_price.to_string(),
                    budget: l.budget.to_string(),
                    plan_line: carried.map(|p| p.line_no.to_string()).unwrap_or_default(),
                    ..Line::default()
                }
            })
            .collect();
        rows.push(Line::default());
        numbered(rows)
    }

    fn offers(&self, step: StepName) -> bool {
        self.d.steps.contains(&step)
    }

    fn is(&self, party: Party) -> bool {
        self.d.is(&party)
    }

    fn is_applicant(&self) -> bool {
        self.is(Party::Applicant)
    }

    fn is_unit(&self) -> bool {
        self.is(Party::DesignatedUnit)
    }

    /// The lines of the approved plan, which a cost-sheet line may carry out (Art. 22).
    fn approved_plan_lines(&self) -> Vec<&crate::service::claims::PlanLineView> {
        self.d
            .page
            .plans
            .iter()
            .rev()
            .find(|p| p.decision.as_deref() == Some("approved"))
            .map(|p| p.lines.iter().collect())
            .unwrap_or_default()
    }

    fn refusal_at(&self, step: &str) -> Option<&Refused> {
        self.refused.as_ref().filter(|r| r.step == step)
    }

    /// The latest revision, if it waits for the applicant's signature.
    fn to_sign(&self) -> Option<&CostSheetView> {
        let state = self.d.page.claim.state;
        self.d.latest_sheet().filter(|s| state == ClaimState::InRepair && !s.signed && !s.conflict)
    }

    /// The latest revision, if it was signed in person for the applicant and they have not yet
    /// confirmed or disputed it.
    fn signed_for_me(&self) -> Option<&CostSheetView> {
        let state = self.d.page.claim.state;
        self.d.latest_sheet().filter(|s| {
            s.signed
                && self.d.is_signed_in_person(s)
                && s.signed_by.is_none()
                && matches!(state, ClaimState::InRepair | ClaimState::CostSheetSubmitted)
        })
    }

    /// The signed latest revision the repair unit may hand in.
    fn to_submit(&self) -> Option<&CostSheetView> {
        self.d.latest_sheet().filter(|s| s.signed && self.offers(StepName::SubmitCostSheet))
    }

    /// The repair unit may record a (new) cost-sheet revision.
    fn records_sheet(&self) -> bool {
        self.is(Party::DesignatedUnit) && self.d.page.claim.state == ClaimState::InRepair
    }

    fn rates(&self) -> bool {
        self.is(Party::Applicant)
            && matches!(self.d.page.claim.state, ClaimState::Paid | ClaimState::DeveloperNotified)
            && self.d.page.return_visit.is_none()
    }

    /// What the applicant rates, by field: (name, label).
    fn ratings(&self) -> [(&'static str, &'static str); 3] {
        let t = self.c.t;
        [("attitude", t.rate_attitude), ("quality", t.rate_quality), ("resolution", t.rate_resolution)]
    }

    fn files_report(&self) -> bool {
        self.is(Party::Developer) && self.d.page.claim.state == ClaimState::UnderInspection
    }

    fn latest_revision(&self) -> Option<i32> {
        self.d.latest_sheet().map(|s| s.revision)
    }

    fn colleague_name(&self, id: &Option<String>) -> String {
        let Some(id) = id else { return String::new() };
        self.d.colleagues.iter().find(|(c, _)| c == id).map(|(_, n)| n.clone()).unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct PageParams {
    notice: Option<String>,
}

async fn claim_page(
    state: &AppState,
    browser: &Browser,
    id: &ClaimId,
    notice: Option<&'static str>,
    (refused, typed): (Option<Refused>, Typed),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let d = console::dossier(state, &browser.caller, id).await.map_err(|e| browser.refused(e))?;
    let page = ClaimPageView {
        c: browser.chrome_with(notice),
        d,
        refused,
        today: today(),
        line_kinds: &LineKind::ALL,
        typed,
        causes: claims::defect_codes(state)
            .offered(crate::domain::defects::Kind::Cause)
            .into_iter()
            .cloned()
            .collect(),
    };
    Ok(render(&page, status, Some(browser)))
}

/// A claim as its applicant, developer or repair unit follows it, with the steps theirs to take.
#[get("/claims/{id}")]
async fn claim_view(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<ClaimId>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    if browser.caller.role == Role::Reviewer {
        return Ok(see_other(&format!("/review/claims/{id}")));
    }
    let notice = notice_of(&browser.chrome, params.notice.as_deref());
    claim_page(&state, &browser, &id, notice, (None, Typed::default()), StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "sign.html")]
struct SignPage {
    c: Chrome,
    d: Dossier,
    revision: i32,
}

impl SignPage {
    fn sheet(&self) -> Option<&CostSheetView> {
        self.d.page.cost_sheets.iter().find(|s| s.revision == self.revision)
    }

    fn work_photos(&self) -> Vec<&EvidenceItem> {
        self.d.evidence.iter().filter(|e| matches!(e.kind.as_str(), "during" | "after")).collect()
    }
}

/// The applicant's signing page: exactly the revision they sign, every line, the total against
/// the budget, the photos of the work and the revision's hash, with a canvas to sign on.
#[get("/claims/{id}/cost-sheets/{revision}/sign")]
async fn sign_page(
    state: web::Data<AppState>,
    browser: Browser,
    path: web::Path<(ClaimId, i32)>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    let (id, revision) = path.into_inner();
    let d = console::dossier(&state, &browser.caller, &id).await.map_err(|e| browser.refused(e))?;
    if !d.is(&Party::Applicant) {
        return Err(browser.refused(AppError::new(Code::StepNotForRole).detail("Art. 22")));
    }
    match d.latest_sheet() {
        Some(latest) if latest.revision != revision => {
            return Ok(see_other(&format!(
                "/claims/{id}/cost-sheets/{}/sign?notice=changed",
                latest.revision
            )))
        }
        None => return Err(browser.refused(AppError::new(Code::NotFound))),
        Some(_) => {}
    }
    let notice = notice_of(&browser.chrome, params.notice.as_deref());
    let page = SignPage { c: browser.chrome_with(notice), d, revision };
    Ok(render(&page, StatusCode::OK, Some(&browser)))
}

/// A document for a claim from a page: the developer's testing report (Art. 24). A multipart form
/// whose CSRF token comes before the file; the file is attached as the named kind.
#[post("/claims/{id}/documents")]
async fn upload(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<ClaimId>,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let (fields, field, _rest) = multipart_file(&state, &browser, form, "document").await?;
    let kind =
        fields.iter().find(|(k, _)| k == "kind").map(|(_, v)| v.as_str()).unwrap_or("inspection_report");
    let filename = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
    let new = PlainUpload { sha256: None, filename, device_id: None, declared: None };
    match evidence::attach_upload(&state, &browser.caller, &id, kind, new, field).await {
        Ok(()) => Ok(see_other(&format!("/claims/{id}?notice=uploaded"))),
        Err(e) if matches!(e.code, Code::NotFound | Code::Internal) => Err(browser.refused(e)),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = Refused { step: "documents".into(), at: InPlace::of(&e, browser.caller.lang) };
            claim_page(&state, &browser, &id, None, (Some(refused), Typed::default()), status).await
        }
    }
}

/// A party's step as its use case takes it.
enum PartyStep {
    Reply(DeveloperReply),
    Plan(PlanRequest),
    StartRepair(StepRequest),
    CostSheet(CostSheetRequest),
    Submit(SubmitCostSheetRequest),
    Sign(i32, SignRequest),
    Dispute(i32, DisputeSignatureRequest),
    Rate(ReturnVisitRequest),
    WorkOrder(CreateWorkOrder),
}

/// Takes one of a party's steps from its form, through the same use case as the API.
#[post("/claims/{id}/{step}")]
async fn take_step(
    state: web::Data<AppState>,
    path: web::Path<(ClaimId, String)>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (id, step) = path.into_inner();
    let fields = form.fields();
    let typed = Typed::of(&step, &fields);
    if reshapes(&fields) {
        let browser = &form.browser;
        return claim_page(&state, browser, &id, None, (None, typed), StatusCode::OK).await;
    }
    let parsed = request(&step, &fields);
    let browser = form.browser;
    let outcome = match parsed {
        Ok(request) => take(&state, &browser, &id, request).await,
        Err(e) => Err(e),
    };
    let here = format!("/claims/{id}");
    match outcome {
        Ok(Some(location)) => Ok(see_other(&location)),
        Ok(None) => Ok(see_other(&format!("{here}?notice=done"))),
        // The sheet changed under the signer: they are shown the revision there is now.
        Err(e) if e.code == Code::StaleVersion && matches!(step.as_str(), "sign" | "confirm_signature") => {
            let latest = e.detail.as_deref().and_then(|r| r.parse::<i32>().ok());
            Ok(match latest {
                Some(r) => see_other(&format!("{here}/cost-sheets/{r}/sign?notice=changed")),
                None => see_other(&format!("{here}?notice=stale")),
            })
        }
        Err(e) if e.code == Code::NotFound || e.code == Code::Internal => Err(browser.refused(e)),
        // Someone acted on the claim meanwhile: the page as it is now, with what was typed kept.
        Err(e) if e.code == Code::StaleVersion => {
            let status = actix_web::ResponseError::status_code(&e);
            let stale = Some(browser.chrome.t.stale_notice);
            claim_page(&state, &browser, &id, stale, (None, typed), status).await
        }
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = Refused { step, at: InPlace::of(&e, browser.caller.lang) };
            claim_page(&state, &browser, &id, None, (Some(refused), typed), status).await
        }
    }
}

/// The filled rows of a plan or cost-sheet form, `{prefix}_{field}_{n}`, in the order of `n`.
fn rows<T>(
    f: &Fields<'_>,
    prefix: &str,
    row: impl Fn(&dyn Fn(&str) -> String) -> AppResult<Option<T>>,
) -> AppResult<Vec<T>> {
    let mut out = Vec::new();
    for n in line_numbers(f.all().map(|(k, _)| k), prefix) {
        let name = |field: &str| format!("{prefix}_{field}_{n}");
        if let Some(line) = row(&name)? {
            out.push(line);
        }
    }
    Ok(out)
}

/// The filled `line_*_{n}` rows of a cost-sheet form: the repair unit's sheet, which may name the
/// plan's lines (`with_plan`), or the lines of an emergency repair its applicant paid for.
pub fn sheet_lines(f: &Fields<'_>, with_plan: bool) -> AppResult<Vec<LineInput>> {
    rows(f, "line", |name| {
        let Some(description) = f.text(&name("description")) else { return Ok(None) };
        let plan_line: Option<i32> = if with_plan { f.parsed(&name("plan_line"))? } else { None };
        Ok(Some(LineInput {
            kind: line_kind(f, &name("kind"))?,
            description,
            unit: f.required(&name("unit"))?,
            quantity: f
                .parsed::<Decimal>(&name("quantity"))?
                .ok_or_else(|| AppError::invalid("quantity").detail(name("quantity")))?,
            unit_price: f
                .parsed(&name("unit_price"))?
                .ok_or_else(|| AppError::invalid("unit_price").detail(name("unit_price")))?,
            budget: match (with_plan, plan_line) {
                (true, None) => f.parsed(&name("budget"))?,
                _ => None,
            },
            plan_line,
        }))
    })
}

fn line_kind(f: &Fields<'_>, name: &str) -> AppResult<LineKind> {
    LineKind::parse(&f.required(name)?).ok_or_else(|| AppError::invalid("kind").detail(name.to_string()))
}

/// Reads a party's step form into its use case's request; an unknown step is not found.
fn request(step: &str, f: &Fields<'_>) -> AppResult<PartyStep> {
    let revision = || f.parsed::<i32>("revision")?.ok_or_else(|| AppError::invalid("revision"));
    Ok(match step {
        "developer_will_repair" => PartyStep::Reply(DeveloperReply {
            version: f.version()?,
            reply: DeveloperAnswer::WillRepair,
            repair_by: f.parsed("repair_by")?,
            note: f.text("note"),
        }),
        "developer_disputes" => PartyStep::Reply(DeveloperReply {
            version: f.version()?,
            reply: DeveloperAnswer::Dispute,
            repair_by: None,
            note: f.text("note"),
        }),
        "submit_plan" => PartyStep::Plan(PlanRequest {
            version: f.version()?,
            description: f.required("description")?,
            budget: f.parsed::<Money>("budget")?.ok_or_else(|| AppError::invalid("budget"))?,
            lines: rows(f, "plan", |name| {
                let Some(description) = f.text(&name("description")) else { return Ok(None) };
                Ok(Some(PlanLineInput {
                    kind: line_kind(f, &name("kind"))?,
                    description,
                    unit: f.required(&name("unit"))?,
                    budget: f
                        .parsed(&name("budget"))?
                        .ok_or_else(|| AppError::invalid("budget").detail(name("budget")))?,
                }))
            })?,
        }),
        "start_repair" => PartyStep::StartRepair(StepRequest { version: f.version()?, note: f.text("note") }),
        "cost_sheet" => PartyStep::CostSheet(CostSheetRequest {
            parent_revision: f.parsed("parent_revision")?,
            lines: sheet_lines(f, true)?,
        }),
        "submit_cost_sheet" => PartyStep::Submit(SubmitCostSheetRequest {
            version: f.version()?,
            revision: revision()?,
            cause: f.text("cause"),
            solution: f.text("solution"),
        }),
        "sign" => PartyStep::Sign(
            revision()?,
            SignRequest {
                revision_hash: Some(f.required("revision_hash")?),
                signature_file_id: Some(f.required("signature_file_id")?),
            },
        ),
        "confirm_signature" => PartyStep::Sign(
            revision()?,
            SignRequest { revision_hash: Some(f.required("revision_hash")?), signature_file_id: None },
        ),
        "dispute_signature" => PartyStep::Dispute(
            revision()?,
            DisputeSignatureRequest { version: f.version()?, reason: f.required("reason")? },
        ),
        "return_visit" => {
            let score = |name: &str| f.parsed::<i32>(name)?.ok_or_else(|| AppError::invalid(name));
            PartyStep::Rate(ReturnVisitRequest {
                attitude: score("attitude")?,
                quality: score("quality")?,
                resolution: score("resolution")?,
                comment: f.text("comment"),
            })
        }
        "work_order" => PartyStep::WorkOrder(CreateWorkOrder {
            description: f.required("description")?,
            urgent: f.ticked("urgent"),
        }),
        _ => return Err(AppError::new(Code::NotFound)),
    })
}

/// Takes the step through its one use case; where it leads somewhere else than the claim page,
/// the address.
async fn take(
    state: &AppState,
    browser: &Browser,
    id: &ClaimId,
    step: PartyStep,
) -> AppResult<Option<String>> {
    let who = &browser.caller;
    let signed = Some(format!("/claims/{id}?notice=signed"));
    match step {
        PartyStep::Reply(req) => claims::developer_reply(state, who, id, req).await.map(|_| None),
        PartyStep::Plan(req) => claims::submit_plan(state, who, id, req).await.map(|_| None),
        PartyStep::StartRepair(req) => {
            claims::simple(state, who, id, SimpleStep::StartRepair, req).await.map(|_| None)
        }
        PartyStep::CostSheet(req) => claims::add_revision(state, who, id, req).await.map(|_| None),
        PartyStep::Submit(req) => claims::submit(state, who, id, req).await.map(|_| None),
        PartyStep::Sign(revision, req) => claims::sign(state, who, id, revision, req).await.map(|_| signed),
        PartyStep::Dispute(revision, req) => {
            claims::dispute_signature(state, who, id, revision, req).await.map(|_| None)
        }
        PartyStep::Rate(req) => claims::return_visit(state, who, id, req).await.map(|_| None),
        PartyStep::WorkOrder(req) => work_orders::create(state, who, id, req)
            .await
            .map(|order| Some(format!("/repair/work-orders/{}?notice=done", order.id))),
    }
}
