//! Rate limits on sign-in, uploads and pushes, per client address and per account, in fixed
//! windows counted in the database: every server behind the load balancer counts the same hits,
//! so adding servers does not multiply what a client may send. Within a window a client gets
//! `rate_limited` (429) with the seconds until the window ends as `Retry-After`.
//!
//! The per-account and per-username sign-in lockouts (`auth::throttle`) stay beside these: they
//! count failures, not requests.

use std::net::IpAddr;

use chrono::Utc;

use crate::db::coordination;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::Context;

/// What is being limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    SignIn,
    Upload,
    Push,
}

impl Limited {
    fn as_str(self) -> &'static str {
        match self {
            Limited::SignIn => "sign_in",
            Limited::Upload => "upload",
            Limited::Push => "push",
        }
    }
}

/// Counts one request of `what` from `address` (and `account`, when the request names one), and
/// refuses it once either has used its window's allowance. A limit of 0 is no limit.
pub async fn admit(ctx: &Context, what: Limited, address: IpAddr, account: Option<String>) -> AppResult<()> {
    let c = &ctx.limits;
    let (per_address, per_account) = match what {
        Limited::SignIn => (c.rate_sign_in_per_address, 0),
        Limited::Upload => (c.rate_uploads_per_address, c.rate_uploads_per_account),
        Limited::Push => (c.rate_pushes_per_address, c.rate_pushes_per_account),
    };
    let mut keys = Vec::new();
    if per_address > 0 {
        keys.push((format!("{}:ip:{address}", what.as_str()), per_address));
    }
    if let (Some(account), true) = (account, per_account > 0) {
        keys.push((format!("{}:user:{account}", what.as_str()), per_account));
    }
    if keys.is_empty() {
        return Ok(());
    }
    let window = i64::try_from(c.rate_window_secs).unwrap_or(60).max(1);
    let now = Utc::now().timestamp();
    let start = now - now.rem_euclid(window);
    let over = ctx
        .db
        .write(move |conn| {
            let mut over = false;
            for (key, limit) in &keys {
                let hits = coordination::hit(conn, key, start)?;
                over |= u32::try_from(hits).unwrap_or(u32::MAX) > *limit;
            }
            Ok::<_, AppError>(over)
        })
        .await?;
    if over {
        let retry = u64::try_from(start + window - now).unwrap_or(1).max(1);
        return Err(AppError::new(Code::RateLimited).retry_after(retry));
    }
    Ok(())
}
