//! The insights pages (issue 32): the bureau's `/review/insights` and the developer's
//! `/developer/insights`, each chart drawn by the server beside the table of its numbers, every
//! number leading to the claims behind it (`…/insights/claims`), every table as CSV
//! (`…/insights.csv?table=…`); and the developer's answers to its warnings.

mod tables;
mod texts;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::charts::Chart;
use super::session::SignedForm;
use super::typed::Typed;
use super::{notice_of, render, see_other, Browser, Chrome, InPlace, PageError};
use crate::domain::coverage::WarrantyCategory;
use crate::domain::ids::WarningId;
use crate::domain::recurrence::EntryStatus;
use crate::domain::registry::Role;
use crate::domain::warnings::WarningLevel;
use crate::error::{AppError, AppResult};
use crate::messages::{category_name, Code, Lang};
use crate::service::recurrence::insights::{self, ClaimBehind, Insights, InsightsQuery};
use crate::service::recurrence::warnings::{self, CloseWarningRequest, WarningView};
use crate::service::recurrence::RegisterEntry;
use crate::state::AppState;
pub use texts::{insight_texts, InsightTexts};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(insights_page).service(claims_behind).service(insights_csv).service(answer);
}

/// Whose insights: the bureau's (`/review/insights`) or the developer's (`/developer/insights`).
/// Any other first segment is no page.
fn desk(segment: &str, browser: &Browser) -> Result<bool, PageError> {
    match segment {
        "review" => Ok(true),
        "developer" => Ok(false),
        _ => Err(browser.refused(AppError::new(Code::NotFound))),
    }
}

/// The bureau's insights, or the developer's warnings and insights.
#[get("/{desk}/insights")]
async fn insights_page(
    state: web::Data<AppState>,
    browser: Browser,
    path: web::Path<String>,
    params: web::Query<Params>,
) -> Result<HttpResponse, PageError> {
    let bureau = desk(&path, &browser)?;
    page(&state, &browser, &params, bureau, (None, Typed::default()), StatusCode::OK).await
}

/// The claims behind a number of the insights.
#[get("/{desk}/insights/claims")]
async fn claims_behind(
    state: web::Data<AppState>,
    browser: Browser,
    path: web::Path<String>,
    params: web::Query<Params>,
) -> Result<HttpResponse, PageError> {
    let bureau = desk(&path, &browser)?;
    claims_page(&state, &browser, &params, bureau).await
}

/// A table of the insights as CSV.
#[get("/{desk}/insights.csv")]
async fn insights_csv(
    state: web::Data<AppState>,
    browser: Browser,
    path: web::Path<String>,
    params: web::Query<Params>,
) -> Result<HttpResponse, PageError> {
    let bureau = desk(&path, &browser)?;
    csv(&state, &browser, &params, bureau).await
}

/// The filter as the page's form sends it.
#[derive(Deserialize, Default)]
struct Params {
    from: Option<String>,
    to: Option<String>,
    estate: Option<String>,
    building: Option<String>,
    category: Option<String>,
    table: Option<String>,
    notice: Option<String>,
}

