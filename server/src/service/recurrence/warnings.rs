//! Early warnings of recurring defects (issue 32): the periodic job that raises them, once per
//! building, category and period; the day's digest, once a day per person; and the developer's
//! acknowledgement and closing with the cause and the measures taken.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::scope_of;
use crate::db::recurrence::{self as db, CountedBuilding, CountedClaim, Scope, WarningRow};
use crate::db::{coordination, notify, DbConnection};
use crate::domain::coverage::{self, BuildingWarranty, SeasonSettings, WarrantyCategory};
use crate::domain::deadlines::shanghai_date;
use crate::domain::recurrence::Exposure;
use crate::domain::rules::RuleSettings;
use crate::domain::warnings::{self as rules, MonthFigures, Rule, WarningLevel};
use crate::error::{AppError, AppResult};
use crate::messages::{category_name, Code, Lang, Notice};
use crate::service::{text, utc, Caller, Context};

/// Months the job reads back: a year of months to warn on, each with its twelve months of
/// baseline, and the same quarter a year before.
pub const MONTHS_READ: u32 = 27;

/// The UTC instant a Shanghai day starts.
pub(crate) fn day_start(day: NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(8)
}

/// Which of `months` (first days, consecutive) an instant falls in.
pub(crate) fn month_index(months: &[NaiveDate], at: NaiveDateTime) -> Option<usize> {
    let first = months.first()?;
    let day = shanghai_date(utc(at));
    let index = (day.year() - first.year()) * 12 + i32::try_from(day.month()).ok()?
        - i32::try_from(first.month()).ok()?;
    usize::try_from(index).ok().filter(|i| *i < months.len())
}

/// The building's units inside the category's warranty in the month starting `first`: all of them
/// from the hand-over's month to the warranty's last day, none before or after.
pub(crate) fn units_in_warranty(
    building: &CountedBuilding,
    category: WarrantyCategory,
    first: NaiveDate,
    seasons: &SeasonSettings,
) -> u32 {
    let Some(handover) = building.handover_date else { return 0 };
    let warranty = BuildingWarranty::of_building(handover, building.design_life_years);
    let Ok(cover) = coverage::warranty_until(category, &warranty, seasons) else { return 0 };
    let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first);
    if last >= handover && first <= cover.last_day {
        building.units
    } else {
        0
    }
}

/// The claims that count, by building and category (a duplicate of an open claim counts once,
/// with it): each with its month's index.
pub(crate) fn by_building_category<'a>(
    claims: &'a [CountedClaim],
    months: &[NaiveDate],
) -> BTreeMap<(&'a str, WarrantyCategory), Vec<(usize, &'a CountedClaim)>> {
    let mut out: BTreeMap<(&str, WarrantyCategory), Vec<(usize, &CountedClaim)>> = BTreeMap::new();
    for claim in claims.iter().filter(|c| c.duplicate_of.is_none()) {
        if let Some(i) = month_index(months, claim.filed_at) {
            out.entry((claim.building_id.as_str(), claim.category)).or_default().push((i, claim));
        }
    }
    out
}

