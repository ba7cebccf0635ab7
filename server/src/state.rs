//! What every request can reach: the use cases' context, and the HTTP edge's own keys.

use std::ops::Deref;

use crate::auth::throttle::SignInGuards;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::service::Context;

/// Shared, read-mostly state: the use cases' [`Context`] and what only the edge uses. A handler
/// hands `&state` to a use case, which sees the context alone (through `Deref`).
pub struct AppState {
    pub ctx: Context,
    pub config: Config,
    pub tokens: TokenKeys,
    /// Sign-in throttling and the password-hashing pool.
    pub sign_in: SignInGuards,
    /// Where the outbox is delivered, if anywhere.
    pub webhook: Option<crate::delivery::Webhook>,
    /// This server's name among the deployment's (logs, metrics, job leases).
    pub instance: String,
}

impl Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}
