//! The figures of the insights pages (issue 32): for the bureau, claims per 100 in-warranty units
//! by month with the u-chart's limits and the warnings marked, a Pareto of categories with the fund
//! paid, a building × category grid, the Art. 30 register, the repair units side by side and the
//! payouts made inside the 20 days; for the developer, its warnings, the repeat rate by repair unit
//! and category, and the category trends per building type. Every number names the claims behind
//! it through the same filter (`claims`).

use std::collections::{BTreeMap, HashMap, HashSet};

use baoxiu_sync_protocol::Money;
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::warnings::{day_start, units_in_warranty, warning_view, WarningView};
use super::{entry_view, scope_of, RegisterEntry};
use crate::db::insights as facts_db;
use crate::db::recurrence::{self as db, CountedBuilding, CountedClaim};
use crate::db::DbConnection;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::deadlines::shanghai_date;
use crate::domain::recurrence::{control_limits, Exposure, Period};
use crate::domain::warnings::{months_up_to, WarningLevel};
use crate::error::{AppError, AppResult};
use crate::messages::{category_name, Lang};
use crate::service::{utc, Caller, Context};

/// The most months one view spans.
pub const MOST_MONTHS: u32 = 36;

/// The most warnings one view lists, newest first.
pub const MOST_WARNINGS: usize = 200;

/// The most buildings the grid shows, those with the most claims first (the CSV has them all).
pub const MOST_GRID_ROWS: usize = 100;

/// What the insights read: a span of months and, optionally, one estate, building and category.
#[derive(Deserialize, IntoParams, Default, Clone, Debug)]
#[into_params(parameter_in = Query)]
pub struct InsightsQuery {
    /// The first month, `2026-01` (default: eleven months before the last).
    pub from: Option<String>,
    /// The last month, `2026-12` (default: this month).
    pub to: Option<String>,
    pub estate: Option<String>,
    pub building: Option<String>,
    pub category: Option<WarrantyCategory>,
}

/// One month of the u-chart: claims per 100 in-warranty units, the limits from the twelve months
/// before, and the month warnings raised for it.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct RatePoint {
    /// `2026-11`.
    pub month: String,
    pub claims: u32,
    pub units: u32,
    pub rate: Option<f64>,
    pub centre: Option<f64>,
    pub upper: Option<f64>,
    pub warnings: usize,
}

/// One category of the Pareto: its claims, their share, the running share, and what the fund paid.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ParetoRow {
    pub category: WarrantyCategory,
    pub name: &'static str,
    pub claims: u32,
    pub share: f64,
    pub cumulative: f64,
    pub paid: Money,
}

/// One building's row of the grid: claims per category, in the order of `categories`.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct GridRow {
    pub building_id: String,
    pub building_name: String,
    pub estate_name: String,
    pub counts: Vec<u32>,
}

/// One repair unit's record over the period.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct RepairUnitRow {
    pub repair_unit_id: String,
    pub name: String,
    pub claims: u32,
    /// Days from the bureau's approval to the first check-in on site, on average.
    pub days_to_arrive: Option<f64>,
    /// Days from approval to the signed cost sheet handed in, on average.
    pub days_to_finish: Option<f64>,
    /// Of its completed repairs, the share claimed again within the window (a repeat repair).
    pub repeat_rate: Option<f64>,
    /// The applicants' return-visit score, 1 to 5, on average.
    pub return_visit: Option<f64>,
    /// The share of claimed amounts the bureau cut.
    pub cut_share: Option<f64>,
}

/// One month's payouts, and how many were inside the 20 days (Art. 23).
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PayoutMonth {
    pub month: String,
    pub paid: u32,
    pub on_time: u32,
    pub amount: Money,
}

/// Repeats of one repair unit's repairs in one category.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct RepeatRow {
    pub repair_unit_id: String,
    pub name: String,
    pub category: WarrantyCategory,
    pub category_name: &'static str,
    pub repaired: u32,
    pub repeated: u32,
    pub rate: f64,
}

/// Claims of a building type and category in one period (`2026-11`, `2026-Q4`, `2026`).
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct TrendRow {
    pub class: String,
    pub category: WarrantyCategory,
    pub category_name: &'static str,
    pub level: WarningLevel,
    pub period: String,
    pub claims: u32,
}

