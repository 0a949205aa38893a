//! A sandbox fleet on one machine: real OpenSSH `sshd` hosts on loopback addresses.
//!
//! `om lab up --hosts 50` and the test suites share this crate. A lab lives in a directory
//! that holds its keys, an sshd configuration, `inventory.ini` (usable by om and ansible-core
//! unchanged), `ssh_config` (for `ssh -F`), `known_hosts`, and the state of the running lab.
//!
//! One supervisor owns everything a lab runs. For each loopback host it listens on the host's
//! own address and hands every accepted connection to a fresh `sshd -i` (OpenSSH's inetd
//! mode), so a thousand hosts need no thousand daemons and sshd's limit of 16 listen sockets
//! does not apply. Hosts in network namespaces (`--netns K`) each run an `sshd` daemon inside
//! their namespace, reached through a veth pair. The supervisor answers a control socket
//! (`kill`, `revive`, `status`) and, when it stops, stops exactly the processes it started.
//!
//! The supervisor runs either in the calling process ([`Lab::start`], for tests: the lab
//! ends when the handle is dropped) or detached ([`up`], for `om lab up`).
//!
//! ```no_run
//! let lab = om_lab::Lab::start(om_lab::LabConfig::new("/tmp/lab", 3))?;
//! println!("{}", lab.inventory().display());
//! # Ok::<(), om_lab::LabError>(())
//! ```

mod control;
mod error;
mod files;
mod netns;
mod shaper;
mod state;
mod supervisor;

use std::net::Ipv4Addr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use control::{HostStatus, Request, Response};
pub use error::LabError;
pub use netns::Netem;
pub use state::{LabHost, LabState};

/// The most hosts one lab may have: each needs a listening socket in the supervisor and an
/// sshd process per open connection.
pub const MAX_HOSTS: usize = 4096;

/// The port every lab host answers on unless told otherwise.
pub const DEFAULT_PORT: u16 = 2222;

/// The first loopback address unless told otherwise.
pub const DEFAULT_BASE: Ipv4Addr = Ipv4Addr::new(127, 0, 10, 1);

/// What a lab looks like; see `om lab up --help`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LabConfig {
    pub dir: PathBuf,
    pub hosts: usize,
    pub base: Ipv4Addr,
    pub port: u16,
    /// The user om and ansible log in as; defaults to the current user.
    pub user: String,
    /// How many of the hosts (the last ones) live in their own network namespace.
    pub netns: usize,
}

impl LabConfig {
    pub fn new(dir: impl Into<PathBuf>, hosts: usize) -> Self {
        Self { dir: dir.into(), hosts, base: DEFAULT_BASE, port: DEFAULT_PORT, user: current_user(), netns: 0 }
    }

    fn validate(&self) -> Result<(), LabError> {
        if self.hosts == 0 {
            return Err(LabError::NoHosts);
        }
        if self.hosts > MAX_HOSTS {
            return Err(LabError::TooManyHosts { hosts: self.hosts, max: MAX_HOSTS });
        }
        if self.netns > self.hosts {
            return Err(LabError::TooManyNamespaces { netns: self.netns, hosts: self.hosts });
        }
        let [a, ..] = self.base.octets();
        let last = u32::from(self.base) as u64 + (self.hosts - self.netns) as u64 - 1;
        if a != 127 || last > u32::from(Ipv4Addr::new(127, 255, 255, 254)) as u64 {
            return Err(LabError::BaseOutsideLoopback { base: self.base, hosts: self.hosts });
        }
        check_user(&self.user)?;
        if self.netns > 0 && !rustix::process::geteuid().is_root() {
            return Err(LabError::NeedsRoot { what: "--netns (network namespaces and veth pairs)" });
        }
        Ok(())
    }

