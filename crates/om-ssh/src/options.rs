//! Where a connection's settings come from: the inventory's `ansible_*` variables (INV-32),
//! then the command line, then `~/.ssh/config`, then om's defaults (SSH-1, SSH-10, SSH-11).
//!
//! [`SshOptions`] holds the run-wide part; [`Endpoint::resolve`] merges it with one host's
//! variables and ssh config into everything needed to dial that host and its jump hosts.

use std::path::PathBuf;
use std::time::Duration;

use om_core::{Host, Secret};
use tracing::warn;

use crate::config::{HostConfig, SshConfig, expand_tokens, home_dir, local_user};

/// What to do with a host key that is not in known_hosts, or that changed (SSH-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// `yes`: unknown and changed keys are refused.
    Strict,
    /// `accept-new`: unknown keys are accepted and written to known_hosts; changed ones refused.
    AcceptNew,
    /// `no`: every key is accepted and nothing is written; a changed key gets a loud warning.
    Off,
    /// `ask`: the fingerprint is shown and the user decides; changed keys are refused.
    Ask,
}

impl HostKeyPolicy {
    /// Reads `yes`/`no`/`accept-new`/`ask` (and ansible.cfg's `True`/`False`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "yes" | "true" | "strict" => Some(Self::Strict),
            "accept-new" => Some(Self::AcceptNew),
            "no" | "false" | "off" => Some(Self::Off),
            "ask" => Some(Self::Ask),
            _ => None,
        }
    }
}

/// Run-wide SSH settings: the command line and om's defaults.
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// `-u`: the remote user when the inventory does not name one.
    pub user: Option<String>,
    /// `-k`: the login password (also tried as a key passphrase).
    pub password: Option<Secret<String>>,
    /// `--private-key`, tried before anything else.
    pub private_keys: Vec<PathBuf>,
    /// `-T`: TCP connect and handshake deadline (10 s).
    pub connect_timeout: Option<Duration>,
    /// `--host-key-checking`; `None` leaves it to ssh config, then `Strict`.
    pub host_key_checking: Option<HostKeyPolicy>,
    /// `--ssh-config`; `None` reads `~/.ssh/config`.
    pub ssh_config: Option<PathBuf>,
    /// `-J`: a jump chain for every host.
    pub jump: Option<String>,
    /// `--ssh-common-args`, `--ssh-extra-args`.
    pub common_args: Option<String>,
    pub extra_args: Option<String>,
    /// Concurrent channels per connection, below sshd's `MaxSessions` (8).
    pub max_channels: usize,
    /// Reconnect attempts after a dropped connection (2).
    pub retries: u32,
    /// Use keys from `SSH_AUTH_SOCK`.
    pub agent: bool,
    /// Try `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa` when no identity is configured.
    pub default_keys: bool,
    /// The policy when nothing sets one: `Ask` on a terminal, `Strict` otherwise (SSH-3).
    pub default_policy: HostKeyPolicy,
}

impl Default for SshOptions {
    fn default() -> Self {
        Self {
            user: None,
            password: None,
            private_keys: Vec::new(),
            connect_timeout: None,
            host_key_checking: None,
            ssh_config: None,
            jump: None,
            common_args: None,
            extra_args: None,
            max_channels: 8,
            retries: 2,
            agent: true,
            default_keys: true,
            default_policy: HostKeyPolicy::Strict,
        }
    }
}

/// Everything needed to dial one host: address, user, keys, host-key rules, jump chain.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The inventory name (or the hop as written).
    pub name: String,
    /// The address to dial (`ansible_host`, `HostName`, or the name).
    pub address: String,
    pub port: u16,
    pub user: String,
    pub identities: Vec<PathBuf>,
    pub identities_only: bool,
    pub default_keys: bool,
    pub agent: bool,
    pub agent_socket: Option<String>,
    pub password: Option<Secret<String>>,
    pub policy: HostKeyPolicy,
    pub known_hosts_files: Vec<PathBuf>,
    pub hash_known_hosts: bool,
    pub connect_timeout: Duration,
    pub keepalive_interval: Option<Duration>,
    pub keepalive_max: usize,
    /// Hops to go through, first dialled first; each has its own auth and host-key check.
    pub jumps: Vec<Endpoint>,
    /// Warnings about settings om did not understand, for the run's log.
    pub warnings: Vec<String>,
}

