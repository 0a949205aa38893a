//! Name resolution shared by the probes and the scanner: the system resolver by default, or
//! om's own stub client against an injected server (tests, `--server`), never cached.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::dns::{self, QueryOptions, RData, RecordType, Status};

/// Which addresses to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    #[default]
    Any,
    V4,
    V6,
}

/// Where names are resolved.
#[derive(Debug, Clone)]
pub struct Resolver {
    /// A DNS server to ask directly; `None` uses the system resolver (getaddrinfo).
    pub server: Option<SocketAddr>,
    pub timeout: Duration,
    pub family: Family,
}

impl Default for Resolver {
    fn default() -> Self {
        Resolver { server: None, timeout: Duration::from_secs(2), family: Family::Any }
    }
}

/// Why a name has no address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ResolveError {
    #[error("nxdomain: {0}")]
    NxDomain(String),
    #[error("no address: {0}")]
    NoAddress(String),
    #[error("servfail: {0}")]
    ServFail(String),
    #[error("timeout: {0}")]
    Timeout(String),
}

impl ResolveError {
    /// The error-taxonomy kind: `nxdomain`, `no_address`, `servfail`, `timeout`.
    pub fn kind(&self) -> &'static str {
        match self {
            ResolveError::NxDomain(_) => "nxdomain",
            ResolveError::NoAddress(_) => "no_address",
            ResolveError::ServFail(_) => "servfail",
            ResolveError::Timeout(_) => "timeout",
        }
    }
}

impl Resolver {
    pub fn with_server(server: SocketAddr) -> Self {
        Resolver { server: Some(server), ..Default::default() }
    }

    /// The addresses of `name` (an address literal is itself), A before AAAA, answer order.
    pub async fn lookup(&self, name: &str) -> Result<Vec<IpAddr>, ResolveError> {
        if let Ok(ip) = name.trim_matches(|c| c == '[' || c == ']').parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        match self.server {
            Some(server) => {
                let mut out = Vec::new();
                let mut nx = false;
                let types: &[RecordType] = match self.family {
                    Family::Any => &[RecordType::A, RecordType::AAAA],
                    Family::V4 => &[RecordType::A],
                    Family::V6 => &[RecordType::AAAA],
                };
                for &rtype in types {
                    let mut options = QueryOptions::new(name, rtype);
                    options.servers = vec![server];
                    options.timeout = self.timeout;
                    options.lifetime = self.timeout * 2;
                    let report = dns::query(&options).await.map_err(|e| match e {
                        dns::DnsError::Timeout { .. } => ResolveError::Timeout(e.to_string()),
                        other => ResolveError::ServFail(other.to_string()),
                    })?;
                    nx |= report.status == Status::NxDomain;
                    out.extend(report.selected().iter().filter_map(|r| match r.data {
                        RData::A { address } => Some(IpAddr::V4(address)),
                        RData::Aaaa { address } => Some(IpAddr::V6(address)),
                        _ => None,
                    }));
                }
                let mut seen = std::collections::HashSet::new();
                out.retain(|a| seen.insert(*a));
                match (out.is_empty(), nx) {
                    (false, _) => Ok(out),
                    (true, true) => Err(ResolveError::NxDomain(name.to_owned())),
                    (true, false) => Err(ResolveError::NoAddress(name.to_owned())),
                }
            }
            None => {
                let lookup = tokio::net::lookup_host((name, 0));
                match tokio::time::timeout(self.timeout.max(Duration::from_secs(5)), lookup).await {
                    Err(_) => Err(ResolveError::Timeout(name.to_owned())),
                    Ok(Err(err)) => Err(ResolveError::NxDomain(format!("{name}: {err}"))),
                    Ok(Ok(addrs)) => {
                        let mut out: Vec<IpAddr> = Vec::new();
                        for a in addrs.map(|a| a.ip()) {
                            let wanted = match self.family {
                                Family::Any => true,
                                Family::V4 => a.is_ipv4(),
                                Family::V6 => a.is_ipv6(),
                            };
                            if wanted && !out.contains(&a) {
                                out.push(a);
                            }
                        }
                        if out.is_empty() { Err(ResolveError::NoAddress(name.to_owned())) } else { Ok(out) }
                    }
                }
            }
        }
    }

    /// The PTR name of an address: `/etc/hosts` first, then DNS; `None` when there is none.
    pub async fn reverse(&self, addr: IpAddr) -> Option<String> {
        if self.server.is_none()
            && let Some(name) = hosts_file_name(&std::fs::read_to_string("/etc/hosts").unwrap_or_default(), addr)
        {
            return Some(name);
        }
        let mut options = QueryOptions::new(dns::reverse_name(addr), RecordType::PTR);
        options.servers = self.server.into_iter().collect();
        options.timeout = self.timeout.min(Duration::from_secs(1));
        options.lifetime = options.timeout;
        options.attempts = 1;
        let report = dns::query(&options).await.ok()?;
        report.selected().iter().find_map(|r| match &r.data {
            RData::Ptr { target } => Some(target.trim_end_matches('.').to_owned()),
            _ => None,
        })
    }
}

/// The first name `/etc/hosts` gives an address.
fn hosts_file_name(text: &str, addr: IpAddr) -> Option<String> {
    text.lines().find_map(|line| {
        let mut words = line.split('#').next()?.split_whitespace();
        let ip: IpAddr = words.next()?.parse().ok()?;
        (ip == addr).then(|| words.next().map(str::to_owned)).flatten()
    })
}