    /// The hosts of this lab, with their addresses.
    fn layout(&self) -> Vec<LabHost> {
        let loopback = self.hosts - self.netns;
        (0..self.hosts)
            .map(|i| {
                let name = format!("h{}", i + 1);
                if i < loopback {
                    let address = Ipv4Addr::from(u32::from(self.base) + i as u32);
                    LabHost { name, address, netns: None }
                } else {
                    LabHost::in_namespace(name, self.port, i - loopback)
                }
            })
            .collect()
    }
}

/// A lab whose supervisor runs inside this process; dropping it stops the lab.
pub struct Lab {
    state: LabState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Lab {
    /// Prepares the directory and starts the lab; returns once every host accepts connections.
    pub fn start(mut config: LabConfig) -> Result<Lab, LabError> {
        config.validate()?;
        config.dir = files::absolute(&config)?;
        let sshd = files::find_sshd()?;
        files::prepare(&config, &config.layout())?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("om-lab".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(err) => {
                        let _ = ready_tx.send(Err(LabError::Io { what: "start the lab's runtime".into(), source: err }));
                        return;
                    }
                };
                runtime.block_on(supervisor::run(config, sshd, ready_tx, async {
                    let _ = shutdown_rx.await;
                }));
            })
            .map_err(|source| LabError::Io { what: "start the lab's thread".into(), source })?;
        match ready_rx.recv() {
            Ok(Ok(state)) => Ok(Lab { state, shutdown: Some(shutdown_tx), thread: Some(thread) }),
            Ok(Err(err)) => {
                let _ = thread.join();
                Err(err)
            }
            Err(_) => {
                let _ = thread.join();
                Err(LabError::SupervisorDied { log: None })
            }
        }
    }

    pub fn state(&self) -> &LabState {
        &self.state
    }

    pub fn dir(&self) -> &Path {
        &self.state.dir
    }

    pub fn inventory(&self) -> PathBuf {
        self.state.dir.join(files::INVENTORY)
    }

    pub fn ssh_config(&self) -> PathBuf {
        self.state.dir.join(files::SSH_CONFIG)
    }

    /// Cuts a host off: new connections are refused and open sessions are killed.
    pub fn kill(&self, host: &str) -> Result<(), LabError> {
        control::send(&self.state.dir, &Request::Kill { host: host.into() }).map(drop)
    }

    /// Brings a killed host back.
    pub fn revive(&self, host: &str) -> Result<(), LabError> {
        control::send(&self.state.dir, &Request::Revive { host: host.into() }).map(drop)
    }

    /// Adds delay and loss to a host's link; see [`netem`].
    pub fn netem(&self, host: &str, netem: Netem) -> Result<(), LabError> {
        self::netem(&self.state.dir, host, netem)
    }

    /// Per-host liveness and connection counts.
    pub fn status(&self) -> Result<Vec<HostStatus>, LabError> {
        status_of(&self.state.dir)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How `om lab up` starts the detached supervisor: a program and its arguments, which must
/// end up calling [`supervise`] on the same directory.
pub struct SupervisorCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
}

/// Starts a detached lab and waits until it is ready (`om lab up`).
pub fn up(mut config: LabConfig, supervisor: SupervisorCommand) -> Result<LabState, LabError> {
    config.validate()?;
    config.dir = files::absolute(&config)?;
    if let Some(state) = running(&config.dir)? {
        return Err(LabError::AlreadyRunning { dir: config.dir.clone(), pid: state.pid });
    }
    files::find_sshd()?;
    files::prepare(&config, &config.layout())?;
    files::write_json(&config.dir.join(files::CONFIG), &config)?;
    let log_path = config.dir.join(files::LOG);
    let log = std::fs::File::create(&log_path).map_err(|source| LabError::io(&log_path, source))?;
    let log_err = log.try_clone().map_err(|source| LabError::io(&log_path, source))?;
    let mut child = Command::new(&supervisor.program)
        .args(&supervisor.args)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .process_group(0)
        .spawn()
        .map_err(|source| LabError::Io { what: format!("start `{}`", supervisor.program.display()), source })?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(state) = running(&config.dir)?
            && state.pid == child.id()
        {
            return Ok(state);
        }
        if let Ok(Some(_)) = child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            return Err(LabError::SupervisorDied { log: Some(log.trim().to_string()) });
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(LabError::NotReady { dir: config.dir });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs the supervisor of a lab prepared by [`up`] until SIGTERM or SIGINT (`om lab supervise`).
pub fn supervise(dir: &Path) -> Result<(), LabError> {
    let config: LabConfig = files::read_json(&dir.join(files::CONFIG))?;
    let sshd = files::find_sshd()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| LabError::Io { what: "start the lab's runtime".into(), source })?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    runtime.block_on(supervisor::run(config, sshd, ready_tx, supervisor::termination()));
    match ready_rx.try_recv() {
        Ok(Err(err)) => Err(err),
        _ => Ok(()),
    }
}

