//! The state of a running lab, kept in `lab.json` beside its files.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::LabError;

/// A running lab: who supervises it and which hosts it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabState {
    pub pid: u32,
    pub dir: PathBuf,
    pub port: u16,
    pub user: String,
    pub hosts: Vec<LabHost>,
    /// Unix time at which the lab became ready.
    pub started_at: u64,
}

impl LabState {
    pub fn host(&self, name: &str) -> Result<&LabHost, LabError> {
        self.hosts.iter().find(|h| h.name == name).ok_or_else(|| LabError::UnknownHost { host: name.to_string(), count: self.hosts.len() })
    }
}

/// One host of a lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabHost {
    pub name: String,
    pub address: Ipv4Addr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netns: Option<Namespace>,
}

/// A host's network namespace and the veth pair that joins it to this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    pub name: String,
    /// The veth end in the root namespace; netem and kill act on it.
    pub veth: String,
    /// The root namespace's address on the link, the host's default route.
    pub gateway: Ipv4Addr,
}

impl LabHost {
    /// The `index`-th namespaced host of a lab on `port`: a /30 in 10.X.0.0/16, where X
    /// depends on the port so that labs on different ports do not collide.
    pub(crate) fn in_namespace(name: String, port: u16, index: usize) -> Self {
        let x = 100 + (port % 150) as u8;
        let third = (index / 64) as u8;
        let fourth = ((index % 64) * 4) as u8;
        LabHost {
            address: Ipv4Addr::new(10, x, third, fourth + 2),
            netns: Some(Namespace {
                name: format!("oml{port}-{name}"),
                veth: format!("ol{port}v{index}"),
                gateway: Ipv4Addr::new(10, x, third, fourth + 1),
            }),
            name,
        }
    }
}

/// Whether a process exists and has not exited.
pub(crate) fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the parenthesised command name.
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

/// Asks a process to stop.
pub(crate) fn terminate(pid: u32) -> Result<(), LabError> {
    let pid_raw = i32::try_from(pid).map_err(|_| LabError::StopTimeout { pid })?;
    let Some(pid_t) = rustix::process::Pid::from_raw(pid_raw) else {
        return Ok(());
    };
    match rustix::process::kill_process(pid_t, rustix::process::Signal::TERM) {
        Ok(()) | Err(rustix::io::Errno::SRCH) => Ok(()),
        Err(err) => Err(LabError::Io { what: format!("signal the lab supervisor (pid {pid})"), source: err.into() }),
    }
}

/// Kills a process at once.
pub(crate) fn kill(pid: u32) {
    if let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_hosts_get_distinct_slash_30s() {
        let a = LabHost::in_namespace("h1".into(), 2222, 0);
        let b = LabHost::in_namespace("h2".into(), 2222, 65);
        assert_eq!(a.address, Ipv4Addr::new(10, 222, 0, 2));
        assert_eq!(b.address, Ipv4Addr::new(10, 222, 1, 6));
        assert_eq!(b.netns.expect("namespaced").gateway, Ipv4Addr::new(10, 222, 1, 5));
    }

    #[test]
    fn this_process_is_alive_and_a_free_pid_is_not() {
        assert!(alive(std::process::id()));
        assert!(!alive(u32::MAX - 1));
    }
}
