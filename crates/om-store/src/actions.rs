//! The action catalog's rows: the current definition per action and every version of it
//! (WEB-40, WEB-44). The definition is JSON whose shape om-server owns.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, now_ms, sha256_hex};

/// The first id given to an action created without one; lower ids are the book's.
pub const FIRST_ACTION_ID: i64 = 1001;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    pub id: i64,
    pub name: String,
    pub group: String,
    pub caption: String,
    pub definition: serde_json::Value,
    pub version_id: i64,
    pub enabled: bool,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionVersionRow {
    pub id: i64,
    pub action_id: i64,
    pub definition: serde_json::Value,
    pub sha256: String,
    pub author: String,
    pub created_at: i64,
}

fn action_from_row(r: &AnyRow) -> Result<ActionRow, StoreError> {
    let definition: String = r.try_get("definition")?;
    Ok(ActionRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        group: r.try_get("grp")?,
        caption: r.try_get("caption")?,
        definition: serde_json::from_str(&definition).map_err(|source| StoreError::Json { what: "action.definition", source })?,
        version_id: r.try_get("version_id")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Canonical JSON: object keys sorted at every depth, no whitespace. Hashes and signatures
/// are taken over this form.
pub fn canonical_json(value: &serde_json::Value) -> String {
    fn sorted(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let mut keys: Vec<_> = map.keys().collect();
                keys.sort();
                serde_json::Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
            }
            serde_json::Value::Array(items) => serde_json::Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

impl Store {
    pub async fn actions(&self) -> Result<Vec<ActionRow>, StoreError> {
        let rows = sqlx::query("SELECT id, name, grp, caption, definition, version_id, enabled, updated_at FROM action ORDER BY grp, id")
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(action_from_row).collect()
    }

    pub async fn action(&self, id: i64) -> Result<ActionRow, StoreError> {
        let row =
            sqlx::query(self.sql("SELECT id, name, grp, caption, definition, version_id, enabled, updated_at FROM action WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        row.as_ref().map(action_from_row).transpose()?.ok_or(StoreError::NotFound { what: "action", key: id.to_string() })
    }

    pub async fn action_by_name(&self, name: &str) -> Result<Option<ActionRow>, StoreError> {
        let row =
            sqlx::query(self.sql("SELECT id, name, grp, caption, definition, version_id, enabled, updated_at FROM action WHERE name = ?"))
                .bind(name)
                .fetch_optional(&self.read)
                .await?;
        row.as_ref().map(action_from_row).transpose()
    }

    pub async fn action_version(&self, id: i64) -> Result<ActionVersionRow, StoreError> {
        let row = sqlx::query(self.sql("SELECT id, action_id, definition, sha256, author, created_at FROM action_version WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        let r = row.ok_or(StoreError::NotFound { what: "action version", key: id.to_string() })?;
        let definition: String = r.try_get("definition")?;
        Ok(ActionVersionRow {
            id: r.try_get("id")?,
            action_id: r.try_get("action_id")?,
            definition: serde_json::from_str(&definition)
                .map_err(|source| StoreError::Json { what: "action_version.definition", source })?,
            sha256: r.try_get("sha256")?,
            author: r.try_get("author")?,
            created_at: r.try_get("created_at")?,
        })
    }

    /// Creates an action (with `id`, or the next free one from 1001) and its first version.
    pub async fn create_action(
        &self,
        id: Option<i64>,
        name: &str,
        group: &str,
        caption: &str,
        definition: &serde_json::Value,
        author: &str,
    ) -> Result<ActionRow, StoreError> {
        let mut tx = self.write.begin().await?;
        let id = match id {
            Some(id) => id,
            None => {
                let row = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM action").fetch_one(&mut *tx).await?;
                (row.try_get::<i64, _>(0)? + 1).max(FIRST_ACTION_ID)
            }
        };
        let text = canonical_json(definition);
        let now = now_ms();
        let version_sql =
            self.insert_sql("INSERT INTO action_version (action_id, definition, sha256, author, created_at) VALUES (?, ?, ?, ?, ?)", "id");
        let version_id = self
            .insert_id(version_sql, |q| q.bind(id).bind(text.clone()).bind(sha256_hex(text.as_bytes())).bind(author).bind(now), &mut *tx)
            .await?;
        sqlx::query(self.sql(
            "INSERT INTO action (id, name, grp, caption, definition, version_id, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
        ))
        .bind(id)
        .bind(name)
        .bind(group)
        .bind(caption)
        .bind(text)
        .bind(version_id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_or(e, "action", name))?;
        tx.commit().await?;
        self.action(id).await
    }

    /// Replaces an action's definition, adding a version; unchanged definitions add none.
    #[allow(clippy::too_many_arguments)] // one column each; a struct would only rename them
    pub async fn update_action(
        &self,
        id: i64,
        name: &str,
        group: &str,
        caption: &str,
        definition: &serde_json::Value,
        enabled: bool,
        author: &str,
    ) -> Result<ActionRow, StoreError> {
        let current = self.action(id).await?;
        let text = canonical_json(definition);
        let mut tx = self.write.begin().await?;
        let now = now_ms();
        let version_id = if canonical_json(&current.definition) == text {
            current.version_id
        } else {
            let sql = self
                .insert_sql("INSERT INTO action_version (action_id, definition, sha256, author, created_at) VALUES (?, ?, ?, ?, ?)", "id");
            self.insert_id(sql, |q| q.bind(id).bind(text.clone()).bind(sha256_hex(text.as_bytes())).bind(author).bind(now), &mut *tx)
                .await?
        };
        sqlx::query(self.sql(
            "UPDATE action SET name = ?, grp = ?, caption = ?, definition = ?, version_id = ?, enabled = ?, updated_at = ? WHERE id = ?",
        ))
        .bind(name)
        .bind(group)
        .bind(caption)
        .bind(text)
        .bind(version_id)
        .bind(i64::from(enabled))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_or(e, "action", name))?;
        tx.commit().await?;
        self.action(id).await
    }

    pub async fn delete_action(&self, id: i64) -> Result<ActionRow, StoreError> {
        let action = self.action(id).await?;
        sqlx::query(self.sql("DELETE FROM action WHERE id = ?")).bind(id).execute(&self.write).await?;
        Ok(action)
    }
}
