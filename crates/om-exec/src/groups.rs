//! Signalling a host's running commands when a run is cancelled. Each command first prints
//! its shell's pid on stderr behind [`MARKER`]; the line is taken out of the output. A signal
//! is then `kill` on a channel of its own, since sshd refuses SSH `signal` requests in root
//! sessions and a plain user's signal cannot reach a command run as root. Without become the
//! shell leads the command's process group (sshd and the local transport start each command
//! as a group leader): `kill -s SIG -- -PID`. Under become (sudo) the shell is a child of
//! sudo: the kill runs with the same escalation and signals the group that shell is in. Where
//! no group is known (a PTY, a command that has not said its pid yet) the transport's own
//! signal is used.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use om_core::transport::OutputFn;
use om_core::{Connection, Escalation, ExecOutput, ExecRequest, HostError, ModuleCall, ModuleReply, OutputChunk, Signal, Stream, Vars};

/// The first line a command prints on stderr.
const MARKER: &str = "om-pgid:";

/// A running command: an id, its escalation, and its shell's pid once it said it.
struct Command {
    id: u64,
    escalation: Option<Escalation>,
    pid: Option<u32>,
}

/// A connection whose running commands can be signalled as whole process groups.
pub(crate) struct Grouped {
    inner: Arc<dyn Connection>,
    /// The commands running now.
    running: Mutex<Vec<Command>>,
    next: std::sync::atomic::AtomicU64,
}

/// `inner` with its commands signalled as whole process groups: what a cancellable run
/// (om-exec's [`crate::Executor::run_until`], the platform's playbooks) wraps each connection
/// in. Commands must run on exec channels of their own (not om-agent's) to be signalled so.
pub fn signal_groups(inner: Arc<dyn Connection>) -> Arc<dyn Connection> {
    Arc::new(Grouped { inner, running: Mutex::default(), next: Default::default() })
}

impl Grouped {
    fn running(&self) -> std::sync::MutexGuard<'_, Vec<Command>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Removes a finished command from the running ones.
struct Running<'a>(&'a Grouped, u64);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running().retain(|c| c.id != self.1);
    }
}

/// The pid in a marker line (without its newline), if it is one.
fn group_of(line: &[u8]) -> Option<u32> {
    std::str::from_utf8(line).ok()?.strip_prefix(MARKER)?.trim().parse::<u32>().ok().filter(|pid| *pid > 1)
}

