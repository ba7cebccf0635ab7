//! Failed sign-ins per client address, kept in memory.
//!
//! The per-account count lives in the database (it must survive restarts and hold across servers);
//! the per-address count is a first line against one machine guessing many accounts, and resets
//! with the process, which is acceptable for it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many tracked addresses, expired entries are swept so memory stays bounded.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    window_start: Instant,
    locked_until: Option<Instant>,
}

/// Counts failed sign-ins per address inside a window; too many lock the address for the window.
#[derive(Debug)]
pub struct AddressThrottle {
    entries: Mutex<HashMap<IpAddr, Entry>>,
    max_failures: u32,
    window: Duration,
}

impl AddressThrottle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        AddressThrottle { entries: Mutex::new(HashMap::new()), max_failures, window }
    }

    /// `Err(seconds)` while the address is locked.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<u32, u64> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(&ip) {
            Some(Entry { locked_until: Some(until), .. }) if *until > now => {
                Err(until.duration_since(now).as_secs().max(1))
            }
            Some(e) if now.duration_since(e.window_start) < self.window => Ok(e.failures),
            _ => Ok(0),
        }
    }

    /// Records a failure; returns the failures in the current window.
    pub fn fail(&self, ip: IpAddr, now: Instant) -> u32 {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() > SWEEP_ABOVE {
            let window = self.window;
            entries.retain(|_, e| {
                now.duration_since(e.window_start) < window || e.locked_until.is_some_and(|u| u > now)
            });
        }
        let entry = entries.entry(ip).or_insert(Entry { failures: 0, window_start: now, locked_until: None });
        if now.duration_since(entry.window_start) >= self.window {
            *entry = Entry { failures: 0, window_start: now, locked_until: None };
        }
        entry.failures += 1;
        if entry.failures >= self.max_failures {
            entry.locked_until = Some(now + self.window);
        }
        entry.failures
    }

    /// A successful sign-in from the address clears its count.
    pub fn succeed(&self, ip: IpAddr) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.get(&ip).is_some_and(|e| e.locked_until.is_none()) {
            entries.remove(&ip);
        }
    }
}

/// How long to hold back the answer to a failed sign-in: grows with the recent failures, so
/// guessing slows down long before the lock, capped at five seconds.
pub fn slowdown(recent_failures: u32, step_ms: u64) -> Duration {
    Duration::from_millis((step_ms * u64::from(recent_failures)).min(5_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_unlocks_after_the_window() {
        let t = AddressThrottle::new(3, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        assert_eq!(t.check(ip, t0), Ok(0));
        t.fail(ip, t0);
        t.fail(ip, t0);
        assert_eq!(t.check(ip, t0), Ok(2));
        t.fail(ip, t0);
        assert!(t.check(ip, t0).is_err());
        t.succeed(ip);
        assert!(t.check(ip, t0).is_err(), "a success does not lift a lock");
        assert_eq!(t.check(ip, t0 + Duration::from_secs(61)), Ok(0));
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(t.check(other, t0), Ok(0));
    }

    #[test]
    fn slowdown_grows_and_is_capped() {
        assert_eq!(slowdown(0, 250), Duration::ZERO);
        assert_eq!(slowdown(2, 250), Duration::from_millis(500));
        assert_eq!(slowdown(100, 250), Duration::from_secs(5));
    }
}
