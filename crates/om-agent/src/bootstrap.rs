//! Getting `om-agent` running on a host over a transport (the controller side).
//!
//! One probe looks for the agent by content hash, in `~/.cache/om/agent/<sha256>/` or, where
//! the home directory cannot hold it, in a private `/tmp/om-agent-<uid>/<sha256>/` (0700,
//! owned by the user, not a link). A cached agent starts in place on the probe's own channel
//! (a warm start is one channel); only a missing agent is uploaded, then started on a second
//! channel. The agent says hello and the protocol version is checked. Where the agent
//! cannot run (another architecture, `noexec` everywhere) the result is [`Agent::Fallback`]
//! with the reason, and modules run over plain shell commands instead.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, BufReader};

use crate::client::{Client, ClientError};
use om_core::{ExecOutput, HostError, Phase};

/// A byte stream from the host.
pub type BoxReader = Box<dyn AsyncRead + Send + Unpin>;
/// A byte stream to the host.
pub type BoxWriter = Box<dyn AsyncWrite + Send + Unpin>;

/// What bootstrapping needs from a transport.
#[async_trait]
pub trait Remote: Send + Sync {
    /// The inventory name of the host.
    fn host(&self) -> &str;
    /// Runs a POSIX `sh` script to completion, with `stdin` written and closed.
    async fn exec(&self, script: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, HostError>;
    /// Writes `data` to `path` with `mode`, atomically.
    async fn upload(&self, data: &[u8], path: &str, mode: u32) -> Result<(), HostError>;
    /// Starts `command` and returns its stdout and stdin as streams.
    async fn open(&self, command: &str) -> Result<(BoxReader, BoxWriter), HostError>;
}

/// The agent binary the controller uploads.
#[derive(Clone)]
pub struct AgentBinary {
    bytes: Arc<[u8]>,
    sha256: String,
    arch: String,
}

impl std::fmt::Debug for AgentBinary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentBinary").field("sha256", &self.sha256).field("arch", &self.arch).field("size", &self.bytes.len()).finish()
    }
}

/// Why no agent binary could be found on the controller.
#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error("cannot read the om-agent binary `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no om-agent binary found (looked at {}); build it with scripts/build-agent or set OM_AGENT_BIN", tried.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", "))]
    NotFound { tried: Vec<PathBuf> },
}

/// The environment variable that names the agent binary to upload.
pub const OM_AGENT_BIN: &str = "OM_AGENT_BIN";

/// `uname -m` for an ELF header's machine.
fn elf_arch(bytes: &[u8]) -> String {
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return "unknown".into();
    }
    match u16::from_le_bytes([bytes[18], bytes[19]]) {
        0x3e => "x86_64".into(),
        0xb7 => "aarch64".into(),
        0x03 => "i686".into(),
        0x28 => "armv7l".into(),
        other => format!("elf-machine-{other:#x}"),
    }
}

impl AgentBinary {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        let sha256 = crate::hex(&Sha256::digest(&bytes));
        let arch = elf_arch(&bytes);
        Self { bytes: bytes.into(), sha256, arch }
    }

    pub fn load(path: &Path) -> Result<Self, LocateError> {
        std::fs::read(path).map(Self::from_bytes).map_err(|source| LocateError::Read { path: path.to_path_buf(), source })
    }

    /// `$OM_AGENT_BIN`, else the static build under the target directory
    /// (`scripts/build-agent`), else `om-agent` next to the running executable.
    pub fn locate() -> Result<Self, LocateError> {
        if let Ok(p) = std::env::var(OM_AGENT_BIN) {
            return Self::load(Path::new(&p));
        }
        let mut tried = Vec::new();
        if let Ok(exe) = std::env::current_exe() {
            // From target/<profile>/om (or target/<profile>/deps/<test>) up to the target
            // directory: the static build first, it runs on any x86_64 host.
            for dir in exe.ancestors().skip(1).take(3) {
                tried.push(dir.join("x86_64-unknown-linux-gnu/agent/om-agent"));
            }
            for dir in exe.ancestors().skip(1).take(2) {
                tried.push(dir.join("om-agent"));
            }
        }
        match tried.iter().find(|p| p.is_file()) {
            Some(p) => Self::load(p),
            None => Err(LocateError::NotFound { tried }),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
    pub fn arch(&self) -> &str {
        &self.arch
    }
}

/// The outcome of bootstrapping.
pub enum Agent {
    /// The agent runs; `uploaded` is how many bytes were sent to get it there (0 if cached).
    Running { client: Client, path: String, uploaded: u64 },
    /// The agent cannot run here; modules use the shell fallback.
    Fallback { reason: String },
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Agent::Running { path, uploaded, .. } => f.debug_struct("Running").field("path", path).field("uploaded", uploaded).finish(),
            Agent::Fallback { reason } => f.debug_struct("Fallback").field("reason", reason).finish(),
        }
    }
}

