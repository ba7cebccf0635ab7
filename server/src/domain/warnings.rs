//! Escalating early warnings of a building's warranty category (the after-sales practice of
//! 本月、本季、本年度连续出现的问题进行层层重点预警): from its claims month by month, which month,
//! quarter and year warn, by the rules of [`super::recurrence`].
//!
//! Pure: the service counts the claims of each month (a duplicate once), the distinct units and the
//! units still inside the category's warranty, and the same for the developer's buildings pooled;
//! it stores what this decides, each warning once per building, category and period.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::recurrence::{
    month_warning, quarter_warning, year_warning, Exposure, MonthWarning, Period, QuarterWarning,
    RecurrenceSettings,
};

super::text_enum! {
    /// How far a warning has escalated: a month, a quarter, a year.
    pub enum WarningLevel {
        Month = "month",
        Quarter = "quarter",
        Year = "year",
    }
}

/// One calendar month of a building's category.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MonthFigures {
    /// The month's first day.
    pub month: NaiveDate,
    /// Claims filed in the month (a duplicate of an open claim counts once, with it).
    pub claims: u32,
    /// Distinct units among them (the common parts are no unit).
    pub distinct_units: usize,
    /// The building's units still inside the category's warranty in the month.
    pub units_in_warranty: u32,
    /// The developer's buildings pooled, for the u-chart's baseline: the month's claims of the
    /// category and their units in warranty.
    pub developer: Exposure,
}

/// Which rule a warning fired on, with its numbers: every warning explains itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// So many distinct units in the month.
    DistinctUnits { units: usize },
    /// The month's claims per 100 in-warranty units above the u-chart's upper control limit.
    AboveControlLimit { rate: f64, limit: f64 },
    /// So many months of the quarter warned.
    MonthsWarned { months: usize },
    /// The quarter's count against the same quarter a year before.
    Grew { count: u32, year_before: u32 },
    /// So many quarters of the last twelve months warned.
    QuartersWarned { quarters: usize },
}

impl Rule {
    /// The stored name of the rule.
    pub fn as_str(&self) -> &'static str {
        match self {
            Rule::DistinctUnits { .. } => "distinct_units",
            Rule::AboveControlLimit { .. } => "above_control_limit",
            Rule::MonthsWarned { .. } => "months_warned",
            Rule::Grew { .. } => "grew",
            Rule::QuartersWarned { .. } => "quarters_warned",
        }
    }
}

/// A warning the figures raise: its level, its period, the rule and the days whose claims it is
/// about (first and last, inclusive).
#[derive(Clone, Debug, PartialEq)]
pub struct Raised {
    pub level: WarningLevel,
    pub period: Period,
    pub rule: Rule,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

/// The warnings of a building's category as of its last month: the last two months, the last two
/// quarters and the year. `months` are consecutive calendar months, oldest first, the current one
/// last; each month's baseline is the twelve before it, and a quarter compares with the same quarter
/// a year before, so 27 months give every rule its full input.
pub fn evaluate(months: &[MonthFigures], settings: &RecurrenceSettings) -> Vec<Raised> {
    let month_warned: Vec<Option<MonthWarning>> = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let baseline: Vec<Exposure> =
                months[i.saturating_sub(12)..i].iter().map(|b| b.developer).collect();
            let exposure = Exposure { claims: m.claims, units: m.units_in_warranty };
            month_warning(m.distinct_units, exposure, &baseline, settings)
        })
        .collect();
    let mut raised = Vec::new();
    for (m, warned) in months.iter().zip(&month_warned).rev().take(2) {
        if let Some(warning) = warned {
            let rule = match *warning {
                MonthWarning::DistinctUnits(units) => Rule::DistinctUnits { units },
                MonthWarning::AboveControlLimit { rate, limit } => Rule::AboveControlLimit { rate, limit },
            };
            let period = Period::month_of(m.month);
            raised.push(Raised {
                level: WarningLevel::Month,
                period,
                rule,
                from: m.month,
                until: last_day(m.month, 1),
            });
        }
    }
    // Quarters, newest first, each with its months' indices.
    let mut quarters: Vec<(Period, Vec<usize>)> = Vec::new();
    for (i, m) in months.iter().enumerate().rev() {
        let q = Period::quarter_of(m.month);
        match quarters.last_mut() {
            Some((last, indices)) if *last == q => indices.push(i),
            _ => quarters.push((q, vec![i])),
        }
    }
    let count = |indices: &[usize]| indices.iter().map(|&i| months[i].claims).sum::<u32>();
    let quarter_warned = |(period, indices): &(Period, Vec<usize>)| {
        let warned = indices.iter().filter(|&&i| month_warned[i].is_some()).count();
        let year_before =
            quarters.iter().find(|(p, _)| *p == year_earlier(*period)).map_or(0, |(_, before)| count(before));
        quarter_warning(warned, count(indices), year_before, settings).map(|w| match w {
            QuarterWarning::MonthsWarned(months) => Rule::MonthsWarned { months },
            QuarterWarning::Grew { count, year_before } => Rule::Grew { count, year_before },
        })
    };
    let first_of = |indices: &[usize]| quarter_start(months[indices[indices.len() - 1]].month);
    for quarter in quarters.iter().take(2) {
        if let Some(rule) = quarter_warned(quarter) {
            let from = first_of(&quarter.1);
            raised.push(Raised {
                level: WarningLevel::Quarter,
                period: quarter.0,
                rule,
                from,
                until: last_day(from, 3),
            });
        }
    }
    let last_four = &quarters[..quarters.len().min(4)];
    let warned = last_four.iter().filter(|q| quarter_warned(q).is_some()).count();
    if let (Some(quarters_warned), Some(newest), Some(oldest)) =
        (year_warning(warned, settings), last_four.first(), last_four.last())
    {
        let from = first_of(&oldest.1);
        let until = last_day(first_of(&newest.1), 3);
        let period = Period::Year { year: until.year() };
        raised.push(Raised {
            level: WarningLevel::Year,
            period,
            rule: Rule::QuartersWarned { quarters: quarters_warned },
            from,
            until,
        });
    }
    raised
}

