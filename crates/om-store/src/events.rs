//! The batched event writer: job events reach `job_event` through one bounded channel,
//! drained in batches of up to 500 events or every 250 ms (WEB-61). A full channel makes the
//! sender wait; nothing is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::{Store, StoreError, now_ms};

/// Events per INSERT and per transaction.
pub const BATCH_EVENTS: usize = 500;
/// The longest an event waits before its batch is written.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(250);

/// One job event as it goes to the database.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEventRecord {
    pub job_id: i64,
    pub seq: i64,
    pub ts: i64,
    pub host: String,
    pub kind: String,
    /// The event as JSON.
    pub data: String,
}

enum Message {
    Event(JobEventRecord),
    Flush(oneshot::Sender<()>),
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub written: AtomicU64,
    pub batches: AtomicU64,
    pub failed: AtomicU64,
}

/// The sending side of the writer; cheap to clone.
#[derive(Clone)]
pub struct EventWriter {
    tx: mpsc::Sender<Message>,
    capacity: usize,
    stats: Arc<WriterStats>,
}

impl EventWriter {
    /// Starts the writer task on the current runtime with a channel of `capacity` events.
    pub fn start(store: Store, capacity: usize) -> EventWriter {
        let (tx, rx) = mpsc::channel(capacity);
        let stats = Arc::new(WriterStats::default());
        tokio::spawn(drain(store, rx, Arc::clone(&stats)));
        EventWriter { tx, capacity, stats }
    }

    /// Queues one event, waiting while the channel is full.
    pub async fn send(&self, event: JobEventRecord) -> Result<(), StoreError> {
        self.tx.send(Message::Event(event)).await.map_err(|_| StoreError::WriterClosed)
    }

    /// Queues one event from a thread outside the runtime (blocking while the channel is full).
    pub fn blocking_send(&self, event: JobEventRecord) -> Result<(), StoreError> {
        self.tx.blocking_send(Message::Event(event)).map_err(|_| StoreError::WriterClosed)
    }

    /// Returns once every event queued before the call is in the database.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let (done, wait) = oneshot::channel();
        self.tx.send(Message::Flush(done)).await.map_err(|_| StoreError::WriterClosed)?;
        wait.await.map_err(|_| StoreError::WriterClosed)
    }

    /// Events waiting in the channel, and its capacity.
    pub fn fill(&self) -> (usize, usize) {
        (self.capacity - self.tx.capacity(), self.capacity)
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }
}

async fn drain(store: Store, mut rx: mpsc::Receiver<Message>, stats: Arc<WriterStats>) {
    let mut batch: Vec<JobEventRecord> = Vec::with_capacity(BATCH_EVENTS);
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        let first = if batch.is_empty() { rx.recv().await } else { tokio::time::timeout(BATCH_INTERVAL, rx.recv()).await.unwrap_or(None) };
        let closed = match first {
            Some(Message::Event(e)) => {
                batch.push(e);
                false
            }
            Some(Message::Flush(done)) => {
                waiting.push(done);
                false
            }
            None => rx.is_closed(),
        };
        // Take whatever else is already queued, up to a batch.
        while batch.len() < BATCH_EVENTS {
            match rx.try_recv() {
                Ok(Message::Event(e)) => batch.push(e),
                Ok(Message::Flush(done)) => waiting.push(done),
                Err(_) => break,
            }
        }
        let due = batch.len() >= BATCH_EVENTS || !waiting.is_empty() || closed || first_timed_out(&batch);
        if due && !batch.is_empty() {
            write_batch(&store, &mut batch, &stats).await;
        }
        if batch.is_empty() {
            waiting.drain(..).for_each(|w| {
                let _ = w.send(());
            });
        }
        if closed && batch.is_empty() {
            return;
        }
    }
}

/// Whether the oldest event of the batch has waited a full interval.
fn first_timed_out(batch: &[JobEventRecord]) -> bool {
    batch.first().is_some_and(|e| now_ms() - e.ts >= BATCH_INTERVAL.as_millis() as i64)
}

async fn write_batch(store: &Store, batch: &mut Vec<JobEventRecord>, stats: &WriterStats) {
    let mut delay = Duration::from_millis(100);
    loop {
        match insert(store, batch).await {
            Ok(()) => {
                stats.written.fetch_add(batch.len() as u64, Ordering::Relaxed);
                stats.batches.fetch_add(1, Ordering::Relaxed);
                batch.clear();
                return;
            }
            Err(err) => {
                // The database may be restarting: keep the batch and retry with back-off;
                // the bounded channel makes the runners wait meanwhile.
                stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %err, events = batch.len(), "cannot store job events; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn insert(store: &Store, batch: &[JobEventRecord]) -> Result<(), sqlx::Error> {
    let values = vec!["(?, ?, ?, ?, ?, ?)"; batch.len()].join(", ");
    let sql = store.sql(format!("INSERT INTO job_event (job_id, seq, ts, host, kind, data) VALUES {values}"));
    let mut q = sqlx::query(sql);
    for e in batch {
        q = q.bind(e.job_id).bind(e.seq).bind(e.ts).bind(e.host.as_str()).bind(e.kind.as_str()).bind(e.data.as_str());
    }
    q.execute(&store.write).await?;
    Ok(())
}

/// An [`om_core::Sink`] that stores one job's events through the writer, for code that runs
/// the executor on a thread of its own (it blocks while the channel is full).
pub struct StoreSink {
    writer: EventWriter,
    job_id: i64,
    seq: i64,
}

impl StoreSink {
    pub fn new(writer: EventWriter, job_id: i64) -> Self {
        Self { writer, job_id, seq: 0 }
    }
}

impl om_core::Sink for StoreSink {
    fn event(&mut self, event: &om_core::Event) -> Result<(), om_core::SinkError> {
        self.seq += 1;
        let data = serde_json::to_string(event)?;
        let (host, kind) = event_key(event);
        let record = JobEventRecord { job_id: self.job_id, seq: self.seq, ts: now_ms(), host, kind, data };
        self.writer.blocking_send(record).map_err(|err| om_core::SinkError::Io(std::io::Error::other(err)))
    }
}

/// The host an event concerns (empty for run-wide events) and its kind.
pub fn event_key(event: &om_core::Event) -> (String, String) {
    use om_core::Event as E;
    let host = match event {
        E::Output { host, .. } | E::HostResult { host, .. } | E::Connection { host, .. } => host.clone(),
        E::Warning { host: Some(h), .. } => h.clone(),
        _ => String::new(),
    };
    let kind =
        serde_json::to_value(event).ok().and_then(|v| v.get("event").and_then(|k| k.as_str().map(str::to_string))).unwrap_or_default();
    (host, kind)
}