fn blank(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl Params {
    fn query(&self) -> AppResult<InsightsQuery> {
        let category = match blank(&self.category) {
            Some(c) => Some(c.parse::<WarrantyCategory>().map_err(|_| AppError::invalid("category"))?),
            None => None,
        };
        Ok(InsightsQuery {
            from: blank(&self.from),
            to: blank(&self.to),
            estate: blank(&self.estate),
            building: blank(&self.building),
            category,
        })
    }
}

/// The filter as a query string, for links that keep it (`from=…&to=…`).
fn keep(q: &InsightsQuery, from: &str, to: &str) -> String {
    let mut parts = vec![format!("from={from}"), format!("to={to}")];
    if let Some(e) = &q.estate {
        parts.push(format!("estate={}", super::urlencode(e)));
    }
    if let Some(b) = &q.building {
        parts.push(format!("building={}", super::urlencode(b)));
    }
    if let Some(c) = q.category {
        parts.push(format!("category={c}"));
    }
    parts.join("&")
}

#[derive(Template)]
#[template(path = "insights.html")]
struct InsightsPage {
    c: Chrome,
    i: &'static InsightTexts,
    /// `/review/insights` or `/developer/insights`.
    base: &'static str,
    bureau: bool,
    q: InsightsQuery,
    x: Insights,
    /// The filter kept, for the links and downloads.
    kept: String,
    charts: Vec<Chart>,
    refused: Option<(String, InPlace)>,
    typed: Typed,
}

impl InsightsPage {
    fn category(&self, c: &WarrantyCategory) -> &'static str {
        category_name(*c, self.c.lang)
    }

    fn chart(&self, id: &str) -> Option<&Chart> {
        self.charts.iter().find(|c| c.id == id)
    }

    fn level(&self, level: &WarningLevel) -> &'static str {
        match level {
            WarningLevel::Month => self.i.level_month,
            WarningLevel::Quarter => self.i.level_quarter,
            WarningLevel::Year => self.i.level_year,
        }
    }

    fn warning_status(&self, w: &WarningView) -> &'static str {
        match w.status {
            "closed" => self.i.warning_closed,
            "acknowledged" => self.i.warning_acknowledged,
            _ => self.i.warning_open,
        }
    }

    fn entry_status(&self, e: &RegisterEntry) -> &'static str {
        match e.status {
            EntryStatus::Open => self.i.entry_open,
            EntryStatus::Confirmed => self.i.entry_confirmed,
            EntryStatus::Dismissed => self.i.entry_dismissed,
        }
    }

    fn chosen(&self, category: &WarrantyCategory) -> bool {
        self.q.category == Some(*category)
    }

    /// The claims behind a category's number.
    fn category_link(&self, category: &WarrantyCategory) -> String {
        let q = InsightsQuery { category: Some(*category), ..self.q.clone() };
        format!("{}/claims?{}", self.base, keep(&q, &self.x.from, &self.x.to))
    }

    /// The claims behind a grid cell: one building's category.
    fn cell_link(&self, building: &str, category: &WarrantyCategory) -> String {
        let q = InsightsQuery {
            building: Some(building.to_string()),
            category: Some(*category),
            ..self.q.clone()
        };
        format!("{}/claims?{}", self.base, keep(&q, &self.x.from, &self.x.to))
    }

    fn claim_href(&self, id: &str) -> String {
        claim_href(self.bureau, id)
    }

    fn percent(&self, value: &Option<f64>) -> String {
        value.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "—".into())
    }

    fn number(&self, value: &Option<f64>) -> String {
        value.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
    }

    fn refusal_for(&self, id: &str) -> Option<&InPlace> {
        self.refused.as_ref().filter(|(w, _)| w == id).map(|(_, r)| r)
    }

    /// A building type's name (`high_rise` → 高层).
    fn class(&self, class: &str) -> String {
        class.parse().map(|k| crate::web::texts::class_name(k, self.c.lang).to_string()).unwrap_or_default()
    }

    /// The claims behind a month's count.
    /// The grid's rows shown: the buildings with the most claims.
    fn grid_rows(&self) -> &[insights::GridRow] {
        &self.x.grid[..self.x.grid.len().min(insights::MOST_GRID_ROWS)]
    }

    /// The claims behind a warning: its building and category over the months of its period.
    fn warning_link(&self, w: &WarningView) -> String {
        let (from, to) = match w.level {
            WarningLevel::Month => (w.period.clone(), w.period.clone()),
            WarningLevel::Quarter => {
                let (year, q) = w.period.split_once("-Q").unwrap_or((&w.period, "1"));
                let q: u32 = q.parse().unwrap_or(1);
                (format!("{year}-{:02}", q * 3 - 2), format!("{year}-{:02}", q * 3))
            }
            WarningLevel::Year => (format!("{}-01", w.period), format!("{}-12", w.period)),
        };
        let q = InsightsQuery {
            building: Some(w.building_id.clone()),
            category: Some(w.category),
            estate: None,
            ..self.q.clone()
        };
        format!("{}/claims?{}", self.base, keep(&q, &from, &to))
    }

    fn month_link(&self, month: &str) -> String {
        format!("{}/claims?{}", self.base, keep(&self.q, month, month))
    }
}

/// Where a reader opens a claim: the dossier for the bureau, the claim page for the developer.
fn claim_href(bureau: bool, id: &str) -> String {
    match bureau {
        true => format!("/review/claims/{id}"),
        false => format!("/claims/{id}"),
    }
}

