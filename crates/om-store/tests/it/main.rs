//! The store suite, run on SQLite always and on PostgreSQL and MariaDB/MySQL when
//! `OM_TEST_POSTGRES_URL` / `OM_TEST_MYSQL_URL` name a server (scripts/deps/platform.sh starts
//! them). Each test gets a fresh database.

#![allow(clippy::print_stderr)] // skip notes

mod audit;
mod cmdb;
mod events;
mod jobs;
mod schedules;
mod users;

use std::sync::atomic::{AtomicU32, Ordering};

use om_store::Store;

/// A fresh store per available backend, with a label for messages.
pub async fn stores() -> Vec<(String, Store, Option<tempfile::TempDir>)> {
    stores_at(om_store::SCHEMA_VERSION).await
}

/// Like [`stores`], with the schema migrated only up to `version`.
pub async fn stores_at(version: i64) -> Vec<(String, Store, Option<tempfile::TempDir>)> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("om.db").display());
    out.push(("sqlite".to_string(), at(&url, version, "sqlite").await, Some(dir)));
    for (var, label) in [("OM_TEST_POSTGRES_URL", "postgres"), ("OM_TEST_MYSQL_URL", "mysql")] {
        match std::env::var(var) {
            Ok(url) => out.push((label.to_string(), at(&fresh_database(&url).await, version, label).await, None)),
            Err(_) => eprintln!("skipping {label}: {var} is unset (scripts/deps/platform.sh starts one)"),
        }
    }
    out
}

async fn at(url: &str, version: i64, label: &str) -> Store {
    let store = Store::connect(url).await.unwrap_or_else(|e| panic!("{label} opens: {e:?}"));
    store.migrate_to(version).await.unwrap_or_else(|e| panic!("{label} migrates: {e:?}"));
    store
}

/// Creates an empty database on the server of `url` and returns a URL for it.
pub async fn fresh_database(url: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!("om_t{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), om_store::now_ms() % 100_000);
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await.expect("the test database server answers");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("create a test database");
    let base = url.rsplit_once('/').map(|(b, _)| b).expect("a url with a database path");
    format!("{base}/{name}")
}
