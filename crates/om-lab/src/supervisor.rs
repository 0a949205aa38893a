//! The supervisor: listens for every loopback host, starts `sshd -i` per connection, runs the
//! namespaced hosts' daemons, answers the control socket, and cleans up after itself.

use std::collections::HashSet;
use std::future::Future;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, UnixListener, UnixStream};
use tokio::process::Command;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use crate::control::{HostStatus, Request, Response};
use crate::state::{self, LabState};
use crate::{LabConfig, LabError, LabHost, Netem, files, netns, shaper};

/// One host and everything the supervisor runs for it.
struct Slot {
    host: LabHost,
    up: AtomicBool,
    connections: AtomicU64,
    /// Pids of the `sshd -i` processes serving this host now.
    sessions: Mutex<HashSet<u32>>,
    accept: Mutex<Option<JoinHandle<()>>>,
    /// The sshd daemon of a namespaced host.
    daemon: Mutex<Option<u32>>,
    /// Delay and loss for new connections to a loopback host.
    netem: Mutex<Netem>,
}

struct Supervisor {
    config: LabConfig,
    sshd: PathBuf,
    slots: Vec<Arc<Slot>>,
}

/// Runs a lab until `shutdown` completes. Sends the lab's state (or why it could not start)
/// on `ready` once every host accepts connections.
pub(crate) async fn run(
    config: LabConfig,
    sshd: PathBuf,
    ready: std::sync::mpsc::Sender<Result<LabState, LabError>>,
    shutdown: impl Future<Output = ()>,
) {
    raise_file_limit();
    let slots = config
        .layout()
        .into_iter()
        .map(|host| {
            Arc::new(Slot {
                host,
                up: AtomicBool::new(true),
                connections: AtomicU64::new(0),
                sessions: Mutex::default(),
                accept: Mutex::default(),
                daemon: Mutex::default(),
                netem: Mutex::default(),
            })
        })
        .collect();
    let supervisor = Arc::new(Supervisor { config, sshd, slots });
    let control = match supervisor.start().await {
        Ok(control) => control,
        Err(err) => {
            supervisor.stop().await;
            let _ = ready.send(Err(err));
            return;
        }
    };
    let state = LabState {
        pid: std::process::id(),
        dir: supervisor.config.dir.clone(),
        port: supervisor.config.port,
        user: supervisor.config.user.clone(),
        hosts: supervisor.slots.iter().map(|s| s.host.clone()).collect(),
        started_at: SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default(),
    };
    if let Err(err) = files::write_json(&supervisor.config.dir.join(files::STATE), &state) {
        supervisor.stop().await;
        let _ = ready.send(Err(err));
        return;
    }
    let control_task = tokio::spawn(Arc::clone(&supervisor).serve_control(control));
    let _ = ready.send(Ok(state));
    shutdown.await;
    control_task.abort();
    supervisor.stop().await;
}

/// Completes on SIGTERM or SIGINT.
pub(crate) async fn termination() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

impl Supervisor {
    async fn start(self: &Arc<Self>) -> Result<UnixListener, LabError> {
        for slot in &self.slots {
            match slot.host.netns {
                None => self.listen(slot).await?,
                Some(_) => {
                    netns::create(&slot.host)?;
                    *lock(&slot.daemon) = Some(self.spawn_daemon(&slot.host)?);
                }
            }
        }
        for slot in self.slots.iter().filter(|s| s.host.netns.is_some()) {
            netns::wait_for_port(&slot.host, self.config.port).await?;
        }
        let path = self.config.dir.join(files::CONTROL);
        let _ = std::fs::remove_file(&path);
        UnixListener::bind(&path).map_err(|source| LabError::io(&path, source))
    }

    /// Binds a loopback host's address and serves it until killed.
    async fn listen(self: &Arc<Self>, slot: &Arc<Slot>) -> Result<(), LabError> {
        let addr = (slot.host.address, self.config.port).into();
        let listener = TcpListener::bind(addr).await.map_err(|source| match source.kind() {
            std::io::ErrorKind::AddrInUse => LabError::AddressInUse { addr },
            _ => LabError::Listen { addr, source },
        })?;
        let task = tokio::spawn(Arc::clone(self).accept(Arc::clone(slot), listener));
        *lock(&slot.accept) = Some(task);
        Ok(())
    }

