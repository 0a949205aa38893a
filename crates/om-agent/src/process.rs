//! An agent as a local child process, speaking the protocol over its stdin and stdout: what
//! the tests, the benches and `-c local` with an agent use.

use std::path::Path;
use std::process::Stdio;

use crate::client::{Client, ClientError};

/// Why a local agent did not start.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("cannot start `{program}`")]
    Start {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Starts `program stdio` (plus `args` before `stdio`, e.g. a wrapper) and connects to it.
pub async fn spawn(program: &Path, args: &[&str]) -> Result<(Client, tokio::process::Child), SpawnError> {
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .arg("stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| SpawnError::Start { program: program.display().to_string(), source })?;
    let (Some(stdout), Some(stdin)) = (child.stdout.take(), child.stdin.take()) else {
        return Err(SpawnError::Start { program: program.display().to_string(), source: std::io::Error::other("no pipes") });
    };
    let client = Client::connect(stdout, stdin).await?;
    Ok((client, child))
}
