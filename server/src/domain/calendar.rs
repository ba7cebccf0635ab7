//! China's working-day calendar: weekends, official holidays and make-up working days 调休, from a
//! file (`fixtures/holidays-cn.toml` by default), covering only the years it lists.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// The calendar shipped with Baoxiu.
pub const DEFAULT_CALENDAR: &str = include_str!("../../../fixtures/holidays-cn.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    year: Vec<YearFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    provisional: bool,
    holidays: Vec<[NaiveDate; 2]>,
    workdays: Vec<NaiveDate>,
}

/// Why a calendar file or a date cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The file does not parse.
    #[error("holiday calendar: {0}")]
    Parse(String),
    /// A date in the file lies outside its year, a range runs backwards, or a day is both.
    #[error("holiday calendar, year {0}: {1}")]
    Invalid(i32, &'static str),
    /// Working days were asked of a year the calendar does not cover; guessing would be wrong.
    #[error("the holiday calendar does not cover {0}")]
    NotCovered(i32),
}

/// Which days are working days, year by year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
    /// Year → provisional.
    years: BTreeMap<i32, bool>,
}

impl HolidayCalendar {
    /// The calendar shipped in `fixtures/holidays-cn.toml`.
    pub fn shipped() -> Result<HolidayCalendar, CalendarError> {
        Self::parse(DEFAULT_CALENDAR)
    }

    /// Parses and checks a calendar file.
    pub fn parse(text: &str) -> Result<HolidayCalendar, CalendarError> {
        let file: File = toml_parse(text)?;
        let mut cal = HolidayCalendar::default();
        for y in file.year {
            if cal.years.insert(y.year, y.provisional).is_some() {
                return Err(CalendarError::Invalid(y.year, "year listed twice"));
            }
            for [from, to] in y.holidays {
                if from > to || from.year() != y.year || to.year() != y.year {
                    return Err(CalendarError::Invalid(
                        y.year,
                        "holiday range outside its year or backwards",
                    ));
                }
                let mut day = from;
                while day <= to {
                    cal.holidays.insert(day);
                    day = day.succ_opt().ok_or(CalendarError::Invalid(y.year, "date overflow"))?;
                }
            }
            for day in y.workdays {
                if day.year() != y.year {
                    return Err(CalendarError::Invalid(y.year, "make-up day outside its year"));
                }
                if matches!(
                    day.weekday(),
                    Weekday::Mon | Weekday::Tue | Weekday::Wed | Weekday::Thu | Weekday::Fri
                ) {
                    return Err(CalendarError::Invalid(
                        y.year,
                        "a make-up working day must fall on a weekend",
                    ));
                }
                cal.workdays.insert(day);
            }
        }
        if cal.holidays.intersection(&cal.workdays).next().is_some() {
            return Err(CalendarError::Invalid(0, "a day is both a holiday and a make-up working day"));
        }
        Ok(cal)
    }

    /// Is `day` a working day? Errors for years the calendar does not list.
    pub fn is_working_day(&self, day: NaiveDate) -> Result<bool, CalendarError> {
        if !self.years.contains_key(&day.year()) {
            return Err(CalendarError::NotCovered(day.year()));
        }
        if self.workdays.contains(&day) {
            return Ok(true);
        }
        if self.holidays.contains(&day) {
            return Ok(false);
        }
        Ok(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
    }

    /// True when `year` is listed but only provisionally.
    pub fn is_provisional(&self, year: i32) -> bool {
        self.years.get(&year).copied().unwrap_or(false)
    }

    /// Is `day` an official holiday?
    pub fn is_holiday(&self, day: NaiveDate) -> bool {
        self.holidays.contains(&day)
    }

    /// The years covered.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }
}

fn toml_parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, CalendarError> {
    // figment's TOML parser is already in the build; reuse it rather than add a second.
    use figment::providers::{Format, Toml};
    figment::Figment::from(Toml::string(text)).extract().map_err(|e| CalendarError::Parse(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_calendar_covers_2025_to_2027() {
        let cal = HolidayCalendar::shipped().unwrap();
        assert_eq!(cal.years().collect::<Vec<_>>(), [2025, 2026, 2027]);
        assert!(cal.is_provisional(2027) && !cal.is_provisional(2026));
        // Spring Festival 2026, and the Saturday worked to make up for it.
        assert!(!cal.is_working_day(d("2026-02-16")).unwrap());
        assert!(cal.is_working_day(d("2026-02-14")).unwrap());
        assert!(!cal.is_working_day(d("2026-02-21")).unwrap(), "a weekend inside the break");
        assert!(cal.is_working_day(d("2026-02-24")).unwrap());
        assert!(!cal.is_working_day(d("2025-10-08")).unwrap());
        assert!(cal.is_working_day(d("2025-10-11")).unwrap());
        assert_eq!(cal.is_working_day(d("2028-01-03")), Err(CalendarError::NotCovered(2028)));
    }

    #[test]
    fn bad_files_are_refused() {
        let backwards = "[[year]]\nyear = 2025\nprovisional = false\nholidays = [[\"2025-02-04\", \"2025-01-28\"]]\nworkdays = []\n";
        assert!(matches!(HolidayCalendar::parse(backwards), Err(CalendarError::Invalid(2025, _))));
        let weekday_makeup =
            "[[year]]\nyear = 2025\nprovisional = false\nholidays = []\nworkdays = [\"2025-01-27\"]\n";
        assert!(HolidayCalendar::parse(weekday_makeup).is_err());
        assert!(matches!(HolidayCalendar::parse("nonsense"), Err(CalendarError::Parse(_))));
    }
}
