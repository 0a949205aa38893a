use om_store::{EventWriter, JobEventRecord, now_ms};

use crate::stores;

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
