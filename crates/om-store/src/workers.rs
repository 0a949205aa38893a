//! Remote workers: one-time enrolment tokens, worker credentials (stored as SHA-256) and
//! heartbeats (WEB-11, WEB-12).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Worker {
    pub id: i64,
    pub name: String,
    pub zone: String,
    pub forks: i64,
    pub last_seen: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrollment {
    pub id: i64,
    pub zone: String,
    pub expires_at: i64,
}

fn worker_from_row(r: &AnyRow) -> Result<Worker, StoreError> {
    Ok(Worker {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        zone: r.try_get("zone")?,
        forks: r.try_get("forks")?,
        last_seen: r.try_get("last_seen")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    pub async fn create_enrollment(
        &self,
        token_hash: &str,
        zone: &str,
        created_by: &str,
        expires_at: i64,
    ) -> Result<Enrollment, StoreError> {
        let sql = self.insert_sql(
            "INSERT INTO worker_enrollment (token_hash, zone, used, created_by, created_at, expires_at) VALUES (?, ?, 0, ?, ?, ?)",
            "id",
        );
        let id =
            self.insert_id(sql, |q| q.bind(token_hash).bind(zone).bind(created_by).bind(now_ms()).bind(expires_at), &self.write).await?;
        Ok(Enrollment { id, zone: zone.into(), expires_at })
    }

    /// Spends a one-time enrolment token and registers the worker with its credential hash.
    /// `None` when the token is unknown, used or expired.
    pub async fn enroll_worker(
        &self,
        token_hash: &str,
        name: &str,
        zone: &str,
        forks: i64,
        credential_hash: &str,
    ) -> Result<Option<Worker>, StoreError> {
        let now = now_ms();
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            self.sql("UPDATE worker_enrollment SET used = 1 WHERE token_hash = ? AND used = 0 AND expires_at > ? AND zone = ?"),
        )
        .bind(token_hash)
        .bind(now)
        .bind(zone)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        let sql = self
            .insert_sql("INSERT INTO worker (name, zone, credential_hash, forks, last_seen, created_at) VALUES (?, ?, ?, ?, ?, ?)", "id");
        let id = self.insert_id(sql, |q| q.bind(name).bind(zone).bind(credential_hash).bind(forks).bind(now).bind(now), &mut *tx).await?;
        tx.commit().await?;
        Ok(Some(Worker { id, name: name.into(), zone: zone.into(), forks, last_seen: now, created_at: now }))
    }

    pub async fn worker_by_credential(&self, credential_hash: &str) -> Result<Option<Worker>, StoreError> {
        let row = sqlx::query(self.sql("SELECT id, name, zone, forks, last_seen, created_at FROM worker WHERE credential_hash = ?"))
            .bind(credential_hash)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(worker_from_row).transpose()
    }

    pub async fn touch_worker(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query(self.sql("UPDATE worker SET last_seen = ? WHERE id = ?")).bind(now_ms()).bind(id).execute(&self.write).await?;
        Ok(())
    }

    pub async fn workers(&self) -> Result<Vec<Worker>, StoreError> {
        let rows = sqlx::query("SELECT id, name, zone, forks, last_seen, created_at FROM worker ORDER BY id").fetch_all(&self.read).await?;
        rows.iter().map(worker_from_row).collect()
    }
}
