//! Login throttling per account and per source address (WEB-91): after `after` failures in a
//! row, each attempt waits 2^(n - after) seconds (at most 60) from the last failure.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Throttle {
    after: u32,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub fn new(after: u32) -> Self {
        Throttle { after, failures: Mutex::default() }
    }

    /// How long an attempt on these keys must still wait.
    pub fn delay(&self, keys: &[String]) -> Duration {
        let map = self.failures.lock().expect("the throttle lock is never poisoned");
        keys.iter()
            .filter_map(|k| map.get(k))
            .map(|(n, last)| {
                if *n < self.after {
                    return Duration::ZERO;
                }
                let wait = Duration::from_secs(1u64 << (n - self.after).min(6)).min(Duration::from_secs(60));
                wait.saturating_sub(last.elapsed())
            })
            .max()
            .unwrap_or_default()
    }

    pub fn failed(&self, keys: &[String]) {
        let mut map = self.failures.lock().expect("the throttle lock is never poisoned");
        if map.len() > 100_000 {
            map.retain(|_, (_, last)| last.elapsed() < Duration::from_secs(3600));
        }
        for k in keys {
            let entry = map.entry(k.clone()).or_insert((0, Instant::now()));
            entry.0 += 1;
            entry.1 = Instant::now();
        }
    }

    pub fn succeeded(&self, keys: &[String]) {
        let mut map = self.failures.lock().expect("the throttle lock is never poisoned");
        keys.iter().for_each(|k| {
            map.remove(k);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_makes_the_next_attempt_wait() {
        let t = Throttle::new(5);
        let keys = vec!["user:admin".to_string()];
        for _ in 0..5 {
            assert_eq!(t.delay(&keys), Duration::ZERO);
            t.failed(&keys);
        }
        assert!(t.delay(&keys) > Duration::from_millis(900));
        t.succeeded(&keys);
        assert_eq!(t.delay(&keys), Duration::ZERO);
    }
}
