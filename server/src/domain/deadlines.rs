//! The clocks the fund's rules set (Art. 11, 23, 26, 27, 29), counted on Asia/Shanghai dates.
//!
//! A period of N days starting at an instant ends at the close of the N-th day after the local date
//! of that instant (the start day is not counted, 民法典 Art. 201). In working-day mode only working
//! days count, so the deadline is always a working day.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use serde::{Deserialize, Serialize};

use super::articles::Article;
use super::calendar::{CalendarError, HolidayCalendar};
use super::periods::{days_after, years_after};
use super::text_enum;

text_enum! {
    /// The legal clocks a claim or a deposit runs against.
    pub enum Clock {
        /// Pay within 20 days of receiving the cost sheet (Art. 23).
        Payout = "payout",
        /// Tell the developer what was used within 30 days of settlement (Art. 26).
        UsageNotice = "usage_notice",
        /// The developer may object to the notified deposit within 7 days (Art. 11).
        DepositObjection = "deposit_objection",
        /// Refund within 30 days after a category's warranty expires (Art. 29).
        Refund = "refund",
        /// Keep the fund at most 5 years (Art. 27).
        Custody = "custody",
    }
}

/// How long a clock runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Length {
    Days(u32),
    Years(u32),
}

impl Clock {
    /// The clock's length by the rules.
    pub fn length(self) -> Length {
        match self {
            Clock::Payout => Length::Days(20),
            Clock::UsageNotice | Clock::Refund => Length::Days(30),
            Clock::DepositObjection => Length::Days(7),
            Clock::Custody => Length::Years(5),
        }
    }

    /// The article that sets it.
    pub fn article(self) -> Article {
        match self {
            Clock::Payout => Article::PAYOUT,
            Clock::UsageNotice => Article::USAGE_NOTICE,
            Clock::DepositObjection => Article::DEPOSIT_OBJECTION,
            Clock::Refund => Article::REFUND,
            Clock::Custody => Article::CUSTODY_AND_INTEREST,
        }
    }
}

/// Calendar days (the default) or working days (a deployment setting).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayCount {
    #[default]
    Calendar,
    Working,
}

/// The Asia/Shanghai date of an instant.
pub fn shanghai_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&Shanghai).date_naive()
}

/// A due date, and whether it rests on a provisional holiday calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    pub clock: Clock,
    /// The last day on which the duty is still on time.
    pub due_on: NaiveDate,
    /// True when working days were counted through a year whose holidays are not yet published.
    pub provisional: bool,
}

/// Why a due date cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The date arithmetic left the representable range: the start is absurd.
    #[error("the start date is out of range")]
    OutOfRange,
}

/// The due date of `clock` starting on the local date `start`.
pub fn due_from(
    clock: Clock,
    start: NaiveDate,
    count: DayCount,
    calendar: &HolidayCalendar,
) -> Result<Due, DeadlineError> {
    let mut provisional = false;
    let due_on = match (clock.length(), count) {
        (Length::Years(n), _) => years_after(start, n).ok_or(DeadlineError::OutOfRange)?,
        (Length::Days(n), DayCount::Calendar) => days_after(start, n).ok_or(DeadlineError::OutOfRange)?,
        (Length::Days(n), DayCount::Working) => {
            let mut day = start;
            let mut counted = 0;
            while counted < n {
                day = day.succ_opt().ok_or(DeadlineError::OutOfRange)?;
                provisional |= calendar.is_provisional(chrono::Datelike::year(&day));
                if calendar.is_working_day(day)? {
                    counted += 1;
                }
            }
            day
        }
    };
    Ok(Due { clock, due_on, provisional })
}

/// The due date of `clock` started at `instant`.
pub fn due(
    clock: Clock,
    instant: DateTime<Utc>,
    count: DayCount,
    calendar: &HolidayCalendar,
) -> Result<Due, DeadlineError> {
    due_from(clock, shanghai_date(instant), count, calendar)
}

/// Has a period that ends on `due_on` passed by `today`? Not while its last day lasts, and never
/// for a period not started. The developer is silent only after its reply date (Art. 17).
pub fn period_over(due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    due_on.is_some_and(|due| today > due)
}

/// Why a payment date is refused (Art. 23, 26).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettlementRefused {
    /// The money cannot have moved on a day still to come.
    #[error("the payment date is in the future")]
    InTheFuture,
    /// The bureau cannot have paid a cost sheet before it received it (Art. 23).
    #[error("the payment date is before the bureau received the cost sheet")]
    BeforeReceipt,
}

/// The settlement date of a payout (Art. 26) is the day the money was paid, which is entered as
/// `paid_on`: never after `today`, never before the bureau received the cost sheet on
/// `received_on` (Art. 23). The usage-notice clock then runs from `paid_on`, not from the day the
/// payment was recorded.
pub fn check_settlement(
    paid_on: NaiveDate,
    received_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), SettlementRefused> {
    if paid_on > today {
        return Err(SettlementRefused::InTheFuture);
    }
    if paid_on < received_on {
        return Err(SettlementRefused::BeforeReceipt);
    }
    Ok(())
}

/// Where a deadline stands today: due when, days left, overdue by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub due_on: NaiveDate,
    /// Calendar days from today to the due date; 0 on the day itself and after it.
    pub days_left: i64,
    /// Calendar days past the due date; 0 until then.
    pub overdue_by: i64,
}

