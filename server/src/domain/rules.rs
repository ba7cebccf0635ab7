//! The rule settings of one deployment: how the fund's legal clocks run (Art. 17, 18, 24), the
//! holiday calendar they count on, the interest rates (Art. 27), and the regional seasons that
//! decide the heating and cooling warranties (Art. 18). Read once at start-up from the
//! configuration (`Config::rule_settings`); every rule that depends on the deployment takes them
//! from here.

use super::calendar::HolidayCalendar;
use super::coverage::SeasonSettings;
use super::deadlines::DayCount;
use super::defects::CodeList;
use super::fund::RateTable;
use super::recurrence::RecurrenceTable;

/// How the fund's rules run in this deployment.
#[derive(Clone, Debug)]
pub struct RuleSettings {
    pub day_count: DayCount,
    pub calendar: HolidayCalendar,
    pub developer_reply_days: u32,
    pub developer_repair_days: u32,
    pub inspection_days: u32,
    pub report_grace_days: u32,
    /// Demand-deposit rates for interest on the fund (Art. 27).
    pub rates: RateTable,
    /// The heating and cooling seasons, which end those systems' warranties (Art. 18).
    pub seasons: SeasonSettings,
    /// The defect code list claims are coded with.
    pub defect_codes: CodeList,
    /// The numbers of the recurring-defect rules (Art. 30 and the early warnings), per jurisdiction.
    pub recurrence: RecurrenceTable,
}
