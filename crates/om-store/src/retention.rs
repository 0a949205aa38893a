//! Retention: old events, outputs and jobs are pruned in background batches of at most
//! 10,000 rows per statement, with pauses between them (WEB-63). On PostgreSQL, `job_event`
//! is partitioned by day: a day that is wholly past the limit goes as one `DROP TABLE`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Backend, Store, StoreError};

const BATCH: i64 = 10_000;
const DAY_MS: i64 = 86_400_000;
/// A day partition of `job_event` on PostgreSQL is named by its day number since the epoch
/// (UTC): `job_event_d20425` holds `ts` in [20425 × DAY_MS, 20426 × DAY_MS).
const PARTITION_PREFIX: &str = "job_event_d";

/// How long each kind of row is kept, in days (`[retention]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    pub job_event_days: i64,
    pub job_output_days: i64,
    pub job_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { job_event_days: 30, job_output_days: 90, job_days: 400 }
    }
}

/// What a prune removed (or, dry, would remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub job_events: i64,
    pub job_outputs: i64,
    pub jobs: i64,
}

impl Store {
    /// Prunes rows older than the policy at time `now` (ms). With `dry_run`, only counts.
    pub async fn prune(&self, policy: &Retention, now: i64, dry_run: bool) -> Result<RetentionReport, StoreError> {
        let events_before = now - policy.job_event_days * DAY_MS;
        let outputs_before = now - policy.job_output_days * DAY_MS;
        let jobs_before = now - policy.job_days * DAY_MS;
        // Only ended jobs are pruned: a queued or running job is kept whatever its age.
        let ended = crate::jobs::JOB_TERMINAL.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
        if dry_run {
            return Ok(RetentionReport {
                job_events: self.count_before("SELECT COUNT(*) FROM job_event WHERE ts < ?", events_before).await?,
                job_outputs: self.count_before("SELECT COUNT(*) FROM job_output WHERE created_at < ?", outputs_before).await?,
                jobs: self
                    .count_before(&format!("SELECT COUNT(*) FROM job WHERE created_at < ? AND status IN ({ended})"), jobs_before)
                    .await?,
            });
        }
        self.ensure_event_partitions(now).await?;
        let dropped = self.drop_event_partitions(events_before).await?;
        let job_events = dropped + self.delete_batched("job_event", "ts", events_before).await?;
        let job_outputs = self.delete_batched("job_output", "created_at", outputs_before).await?;
        let jobs = self.delete_old_jobs(jobs_before, &ended).await?;
        Ok(RetentionReport { job_events, job_outputs, jobs })
    }

    /// On PostgreSQL, creates `job_event`'s day partitions from yesterday (UTC) to three
    /// days after `now` (ms), where missing. A day that already has rows in the default
    /// partition keeps them there (a partition cannot take over rows). Elsewhere a no-op.
    pub async fn ensure_event_partitions(&self, now: i64) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let today = now.div_euclid(DAY_MS);
        for day in today - 1..=today + 3 {
            let (from, to) = (day * DAY_MS, (day + 1) * DAY_MS);
            let name = format!("{PARTITION_PREFIX}{day}");
            let present: bool =
                sqlx::query(self.sql("SELECT to_regclass(?) IS NOT NULL")).bind(name.as_str()).fetch_one(&self.write).await?.try_get(0)?;
            if present {
                continue;
            }
            let in_rest: bool = sqlx::query(self.sql("SELECT EXISTS (SELECT 1 FROM job_event_rest WHERE ts >= ? AND ts < ?)"))
                .bind(from)
                .bind(to)
                .fetch_one(&self.write)
                .await?
                .try_get(0)?;
            if in_rest {
                continue;
            }
            // The name and bounds are numbers computed here, not input.
            let create = format!("CREATE TABLE IF NOT EXISTS {name} PARTITION OF job_event FOR VALUES FROM ({from}) TO ({to})");
            sqlx::query(self.sql(create)).execute(&self.write).await?;
        }
        Ok(())
    }

    /// On PostgreSQL, drops the day partitions of `job_event` that end at or before `before`
    /// (ms) and returns how many rows they held.
    async fn drop_event_partitions(&self, before: i64) -> Result<i64, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(0);
        }
        let rows = sqlx::query(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'job_event'::regclass",
        )
        .fetch_all(&self.write)
        .await?;
        let mut days: Vec<i64> = Vec::new();
        for row in rows {
            let name: String = row.try_get(0)?;
            if let Some(day) = name.strip_prefix(PARTITION_PREFIX).and_then(|d| d.parse::<i64>().ok())
                && (day + 1) * DAY_MS <= before
            {
                days.push(day);
            }
        }
        days.sort_unstable();
        let mut total = 0;
        for day in days {
            let name = format!("{PARTITION_PREFIX}{day}");
            let mut tx = self.write.begin().await?;
            let count: i64 = sqlx::query(self.sql(format!("SELECT COUNT(*) FROM {name}"))).fetch_one(&mut *tx).await?.try_get(0)?;
            sqlx::query(self.sql(format!("DROP TABLE {name}"))).execute(&mut *tx).await?;
            tx.commit().await?;
            total += count;
        }
        Ok(total)
    }

    async fn count_before(&self, sql: &str, before: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(self.sql(sql)).bind(before).fetch_one(&self.read).await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    async fn delete_batched(&self, table: &str, column: &str, before: i64) -> Result<i64, StoreError> {
        let sql = match self.backend {
            Backend::Mysql => format!("DELETE FROM {table} WHERE {column} < ? LIMIT {BATCH}"),
            _ => format!("DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE {column} < ? LIMIT {BATCH})"),
        };
        let mut total = 0;
        loop {
            let done = sqlx::query(self.sql(&sql)).bind(before).execute(&self.write).await?;
            total += done.rows_affected() as i64;
            if (done.rows_affected() as i64) < BATCH {
                return Ok(total);
            }
            // Let job inserts through between batches.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn delete_old_jobs(&self, before: i64, ended: &str) -> Result<i64, StoreError> {
        let mut total = 0;
        loop {
            let rows =
                sqlx::query(self.sql(format!("SELECT id FROM job WHERE created_at < ? AND status IN ({ended}) ORDER BY id LIMIT 1000")))
                    .bind(before)
                    .fetch_all(&self.read)
                    .await?;
            if rows.is_empty() {
                return Ok(total);
            }
            let ids: Vec<i64> = rows.iter().map(|r| r.try_get::<i64, _>("id")).collect::<Result<_, _>>()?;
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let mut tx = self.write.begin().await?;
            for table in ["job_event", "job_output", "job_host"] {
                sqlx::query(self.sql(format!("DELETE FROM {table} WHERE job_id IN ({list})"))).execute(&mut *tx).await?;
            }
            sqlx::query(self.sql(format!("DELETE FROM job WHERE id IN ({list})"))).execute(&mut *tx).await?;
            tx.commit().await?;
            total += ids.len() as i64;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
