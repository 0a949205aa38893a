//! One host's session: exec channels bounded below sshd's `MaxSessions`, reconnection with
//! jitter when the connection drops, and a long-lived byte stream for `om-agent stdio`.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use om_core::event::Stream;
use om_core::transport::OutputFn;
use om_core::{Connection, EscalationMethod, ExecOutput, ExecRequest, HostError, Phase};
use russh::client::Msg;
use russh::{Channel, ChannelMsg, ChannelOpenFailure, Pty, Sig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, RwLock, Semaphore};
use tracing::{debug, warn};

use crate::escalation::{self, feed};
use crate::pool::Dialer;
use crate::session::Client;
use crate::{Endpoint, error};

/// The connection to one `user@host:port` (plus jump chain), shared by every inventory name
/// that resolves to it.
pub(crate) struct Link {
    pub endpoint: Arc<Endpoint>,
    client: RwLock<Arc<Client>>,
    channels: Arc<Semaphore>,
    dialer: Arc<Dialer>,
    reconnects: AtomicU32,
    pub(crate) sftp: tokio::sync::Mutex<Option<Arc<russh_sftp::client::RawSftpSession>>>,
    /// `om-agent stdio` on this connection, started on the first native module call.
    pub(crate) agent: crate::agent::AgentSlot,
    /// Signals for the commands running on this connection (a cancelled job's TERM, KILL).
    signals: tokio::sync::broadcast::Sender<Sig>,
    /// What happened to this connection since it was last asked (`-vvv`'s connection lines).
    notes: std::sync::Mutex<Vec<String>>,
}

impl Link {
    pub fn new(endpoint: Arc<Endpoint>, client: Client, max_channels: usize, dialer: Arc<Dialer>) -> Self {
        let established = format!(
            "ESTABLISH SSH CONNECTION FOR USER: {user} (om's own SSH client to {user}@{address}:{port}; this one connection carries every task of the run, no ssh commands)",
            user = endpoint.user,
            address = endpoint.address,
            port = endpoint.port
        );
        Self {
            notes: std::sync::Mutex::new(vec![established]),
            endpoint,
            client: RwLock::new(Arc::new(client)),
            channels: Arc::new(Semaphore::new(max_channels.max(1))),
            dialer,
            reconnects: AtomicU32::new(0),
            sftp: tokio::sync::Mutex::new(None),
            agent: crate::agent::AgentSlot::default(),
            signals: tokio::sync::broadcast::channel(4).0,
        }
    }

    pub(crate) fn note(&self, line: String) {
        self.notes.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    }

    pub async fn permit(&self) -> OwnedSemaphorePermit {
        Arc::clone(&self.channels).acquire_owned().await.expect("the channel semaphore is never closed")
    }

    /// Takes one channel slot for good (the SFTP session keeps its channel open).
    pub async fn reserve(&self) {
        self.permit().await.forget();
    }

    /// Opens a session channel, reconnecting if the connection dropped and lowering the
    /// channel cap if sshd says "administratively prohibited" (its MaxSessions is lower).
    pub async fn open_session(&self, name: &str) -> Result<Channel<Msg>, HostError> {
        let mut prohibited = 0;
        loop {
            let client = Arc::clone(&*self.client.read().await);
            match client.channel_open_session().await {
                Ok(channel) => return Ok(channel),
                Err(russh::Error::ChannelOpenFailure(ChannelOpenFailure::AdministrativelyProhibited)) if prohibited < 8 => {
                    prohibited += 1;
                    if let Ok(p) = self.channels.try_acquire() {
                        p.forget();
                        warn!(host = %name, "sshd refused a channel (MaxSessions); lowering the channel cap");
                    }
                    tokio::time::sleep(Duration::from_millis(50 * prohibited)).await;
                }
                Err(err) if client.is_closed() => self.reconnect(name, &client, &err).await?,
                Err(err) => return Err(error::channel(name, &err)),
            }
        }
    }