impl Endpoint {
    /// `user@address:port` plus the chain: one connection per key for the whole run.
    pub fn pool_key(&self) -> String {
        let mut key = format!("{}@{}:{}", self.user, self.address, self.port);
        for hop in self.jumps.iter().rev() {
            key.push_str(&format!(" via {}@{}:{}", hop.user, hop.address, hop.port));
        }
        key
    }

    /// Resolves `host` with its inventory variables, `options` and `config`. `lookup` finds
    /// inventory hosts by name, so jump hosts written as inventory names get their vars.
    pub fn resolve(host: &Host, options: &SshOptions, config: &SshConfig, lookup: &dyn Fn(&str) -> Option<Host>) -> Endpoint {
        let mut warnings = Vec::new();
        let mut args = ArgSettings::default();
        for text in [options.common_args.as_deref(), options.extra_args.as_deref()].into_iter().flatten() {
            args.parse(text, &mut warnings);
        }
        let mut host_args = ArgSettings::default();
        for var in ["ansible_ssh_common_args", "ansible_ssh_extra_args"] {
            if let Some(text) = host.var_str(&[var]) {
                host_args.parse(&text, &mut warnings);
            }
        }
        let args = host_args.or(args);
        let file = args.config_file.clone().map(|p| SshConfig::load(&p));
        let config = match &file {
            Some(Ok(c)) => c,
            Some(Err(err)) => {
                warnings.push(format!("{err}"));
                config
            }
            None => config,
        };
        let mut endpoint = Self::resolve_one(host, options, config, &args, &mut warnings);
        let chain = host
            .var_str(&["om_proxy_jump"])
            .or_else(|| args.jump.clone())
            .or_else(|| options.jump.clone())
            .or_else(|| config.resolve(&host.name).proxy_jump.filter(|j| j != "none"))
            .or_else(|| config.resolve(&host.name).proxy_command.and_then(|c| proxy_command_jump(&c, &mut warnings)));
        if let Some(chain) = chain {
            for hop in chain.split(',').map(str::trim).filter(|h| !h.is_empty()) {
                let (user, name, port) = split_hop(hop);
                let mut hop_host = lookup(&name).unwrap_or_else(|| Host::new(name.clone()));
                if let Some(user) = user {
                    hop_host.vars.insert("ansible_user".into(), user.into());
                }
                if let Some(port) = port {
                    hop_host.vars.insert("ansible_port".into(), port.into());
                }
                let hop_args = ArgSettings::default();
                let mut hop_endpoint = Self::resolve_one(&hop_host, options, config, &hop_args, &mut warnings);
                // A hop inherits the target's host-key rules and known_hosts files unless its
                // own settings say otherwise.
                if config.resolve(&name).strict_host_key_checking.is_none() && options.host_key_checking.is_none() {
                    hop_endpoint.policy = endpoint.policy;
                }
                if config.resolve(&name).user_known_hosts_files.is_empty() {
                    hop_endpoint.known_hosts_files = endpoint.known_hosts_files.clone();
                }
                endpoint.jumps.push(hop_endpoint);
            }
        }
        endpoint.warnings = warnings;
        endpoint
    }

