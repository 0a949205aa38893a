//! Every failure of the transport becomes an [`om_core::HostError`] with its phase and a hint
//! that says what to do: these builders keep the wording in one place.

use std::io::ErrorKind;
use std::time::Duration;

use om_core::{HostError, Phase};

use crate::Endpoint;

pub(crate) fn dns(ep: &Endpoint, err: &std::io::Error) -> HostError {
    HostError::new(&ep.name, Phase::Dns, format!("cannot resolve `{}`: {err}", ep.address))
        .with_hint("check the name, or set ansible_host to an address")
}

pub(crate) fn tcp(ep: &Endpoint, err: &std::io::Error) -> HostError {
    let target = format!("{}:{}", ep.address, ep.port);
    let (what, hint) = match err.kind() {
        ErrorKind::ConnectionRefused => ("connection refused", "is sshd running there, and is the port right (ansible_port)?"),
        ErrorKind::TimedOut => ("connection timed out", "is the host up, and does a firewall let port 22 through?"),
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => ("no route to host", "is the host up, and is its address right?"),
        _ => ("cannot connect", "is the host up and its address right?"),
    };
    let detail = if matches!(err.kind(), ErrorKind::ConnectionRefused | ErrorKind::TimedOut) { String::new() } else { format!(": {err}") };
    HostError::new(&ep.name, Phase::Connect, format!("{what} ({target}){detail}")).with_hint(hint)
}

pub(crate) fn connect_timeout(ep: &Endpoint, after: Duration) -> HostError {
    HostError::new(&ep.name, Phase::Connect, format!("connection timed out after {}s ({}:{})", after.as_secs(), ep.address, ep.port))
        .with_hint("is the host up and reachable? raise the limit with -T/--timeout or ConnectTimeout")
}

pub(crate) fn handshake(ep: &Endpoint, err: &russh::Error) -> HostError {
    HostError::new(&ep.name, Phase::Connect, format!("ssh handshake failed ({}:{}): {err}", ep.address, ep.port))
        .with_hint("is an SSH server listening there? run `ssh -v` against it to compare")
}

pub(crate) fn lost(name: &str, doing: &str) -> HostError {
    HostError::new(name, Phase::Connect, format!("connection lost while {doing}"))
        .with_hint("the host went away or sshd was restarted; run again to retry it")
}

pub(crate) fn jump(ep: &Endpoint, hop: &Endpoint, err: &russh::Error) -> HostError {
    HostError::new(&ep.name, Phase::Connect, format!("jump host `{}` cannot reach {}:{}: {err}", hop.name, ep.address, ep.port))
        .with_hint("check the target address as the jump host sees it, and AllowTcpForwarding on the jump host")
}

pub(crate) fn channel(name: &str, err: &russh::Error) -> HostError {
    HostError::new(name, Phase::Connect, format!("cannot open a channel: {err}")).with_hint("the connection may have dropped; run again")
}

pub(crate) fn transfer(name: &str, what: String) -> HostError {
    HostError::new(name, Phase::Transfer, what)
}
