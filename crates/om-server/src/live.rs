//! Live job output: every job being run has a ring of its recent events in memory (4 MiB),
//! numbered by sequence, and a watch that wakes viewers. Browsers read it over SSE; a late
//! viewer starts from the ring, or from the database for what the ring no longer holds.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

/// The bytes of events a job keeps in memory for late viewers.
pub const RING_BYTES: usize = 4 << 20;

/// One event as viewers receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveItem {
    pub seq: i64,
    pub kind: String,
    pub json: String,
}

#[derive(Default)]
struct Ring {
    items: VecDeque<Arc<LiveItem>>,
    bytes: usize,
    last_seq: i64,
    finished: bool,
}

/// One job's live stream.
pub struct JobLive {
    ring: Mutex<Ring>,
    latest: watch::Sender<i64>,
}

/// What a viewer gets for "everything after seq N".
pub struct Catchup {
    pub items: Vec<Arc<LiveItem>>,
    /// Events after N that the ring no longer holds start at `items[0].seq`; read the rest
    /// from the database.
    pub gap: bool,
    pub finished: bool,
}

impl JobLive {
    fn new(last_seq: i64) -> JobLive {
        JobLive { ring: Mutex::new(Ring { last_seq, ..Default::default() }), latest: watch::channel(last_seq).0 }
    }

    /// Appends an event and returns its sequence number.
    pub fn push(&self, kind: &str, json: String) -> i64 {
        let mut ring = self.ring.lock().expect("the ring lock is never poisoned");
        ring.last_seq += 1;
        let seq = ring.last_seq;
        ring.bytes += json.len();
        ring.items.push_back(Arc::new(LiveItem { seq, kind: kind.to_string(), json }));
        while ring.bytes > RING_BYTES && ring.items.len() > 1 {
            let old = ring.items.pop_front().expect("not empty");
            ring.bytes -= old.json.len();
        }
        drop(ring);
        self.latest.send_replace(seq);
        seq
    }

    pub fn finish(&self) {
        self.ring.lock().expect("the ring lock is never poisoned").finished = true;
        self.latest.send_modify(|_| {});
    }

    pub fn last_seq(&self) -> i64 {
        self.ring.lock().expect("the ring lock is never poisoned").last_seq
    }

    /// Events after `after`.
    pub fn after(&self, after: i64) -> Catchup {
        let ring = self.ring.lock().expect("the ring lock is never poisoned");
        let first = ring.items.front().map(|i| i.seq).unwrap_or(ring.last_seq + 1);
        Catchup { items: ring.items.iter().filter(|i| i.seq > after).cloned().collect(), gap: after + 1 < first, finished: ring.finished }
    }

    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.latest.subscribe()
    }
}

/// Every live job of this process.
#[derive(Default)]
pub struct LiveHub {
    jobs: Mutex<HashMap<i64, Arc<JobLive>>>,
}

impl LiveHub {
    /// The job's stream, created (continuing after `last_seq`) if it has none.
    pub fn open(&self, job_id: i64, last_seq: i64) -> Arc<JobLive> {
        let mut jobs = self.jobs.lock().expect("the hub lock is never poisoned");
        Arc::clone(jobs.entry(job_id).or_insert_with(|| Arc::new(JobLive::new(last_seq))))
    }

    pub fn get(&self, job_id: i64) -> Option<Arc<JobLive>> {
        self.jobs.lock().expect("the hub lock is never poisoned").get(&job_id).cloned()
    }

    /// Forgets a finished job after `after`, leaving time for viewers to drain it.
    pub fn forget_later(self: &Arc<Self>, job_id: i64, after: Duration) {
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            hub.jobs.lock().expect("the hub lock is never poisoned").remove(&job_id);
        });
    }

    pub fn len(&self) -> usize {
        self.jobs.lock().expect("the hub lock is never poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_viewers_see_what_the_ring_holds_and_know_of_gaps() {
        let live = JobLive::new(0);
        let big = "x".repeat(RING_BYTES / 2);
        for _ in 0..4 {
            live.push("output", big.clone());
        }
        let all = live.after(0);
        assert!(all.gap, "the first events fell out of the ring");
        assert_eq!(all.items.last().map(|i| i.seq), Some(4));
        let tail = live.after(3);
        assert_eq!((tail.items.len(), tail.gap, tail.finished), (1, false, false));
        live.finish();
        assert!(live.after(4).finished);
    }
}