    async fn reconnect(&self, name: &str, stale: &Arc<Client>, cause: &russh::Error) -> Result<(), HostError> {
        let mut current = self.client.write().await;
        if !Arc::ptr_eq(&current, stale) {
            return Ok(()); // someone else reconnected already
        }
        let attempt = self.reconnects.fetch_add(1, Ordering::SeqCst);
        if attempt >= self.dialer.options.retries {
            return Err(error::channel(name, cause));
        }
        let jitter = Duration::from_millis(100 + rand::random::<u64>() % 400);
        warn!(host = %name, attempt = attempt + 1, "connection dropped; reconnecting");
        tokio::time::sleep(jitter).await;
        let client = self.dialer.dial(Arc::clone(&self.endpoint)).await?;
        *current = Arc::new(client);
        self.note(format!(
            "RECONNECTED to {}@{}:{} (attempt {}): the connection had dropped",
            self.endpoint.user,
            self.endpoint.address,
            self.endpoint.port,
            attempt + 1
        ));
        Ok(())
    }

    pub async fn is_closed(&self) -> bool {
        self.client.read().await.is_closed()
    }

    pub async fn close(&self) {
        let client = Arc::clone(&*self.client.read().await);
        let _ = client.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    }
}

/// An open session with one host, as the executor sees it.
#[derive(Clone)]
pub struct SshConnection {
    pub(crate) name: String,
    pub(crate) link: Arc<Link>,
}

impl SshConnection {
    /// The endpoint this connection reached: address, port, user, jump chain.
    pub fn endpoint(&self) -> &Endpoint {
        &self.link.endpoint
    }

    /// Starts `command` on a channel of its own and returns its stdin/stdout as one byte
    /// stream (stderr is dropped), for long-lived protocols such as `om-agent stdio`. The
    /// channel counts against the connection's channel cap until the stream is dropped.
    pub async fn open_stream(&self, command: &str) -> Result<ExecStream, HostError> {
        let permit = self.link.permit().await;
        let channel = self.link.open_session(&self.name).await?;
        channel.exec(true, command.as_bytes().to_vec()).await.map_err(|e| error::channel(&self.name, &e))?;
        Ok(ExecStream { inner: channel.into_stream(), _permit: permit })
    }

    async fn run(&self, request: ExecRequest, on_output: OutputFn<'_>) -> Result<ExecOutput, HostError> {
        let mut needs_tty = false;
        let first = self.run_once(&request, request.pty, &mut needs_tty, on_output).await;
        if first.is_err() && needs_tty && !request.pty {
            debug!(host = %self.name, "su wants a terminal; running it again on a PTY");
            return self.run_once(&request, true, &mut needs_tty, on_output).await;
        }
        first
    }