/// Everything the insights pages show, for the caller's buildings and the query's filter.
#[derive(Serialize, ToSchema)]
pub struct Insights {
    pub from: String,
    pub to: String,
    /// When the figures of the claims were drawn (they are kept a minute); the warnings and the
    /// register are as they are now.
    pub computed_at: chrono::DateTime<Utc>,
    /// The estates and buildings the filter may name: (id, name) and (id, name, estate id).
    pub estates: Vec<(String, String)>,
    pub buildings: Vec<(String, String, String)>,
    pub categories: Vec<WarrantyCategory>,
    pub rates: Vec<RatePoint>,
    pub pareto: Vec<ParetoRow>,
    pub grid: Vec<GridRow>,
    pub register: Vec<RegisterEntry>,
    pub repair_units: Vec<RepairUnitRow>,
    pub payouts: Vec<PayoutMonth>,
    pub warnings: Vec<WarningView>,
    pub repeats: Vec<RepeatRow>,
    pub trends: Vec<TrendRow>,
}

/// A month named `2026-11`, as its first day.
fn month_of(text: &str, field: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field))
}

/// The query with its estate and building as the ids they must be (a text that is no id is refused
/// before it reaches the database), a blank one as none.
fn checked(query: InsightsQuery) -> AppResult<InsightsQuery> {
    let id = |v: Option<String>| {
        v.filter(|v| !v.trim().is_empty()).map(|v| crate::service::parse_id(v.trim())).transpose()
    };
    Ok(InsightsQuery { estate: id(query.estate)?, building: id(query.building)?, ..query })
}

/// The query's months, first days, oldest first; at most [`MOST_MONTHS`].
pub fn months_of(query: &InsightsQuery, today: NaiveDate) -> AppResult<Vec<NaiveDate>> {
    let to = match query.to.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => month_of(t, "to")?,
        None => months_up_to(today, 1)[0],
    };
    let from = match query.from.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(f) => month_of(f, "from")?,
        None => months_up_to(to, 12)[0],
    };
    if !(2000..=2100).contains(&to.year()) {
        return Err(AppError::invalid("to"));
    }
    let span = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
    if span < 1 || span > MOST_MONTHS as i32 {
        return Err(AppError::invalid("from"));
    }
    Ok(months_up_to(to, span as u32))
}

/// The buildings the view covers: the caller's, narrowed to the estate and building named.
fn chosen(all: &[CountedBuilding], query: &InsightsQuery) -> Vec<CountedBuilding> {
    all.iter()
        .filter(|b| query.estate.as_deref().is_none_or(|e| e.is_empty() || b.estate_id == e))
        .filter(|b| query.building.as_deref().is_none_or(|id| id.is_empty() || b.id == id))
        .cloned()
        .collect()
}

/// One claim behind a number of the insights.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ClaimBehind {
    pub id: String,
    pub building_id: String,
    pub unit_id: Option<String>,
    pub category: WarrantyCategory,
    pub filed_at: chrono::DateTime<Utc>,
    /// The open claim it duplicates: it counts once, with that one.
    pub duplicate_of: Option<String>,
    /// The completed repair it repeats.
    pub repeat_of: Option<String>,
}

/// The claims behind a number: the buildings and category of the filter, filed in its months,
/// oldest first.
pub async fn claims(ctx: &Context, caller: &Caller, query: InsightsQuery) -> AppResult<Vec<ClaimBehind>> {
    let query = checked(query)?;
    let user = caller.clone();
    let months = months_of(&query, shanghai_date(Utc::now()))?;
    ctx.db
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            Ok(claims_in(conn, &counted(&scope, &query), &months)?
                .into_iter()
                .map(|(_, c)| ClaimBehind {
                    id: c.id,
                    building_id: c.building_id,
                    unit_id: c.unit_id,
                    category: c.category,
                    filed_at: utc(c.filed_at),
                    duplicate_of: c.duplicate_of,
                    repeat_of: c.repeat_of,
                })
                .collect())
        })
        .await
}

/// The buildings the caller's insights may name: (id, name, estate id).
pub async fn building_list(ctx: &Context, caller: &Caller) -> AppResult<Vec<(String, String, String)>> {
    let user = caller.clone();
    ctx.db
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            Ok(db::counted_buildings(conn, &scope)?
                .into_iter()
                .map(|b| (b.id, b.name, b.estate_id))
                .collect())
        })
        .await
}

