//! What every request can reach.

use crate::auth::throttle::SignInGuards;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::Db;
use std::sync::Arc;

use crate::domain::rules::RuleSettings;
use crate::media::Media;

/// Shared, read-mostly state.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub tokens: TokenKeys,
    /// Sign-in throttling and the password-hashing pool.
    pub sign_in: SignInGuards,
    pub rules: Arc<RuleSettings>,
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
