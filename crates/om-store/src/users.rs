//! Users, role bindings, sessions and API tokens (WEB-90 – WEB-95). Secrets are never stored:
//! passwords as argon2id PHC strings (hashed by the caller), session ids and tokens as SHA-256.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

/// A role given to a user at a scope: `global` (scope id 0), `fun` or `app` category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleBinding {
    pub id: i64,
    pub user_id: i64,
    pub role: String,
    pub scope_kind: String,
    pub scope_id: i64,
}

/// A server-side login session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub csrf: String,
    pub created_at: i64,
    pub last_seen: i64,
    pub ip: String,
}

/// An API token's record; the token itself is shown once at creation and never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    /// `read`, `run` or `admin`.
    pub scope: String,
    /// `global`, `fun` or `app`: an optional category the token is limited to.
    pub scope_kind: String,
    pub scope_id: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub revoked: bool,
    pub created_at: i64,
}

const USER_COLUMNS: &str = "id, username, display_name, email, password_hash, disabled, must_change_password, created_at, last_login_at";

fn user_from_row(r: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        email: r.try_get("email")?,
        password_hash: r.try_get("password_hash")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        created_at: r.try_get("created_at")?,
        last_login_at: r.try_get("last_login_at")?,
    })
}

const TOKEN_COLUMNS: &str = "id, name, user_id, scope, scope_kind, scope_id, expires_at, last_used_at, last_used_ip, revoked, created_at";

