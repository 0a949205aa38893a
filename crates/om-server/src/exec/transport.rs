//! Transports the platform's runner uses until om-exec's are wired in: `local` (`sh -c` on
//! the runner's machine) and `ssh` through the OpenSSH client, one exec channel per command.
//! Both implement `om_core::Connection`, so any other transport plugs in unchanged.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use om_core::transport::OutputFn;
use om_core::{Connection, Connector, ExecOutput, ExecRequest, Host, HostError, OutputChunk, Phase, Stream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// SSH settings that apply when a host's variables name none.
#[derive(Debug, Clone, Default)]
pub struct SshDefaults {
    pub key: Option<PathBuf>,
    pub user: Option<String>,
    pub known_hosts: Option<PathBuf>,
}

/// Picks `local` for hosts with `ansible_connection: local`, else `ssh`.
pub struct PlatformConnector {
    pub ssh: SshDefaults,
}

#[async_trait]
impl Connector for PlatformConnector {
    async fn connect(&self, host: &Host) -> Result<Arc<dyn Connection>, HostError> {
        if host.var_str(&["ansible_connection"]).as_deref() == Some("local") {
            return Ok(Arc::new(LocalConnection { host: host.name.clone() }));
        }
        // No round trip here: the first command opens the session, and an ssh exit of 255
        // (it could not connect or authenticate) makes the host unreachable.
        Ok(Arc::new(SshConnection::new(host, &self.ssh)))
    }
}

/// Commands on the runner's own machine.
pub struct LocalConnection {
    host: String,
}

#[async_trait]
impl Connection for LocalConnection {
    async fn exec(&self, request: ExecRequest, on_output: OutputFn<'_>) -> Result<ExecOutput, HostError> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&request.command);
        spawn_and_stream(&self.host, cmd, request.stdin, request.timeout, on_output).await
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

/// Commands over the OpenSSH client.
pub struct SshConnection {
    host: String,
    base: Vec<String>,
}

impl SshConnection {
    fn new(host: &Host, defaults: &SshDefaults) -> SshConnection {
        let mut base = vec![
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            "ConnectTimeout=10".into(),
            "-o".into(),
            "ServerAliveInterval=15".into(),
            "-o".into(),
            "LogLevel=ERROR".into(),
        ];
        if let Some(port) = host.var_str(&["ansible_port", "ansible_ssh_port"]) {
            base.extend(["-p".into(), port]);
        }
        let user = host.var_str(&["ansible_user", "ansible_ssh_user"]).or_else(|| defaults.user.clone());
        if let Some(user) = user {
            base.extend(["-l".into(), user]);
        }
        let key = host.var_str(&["ansible_ssh_private_key_file"]).or_else(|| defaults.key.as_ref().map(|k| k.display().to_string()));
        if let Some(key) = key {
            base.extend(["-i".into(), key, "-o".into(), "IdentitiesOnly=yes".into()]);
        }
        if let Some(known) = &defaults.known_hosts {
            base.extend(["-o".into(), format!("UserKnownHostsFile={}", known.display())]);
        }
        if let Some(common) = host.var_str(&["ansible_ssh_common_args"]) {
            base.extend(shell_words::split(&common).unwrap_or_default());
        }
        base.push(host.address());
        SshConnection { host: host.name.clone(), base }
    }

    fn ssh_args(&self, command: &str) -> Vec<String> {
        let mut args = self.base.clone();
        args.push("--".into());
        args.push(command.to_string());
        args
    }

    async fn run(
        &self,
        args: &[String],
        stdin: Option<Vec<u8>>,
        timeout: Option<Duration>,
        on_output: OutputFn<'_>,
    ) -> Result<ExecOutput, HostError> {
        let mut cmd = Command::new("ssh");
        cmd.args(args);
        spawn_and_stream(&self.host, cmd, stdin, timeout, on_output).await
    }
}

#[async_trait]
impl Connection for SshConnection {
    async fn exec(&self, request: ExecRequest, on_output: OutputFn<'_>) -> Result<ExecOutput, HostError> {
        let out = self.run(&self.ssh_args(&request.command), request.stdin, request.timeout, on_output).await?;
        if out.rc == Some(255) {
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
            let phase = if stderr.contains("Permission denied") { Phase::Auth } else { Phase::Connect };
            return Err(HostError::new(&self.host, phase, if stderr.is_empty() { "ssh exited with 255".into() } else { stderr }));
        }
        Ok(out)
    }

    async fn put(&self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), HostError> {
        let q = |s: &str| shell_words::quote(s).into_owned();
        let tmp = format!("{dest}.om-tmp");
        let chmod = mode.map(|m| format!(" && chmod {m:o} {}", q(&tmp))).unwrap_or_default();
        let command = format!("cat > {}{chmod} && mv -f {} {}", q(&tmp), q(&tmp), q(dest));
        let out = self.run(&self.ssh_args(&command), Some(data.to_vec()), Some(Duration::from_secs(300)), &|_| {}).await?;
        if out.rc != Some(0) {
            return Err(HostError::new(&self.host, Phase::Transfer, format!("{dest}: {}", String::from_utf8_lossy(&out.stderr).trim())));
        }
        Ok(())
    }

    async fn get(&self, src: &str) -> Result<Vec<u8>, HostError> {
        let out =
            self.run(&self.ssh_args(&format!("cat {}", shell_words::quote(src))), None, Some(Duration::from_secs(300)), &|_| {}).await?;
        if out.rc != Some(0) {
            return Err(HostError::new(&self.host, Phase::Transfer, format!("{src}: {}", String::from_utf8_lossy(&out.stderr).trim())));
        }
        Ok(out.stdout)
    }

    fn host_name(&self) -> &str {
        &self.host
    }

    async fn close(&self) {}
}

/// Runs `cmd`, streaming its output as it arrives; killed when the deadline passes or the
/// future is dropped (cancel).
pub async fn spawn_and_stream(
    host: &str,
    mut cmd: Command,
    stdin: Option<Vec<u8>>,
    timeout: Option<Duration>,
    on_output: OutputFn<'_>,
) -> Result<ExecOutput, HostError> {
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let program = cmd.as_std().get_program().to_string_lossy().into_owned();
    let mut child = cmd.spawn().map_err(|e| HostError::new(host, Phase::Connect, format!("cannot start `{program}`: {e}")))?;
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
