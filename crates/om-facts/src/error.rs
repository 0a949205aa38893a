//! Errors: what could not be read, and for processes, which process and which field.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot parse `{}`: {what}", path.display())]
    Parse { path: PathBuf, what: String },
    #[error("no process with pid {pid}")]
    NoSuchProcess { pid: i32 },
    #[error("access denied reading `{field}` of process {pid}")]
    AccessDenied { pid: i32, field: &'static str },
    #[error("{what} of process {pid} failed: {source}")]
    Process {
        pid: i32,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the utmp file `{}`", path.display())]
    Utmp {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl FactsError {
    pub(crate) fn read(path: &str, source: std::io::Error) -> Self {
        Self::Read { path: PathBuf::from(path), source }
    }
    pub(crate) fn parse(path: &str, what: impl Into<String>) -> Self {
        Self::Parse { path: PathBuf::from(path), what: what.into() }
    }
}