    async fn accept(self: Arc<Self>, slot: Arc<Slot>, listener: TcpListener) {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors or processes: back off rather than spin.
                    warn!(host = %slot.host.name, error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            slot.connections.fetch_add(1, Ordering::Relaxed);
            let netem = *lock(&slot.netem);
            let session = if netem.is_clear() { self.spawn_session(stream) } else { self.spawn_shaped_session(stream, netem) };
            match session {
                Ok(mut child) => {
                    let Some(pid) = child.id() else { continue };
                    lock(&slot.sessions).insert(pid);
                    let slot = Arc::clone(&slot);
                    tokio::spawn(async move {
                        let _ = child.wait().await;
                        lock(&slot.sessions).remove(&pid);
                    });
                }
                Err(err) => warn!(host = %slot.host.name, error = %err, "cannot start sshd -i"),
            }
        }
    }

    /// Hands one accepted connection to a new `sshd -i` as its stdin and stdout.
    fn spawn_session(&self, stream: tokio::net::TcpStream) -> std::io::Result<tokio::process::Child> {
        let stream = stream.into_std()?;
        stream.set_nonblocking(false)?;
        self.spawn_sshd(OwnedFd::from(stream))
    }

    /// Starts `sshd -i` on one end of a socket pair and relays the connection through a
    /// delay line (see [`shaper`]).
    fn spawn_shaped_session(&self, stream: tokio::net::TcpStream, netem: Netem) -> std::io::Result<tokio::process::Child> {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
        ours.set_nonblocking(true)?;
        let child = self.spawn_sshd(OwnedFd::from(theirs))?;
        let ours = tokio::net::UnixStream::from_std(ours)?;
        tokio::spawn(shaper::relay(stream, ours, netem));
        Ok(child)
    }

    fn spawn_sshd(&self, connection: OwnedFd) -> std::io::Result<tokio::process::Child> {
        let input = connection;
        let output = input.try_clone()?;
        Command::new(&self.sshd)
            .arg("-i")
            .arg("-f")
            .arg(self.config.dir.join(files::SSHD_CONFIG))
            .arg("-E")
            .arg(self.config.dir.join(files::SSHD_LOG))
            .stdin(Stdio::from(input))
            .stdout(Stdio::from(output))
            .stderr(Stdio::null())
            .spawn()
    }