/// The claims counted that were filed in `months`, each with its month's index.
fn claims_in(
    conn: &mut DbConnection,
    filter: &facts_db::Counted<'_>,
    months: &[NaiveDate],
) -> AppResult<Vec<(usize, CountedClaim)>> {
    let (since, until) = span(months);
    Ok(facts_db::claims(conn, filter, since, until)?
        .into_iter()
        .filter_map(|c| super::warnings::month_index(months, c.filed_at).map(|i| (i, c)))
        .collect())
}

/// The query's filter over the reader's scope.
fn counted<'a>(scope: &'a db::Scope, q: &'a InsightsQuery) -> facts_db::Counted<'a> {
    let named = |v: &'a Option<String>| v.as_deref().filter(|v| !v.is_empty());
    facts_db::Counted { scope, estate: named(&q.estate), building: named(&q.building), category: q.category }
}

/// The figures drawn from the claims (everything but the warnings and the register, which are read
/// fresh on every view): kept a minute per reader's scope, filter and language, since 100,000
/// claims take longer to read than a page may.
#[derive(Clone)]
pub struct Figures {
    from: String,
    to: String,
    buildings: Vec<CountedBuilding>,
    rates: Vec<RatePoint>,
    pareto: Vec<ParetoRow>,
    grid: Vec<GridRow>,
    repair_units: Vec<RepairUnitRow>,
    payouts: Vec<PayoutMonth>,
    repeats: Vec<RepeatRow>,
    trends: Vec<TrendRow>,
    computed_at: chrono::DateTime<Utc>,
}

/// The figures kept a minute (`kept::Kept`), shared by every request of this server.
pub type InsightsCache = super::kept::Kept<Figures>;