    /// Runs `request` once; `needs_tty` is set when su failed for want of a terminal (it
    /// never ran the command then, so it may run again on a PTY).
    async fn run_once(
        &self,
        request: &ExecRequest,
        pty: bool,
        needs_tty: &mut bool,
        on_output: OutputFn<'_>,
    ) -> Result<ExecOutput, HostError> {
        let _permit = self.link.permit().await;
        let mut signals = self.link.signals.subscribe();
        let mut channel = self.link.open_session(&self.name).await?;
        let (command, mut filter) = match &request.escalation {
            Some(e) => {
                let (command, filter) = escalation::wrap(&request.command, request.stdin.as_ref().map(Vec::len), e, &self.name)?;
                (command, Some(filter))
            }
            None => (request.command.clone(), None),
        };
        let su = request.escalation.as_ref().is_some_and(|e| e.method == EscalationMethod::Su);
        if pty {
            // For su the terminal neither echoes (the password) nor turns `\n` into `\r\n`.
            let modes: &[(Pty, u32)] = if su { &[(Pty::ECHO, 0), (Pty::ONLCR, 0)] } else { &[] };
            channel.request_pty(false, "xterm", 200, 50, 0, 0, modes).await.map_err(|e| error::channel(&self.name, &e))?;
        }
        debug!(host = %self.name, "exec");
        channel.exec(true, command.into_bytes()).await.map_err(|e| error::channel(&self.name, &e))?;
        let mut stdin = request.stdin.clone();
        if filter.is_none() {
            send_stdin(&channel, stdin.take()).await;
        }
        let deadline = request.timeout.map(|t| tokio::time::Instant::now() + t);
        let mut out = ExecOutput::default();
        let mut exited = false;
        loop {
            let deadline = async {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            let msg = tokio::select! {
                    msg = channel.wait() => msg,
                    signal = signals.recv() => {
                        if let Ok(signal) = signal {
                            debug!(host = %self.name, ?signal, "signalling the command");
                            let _ = channel.signal(signal).await;
                        }
                        continue;
                    }
                    _ = deadline => {
                        let _ = channel.signal(Sig::KILL).await;
                        let _ = channel.close().await;
                        return Err(HostError::command_timeout(&self.name, request.timeout.unwrap_or_default()));
                    }
            };
            let step = match msg {
                Some(ChannelMsg::Data { data }) => feed(&mut filter, Stream::Stdout, &data),
                Some(ChannelMsg::ExtendedData { data, ext: 1 }) => feed(&mut filter, Stream::Stderr, &data),
                Some(ChannelMsg::ExitStatus { exit_status }) => {
                    out.rc = Some(exit_status as i32);
                    exited = true;
                    continue;
                }
                Some(ChannelMsg::ExitSignal { signal_name, .. }) => {
                    out.stderr.extend_from_slice(format!("killed by signal {signal_name:?}\n").as_bytes());
                    exited = true;
                    continue;
                }
                Some(ChannelMsg::Failure) if !exited => {
                    return Err(HostError::new(&self.name, Phase::Module, "sshd refused to run the command")
                        .with_hint("check ForceCommand and the user's shell on the host"));
                }
                Some(ChannelMsg::Close) | None => break,
                Some(_) => continue,
            };
            if let Some(send) = &step.send {
                let _ = channel.data(&send[..]).await;
            }
            if step.started {
                send_stdin(&channel, stdin.take()).await;
            }
            step.emit(&mut out, on_output);
            if let Some(err) = step.failed {
                *needs_tty = step.needs_tty;
                let _ = channel.close().await;
                return Err(err);
            }
        }
        if let Some(filter) = filter.as_mut() {
            let step = filter.finish();
            step.emit(&mut out, on_output);
            if let Some(err) = step.failed {
                *needs_tty = step.needs_tty;
                if !exited && self.link.is_closed().await {
                    return Err(error::lost(&self.name, "running the command"));
                }
                return Err(err);
            }
        }
        if !exited && self.link.is_closed().await {
            return Err(error::lost(&self.name, "running the command"));
        }
        Ok(out)
    }
}

async fn send_stdin(channel: &Channel<Msg>, stdin: Option<Vec<u8>>) {
    if let Some(data) = stdin {
        let _ = channel.data(&data[..]).await;
    }
    let _ = channel.eof().await;
}

#[async_trait]
impl Connection for SshConnection {
    async fn exec(&self, request: ExecRequest, on_output: OutputFn<'_>) -> Result<ExecOutput, HostError> {
        self.run(request, on_output).await
    }

    async fn put(&self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), HostError> {
        self.sftp().await?.put(data, dest, crate::PutOptions { mode, verify: false }, &|_, _| {}).await.map(drop)
    }

    async fn get(&self, src: &str) -> Result<Vec<u8>, HostError> {
        self.sftp().await?.get(src, &|_, _| {}).await
    }

    /// Sends SSH's `signal` channel request; OpenSSH's sshd delivers it to the command's
    /// process group, except in sessions of root logins (which it refuses: "session signalling
    /// requires privilege separation").
    async fn signal(&self, signal: om_core::Signal) {
        let sig = match signal {
            om_core::Signal::Term => Sig::TERM,
            om_core::Signal::Kill => Sig::KILL,
        };
        let _ = self.link.signals.send(sig);
    }

    async fn call(&self, module: &str, args: &om_core::Vars, check: bool, diff: bool) -> Result<om_core::Vars, HostError> {
        let call = om_core::ModuleCall::plain(module, args, check, diff);
        crate::agent::call_module(self, call).await.map(|r| r.result)
    }

    async fn call_module(&self, call: om_core::ModuleCall<'_>) -> Result<om_core::ModuleReply, HostError> {
        crate::agent::call_module(self, call).await
    }

    fn runs_module_jobs(&self) -> bool {
        true
    }

    fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.link.notes.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn host_name(&self) -> &str {
        &self.name
    }

    async fn close(&self) {
        self.link.agent.close().await;
        self.link.close().await;
    }
}

/// A command's stdin and stdout as one byte stream; see [`SshConnection::open_stream`].
pub struct ExecStream {
    inner: russh::ChannelStream<Msg>,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for ExecStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ExecStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
