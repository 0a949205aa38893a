//! The lab's control socket: one JSON request per connection, one JSON response.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{LabError, Netem, files};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    Status,
    Kill { host: String },
    Revive { host: String },
    Netem { host: String, netem: Netem },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Response {
    Done,
    Status { hosts: Vec<HostStatus> },
    Error { message: String },
}

/// One host as the supervisor sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostStatus {
    pub name: String,
    pub address: String,
    /// `false` after `om lab kill`.
    pub up: bool,
    /// Connections accepted since the lab started (loopback hosts only).
    pub connections: u64,
    /// sshd processes serving this host now (loopback hosts only).
    pub sessions: usize,
    /// Delay and loss on the host's link.
    #[serde(default)]
    pub netem: Netem,
}

pub(crate) fn send(dir: &Path, request: &Request) -> Result<Response, LabError> {
    let path = dir.join(files::CONTROL);
    let mut stream = UnixStream::connect(&path).map_err(|_| LabError::NotRunning { dir: dir.to_path_buf() })?;
    let io = |source| LabError::Io { what: "talk to the lab supervisor".into(), source };
    stream.set_read_timeout(Some(Duration::from_secs(15))).map_err(io)?;
    let mut line = serde_json::to_string(request).map_err(|source| LabError::Json { path: path.clone(), source })?;
    line.push('\n');
    stream.write_all(line.as_bytes()).map_err(io)?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply).map_err(io)?;
    match serde_json::from_str(&reply).map_err(|source| LabError::Json { path, source })? {
        Response::Error { message } => Err(LabError::Refused { message }),
        response => Ok(response),
    }
}
