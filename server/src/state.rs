//! What every request can reach.

use crate::auth::throttle::AddressThrottle;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::Db;

/// Shared, read-mostly state.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub tokens: TokenKeys,
    pub address_throttle: AddressThrottle,
}