/// Draws the figures of the claims the filter counts.
fn figures(
    conn: &mut DbConnection,
    scope: &db::Scope,
    query: &InsightsQuery,
    months: &[NaiveDate],
    lang: Lang,
    rules: &crate::domain::rules::RuleSettings,
) -> AppResult<Figures> {
    let all = db::counted_buildings(conn, scope)?;
    let buildings = chosen(&all, query);
    let filter = counted(scope, query);
    // The twelve months before the first are the u-chart's baseline.
    let mut read = months_up_to(months[0], 13);
    read.pop();
    read.extend(months.iter().copied());
    let claims = claims_in(conn, &filter, &read)?;
    let rates = rates(&claims, &buildings, &read, query.category, rules);
    let in_view: Vec<&CountedClaim> = claims.iter().filter(|(i, _)| *i >= 12).map(|(_, c)| c).collect();
    let (since, until) = span(months);
    let paid: HashMap<String, i64> = facts_db::paid_for(conn, &filter, since, until)?.into_iter().collect();
    let facts = facts_db::repair_facts(conn, &filter, since, until)?;
    let units: Vec<String> =
        in_view.iter().filter_map(|c| c.repair_unit_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let unit_names = facts_db::organisation_names(conn, &units)?;
    let last_day = months[months.len() - 1]
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(months[0]);
    let payouts = payouts(&facts_db::payouts(conn, &filter, months[0], last_day)?, months, query.category);
    Ok(Figures {
        from: Period::month_of(months[0]).key(),
        to: Period::month_of(months[months.len() - 1]).key(),
        pareto: pareto(&in_view, &paid, lang),
        grid: grid(&in_view, &buildings),
        repair_units: repair_units(&in_view, &claims, &facts, &unit_names),
        repeats: repeats(&in_view, &claims, &unit_names, lang),
        trends: trends(&claims, &read, &buildings, lang),
        buildings: all,
        rates,
        payouts,
        computed_at: Utc::now(),
    })
}

/// The insights for the caller (a reviewer's jurisdictions, a developer's buildings): the figures
/// of the claims as drawn within the last minute, the warnings and the register as they are now.
pub async fn insights(ctx: &Context, caller: &Caller, query: InsightsQuery) -> AppResult<Insights> {
    let query = checked(query)?;
    let user = caller.clone();
    let today = shanghai_date(Utc::now());
    let months = months_of(&query, today)?;
    let rules = ctx.rules.clone();
    let cache = ctx.insights.clone();
    ctx.db
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            let lang = user.lang;
            let key = format!("{scope:?}|{query:?}|{lang:?}|{today}");
            let figures = match cache.get(&key) {
                Some(kept) => kept,
                None => {
                    let _drawing = cache.drawing();
                    match cache.get(&key) {
                        Some(kept) => kept,
                        None => {
                            let drawn =
                                std::sync::Arc::new(figures(conn, &scope, &query, &months, lang, &rules)?);
                            cache.put(key, drawn.clone());
                            drawn
                        }
                    }
                }
            };
            let Figures {
                from,
                to,
                buildings: all,
                rates,
                pareto,
                grid,
                repair_units,
                payouts,
                repeats,
                trends,
                computed_at,
            } = (*figures).clone();
            let names = all.iter().map(|b| (b.id.clone(), (b.name.clone(), b.estate_name.clone()))).collect();
            let shown: HashSet<String> = chosen(&all, &query).into_iter().map(|b| b.id).collect();
            let fresh: Vec<_> =
                db::warnings(conn, &scope, query.building.as_deref().filter(|b| !b.is_empty()), 2000)?
                    .into_iter()
                    .filter(|w| {
                        shown.contains(&w.building_id) && query.category.is_none_or(|c| c == w.category)
                    })
                    .collect();
            // The chart marks the month warnings raised for each month, as they are now.
            let rates = rates
                .into_iter()
                .map(|r| RatePoint {
                    warnings: fresh
                        .iter()
                        .filter(|w| w.level == WarningLevel::Month && w.period == r.month)
                        .count(),
                    ..r
                })
                .collect();
            let warnings: Vec<WarningView> =
                fresh.into_iter().take(MOST_WARNINGS).map(|w| warning_view(w, &names, today, lang)).collect();
            let register = db::entries(conn, &scope, None, 500)?
                .into_iter()
                .filter(|e| shown.contains(&e.building_id) && query.category.is_none_or(|c| c == e.category))
                .map(|e| entry_view(conn, e, lang, &rules.seasons))
                .collect::<AppResult<Vec<_>>>()?;
            let estates: BTreeMap<String, String> =
                all.iter().map(|b| (b.estate_id.clone(), b.estate_name.clone())).collect();
            Ok(Insights {
                from,
                to,
                computed_at,
                estates: estates.into_iter().collect(),
                buildings: all.iter().map(|b| (b.id.clone(), b.name.clone(), b.estate_id.clone())).collect(),
                categories: WarrantyCategory::ALL.to_vec(),
                rates,
                pareto,
                grid,
                register,
                repair_units,
                payouts,
                warnings,
                repeats,
                trends,
            })
        })
        .await
}

/// The UTC instants the months start and end.
fn span(months: &[NaiveDate]) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let end = months[months.len() - 1].checked_add_months(chrono::Months::new(1)).unwrap_or(months[0]);
    (day_start(months[0]), day_start(end))
}

fn rates(
    claims: &[(usize, CountedClaim)],
    buildings: &[CountedBuilding],
    read: &[NaiveDate],
    category: Option<WarrantyCategory>,
    rules: &crate::domain::rules::RuleSettings,
) -> Vec<RatePoint> {
    // The spread of the jurisdiction of the buildings shown (the deployment's default if several).
    let mut jurisdictions = buildings.iter().map(|b| b.jurisdiction.as_str());
    let sigmas = match (
        jurisdictions.next(),
        jurisdictions.all(|j| Some(j) == buildings.first().map(|b| b.jurisdiction.as_str())),
    ) {
        (Some(j), true) => rules.recurrence.of(j).sigmas,
        _ => rules.recurrence.default.sigmas,
    };
    // Without a category, a unit counts while its building's structure is in warranty.
    let exposure_category = category.unwrap_or(WarrantyCategory::Structural);
    let series: Vec<Exposure> = read
        .iter()
        .enumerate()
        .map(|(i, month)| Exposure {
            claims: claims.iter().filter(|(m, c)| *m == i && c.duplicate_of.is_none()).count() as u32,
            units: buildings
                .iter()
                .map(|b| units_in_warranty(b, exposure_category, *month, &rules.seasons))
                .sum(),
        })
        .collect();
    (12..read.len())
        .map(|i| {
            let limits = control_limits(&series[i - 12..i], series[i].units, sigmas);
            let key = Period::month_of(read[i]).key();
            RatePoint {
                warnings: 0,
                month: key,
                claims: series[i].claims,
                units: series[i].units,
                rate: series[i].rate(),
                centre: limits.map(|l| l.centre),
                upper: limits.map(|l| l.upper),
            }
        })
        .collect()
}

