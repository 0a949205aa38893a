//! What can go wrong when starting or driving a lab, and what to do about it.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("`{program}` is not installed\n  hint: install the Debian package `{package}` (apt-get install {package})")]
    Missing { program: &'static str, package: &'static str },
    #[error("a lab needs at least one host")]
    NoHosts,
    #[error("--hosts {hosts} is above the limit of {max}: each host needs a listening socket and an sshd per open connection")]
    TooManyHosts { hosts: usize, max: usize },
    #[error("--netns {netns} is more than the {hosts} hosts of the lab")]
    TooManyNamespaces { netns: usize, hosts: usize },
    #[error("{hosts} hosts from `{base}` do not fit in 127.0.0.0/8\n  hint: choose a --base such as 127.0.10.1")]
    BaseOutsideLoopback { base: Ipv4Addr, hosts: usize },
    #[error("there is no user `{user}` on this machine\n  hint: create it (useradd --create-home -p '*' {user}) or choose another --user")]
    NoSuchUser { user: String },
    #[error(
        "the account `{user}` is locked, and sshd without PAM refuses locked accounts even for keys\n  hint: unlock it without setting a password: usermod -p '*' {user}"
    )]
    LockedUser { user: String },
    #[error("{what} needs root")]
    NeedsRoot { what: &'static str },
    #[error("a lab is already running in `{}` (supervisor pid {pid})\n  hint: `om lab status --dir {0}` shows it; `om lab down --dir {0}` stops it", dir.display())]
    AlreadyRunning { dir: PathBuf, pid: u32 },
    #[error("no lab is running in `{}`\n  hint: start one with `om lab up --dir {0}`", dir.display())]
    NotRunning { dir: PathBuf },
    #[error("address {addr} is already in use\n  hint: another lab or service holds it; choose another --port or --base")]
    AddressInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("no host `{host}` in this lab (hosts are h1…h{count})")]
    UnknownHost { host: String, count: usize },
    #[error("host `{host}` is not in a network namespace")]
    NotInNamespace { host: String },
    #[error(
        "this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM), so `{host}`'s namespace link cannot be shaped\n  hint: shape a loopback host instead: the lab emulates delay and loss for them in its supervisor"
    )]
    NoNetem { host: String },
    #[error("`{command}` failed: {stderr}")]
    Command { command: String, stderr: String },
    #[error("cannot {what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read or write `{}`", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a valid lab file", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("the lab supervisor exited before the lab was ready{}", log.as_deref().map(|l| format!(":\n{l}")).unwrap_or_default())]
    SupervisorDied { log: Option<String> },
    #[error("the lab in `{}` did not become ready within 30 s", dir.display())]
    NotReady { dir: PathBuf },
    #[error("the lab supervisor (pid {pid}) did not stop within 15 s")]
    StopTimeout { pid: u32 },
    #[error("the lab answered `{response}`")]
    Protocol { response: String },
    #[error("the lab refused the request: {message}")]
    Refused { message: String },
}

impl LabError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        LabError::File { path: path.to_path_buf(), source }
    }
}