    fn resolve_one(host: &Host, options: &SshOptions, config: &SshConfig, args: &ArgSettings, warnings: &mut Vec<String>) -> Endpoint {
        let hc: HostConfig = config.resolve(&host.name);
        let address = host
            .var_str(&["ansible_host", "ansible_ssh_host"])
            .or_else(|| hc.hostname.as_ref().map(|h| h.replace("%h", &host.name)))
            .unwrap_or_else(|| host.name.clone());
        let port = host.var_str(&["ansible_port", "ansible_ssh_port"]).and_then(|p| p.parse().ok()).or(args.port).or(hc.port).unwrap_or(22);
        let user = host
            .var_str(&["ansible_user", "ansible_ssh_user"])
            .or_else(|| args.user.clone())
            .or_else(|| options.user.clone())
            .or_else(|| hc.user.clone())
            .unwrap_or_else(local_user);
        let password = host.var_str(&["ansible_password", "ansible_ssh_pass"]).map(Secret::new).or_else(|| options.password.clone());
        let mut identities: Vec<PathBuf> = Vec::new();
        if let Some(key) = host.var_str(&["ansible_ssh_private_key_file", "ansible_private_key_file"]) {
            identities.push(PathBuf::from(expand_tokens(&key, &address, &user, port)));
        }
        identities.extend(args.identities.iter().map(|p| PathBuf::from(expand_tokens(p, &address, &user, port))));
        identities.extend(options.private_keys.iter().cloned());
        identities.extend(hc.identity_files.iter().map(|p| PathBuf::from(expand_tokens(p, &address, &user, port))));
        let policy = args.policy.or(options.host_key_checking).or(hc.strict_host_key_checking).unwrap_or(options.default_policy);
        let known_hosts_files = if !args.known_hosts.is_empty() {
            args.known_hosts.iter().map(|p| PathBuf::from(expand_tokens(p, &address, &user, port))).collect()
        } else if !hc.user_known_hosts_files.is_empty() {
            hc.user_known_hosts_files.iter().map(|p| PathBuf::from(expand_tokens(p, &address, &user, port))).collect()
        } else {
            let home = home_dir().unwrap_or_else(|| PathBuf::from("/"));
            vec![home.join(".ssh/known_hosts"), home.join(".ssh/known_hosts2")]
        };
        let connect_timeout = args
            .connect_timeout
            .map(Duration::from_secs)
            .or(options.connect_timeout)
            .or(hc.connect_timeout.map(Duration::from_secs))
            .unwrap_or(Duration::from_secs(10));
        let keepalive_interval = args.alive_interval.or(hc.server_alive_interval).filter(|s| *s > 0).map(Duration::from_secs);
        if host.var_str(&["ansible_connection"]).is_some_and(|c| c.starts_with("paramiko")) {
            warnings.push(format!("{}: ansible_connection=paramiko runs as ssh", host.name));
        }
        Endpoint {
            name: host.name.clone(),
            address,
            port,
            user,
            identities,
            identities_only: args.identities_only.or(hc.identities_only).unwrap_or(false),
            default_keys: options.default_keys,
            agent: options.agent && hc.identity_agent.as_deref() != Some("none"),
            agent_socket: hc
                .identity_agent
                .filter(|a| a != "none" && a != "SSH_AUTH_SOCK")
                .map(|a| expand_tokens(&a, &host.name, "", port)),
            password,
            policy,
            known_hosts_files,
            hash_known_hosts: hc.hash_known_hosts.unwrap_or(false),
            connect_timeout,
            keepalive_interval,
            keepalive_max: hc.server_alive_count_max.unwrap_or(3),
            jumps: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// What `-o`, `-J`, `-i`, `-p`, `-l` and `-F` in ssh argument strings say.
#[derive(Debug, Clone, Default)]
struct ArgSettings {
    jump: Option<String>,
    policy: Option<HostKeyPolicy>,
    known_hosts: Vec<String>,
    alive_interval: Option<u64>,
    connect_timeout: Option<u64>,
    identities_only: Option<bool>,
    identities: Vec<String>,
    port: Option<u16>,
    user: Option<String>,
    config_file: Option<PathBuf>,
}

impl ArgSettings {
    fn or(self, other: ArgSettings) -> ArgSettings {
        ArgSettings {
            jump: self.jump.or(other.jump),
            policy: self.policy.or(other.policy),
            known_hosts: if self.known_hosts.is_empty() { other.known_hosts } else { self.known_hosts },
            alive_interval: self.alive_interval.or(other.alive_interval),
            connect_timeout: self.connect_timeout.or(other.connect_timeout),
            identities_only: self.identities_only.or(other.identities_only),
            identities: if self.identities.is_empty() { other.identities } else { self.identities },
            port: self.port.or(other.port),
            user: self.user.or(other.user),
            config_file: self.config_file.or(other.config_file),
        }
    }

    fn parse(&mut self, text: &str, warnings: &mut Vec<String>) {
        let words = match shell_words::split(text) {
            Ok(w) => w,
            Err(_) => {
                warnings.push(format!("cannot split ssh arguments `{text}`: unbalanced quotes"));
                return;
            }
        };
        let mut i = 0;
        while i < words.len() {
            let word = &words[i];
            let mut take = |flag: &str| -> Option<String> {
                if word == flag {
                    i += 1;
                    words.get(i).cloned()
                } else {
                    word.strip_prefix(flag).map(str::to_string)
                }
            };
            if let Some(option) = take("-o") {
                self.option(&option, warnings);
            } else if let Some(jump) = take("-J") {
                self.jump = Some(jump);
            } else if let Some(key) = take("-i") {
                self.identities.push(key);
            } else if let Some(port) = take("-p") {
                self.port = port.parse().ok();
            } else if let Some(user) = take("-l") {
                self.user = Some(user);
            } else if let Some(file) = take("-F") {
                self.config_file = Some(PathBuf::from(file));
            } else {
                warnings.push(format!("ssh argument `{word}` is not understood by om and was ignored"));
            }
            i += 1;
        }
    }

    fn option(&mut self, option: &str, warnings: &mut Vec<String>) {
        let (key, value) = option.split_once('=').or_else(|| option.split_once(' ')).unwrap_or((option, ""));
        let value = value.trim().trim_matches('"');
        match key.trim().to_ascii_lowercase().as_str() {
            "proxyjump" => self.jump = Some(value.to_string()),
            "proxycommand" => self.jump = proxy_command_jump(value, warnings),
            "stricthostkeychecking" => self.policy = HostKeyPolicy::parse(value),
            "userknownhostsfile" => self.known_hosts = value.split_whitespace().map(str::to_string).collect(),
            "serveraliveinterval" => self.alive_interval = value.parse().ok(),
            "connecttimeout" => self.connect_timeout = value.parse().ok(),
            "identitiesonly" => self.identities_only = Some(matches!(value.to_ascii_lowercase().as_str(), "yes" | "true")),
            "identityfile" => self.identities.push(value.to_string()),
            "port" => self.port = value.parse().ok(),
            "user" => self.user = Some(value.to_string()),
            k if k.starts_with("control") || k == "loglevel" || k == "serveralivecountmax" => {}
            _ => warnings.push(format!("ssh option `{key}` is not understood by om and was ignored")),
        }
    }
}

/// `ssh -W %h:%p [-q] [user@]bastion` is a jump through `[user@]bastion`; anything else
/// is not supported yet (SSH-21).
fn proxy_command_jump(command: &str, warnings: &mut Vec<String>) -> Option<String> {
    let words = shell_words::split(command).unwrap_or_default();
    let is_idiom = words.first().is_some_and(|w| w == "ssh" || w.ends_with("/ssh")) && words.iter().any(|w| w == "-W");
    if !is_idiom {
        warnings.push(format!("ProxyCommand `{command}` is not supported; use ProxyJump"));
        return None;
    }
    let mut port = None;
    let mut target = None;
    let mut i = 1;
    while i < words.len() {
        match words[i].as_str() {
            "-W" => i += 1,
            "-p" => {
                port = words.get(i + 1).cloned();
                i += 1;
            }
            "-q" => {}
            w if w.starts_with('-') => {}
            w => target = Some(w.to_string()),
        }
        i += 1;
    }
    target.map(|t| match port {
        Some(p) => format!("{t}:{p}"),
        None => t,
    })
}

/// `[user@]host[:port]`, with `[v6]:port` allowed.
fn split_hop(hop: &str) -> (Option<String>, String, Option<u16>) {
    let (user, rest) = match hop.rsplit_once('@') {
        Some((u, r)) => (Some(u.to_string()), r),
        None => (None, hop),
    };
    if let Some(inner) = rest.strip_prefix('[')
        && let Some((h, p)) = inner.split_once("]:")
    {
        return (user, h.to_string(), p.parse().ok());
    }
    match rest.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (user, h.to_string(), p.parse().ok()),
        _ => (user, rest.to_string(), None),
    }
}

/// Logs the warnings of every endpoint once.
pub(crate) fn log_warnings(endpoint: &Endpoint) {
    for w in &endpoint.warnings {
        warn!(host = %endpoint.name, "{w}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(vars: &[(&str, &str)]) -> Host {
        let mut h = Host::new("web1");
        for (k, v) in vars {
            h.vars.insert((*k).into(), (*v).into());
        }
        h
    }

    #[test]
    fn inventory_beats_command_line_beats_ssh_config() {
        let config =
            SshConfig::parse("Host web1\n  User cfg\n  Port 2200\n  HostName 10.1.1.1\n", std::path::Path::new("c")).expect("parses");
        let options = SshOptions { user: Some("cli".into()), ..SshOptions::default() };
        let e = Endpoint::resolve(&host(&[]), &options, &config, &|_| None);
        assert_eq!((e.user.as_str(), e.port, e.address.as_str()), ("cli", 2200, "10.1.1.1"));
        let e = Endpoint::resolve(&host(&[("ansible_ssh_user", "inv"), ("ansible_port", "2022")]), &options, &config, &|_| None);
        assert_eq!((e.user.as_str(), e.port), ("inv", 2022));
    }

    #[test]
    fn common_args_give_jumps_and_host_key_rules() {
        let h = host(&[(
            "ansible_ssh_common_args",
            "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/tmp/kh -J admin@bastion:2200,b2 -o Foo=1",
        )]);
        let e = Endpoint::resolve(&h, &SshOptions::default(), &SshConfig::default(), &|_| None);
        assert_eq!(e.policy, HostKeyPolicy::AcceptNew);
        assert_eq!(e.known_hosts_files, vec![PathBuf::from("/tmp/kh")]);
        assert_eq!(e.jumps.len(), 2);
        assert_eq!((e.jumps[0].user.as_str(), e.jumps[0].address.as_str(), e.jumps[0].port), ("admin", "bastion", 2200));
        assert_eq!(e.jumps[1].known_hosts_files, vec![PathBuf::from("/tmp/kh")]);
        assert!(e.warnings.iter().any(|w| w.contains("Foo")), "{:?}", e.warnings);
        assert!(e.pool_key().contains(" via "));
    }

    #[test]
    fn proxy_command_idiom_becomes_a_jump() {
        let mut w = Vec::new();
        assert_eq!(proxy_command_jump("ssh -W %h:%p -q root@gw", &mut w).as_deref(), Some("root@gw"));
        assert_eq!(proxy_command_jump("nc gw 22", &mut w), None);
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn hops_split_user_host_port() {
        assert_eq!(split_hop("u@h:2"), (Some("u".into()), "h".into(), Some(2)));
        assert_eq!(split_hop("h"), (None, "h".into(), None));
        assert_eq!(split_hop("[::1]:22"), (None, "::1".into(), Some(22)));
    }
}
