//! Connections: one `Any` pool per role (reads, the one writer), the backend's dialect.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyQueryResult};
use sqlx::{AnyPool, AssertSqlSafe, Executor};

use crate::StoreError;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mysql" | "mariadb" => Ok(Backend::Mysql),
            _ => Err(StoreError::UnsupportedUrl { url: redact_url(url) }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }
}

/// The platform's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) read: AnyPool,
    /// On SQLite a single connection: the one writer. Elsewhere the same pool as `read`.
    pub(crate) write: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) audit_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Connects to `url` (`sqlite://path`, `postgres://…`, `mysql://…`) and applies the
    /// embedded migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Mysql if url.starts_with("mariadb:") => Cow::Owned(url.replacen("mariadb:", "mysql:", 1)),
            Backend::Sqlite if !url.contains('?') => Cow::Owned(format!("{url}?mode=rwc")),
            _ => Cow::Borrowed(url),
        };
        let connect_err = |source| StoreError::Connect { url: redact_url(&url), source };
        let options = AnyConnectOptions::from_str(&url).map_err(connect_err)?;
        let (read, write) = match backend {
            Backend::Sqlite => {
                let pool = |max: u32| {
                    AnyPoolOptions::new().max_connections(max).acquire_timeout(Duration::from_secs(30)).after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA journal_mode=WAL").await?;
                            conn.execute("PRAGMA busy_timeout=10000").await?;
                            conn.execute("PRAGMA synchronous=NORMAL").await?;
                            conn.execute("PRAGMA foreign_keys=ON").await?;
                            Ok(())
                        })
                    })
                };
                let write = pool(1).connect_with(options.clone()).await.map_err(connect_err)?;
                let read = pool(8).connect_with(options).await.map_err(connect_err)?;
                (read, write)
            }
            _ => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(connect_err)?;
                (pool.clone(), pool)
            }
        };
        Ok(Store { read, write, backend, audit_lock: Default::default() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers a trivial query (`/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.read).await.is_ok()
    }

    /// The pool that writes, for tests and tools that need SQL the store does not offer.
    pub fn raw_pool(&self) -> AnyPool {
        self.write.clone()
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    /// `sql` with `?` placeholders rewritten for the backend (`$1…` on PostgreSQL), ready for
    /// `sqlx::query`. Every statement of the store is built from constants and `?`
    /// placeholders; values are always bound, never formatted in.
    pub(crate) fn sql(&self, sql: impl AsRef<str>) -> AssertSqlSafe<String> {
        AssertSqlSafe(self.placeholders(sql.as_ref()))
    }

    fn placeholders(&self, sql: &str) -> String {
        if self.backend != Backend::Postgres || !sql.contains('?') {
            return sql.to_string();
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// An `INSERT` that gives back the new row's `id` on every backend (`RETURNING`, or
    /// MySQL's last insert id).
    pub(crate) async fn insert_id<'q>(
        &self,
        sql: String,
        bind: impl FnOnce(
            sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
        ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
        executor: impl Executor<'q, Database = sqlx::Any>,
    ) -> Result<i64, sqlx::Error> {
        use sqlx::Row;
        if self.backend != Backend::Mysql {
            let row = bind(sqlx::query(AssertSqlSafe(sql))).fetch_one(executor).await?;
            row.try_get::<i64, _>(0)
        } else {
            let done: AnyQueryResult = bind(sqlx::query(AssertSqlSafe(sql))).execute(executor).await?;
            Ok(done.last_insert_id().unwrap_or_default())
        }
    }

    /// `insert_sql` for [`Store::insert_id`]: placeholders rewritten, `RETURNING` added where
    /// needed; the name of the key column is `key`.
    pub(crate) fn insert_sql(&self, sql: &str, key: &str) -> String {
        match self.backend {
            Backend::Postgres | Backend::Sqlite => format!("{} RETURNING {key}", self.placeholders(sql)),
            Backend::Mysql => sql.to_string(),
        }
    }

    /// A `LIKE … ESCAPE '!'` pattern matching `text` anywhere, case-insensitively on every backend when
    /// compared against `LOWER(column)`.
    pub(crate) fn like(text: &str) -> String {
        let escaped = text.to_lowercase().replace('!', "!!").replace('%', "!%").replace('_', "!_");
        format!("%{escaped}%")
    }
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            let creds = &url[start + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}{}:****{}", &url[..start + 3], &creds[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_appear_in_messages() {
        assert_eq!(redact_url("postgres://om:hunter2@127.0.0.1:5433/om"), "postgres://om:****@127.0.0.1:5433/om");
        assert_eq!(redact_url("sqlite:///tmp/om.db"), "sqlite:///tmp/om.db");
    }

    #[test]
    fn backends_are_chosen_by_scheme() {
        assert_eq!(Backend::from_url("mariadb://x").expect("known"), Backend::Mysql);
        assert!(matches!(Backend::from_url("oracle://x"), Err(StoreError::UnsupportedUrl { .. })));
    }
}