/// The same quarter a year before.
fn year_earlier(period: Period) -> Period {
    match period {
        Period::Quarter { year, quarter } => Period::Quarter { year: year - 1, quarter },
        other => other,
    }
}

/// The first day of the quarter `day` is in.
fn quarter_start(day: NaiveDate) -> NaiveDate {
    let month = (day.month() - 1) / 3 * 3 + 1;
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

/// The last day of the `months` months starting on the first day `first`.
fn last_day(first: NaiveDate, months: u32) -> NaiveDate {
    first.checked_add_months(chrono::Months::new(months)).and_then(|next| next.pred_opt()).unwrap_or(first)
}

/// The last day the developer may acknowledge a warning raised on `raised_on`: `days` working days
/// later by the holiday calendar (调休 included), counting Monday to Friday through a year the
/// calendar does not list.
pub fn acknowledge_by(
    raised_on: NaiveDate,
    days: u32,
    calendar: &super::calendar::HolidayCalendar,
) -> NaiveDate {
    let mut day = raised_on;
    let mut counted = 0;
    while counted < days {
        let Some(next) = day.succ_opt() else { return day };
        day = next;
        let working = calendar
            .is_working_day(day)
            .unwrap_or(!matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun));
        if working {
            counted += 1;
        }
    }
    day
}

