//! The operator audit log: append-only and hash-chained (WEB-80, WEB-81).
//!
//! `hash = SHA-256(prev_hash ‖ canonical JSON of the row without hash)`. Rows are appended
//! under one lock so the chain has no forks; on PostgreSQL a trigger also rejects UPDATE and
//! DELETE. [`Store::verify_audit_log`] names the first broken `seq`.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::actions::canonical_json;
use crate::{Store, StoreError, now_ms, sha256_hex};

/// What happened, by whom, from where: what callers hand to [`Store::append_audit`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// `user`, `token`, `worker`, `agent` or `system`.
    pub actor_kind: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub source_ip: String,
    pub user_agent: String,
    /// `user.login`, `server.update`, `job.launch`…
    pub verb: String,
    pub object_kind: String,
    pub object_id: String,
    /// Parameters, before/after diffs; secrets already redacted by the caller.
    pub details: serde_json::Value,
}

/// One stored row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub ts: i64,
    #[serde(flatten)]
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    pub ok: bool,
    pub checked: i64,
    pub last_seq: i64,
    /// The first row whose hash, link or position is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken_seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn entry_hash(seq: i64, ts: i64, record: &AuditRecord, prev_hash: &str) -> String {
    let row = serde_json::json!({
        "seq": seq, "ts": ts,
        "actor_kind": record.actor_kind, "actor_id": record.actor_id, "actor_name": record.actor_name,
        "source_ip": record.source_ip, "user_agent": record.user_agent,
        "verb": record.verb, "object_kind": record.object_kind, "object_id": record.object_id,
        "details": record.details, "prev_hash": prev_hash,
    });
    let mut data = prev_hash.as_bytes().to_vec();
    data.extend_from_slice(canonical_json(&row).as_bytes());
    sha256_hex(&data)
}

fn entry_from_row(r: &AnyRow) -> Result<AuditEntry, StoreError> {
    let details: String = r.try_get("details")?;
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        ts: r.try_get("ts")?,
        record: AuditRecord {
            actor_kind: r.try_get("actor_kind")?,
            actor_id: r.try_get("actor_id")?,
            actor_name: r.try_get("actor_name")?,
            source_ip: r.try_get("source_ip")?,
            user_agent: r.try_get("user_agent")?,
            verb: r.try_get("verb")?,
            object_kind: r.try_get("object_kind")?,
            object_id: r.try_get("object_id")?,
            details: serde_json::from_str(&details).map_err(|source| StoreError::Json { what: "audit_log.details", source })?,
        },
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const COLUMNS: &str =
    "seq, ts, actor_kind, actor_id, actor_name, source_ip, user_agent, verb, object_kind, object_id, details, prev_hash, hash";

impl Store {
    /// Appends one row to the chain and returns it.
    pub async fn append_audit(&self, mut record: AuditRecord) -> Result<AuditEntry, StoreError> {
        record.user_agent = record.user_agent.chars().take(500).collect();
        let _guard = self.audit_lock.lock().await;
        let mut tx = self.write.begin().await?;
        let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *tx).await?;
        let (seq, prev_hash) = match last {
            Some(r) => (r.try_get::<i64, _>("seq")? + 1, r.try_get::<String, _>("hash")?),
            None => (1, String::new()),
        };
        let ts = now_ms();
        let hash = entry_hash(seq, ts, &record, &prev_hash);
        sqlx::query(self.sql(format!("INSERT INTO audit_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))
            .bind(seq)
            .bind(ts)
            .bind(record.actor_kind.as_str())
            .bind(record.actor_id)
            .bind(record.actor_name.as_str())
            .bind(record.source_ip.as_str())
            .bind(record.user_agent.as_str())
            .bind(record.verb.as_str())
            .bind(record.object_kind.as_str())
            .bind(record.object_id.as_str())
            .bind(canonical_json(&record.details))
            .bind(prev_hash.as_str())
            .bind(hash.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(AuditEntry { seq, ts, record, prev_hash, hash })
    }

    /// Newest first; `before` is the cursor (a `seq`); `verb` filters by prefix.
    pub async fn audit_entries(
        &self,
        before: Option<i64>,
        limit: i64,
        verb: Option<&str>,
        actor: Option<&str>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq < ?");
        if verb.is_some() {
            sql.push_str(" AND verb LIKE ?");
        }
        if actor.is_some() {
            sql.push_str(" AND actor_name = ?");
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        let sql = self.sql(sql);
        let mut q = sqlx::query(sql).bind(before.unwrap_or(i64::MAX));
        if let Some(v) = verb {
            q = q.bind(format!("{v}%"));
        }
        if let Some(a) = actor {
            q = q.bind(a);
        }
        let rows = q.bind(limit).fetch_all(&self.read).await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Recomputes the chain from `from` to `to` (inclusive seqs) and names the first row that
    /// does not fit: a changed row, a removed one (a gap in `seq`) or a broken link.
    pub async fn verify_audit_log(&self, from: Option<i64>, to: Option<i64>) -> Result<AuditVerification, StoreError> {
        let from = from.unwrap_or(1).max(1);
        let to = to.unwrap_or(i64::MAX);
        let mut expected_prev: Option<String> = None;
        let mut expected_seq = from;
        let mut checked = 0;
        if from > 1 {
            let row = sqlx::query(self.sql("SELECT hash FROM audit_log WHERE seq = ?")).bind(from - 1).fetch_optional(&self.read).await?;
            expected_prev = row.map(|r| r.try_get::<String, _>("hash")).transpose()?;
        } else {
            expected_prev = expected_prev.or(Some(String::new()));
        }
        let broken = |seq: i64, checked: i64, reason: String| AuditVerification {
            ok: false,
            checked,
            last_seq: seq - 1,
            broken_seq: Some(seq),
            reason: Some(reason),
        };
        loop {
            let rows =
                sqlx::query(self.sql(format!("SELECT {COLUMNS} FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT 1000")))
                    .bind(expected_seq)
                    .bind(to)
                    .fetch_all(&self.read)
                    .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let entry = match entry_from_row(row) {
                    Ok(entry) => entry,
                    Err(err) => {
                        let seq = row.try_get::<i64, _>("seq").unwrap_or(expected_seq);
                        return Ok(broken(seq, checked, format!("row does not decode: {err}")));
                    }
                };
                if entry.seq != expected_seq {
                    return Ok(broken(expected_seq, checked, format!("row {expected_seq} is missing")));
                }
                if let Some(prev) = &expected_prev
                    && &entry.prev_hash != prev
                {
                    return Ok(broken(entry.seq, checked, "prev_hash does not match the previous row".into()));
                }
                if entry_hash(entry.seq, entry.ts, &entry.record, &entry.prev_hash) != entry.hash {
                    return Ok(broken(entry.seq, checked, "row content does not match its hash".into()));
                }
                checked += 1;
                expected_seq = entry.seq + 1;
                expected_prev = Some(entry.hash);
            }
        }
        Ok(AuditVerification { ok: true, checked, last_seq: expected_seq - 1, broken_seq: None, reason: None })
    }
}
