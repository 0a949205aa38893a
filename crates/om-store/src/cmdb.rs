//! The CMDB: function categories → application categories → servers (WEB-30, WEB-31).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, now_ms};

/// A function category, the top of the hierarchy (`Linux.Web`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunCategory {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub sort_order: i64,
}

/// An application category inside a function category (`bbs.domain.com`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppCategory {
    pub id: i64,
    pub fun_category_id: i64,
    pub name: String,
    pub description: String,
}

/// A managed server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Server {
    pub id: i64,
    pub hostname: String,
    pub ip_internal: String,
    pub ip_external: String,
    pub os: String,
    pub app_category_id: i64,
    /// Filled from the application category on reads.
    pub fun_category_id: i64,
    pub zone: String,
    pub status: String,
    pub ssh_user: String,
    pub ssh_port: i64,
    pub tags: Vec<String>,
    pub vars: serde_json::Map<String, serde_json::Value>,
    pub enabled: bool,
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a client sends to create or replace a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerInput {
    pub hostname: String,
    #[serde(default)]
    pub ip_internal: String,
    #[serde(default)]
    pub ip_external: String,
    #[serde(default)]
    pub os: String,
    pub app_category_id: i64,
    #[serde(default = "default_zone")]
    pub zone: String,
    #[serde(default = "default_status")]
    pub status: String,
    #[serde(default)]
    pub ssh_user: String,
    #[serde(default = "default_port")]
    pub ssh_port: i64,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub vars: serde_json::Map<String, serde_json::Value>,
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default = "default_source")]
    pub source: String,
}

fn default_zone() -> String {
    "default".into()
}
fn default_status() -> String {
    "active".into()
}
fn default_port() -> i64 {
    22
}
fn default_true() -> bool {
    true
}
fn default_source() -> String {
    "manual".into()
}

/// Which servers a list asks for. Scope ids restrict to what a user may read; `None` means
/// no restriction.
#[derive(Debug, Clone, Default)]
pub struct ServerFilter {
    pub fun_category_id: Option<i64>,
    pub app_category_id: Option<i64>,
    pub ids: Option<Vec<i64>>,
    /// Hostnames, case-insensitive.
    pub names: Option<Vec<String>>,
    pub q: Option<String>,
    pub enabled_only: bool,
}

const SERVER_COLUMNS: &str = "s.id, s.hostname, s.ip_internal, s.ip_external, s.os, s.app_category_id, a.fun_category_id, s.zone, s.status, \
     s.ssh_user, s.ssh_port, s.tags, s.vars, s.enabled, s.source, s.created_at, s.updated_at";

