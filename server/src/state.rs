//! What every request can reach.

use crate::auth::throttle::AddressThrottle;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::Db;
use crate::domain::calendar::HolidayCalendar;
use crate::domain::deadlines::DayCount;

/// Shared, read-mostly state.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub tokens: TokenKeys,
    pub address_throttle: AddressThrottle,
    pub rules: RuleSettings,
}

/// How the fund's clocks run in this deployment.
#[derive(Clone, Debug)]
pub struct RuleSettings {
    pub day_count: DayCount,
    pub calendar: HolidayCalendar,
    pub developer_reply_days: u32,
}

impl RuleSettings {
    /// From the configuration: the day count and the holiday calendar file, if any.
    pub fn from_config(config: &Config) -> anyhow::Result<RuleSettings> {
        let calendar = match &config.holiday_calendar {
            Some(path) => HolidayCalendar::parse(&std::fs::read_to_string(path)?)?,
            None => HolidayCalendar::shipped()?,
        };
        let day_count =
            if config.deadline_days == "working" { DayCount::Working } else { DayCount::Calendar };
        Ok(RuleSettings { day_count, calendar, developer_reply_days: config.developer_reply_days })
    }
}