/// The first days of the `count` calendar months up to and including the one `today` is in,
/// oldest first.
pub fn months_up_to(today: NaiveDate, count: u32) -> Vec<NaiveDate> {
    let this = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    (0..count).rev().filter_map(|back| this.checked_sub_months(chrono::Months::new(back))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// 27 quiet months ending with November 2026: one claim a month in 100 units, the developer
    /// pooled alike.
    fn quiet() -> Vec<MonthFigures> {
        months_up_to(d("2026-11-15"), 27)
            .into_iter()
            .map(|month| MonthFigures {
                month,
                claims: 1,
                distinct_units: 1,
                units_in_warranty: 100,
                developer: Exposure { claims: 1, units: 100 },
            })
            .collect()
    }

    fn at<'a>(months: &'a mut [MonthFigures], month: &str) -> &'a mut MonthFigures {
        let day = d(month);
        months.iter_mut().find(|m| m.month == day).unwrap()
    }

    fn periods(raised: &[Raised]) -> Vec<String> {
        raised.iter().map(|r| format!("{}:{}", r.level, r.period.key())).collect()
    }

    #[test]
    fn a_warning_is_acknowledged_within_working_days_past_the_holidays() {
        let calendar = crate::domain::calendar::HolidayCalendar::shipped().unwrap();
        // Friday 2026-12-04 + 5 working days: Friday 2026-12-11.
        assert_eq!(acknowledge_by(d("2026-12-04"), 5, &calendar), d("2026-12-11"));
        // Raised the day before the National Day holiday (1-7 October 2026 are off).
        let after_holiday = acknowledge_by(d("2026-09-30"), 1, &calendar);
        assert!(after_holiday >= d("2026-10-08"), "{after_holiday}");
        // A year the calendar does not list counts Monday to Friday.
        assert_eq!(acknowledge_by(d("2099-01-02"), 1, &calendar), d("2099-01-05"));
    }

    #[test]
    fn quiet_months_raise_nothing_and_the_window_is_27_months() {
        let months = quiet();
        assert_eq!(months.len(), 27);
        assert_eq!(months[0].month, d("2024-09-01"));
        assert_eq!(months[26].month, d("2026-11-01"));
        assert!(evaluate(&months, &RecurrenceSettings::default()).is_empty());
    }

    #[test]
    fn three_units_this_month_warn_the_month_and_two_do_not() {
        let s = RecurrenceSettings::default();
        let mut months = quiet();
        *at(&mut months, "2026-11-01") = MonthFigures { claims: 2, distinct_units: 2, ..months[26] };
        assert!(evaluate(&months, &s).is_empty());
        *at(&mut months, "2026-11-01") = MonthFigures { claims: 3, distinct_units: 3, ..months[26] };
        let raised = evaluate(&months, &s);
        assert_eq!(periods(&raised), ["month:2026-11"]);
        assert_eq!(raised[0].rule, Rule::DistinctUnits { units: 3 });
        assert_eq!((raised[0].from, raised[0].until), (d("2026-11-01"), d("2026-11-30")));
    }

    #[test]
    fn a_month_over_the_control_limit_warns_and_only_the_last_two_months_fire() {
        let s = RecurrenceSettings::default();
        let mut months = quiet();
        // ū = 1 per 100 units; UCL for 100 units = 4: five claims in two units is over it.
        *at(&mut months, "2026-10-01") = MonthFigures { claims: 5, distinct_units: 2, ..months[25] };
        // An old month over the limit is input, not a new warning. (The same quarters a year
        // before were as busy, so that no quarter grew.)
        *at(&mut months, "2026-01-01") = MonthFigures { claims: 5, distinct_units: 2, ..months[16] };
        at(&mut months, "2025-01-01").claims = 5;
        at(&mut months, "2025-10-01").claims = 5;
        let raised = evaluate(&months, &s);
        assert_eq!(periods(&raised), ["month:2026-10"]);
        assert!(
            matches!(raised[0].rule, Rule::AboveControlLimit { rate, limit } if rate == 5.0 && (limit - 4.0).abs() < 1e-9)
        );
        // Four is on the limit: not over it.
        at(&mut months, "2026-10-01").claims = 4;
        assert!(evaluate(&months, &s).is_empty());
    }

    #[test]
    fn two_warned_months_warn_their_quarter_and_two_warned_quarters_the_year() {
        let s = RecurrenceSettings::default();
        let mut months = quiet();
        let loud = |m: &mut MonthFigures| {
            m.claims = 3;
            m.distinct_units = 3;
        };
        loud(at(&mut months, "2026-10-01"));
        loud(at(&mut months, "2026-11-01"));
        let raised = evaluate(&months, &s);
        assert_eq!(periods(&raised), ["month:2026-11", "month:2026-10", "quarter:2026-Q4"]);
        assert_eq!(raised[2].rule, Rule::MonthsWarned { months: 2 });
        assert_eq!((raised[2].from, raised[2].until), (d("2026-10-01"), d("2026-12-31")));
        // Q2 warned too (two of its months): two quarters in the last four warn the year.
        loud(at(&mut months, "2026-04-01"));
        loud(at(&mut months, "2026-06-01"));
        let raised = evaluate(&months, &s);
        assert_eq!(periods(&raised), ["month:2026-11", "month:2026-10", "quarter:2026-Q4", "year:2026"]);
        assert_eq!(raised[3].rule, Rule::QuartersWarned { quarters: 2 });
        assert_eq!((raised[3].from, raised[3].until), (d("2026-01-01"), d("2026-12-31")));
        // Q4 of 2025 is outside the last four quarters: with it instead of Q2, no year warning.
        let mut months = quiet();
        for m in ["2025-10-01", "2025-11-01", "2026-10-01", "2026-11-01"] {
            loud(at(&mut months, m));
        }
        assert!(!periods(&evaluate(&months, &s)).contains(&"year:2026".to_string()));
    }

    #[test]
    fn a_quarter_double_the_same_quarter_a_year_before_warns_from_five_claims() {
        let s = RecurrenceSettings::default();
        let mut months = quiet();
        // 2025-Q4: 3 claims (one a month). 2026-Q4 so far: 2 + 4 = 6, double and over five.
        at(&mut months, "2026-10-01").claims = 2;
        at(&mut months, "2026-11-01").claims = 4;
        let raised = evaluate(&months, &s);
        assert_eq!(periods(&raised), ["quarter:2026-Q4"]);
        assert_eq!(raised[0].rule, Rule::Grew { count: 6, year_before: 3 });
        // Five against three is not double.
        at(&mut months, "2026-11-01").claims = 3;
        assert!(evaluate(&months, &s).is_empty());
    }
}