fn server_from_row(row: &AnyRow) -> Result<Server, StoreError> {
    let tags: String = row.try_get("tags")?;
    let vars: String = row.try_get("vars")?;
    Ok(Server {
        id: row.try_get("id")?,
        hostname: row.try_get("hostname")?,
        ip_internal: row.try_get("ip_internal")?,
        ip_external: row.try_get("ip_external")?,
        os: row.try_get("os")?,
        app_category_id: row.try_get("app_category_id")?,
        fun_category_id: row.try_get("fun_category_id")?,
        zone: row.try_get("zone")?,
        status: row.try_get("status")?,
        ssh_user: row.try_get("ssh_user")?,
        ssh_port: row.try_get("ssh_port")?,
        tags: serde_json::from_str(&tags).map_err(|source| StoreError::Json { what: "server.tags", source })?,
        vars: serde_json::from_str(&vars).map_err(|source| StoreError::Json { what: "server.vars", source })?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        source: row.try_get("source")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    pub async fn fun_categories(&self) -> Result<Vec<FunCategory>, StoreError> {
        let rows = sqlx::query("SELECT id, name, description, sort_order FROM fun_category ORDER BY sort_order, name")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(FunCategory {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                    sort_order: r.try_get("sort_order")?,
                })
            })
            .collect()
    }

    pub async fn fun_category(&self, id: i64) -> Result<FunCategory, StoreError> {
        self.fun_categories()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound { what: "function category", key: id.to_string() })
    }

    pub async fn create_fun_category(&self, name: &str, description: &str, sort_order: i64) -> Result<FunCategory, StoreError> {
        let now = now_ms();
        let sql = self
            .insert_sql("INSERT INTO fun_category (name, description, sort_order, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", "id");
        let id = self
            .insert_id(sql, |q| q.bind(name).bind(description).bind(sort_order).bind(now).bind(now), &self.write)
            .await
            .map_err(|e| StoreError::conflict_or(e, "function category", name))?;
        Ok(FunCategory { id, name: name.into(), description: description.into(), sort_order })
    }

    pub async fn update_fun_category(&self, id: i64, name: &str, description: &str, sort_order: i64) -> Result<FunCategory, StoreError> {
        let done = sqlx::query(self.sql("UPDATE fun_category SET name = ?, description = ?, sort_order = ?, updated_at = ? WHERE id = ?"))
            .bind(name)
            .bind(description)
            .bind(sort_order)
            .bind(now_ms())
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(|e| StoreError::conflict_or(e, "function category", name))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "function category", key: id.to_string() });
        }
        Ok(FunCategory { id, name: name.into(), description: description.into(), sort_order })
    }

    /// Deletes an empty function category; one with application categories is refused.
    pub async fn delete_fun_category(&self, id: i64) -> Result<FunCategory, StoreError> {
        let category = self.fun_category(id).await?;
        let count = self.count("SELECT COUNT(*) FROM app_category WHERE fun_category_id = ?", id).await?;
        if count > 0 {
            return Err(StoreError::NotEmpty { what: "function category", key: category.name, count, children: "application categories" });
        }
        sqlx::query(self.sql("DELETE FROM fun_category WHERE id = ?")).bind(id).execute(&self.write).await?;
        Ok(category)
    }

    pub async fn app_categories(&self, fun_category_id: Option<i64>) -> Result<Vec<AppCategory>, StoreError> {
        let rows = match fun_category_id {
            Some(f) => {
                sqlx::query(
                    self.sql("SELECT id, fun_category_id, name, description FROM app_category WHERE fun_category_id = ? ORDER BY name"),
                )
                .bind(f)
                .fetch_all(&self.read)
                .await?
            }
            None => {
                sqlx::query("SELECT id, fun_category_id, name, description FROM app_category ORDER BY name").fetch_all(&self.read).await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(AppCategory {
                    id: r.try_get("id")?,
                    fun_category_id: r.try_get("fun_category_id")?,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                })
            })
            .collect()
    }

    pub async fn app_category(&self, id: i64) -> Result<AppCategory, StoreError> {
        self.app_categories(None)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound { what: "application category", key: id.to_string() })
    }

    pub async fn create_app_category(&self, fun_category_id: i64, name: &str, description: &str) -> Result<AppCategory, StoreError> {
        self.fun_category(fun_category_id).await?;
        let now = now_ms();
        let sql = self.insert_sql(
            "INSERT INTO app_category (fun_category_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            "id",
        );
        let id = self
            .insert_id(sql, |q| q.bind(fun_category_id).bind(name).bind(description).bind(now).bind(now), &self.write)
            .await
            .map_err(|e| StoreError::conflict_or(e, "application category", name))?;
        Ok(AppCategory { id, fun_category_id, name: name.into(), description: description.into() })
    }

    pub async fn update_app_category(
        &self,
        id: i64,
        fun_category_id: i64,
        name: &str,
        description: &str,
    ) -> Result<AppCategory, StoreError> {
        self.fun_category(fun_category_id).await?;
        let done =
            sqlx::query(self.sql("UPDATE app_category SET fun_category_id = ?, name = ?, description = ?, updated_at = ? WHERE id = ?"))
                .bind(fun_category_id)
                .bind(name)
                .bind(description)
                .bind(now_ms())
                .bind(id)
                .execute(&self.write)
                .await
                .map_err(|e| StoreError::conflict_or(e, "application category", name))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "application category", key: id.to_string() });
        }
        Ok(AppCategory { id, fun_category_id, name: name.into(), description: description.into() })
    }

    /// Deletes an empty application category; one with servers is refused.
    pub async fn delete_app_category(&self, id: i64) -> Result<AppCategory, StoreError> {
        let category = self.app_category(id).await?;
        let count = self.count("SELECT COUNT(*) FROM server WHERE app_category_id = ?", id).await?;
        if count > 0 {
            return Err(StoreError::NotEmpty { what: "application category", key: category.name, count, children: "servers" });
        }
        sqlx::query(self.sql("DELETE FROM app_category WHERE id = ?")).bind(id).execute(&self.write).await?;
        Ok(category)
    }

    pub(crate) async fn count(&self, sql: &str, id: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(self.sql(sql)).bind(id).fetch_one(&self.read).await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    pub async fn servers(&self, filter: &ServerFilter) -> Result<Vec<Server>, StoreError> {
        let mut sql = format!("SELECT {SERVER_COLUMNS} FROM server s JOIN app_category a ON a.id = s.app_category_id WHERE 1 = 1");
        if filter.fun_category_id.is_some() {
            sql.push_str(" AND a.fun_category_id = ?");
        }
        if filter.app_category_id.is_some() {
            sql.push_str(" AND s.app_category_id = ?");
        }
        if filter.q.is_some() {
            sql.push_str(
                " AND (LOWER(s.hostname) LIKE ? ESCAPE '!' OR s.ip_internal LIKE ? ESCAPE '!' OR s.ip_external LIKE ? ESCAPE '!')",
            );
        }
        if filter.enabled_only {
            sql.push_str(" AND s.enabled = 1");
        }
        if let Some(ids) = &filter.ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            sql.push_str(&format!(" AND s.id IN ({})", vec!["?"; ids.len()].join(", ")));
        }
        if let Some(names) = &filter.names {
            if names.is_empty() {
                return Ok(Vec::new());
            }
            sql.push_str(&format!(" AND s.hostname_key IN ({})", vec!["?"; names.len()].join(", ")));
        }
        sql.push_str(" ORDER BY s.hostname_key");
        let sql = self.sql(sql);
        let mut query = sqlx::query(sql);
        if let Some(f) = filter.fun_category_id {
            query = query.bind(f);
        }
        if let Some(a) = filter.app_category_id {
            query = query.bind(a);
        }
        if let Some(q) = &filter.q {
            let pattern = Store::like(q);
            query = query.bind(pattern.clone()).bind(pattern.clone()).bind(pattern);
        }
        if let Some(ids) = &filter.ids {
            for id in ids {
                query = query.bind(*id);
            }
        }
        if let Some(names) = &filter.names {
            for name in names {
                query = query.bind(name.to_lowercase());
            }
        }
        let rows = query.fetch_all(&self.read).await?;
        rows.iter().map(server_from_row).collect()
    }

    pub async fn server(&self, id: i64) -> Result<Server, StoreError> {
        let sql = format!("SELECT {SERVER_COLUMNS} FROM server s JOIN app_category a ON a.id = s.app_category_id WHERE s.id = ?");
        let row = sqlx::query(self.sql(&sql)).bind(id).fetch_optional(&self.read).await?;
        row.as_ref().map(server_from_row).transpose()?.ok_or(StoreError::NotFound { what: "server", key: id.to_string() })
    }

    pub async fn server_by_name(&self, hostname: &str) -> Result<Option<Server>, StoreError> {
        let sql = format!("SELECT {SERVER_COLUMNS} FROM server s JOIN app_category a ON a.id = s.app_category_id WHERE s.hostname_key = ?");
        let row = sqlx::query(self.sql(&sql)).bind(hostname.to_lowercase()).fetch_optional(&self.read).await?;
        row.as_ref().map(server_from_row).transpose()
    }

    pub async fn create_server(&self, input: &ServerInput) -> Result<Server, StoreError> {
        self.app_category(input.app_category_id).await?;
        let now = now_ms();
        let sql = self.insert_sql(
            "INSERT INTO server (hostname, hostname_key, ip_internal, ip_external, os, app_category_id, zone, status, ssh_user, ssh_port, tags, vars, \
             enabled, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "id",
        );
        let tags = serde_json::to_string(&input.tags).map_err(|source| StoreError::Json { what: "server.tags", source })?;
        let vars = serde_json::to_string(&input.vars).map_err(|source| StoreError::Json { what: "server.vars", source })?;
        let id = self
            .insert_id(
                sql,
                |q| {
                    q.bind(input.hostname.as_str())
                        .bind(input.hostname.to_lowercase())
                        .bind(input.ip_internal.as_str())
                        .bind(input.ip_external.as_str())
                        .bind(input.os.as_str())
                        .bind(input.app_category_id)
                        .bind(input.zone.as_str())
                        .bind(input.status.as_str())
                        .bind(input.ssh_user.as_str())
                        .bind(input.ssh_port)
                        .bind(tags)
                        .bind(vars)
                        .bind(i64::from(input.enabled))
                        .bind(input.source.as_str())
                        .bind(now)
                        .bind(now)
                },
                &self.write,
            )
            .await
            .map_err(|e| StoreError::conflict_or(e, "server", input.hostname.as_str()))?;
        self.server(id).await
    }

    pub async fn update_server(&self, id: i64, input: &ServerInput) -> Result<Server, StoreError> {
        self.app_category(input.app_category_id).await?;
        let tags = serde_json::to_string(&input.tags).map_err(|source| StoreError::Json { what: "server.tags", source })?;
        let vars = serde_json::to_string(&input.vars).map_err(|source| StoreError::Json { what: "server.vars", source })?;
        let done = sqlx::query(self.sql(
            "UPDATE server SET hostname = ?, hostname_key = ?, ip_internal = ?, ip_external = ?, os = ?, app_category_id = ?, zone = ?, status = ?, \
             ssh_user = ?, ssh_port = ?, tags = ?, vars = ?, enabled = ?, source = ?, updated_at = ? WHERE id = ?",
        ))
        .bind(input.hostname.as_str())
        .bind(input.hostname.to_lowercase())
        .bind(input.ip_internal.as_str())
        .bind(input.ip_external.as_str())
        .bind(input.os.as_str())
        .bind(input.app_category_id)
        .bind(input.zone.as_str())
        .bind(input.status.as_str())
        .bind(input.ssh_user.as_str())
        .bind(input.ssh_port)
        .bind(tags)
        .bind(vars)
        .bind(i64::from(input.enabled))
        .bind(input.source.as_str())
        .bind(now_ms())
        .bind(id)
        .execute(&self.write)
        .await
        .map_err(|e| StoreError::conflict_or(e, "server", input.hostname.as_str()))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "server", key: id.to_string() });
        }
        self.server(id).await
    }

    pub async fn delete_server(&self, id: i64) -> Result<Server, StoreError> {
        let server = self.server(id).await?;
        sqlx::query(self.sql("DELETE FROM server WHERE id = ?")).bind(id).execute(&self.write).await?;
        Ok(server)
    }
}