/// Where `due_on` stands on the Asia/Shanghai date of `now`.
pub fn standing(due_on: NaiveDate, now: DateTime<Utc>) -> Standing {
    let today = shanghai_date(now);
    let delta = (due_on - today).num_days();
    Standing { due_on, days_left: delta.max(0), overdue_by: (-delta).max(0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn cal() -> HolidayCalendar {
        HolidayCalendar::shipped().unwrap()
    }

    #[test]
    fn art_23_payout_in_calendar_days_on_shanghai_dates() {
        // Received 10:00 on 3 March 2026 in Jinan: due 23 March.
        let due = due(Clock::Payout, t("2026-03-03T02:00:00Z"), DayCount::Calendar, &cal()).unwrap();
        assert_eq!(due.due_on, d("2026-03-23"));
        // Received 23:30 UTC on 3 March is already 4 March in Jinan: due 24 March.
        let late = super::due(Clock::Payout, t("2026-03-03T23:30:00Z"), DayCount::Calendar, &cal()).unwrap();
        assert_eq!(late.due_on, d("2026-03-24"));
    }

    #[test]
    fn every_clock_has_its_length_and_article() {
        let start = d("2026-01-10");
        let c = cal();
        let on = |clock| due_from(clock, start, DayCount::Calendar, &c).unwrap().due_on;
        assert_eq!(on(Clock::Payout), d("2026-01-30"));
        assert_eq!(on(Clock::UsageNotice), d("2026-02-09"));
        assert_eq!(on(Clock::DepositObjection), d("2026-01-17"));
        assert_eq!(on(Clock::Refund), d("2026-02-09"));
        assert_eq!(on(Clock::Custody), d("2031-01-10"));
        let articles: Vec<u8> = Clock::ALL.iter().map(|c| c.article().0).collect();
        assert_eq!(articles, [23, 26, 11, 29, 27]);
    }

    #[test]
    fn working_days_skip_the_spring_festival() {
        // Cost sheet received Friday 6 February 2026. Working days after it: 9-13 Feb (5), Sat 14
        // Feb (make-up, 6), 15-23 Feb holiday, 24-27 Feb (10), Sat 28 Feb (make-up, 11), 2-6 Mar
        // (16), 9-12 Mar (20).
        let due = due_from(Clock::Payout, d("2026-02-06"), DayCount::Working, &cal()).unwrap();
        assert_eq!(due.due_on, d("2026-03-12"));
        assert!(!due.provisional);
        // Calendar mode would have said 26 February.
        assert_eq!(
            due_from(Clock::Payout, d("2026-02-06"), DayCount::Calendar, &cal()).unwrap().due_on,
            d("2026-02-26")
        );
    }

    #[test]
    fn working_days_into_an_unpublished_year_are_flagged_or_refused() {
        let due = due_from(Clock::UsageNotice, d("2026-12-20"), DayCount::Working, &cal()).unwrap();
        assert!(due.provisional);
        assert_eq!(
            due_from(Clock::UsageNotice, d("2027-12-20"), DayCount::Working, &cal()),
            Err(DeadlineError::Calendar(CalendarError::NotCovered(2028)))
        );
    }

    #[test]
    fn art_17_a_period_is_over_only_after_its_last_day() {
        let due = Some(d("2026-03-10"));
        assert!(!period_over(due, d("2026-03-03")));
        assert!(!period_over(due, d("2026-03-10")), "the last day still counts");
        assert!(period_over(due, d("2026-03-11")));
        assert!(!period_over(None, d("2099-01-01")), "a period never started never ends");
    }

    #[test]
    fn art_26_settlement_is_the_payment_date_between_receipt_and_today() {
        let (received, today) = (d("2026-03-03"), d("2026-03-20"));
        assert_eq!(check_settlement(d("2026-03-03"), received, today), Ok(()));
        assert_eq!(check_settlement(d("2026-03-20"), received, today), Ok(()));
        assert_eq!(check_settlement(d("2026-03-02"), received, today), Err(SettlementRefused::BeforeReceipt));
        assert_eq!(check_settlement(d("2026-03-21"), received, today), Err(SettlementRefused::InTheFuture));
        // Paid on 5 March, entered on 20 March: the notice is due 30 days after the 5th.
        let due = due_from(Clock::UsageNotice, d("2026-03-05"), DayCount::Calendar, &cal()).unwrap();
        assert_eq!(due.due_on, d("2026-04-04"));
    }

    #[test]
    fn standing_counts_days_left_and_overdue() {
        let due_on = d("2026-03-23");
        assert_eq!(
            standing(due_on, t("2026-03-20T12:00:00Z")),
            Standing { due_on, days_left: 3, overdue_by: 0 }
        );
        assert_eq!(
            standing(due_on, t("2026-03-23T15:59:59Z")),
            Standing { due_on, days_left: 0, overdue_by: 0 }
        );
        // 16:00 UTC is midnight in Jinan: the next day, one day overdue.
        assert_eq!(
            standing(due_on, t("2026-03-23T16:00:00Z")),
            Standing { due_on, days_left: 0, overdue_by: 1 }
        );
    }

    proptest! {
        /// A deadline never falls before its start, and a working-day deadline is a working day,
        /// never a holiday.
        #[test]
        fn deadlines_are_after_their_start_and_working_ones_on_working_days(
            offset in 0i64..(3 * 365 - 60),
            clock in prop::sample::select(vec![Clock::Payout, Clock::UsageNotice, Clock::DepositObjection, Clock::Refund]),
        ) {
            let c = cal();
            let start = d("2025-01-01") + chrono::Duration::days(offset);
            let calendar_due = due_from(clock, start, DayCount::Calendar, &c).unwrap();
            prop_assert!(calendar_due.due_on > start);
            if let Ok(working) = due_from(clock, start, DayCount::Working, &c) {
                prop_assert!(working.due_on >= calendar_due.due_on);
                prop_assert!(c.is_working_day(working.due_on).unwrap());
                prop_assert!(!c.is_holiday(working.due_on));
            }
        }
    }
}
