use om_store::{Backend, CapturedStream, HostUpdate, JobFilter, NewJob, NewJobHost, Retention, Store, now_ms};
use sqlx::Row;

use crate::stores;

pub async fn new_job(store: &Store, zone: &str, hosts: &[&str]) -> om_store::Job {
    let job = NewJob {
        action_id: 1001,
        action_version_id: 1,
        action_name: "uptime".into(),
        user_id: 1,
        username: "alice".into(),
        params: serde_json::json!({"lines": 30}),
        target_spec: serde_json::json!({"servers": hosts}),
        zone: zone.into(),
        rerun_of: None,
    };
    let hosts: Vec<_> = hosts.iter().enumerate().map(|(i, h)| NewJobHost { server_id: i as i64 + 1, hostname: h.to_string() }).collect();
    store.create_job(&job, &hosts).await.expect("create job")
}

fn ended(status: &str, rc: i64) -> HostUpdate {
    HostUpdate { status: status.into(), rc: Some(rc), finished_at: Some(now_ms()), ..Default::default() }
}

#[tokio::test]
async fn jobs_are_claimed_once_per_zone_and_end_with_counts_that_add_up() {
    for (label, store, _dir) in stores().await {
        let job = new_job(&store, "lan", &["h1", "h2", "h3"]).await;
        assert_eq!((job.status.as_str(), job.hosts_total), ("queued", 3), "{label}");
        assert!(
            store.claim_job(&["dmz".into()], None, now_ms() + 30_000).await.expect("claim").is_none(),
            "{label}: other zones do not claim"
        );
        let claimed = store.claim_job(&["lan".into()], Some(7), now_ms() + 30_000).await.expect("claim").expect("a job");
        assert_eq!((claimed.id, claimed.status.as_str(), claimed.worker_id), (job.id, "running", Some(7)), "{label}");
        assert!(store.claim_job(&["lan".into()], None, now_ms() + 30_000).await.expect("claim").is_none(), "{label}: claimed once");
        store.hosts_started(job.id, &[("h1".into(), now_ms())]).await.expect("start");
        assert!(store.host_finished(job.id, "h1", &ended("ok", 0)).await.expect("end"));
        assert!(!store.host_finished(job.id, "h1", &ended("failed", 1)).await.expect("end"), "{label}: a host ends once");
        let mut end = ended("failed", 2);
        end.outputs = vec![CapturedStream { stream: "stderr".into(), data: b"boom\n".to_vec(), truncated: false }];
        store.host_finished(job.id, "h2", &end).await.expect("end");
        let kept = store.outputs(job.id, Some("h2")).await.expect("outputs");
        assert_eq!(
            kept.iter().map(|o| (o.stream.as_str(), o.data.as_slice())).collect::<Vec<_>>(),
            [("stderr", &b"boom\n"[..])],
            "{label}: a host's streams are stored with its end"
        );
        let done = store.finish_job(job.id, "", "lost", "runner stopped").await.expect("finish");
        assert_eq!(done.status, "failed", "{label}");
        assert_eq!((done.counts.ok, done.counts.failed, done.counts.lost), (1, 1, 1), "{label}: every host has one terminal status");
        let hosts = store.job_hosts(job.id).await.expect("hosts");
        assert_eq!(hosts.iter().map(|h| h.status.as_str()).collect::<Vec<_>>(), ["ok", "failed", "lost"], "{label}");
        assert_eq!(hosts[1].rc, Some(2), "{label}");
    }
}

