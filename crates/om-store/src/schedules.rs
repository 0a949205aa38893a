//! Schedules (WEB-70): what runs when, as whom. The scheduler claims a due schedule by moving
//! its `next_run` with a compare-and-set, so two `om serve` processes never fire one slot
//! twice, and a schedule that was due many times during a downtime fires once.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub id: i64,
    pub name: String,
    pub cron: String,
    pub timezone: String,
    pub action_id: i64,
    pub params: serde_json::Value,
    /// `{"servers": [...]}` or `{"app_category": id}` / `{"fun_category": id}`, resolved at
    /// each run.
    pub targets: serde_json::Value,
    pub owner_id: i64,
    pub enabled: bool,
    pub next_run: Option<i64>,
    pub last_run: Option<i64>,
    pub last_job_id: Option<i64>,
    pub last_error: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What creating or editing a schedule sets.
#[derive(Debug, Clone)]
pub struct ScheduleInput {
    pub name: String,
    pub cron: String,
    pub timezone: String,
    pub action_id: i64,
    pub params: serde_json::Value,
    pub targets: serde_json::Value,
    pub owner_id: i64,
    pub enabled: bool,
    pub next_run: Option<i64>,
}

const COLUMNS: &str = "id, name, cron, timezone, action_id, params, targets, owner_id, enabled, next_run, last_run, last_job_id, last_error, created_at, updated_at";

fn from_row(r: &AnyRow) -> Result<Schedule, StoreError> {
    let json = |col: &str| -> Result<serde_json::Value, StoreError> {
        let text: String = r.try_get(col)?;
        Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    };
    Ok(Schedule {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        cron: r.try_get("cron")?,
        timezone: r.try_get("timezone")?,
        action_id: r.try_get("action_id")?,
        params: json("params")?,
        targets: json("targets")?,
        owner_id: r.try_get("owner_id")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        next_run: r.try_get("next_run")?,
        last_run: r.try_get("last_run")?,
        last_job_id: r.try_get("last_job_id")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

impl Store {
    pub async fn create_schedule(&self, s: &ScheduleInput) -> Result<Schedule, StoreError> {
        let now = now_ms();
        let sql = self.insert_sql(
            "INSERT INTO schedule (name, cron, timezone, action_id, params, targets, owner_id, enabled, next_run, last_error, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)",
            "id",
        );
        let id = self
            .insert_id(
                sql,
                |q| {
                    q.bind(s.name.as_str())
                        .bind(s.cron.as_str())
                        .bind(s.timezone.as_str())
                        .bind(s.action_id)
                        .bind(s.params.to_string())
                        .bind(s.targets.to_string())
                        .bind(s.owner_id)
                        .bind(i64::from(s.enabled))
                        .bind(s.next_run)
                        .bind(now)
                        .bind(now)
                },
                &self.write,
            )
            .await?;
        self.schedule(id).await
    }

    /// Replaces what a schedule does and when (the owner stays).
    pub async fn update_schedule(&self, id: i64, s: &ScheduleInput) -> Result<Schedule, StoreError> {
        let done = sqlx::query(self.sql(
            "UPDATE schedule SET name = ?, cron = ?, timezone = ?, action_id = ?, params = ?, targets = ?, enabled = ?, next_run = ?, updated_at = ? WHERE id = ?",
        ))
        .bind(s.name.as_str())
        .bind(s.cron.as_str())
        .bind(s.timezone.as_str())
        .bind(s.action_id)
        .bind(s.params.to_string())
        .bind(s.targets.to_string())
        .bind(i64::from(s.enabled))
        .bind(s.next_run)
        .bind(now_ms())
        .bind(id)
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "schedule", key: id.to_string() });
        }
        self.schedule(id).await
    }

    pub async fn delete_schedule(&self, id: i64) -> Result<(), StoreError> {
        let done = sqlx::query(self.sql("DELETE FROM schedule WHERE id = ?")).bind(id).execute(&self.write).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "schedule", key: id.to_string() });
        }
        Ok(())
    }

    pub async fn schedule(&self, id: i64) -> Result<Schedule, StoreError> {
        let row = sqlx::query(self.sql(format!("SELECT {COLUMNS} FROM schedule WHERE id = ?"))).bind(id).fetch_optional(&self.read).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound { what: "schedule", key: id.to_string() })
    }

    /// Every schedule, or those of `owner`, by id.
    pub async fn schedules(&self, owner: Option<i64>) -> Result<Vec<Schedule>, StoreError> {
        let rows = match owner {
            Some(o) => {
                sqlx::query(self.sql(format!("SELECT {COLUMNS} FROM schedule WHERE owner_id = ? ORDER BY id")))
                    .bind(o)
                    .fetch_all(&self.read)
                    .await?
            }
            None => sqlx::query(self.sql(format!("SELECT {COLUMNS} FROM schedule ORDER BY id"))).fetch_all(&self.read).await?,
        };
        rows.iter().map(from_row).collect()
    }

    /// Enabled schedules whose next run is at or before `now`.
    pub async fn due_schedules(&self, now: i64) -> Result<Vec<Schedule>, StoreError> {
        let rows = sqlx::query(self.sql(format!(
            "SELECT {COLUMNS} FROM schedule WHERE enabled = 1 AND next_run IS NOT NULL AND next_run <= ? ORDER BY next_run, id"
        )))
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Claims the run due at `due`: moves `next_run` to `next` only if it is still `due`.
    /// True when this caller won the slot.
    pub async fn claim_schedule_run(&self, id: i64, due: i64, next: Option<i64>, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(self.sql("UPDATE schedule SET next_run = ?, last_run = ? WHERE id = ? AND next_run = ?"))
            .bind(next)
            .bind(now)
            .bind(id)
            .bind(due)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records what a run launched, or why it could not.
    pub async fn record_schedule_run(&self, id: i64, job_id: Option<i64>, error: &str) -> Result<(), StoreError> {
        sqlx::query(self.sql("UPDATE schedule SET last_job_id = COALESCE(?, last_job_id), last_error = ? WHERE id = ?"))
            .bind(job_id)
            .bind(error)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