/// Raises the warnings the last months call for, each once per building, category and period;
/// returns how many are new. The job calls it on its own period; a second run raises nothing new.
pub fn raise_in(conn: &mut DbConnection, rules_set: &RuleSettings, today: NaiveDate) -> AppResult<usize> {
    let months = rules::months_up_to(today, MONTHS_READ);
    let Some(first) = months.first() else { return Ok(0) };
    let buildings = db::counted_buildings(conn, &Scope::All)?;
    let every =
        crate::db::insights::Counted { scope: &Scope::All, estate: None, building: None, category: None };
    let next_month = months[months.len() - 1].checked_add_months(chrono::Months::new(1)).unwrap_or(today);
    let claims = crate::db::insights::claims(conn, &every, day_start(*first), day_start(next_month))?;
    let grouped = by_building_category(&claims, &months);
    let by_id: HashMap<&str, &CountedBuilding> = buildings.iter().map(|b| (b.id.as_str(), b)).collect();
    // The developer's buildings pooled, per category and month: claims and units in warranty.
    let mut pooled: HashMap<(&str, WarrantyCategory), Vec<Exposure>> = HashMap::new();
    let categories: HashSet<WarrantyCategory> = grouped.keys().map(|(_, c)| *c).collect();
    for building in &buildings {
        for &category in &categories {
            let series = pooled
                .entry((building.developer_id.as_str(), category))
                .or_insert_with(|| vec![Exposure { claims: 0, units: 0 }; months.len()]);
            for (i, month) in months.iter().enumerate() {
                series[i].units += units_in_warranty(building, category, *month, &rules_set.seasons);
            }
        }
    }
    for ((building, category), counted) in &grouped {
        let Some(b) = by_id.get(building) else { continue };
        if let Some(series) = pooled.get_mut(&(b.developer_id.as_str(), *category)) {
            for (i, _) in counted {
                series[*i].claims += 1;
            }
        }
    }
    let mut raised = Vec::new();
    for ((building, category), counted) in &grouped {
        let Some(b) = by_id.get(building) else { continue };
        let Some(developer) = pooled.get(&(b.developer_id.as_str(), *category)) else { continue };
        let figures: Vec<MonthFigures> = months
            .iter()
            .enumerate()
            .map(|(i, month)| {
                let of_month: Vec<&CountedClaim> =
                    counted.iter().filter(|(m, _)| *m == i).map(|(_, c)| *c).collect();
                let units: HashSet<&str> = of_month.iter().filter_map(|c| c.unit_id.as_deref()).collect();
                MonthFigures {
                    month: *month,
                    claims: u32::try_from(of_month.len()).unwrap_or(u32::MAX),
                    distinct_units: units.len(),
                    units_in_warranty: units_in_warranty(b, *category, *month, &rules_set.seasons),
                    developer: developer[i],
                }
            })
            .collect();
        for warning in rules::evaluate(&figures, rules_set.recurrence.of(&b.jurisdiction)) {
            let claim_ids: Vec<&str> = counted
                .iter()
                .map(|(_, c)| *c)
                .filter(|c| (warning.from..=warning.until).contains(&shanghai_date(utc(c.filed_at))))
                .map(|c| c.id.as_str())
                .collect();
            raised.push((*b, *category, warning, claim_ids));
        }
    }
    let periods: Vec<String> = raised.iter().map(|(_, _, w, _)| w.period.key()).collect();
    let known = db::warned_keys(conn, &periods)?;
    let at = crate::db::accounts::now();
    let acknowledge_by = |jurisdiction: &str| {
        rules::acknowledge_by(
            today,
            rules_set.recurrence.of(jurisdiction).acknowledge_days,
            &rules_set.calendar,
        )
    };
    let rows: Vec<WarningRow> = raised
        .into_iter()
        .filter(|(b, c, w, _)| !known.contains(&format!("{}:{}:{}", b.id, c, w.period.key())))
        .map(|(b, category, warning, claim_ids)| WarningRow {
            id: crate::db::accounts::new_id(),
            jurisdiction: b.jurisdiction.clone(),
            developer_id: b.developer_id.clone(),
            building_id: b.id.clone(),
            category,
            period: warning.period.key(),
            level: warning.level,
            rule: warning.rule.as_str().to_string(),
            figures: serde_json::to_string(&warning.rule).unwrap_or_default(),
            claim_ids: json!(claim_ids).to_string(),
            raised_at: at,
            acknowledge_by: acknowledge_by(&b.jurisdiction),
            digested_at: None,
            acknowledged_at: None,
            acknowledged_by: None,
            closed_at: None,
            closed_by: None,
            cause: None,
            measures: None,
        })
        .collect();
    Ok(db::insert_warnings(conn, &rows)?)
}

