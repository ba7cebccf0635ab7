//! Counting periods the way Chinese law does (民法典 Art. 200-204): the start day is not counted;
//! a period of years or months ends on the corresponding day, or on the month's last day where that
//! day does not exist (a period from 29 February ends on 28 February).

use chrono::{Months, NaiveDate};

/// The last day of a period of `years` counted from `start`.
pub fn years_after(start: NaiveDate, years: u32) -> Option<NaiveDate> {
    start.checked_add_months(Months::new(years.checked_mul(12)?))
}

/// The last day of a period of `days` counted from `start`.
pub fn days_after(start: NaiveDate, days: u32) -> Option<NaiveDate> {
    start.checked_add_days(chrono::Days::new(u64::from(days)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn years_end_on_the_corresponding_day() {
        assert_eq!(years_after(d("2022-06-30"), 2), Some(d("2024-06-30")));
        assert_eq!(years_after(d("2024-02-29"), 1), Some(d("2025-02-28")));
        assert_eq!(years_after(d("2024-02-29"), 4), Some(d("2028-02-29")));
        assert_eq!(days_after(d("2026-01-25"), 20), Some(d("2026-02-14")));
    }
}