fn pareto(claims: &[&CountedClaim], paid: &HashMap<String, i64>, lang: Lang) -> Vec<ParetoRow> {
    let mut by: BTreeMap<WarrantyCategory, (u32, i64)> = BTreeMap::new();
    for c in claims {
        let row = by.entry(c.category).or_default();
        row.0 += u32::from(c.duplicate_of.is_none());
        row.1 = row.1.saturating_add(paid.get(&c.id).copied().unwrap_or(0));
    }
    let mut rows: Vec<(WarrantyCategory, u32, i64)> =
        by.into_iter().map(|(k, (n, fen))| (k, n, fen)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
    let total: u32 = rows.iter().map(|r| r.1).sum();
    let mut running = 0;
    rows.into_iter()
        .map(|(category, claims, fen)| {
            running += claims;
            let share = |n: u32| if total == 0 { 0.0 } else { f64::from(n) * 100.0 / f64::from(total) };
            ParetoRow {
                category,
                name: category_name(category, lang),
                claims,
                share: share(claims),
                cumulative: share(running),
                paid: Money::from_fen(fen),
            }
        })
        .collect()
}

fn grid(claims: &[&CountedClaim], buildings: &[CountedBuilding]) -> Vec<GridRow> {
    let column = |k: WarrantyCategory| WarrantyCategory::ALL.iter().position(|c| *c == k).unwrap_or(0);
    let mut counts: HashMap<&str, Vec<u32>> = HashMap::new();
    for c in claims.iter().filter(|c| c.duplicate_of.is_none()) {
        counts.entry(c.building_id.as_str()).or_insert_with(|| vec![0; WarrantyCategory::ALL.len()])
            [column(c.category)] += 1;
    }
    let mut rows: Vec<GridRow> = buildings
        .iter()
        .filter_map(|b| {
            counts.get(b.id.as_str()).map(|row| GridRow {
                building_id: b.id.clone(),
                building_name: b.name.clone(),
                estate_name: b.estate_name.clone(),
                counts: row.clone(),
            })
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.counts.iter().sum::<u32>()));
    rows
}

/// How many of these repaired claims were claimed again as repeats (by any later claim read).
fn repeated(of: &HashSet<&str>, all: &[(usize, CountedClaim)]) -> u32 {
    let again: HashSet<&str> = all.iter().filter_map(|(_, c)| c.repeat_of.as_deref()).collect();
    of.iter().filter(|id| again.contains(*id)).count() as u32
}

fn repair_units(
    claims: &[&CountedClaim],
    all: &[(usize, CountedClaim)],
    facts: &HashMap<String, facts_db::RepairFacts>,
    names: &HashMap<String, String>,
) -> Vec<RepairUnitRow> {
    let mut by: BTreeMap<&str, Vec<&CountedClaim>> = BTreeMap::new();
    for c in claims {
        if let Some(unit) = c.repair_unit_id.as_deref() {
            by.entry(unit).or_default().push(c);
        }
    }
    let mean =
        |values: Vec<f64>| (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    let days =
        |from: chrono::NaiveDateTime, to: chrono::NaiveDateTime| (to - from).num_minutes() as f64 / 1440.0;
    by.into_iter()
        .map(|(unit, claims)| {
            let f: Vec<&facts_db::RepairFacts> = claims.iter().filter_map(|c| facts.get(&c.id)).collect();
            let arrive = f.iter().filter_map(|x| Some(days(x.approved_at?, x.first_check_in?))).collect();
            let finish: Vec<f64> = claims
                .iter()
                .filter_map(|c| {
                    let x = facts.get(&c.id)?;
                    Some(days(x.approved_at?, x.finished_at?))
                })
                .collect();
            let repaired: HashSet<&str> = claims
                .iter()
                .filter(|c| facts.get(&c.id).is_some_and(|x| x.finished_at.is_some()))
                .map(|c| c.id.as_str())
                .collect();
            let claimed: i64 = f.iter().map(|x| x.claimed_fen).sum();
            let approved: i64 = f.iter().map(|x| x.approved_fen).sum();
            let ratings =
                f.iter().filter_map(|x| x.rating.map(|(a, q, r)| f64::from(a + q + r) / 3.0)).collect();
            RepairUnitRow {
                repair_unit_id: unit.to_string(),
                name: names.get(unit).cloned().unwrap_or_default(),
                claims: claims.len() as u32,
                days_to_arrive: mean(arrive),
                days_to_finish: mean(finish),
                repeat_rate: (!repaired.is_empty())
                    .then(|| f64::from(repeated(&repaired, all)) * 100.0 / repaired.len() as f64),
                return_visit: mean(ratings),
                cut_share: (claimed > 0).then(|| (claimed - approved) as f64 * 100.0 / claimed as f64),
            }
        })
        .collect()
}

fn payouts(
    paid: &[facts_db::PaidClaim],
    months: &[NaiveDate],
    category: Option<WarrantyCategory>,
) -> Vec<PayoutMonth> {
    months
        .iter()
        .map(|month| {
            let of: Vec<&facts_db::PaidClaim> = paid
                .iter()
                .filter(|p| category.is_none_or(|c| c == p.category))
                .filter(|p| p.paid_on.year() == month.year() && p.paid_on.month() == month.month())
                .collect();
            PayoutMonth {
                month: Period::month_of(*month).key(),
                paid: of.len() as u32,
                on_time: of.iter().filter(|p| p.due_on.is_some_and(|d| p.paid_on <= d)).count() as u32,
                amount: Money::from_fen(of.iter().map(|p| p.amount_fen).sum()),
            }
        })
        .collect()
}

fn repeats(
    claims: &[&CountedClaim],
    all: &[(usize, CountedClaim)],
    names: &HashMap<String, String>,
    lang: Lang,
) -> Vec<RepeatRow> {
    let mut by: BTreeMap<(&str, WarrantyCategory), HashSet<&str>> = BTreeMap::new();
    for c in claims {
        if let Some(unit) = c.repair_unit_id.as_deref() {
            by.entry((unit, c.category)).or_default().insert(c.id.as_str());
        }
    }
    by.into_iter()
        .map(|((unit, category), ids)| {
            let again = repeated(&ids, all);
            RepeatRow {
                repair_unit_id: unit.to_string(),
                name: names.get(unit).cloned().unwrap_or_default(),
                category,
                category_name: category_name(category, lang),
                repaired: ids.len() as u32,
                repeated: again,
                rate: f64::from(again) * 100.0 / ids.len().max(1) as f64,
            }
        })
        .collect()
}

/// Claims by building type and category, per month, quarter and year of the view: counted by
/// month first (a claim's period keys are not made one claim at a time).
fn trends(
    claims: &[(usize, CountedClaim)],
    read: &[NaiveDate],
    buildings: &[CountedBuilding],
    lang: Lang,
) -> Vec<TrendRow> {
    let class: HashMap<&str, &str> = buildings.iter().map(|b| (b.id.as_str(), b.class.as_str())).collect();
    let mut monthly: HashMap<(&str, WarrantyCategory, usize), u32> = HashMap::new();
    for (i, c) in claims.iter().filter(|(i, c)| *i >= 12 && c.duplicate_of.is_none()) {
        let kind = class.get(c.building_id.as_str()).copied().unwrap_or_default();
        *monthly.entry((kind, c.category, *i)).or_default() += 1;
    }
    let mut by: BTreeMap<(String, WarrantyCategory, WarningLevel, String), u32> = BTreeMap::new();
    for ((kind, category, i), n) in monthly {
        let day = read[i];
        for (level, period) in [
            (WarningLevel::Month, Period::month_of(day)),
            (WarningLevel::Quarter, Period::quarter_of(day)),
            (WarningLevel::Year, Period::Year { year: day.year() }),
        ] {
            *by.entry((kind.to_string(), category, level, period.key())).or_default() += n;
        }
    }
    by.into_iter()
        .map(|((class, category, level, period), claims)| TrendRow {
            class,
            category,
            category_name: category_name(category, lang),
            level,
            period,
            claims,
        })
        .collect()
}