/// Sends the day's digest of new warnings, once a day for the whole deployment however many
/// servers there are: one notification to each developer's staff and each reviewer of the
/// jurisdiction, counting their new warnings. Returns how many people were told.
pub fn digest_in(conn: &mut DbConnection, today: NaiveDate, instance: &str) -> AppResult<usize> {
    let new = db::undigested(conn)?;
    // The day's digest is taken by the first run with something to tell.
    let at = crate::db::accounts::now();
    let day = today.to_string();
    if new.is_empty()
        || !coordination::take_run(
            conn,
            "warning_digest",
            &day,
            instance,
            at,
            at + chrono::Duration::hours(1),
        )?
    {
        return Ok(0);
    }
    let mut per_person: BTreeMap<String, Vec<&WarningRow>> = BTreeMap::new();
    for warning in &new {
        let mut told = notify::members_of(conn, &warning.developer_id)?;
        told.extend(notify::reviewers_of(conn, &warning.jurisdiction)?);
        for person in told {
            per_person.entry(person).or_default().push(warning);
        }
    }
    for (person, warnings) in &per_person {
        let ids: Vec<&str> = warnings.iter().take(50).map(|w| w.id.as_str()).collect();
        notify::notify(
            conn,
            std::slice::from_ref(person),
            &notify::Notify {
                notice: Notice::DefectWarnings,
                claim_id: None,
                work_order_id: None,
                key: &day,
                params: json!({"count": warnings.len(), "warning_ids": ids, "day": day}),
            },
        )?;
    }
    let ids: Vec<String> = new.iter().map(|w| w.id.clone()).collect();
    db::mark_digested(conn, &ids, at)?;
    coordination::finish_run(conn, "warning_digest", &day, instance, at, false)?;
    Ok(per_person.len())
}

/// One warning as its reader sees it: which building and category, which period and rule, the
/// numbers, the claims behind it, and where the developer's answer stands.
#[derive(Serialize, ToSchema)]
pub struct WarningView {
    pub id: String,
    pub building_id: String,
    pub building_name: String,
    pub estate_name: String,
    pub category: WarrantyCategory,
    pub category_name: &'static str,
    /// `month`, `quarter` or `year`.
    pub level: WarningLevel,
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    /// Which rule fired, with its numbers (`rule` names it).
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
    /// Why, in the reader's language.
    pub explanation: String,
    pub claim_ids: Vec<String>,
    pub raised_at: DateTime<Utc>,
    pub acknowledge_by: NaiveDate,
    /// `open`, `acknowledged` or `closed`.
    pub status: &'static str,
    /// The acknowledgement is late.
    pub overdue: bool,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cause: Option<String>,
    pub measures: Option<String>,
}

/// Why a warning fired, in `lang`.
pub fn explain(rule: &Rule, lang: Lang) -> String {
    match (rule, lang) {
        (Rule::DistinctUnits { units }, Lang::ZhCn) => format!("当月有{units}户报修同类问题"),
        (Rule::DistinctUnits { units }, Lang::En) => {
            format!("{units} units claimed the same kind of defect in the month")
        }
        (Rule::AboveControlLimit { rate, limit }, Lang::ZhCn) => {
            format!("当月每百户报修{rate:.2}件，超过控制上限{limit:.2}")
        }
        (Rule::AboveControlLimit { rate, limit }, Lang::En) => {
            format!("{rate:.2} claims per 100 units in the month, above the upper control limit {limit:.2}")
        }
        (Rule::MonthsWarned { months }, Lang::ZhCn) => format!("本季度有{months}个月出现月度预警"),
        (Rule::MonthsWarned { months }, Lang::En) => format!("{months} months of the quarter warned"),
        (Rule::Grew { count, year_before }, Lang::ZhCn) => {
            format!("本季度{count}件，去年同季度{year_before}件")
        }
        (Rule::Grew { count, year_before }, Lang::En) => {
            format!("{count} claims this quarter against {year_before} in the same quarter a year before")
        }
        (Rule::QuartersWarned { quarters }, Lang::ZhCn) => format!("近12个月有{quarters}个季度出现季度预警"),
        (Rule::QuartersWarned { quarters }, Lang::En) => {
            format!("{quarters} quarters of the last twelve months warned")
        }
    }
}

pub(crate) fn warning_view(row: WarningRow, names: &Names, today: NaiveDate, lang: Lang) -> WarningView {
    let rule: Option<Rule> = serde_json::from_str(&row.figures).ok();
    let status = match (row.acknowledged_at, row.closed_at) {
        (_, Some(_)) => "closed",
        (Some(_), None) => "acknowledged",
        (None, None) => "open",
    };
    let (building_name, estate_name) = names.get(&row.building_id).cloned().unwrap_or_default();
    WarningView {
        explanation: rule.as_ref().map(|r| explain(r, lang)).unwrap_or_default(),
        figures: serde_json::from_str(&row.figures).unwrap_or_default(),
        claim_ids: serde_json::from_str(&row.claim_ids).unwrap_or_default(),
        category_name: category_name(row.category, lang),
        overdue: row.acknowledged_at.is_none() && today > row.acknowledge_by,
        status,
        building_name,
        estate_name,
        id: row.id,
        building_id: row.building_id,
        category: row.category,
        level: row.level,
        period: row.period,
        raised_at: utc(row.raised_at),
        acknowledge_by: row.acknowledge_by,
        acknowledged_at: row.acknowledged_at.map(utc),
        closed_at: row.closed_at.map(utc),
        cause: row.cause,
        measures: row.measures,
    }
}

