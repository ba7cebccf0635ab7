//! Delivers the outbox to the configured webhook, behind which an SMS or push gateway sends.
//!
//! Each outbox entry is one delivery with its own id (`X-Baoxiu-Delivery`), which stays the same
//! over retries so the receiver can drop duplicates: a delivery whose answer was lost is sent again
//! and must be taken once. The body is signed with HMAC-SHA256 over `timestamp.body`
//! (`X-Baoxiu-Timestamp`, `X-Baoxiu-Signature: sha256=<hex>`), so the receiver can check it came
//! from us and is fresh. A failure is retried with exponential backoff; after
//! `webhook_max_attempts` failures the entry is dead-lettered for an administrator
//! (`GET /admin/outbox?status=dead`, `POST /admin/outbox/{id}/retry`).
//!
//! Phone numbers travel in the body (the gateway needs them) and never in a log line.

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::config::Config;
use crate::db::{notify, Db};
use crate::error::AppResult;

/// Entries taken per round.
const BATCH: i64 = 50;
/// How long a taken entry is leased to its sender: longer than any delivery may take.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// The longest wait between two tries.
const MAX_BACKOFF_SECS: u64 = 3600;

/// The webhook and how to treat it, from the configuration.
#[derive(Clone)]
pub struct Webhook {
    url: String,
    secret: Vec<u8>,
    max_attempts: u32,
    backoff_secs: u64,
    poll: Duration,
    client: reqwest::Client,
}

impl Webhook {
    /// The configured webhook, or `None` when deliveries are not configured.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Webhook>> {
        let (Some(url), Some(secret)) = (&config.webhook_url, &config.webhook_secret) else {
            return Ok(None);
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.webhook_timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Some(Webhook {
            url: url.clone(),
            secret: secret.0.as_bytes().to_vec(),
            max_attempts: config.webhook_max_attempts,
            backoff_secs: config.webhook_backoff_secs,
            poll: Duration::from_secs(config.webhook_poll_secs),
            client,
        }))
    }
}

/// What the receiver gets for one delivery.
#[derive(Serialize)]
struct Payload<'a> {
    delivery_id: &'a str,
    /// `sms` or `push`.
    channel: &'a str,
    /// The phone number (SMS) or the device id (push).
    recipient: &'a str,
    /// The notice's stable code, e.g. `claim_filed`.
    kind: &'a str,
    /// The text to send, in Chinese.
    text: &'a str,
    claim_id: Option<&'a str>,
    created_at: chrono::DateTime<Utc>,
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // An HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// How long to wait after the `failures`-th failure: the base, doubled each time, at most an hour.
pub fn backoff(base_secs: u64, failures: u32) -> Duration {
    let factor = 1u64.checked_shl(failures.saturating_sub(1)).unwrap_or(u64::MAX);
    Duration::from_secs(base_secs.saturating_mul(factor).min(MAX_BACKOFF_SECS))
}

/// How one round went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub failed: usize,
    pub dead: usize,
}

/// Sends what is due now, once. Idempotent across senders: an entry is leased before it is sent.
pub async fn deliver_due(db: &Db, webhook: &Webhook) -> AppResult<Round> {
    let now = Utc::now().naive_utc();
    let lease_until = now + LEASE;
    let due = db.write(move |conn| notify::take_due(conn, now, lease_until, BATCH)).await?;
    let mut round = Round::default();
    for entry in due {
        let outcome = send(webhook, &entry).await;
        let id = entry.row.id.clone();
        let failures = u32::try_from(entry.row.attempts).unwrap_or(u32::MAX).saturating_add(1);
        match outcome {
            Ok(()) => {
                let at = Utc::now().naive_utc();
                db.write(move |conn| notify::delivered(conn, &id, at)).await?;
                round.sent += 1;
            }
            Err(error) => {
                let dead = failures >= webhook.max_attempts;
                let wait = chrono::Duration::from_std(backoff(webhook.backoff_secs, failures))
                    .unwrap_or(chrono::Duration::hours(1));
                let retry_at: NaiveDateTime = Utc::now().naive_utc() + wait;
                // The entry's id and the failure, never its recipient.
                tracing::warn!(delivery = %id, attempt = failures, dead, error = %error, "webhook delivery failed");
                db.write(move |conn| notify::failed(conn, &id, &error, retry_at, dead)).await?;
                if dead {
                    round.dead += 1;
                } else {
                    round.failed += 1;
                }
            }
        }
    }
    Ok(round)
}

/// Posts one delivery; `Err` says why it failed, in a form fit for the log and the admin list.
async fn send(webhook: &Webhook, entry: &notify::Due) -> Result<(), String> {
    let payload = Payload {
        delivery_id: &entry.row.id,
        channel: &entry.row.channel,
        recipient: &entry.row.recipient,
        kind: &entry.kind,
        text: &entry.row.body,
        claim_id: entry.claim_id.as_deref(),
        created_at: entry.row.created_at.and_utc(),
    };
    let body = serde_json::to_vec(&payload).map_err(|e| format!("encoding: {e}"))?;
    let timestamp = Utc::now().timestamp();
    let response = webhook
        .client
        .post(&webhook.url)
        .header("content-type", "application/json")
        .header("x-baoxiu-delivery", &entry.row.id)
        .header("x-baoxiu-timestamp", timestamp.to_string())
        .header("x-baoxiu-signature", signature(&webhook.secret, timestamp, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| if e.is_timeout() { "timeout".to_owned() } else { "connection failed".to_owned() })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

/// Delivers every `webhook_poll_secs` for as long as the server runs.
pub async fn run(db: Db, webhook: Webhook) {
    // The first round one period after start-up, not at once.
    let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + webhook.poll, webhook.poll);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        timer.tick().await;
        match deliver_due(&db, &webhook).await {
            Ok(Round { sent: 0, failed: 0, dead: 0 }) => {}
            Ok(round) => tracing::info!(
                sent = round.sent,
                failed = round.failed,
                dead = round.dead,
                "outbox delivered"
            ),
            Err(err) => tracing::warn!(error = %err, "outbox delivery round failed; will retry"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_an_hour() {
        let secs = |n| backoff(30, n).as_secs();
        assert_eq!([secs(1), secs(2), secs(3), secs(4)], [30, 60, 120, 240]);
        assert_eq!(secs(20), 3600);
        assert_eq!(secs(u32::MAX), 3600, "no overflow");
        assert_eq!(backoff(0, 5).as_secs(), 0);
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231-style check against an independent computation of the same construction.
        let sig = signature(b"key", 1_700_000_000, b"{}");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"key").unwrap();
        mac.update(b"1700000000.{}");
        assert_eq!(sig, format!("sha256={}", hex::encode(mac.finalize().into_bytes())));
        assert_ne!(sig, signature(b"other key", 1_700_000_000, b"{}"));
        assert_ne!(sig, signature(b"key", 1_700_000_001, b"{}"));
    }
}
