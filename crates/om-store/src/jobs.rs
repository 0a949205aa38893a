//! Jobs, their hosts and their output (WEB-60 – WEB-62), and the DB-backed queue that the
//! in-process pool and remote workers claim from (WEB-14).
//!
//! A job row carries per-status counters so the job list never counts events; `job_host`
//! holds one terminal status per target host; output is one capped blob per host × stream.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Backend, Store, StoreError, now_ms};

/// zstd level for stored output: fast, and repetitive command output shrinks well.
const OUTPUT_ZSTD_LEVEL: i32 = 3;

/// Statuses a job ends in.
pub const JOB_TERMINAL: &[&str] = &["succeeded", "failed", "cancelled", "lost", "interrupted"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    pub action_id: i64,
    pub action_version_id: i64,
    pub action_name: String,
    /// `queued`, `running`, `succeeded`, `failed`, `cancelled`, `lost`, `interrupted`.
    pub status: String,
    pub user_id: i64,
    pub username: String,
    /// Validated parameters with secrets redacted.
    pub params: serde_json::Value,
    pub target_spec: serde_json::Value,
    pub zone: String,
    pub worker_id: Option<i64>,
    pub cancel_requested: bool,
    pub reason: String,
    pub rerun_of: Option<i64>,
    pub hosts_total: i64,
    pub counts: JobCounts,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl Job {
    pub fn is_terminal(&self) -> bool {
        JOB_TERMINAL.contains(&self.status.as_str())
    }
}

/// Hosts per terminal status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    pub ok: i64,
    pub changed: i64,
    pub failed: i64,
    pub unreachable: i64,
    pub skipped: i64,
    pub lost: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobHost {
    pub job_id: i64,
    pub server_id: i64,
    pub hostname: String,
    /// `pending`, `running`, then one of `ok`, `changed`, `failed`, `unreachable`,
    /// `skipped`, `lost`, `cancelled`, `interrupted`.
    pub status: String,
    pub rc: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub output_bytes: i64,
    pub truncated: bool,
    pub message: String,
}

/// What creating a job needs.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub action_id: i64,
    pub action_version_id: i64,
    pub action_name: String,
    pub user_id: i64,
    pub username: String,
    pub params: serde_json::Value,
    pub target_spec: serde_json::Value,
    pub zone: String,
    pub rerun_of: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewJobHost {
    pub server_id: i64,
    pub hostname: String,
}

/// A host's end.
#[derive(Debug, Clone, Default)]
pub struct HostUpdate {
    pub status: String,
    pub rc: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub output_bytes: i64,
    pub truncated: bool,
    pub message: String,
    /// The host's captured streams, stored with its end in one transaction.
    pub outputs: Vec<CapturedStream>,
}

/// One captured stream of a host (`stdout` or `stderr`), as kept: see [`Store::save_output`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedStream {
    pub stream: String,
    pub data: Vec<u8>,
    pub truncated: bool,
}

/// Which jobs a list shows.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub user: Option<String>,
    pub action_id: Option<i64>,
    pub status: Option<String>,
    pub server: Option<String>,
    pub app_category_id: Option<i64>,
    pub fun_category_id: Option<i64>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Restrict to the viewer's own jobs and jobs touching these application categories.
    pub visible_to: Option<(i64, Vec<i64>)>,
}

/// One captured output stream of one host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobOutput {
    pub host: String,
    pub stream: String,
    #[serde(skip)]
    pub data: Vec<u8>,
    pub truncated: bool,
}

/// A job event as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub ts: i64,
    pub host: String,
    pub kind: String,
    pub data: serde_json::Value,
}

const JOB_COLUMNS: &str = "id, action_id, action_version_id, action_name, status, user_id, username, params, target_spec, zone, worker_id, \
    cancel_requested, reason, rerun_of, hosts_total, n_ok, n_changed, n_failed, n_unreachable, n_skipped, n_lost, created_at, started_at, finished_at";

