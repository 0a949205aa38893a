//! Retention: old events, outputs and jobs are pruned in background batches of at most
//! 10,000 rows per statement, with pauses between them (WEB-63).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Backend, Store, StoreError};

const BATCH: i64 = 10_000;
const DAY_MS: i64 = 86_400_000;

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
        let job_events = self.delete_batched("job_event", "ts", events_before).await?;
        let job_outputs = self.delete_batched("job_output", "created_at", outputs_before).await?;
        let jobs = self.delete_old_jobs(jobs_before, &ended).await?;
        Ok(RetentionReport { job_events, job_outputs, jobs })
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
