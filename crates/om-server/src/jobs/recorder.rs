//! The recorder of one job: takes the run's `om_core::Event`s (from the in-process runner or
//! a remote worker), numbers them, hands them to live viewers and the batched store writer,
//! keeps each host's output (first and last 512 KiB per stream) and ends hosts and the job.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use om_core::{Event, Stream};
use om_store::{CapturedStream, HostUpdate, Job, JobEventRecord, now_ms};

use crate::error::ApiError;
use crate::live::JobLive;
use crate::state::AppState;

/// Bytes kept from the start and from the end of each stream.
const HALF_CAP: usize = 512 << 10;
/// Hosts that started are written in one transaction once this many wait, or once the
/// first of them has waited `START_BATCH_WAIT` (a job of thousands of hosts would otherwise
/// commit once per host).
const START_BATCH: usize = 256;
const START_BATCH_WAIT: Duration = Duration::from_millis(200);

#[derive(Default)]
struct Capture {
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    total: usize,
}

impl Capture {
    fn push(&mut self, data: &[u8]) {
        self.total += data.len();
        let room = HALF_CAP.saturating_sub(self.head.len());
        let (head, rest) = data.split_at(room.min(data.len()));
        self.head.extend_from_slice(head);
        self.tail.extend(rest);
        while self.tail.len() > HALF_CAP {
            self.tail.pop_front();
        }
    }

    fn truncated(&self) -> bool {
        self.total > self.head.len() + self.tail.len()
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = self.head.clone();
        if self.truncated() {
            out.extend_from_slice(format!("\n[… {} bytes omitted by om …]\n", self.total - self.head.len() - self.tail.len()).as_bytes());
        }
        out.extend(self.tail.iter());
        out
    }
}

pub struct Recorder {
    state: AppState,
    job_id: i64,
    live: Arc<JobLive>,
    output: HashMap<(String, bool), Capture>,
    started: HashSet<String>,
    start_times: HashMap<String, i64>,
    /// Started hosts not yet written, and since when the first of them waits.
    pending_starts: Vec<(String, i64)>,
    pending_since: Option<Instant>,
    /// A playbook run (`run_started` of kind `play`): hosts have a result per task and end
    /// with the recap.
    play: bool,
    /// A playbook host's last failure, for its message.
    failures: HashMap<String, String>,
}

impl Recorder {
    /// A recorder for `job`, continuing its numbering if events were already stored.
    pub async fn new(state: &AppState, job: &Job) -> Result<Recorder, ApiError> {
        let live = match state.live.get(job.id) {
            Some(live) => live,
            None => {
                let stored = state.store.job_events(job.id, 0, i64::MAX).await?;
                state.live.open(job.id, stored.last().map(|e| e.seq).unwrap_or(0))
            }
        };
        Ok(Recorder {
            state: state.clone(),
            job_id: job.id,
            live,
            output: HashMap::new(),
            started: HashSet::new(),
            start_times: HashMap::new(),
            pending_starts: Vec::new(),
            pending_since: None,
            play: false,
            failures: HashMap::new(),
        })
    }

