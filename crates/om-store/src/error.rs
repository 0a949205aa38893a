//! Errors of the store: which operation failed and why.

/// Something the database did not do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database url `{url}`")]
    UnsupportedUrl { url: String },
    #[error("cannot connect to the database `{url}`")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("migration {version} failed at step {step}")]
    Migration {
        version: i64,
        step: usize,
        #[source]
        source: sqlx::Error,
    },
    #[error("the database schema is version {found}, newer than this om ({known}); upgrade om")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("database query failed")]
    Query(#[from] sqlx::Error),
    #[error("{what} `{key}` not found")]
    NotFound { what: &'static str, key: String },
    #[error("{what} `{key}` already exists")]
    Conflict { what: &'static str, key: String },
    #[error("{what} `{key}` is not empty: it has {count} {children}")]
    NotEmpty { what: &'static str, key: String, count: i64, children: &'static str },
    #[error("stored JSON in {what} is invalid")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("zstd failed on the output of job {job_id} ({host}, {stream})")]
    Output {
        job_id: i64,
        host: String,
        stream: String,
        #[source]
        source: std::io::Error,
    },
    #[error("stored output of job {job_id} has unknown encoding `{encoding}`")]
    OutputEncoding { job_id: i64, encoding: String },
    #[error("the event writer stopped")]
    WriterClosed,
}

impl StoreError {
    /// A unique-constraint violation becomes [`StoreError::Conflict`].
    pub(crate) fn conflict_or(err: sqlx::Error, what: &'static str, key: impl Into<String>) -> StoreError {
        if let sqlx::Error::Database(db) = &err
            && db.is_unique_violation()
        {
            return StoreError::Conflict { what, key: key.into() };
        }
        StoreError::Query(err)
    }
}