fn token_from_row(r: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        user_id: r.try_get("user_id")?,
        scope: r.try_get("scope")?,
        scope_kind: r.try_get("scope_kind")?,
        scope_id: r.try_get("scope_id")?,
        expires_at: r.try_get("expires_at")?,
        last_used_at: r.try_get("last_used_at")?,
        last_used_ip: r.try_get("last_used_ip")?,
        revoked: r.try_get::<i64, _>("revoked")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM users").fetch_one(&self.read).await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(self.sql(format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"))).fetch_all(&self.read).await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        let row =
            sqlx::query(self.sql(format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))).bind(id).fetch_optional(&self.read).await?;
        row.as_ref().map(user_from_row).transpose()?.ok_or(StoreError::NotFound { what: "user", key: id.to_string() })
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(self.sql(format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?")))
            .bind(username)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Creates a user with a role at global scope.
    pub async fn create_user(
        &self,
        username: &str,
        display_name: &str,
        password_hash: &str,
        role: &str,
        must_change: bool,
    ) -> Result<User, StoreError> {
        let now = now_ms();
        let mut tx = self.write.begin().await?;
        let sql = self.insert_sql(
            "INSERT INTO users (username, display_name, email, password_hash, disabled, must_change_password, created_at, updated_at) \
             VALUES (?, ?, '', ?, 0, ?, ?, ?)",
            "id",
        );
        let id = self
            .insert_id(
                sql,
                |q| q.bind(username).bind(display_name).bind(password_hash).bind(i64::from(must_change)).bind(now).bind(now),
                &mut *tx,
            )
            .await
            .map_err(|e| StoreError::conflict_or(e, "user", username))?;
        sqlx::query(self.sql("INSERT INTO role_binding (user_id, role, scope_kind, scope_id, created_at) VALUES (?, ?, 'global', 0, ?)"))
            .bind(id)
            .bind(role)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.user(id).await
    }

    pub async fn set_password(&self, user_id: i64, password_hash: &str, must_change: bool) -> Result<(), StoreError> {
        sqlx::query(self.sql("UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?"))
            .bind(password_hash)
            .bind(i64::from(must_change))
            .bind(now_ms())
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<(), StoreError> {
        sqlx::query(self.sql("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?"))
            .bind(i64::from(disabled))
            .bind(now_ms())
            .bind(user_id)
            .execute(&self.write)
            .await?;
        if disabled {
            sqlx::query(self.sql("DELETE FROM session WHERE user_id = ?")).bind(user_id).execute(&self.write).await?;
        }
        Ok(())
    }

    pub async fn role_bindings(&self, user_id: i64) -> Result<Vec<RoleBinding>, StoreError> {
        let rows = sqlx::query(self.sql("SELECT id, user_id, role, scope_kind, scope_id FROM role_binding WHERE user_id = ? ORDER BY id"))
            .bind(user_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(RoleBinding {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    role: r.try_get("role")?,
                    scope_kind: r.try_get("scope_kind")?,
                    scope_id: r.try_get("scope_id")?,
                })
            })
            .collect()
    }

    /// Replaces a user's role bindings.
    pub async fn set_role_bindings(&self, user_id: i64, bindings: &[(String, String, i64)]) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        sqlx::query(self.sql("DELETE FROM role_binding WHERE user_id = ?")).bind(user_id).execute(&mut *tx).await?;
        for (role, kind, scope) in bindings {
            sqlx::query(self.sql("INSERT INTO role_binding (user_id, role, scope_kind, scope_id, created_at) VALUES (?, ?, ?, ?, ?)"))
                .bind(user_id)
                .bind(role.as_str())
                .bind(kind.as_str())
                .bind(*scope)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_login(&self, user_id: i64) -> Result<(), StoreError> {
        sqlx::query(self.sql("UPDATE users SET last_login_at = ? WHERE id = ?")).bind(now_ms()).bind(user_id).execute(&self.write).await?;
        Ok(())
    }

    /// Stores a new session for the SHA-256 `token_hash` of its cookie value.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        ip: &str,
        user_agent: &str,
    ) -> Result<Session, StoreError> {
        let now = now_ms();
        let sql = self.insert_sql(
            "INSERT INTO session (token_hash, user_id, csrf, created_at, last_seen, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
            "id",
        );
        let agent: String = user_agent.chars().take(500).collect();
        let id = self
            .insert_id(sql, |q| q.bind(token_hash).bind(user_id).bind(csrf).bind(now).bind(now).bind(ip).bind(agent), &self.write)
            .await?;
        Ok(Session { id, user_id, csrf: csrf.into(), created_at: now, last_seen: now, ip: ip.into() })
    }

    /// The live session for `token_hash`, touched; `None` when unknown or expired (idle
    /// `idle_ms`, absolute `max_ms`), in which case it is deleted.
    pub async fn session(&self, token_hash: &str, idle_ms: i64, max_ms: i64) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(self.sql("SELECT id, user_id, csrf, created_at, last_seen, ip FROM session WHERE token_hash = ?"))
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let session = Session {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            csrf: r.try_get("csrf")?,
            created_at: r.try_get("created_at")?,
            last_seen: r.try_get("last_seen")?,
            ip: r.try_get("ip")?,
        };
        let now = now_ms();
        if now - session.last_seen > idle_ms || now - session.created_at > max_ms {
            self.delete_session(session.id).await?;
            return Ok(None);
        }
        // Touch at most once a minute: a page load fires several requests.
        if now - session.last_seen > 60_000 {
            sqlx::query(self.sql("UPDATE session SET last_seen = ? WHERE id = ?")).bind(now).bind(session.id).execute(&self.write).await?;
        }
        Ok(Some(session))
    }

    pub async fn delete_session(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query(self.sql("DELETE FROM session WHERE id = ?")).bind(id).execute(&self.write).await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)] // one column each; a struct would only rename them
    pub async fn create_token(
        &self,
        token_hash: &str,
        name: &str,
        user_id: i64,
        scope: &str,
        scope_kind: &str,
        scope_id: i64,
        expires_at: Option<i64>,
    ) -> Result<ApiToken, StoreError> {
        let sql = self.insert_sql(
            "INSERT INTO api_token (token_hash, name, user_id, scope, scope_kind, scope_id, expires_at, revoked, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
            "id",
        );
        let id = self
            .insert_id(
                sql,
                |q| q.bind(token_hash).bind(name).bind(user_id).bind(scope).bind(scope_kind).bind(scope_id).bind(expires_at).bind(now_ms()),
                &self.write,
            )
            .await?;
        self.token(id).await
    }

    pub async fn token(&self, id: i64) -> Result<ApiToken, StoreError> {
        let row = sqlx::query(self.sql(format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE id = ?")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(token_from_row).transpose()?.ok_or(StoreError::NotFound { what: "token", key: id.to_string() })
    }

    pub async fn tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
        let rows = match user_id {
            Some(u) => {
                sqlx::query(self.sql(format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE user_id = ? ORDER BY id")))
                    .bind(u)
                    .fetch_all(&self.read)
                    .await?
            }
            None => sqlx::query(self.sql(format!("SELECT {TOKEN_COLUMNS} FROM api_token ORDER BY id"))).fetch_all(&self.read).await?,
        };
        rows.iter().map(token_from_row).collect()
    }

    /// The usable token whose SHA-256 is `token_hash`, with its last use recorded.
    pub async fn token_by_hash(&self, token_hash: &str, ip: &str) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(self.sql(format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE token_hash = ?")))
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?;
        let Some(token) = row.as_ref().map(token_from_row).transpose()? else { return Ok(None) };
        let now = now_ms();
        if token.revoked || token.expires_at.is_some_and(|e| e < now) {
            return Ok(None);
        }
        if token.last_used_at.is_none_or(|t| now - t > 60_000) || token.last_used_ip.as_deref() != Some(ip) {
            sqlx::query(self.sql("UPDATE api_token SET last_used_at = ?, last_used_ip = ? WHERE id = ?"))
                .bind(now)
                .bind(ip)
                .bind(token.id)
                .execute(&self.write)
                .await?;
        }
        Ok(Some(token))
    }

    pub async fn revoke_token(&self, id: i64) -> Result<(), StoreError> {
        let done = sqlx::query(self.sql("UPDATE api_token SET revoked = 1 WHERE id = ?")).bind(id).execute(&self.write).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "token", key: id.to_string() });
        }
        Ok(())
    }
}
