use om_store::{Backend, EventWriter, JobEventRecord, Retention, Store, now_ms};
use sqlx::Row;

use crate::{stores, stores_at};

#[tokio::test]
async fn events_arrive_in_batches_in_order_and_none_is_lost() {
    for (label, store, _dir) in stores().await {
        // A channel smaller than the batch: senders must wait, never drop.
        let writer = EventWriter::start(store.clone(), 64);
        for seq in 1..=1234 {
            let data = serde_json::json!({"event": "output", "n": seq}).to_string();
            let record = JobEventRecord { job_id: 42, seq, ts: now_ms(), host: format!("h{}", seq % 3), kind: "output".into(), data };
            writer.send(record).await.expect("send");
        }
        writer.flush().await.expect("flush");
        let stored = store.job_events(42, 0, 5000).await.expect("read");
        assert_eq!(stored.len(), 1234, "{label}");
        assert!(stored.iter().enumerate().all(|(i, e)| e.seq == i as i64 + 1 && e.data["n"] == i as i64 + 1), "{label}: in order");
        assert!(writer.stats().batches.load(std::sync::atomic::Ordering::Relaxed) < 1234, "{label}: written in batches");
        let tail = store.job_events(42, 1230, 10).await.expect("read");
        assert_eq!(tail.iter().map(|e| e.seq).collect::<Vec<_>>(), [1231, 1232, 1233, 1234], "{label}");
    }
}

const DAY_MS: i64 = 86_400_000;

async fn write(store: &Store, job_id: i64, seq: i64, ts: i64) {
    let writer = EventWriter::start(store.clone(), 8);
    let data = serde_json::json!({"event": "output", "n": seq}).to_string();
    writer.send(JobEventRecord { job_id, seq, ts, host: "h1".into(), kind: "output".into(), data }).await.expect("send");
    writer.flush().await.expect("flush");
}

/// Whether PostgreSQL has the relation `name`.
async fn relation(store: &Store, name: &str) -> bool {
    sqlx::query("SELECT to_regclass($1) IS NOT NULL").bind(name).fetch_one(&store.raw_pool()).await.expect("query").get(0)
}

/// Retention prunes events by age on every backend. On PostgreSQL a day wholly past the limit
/// goes with its day partition; events written before the partitioned schema (version 5) stay
/// readable after the upgrade and are pruned by rows.
#[tokio::test]
async fn old_events_are_pruned_by_day_and_events_from_before_the_upgrade_stay_readable() {
    for (label, store, _dir) in stores_at(4).await {
        let now = now_ms();
        let today = now - now.rem_euclid(DAY_MS);
        write(&store, 7, 1, now - 10 * DAY_MS).await;
        store.migrate().await.expect("the upgrade");
        write(&store, 7, 2, today - DAY_MS / 2).await;
        write(&store, 7, 3, now).await;
        let seqs = |events: Vec<om_store::StoredEvent>| events.iter().map(|e| e.seq).collect::<Vec<_>>();
        assert_eq!(seqs(store.job_events(7, 0, 10).await.expect("read")), [1, 2, 3], "{label}");
        let yesterday = format!("job_event_d{}", today / DAY_MS - 1);
        if store.backend() == Backend::Postgres {
            let sql = format!("SELECT COUNT(*) FROM {yesterday}");
            let held: i64 = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_one(&store.raw_pool()).await.expect("count").get(0);
            assert_eq!(held, 1, "{label}: yesterday's event is in yesterday's partition");
        }
        let policy = Retention { job_event_days: 0, job_output_days: 1000, job_days: 1000 };
        let dry = store.prune(&policy, today, true).await.expect("dry run");
        assert_eq!(dry.job_events, 2, "{label}: the events before today would go");
        let done = store.prune(&policy, today, false).await.expect("prune");
        assert_eq!(done, dry, "{label}: the dry run predicts the prune");
        assert_eq!(seqs(store.job_events(7, 0, 10).await.expect("read")), [3], "{label}");
        if store.backend() == Backend::Postgres {
            assert!(!relation(&store, &yesterday).await, "{label}: yesterday's partition is dropped");
            assert!(relation(&store, &format!("job_event_d{}", today / DAY_MS + 3)).await, "{label}: partitions are made ahead");
        }
    }
}