fn same_arch(host: &str, binary: &str) -> bool {
    let norm = |a: &str| match a {
        "amd64" => "x86_64".to_string(),
        "arm64" => "aarch64".to_string(),
        other => other.to_string(),
    };
    norm(host) == norm(binary)
}

/// The probe: prints `arch=`, then either `found=<path>` and becomes the cached agent in
/// place (`exec [prefix] <path> stdio`, so a warm start costs one channel), or `dir=<path>`
/// for each place an upload may go, then `end`.
fn probe_script(sha: &str, prefix: &str) -> String {
    format!(
        r#"h={sha}
echo "arch=$(uname -m)"
home="${{HOME:-/nonexistent}}/.cache/om/agent/$h"
tmpbase="/tmp/om-agent-$(id -u)"
# Ours alone: owned by this user, not a link, no access for group or others (a binary under a
# predictable /tmp path that someone else planted must never run).
private() {{ [ -O "$1" ] && [ ! -L "$1" ] && case "$(ls -ld "$1")" in ?rwx------*) ;; *) false ;; esac; }}
for d in "$home" "$tmpbase/$h"; do
  case "$d" in "$tmpbase"/*) private "$tmpbase" || continue ;; esac
  if private "$d" && [ -x "$d/om-agent" ] && private "$d/om-agent" && "$d/om-agent" version >/dev/null 2>&1; then
    echo "found=$d/om-agent"
    exec {prefix} "$d/om-agent" stdio
  fi
done
if mkdir -p "$home" 2>/dev/null && chmod 700 "$home" 2>/dev/null && [ -w "$home" ]; then echo "dir=$home"; fi
if (umask 077; mkdir -p "$tmpbase") 2>/dev/null && [ -O "$tmpbase" ] && [ ! -L "$tmpbase" ] && chmod 700 "$tmpbase" && mkdir -p "$tmpbase/$h" && chmod 700 "$tmpbase/$h"; then echo "dir=$tmpbase/$h"; fi
echo "end"
"#
    )
}

/// What the probe said before it became the agent (`found`) or ended.
struct Probe {
    lines: Vec<String>,
    found: Option<String>,
}

impl Probe {
    /// Reads the probe's text lines; stops right after `found=` (the agent's frames follow on
    /// the same stream), at `end`, or at the end of the stream.
    async fn read(reader: &mut (impl AsyncBufRead + Unpin)) -> std::io::Result<Probe> {
        let mut probe = Probe { lines: Vec::new(), found: None };
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line).await? == 0 {
                return Ok(probe);
            }
            let text = String::from_utf8_lossy(&line).trim_end().to_string();
            if let Some(path) = text.strip_prefix("found=") {
                probe.found = Some(path.to_string());
                return Ok(probe);
            }
            if text == "end" {
                return Ok(probe);
            }
            probe.lines.push(text);
        }
    }

    fn values(&self, key: &str) -> Vec<String> {
        self.lines.iter().filter_map(|l| l.strip_prefix(key)).map(str::to_string).collect()
    }
}

fn client_error(host: &str, err: ClientError) -> HostError {
    let hint = matches!(err, ClientError::Version { .. })
        .then_some("the cached om-agent does not match this om; remove ~/.cache/om/agent on the host");
    let e = HostError::new(host, Phase::Transfer, format!("om-agent did not start: {err}"));
    match hint {
        Some(h) => e.with_hint(h),
        None => e,
    }
}

pub use om_modules::os::quote;

/// Finds or uploads the agent and starts `om-agent stdio` on one channel.
pub async fn start(remote: &dyn Remote, binary: &AgentBinary) -> Result<Agent, HostError> {
    start_as(remote, binary, "").await
}

/// As [`start`], with `prefix` before the agent command (`sudo -n -u root --`): the agent
/// then runs as another user. The probe and the upload stay with the login user.
pub async fn start_as(remote: &dyn Remote, binary: &AgentBinary, prefix: &str) -> Result<Agent, HostError> {
    let host = remote.host().to_string();
    let (reader, writer) = remote.open(&probe_script(binary.sha256(), prefix)).await?;
    let mut reader = BufReader::new(reader);
    let probe =
        Probe::read(&mut reader).await.map_err(|e| HostError::new(&host, Phase::Transfer, format!("the om-agent probe failed: {e}")))?;
    if let Some(path) = probe.found {
        let client = connect(&host, prefix, reader, writer).await?;
        return Ok(Agent::Running { client, path, uploaded: 0 });
    }
    drop((reader, writer));
    let arch = probe.values("arch=").into_iter().next().unwrap_or_default();
    if !same_arch(&arch, binary.arch()) {
        return Ok(Agent::Fallback { reason: format!("the host is {arch}, om-agent is built for {}", binary.arch()) });
    }
    let mut uploaded = 0u64;
    let mut started = None;
    let mut last = String::from("no writable directory for om-agent in ~/.cache/om/agent or /tmp");
    for dir in probe.values("dir=") {
        let path = format!("{dir}/om-agent");
        remote.upload(binary.bytes(), &path, 0o700).await?;
        uploaded += binary.bytes().len() as u64;
        let check = remote.exec(&format!("'{path}' version"), None).await?;
        if check.rc == Some(0) {
            started = Some(path);
            break;
        }
        last = format!("om-agent cannot run from {dir} ({})", String::from_utf8_lossy(&check.stderr).trim());
        let _ = remote.exec(&format!("rm -f '{path}'"), None).await;
    }
    let Some(path) = started else {
        return Ok(Agent::Fallback { reason: last });
    };
    let (reader, writer) = remote.open(&format!("exec {prefix} '{path}' stdio")).await?;
    let client = connect(&host, prefix, reader, writer).await?;
    Ok(Agent::Running { client, path, uploaded })
}

/// The hello on a started agent's stream.
async fn connect<R>(host: &str, prefix: &str, reader: R, writer: BoxWriter) -> Result<Client, HostError>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    match Client::connect(reader, writer).await {
        Ok(c) => Ok(c),
        Err(ClientError::Disconnected { .. }) if !prefix.is_empty() => {
            Err(HostError::new(host, Phase::Become, format!("`{prefix}` did not start om-agent"))
                .with_hint("sudo must run without a password prompt here, or give the become password (-K)"))
        }
        Err(e) => Err(client_error(host, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_are_read_from_elf_headers() {
        let mut elf = vec![0x7f, b'E', b'L', b'F'];
        elf.resize(20, 0);
        elf[18] = 0x3e;
        assert_eq!(AgentBinary::from_bytes(elf).arch(), "x86_64");
        assert_eq!(AgentBinary::from_bytes(b"#!/bin/sh".to_vec()).arch(), "unknown");
        assert!(same_arch("arm64", "aarch64"));
        assert!(!same_arch("aarch64", "x86_64"));
    }
}
