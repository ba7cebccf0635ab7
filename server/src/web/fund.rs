//! The fund of the reviewer's jurisdiction: its buildings with their balances, a building's
//! balance per category with its holds and journal, and the jurisdiction's journal by period with
//! its CSV export. Each page calls one use case of `service::fund`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::session::SignedForm;
use super::typed::Typed;
use super::{render, see_other, Browser, Chrome, InPlace, PageError};
use crate::domain::deadlines::shanghai_date;
use crate::domain::ids::BuildingId;
use crate::domain::registry::Role;
use crate::error::AppError;
use crate::http::documents;
use crate::messages::Code;
use crate::service::fund::{
    self, BuildingFund, InterestRunRequest, InterestRunView, JournalLine, NoticeView, PeriodQuery,
    YearStatement,
};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(overview).service(interest).service(building).service(statement).service(journal);
}

#[derive(Template)]
#[template(path = "fund.html")]
struct FundPage {
    c: Chrome,
    year: i32,
    statements: Vec<YearStatement>,
    runs: Vec<InterestRunView>,
    /// A refused interest run, shown at its form with the dates typed.
    refused: Option<InPlace>,
    typed: Typed,
}

async fn fund_page(
    state: &AppState,
    browser: &Browser,
    notice: Option<&'static str>,
    (refused, typed): (Option<InPlace>, Typed),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let year = shanghai_date(chrono::Utc::now()).year();
    let (statements, runs) =
        fund::jurisdiction_overview(state, &browser.caller, year).await.map_err(|e| browser.refused(e))?;
    let page = FundPage { c: browser.chrome_with(notice), year, statements, runs, refused, typed };
    Ok(render(&page, status, Some(browser)))
}

#[derive(Deserialize)]
struct FundParams {
    notice: Option<String>,
}

/// The jurisdiction's buildings with this year's movements and balances (Art. 28).
#[get("/review/fund")]
async fn overview(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<FundParams>,
) -> Result<HttpResponse, PageError> {
    browser.require(Role::Reviewer)?;
    let notice = (params.notice.as_deref() == Some("done")).then_some(browser.chrome.t.done_notice);
    fund_page(&state, &browser, notice, (None, Typed::default()), StatusCode::OK).await
}

/// Posts interest for a period on the jurisdiction's fund (Art. 27), from the fund page's form.
#[post("/review/fund/interest")]
async fn interest(state: web::Data<AppState>, form: SignedForm) -> Result<HttpResponse, PageError> {
    form.browser.require(Role::Reviewer)?;
    let typed = Typed::of("interest", &form.fields());
    let dates = (form.filled("period_from"), form.filled("period_to"));
    let browser = form.browser;
    let request = match dates {
        (Some(from), Some(to)) => match (from.parse(), to.parse()) {
            (Ok(period_from), Ok(period_to)) => {
                Ok(InterestRunRequest { period_from, period_to, jurisdiction: None })
            }
            _ => Err(AppError::invalid("period")),
        },
        _ => Err(AppError::invalid("period")),
    };
    let outcome = match request {
        Ok(request) => fund::run_interest(&state, &browser.caller, request).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(see_other("/review/fund?notice=done")),
        Err(e) if e.code == Code::Internal => Err(browser.refused(e)),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = Some(InPlace::of(&e, browser.caller.lang));
            fund_page(&state, &browser, None, (refused, typed), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "fund_building.html")]
struct BuildingPage {
    c: Chrome,
    id: String,
    year: i32,
    f: BuildingFund,
    notice: Option<NoticeView>,
}

/// One building's fund: balance per category, holds, custody and its journal.
#[get("/review/fund/buildings/{id}")]
async fn building(
    state: web::Data<AppState>,
    browser: Browser,
    id: web::Path<BuildingId>,
) -> Result<HttpResponse, PageError> {
    browser.require(Role::Reviewer)?;
    let (f, notice) =
        fund::building_with_notice(&state, &browser.caller, &id).await.map_err(|e| browser.refused(e))?;
    let year = shanghai_date(chrono::Utc::now()).year();
    let page = BuildingPage { c: browser.chrome_with(None), id: id.to_string(), year, f, notice };
    Ok(render(&page, StatusCode::OK, Some(&browser)))
}

/// A building's yearly statement as the printable page owners are shown (Art. 28).
#[get("/review/fund/buildings/{id}/statement/{year}")]
async fn statement(
    state: web::Data<AppState>,
    browser: Browser,
    path: web::Path<(BuildingId, i32)>,
) -> Result<HttpResponse, PageError> {
    browser.require(Role::Reviewer)?;
    let st = fund::publication(&state, &browser.caller, path.into_inner())
        .await
        .map_err(|e| browser.refused(e))?;
    Ok(documents::html_of(&st))
}

#[derive(Deserialize)]
struct JournalParams {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    kind: Option<String>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "journal.html")]
struct JournalPage {
    c: Chrome,
    from: NaiveDate,
    to: NaiveDate,
    kind: String,
    kinds: &'static [crate::domain::ledger::EntryKind],
    lines: Vec<JournalLine>,
}

/// The jurisdiction's journal for a period (the day after the last day as `to`), filtered by
/// kind; `format=csv` downloads it for the accountants.
#[get("/review/fund/journal")]
async fn journal(
    state: web::Data<AppState>,
    browser: Browser,
    params: web::Query<JournalParams>,
) -> Result<HttpResponse, PageError> {
    browser.require(Role::Reviewer)?;
    let today = shanghai_date(chrono::Utc::now());
    let from = params.from.unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    let to = params.to.unwrap_or(today + chrono::Duration::days(1));
    let kind = params.kind.clone().filter(|k| !k.is_empty());
    let mut lines = fund::export_journal(&state, &browser.caller, PeriodQuery { from, to })
        .await
        .map_err(|e| browser.refused(e))?;
    if let Some(kind) = &kind {
        lines.retain(|l| l.entry.kind.as_str() == kind);
    }
    if params.format.as_deref() == Some("csv") {
        return documents::journal_csv(lines, &format!("journal-{from}-{to}.csv"))
            .map_err(|e| browser.refused(e));
    }
    let page = JournalPage {
        c: browser.chrome_with(None),
        from,
        to,
        kind: kind.unwrap_or_default(),
        kinds: crate::domain::ledger::EntryKind::ALL,
        lines,
    };
    Ok(render(&page, StatusCode::OK, Some(&browser)))
}
