//! The applicant's pages: an owner's or property manager's home (`/me`) with their units, each
//! category's warranty end (Art. 18) and their claims; and filing a claim (`/me/claims/new`), for a
//! unit or for common parts (Art. 20), standard or emergency advance with the receipts and the
//! amount advanced (Art. 25), with photos uploaded resumably from the phone.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use baoxiu_sync_protocol::cost_sheet::LineKind;
use baoxiu_sync_protocol::Money;
use chrono::NaiveDate;
use serde::Deserialize;

use super::claim::sheet_lines;
use super::session::{Fields, SignedForm};
use super::typed::{blank, reshapes, Line, Typed, FORM_LINES};
use super::{notice_of, render, see_other, Browser, Chrome, InPlace, PageError};
use crate::domain::coverage::{PartLocation, WarrantyCategory};
use crate::domain::defects::{Code as DefectCode, Kind};
use crate::domain::lifecycle::ClaimKind;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::claims::{
    self as claims, AdvanceInput, ClaimResponse, DefectCoding, EvidenceRef, FileClaim,
};
use crate::service::files::{self, KeptFile};
use crate::service::parties::{self, ApplicantHome, Place};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home_page).service(new_claim).service(file_claim);
}

/// Names the building of a claim in a list.
pub fn place_of(places: &[Place], claim: &ClaimResponse) -> String {
    places
        .iter()
        .find(|p| p.building_id == claim.building_id)
        .map(|p| format!("{} {}", p.estate, p.building))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "me.html")]
struct HomePage {
    c: Chrome,
    home: ApplicantHome,
    /// The reader, whose own applications are listed apart from the claims they follow.
    me: String,
}

impl HomePage {
    fn place(&self, claim: &ClaimResponse) -> String {
        place_of(&self.home.places, claim)
    }

    /// The claims the reader filed.
    fn mine(&self) -> Vec<&ClaimResponse> {
        self.home.claims.iter().filter(|c| c.applicant_id == self.me).collect()
    }

    /// The claims of the reader's estates that others filed: a property manager follows them.
    fn followed(&self) -> Vec<&ClaimResponse> {
        self.home.claims.iter().filter(|c| c.applicant_id != self.me).collect()
    }
}

#[derive(Deserialize)]
struct HomeParams {
    notice: Option<String>,
}

