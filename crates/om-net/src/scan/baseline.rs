//! Baseline alerts: which open ports a policy allows per host or group, which must never be
//! open, and (with a state file) what opened or closed since the last run.
//!
//! ```toml
//! allow = ["22/tcp"]            # every host
//! deny = [21, 3306, 3389]       # never open anywhere (high risk)
//! [host."127.0.0.2"]
//! allow = ["80/tcp", "443/tcp"]
//! [group.web]
//! hosts = ["127.0.0.0/24"]
//! allow = ["8080/tcp"]
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{PortState, ScanReport};
use crate::ip::{IpNet, MakeNet};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    #[serde(default)]
    allow: Vec<toml::Value>,
    #[serde(default)]
    deny: Vec<toml::Value>,
    #[serde(default)]
    hosts: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    allow: Vec<toml::Value>,
    #[serde(default)]
    deny: Vec<toml::Value>,
    #[serde(default)]
    host: BTreeMap<String, Rules>,
    #[serde(default)]
    group: BTreeMap<String, Rules>,
}

/// A parsed baseline policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    allow: BTreeSet<u16>,
    deny: BTreeSet<u16>,
    scoped: Vec<(Vec<IpNet>, BTreeSet<u16>, BTreeSet<u16>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read `{}`", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{}: `{value}` is not a port (give 22 or \"22/tcp\")", path.display())]
    Port { path: PathBuf, value: String },
    #[error("{}: `{value}`: {source}", path.display())]
    Host { path: PathBuf, value: String, source: Box<crate::ip::IpError> },
}

fn ports(path: &Path, values: &[toml::Value]) -> Result<BTreeSet<u16>, BaselineError> {
    values
        .iter()
        .map(|v| {
            let text = match v {
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::String(s) => s.trim_end_matches("/tcp").to_owned(),
                other => format!("{other:?}"),
            };
            text.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| BaselineError::Port { path: path.to_owned(), value: format!("{v:?}") })
        })
        .collect()
}

impl Policy {
    pub fn load(path: &Path) -> Result<Policy, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read { path: path.to_owned(), source })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Policy, BaselineError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| BaselineError::Parse { path: path.to_owned(), message: e.to_string() })?;
        let mut policy = Policy { allow: ports(path, &file.allow)?, deny: ports(path, &file.deny)?, scoped: Vec::new() };
        let net = |s: &str| {
            IpNet::parse(s, MakeNet::Lenient).map_err(|source| BaselineError::Host {
                path: path.to_owned(),
                value: s.to_owned(),
                source: Box::new(source),
            })
        };
        for (name, rules) in &file.host {
            policy.scoped.push((vec![net(name)?], ports(path, &rules.allow)?, ports(path, &rules.deny)?));
        }
        for rules in file.group.values() {
            let nets = rules.hosts.iter().map(|h| net(h)).collect::<Result<Vec<_>, _>>()?;
            policy.scoped.push((nets, ports(path, &rules.allow)?, ports(path, &rules.deny)?));
        }
        Ok(policy)
    }

    fn for_host(&self, addr: IpAddr) -> (BTreeSet<u16>, BTreeSet<u16>) {
        let me = IpNet::from_addr(addr);
        let mut allow = self.allow.clone();
        let mut deny = self.deny.clone();
        for (nets, a, d) in &self.scoped {
            if nets.iter().any(|n| n.contains(&me)) {
                allow.extend(a);
                deny.extend(d);
            }
        }
        (allow, deny)
    }
}

/// One host's deviations.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostDeviation {
    pub address: String,
    /// Open but not allowed.
    pub unexpected_open: Vec<u16>,
    /// Open and denied: high risk.
    pub denied_open: Vec<u16>,
    /// Allowed (expected) but closed or filtered.
    pub expected_closed: Vec<u16>,
    /// Since the last run (`--state`).
    pub opened_since_last: Vec<u16>,
    pub closed_since_last: Vec<u16>,
}

impl HostDeviation {
    fn is_empty(&self) -> bool {
        self.unexpected_open.is_empty()
            && self.denied_open.is_empty()
            && self.expected_closed.is_empty()
            && self.opened_since_last.is_empty()
            && self.closed_since_last.is_empty()
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BaselineReport {
    pub deviations: Vec<HostDeviation>,
}

impl BaselineReport {
    pub fn clean(&self) -> bool {
        self.deviations.is_empty()
    }
}

/// The open ports of the last run: `{"127.0.0.2": [22, 80]}`.
pub type State = BTreeMap<String, Vec<u16>>;

pub fn state_of(report: &ScanReport) -> State {
    super::render::open_ports(report).into_iter().map(|(a, p)| (a.to_string(), p)).collect()
}

/// Compares a scan with the policy (if any) and the previous state (if any).
pub fn check(report: &ScanReport, policy: Option<&Policy>, previous: Option<&State>) -> BaselineReport {
    let mut out = BaselineReport::default();
    for h in report.hosts.iter().filter(|h| h.state == super::HostState::Up) {
        let open: BTreeSet<u16> = h.ports.iter().filter(|p| p.state == PortState::Open).map(|p| p.port).collect();
        let scanned = |port: u16| report.num_services > 0 && (h.ports.iter().any(|p| p.port == port) || !h.extraports.is_empty());
        let mut dev = HostDeviation { address: h.address.to_string(), ..Default::default() };
        if let Some(policy) = policy {
            let (allow, deny) = policy.for_host(h.address);
            dev.denied_open = open.intersection(&deny).copied().collect();
            dev.unexpected_open = open.iter().filter(|p| !allow.contains(p) && !deny.contains(p)).copied().collect();
            dev.expected_closed = allow.iter().filter(|p| !open.contains(p) && scanned(**p)).copied().collect();
        }
        if let Some(prev) = previous.and_then(|s| s.get(&h.address.to_string())) {
            let prev: BTreeSet<u16> = prev.iter().copied().collect();
            dev.opened_since_last = open.difference(&prev).copied().collect();
            dev.closed_since_last = prev.difference(&open).copied().collect();
        }
        if !dev.is_empty() {
            out.deviations.push(dev);
        }
    }
    out
}

/// One line per deviation, for the text output.
pub fn render(report: &BaselineReport) -> String {
    let mut out = String::new();
    let list = |v: &[u16]| v.iter().map(|p| format!("{p}/tcp")).collect::<Vec<_>>().join(", ");
    for d in &report.deviations {
        for (label, ports) in [
            ("HIGH RISK: denied port open", &d.denied_open),
            ("unexpected open port", &d.unexpected_open),
            ("expected port not open", &d.expected_closed),
            ("opened since last run", &d.opened_since_last),
            ("closed since last run", &d.closed_since_last),
        ] {
            if !ports.is_empty() {
                out.push_str(&format!("{}: {label}: {}\n", d.address, list(ports)));
            }
        }
    }
    if out.is_empty() {
        out.push_str("baseline: no deviation\n");
    }
    out
}
