//! What a use case reaches, and nothing more: the database, the rule settings, the evidence files,
//! the typeface documents are printed in, the deployment's limits, and the figures `/metrics`
//! reports. The HTTP edge's own keys (access tokens, sign-in throttling) are not here: they are the
//! edge's (`state.rs`), and only signing in and out reaches them.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
use crate::domain::rules::RuleSettings;
use crate::media::Media;
use crate::metrics::Metrics;
use crate::printing::Fonts;
use crate::service::console::QueueCounts;

/// The use cases' context.
pub struct Context {
    pub db: Db,
    pub rules: Arc<RuleSettings>,
    /// Evidence files: storage, inspection and derivatives.
    pub media: Media,
    /// The typeface documents are printed in; `None` when PDFs are turned off.
    pub fonts: Option<Fonts>,
    pub limits: Limits,
    pub metrics: Metrics,
    /// The console's queue counts, kept for a moment (`service::console`).
    pub queue_counts: QueueCounts,
    /// The insights' figures, kept a minute (`service::recurrence::insights`).
    pub insights: crate::service::recurrence::insights::InsightsCache,
}

/// The limits and addresses of this deployment that the use cases apply (`Config` holds them all).
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub plain_upload_max_bytes: u64,
    pub unattached_quota_bytes: u64,
    pub claim_quota_bytes: u64,
    pub upload_expiry_hours: u64,
    pub file_link_ttl_secs: u64,
    /// How long after a check-out a signature may still be recorded in person (Art. 22).
    pub in_person_signature_window_mins: u32,
    /// Where the server is reached: printed documents carry their verification address.
    pub public_url: String,
    /// Requests counted per window (`service::limits`); 0 is no limit.
    pub rate_window_secs: u64,
    pub rate_sign_in_per_address: u32,
    pub rate_uploads_per_account: u32,
    pub rate_uploads_per_address: u32,
    pub rate_pushes_per_account: u32,
    pub rate_pushes_per_address: u32,
}

impl Limits {
    pub fn from_config(config: &Config) -> Limits {
        Limits {
            max_file_bytes: config.max_file_bytes,
            plain_upload_max_bytes: config.plain_upload_max_bytes,
            unattached_quota_bytes: config.unattached_quota_bytes,
            claim_quota_bytes: config.claim_quota_bytes,
            upload_expiry_hours: config.upload_expiry_hours,
            file_link_ttl_secs: config.file_link_ttl_secs,
            in_person_signature_window_mins: config.in_person_signature_window_mins,
            public_url: config.public_url.clone(),
            rate_window_secs: config.rate_window_secs,
            rate_sign_in_per_address: config.rate_sign_in_per_address,
            rate_uploads_per_account: config.rate_uploads_per_account,
            rate_uploads_per_address: config.rate_uploads_per_address,
            rate_pushes_per_account: config.rate_pushes_per_account,
            rate_pushes_per_address: config.rate_pushes_per_address,
        }
    }
}