#[async_trait]
impl Connection for Grouped {
    async fn exec(&self, mut request: ExecRequest, on_output: OutputFn<'_>) -> Result<ExecOutput, HostError> {
        // A PTY's command (su's) gets the transport's signal.
        if request.pty {
            return self.inner.exec(request, on_output).await;
        }
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.running().push(Command { id, escalation: request.escalation.clone(), pid: None });
        let _running = Running(self, id);
        request.command = format!("printf '{MARKER}%s\\n' \"$$\" >&2; {}", request.command);
        // Stderr's start while the marker line is awaited.
        let pending: Mutex<Option<Vec<u8>>> = Mutex::new(Some(Vec::new()));
        let relay = |chunk: OutputChunk<'_>| {
            if chunk.stream == Stream::Stderr {
                let mut pending = pending.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(buf) = pending.as_mut() {
                    buf.extend_from_slice(chunk.data);
                    let rest = match buf.iter().position(|b| *b == b'\n') {
                        Some(end) => match group_of(&buf[..end]) {
                            Some(pid) => {
                                if let Some(command) = self.running().iter_mut().find(|c| c.id == id) {
                                    command.pid = Some(pid);
                                }
                                buf.split_off(end + 1)
                            }
                            None => std::mem::take(buf),
                        },
                        None if buf.len() < 64 => return,
                        None => std::mem::take(buf),
                    };
                    *pending = None;
                    drop(pending);
                    if !rest.is_empty() {
                        on_output(OutputChunk { stream: Stream::Stderr, data: &rest });
                    }
                    return;
                }
            }
            on_output(chunk);
        };
        let result = self.inner.exec(request, &relay).await;
        let start = pending.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(start) = start.filter(|s| !s.is_empty()) {
            on_output(OutputChunk { stream: Stream::Stderr, data: &start });
        }
        let mut out = result?;
        if let Some(end) = out.stderr.iter().position(|b| *b == b'\n')
            && group_of(&out.stderr[..end]).is_some()
        {
            out.stderr.drain(..=end);
        }
        Ok(out)
    }

    async fn put(&self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), HostError> {
        self.inner.put(data, dest, mode).await
    }

    async fn get(&self, src: &str) -> Result<Vec<u8>, HostError> {
        self.inner.get(src).await
    }

    async fn call(&self, module: &str, args: &Vars, check: bool, diff: bool) -> Result<Vars, HostError> {
        self.inner.call(module, args, check, diff).await
    }

    async fn call_module(&self, call: ModuleCall<'_>) -> Result<ModuleReply, HostError> {
        self.inner.call_module(call).await
    }

    /// `kill` for each command whose pid is known (see the module's text); the transport's
    /// signal for the others (and when kill cannot run).
    async fn signal(&self, signal: Signal) {
        let running: Vec<(Option<u32>, Option<Escalation>)> = self.running().iter().map(|c| (c.pid, c.escalation.clone())).collect();
        let mut fallback = running.is_empty() || running.iter().any(|(pid, _)| pid.is_none());
        for (pid, escalation) in running {
            let Some(pid) = pid else { continue };
            let request = ExecRequest {
                command: kill_line(signal, pid, escalation.is_some()),
                timeout: Some(Duration::from_secs(5)),
                escalation,
                ..Default::default()
            };
            match self.inner.exec(request, &|_| {}).await {
                Ok(out) if out.rc == Some(0) => {}
                Ok(out) => {
                    tracing::warn!(host = self.inner.host_name(), rc = ?out.rc, stderr = %String::from_utf8_lossy(&out.stderr).trim(), "kill did not signal the command; asking the transport");
                    fallback = true;
                }
                Err(err) => {
                    tracing::warn!(host = self.inner.host_name(), error = %err, "cannot signal the command; asking the transport");
                    fallback = true;
                }
            }
        }
        if fallback {
            self.inner.signal(signal).await;
        }
    }

    fn runs_module_jobs(&self) -> bool {
        self.inner.runs_module_jobs()
    }

    fn take_notes(&self) -> Vec<String> {
        self.inner.take_notes()
    }

    fn host_name(&self) -> &str {
        self.inner.host_name()
    }

    async fn close(&self) {
        self.inner.close().await;
    }
}

/// The shell line that sends `signal` to the process group of the command whose shell is
/// `pid`: the group `pid` leads, or under become the group `pid` is in (never group 0 or 1).
fn kill_line(signal: Signal, pid: u32, escalated: bool) -> String {
    let name = signal.name();
    if escalated {
        format!("g=$(ps -o pgid= -p {pid}) && [ \"$((g))\" -gt 1 ] && kill -s {name} -- -$((g))")
    } else {
        format!("kill -s {name} -- -{pid}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_lines_name_the_group_and_never_group_zero_or_one() {
        assert_eq!(kill_line(Signal::Term, 4242, false), "kill -s TERM -- -4242");
        let line = kill_line(Signal::Kill, 4242, true);
        assert_eq!(line, "g=$(ps -o pgid= -p 4242) && [ \"$((g))\" -gt 1 ] && kill -s KILL -- -$((g))");
        let out =
            std::process::Command::new("/bin/sh").arg("-c").arg(kill_line(Signal::Term, 999_999_999, true)).output().expect("sh runs");
        assert!(!out.status.success(), "a pid that does not exist signals nothing");
        assert_eq!(group_of(b"om-pgid:1"), None);
        assert_eq!(group_of(b"om-pgid: 77"), Some(77));
    }
}
