//! The local transport (`-c local`, `ansible_connection=local`, the implicit `localhost`):
//! commands run under `/bin/sh -c` on the controller, files are written atomically.

use std::process::Stdio;
use std::sync::Arc;

use async_trait::async_trait;
use om_core::event::Stream;
use om_core::transport::OutputFn;
use om_core::{Connection, Connector, ExecOutput, ExecRequest, Host, HostError, Phase};
use om_ssh::escalation;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Connects to the controller itself.
#[derive(Debug, Default, Clone, Copy)]
pub struct LocalConnector;

#[async_trait]
impl Connector for LocalConnector {
    async fn connect(&self, host: &Host) -> Result<Arc<dyn Connection>, HostError> {
        Ok(Arc::new(LocalConnection { name: host.name.clone(), groups: ProcessGroups::default(), cancel: Arc::default() }))
    }
}

/// The controller as a host. Each command runs in a process group of its own, so a signal
/// reaches the whole command (`sh -c` and what it started).
pub struct LocalConnection {
    name: String,
    /// The process groups of the commands running now.
    groups: ProcessGroups,
    /// Set by SIGKILL: native modules running here kill their commands' process groups.
    cancel: Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Default)]
struct ProcessGroups(std::sync::Mutex<std::collections::BTreeSet<u32>>);

impl ProcessGroups {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<u32>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Keeps a command's process group registered while it runs.
struct Registered<'a> {
    groups: &'a ProcessGroups,
    pid: u32,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.groups.lock().remove(&self.pid);
    }
}

impl LocalConnection {
    fn io(&self, phase: Phase, what: String, err: std::io::Error) -> HostError {
        HostError::new(&self.name, phase, format!("{what}: {err}"))
    }
}