/// The charts of the figures, in the reader's language.
fn charts(
    x: &Insights,
    i: &InsightTexts,
    lang: Lang,
    claims_link: impl Fn(&WarrantyCategory) -> String,
) -> Vec<Chart> {
    let months: Vec<String> = x.rates.iter().map(|r| r.month.clone()).collect();
    let top = x.rates.iter().flat_map(|r| [r.rate, r.upper]).flatten().fold(0.0, f64::max);
    let mut rates = Chart::new("chart-rates", i.rates_title.into(), &months, top);
    rates.line("#1f5fa8", false, i.rate.into(), &x.rates.iter().map(|r| r.rate).collect::<Vec<_>>());
    rates.line("#7f8c8d", true, i.centre.into(), &x.rates.iter().map(|r| r.centre).collect::<Vec<_>>());
    rates.line("#c0392b", true, i.upper.into(), &x.rates.iter().map(|r| r.upper).collect::<Vec<_>>());
    for (n, r) in x.rates.iter().enumerate().filter(|(_, r)| r.warnings > 0) {
        rates.mark(n, r.rate.unwrap_or(0.0), format!("{} {}: {}", r.month, i.warnings, r.warnings));
    }
    let names: Vec<String> = x.pareto.iter().map(|p| category_name(p.category, lang).to_string()).collect();
    let mut pareto = Chart::new("chart-pareto", i.pareto_title.into(), &names, 100.0);
    for (n, p) in x.pareto.iter().enumerate() {
        let title = format!("{}: {} ({:.1} %)", names[n], p.claims, p.share);
        pareto.bar(n, (0, 1), p.share, "#4a7fc1", title, Some(claims_link(&p.category)));
    }
    pareto.name("#4a7fc1", i.share.into());
    pareto.line(
        "#e67e22",
        false,
        i.cumulative.into(),
        &x.pareto.iter().map(|p| Some(p.cumulative)).collect::<Vec<_>>(),
    );
    let paid_months: Vec<String> = x.payouts.iter().map(|p| p.month.clone()).collect();
    let most = x.payouts.iter().map(|p| p.paid).max().unwrap_or(0);
    let mut payouts = Chart::new("chart-payouts", i.payouts_title.into(), &paid_months, f64::from(most));
    for (n, p) in x.payouts.iter().enumerate() {
        payouts.bar(
            n,
            (0, 2),
            f64::from(p.paid),
            "#95a5a6",
            format!("{} {}: {}", p.month, i.paid_count, p.paid),
            None,
        );
        payouts.bar(
            n,
            (1, 2),
            f64::from(p.on_time),
            "#27ae60",
            format!("{} {}: {}", p.month, i.on_time, p.on_time),
            None,
        );
    }
    payouts.name("#95a5a6", i.paid_count.into());
    payouts.name("#27ae60", i.on_time.into());
    // The developer's feedback to design: claims by quarter, a bar per building type.
    let quarters: Vec<String> = {
        let mut q: Vec<String> =
            x.trends.iter().filter(|t| t.level == WarningLevel::Quarter).map(|t| t.period.clone()).collect();
        q.sort();
        q.dedup();
        q
    };
    let classes: Vec<String> = {
        let mut c: Vec<String> = x.trends.iter().map(|t| t.class.clone()).collect();
        c.sort();
        c.dedup();
        c
    };
    let per = |class: &str, quarter: &str| -> u32 {
        x.trends
            .iter()
            .filter(|t| t.level == WarningLevel::Quarter && t.class == class && t.period == quarter)
            .map(|t| t.claims)
            .sum()
    };
    let most =
        quarters.iter().flat_map(|q| classes.iter().map(move |c| (c, q))).map(|(c, q)| per(c, q)).max();
    let mut trends =
        Chart::new("chart-trends", i.trends_chart.into(), &quarters, f64::from(most.unwrap_or(0)));
    const PALETTE: [&str; 4] = ["#1f5fa8", "#e67e22", "#27ae60", "#8e44ad"];
    for (slot, class) in classes.iter().enumerate() {
        let colour = PALETTE[slot % PALETTE.len()];
        let kind = class.parse().map(|k| crate::web::texts::class_name(k, lang)).unwrap_or(class.as_str());
        for (n, quarter) in quarters.iter().enumerate() {
            let count = per(class, quarter);
            trends.bar(
                n,
                (slot, classes.len()),
                f64::from(count),
                colour,
                format!("{quarter} {kind}: {count}"),
                None,
            );
        }
        trends.name(colour, kind.to_string());
    }
    vec![rates, pareto, payouts, trends]
}

async fn page(
    state: &AppState,
    browser: &Browser,
    params: &Params,
    bureau: bool,
    (refused, typed): (Option<(String, InPlace)>, Typed),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    browser.require(if bureau { Role::Reviewer } else { Role::Developer })?;
    let q = params.query().map_err(|e| browser.refused(e))?;
    let x = insights::insights(state, &browser.caller, q.clone()).await.map_err(|e| browser.refused(e))?;
    let lang = browser.caller.lang;
    let i = insight_texts(lang);
    let base = if bureau { "/review/insights" } else { "/developer/insights" };
    let kept = keep(&q, &x.from, &x.to);
    let link = |c: &WarrantyCategory| {
        let mut q = q.clone();
        q.category = Some(*c);
        format!("{base}/claims?{}", keep(&q, &x.from, &x.to))
    };
    let charts = charts(&x, i, lang, link);
    let notice = notice_of(&browser.chrome, params.notice.as_deref());
    let page =
        InsightsPage { c: browser.chrome_with(notice), i, base, bureau, q, x, kept, charts, refused, typed };
    Ok(render(&page, status, Some(browser)))
}