/// The state of the lab in `dir` if its supervisor is alive.
pub fn running(dir: &Path) -> Result<Option<LabState>, LabError> {
    let path = dir.join(files::STATE);
    if !path.exists() {
        return Ok(None);
    }
    let state: LabState = files::read_json(&path)?;
    Ok(state::alive(state.pid).then_some(state))
}

/// Per-host status of the running lab in `dir`.
pub fn status_of(dir: &Path) -> Result<Vec<HostStatus>, LabError> {
    match control::send(dir, &Request::Status)? {
        Response::Status { hosts } => Ok(hosts),
        other => Err(LabError::Protocol { response: format!("{other:?}") }),
    }
}

/// Sends a control request to the running lab in `dir` (`om lab kill|revive`).
pub fn request(dir: &Path, request: &Request) -> Result<Response, LabError> {
    control::send(dir, request)
}

/// Stops the lab in `dir` and waits until its supervisor is gone (`om lab down`).
///
/// Returns `false` when no lab was running there.
pub fn down(dir: &Path) -> Result<bool, LabError> {
    let Some(state) = running(dir)? else {
        return Ok(false);
    };
    state::terminate(state.pid)?;
    let deadline = Instant::now() + Duration::from_secs(15);
    while state::alive(state.pid) {
        if Instant::now() > deadline {
            return Err(LabError::StopTimeout { pid: state.pid });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(true)
}

/// Adds delay and loss to a host's link (`om lab netem`): `tc netem` on a namespaced host's
/// veth; for a loopback host the supervisor relays its new connections and delays each chunk
/// (a lost chunk waits 200 ms more, as a TCP retransmission would).
pub fn netem(dir: &Path, host: &str, netem: Netem) -> Result<(), LabError> {
    control::send(dir, &Request::Netem { host: host.into(), netem }).map(drop)
}

/// The lab's login user must exist, and must not be locked: sshd without PAM refuses locked
/// accounts (a `!` password hash) even for public keys.
fn check_user(user: &str) -> Result<(), LabError> {
    let field = |file: &str| {
        std::fs::read_to_string(file).ok()?.lines().find_map(|l| {
            let mut f = l.split(':');
            (f.next()? == user).then(|| f.next().unwrap_or_default().to_string())
        })
    };
    if field("/etc/passwd").is_none() {
        return Err(LabError::NoSuchUser { user: user.to_string() });
    }
    if field("/etc/shadow").is_some_and(|hash| hash.starts_with('!')) {
        return Err(LabError::LockedUser { user: user.to_string() });
    }
    Ok(())
}

/// The login name of the user running this process.
pub fn current_user() -> String {
    if let Ok(user) = std::env::var("USER")
        && !user.is_empty()
    {
        return user;
    }
    let uid = rustix::process::getuid().as_raw();
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                let id: u32 = fields.nth(1)?.parse().ok()?;
                (id == uid).then(|| name.to_string())
            })
        })
        .unwrap_or_else(|| "root".into())
}
