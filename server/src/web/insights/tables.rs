//! The insights' tables as CSV rows, one function for every table the pages show.

use crate::domain::coverage::WarrantyCategory;
use crate::error::{AppError, AppResult};
use crate::messages::{category_name, Lang};
use crate::service::recurrence::insights::Insights;

/// One table of the insights as CSV: its header and rows.
pub(super) fn table(
    x: &Insights,
    name: &str,
    lang: Lang,
) -> AppResult<(Vec<&'static str>, Vec<Vec<String>>)> {
    let opt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
    let cat = |c: WarrantyCategory| category_name(c, lang).to_string();
    Ok(match name {
        "rates" => (
            vec![
                "month",
                "claims",
                "units_in_warranty",
                "rate_per_100",
                "centre",
                "upper_control_limit",
                "warnings",
            ],
            x.rates
                .iter()
                .map(|r| {
                    vec![
                        r.month.clone(),
                        r.claims.to_string(),
                        r.units.to_string(),
                        opt(r.rate),
                        opt(r.centre),
                        opt(r.upper),
                        r.warnings.to_string(),
                    ]
                })
                .collect(),
        ),
        "pareto" => (
            vec!["category", "name", "claims", "share_percent", "cumulative_percent", "fund_paid"],
            x.pareto
                .iter()
                .map(|p| {
                    vec![
                        p.category.to_string(),
                        cat(p.category),
                        p.claims.to_string(),
                        format!("{:.2}", p.share),
                        format!("{:.2}", p.cumulative),
                        p.paid.to_string(),
                    ]
                })
                .collect(),
        ),
        "grid" => {
            let mut header = vec!["building_id", "estate", "building"];
            header.extend(WarrantyCategory::ALL.iter().map(|c| c.as_str()));
            let rows = x
                .grid
                .iter()
                .map(|g| {
                    let mut row = vec![g.building_id.clone(), g.estate_name.clone(), g.building_name.clone()];
                    row.extend(g.counts.iter().map(u32::to_string));
                    row
                })
                .collect();
            (header, rows)
        }
        "register" => (
            vec![
                "entry_id",
                "estate",
                "building",
                "unit",
                "category",
                "location",
                "component",
                "repairs",
                "reason",
                "warranty_last_day",
                "refund_due_on",
                "status",
                "claim_ids",
            ],
            x.register
                .iter()
                .map(|e| {
                    vec![
                        e.id.clone(),
                        e.estate_name.clone(),
                        e.building_name.clone(),
                        e.unit_number.clone().unwrap_or_default(),
                        e.category.to_string(),
                        e.location.clone(),
                        e.component.clone(),
                        e.repairs.to_string(),
                        e.reason.clone(),
                        e.warranty_last_day.to_string(),
                        e.refund_due_on.map(|d| d.to_string()).unwrap_or_default(),
                        e.status.to_string(),
                        e.claim_ids.join(" "),
                    ]
                })
                .collect(),
        ),
        "repair_units" => (
            vec![
                "repair_unit_id",
                "name",
                "claims",
                "days_to_arrive",
                "days_to_finish",
                "repeat_rate_percent",
                "return_visit",
                "cut_share_percent",
            ],
            x.repair_units
                .iter()
                .map(|u| {
                    vec![
                        u.repair_unit_id.clone(),
                        u.name.clone(),
                        u.claims.to_string(),
                        opt(u.days_to_arrive),
                        opt(u.days_to_finish),
                        opt(u.repeat_rate),
                        opt(u.return_visit),
                        opt(u.cut_share),
                    ]
                })
                .collect(),
        ),
        "payouts" => (
            vec!["month", "paid", "inside_20_days", "amount"],
            x.payouts
                .iter()
                .map(|p| {
                    vec![p.month.clone(), p.paid.to_string(), p.on_time.to_string(), p.amount.to_string()]
                })
                .collect(),
        ),
        "warnings" => (
            vec![
                "warning_id",
                "estate",
                "building",
                "category",
                "level",
                "period",
                "rule",
                "explanation",
                "claim_ids",
                "acknowledge_by",
                "status",
                "cause",
                "measures",
            ],
            x.warnings
                .iter()
                .map(|w| {
                    vec![
                        w.id.clone(),
                        w.estate_name.clone(),
                        w.building_name.clone(),
                        w.category.to_string(),
                        w.level.to_string(),
                        w.period.clone(),
                        w.figures["rule"].as_str().unwrap_or_default().to_string(),
                        w.explanation.clone(),
                        w.claim_ids.join(" "),
                        w.acknowledge_by.to_string(),
                        w.status.to_string(),
                        w.cause.clone().unwrap_or_default(),
                        w.measures.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        "repeats" => (
            vec!["repair_unit_id", "name", "category", "repaired", "repeated", "rate_percent"],
            x.repeats
                .iter()
                .map(|r| {
                    vec![
                        r.repair_unit_id.clone(),
                        r.name.clone(),
                        r.category.to_string(),
                        r.repaired.to_string(),
                        r.repeated.to_string(),
                        format!("{:.2}", r.rate),
                    ]
                })
                .collect(),
        ),
        "trends" => (
            vec!["building_type", "category", "level", "period", "claims"],
            x.trends
                .iter()
                .map(|t| {
                    vec![
                        t.class.clone(),
                        t.category.to_string(),
                        t.level.to_string(),
                        t.period.clone(),
                        t.claims.to_string(),
                    ]
                })
                .collect(),
        ),
        _ => return Err(AppError::invalid("table")),
    })
}
