//! Sign-in attempts per client address, kept in memory, and the bounded pool that password hashing
//! runs in.
//!
//! Attempts on a name from an address, and an account's failures from anywhere, are counted in the
//! database (`service::accounts`): they must hold across servers, and the lock is the pair's, so
//! nobody can lock an account's owner out from elsewhere. The per-address count here is a first
//! line against one machine guessing many accounts; it resets with the process, which is
//! acceptable for it.
//!
//! An attempt is counted *before* its password is hashed, so that a burst of concurrent guesses
//! cannot all be evaluated before the first failure is counted, and a success from the address
//! gives back only its own attempt: holding one good account does not reset the count between
//! rounds of guessing others.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

/// Above this many tracked keys, expired entries are swept; above `4 ×` this, new keys are counted
/// as locked until a sweep frees room, so memory stays bounded under a flood of fresh keys.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    attempts: u32,
    window_start: Instant,
    locked_until: Option<Instant>,
}

/// Counts sign-in attempts per key inside a window; too many lock the key for the window.
#[derive(Debug)]
pub struct Throttle<K> {
    entries: Mutex<HashMap<K, Entry>>,
    max_attempts: u32,
    window: Duration,
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    pub fn new(max_attempts: u32, window: Duration) -> Self {
        Throttle { entries: Mutex::new(HashMap::new()), max_attempts, window }
    }

    /// Counts an attempt before it is evaluated: `Ok(attempts)` in the window so far, this one
    /// included, or `Err(seconds)` while the key is locked (the attempt is then not evaluated).
    pub fn begin(&self, key: &K, now: Instant) -> Result<u32, u64> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() > SWEEP_ABOVE {
            let window = self.window;
            entries.retain(|_, e| {
                now.duration_since(e.window_start) < window || e.locked_until.is_some_and(|u| u > now)
            });
            if entries.len() > 4 * SWEEP_ABOVE && !entries.contains_key(key) {
                return Err(self.window.as_secs().max(1));
            }
        }
        let entry = entries.entry(key.clone()).or_insert(Entry {
            attempts: 0,
            window_start: now,
            locked_until: None,
        });
        if let Some(until) = entry.locked_until.filter(|u| *u > now) {
            return Err(until.duration_since(now).as_secs().max(1));
        }
        if now.duration_since(entry.window_start) >= self.window {
            *entry = Entry { attempts: 0, window_start: now, locked_until: None };
        }
        if entry.attempts >= self.max_attempts {
            entry.locked_until = Some(now + self.window);
            return Err(self.window.as_secs().max(1));
        }
        entry.attempts += 1;
        Ok(entry.attempts)
    }

    /// A successful attempt gives back its own count, and nothing more: earlier failures stay.
    pub fn succeeded(&self, key: &K) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = entries.get_mut(key) {
            entry.attempts = entry.attempts.saturating_sub(1);
        }
    }

    /// Whether the key is locked now.
    pub fn is_locked(&self, key: &K, now: Instant) -> Option<u64> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .and_then(|e| e.locked_until)
            .filter(|u| *u > now)
            .map(|u| u.duration_since(now).as_secs().max(1))
    }
}

/// The attempts per client address.
pub type AddressThrottle = Throttle<IpAddr>;

/// What stands between a sign-in and its password check.
#[derive(Debug)]
pub struct SignInGuards {
    /// Attempts per client address.
    pub addresses: AddressThrottle,
    /// Where passwords are hashed.
    pub hashing: HashingPool,
}

impl SignInGuards {
    pub fn from_config(config: &crate::config::Config) -> SignInGuards {
        let window = Duration::from_secs(config.login_lockout_secs);
        let pool = config.password_hashing_pool.unwrap_or_else(|| {
            std::thread::available_parallelism().map(std::num::NonZeroUsize::get).unwrap_or(2)
        });
        SignInGuards {
            addresses: Throttle::new(config.login_max_failures_per_address, window),
            hashing: HashingPool::new(pool, Duration::from_secs(10)),
        }
    }
}

/// How long to hold back the answer to a failed sign-in: grows with the recent failures, so
/// guessing slows down long before the lock, capped at five seconds.
pub fn slowdown(recent_failures: u32, step_ms: u64) -> Duration {
    Duration::from_millis((step_ms * u64::from(recent_failures)).min(5_000))
}

/// The client's address: the peer's, or behind `trusted_hops` proxies of our own, the address the
/// outermost of them saw, which is the `trusted_hops`-th entry of `X-Forwarded-For` counted from
/// the right (each proxy appends the address it received from). Entries further left were written
/// by the client and are never believed; a header with fewer entries than proxies did not come
/// through them all, and the peer's address is used.
pub fn client_address(peer: Option<IpAddr>, forwarded_for: &[&str], trusted_hops: usize) -> IpAddr {
    let unspecified = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
    if trusted_hops == 0 {
        return peer.unwrap_or(unspecified);
    }
    let entries: Vec<&str> =
        forwarded_for.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|e| !e.is_empty()).collect();
    entries
        .len()
        .checked_sub(trusted_hops)
        .and_then(|i| entries[i].parse().ok())
        .or(peer)
        .unwrap_or(unspecified)
}