    async fn publish(&self, kind: &str, host: &str, json: String) -> Result<(), ApiError> {
        let seq = self.live.push(kind, json.clone());
        let record = JobEventRecord { job_id: self.job_id, seq, ts: now_ms(), host: host.to_string(), kind: kind.to_string(), data: json };
        self.state.writer.send(record).await?;
        self.state.metrics.events.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Takes one event of the run.
    pub async fn event(&mut self, event: &Event) -> Result<(), ApiError> {
        let (host, kind) = om_store::event_key(event);
        let json = serde_json::to_string(event).map_err(|e| ApiError::Internal(e.to_string()))?;
        match event {
            Event::Output { host, stream, data, .. } => {
                self.host_started(host);
                self.output.entry((host.clone(), *stream == Stream::Stderr)).or_default().push(data.as_bytes());
            }
            Event::RunStarted { kind, .. } => self.play = kind == "play",
            // A host the job's cancel stopped stays open: `finish` ends it `cancelled`.
            Event::HostResult { outcome, .. } if outcome.error.as_ref().is_some_and(|e| e.phase == om_core::Phase::Cancelled) => {}
            Event::HostResult { host, outcome, .. } if self.play => {
                self.host_started(host);
                if matches!(outcome.status, om_core::Status::Failed | om_core::Status::Unreachable) {
                    self.failures.insert(host.clone(), message(outcome));
                }
            }
            Event::HostResult { host, outcome, .. } => {
                let rc = outcome.result.get("rc").and_then(|v| v.as_i64());
                self.host_finished(host, outcome.status, rc, message(outcome), outcome.elapsed_us, &outcome.result).await?
            }
            Event::RunFinished { recap, .. } if self.play => {
                for (host, counts) in &recap.hosts {
                    let status = recap_status(counts);
                    let message = self.failures.remove(host).unwrap_or_default();
                    self.host_finished(host, status, None, message, 0, &om_core::Vars::new()).await?;
                }
            }
            _ => {}
        }
        self.publish(&kind, &host, json).await?;
        if self.pending_starts.len() >= START_BATCH || self.pending_since.is_some_and(|t| t.elapsed() >= START_BATCH_WAIT) {
            self.flush_starts().await?;
        }
        Ok(())
    }

    /// Marks a host as running (its first sign of life); written with the next batch.
    fn host_started(&mut self, host: &str) {
        if self.started.insert(host.to_string()) {
            let now = now_ms();
            self.start_times.insert(host.to_string(), now);
            self.pending_starts.push((host.to_string(), now));
            self.pending_since.get_or_insert_with(Instant::now);
        }
    }

    /// Writes the started hosts that wait, if any. The runner calls it when no event came for
    /// a while, so a host is never shown pending for long after it started.
    pub async fn flush_starts(&mut self) -> Result<(), ApiError> {
        self.pending_since = None;
        if self.pending_starts.is_empty() {
            return Ok(());
        }
        let hosts = std::mem::take(&mut self.pending_starts);
        self.state.store.hosts_started(self.job_id, &hosts).await?;
        Ok(())
    }

    async fn host_finished(
        &mut self,
        host: &str,
        status: om_core::Status,
        rc: Option<i64>,
        message: String,
        elapsed_us: u64,
        result: &om_core::Vars,
    ) -> Result<(), ApiError> {
        // Results that carry their output (native modules) but streamed none.
        for (key, stream) in [("stdout", Stream::Stdout), ("stderr", Stream::Stderr)] {
            if let Some(text) = result.get(key).and_then(|v| v.as_str())
                && !text.is_empty()
                && !self.output.contains_key(&(host.to_string(), stream == Stream::Stderr))
            {
                self.output.entry((host.to_string(), stream == Stream::Stderr)).or_default().push(text.as_bytes());
            }
        }
        let mut bytes = 0;
        let mut truncated = false;
        let mut outputs = Vec::new();
        for stream in [Stream::Stdout, Stream::Stderr] {
            if let Some(capture) = self.output.remove(&(host.to_string(), stream == Stream::Stderr)) {
                bytes += capture.total as i64;
                truncated |= capture.truncated();
                let name = if stream == Stream::Stdout { "stdout" } else { "stderr" };
                outputs.push(CapturedStream { stream: name.into(), data: capture.bytes(), truncated: capture.truncated() });
            }
        }
        let now = now_ms();
        let update = HostUpdate {
            status: status.as_str().to_string(),
            rc,
            started_at: Some(self.start_times.get(host).copied().unwrap_or(now - (elapsed_us / 1000) as i64)),
            finished_at: Some(now),
            output_bytes: bytes,
            truncated,
            message,
            outputs,
        };
        self.state.store.host_finished(self.job_id, host, &update).await?;
        Ok(())
    }

    /// Ends the job. `status` empty means "from the hosts' results"; hosts without an end
    /// become `open_hosts`.
    pub async fn finish(mut self, status: &str, open_hosts: &str, reason: &str) -> Result<Job, ApiError> {
        self.flush_starts().await?;
        self.state.writer.flush().await?;
        let job = self.state.store.finish_job(self.job_id, status, open_hosts, reason).await?;
        let summary = serde_json::json!({
            "event": "job_finished", "status": job.status, "reason": job.reason, "counts": job.counts, "hosts_total": job.hosts_total,
        });
        self.publish("job_finished", "", summary.to_string()).await?;
        self.state.writer.flush().await?;
        self.live.finish();
        self.state.live.forget_later(self.job_id, Duration::from_secs(120));
        tracing::info!(job = job.id, status = %job.status, "job finished");
        Ok(job)
    }
}

/// What a host's result says went wrong, if anything.
fn message(outcome: &om_core::Outcome) -> String {
    outcome
        .error
        .as_ref()
        .map(|e| e.to_string())
        .or_else(|| outcome.result.get("msg").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_default()
}

/// A playbook host's status from its recap line, the worst first.
fn recap_status(counts: &om_core::HostCounts) -> om_core::Status {
    use om_core::Status;
    if counts.unreachable > 0 {
        Status::Unreachable
    } else if counts.failed > 0 {
        Status::Failed
    } else if counts.changed > 0 {
        Status::Changed
    } else if counts.ok > 0 {
        Status::Ok
    } else {
        Status::Skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_keeps_its_first_and_last_512_kib_with_a_marker() {
        let data: Vec<u8> = (0..3 * HALF_CAP).map(|i| (i % 251) as u8).collect();
        let mut capture = Capture::default();
        for chunk in data.chunks(7_000) {
            capture.push(chunk);
        }
        assert!(capture.truncated());
        let kept = capture.bytes();
        let marker = format!("\n[… {} bytes omitted by om …]\n", HALF_CAP);
        assert_eq!(&kept[..HALF_CAP], &data[..HALF_CAP]);
        assert_eq!(&kept[HALF_CAP..HALF_CAP + marker.len()], marker.as_bytes());
        assert_eq!(&kept[HALF_CAP + marker.len()..], &data[2 * HALF_CAP..]);

        let mut small = Capture::default();
        small.push(&data[..2 * HALF_CAP]);
        assert!(!small.truncated(), "exactly 1 MiB is kept whole");
        assert_eq!(small.bytes(), &data[..2 * HALF_CAP]);
    }
}