#[derive(Template)]
#[template(path = "insights_claims.html")]
struct ClaimsPage {
    c: Chrome,
    i: &'static InsightTexts,
    base: &'static str,
    bureau: bool,
    claims: Vec<ClaimBehind>,
    /// Building names by id.
    buildings: Vec<(String, String, String)>,
    kept: String,
}

impl ClaimsPage {
    fn building(&self, id: &str) -> String {
        self.buildings.iter().find(|(b, ..)| b == id).map(|(_, name, _)| name.clone()).unwrap_or_default()
    }
    fn category(&self, c: &WarrantyCategory) -> &'static str {
        category_name(*c, self.c.lang)
    }
    fn claim_href(&self, id: &str) -> String {
        claim_href(self.bureau, id)
    }
    fn day(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::domain::deadlines::shanghai_date(*at).to_string()
    }
}

async fn claims_page(
    state: &AppState,
    browser: &Browser,
    params: &Params,
    bureau: bool,
) -> Result<HttpResponse, PageError> {
    browser.require(if bureau { Role::Reviewer } else { Role::Developer })?;
    let q = params.query().map_err(|e| browser.refused(e))?;
    let claims = insights::claims(state, &browser.caller, q.clone()).await.map_err(|e| browser.refused(e))?;
    let months = insights::months_of(&q, crate::service::parties::today()).map_err(|e| browser.refused(e))?;
    let key = |d: &chrono::NaiveDate| crate::domain::recurrence::Period::month_of(*d).key();
    let kept = keep(&q, &key(&months[0]), &key(&months[months.len() - 1]));
    let buildings = insights::building_list(state, &browser.caller).await.map_err(|e| browser.refused(e))?;
    let base = if bureau { "/review/insights" } else { "/developer/insights" };
    let page = ClaimsPage {
        c: browser.chrome_with(None),
        i: insight_texts(browser.caller.lang),
        base,
        bureau,
        claims,
        buildings,
        kept,
    };
    Ok(render(&page, StatusCode::OK, Some(browser)))
}

async fn csv(
    state: &AppState,
    browser: &Browser,
    params: &Params,
    bureau: bool,
) -> Result<HttpResponse, PageError> {
    browser.require(if bureau { Role::Reviewer } else { Role::Developer })?;
    let name = blank(&params.table).unwrap_or_default();
    let outcome = async {
        let x = insights::insights(state, &browser.caller, params.query()?).await?;
        let (header, rows) = tables::table(&x, &name, browser.caller.lang)?;
        crate::http::documents::table_csv(&header, rows, &format!("insights-{name}-{}-{}.csv", x.from, x.to))
    };
    outcome.await.map_err(|e| browser.refused(e))
}

/// The developer acknowledges a warning (`step=acknowledge`) or closes it with cause and measures
/// (`step=close`); a refusal shows on the page with what was typed.
#[post("/developer/warnings/{id}")]
async fn answer(
    state: web::Data<AppState>,
    id: web::Path<WarningId>,
    form: SignedForm,
) -> Result<HttpResponse, PageError> {
    let (typed, close) = {
        let fields = form.fields();
        let close = match fields.text("step").as_deref() {
            Some("acknowledge") => Ok(None),
            Some("close") => fields.required("cause").and_then(|cause| {
                Ok(Some(CloseWarningRequest { cause, measures: fields.required("measures")? }))
            }),
            _ => Err(AppError::invalid("step")),
        };
        (Typed::of(id.to_string(), &fields), close)
    };
    let browser = form.browser;
    browser.require(Role::Developer)?;
    let outcome = match close {
        Ok(close) => warnings::answer(&state, &browser.caller, id.to_string(), close).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(see_other("/developer/insights?notice=done#warnings")),
        Err(e) if matches!(e.code, Code::NotFound | Code::Internal) => Err(browser.refused(e)),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let refused = (id.to_string(), InPlace::of(&e, browser.caller.lang));
            page(&state, &browser, &Params::default(), false, (Some(refused), typed), status).await
        }
    }
}