/// Password hashing (argon2id, 19 MiB and some 30 ms of one core each) runs on a few threads of its
/// own, one per core, so a flood of sign-ins queues for them instead of taking memory and every
/// core. Dedicated threads matter for memory too: the allocator keeps a freed 19 MiB block in the
/// arena of the thread that used it, so hashing on whichever blocking thread is free would leave
/// one such block behind in every arena.
#[derive(Debug)]
pub struct HashingPool {
    jobs: std::sync::mpsc::Sender<Job>,
    places: Semaphore,
    wait: Duration,
}

type Job = Box<dyn FnOnce() + Send>;

/// The pool has no room within its wait: the answer is 503 with `Retry-After`.
#[derive(Debug)]
pub struct PoolBusy;

impl HashingPool {
    /// `size` threads; a job waits at most `wait` for one of them.
    pub fn new(size: usize, wait: Duration) -> HashingPool {
        let size = size.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for i in 0..size {
            let queue = queue.clone();
            let spawned =
                std::thread::Builder::new().name(format!("password-hash-{i}")).spawn(move || loop {
                    // The threads end when the pool (the only sender) is dropped.
                    let job = match queue.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    };
                    // A job that panics fails its own request (its answer is dropped), never the
                    // thread.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password-hashing thread");
            }
        }
        HashingPool { jobs, places: Semaphore::new(size), wait }
    }

    /// Runs `work` on one of the pool's threads once one is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolBusy> {
        // One place per thread: a job is handed over only when a thread is free for it, so the
        // queue between them never holds more than the threads.
        let place = tokio::time::timeout(self.wait, self.places.acquire())
            .await
            .map_err(|_| PoolBusy)?
            .map_err(|_| PoolBusy)?;
        let (answer, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = answer.send(work());
            }))
            .map_err(|_| PoolBusy)?;
        let result = result.await.map_err(|_| PoolBusy);
        drop(place);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_before_evaluating_locks_at_the_limit_and_unlocks_after_the_window() {
        let t = AddressThrottle::new(3, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        assert_eq!(t.begin(&ip, t0), Ok(1));
        assert_eq!(t.begin(&ip, t0), Ok(2));
        assert_eq!(t.begin(&ip, t0), Ok(3));
        assert!(t.begin(&ip, t0).is_err(), "the fourth attempt is not evaluated");
        t.succeeded(&ip);
        assert!(t.begin(&ip, t0).is_err(), "a success does not lift a lock");
        assert_eq!(t.begin(&ip, t0 + Duration::from_secs(61)), Ok(1));
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(t.begin(&other, t0), Ok(1));
    }

    #[test]
    fn a_success_gives_back_only_its_own_attempt() {
        let t = AddressThrottle::new(4, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            t.begin(&ip, t0).unwrap();
        }
        // A good sign-in in between: counted, then given back.
        assert_eq!(t.begin(&ip, t0), Ok(4));
        t.succeeded(&ip);
        assert_eq!(t.begin(&ip, t0), Ok(4), "the three failures still count");
        assert!(t.begin(&ip, t0).is_err());
    }

    #[test]
    fn slowdown_grows_and_is_capped() {
        assert_eq!(slowdown(0, 250), Duration::ZERO);
        assert_eq!(slowdown(2, 250), Duration::from_millis(500));
        assert_eq!(slowdown(100, 250), Duration::from_secs(5));
    }

    #[test]
    fn the_client_address_is_taken_from_the_trusted_hops_only() {
        let peer: Option<IpAddr> = Some("10.0.0.9".parse().unwrap());
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // No trusted proxy: the header is the client's own word and is ignored.
        assert_eq!(client_address(peer, &["1.2.3.4"], 0), ip("10.0.0.9"));
        // One proxy: the entry it appended, not the one the client wrote before it.
        assert_eq!(client_address(peer, &["6.6.6.6, 203.0.113.7"], 1), ip("203.0.113.7"));
        // Two proxies, the header split over two lines.
        assert_eq!(client_address(peer, &["6.6.6.6, 203.0.113.7", "10.0.0.2"], 2), ip("203.0.113.7"));
        // Fewer entries than proxies, or garbage: the peer.
        assert_eq!(client_address(peer, &[], 1), ip("10.0.0.9"));
        assert_eq!(client_address(peer, &["not-an-address"], 1), ip("10.0.0.9"));
    }

    #[tokio::test]
    async fn the_pool_runs_at_most_its_size_at_once_and_gives_up_after_its_wait() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let pool = Arc::new(HashingPool::new(2, Duration::from_millis(300)));
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs = (0..6).map(|_| {
            let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(100));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
                .is_ok()
            })
        });
        let done: Vec<bool> =
            futures_util::future::join_all(jobs).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(most.load(Ordering::SeqCst), 2);
        // Six jobs of 100 ms on two threads: the last pair waits 200 ms, within the 300 ms wait.
        assert!(done.iter().all(|d| *d), "{done:?}");
        // A job that panics answers busy and leaves its thread working.
        let one = HashingPool::new(1, Duration::from_millis(500));
        assert!(one.run(|| panic!("argon2 failed")).await.is_err());
        assert_eq!(one.run(|| 7).await.ok(), Some(7));
        let slow = HashingPool::new(1, Duration::from_millis(50));
        let blocker = slow.run(|| std::thread::sleep(Duration::from_millis(300)));
        let late = slow.run(|| ());
        let (first, second) = tokio::join!(blocker, late);
        assert!(first.is_ok() && second.is_err(), "the second gives up after its wait");
    }
}