    /// Starts the sshd daemon of a namespaced host inside its namespace.
    fn spawn_daemon(&self, host: &LabHost) -> Result<u32, LabError> {
        let ns = host.netns.as_ref().map(|n| n.name.as_str()).unwrap_or_default();
        let child = std::process::Command::new("ip")
            .args(["netns", "exec", ns])
            .arg(&self.sshd)
            .arg("-D")
            .arg("-f")
            .arg(self.config.dir.join(files::SSHD_CONFIG))
            .arg("-E")
            .arg(self.config.dir.join(files::SSHD_LOG))
            .arg("-o")
            .arg(format!("ListenAddress={}:{}", host.address, self.config.port))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| LabError::Io { what: format!("start sshd in namespace `{ns}`"), source })?;
        let pid = child.id();
        // The daemon is reaped by `stop`; dropping the handle does not kill it.
        drop(child);
        Ok(pid)
    }

    async fn serve_control(self: Arc<Self>, listener: UnixListener) {
        while let Ok((stream, _)) = listener.accept().await {
            let this = Arc::clone(&self);
            tokio::spawn(async move {
                if let Err(err) = this.answer(stream).await {
                    debug!(error = %err, "control connection failed");
                }
            });
        }
    }

    async fn answer(self: &Arc<Self>, stream: UnixStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut line = String::new();
        BufReader::new(read).read_line(&mut line).await?;
        let response = match serde_json::from_str::<Request>(&line) {
            Ok(request) => self.handle(request).await.unwrap_or_else(|err| Response::Error { message: err.to_string() }),
            Err(err) => Response::Error { message: format!("bad request: {err}") },
        };
        let mut reply = serde_json::to_string(&response).map_err(std::io::Error::other)?;
        reply.push('\n');
        write.write_all(reply.as_bytes()).await
    }

    async fn handle(self: &Arc<Self>, request: Request) -> Result<Response, LabError> {
        match request {
            Request::Status => Ok(Response::Status { hosts: self.slots.iter().map(|s| status(s)).collect() }),
            Request::Kill { host } => {
                let slot = self.slot(&host)?;
                slot.up.store(false, Ordering::SeqCst);
                match slot.host.netns {
                    None => {
                        let task = lock(&slot.accept).take();
                        if let Some(task) = task {
                            task.abort();
                            // Wait for the listener to be dropped so that connects are refused.
                            let _ = task.await;
                        }
                        for pid in lock(&slot.sessions).drain() {
                            kill_tree(pid);
                        }
                    }
                    Some(_) => netns::set_link(&slot.host, false)?,
                }
                Ok(Response::Done)
            }
            Request::Revive { host } => {
                let slot = self.slot(&host)?;
                if !slot.up.swap(true, Ordering::SeqCst) {
                    match slot.host.netns {
                        None => self.listen(slot).await?,
                        Some(_) => netns::set_link(&slot.host, true)?,
                    }
                }
                Ok(Response::Done)
            }
            Request::Netem { host, netem } => {
                let slot = self.slot(&host)?;
                match slot.host.netns {
                    None => *lock(&slot.netem) = netem,
                    Some(_) => {
                        netns::apply_netem(&slot.host, &netem)?;
                        *lock(&slot.netem) = netem;
                    }
                }
                Ok(Response::Done)
            }
        }
    }

    fn slot(&self, name: &str) -> Result<&Arc<Slot>, LabError> {
        self.slots
            .iter()
            .find(|s| s.host.name == name)
            .ok_or_else(|| LabError::UnknownHost { host: name.to_string(), count: self.slots.len() })
    }

    /// Stops everything this lab started and removes its runtime files.
    async fn stop(&self) {
        for slot in &self.slots {
            if let Some(task) = lock(&slot.accept).take() {
                task.abort();
            }
            for pid in lock(&slot.sessions).drain() {
                kill_tree(pid);
            }
            if let Some(pid) = lock(&slot.daemon).take() {
                kill_tree(pid);
                reap(pid);
            }
            if slot.host.netns.is_some() {
                netns::delete(&slot.host);
            }
        }
        let dir = &self.config.dir;
        for file in [files::STATE, files::CONTROL] {
            let _ = std::fs::remove_file(dir.join(file));
        }
        // Let the reaper tasks collect the killed sessions.
        tokio::task::yield_now().await;
    }
}

fn status(slot: &Slot) -> HostStatus {
    HostStatus {
        name: slot.host.name.clone(),
        address: slot.host.address.to_string(),
        up: slot.up.load(Ordering::SeqCst),
        connections: slot.connections.load(Ordering::Relaxed),
        sessions: lock(&slot.sessions).len(),
        netem: *lock(&slot.netem),
    }
}

/// Kills a process and every process descended from it, children first found.
///
/// sshd's session processes call `setsid`, so a process group would miss them; walking
/// `/proc` finds the whole tree.
fn kill_tree(pid: u32) {
    let mut tree = vec![pid];
    let mut i = 0;
    let parents = parent_table();
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, ppid)| *ppid == parent).map(|(child, _)| *child));
        i += 1;
    }
    for pid in tree {
        state::kill(pid);
    }
}

/// Every process with its parent, from `/proc`.
fn parent_table() -> Vec<(u32, u32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| {
            let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (_, rest) = stat.rsplit_once(')')?;
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect()
}

/// Collects an exited child that no `Child` handle waits for.
fn reap(pid: u32) {
    if let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
    }
}

fn raise_file_limit() {
    if let Ok((_, hard)) = rlimit::Resource::NOFILE.get() {
        let _ = rlimit::Resource::NOFILE.set(hard, hard);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
