//! Values kept for a while in this server's memory, by key: the insights' figures, which take
//! longer to draw from 100,000 claims than a page may. Bounded: past its size the older half goes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a value is kept: the pages say when theirs was drawn.
pub const TTL: Duration = Duration::from_secs(60);

/// Values kept at once.
const KEPT: usize = 256;

/// Kept values by key, and a lock that lets one request draw a missing value at a time, so that a
/// burst of views of the same key draws it once.
pub struct Kept<T>(Arc<Mutex<Store<T>>>, Arc<Mutex<()>>);

/// Each key's value and when it was drawn.
type Store<T> = HashMap<String, (Instant, Arc<T>)>;

impl<T> Clone for Kept<T> {
    fn clone(&self) -> Self {
        Kept(self.0.clone(), self.1.clone())
    }
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept(Arc::default(), Arc::default())
    }
}

impl<T> Kept<T> {
    /// The value kept for `key`, if drawn less than [`TTL`] ago.
    pub fn get(&self, key: &str) -> Option<Arc<T>> {
        let kept = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.get(key).filter(|(at, _)| at.elapsed() < TTL).map(|(_, v)| v.clone())
    }

    /// Keeps `value` for `key`; when full, the older half goes first.
    pub fn put(&self, key: String, value: Arc<T>) {
        let mut kept = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.len() >= KEPT {
            let mut ages: Vec<Instant> = kept.values().map(|(at, _)| *at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            kept.retain(|_, (at, _)| *at > cut);
        }
        kept.insert(key, (Instant::now(), value));
    }

    /// Held while a missing value is drawn.
    pub fn drawing(&self) -> MutexGuard<'_, ()> {
        self.1.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_store_drops_its_older_half_and_keeps_what_it_was_given() {
        let kept: Kept<u32> = Kept::default();
        for n in 0..(KEPT as u32 + 10) {
            kept.put(format!("k{n}"), Arc::new(n));
        }
        assert!(kept.0.lock().unwrap().len() <= KEPT);
        assert_eq!(kept.get(&format!("k{}", KEPT + 9)).as_deref(), Some(&(KEPT as u32 + 9)));
        assert!(kept.get("k0").is_none());
    }
}
