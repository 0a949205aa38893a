//! Signalling a host's running commands when a run is cancelled. Each command first prints
//! its shell's pid (its process group: sshd and the local transport start each command as a
//! group leader) on stderr behind [`MARKER`]; the line is taken out of the output. A signal
//! is then `kill -s SIG -- -PGID` on a channel of its own, since sshd refuses SSH `signal`
//! requests in root sessions; where no group is known the transport's own signal is used.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use om_core::transport::OutputFn;
use om_core::{Connection, ExecOutput, ExecRequest, HostError, ModuleCall, ModuleReply, OutputChunk, Signal, Stream, Vars};

/// The first line a command prints on stderr.
const MARKER: &str = "om-pgid:";

/// A connection whose running commands can be signalled as whole process groups.
pub(crate) struct Grouped {
    inner: Arc<dyn Connection>,
    /// The commands running now: an id each, and its process group once it said it.
    running: Mutex<Vec<(u64, Option<u32>)>>,
    next: std::sync::atomic::AtomicU64,
}

impl Grouped {
    pub(crate) fn wrap(inner: Arc<dyn Connection>) -> Arc<dyn Connection> {
        Arc::new(Grouped { inner, running: Mutex::default(), next: Default::default() })
    }

    fn running(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Option<u32>)>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Removes a finished command from the running ones.
struct Running<'a>(&'a Grouped, u64);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running().retain(|(id, _)| *id != self.1);
    }
}

/// The process group in a marker line (without its newline), if it is one.
fn group_of(line: &[u8]) -> Option<u32> {
    std::str::from_utf8(line).ok()?.strip_prefix(MARKER)?.trim().parse::<u32>().ok().filter(|pid| *pid > 1)
}

#[async_trait]
impl Connection for Grouped {
    async fn exec(&self, mut request: ExecRequest, on_output: OutputFn<'_>) -> Result<ExecOutput, HostError> {
        // Under become the shell's pid is not the group leader's, and kill would need the
        // password again: such commands get the transport's signal.
        if request.escalation.is_some() || request.pty {
            return self.inner.exec(request, on_output).await;
        }
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.running().push((id, None));
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
                            Some(group) => {
                                if let Some(entry) = self.running().iter_mut().find(|(i, _)| *i == id) {
                                    entry.1 = Some(group);
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

    /// `kill -s SIG -- -PGID` for each command whose group is known; the transport's signal
    /// for the others (and when kill cannot run).
    async fn signal(&self, signal: Signal) {
        let running: Vec<Option<u32>> = self.running().iter().map(|(_, group)| *group).collect();
        let mut fallback = running.is_empty() || running.iter().any(Option::is_none);
        for group in running.into_iter().flatten() {
            let command = format!("kill -s {} -- -{group}", signal.name());
            let request = ExecRequest { command, timeout: Some(Duration::from_secs(5)), ..Default::default() };
            if let Err(err) = self.inner.exec(request, &|_| {}).await {
                tracing::warn!(host = self.inner.host_name(), error = %err, "cannot signal the command; asking the transport");
                fallback = true;
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