/// An applicant's home: units with their warranties, places to file for, and their claims.
#[get("/me")]
async fn home_page(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<HomeParams>,
) -> Result<HttpResponse, PageError> {
    let home = parties::applicant_home(&state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let notice = notice_of(&browser.chrome, params.notice.as_deref());
    let me = browser.caller.id.clone();
    let page = HomePage { c: browser.chrome_with(notice), home, me };
    Ok(render(&page, StatusCode::OK, Some(&browser)))
}

#[derive(Template)]
#[template(path = "file_claim.html")]
struct FilingPage {
    c: Chrome,
    home: ApplicantHome,
    emergency: bool,
    /// What was typed, where the form came back (refused, or a row more or less).
    typed: Typed,
    refused: Option<InPlace>,
    /// The photos and receipts uploaded before the form came back, shown again.
    photos: Vec<KeptFile>,
    receipts: Vec<KeptFile>,
    categories: &'static [WarrantyCategory],
    /// The code list's locations and components offered for a new claim.
    locations: Vec<DefectCode>,
    components: Vec<DefectCode>,
    line_kinds: &'static [LineKind],
    today: NaiveDate,
    property_manager: bool,
}

impl FilingPage {
    fn typed(&self, name: &str) -> &str {
        self.typed.value(FILING, name)
    }

    fn chosen(&self, name: &str, value: String) -> bool {
        self.typed.picked(FILING, name, &value)
    }

    fn rows(&self) -> Vec<Line> {
        self.typed.lines(FILING, "line").unwrap_or_else(|| blank(FORM_LINES))
    }
}

/// The filing form's name, for what was typed into it.
const FILING: &str = "filing";

#[derive(Deserialize)]
struct NewParams {
    kind: Option<String>,
}

async fn filing_page(
    state: &AppState,
    browser: &Browser,
    kind: ClaimKind,
    (typed, refused): (Typed, Option<InPlace>),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let home = parties::applicant_home(state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let dropped = typed.value(FILING, "drop").to_owned();
    let kept = |field: &str| -> Vec<String> {
        typed.values(FILING, field).into_iter().filter(|id| *id != dropped).map(str::to_owned).collect()
    };
    let (photos, receipts) = (kept("photo"), kept("receipt"));
    let codes = claims::defect_codes(state);
    let photos = files::kept(state, &browser.caller, photos).await.map_err(|e| browser.refused(e))?;
    let receipts = files::kept(state, &browser.caller, receipts).await.map_err(|e| browser.refused(e))?;
    let page = FilingPage {
        c: browser.chrome_with(None),
        home,
        emergency: kind == ClaimKind::EmergencyAdvance,
        typed,
        refused,
        photos,
        receipts,
        categories: WarrantyCategory::ALL,
        locations: codes.offered(Kind::Location).into_iter().cloned().collect(),
        components: codes.offered(Kind::Component).into_iter().cloned().collect(),
        line_kinds: &LineKind::ALL,
        today: parties::today(),
        property_manager: browser.caller.role == crate::domain::registry::Role::PropertyManager,
    };
    Ok(render(&page, status, Some(browser)))
}

/// The filing form; `?kind=emergency_advance` for a repair already made and paid (Art. 25).
#[get("/me/claims/new")]
async fn new_claim(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<NewParams>,
) -> Result<HttpResponse, PageError> {
    let kind = match params.kind.as_deref() {
        Some("emergency_advance") => ClaimKind::EmergencyAdvance,
        _ => ClaimKind::Standard,
    };
    filing_page(&state, &browser, kind, (Typed::default(), None), StatusCode::OK).await
}

/// The defect's coding from the form's three selects (the form always sends them; a post without
/// any of them is an uncoded filing, as the API allows).
fn defect_coding(f: &Fields<'_>) -> AppResult<Option<DefectCoding>> {
    let names = ["defect_location", "defect_component", "severity"];
    if names.iter().all(|n| f.text(n).is_none()) {
        return Ok(None);
    }
    Ok(Some(DefectCoding {
        location: f.required("defect_location")?,
        component: f.required("defect_component")?,
        severity: f.required("severity")?.parse().map_err(|_| AppError::invalid("severity"))?,
    }))
}

/// The form as the use case's request. `place` is `unit:{building}:{unit}` or `building:{id}`.
fn filing(f: &Fields<'_>) -> AppResult<FileClaim> {
    let kind: ClaimKind = f.required("kind")?.parse().map_err(|_| AppError::invalid("kind"))?;
    let place = f.required("place")?;
    let (location, building_id, unit_id) = match place.split(':').collect::<Vec<_>>()[..] {
        ["unit", building, unit] => (PartLocation::PrivatePart, building.to_string(), Some(unit.to_string())),
        ["building", building] => (PartLocation::CommonPart, building.to_string(), None),
        _ => return Err(AppError::invalid("place")),
    };
    let mut evidence: Vec<EvidenceRef> =
        f.values("photo").map(|id| EvidenceRef { id: id.to_string(), kind: "before".into() }).collect();
    evidence.extend(f.values("receipt").map(|id| EvidenceRef { id: id.to_string(), kind: "receipt".into() }));
    let advance = match kind {
        ClaimKind::Standard => None,
        ClaimKind::EmergencyAdvance => {
            let lines = sheet_lines(f, false)?;
            let amount = f.parsed::<Money>("amount")?.ok_or_else(|| AppError::invalid("amount"))?;
            Some(AdvanceInput { amount, lines })
        }
    };
    Ok(FileClaim {
        kind,
        building_id,
        unit_id,
        location,
        category: f.required("category")?.parse().map_err(|_| AppError::invalid("category"))?,
        location_detail: f.required("location_detail")?,
        description: f.required("description")?,
        reported_on: f.parsed("reported_on")?,
        with_owner_representatives: f.ticked("with_owner_representatives"),
        owner_representatives: f.text("owner_representatives"),
        defect: defect_coding(f)?,
        evidence,
        advance,
    })
}

/// Files the claim through the same use case as the API; a refusal shows on the form, with
/// what was typed and the photos already uploaded kept.
#[post("/me/claims")]
async fn file_claim(state: web::Data<AppState>, form: SignedForm) -> Result<HttpResponse, PageError> {
    let fields = form.fields();
    let typed = Typed::of(FILING, &fields);
    let kind = match fields.text("kind").as_deref() {
        Some("emergency_advance") => ClaimKind::EmergencyAdvance,
        _ => ClaimKind::Standard,
    };
    if reshapes(&fields) {
        return filing_page(&state, &form.browser, kind, (typed, None), StatusCode::OK).await;
    }
    let request = filing(&fields);
    let browser = form.browser;
    let outcome = match request {
        Ok(request) => claims::file(&state, &browser.caller, request).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(claim) => Ok(see_other(&format!("/claims/{}?notice=filed", claim.id))),
        Err(e) if e.code == Code::Internal => Err(browser.refused(e)),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = InPlace::of(&e, browser.caller.lang);
            filing_page(&state, &browser, kind, (typed, Some(refused)), status).await
        }
    }
}
