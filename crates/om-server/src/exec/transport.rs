//! Transports of the platform's runner: `local` (`sh -c` on the runner's machine) and `ssh`
//! through om-ssh. Both are `om_core::Connector`s, so the agent transport plugs in unchanged.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use om_core::transport::OutputFn;
use om_core::{Connection, Connector, ExecOutput, ExecRequest, Host, HostError, OutputChunk, Phase, Signal, Stream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// SSH settings that apply when a host's variables name none.
#[derive(Debug, Clone, Default)]
pub struct SshDefaults {
    pub key: Option<PathBuf>,
    pub user: Option<String>,
    pub known_hosts: Option<PathBuf>,
}

/// Picks `local` for hosts with `ansible_connection: local`, else `ssh` through om-ssh
/// (russh: one connection per host for the job, host keys checked).
pub struct PlatformConnector {
    ssh: om_ssh::SshConnector,
}

impl PlatformConnector {
    pub fn new(defaults: &SshDefaults) -> PlatformConnector {
        let options = om_ssh::SshOptions {
            user: defaults.user.clone(),
            private_keys: defaults.key.iter().cloned().collect(),
            connect_timeout: Some(Duration::from_secs(10)),
            common_args: defaults.known_hosts.as_ref().map(|k| format!("-o UserKnownHostsFile={}", k.display())),
            agent: false,
            ..Default::default()
        };
        let config = om_ssh::SshConfig::load_default().unwrap_or_default();
        PlatformConnector { ssh: om_ssh::SshConnector::new(options, config, std::iter::empty()) }
    }
}

#[async_trait]
impl Connector for PlatformConnector {
    async fn connect(&self, host: &Host) -> Result<Arc<dyn Connection>, HostError> {
        match host.var_str(&["ansible_connection"]).as_deref() {
            Some("local") => Ok(Arc::new(LocalConnection {
                host: host.name.clone(),
                groups: ProcessGroups::default(),
                modules: om_exec::LocalConnector.connect(host).await?,
            })),
            _ => self.ssh.connect(host).await,
        }
    }
}

/// Commands on the runner's own machine, each in a process group of its own so a cancel
/// reaches the whole command (`sh -c` and what it started); native modules run in process
/// through om-exec's local transport.
pub struct LocalConnection {
    host: String,
    groups: ProcessGroups,
    modules: Arc<dyn Connection>,
}

/// The process groups of the commands running now.
#[derive(Default)]
pub struct ProcessGroups(std::sync::Mutex<std::collections::BTreeSet<u32>>);

impl ProcessGroups {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<u32>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `kill -s SIG -- -PGID` for every group (no unsafe code, no extra crate).
    pub async fn signal(&self, signal: Signal) {
        let groups: Vec<u32> = self.lock().iter().copied().collect();
        for group in groups {
            let status = Command::new("kill")
                .arg("-s")
                .arg(signal.name())
                .arg("--")
                .arg(format!("-{group}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .await;
            if let Err(err) = status {
                tracing::warn!(group, error = %err, "cannot run kill");
            }
        }
    }
}

#[async_trait]
impl Connection for LocalConnection {
    async fn exec(&self, request: ExecRequest, on_output: OutputFn<'_>) -> Result<ExecOutput, HostError> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&request.command);
        spawn_and_stream(&self.host, cmd, request.stdin, request.timeout, &self.groups, on_output).await
    }

    async fn call(&self, module: &str, args: &om_core::Vars, check: bool, diff: bool) -> Result<om_core::Vars, HostError> {
        self.modules.call(module, args, check, diff).await
    }

    async fn call_module(&self, call: om_core::ModuleCall<'_>) -> Result<om_core::ModuleReply, HostError> {
        self.modules.call_module(call).await
    }

    async fn signal(&self, signal: Signal) {
        self.groups.signal(signal).await;
        if signal == Signal::Kill {
            self.modules.signal(signal).await;
        }
    }

    async fn put(&self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), HostError> {
        let err = |e: std::io::Error| HostError::new(&self.host, Phase::Transfer, format!("{dest}: {e}"));
        let tmp = format!("{dest}.om-tmp");
        tokio::fs::write(&tmp, data).await.map_err(err)?;
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            tokio::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode)).await.map_err(err)?;
        }
        tokio::fs::rename(&tmp, dest).await.map_err(err)
    }

    async fn get(&self, src: &str) -> Result<Vec<u8>, HostError> {
        tokio::fs::read(src).await.map_err(|e| HostError::new(&self.host, Phase::Transfer, format!("{src}: {e}")))
    }

    fn host_name(&self) -> &str {
        &self.host
    }

    async fn close(&self) {}
}

/// Runs `cmd`, streaming its output as it arrives; killed when the deadline passes or the
/// future is dropped. It runs in a process group of its own, registered in `groups` while it
/// runs (so [`ProcessGroups::signal`] reaches it).
async fn spawn_and_stream(
    host: &str,
    mut cmd: Command,
    stdin: Option<Vec<u8>>,
    timeout: Option<Duration>,
    groups: &ProcessGroups,
    on_output: OutputFn<'_>,
) -> Result<ExecOutput, HostError> {
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    let program = cmd.as_std().get_program().to_string_lossy().into_owned();
    let mut child = cmd.spawn().map_err(|e| HostError::new(host, Phase::Connect, format!("cannot start `{program}`: {e}")))?;
    let _registered = child.id().map(|pid| {
        groups.lock().insert(pid);
        Registered { groups, pid }
    });
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        tokio::spawn(async move {
            let _ = pipe.write_all(&data).await;
        });
    }
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let work = async {
        let (out, err) = tokio::join!(pump(stdout, Stream::Stdout, on_output), pump(stderr, Stream::Stderr, on_output));
        let status = child.wait().await;
        (out, err, status)
    };
    let (stdout, stderr, status) = match timeout {
        Some(limit) => tokio::time::timeout(limit, work)
            .await
            .map_err(|_| HostError::new(host, Phase::Timeout, format!("no end after {} s; killed", limit.as_secs())))?,
        None => work.await,
    };
    let status = status.map_err(|e| HostError::new(host, Phase::Module, format!("cannot wait for `{program}`: {e}")))?;
    Ok(ExecOutput { rc: status.code(), stdout, stderr })
}

/// Removes a process group from its registry when the command is over.
struct Registered<'a> {
    groups: &'a ProcessGroups,
    pid: u32,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.groups.lock().remove(&self.pid);
    }
}

async fn pump(mut pipe: impl AsyncRead + Unpin, stream: Stream, on_output: OutputFn<'_>) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = vec![0u8; 16 << 10];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => return all,
            Ok(n) => {
                on_output(OutputChunk { stream, data: &buf[..n] });
                all.extend_from_slice(&buf[..n]);
            }
        }
    }
}