#[tokio::test]
async fn lapsed_leases_end_lost_and_restarts_interrupt_local_jobs() {
    for (label, store, _dir) in stores().await {
        let remote = new_job(&store, "lan", &["h1"]).await;
        store.claim_job(&["lan".into()], Some(3), now_ms() - 1).await.expect("claim").expect("a job");
        let local = new_job(&store, "default", &["h2", "h3"]).await;
        store.claim_job(&["default".into()], None, now_ms() + 60_000).await.expect("claim").expect("a job");
        let lost = store.expire_leases(now_ms()).await.expect("expire");
        assert_eq!(lost.iter().map(|j| (j.id, j.status.as_str())).collect::<Vec<_>>(), [(remote.id, "lost")], "{label}");
        assert!(lost[0].reason.contains("worker 3"), "{label}: {}", lost[0].reason);
        let interrupted = store.interrupt_local_jobs().await.expect("interrupt");
        assert_eq!(
            interrupted.iter().map(|j| (j.id, j.status.as_str(), j.counts.lost)).collect::<Vec<_>>(),
            [(local.id, "interrupted", 2)],
            "{label}"
        );
        let queued = new_job(&store, "lan", &["h1"]).await;
        let cancelled = store.request_cancel(queued.id).await.expect("cancel");
        assert_eq!(cancelled.status, "cancelled", "{label}: a queued job is cancelled at once");
    }
}

#[tokio::test]
async fn the_job_list_pages_by_cursor_and_filters() {
    for (label, store, _dir) in stores().await {
        let mut ids = Vec::new();
        for i in 0..7 {
            ids.push(new_job(&store, "default", &[if i % 2 == 0 { "even" } else { "odd" }]).await.id);
        }
        let first = store.jobs(&JobFilter::default(), None, 3).await.expect("page");
        assert_eq!(first.iter().map(|j| j.id).collect::<Vec<_>>(), [ids[6], ids[5], ids[4]], "{label}");
        let second = store.jobs(&JobFilter::default(), first.last().map(|j| j.id), 3).await.expect("page");
        assert_eq!(second.iter().map(|j| j.id).collect::<Vec<_>>(), [ids[3], ids[2], ids[1]], "{label}");
        let odd = store.jobs(&JobFilter { server: Some("odd".into()), ..Default::default() }, None, 10).await.expect("filter");
        assert_eq!(odd.len(), 3, "{label}");
        let mine = store.jobs(&JobFilter { visible_to: Some((99, vec![])), ..Default::default() }, None, 10).await.expect("filter");
        assert!(mine.is_empty(), "{label}: a user sees no foreign job outside its scope");
        let queued = store
            .jobs(&JobFilter { status: Some("queued".into()), user: Some("alice".into()), ..Default::default() }, None, 100)
            .await
            .expect("f");
        assert_eq!(queued.len(), 7, "{label}");
        assert_eq!(store.queue_depth().await.expect("depth"), (7, 0), "{label}");
    }
}

#[tokio::test]
async fn output_is_kept_per_host_and_stream_and_retention_prunes_it() {
    for (label, store, _dir) in stores().await {
        let job = new_job(&store, "default", &["h1"]).await;
        store.save_output(job.id, "h1", "stdout", b"hello \xff world", false).await.expect("save");
        let out = store.outputs(job.id, Some("h1")).await.expect("read");
        assert_eq!(out[0].data, b"hello \xff world", "{label}: bytes are kept as they came");
        let policy = Retention { job_output_days: 0, job_event_days: 0, job_days: 400 };
        let dry = store.prune(&policy, now_ms() + 1000, true).await.expect("dry run");
        assert_eq!(dry.job_outputs, 1, "{label}");
        let done = store.prune(&policy, now_ms() + 1000, false).await.expect("prune");
        assert_eq!(done, dry, "{label}: the dry run predicts the prune");
        assert!(store.outputs(job.id, None).await.expect("read").is_empty(), "{label}");
    }
}

#[tokio::test]
async fn retention_keeps_unfinished_jobs_whatever_their_age_and_the_dry_run_says_so() {
    for (label, store, _dir) in stores().await {
        let done = new_job(&store, "lan", &["h1"]).await;
        store.claim_job(&["lan".into()], None, now_ms() + 60_000).await.expect("claim").expect("a job");
        store.host_finished(done.id, "h1", &ended("ok", 0)).await.expect("end");
        store.finish_job(done.id, "", "lost", "").await.expect("finish");
        let queued = new_job(&store, "dmz", &["h2"]).await;
        let policy = Retention { job_output_days: 0, job_event_days: 0, job_days: 0 };
        let dry = store.prune(&policy, now_ms() + 1000, true).await.expect("dry run");
        assert_eq!(dry.jobs, 1, "{label}: only the ended job would go");
        let pruned = store.prune(&policy, now_ms() + 1000, false).await.expect("prune");
        assert_eq!(pruned, dry, "{label}: the dry run predicts the prune");
        assert!(store.job(done.id).await.is_err(), "{label}: the ended job is gone");
        assert_eq!(store.job(queued.id).await.expect("kept").status, "queued", "{label}");
    }
}