#[async_trait]
impl Connection for LocalConnection {
    async fn exec(&self, request: ExecRequest, on_output: OutputFn<'_>) -> Result<ExecOutput, HostError> {
        let (command, mut filter) = match &request.escalation {
            Some(e) => {
                let (c, f) = escalation::wrap(&request.command, request.stdin.as_ref().map(Vec::len), e, &self.name)?;
                (c, Some(f))
            }
            None => (request.command.clone(), None),
        };
        let mut child = tokio::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| self.io(Phase::Module, "cannot start /bin/sh".into(), e))?;
        let pid = child.id();
        let _registered = pid.map(|pid| {
            self.groups.lock().insert(pid);
            Registered { groups: &self.groups, pid }
        });
        let mut stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let mut pending_stdin = request.stdin;
        if filter.is_none() {
            if let (Some(pipe), Some(data)) = (stdin.as_mut(), pending_stdin.take()) {
                let _ = pipe.write_all(&data).await;
            }
            stdin = None;
        }
        let mut out = ExecOutput::default();
        let (mut out_buf, mut err_buf) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
        let (mut out_open, mut err_open) = (true, true);
        let deadline = request.timeout.map(|t| tokio::time::Instant::now() + t);
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(sleep);
        while out_open || err_open {
            let (stream, n) = tokio::select! {
                r = stdout.read(&mut out_buf), if out_open => (Stream::Stdout, r.unwrap_or(0)),
                r = stderr.read(&mut err_buf), if err_open => (Stream::Stderr, r.unwrap_or(0)),
                _ = &mut sleep => {
                    if let Some(pid) = pid {
                        signal_group(pid, om_core::Signal::Kill);
                    }
                    return Err(HostError::command_timeout(&self.name, request.timeout.unwrap_or_default()));
                }
            };
            if n == 0 {
                match stream {
                    Stream::Stdout => out_open = false,
                    Stream::Stderr => err_open = false,
                }
                continue;
            }
            let data = if stream == Stream::Stdout { &out_buf[..n] } else { &err_buf[..n] };
            let step = escalation::feed(&mut filter, stream, data);
            if let (Some(send), Some(pipe)) = (&step.send, stdin.as_mut()) {
                let _ = pipe.write_all(send).await;
            }
            if step.started {
                if let (Some(pipe), Some(data)) = (stdin.as_mut(), pending_stdin.take()) {
                    let _ = pipe.write_all(&data).await;
                }
                stdin = None;
            }
            step.emit(&mut out, on_output);
            if let Some(err) = step.failed {
                let _ = child.kill().await;
                return Err(err);
            }
        }
        let status = child.wait().await.map_err(|e| self.io(Phase::Module, "cannot wait for the command".into(), e))?;
        out.rc = status.code();
        if let Some(f) = filter.as_mut() {
            let step = f.finish();
            step.emit(&mut out, on_output);
            if let Some(err) = step.failed {
                return Err(err);
            }
        }
        Ok(out)
    }

    async fn put(&self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), HostError> {
        use std::os::unix::fs::PermissionsExt;
        let path = std::path::Path::new(dest);
        let tmp = path.with_file_name(format!(
            ".{}.om-tmp-{:08x}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            rand::random::<u32>()
        ));
        let write = || -> std::io::Result<()> {
            std::fs::write(&tmp, data)?;
            if let Some(mode) = mode {
                std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))?;
            }
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            self.io(Phase::Transfer, format!("cannot write `{dest}`"), e)
        })
    }

    async fn get(&self, src: &str) -> Result<Vec<u8>, HostError> {
        tokio::fs::read(src).await.map_err(|e| self.io(Phase::Transfer, format!("cannot read `{src}`"), e))
    }

    async fn call(&self, module: &str, args: &om_core::Vars, check: bool, diff: bool) -> Result<om_core::Vars, HostError> {
        let call = om_core::ModuleCall::plain(module, args, check, diff);
        self.call_module(call).await.map(|r| r.result)
    }

    /// Native modules run in this process, against this machine.
    async fn call_module(&self, call: om_core::ModuleCall<'_>) -> Result<om_core::ModuleReply, HostError> {
        if call.escalation.is_some() {
            return Err(HostError::new(
                &self.name,
                Phase::Become,
                format!("`{}` with become on the local transport is not supported", call.module),
            )
            .with_hint("run om as the target user, or reach localhost over ssh (ansible_connection=ssh)"));
        }
        if call.job.is_some() {
            return Err(HostError::new(
                &self.name,
                Phase::Module,
                format!(
                    "`{}` with `async` and `poll: 0` runs in the background through om-agent; the local transport has none",
                    call.module
                ),
            )
            .with_hint("give `poll` > 0 (om waits within the `async` limit), or reach localhost over ssh (ansible_connection=ssh)"));
        }
        let run = || {
            let on_output = |stream: Stream, data: &[u8]| (call.on_output)(om_core::OutputChunk { stream, data });
            let with_env = om_modules::os::WithEnv::new(&om_modules::os::LocalOs, call.environment);
            let mut ctx = om_modules::Context::new(&with_env);
            ctx.check = call.check;
            ctx.diff = call.diff;
            ctx.input = call.input;
            ctx.watch = om_modules::os::Watch { output: Some(&on_output), cancel: Some(&self.cancel) };
            om_modules::run(call.module, call.args, &mut ctx)
        };
        let multi = tokio::runtime::Handle::try_current().is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let out = if multi { tokio::task::block_in_place(run) } else { run() };
        out.map(|o| om_core::ModuleReply { result: o.result, data: o.data })
            .map_err(|e| HostError::new(&self.name, Phase::Module, e.to_string()))
    }

    /// Signals the process group of every command running now.
    /// Native modules' commands take SIGKILL only: it kills them, and later module calls on
    /// this connection fail as cancelled.
    async fn signal(&self, signal: om_core::Signal) {
        if signal == om_core::Signal::Kill {
            self.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let groups: Vec<u32> = self.groups.lock().iter().copied().collect();
        for group in groups {
            signal_group(group, signal);
        }
    }

    fn host_name(&self) -> &str {
        &self.name
    }

    async fn close(&self) {}
}

/// Sends `signal` to the process group led by `leader` with kill(2) itself: no `kill`
/// program parses the number (procps' kill reads `-PID` without `--` as a signal, and a
/// group that became `-1` would be every process), and a leader of 0 or 1 (never a command's
/// group) is refused.
fn signal_group(leader: u32, signal: om_core::Signal) {
    let Some(group) = i32::try_from(leader).ok().filter(|g| *g > 1).and_then(rustix::process::Pid::from_raw) else {
        tracing::warn!(leader, "not a command's process group: not signalled");
        return;
    };
    let signal = match signal {
        om_core::Signal::Term => rustix::process::Signal::TERM,
        om_core::Signal::Kill => rustix::process::Signal::KILL,
    };
    if let Err(err) = rustix::process::kill_process_group(group, signal) {
        tracing::debug!(leader, error = %err, "process group already gone");
    }
}
