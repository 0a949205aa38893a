//! The platform's database: SQLite by default, PostgreSQL and MySQL/MariaDB by URL.
//!
//! One query layer (sqlx's `Any` driver) serves the three backends; SQL is written once with
//! `?` placeholders and rewritten for PostgreSQL. [`Store::open`] connects and applies the
//! embedded migrations; the tables follow the platform spec (WEB-21). Job events reach the
//! database through [`EventWriter`], a bounded channel drained in batches, never row by row.
//!
//! ```no_run
//! # async fn demo() -> Result<(), om_store::StoreError> {
//! let store = om_store::Store::open("sqlite:///var/lib/om/om.db").await?;
//! let page = store.jobs(&om_store::JobFilter::default(), None, 50).await?;
//! # Ok(()) }
//! ```

mod actions;
mod audit;
mod cmdb;
mod db;
mod error;
mod events;
mod jobs;
mod migrate;
mod retention;
mod schedules;
mod users;
mod workers;

pub use actions::{ActionRow, ActionVersionRow, FIRST_ACTION_ID, canonical_json};
pub use audit::{AuditEntry, AuditRecord, AuditVerification};
pub use cmdb::{AppCategory, FunCategory, Server, ServerFilter, ServerInput};
pub use db::{Backend, Store, redact_url as db_url_redacted};
pub use error::StoreError;
pub use events::{EventWriter, JobEventRecord, StoreSink, WriterStats, event_key};
pub use jobs::{CapturedStream, HostUpdate, Job, JobFilter, JobHost, JobOutput, NewJob, NewJobHost, StoredEvent};
pub use migrate::SCHEMA_VERSION;
pub use retention::{Retention, RetentionReport};
pub use schedules::{Schedule, ScheduleInput};
pub use users::{ApiToken, RoleBinding, Session, User};
pub use workers::{Enrollment, Worker};

/// Milliseconds since the Unix epoch, UTC: how every time is stored.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `n` random bytes from the operating system.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the operating system's random source works");
    buf
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// SHA-256 of `data`, as lower-case hex: how tokens and credentials are stored.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}