/// `sql` with `?` placeholders spelled for `store`'s backend, for statements the tests run
/// around the store's API.
fn raw_sql(store: &Store, sql: &str) -> String {
    if store.backend() != Backend::Postgres {
        return sql.to_string();
    }
    let mut n = 0;
    sql.chars()
        .map(|c| {
            if c == '?' {
                n += 1;
                format!("${n}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[tokio::test]
async fn output_is_stored_zstd_compressed_and_read_back_equal() {
    for (label, store, _dir) in stores().await {
        let job = new_job(&store, "default", &["h1"]).await;
        let mut text = Vec::new();
        for i in 0..20_000 {
            text.extend_from_slice(format!("{i:>6} GET /index.html 200 0.003 é\n").as_bytes());
        }
        text.extend_from_slice(b"\xff\x00 not utf-8");
        store.save_output(job.id, "h1", "stdout", &text, true).await.expect("save");
        store.save_output(job.id, "h1", "stderr", b"", false).await.expect("save an empty stream");
        let out = store.outputs(job.id, Some("h1")).await.expect("read");
        assert_eq!(out.len(), 2, "{label}");
        assert_eq!(
            (out[0].stream.as_str(), out[0].data.len(), out[0].data == text, out[0].truncated),
            ("stderr", 0, false, false),
            "{label}"
        );
        assert!(out[1].data == text && out[1].truncated, "{label}: the stream reads back byte for byte");
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT data, encoding FROM job_output WHERE job_id = {} AND stream = 'stdout'",
            job.id
        )))
        .fetch_one(&store.raw_pool())
        .await
        .expect("the stored row");
        let stored: Vec<u8> = row.try_get("data").expect("data");
        let encoding: String = row.try_get("encoding").expect("encoding");
        assert_eq!(encoding, "zstd", "{label}");
        assert_eq!(stored.get(..4), Some(&[0x28, 0xb5, 0x2f, 0xfd][..]), "{label}: a zstd frame is stored");
        assert!(stored.len() * 10 < text.len(), "{label}: {} stored bytes for {} bytes of repetitive output", stored.len(), text.len());
    }
}

#[tokio::test]
async fn output_rows_written_before_compression_stay_readable() {
    for (label, store, _dir) in stores().await {
        let job = new_job(&store, "default", &["h1"]).await;
        // A row as schema version 2 wrote it: no encoding column in the INSERT, raw bytes; the
        // migration's column default marks such rows `raw`.
        let sql = raw_sql(&store, "INSERT INTO job_output (job_id, host, stream, data, truncated, created_at) VALUES (?, ?, ?, ?, ?, ?)");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(job.id)
            .bind("h1")
            .bind("stdout")
            .bind(b"old \xff output\n".to_vec())
            .bind(0_i64)
            .bind(now_ms())
            .execute(&store.raw_pool())
            .await
            .expect("an old-style row");
        store.save_output(job.id, "h2", "stdout", b"new output\n", false).await.expect("save");
        let out = store.outputs(job.id, None).await.expect("read");
        assert_eq!(
            out.iter().map(|o| (o.host.as_str(), o.data.as_slice())).collect::<Vec<_>>(),
            [("h1", &b"old \xff output\n"[..]), ("h2", &b"new output\n"[..])],
            "{label}"
        );
        let sql = raw_sql(&store, "UPDATE job_output SET encoding = ? WHERE job_id = ? AND host = ?");
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind("lz4").bind(job.id).bind("h1").execute(&store.raw_pool()).await.expect("update");
        assert!(
            matches!(store.outputs(job.id, None).await, Err(om_store::StoreError::OutputEncoding { ref encoding, .. }) if encoding == "lz4"),
            "{label}: an unknown encoding is an error, not garbage"
        );
    }
}