fn job_from_row(r: &AnyRow) -> Result<Job, StoreError> {
    let params: String = r.try_get("params")?;
    let target_spec: String = r.try_get("target_spec")?;
    Ok(Job {
        id: r.try_get("id")?,
        action_id: r.try_get("action_id")?,
        action_version_id: r.try_get("action_version_id")?,
        action_name: r.try_get("action_name")?,
        status: r.try_get("status")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        params: serde_json::from_str(&params).map_err(|source| StoreError::Json { what: "job.params", source })?,
        target_spec: serde_json::from_str(&target_spec).map_err(|source| StoreError::Json { what: "job.target_spec", source })?,
        zone: r.try_get("zone")?,
        worker_id: r.try_get("worker_id")?,
        cancel_requested: r.try_get::<i64, _>("cancel_requested")? != 0,
        reason: r.try_get("reason")?,
        rerun_of: r.try_get("rerun_of")?,
        hosts_total: r.try_get("hosts_total")?,
        counts: JobCounts {
            ok: r.try_get("n_ok")?,
            changed: r.try_get("n_changed")?,
            failed: r.try_get("n_failed")?,
            unreachable: r.try_get("n_unreachable")?,
            skipped: r.try_get("n_skipped")?,
            lost: r.try_get("n_lost")?,
        },
        created_at: r.try_get("created_at")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

fn host_from_row(r: &AnyRow) -> Result<JobHost, StoreError> {
    Ok(JobHost {
        job_id: r.try_get("job_id")?,
        server_id: r.try_get("server_id")?,
        hostname: r.try_get("hostname")?,
        status: r.try_get("status")?,
        rc: r.try_get("rc")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        output_bytes: r.try_get("output_bytes")?,
        truncated: r.try_get::<i64, _>("truncated")? != 0,
        message: r.try_get("message")?,
    })
}

fn json_text(value: &serde_json::Value) -> String {
    value.to_string()
}

impl Store {
    /// Records a queued job and its pending hosts in one transaction.
    pub async fn create_job(&self, job: &NewJob, hosts: &[NewJobHost]) -> Result<Job, StoreError> {
        self.create_job_with(job, hosts, |_| None).await
    }

    /// [`Store::create_job`], with `finish(id)` giving the job's final target spec once its
    /// id is known, in the same transaction: a runner never sees the job without it (how a
    /// signed grant naming the job id is stored).
    pub async fn create_job_with(
        &self,
        job: &NewJob,
        hosts: &[NewJobHost],
        finish: impl FnOnce(i64) -> Option<serde_json::Value>,
    ) -> Result<Job, StoreError> {
        let now = now_ms();
        let mut tx = self.write.begin().await?;
        let sql = self.insert_sql(
            "INSERT INTO job (action_id, action_version_id, action_name, status, user_id, username, params, target_spec, zone, cancel_requested, \
             reason, rerun_of, hosts_total, n_ok, n_changed, n_failed, n_unreachable, n_skipped, n_lost, created_at) \
             VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, 0, '', ?, ?, 0, 0, 0, 0, 0, 0, ?)",
            "id",
        );
        let id = self
            .insert_id(
                sql,
                |q| {
                    q.bind(job.action_id)
                        .bind(job.action_version_id)
                        .bind(job.action_name.as_str())
                        .bind(job.user_id)
                        .bind(job.username.as_str())
                        .bind(json_text(&job.params))
                        .bind(json_text(&job.target_spec))
                        .bind(job.zone.as_str())
                        .bind(job.rerun_of)
                        .bind(hosts.len() as i64)
                        .bind(now)
                },
                &mut *tx,
            )
            .await?;
        for chunk in hosts.chunks(500) {
            let values = vec!["(?, ?, ?, 'pending', 0, 0, '')"; chunk.len()].join(", ");
            let sql = self.sql(format!(
                "INSERT INTO job_host (job_id, server_id, hostname, status, output_bytes, truncated, message) VALUES {values}"
            ));
            let mut q = sqlx::query(sql);
            for h in chunk {
                q = q.bind(id).bind(h.server_id).bind(h.hostname.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        if let Some(target_spec) = finish(id) {
            sqlx::query(self.sql("UPDATE job SET target_spec = ? WHERE id = ?"))
                .bind(json_text(&target_spec))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.job(id).await
    }

    pub async fn job(&self, id: i64) -> Result<Job, StoreError> {
        let row = sqlx::query(self.sql(format!("SELECT {JOB_COLUMNS} FROM job WHERE id = ?"))).bind(id).fetch_optional(&self.read).await?;
        row.as_ref().map(job_from_row).transpose()?.ok_or(StoreError::NotFound { what: "job", key: id.to_string() })
    }

    /// Newest first, at most `limit`, strictly older than the cursor `before` (a job id).
    pub async fn jobs(&self, filter: &JobFilter, before: Option<i64>, limit: i64) -> Result<Vec<Job>, StoreError> {
        let mut sql = format!("SELECT {JOB_COLUMNS} FROM job j WHERE j.id < ?");
        let mut binds: Vec<Bind> = vec![Bind::I(before.unwrap_or(i64::MAX))];
        if let Some(u) = &filter.user {
            sql.push_str(" AND j.username = ?");
            binds.push(Bind::S(u.clone()));
        }
        if let Some(a) = filter.action_id {
            sql.push_str(" AND j.action_id = ?");
            binds.push(Bind::I(a));
        }
        if let Some(s) = &filter.status {
            sql.push_str(" AND j.status = ?");
            binds.push(Bind::S(s.clone()));
        }
        if let Some(s) = &filter.server {
            sql.push_str(" AND EXISTS (SELECT 1 FROM job_host h WHERE h.job_id = j.id AND h.hostname = ?)");
            binds.push(Bind::S(s.clone()));
        }
        if let Some(a) = filter.app_category_id {
            sql.push_str(" AND EXISTS (SELECT 1 FROM job_host h JOIN server s ON s.id = h.server_id WHERE h.job_id = j.id AND s.app_category_id = ?)");
            binds.push(Bind::I(a));
        }
        if let Some(f) = filter.fun_category_id {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM job_host h JOIN server s ON s.id = h.server_id JOIN app_category a ON a.id = s.app_category_id \
                 WHERE h.job_id = j.id AND a.fun_category_id = ?)",
            );
            binds.push(Bind::I(f));
        }
        if let Some(t) = filter.since {
            sql.push_str(" AND j.created_at >= ?");
            binds.push(Bind::I(t));
        }
        if let Some(t) = filter.until {
            sql.push_str(" AND j.created_at < ?");
            binds.push(Bind::I(t));
        }
        if let Some((user_id, apps)) = &filter.visible_to {
            sql.push_str(" AND (j.user_id = ?");
            binds.push(Bind::I(*user_id));
            if !apps.is_empty() {
                sql.push_str(&format!(
                    " OR EXISTS (SELECT 1 FROM job_host h JOIN server s ON s.id = h.server_id WHERE h.job_id = j.id AND s.app_category_id IN ({}))",
                    vec!["?"; apps.len()].join(", ")
                ));
                binds.extend(apps.iter().map(|a| Bind::I(*a)));
            }
            sql.push(')');
        }
        sql.push_str(" ORDER BY j.id DESC LIMIT ?");
        binds.push(Bind::I(limit));
        let sql = self.sql(sql);
        let mut q = sqlx::query(sql);
        for b in binds {
            q = match b {
                Bind::I(i) => q.bind(i),
                Bind::S(s) => q.bind(s),
            };
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter().map(job_from_row).collect()
    }

    pub async fn job_hosts(&self, job_id: i64) -> Result<Vec<JobHost>, StoreError> {
        let rows = sqlx::query(self.sql(
            "SELECT job_id, server_id, hostname, status, rc, started_at, finished_at, output_bytes, truncated, message FROM job_host WHERE job_id = ? ORDER BY hostname",
        ))
        .bind(job_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(host_from_row).collect()
    }

    /// Claims the oldest queued job of `zones` for `worker_id` (None: the in-process pool),
    /// with a lease until `lease_until`. `SKIP LOCKED` where the backend has it; on SQLite
    /// the one writer serialises claims.
    pub async fn claim_job(&self, zones: &[String], worker_id: Option<i64>, lease_until: i64) -> Result<Option<Job>, StoreError> {
        if zones.is_empty() {
            return Ok(None);
        }
        let mut tx = self.write.begin().await?;
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres | Backend::Mysql => " FOR UPDATE SKIP LOCKED",
        };
        let sql = self.sql(format!(
            "SELECT id FROM job WHERE status = 'queued' AND zone IN ({}) ORDER BY id LIMIT 1{lock}",
            vec!["?"; zones.len()].join(", ")
        ));
        let mut q = sqlx::query(sql);
        for z in zones {
            q = q.bind(z.as_str());
        }
        let Some(row) = q.fetch_optional(&mut *tx).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let done =
            sqlx::query(self.sql(
                "UPDATE job SET status = 'running', worker_id = ?, lease_until = ?, started_at = ? WHERE id = ? AND status = 'queued'",
            ))
            .bind(worker_id)
            .bind(lease_until)
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        Ok(Some(self.job(id).await?))
    }

    /// Extends the lease of every running job of `worker_id` (None: in-process) and returns
    /// the ids of those whose cancellation was requested.
    pub async fn renew_leases(&self, worker_id: Option<i64>, lease_until: i64) -> Result<Vec<i64>, StoreError> {
        let owner = if worker_id.is_some() { "worker_id = ?" } else { "worker_id IS NULL" };
        let sql = self.sql(format!("UPDATE job SET lease_until = ? WHERE status = 'running' AND {owner}"));
        let mut q = sqlx::query(sql).bind(lease_until);
        if let Some(w) = worker_id {
            q = q.bind(w);
        }
        q.execute(&self.write).await?;
        let sql = self.sql(format!("SELECT id FROM job WHERE status = 'running' AND cancel_requested = 1 AND {owner}"));
        let mut q = sqlx::query(sql);
        if let Some(w) = worker_id {
            q = q.bind(w);
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>("id")?)).collect()
    }

    /// Asks a job to stop. A queued job ends `cancelled` at once; a running one is told at
    /// its runner's next lease renewal or live check. Returns the job as it is now.
    pub async fn request_cancel(&self, id: i64) -> Result<Job, StoreError> {
        let done = sqlx::query(self.sql("UPDATE job SET status = 'cancelled', reason = 'cancelled before it started', finished_at = ? WHERE id = ? AND status = 'queued'"))
            .bind(now_ms())
            .bind(id)
            .execute(&self.write)
            .await?;
        if done.rows_affected() > 0 {
            self.close_hosts(id, "cancelled", "cancelled before it started").await?;
            return self.job(id).await;
        }
        sqlx::query(self.sql("UPDATE job SET cancel_requested = 1 WHERE id = ? AND status = 'running'"))
            .bind(id)
            .execute(&self.write)
            .await?;
        self.job(id).await
    }

    /// Marks pending hosts as running from the given times, in one transaction (a host that
    /// already started or ended is left as it is).
    pub async fn hosts_started(&self, job_id: i64, hosts: &[(String, i64)]) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE job_host SET status = 'running', started_at = ? WHERE job_id = ? AND hostname = ? AND status = 'pending'";
        let mut tx = self.write.begin().await?;
        for (hostname, at) in hosts {
            sqlx::query(self.sql(SQL)).bind(*at).bind(job_id).bind(hostname.as_str()).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a host's terminal status, once: a host that already ended keeps its first end.
    /// Its captured streams are stored in the same transaction.
    pub async fn host_finished(&self, job_id: i64, hostname: &str, update: &HostUpdate) -> Result<bool, StoreError> {
        // Compressed before the transaction: the writer is held only for the writes.
        let packed = update
            .outputs
            .iter()
            .map(|o| Ok((o, pack_output(job_id, hostname, &o.stream, &o.data)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut tx = self.write.begin().await?;
        for (o, data) in packed {
            self.insert_output(&mut *tx, job_id, hostname, &o.stream, data, o.truncated).await?;
        }
        let done = sqlx::query(self.sql(
            "UPDATE job_host SET status = ?, rc = ?, started_at = COALESCE(started_at, ?), finished_at = ?, output_bytes = ?, truncated = ?, message = ? \
             WHERE job_id = ? AND hostname = ? AND status IN ('pending', 'running')",
        ))
        .bind(update.status.as_str())
        .bind(update.rc)
        .bind(update.started_at)
        .bind(update.finished_at)
        .bind(update.output_bytes)
        .bind(i64::from(update.truncated))
        .bind(update.message.as_str())
        .bind(job_id)
        .bind(hostname)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Gives every host still pending or running the terminal `status`.
    async fn close_hosts(&self, job_id: i64, status: &str, message: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(
            self.sql("UPDATE job_host SET status = ?, message = ?, finished_at = ? WHERE job_id = ? AND status IN ('pending', 'running')"),
        )
        .bind(status)
        .bind(message)
        .bind(now_ms())
        .bind(job_id)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }

    /// Ends a job: hosts without an end get `open_hosts` status, counters are recomputed
    /// from `job_host`, and the status becomes terminal. A job already terminal is left as is.
    pub async fn finish_job(&self, job_id: i64, status: &str, open_hosts: &str, reason: &str) -> Result<Job, StoreError> {
        let job = self.job(job_id).await?;
        if job.is_terminal() {
            return Ok(job);
        }
        self.close_hosts(job_id, open_hosts, reason).await?;
        let rows = sqlx::query(self.sql("SELECT status, COUNT(*) AS n FROM job_host WHERE job_id = ? GROUP BY status"))
            .bind(job_id)
            .fetch_all(&self.read)
            .await?;
        let mut counts = JobCounts::default();
        for r in &rows {
            let n: i64 = r.try_get("n")?;
            match r.try_get::<String, _>("status")?.as_str() {
                "ok" => counts.ok += n,
                "changed" => counts.changed += n,
                "failed" => counts.failed += n,
                "unreachable" => counts.unreachable += n,
                "skipped" => counts.skipped += n,
                _ => counts.lost += n,
            }
        }
        let status = match status {
            "" if counts.failed + counts.unreachable + counts.lost > 0 => "failed",
            "" => "succeeded",
            s => s,
        };
        sqlx::query(self.sql(
            "UPDATE job SET status = ?, reason = ?, finished_at = ?, lease_until = NULL, n_ok = ?, n_changed = ?, n_failed = ?, n_unreachable = ?, \
             n_skipped = ?, n_lost = ? WHERE id = ?",
        ))
        .bind(status)
        .bind(reason)
        .bind(now_ms())
        .bind(counts.ok)
        .bind(counts.changed)
        .bind(counts.failed)
        .bind(counts.unreachable)
        .bind(counts.skipped)
        .bind(counts.lost)
        .bind(job_id)
        .execute(&self.write)
        .await?;
        self.job(job_id).await
    }

    /// Jobs whose runner stopped renewing its lease: they end `lost`, naming the worker.
    pub async fn expire_leases(&self, now: i64) -> Result<Vec<Job>, StoreError> {
        let rows = sqlx::query(self.sql("SELECT id, worker_id FROM job WHERE status = 'running' AND lease_until < ?"))
            .bind(now)
            .fetch_all(&self.read)
            .await?;
        let mut ended = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let worker: Option<i64> = r.try_get("worker_id")?;
            let reason = match worker {
                Some(w) => format!("worker {w} stopped heartbeating; its lease lapsed"),
                None => "the in-process runner stopped renewing its lease".to_string(),
            };
            ended.push(self.finish_job(id, "lost", "lost", &reason).await?);
        }
        Ok(ended)
    }

    /// At start-up: jobs the previous `om serve` ran in-process cannot still be running.
    pub async fn interrupt_local_jobs(&self) -> Result<Vec<Job>, StoreError> {
        let rows = sqlx::query("SELECT id FROM job WHERE status = 'running' AND worker_id IS NULL").fetch_all(&self.read).await?;
        let mut ended = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            ended.push(self.finish_job(id, "interrupted", "interrupted", "om serve stopped while the job ran").await?);
        }
        Ok(ended)
    }

    /// Stores one host's captured stream, zstd-compressed (WEB-60).
    pub async fn save_output(&self, job_id: i64, host: &str, stream: &str, data: &[u8], truncated: bool) -> Result<(), StoreError> {
        let packed = pack_output(job_id, host, stream, data)?;
        self.insert_output(&self.write, job_id, host, stream, packed, truncated).await
    }

    async fn insert_output<'e>(
        &self,
        executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
        job_id: i64,
        host: &str,
        stream: &str,
        packed: Vec<u8>,
        truncated: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            self.sql(
                "INSERT INTO job_output (job_id, host, stream, data, encoding, truncated, created_at) VALUES (?, ?, ?, ?, 'zstd', ?, ?)",
            ),
        )
        .bind(job_id)
        .bind(host.to_string())
        .bind(stream.to_string())
        .bind(packed)
        .bind(i64::from(truncated))
        .bind(now_ms())
        .execute(executor)
        .await?;
        Ok(())
    }

    /// A job's captured streams (of one host, or all), decompressed.
    pub async fn outputs(&self, job_id: i64, host: Option<&str>) -> Result<Vec<JobOutput>, StoreError> {
        let sql = match host {
            Some(_) => "SELECT host, stream, data, encoding, truncated FROM job_output WHERE job_id = ? AND host = ? ORDER BY host, stream",
            None => "SELECT host, stream, data, encoding, truncated FROM job_output WHERE job_id = ? ORDER BY host, stream",
        };
        let sql = self.sql(sql);
        let mut q = sqlx::query(sql).bind(job_id);
        if let Some(h) = host {
            q = q.bind(h);
        }
        let rows = q.fetch_all(&self.read).await?;
        // One decompression context for all the rows: a job of thousands of hosts has
        // thousands of streams, and a fresh context per stream cost more than the decoding.
        let mut decompressor = None;
        rows.iter()
            .map(|r| {
                let host: String = r.try_get("host")?;
                let stream: String = r.try_get("stream")?;
                let stored: Vec<u8> = r.try_get("data")?;
                let encoding: String = r.try_get("encoding")?;
                let data = match encoding.as_str() {
                    "raw" => stored,
                    "zstd" => unpack_output(&mut decompressor, &stored).map_err(|source| StoreError::Output {
                        job_id,
                        host: host.clone(),
                        stream: stream.clone(),
                        source,
                    })?,
                    _ => return Err(StoreError::OutputEncoding { job_id, encoding }),
                };
                Ok(JobOutput { host, stream, data, truncated: r.try_get::<i64, _>("truncated")? != 0 })
            })
            .collect()
    }

    /// Stored events of a job after `after` (a sequence number), in order.
    pub async fn job_events(&self, job_id: i64, after: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
        let rows =
            sqlx::query(self.sql("SELECT seq, ts, host, kind, data FROM job_event WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?"))
                .bind(job_id)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get("data")?;
                Ok(StoredEvent {
                    seq: r.try_get("seq")?,
                    ts: r.try_get("ts")?,
                    host: r.try_get("host")?,
                    kind: r.try_get("kind")?,
                    data: serde_json::from_str(&data).map_err(|source| StoreError::Json { what: "job_event.data", source })?,
                })
            })
            .collect()
    }

    /// How many jobs wait in the queue (bounded by the status index).
    pub async fn queue_depth(&self) -> Result<(i64, i64), StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM job WHERE status IN ('queued', 'running') GROUP BY status")
            .fetch_all(&self.read)
            .await?;
        let mut depth = (0, 0);
        for r in &rows {
            let n: i64 = r.try_get("n")?;
            match r.try_get::<String, _>("status")?.as_str() {
                "queued" => depth.0 = n,
                _ => depth.1 = n,
            }
        }
        Ok(depth)
    }
}

enum Bind {
    I(i64),
    S(String),
}

fn pack_output(job_id: i64, host: &str, stream: &str, data: &[u8]) -> Result<Vec<u8>, StoreError> {
    zstd::bulk::compress(data, OUTPUT_ZSTD_LEVEL).map_err(|source| StoreError::Output {
        job_id,
        host: host.to_string(),
        stream: stream.to_string(),
        source,
    })
}

/// The largest stream a frame header is trusted for; a stored stream is at most 1 MiB and a
/// marker, so a bigger declared size is decoded as a stream instead of allocated up front.
const TRUSTED_FRAME_SIZE: u64 = 16 << 20;

/// A stored zstd frame, decoded with `decompressor` (made on first use) when the frame
/// declares its size, as `pack_output` writes it; otherwise as a stream.
fn unpack_output(decompressor: &mut Option<zstd::bulk::Decompressor<'static>>, stored: &[u8]) -> std::io::Result<Vec<u8>> {
    match zstd::zstd_safe::get_frame_content_size(stored) {
        Ok(Some(size)) if size <= TRUSTED_FRAME_SIZE => {
            let decompressor = match decompressor {
                Some(d) => d,
                None => decompressor.insert(zstd::bulk::Decompressor::new()?),
            };
            decompressor.decompress(stored, size as usize)
        }
        _ => zstd::stream::decode_all(stored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_frames_decode_with_one_context_and_frames_without_a_size_as_a_stream() {
        let text = b"line 1\nline 2\n".repeat(1000);
        let packed = pack_output(1, "h1", "stdout", &text).expect("pack");
        assert_eq!(zstd::zstd_safe::get_frame_content_size(&packed).ok(), Some(Some(text.len() as u64)), "the size is in the header");
        let mut decompressor = None;
        assert_eq!(unpack_output(&mut decompressor, &packed).expect("unpack"), text);
        assert!(decompressor.is_some(), "the context is kept for the next row");
        assert_eq!(unpack_output(&mut decompressor, &packed).expect("again"), text);

        let mut encoder = zstd::stream::Encoder::new(Vec::new(), 3).expect("encoder");
        std::io::Write::write_all(&mut encoder, &text).expect("write");
        let streamed = encoder.finish().expect("finish");
        assert_eq!(zstd::zstd_safe::get_frame_content_size(&streamed).ok(), Some(None));
        assert_eq!(unpack_output(&mut None, &streamed).expect("unpack a stream"), text);
        assert!(unpack_output(&mut None, b"not zstd").is_err());
    }
}