/// Building and estate names, by building id.
pub(crate) type Names = HashMap<String, (String, String)>;

/// The buildings the caller may read, and their and their estates' names.
pub(crate) fn building_names(
    conn: &mut DbConnection,
    scope: &Scope,
) -> AppResult<(Vec<CountedBuilding>, Names)> {
    let buildings = db::counted_buildings(conn, scope)?;
    let names = buildings.iter().map(|b| (b.id.clone(), (b.name.clone(), b.estate_name.clone()))).collect();
    Ok((buildings, names))
}

/// The warnings the caller may read (a developer its own, a reviewer its jurisdictions'), newest
/// first; of one building if named.
pub async fn list(ctx: &Context, caller: &Caller, building: Option<String>) -> AppResult<Vec<WarningView>> {
    let user = caller.clone();
    let today = shanghai_date(Utc::now());
    ctx.db
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            let (_, names) = building_names(conn, &scope)?;
            let rows = db::warnings(conn, &scope, building.as_deref(), 500)?;
            Ok(rows.into_iter().map(|r| warning_view(r, &names, today, user.lang)).collect())
        })
        .await
}

/// The developer closes a warning with what caused it and what it does about it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseWarningRequest {
    #[schema(max_length = 2000)]
    pub cause: String,
    #[schema(max_length = 4000)]
    pub measures: String,
}

/// The developer acknowledges a warning (within its working days) or closes it; only its own
/// developer's staff may, and only in that order.
pub async fn answer(
    ctx: &Context,
    caller: &Caller,
    id: String,
    close: Option<CloseWarningRequest>,
) -> AppResult<WarningView> {
    let user = caller.clone();
    let id = crate::service::parse_id(&id)?;
    let answer = close
        .map(|c| Ok::<_, AppError>((text(&c.cause, "cause", 2000)?, text(&c.measures, "measures", 4000)?)))
        .transpose()?;
    let today = shanghai_date(Utc::now());
    ctx.db
        .write(move |conn| {
            let mut row = db::find_warning(conn, &id)?.ok_or(AppError::new(Code::NotFound))?;
            if !user.organisation_ids.contains(&row.developer_id) {
                return Err(AppError::new(Code::NotFound));
            }
            let at = crate::db::accounts::now();
            match (&answer, row.acknowledged_at, row.closed_at) {
                (None, None, None) => {
                    row.acknowledged_at = Some(at);
                    row.acknowledged_by = Some(user.id.clone());
                }
                (Some((cause, measures)), Some(_), None) => {
                    row.closed_at = Some(at);
                    row.closed_by = Some(user.id.clone());
                    row.cause = Some(cause.clone());
                    row.measures = Some(measures.clone());
                }
                (None, ..) => return Err(AppError::new(Code::AlreadyExists).detail("acknowledged")),
                (Some(_), None, _) => return Err(AppError::new(Code::StepOutOfOrder).detail("acknowledge")),
                (Some(_), Some(_), Some(_)) => {
                    return Err(AppError::new(Code::AlreadyExists).detail("closed"))
                }
            }
            db::save_warning(conn, &row)?;
            let reviewers = notify::reviewers_of(conn, &row.jurisdiction)?;
            let (_, names) = building_names(conn, &Scope::Developers(vec![row.developer_id.clone()]))?;
            if row.closed_at.is_some() {
                notify::notify(
                    conn,
                    &reviewers,
                    &notify::Notify {
                        notice: Notice::DefectWarningClosed,
                        claim_id: None,
                        work_order_id: None,
                        key: &row.id,
                        params: json!({"warning_id": row.id, "period": row.period}),
                    },
                )?;
            }
            Ok(warning_view(row, &names, today, user.lang))
        })
        .await
}
