//! What every request can reach.

use crate::auth::throttle::SignInGuards;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::Db;
use crate::domain::calendar::HolidayCalendar;
use crate::domain::deadlines::DayCount;
use crate::domain::fund::RateTable;
use crate::media::Media;

/// Shared, read-mostly state.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub tokens: TokenKeys,
    /// Sign-in throttling and the password-hashing pool.
    pub sign_in: SignInGuards,
    pub rules: RuleSettings,
    /// Evidence files: storage, inspection and derivatives.
    pub media: Media,
    /// Where the outbox is delivered, if anywhere.
    pub webhook: Option<crate::delivery::Webhook>,
    /// The console's queue counts, kept for a moment (`service::console`).
    pub queue_counts: crate::service::console::QueueCounts,
    /// The typeface documents are printed in; `None` when PDFs are turned off.
    pub fonts: Option<crate::printing::Fonts>,
    /// This server's name among the deployment's (logs, metrics, job leases).
    pub instance: String,
    /// What `/metrics` reports.
    pub metrics: crate::metrics::Metrics,
}

/// How the fund's clocks run in this deployment.
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
        let rates = match &config.interest_rates {
            Some(path) => RateTable::parse(&std::fs::read_to_string(path)?)?,
            None => RateTable::shipped()?,
        };
        Ok(RuleSettings {
            day_count,
            calendar,
            developer_reply_days: config.developer_reply_days,
            developer_repair_days: config.developer_repair_days,
            inspection_days: config.inspection_days,
            report_grace_days: config.report_grace_days,
            rates,
        })
    }
}
