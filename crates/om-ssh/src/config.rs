//! `~/.ssh/config`: `Host` blocks with `*`, `?` and `!` patterns, the first value of each
//! keyword winning (SSH-10), `Include` of further files, and `%`-token expansion.
//!
//! [`SshConfig::resolve`] gives the [`HostConfig`] for one host name; `Match` blocks are
//! skipped (LATER) and `Control*` keywords are ignored with an info line.

use std::path::{Path, PathBuf};

use tracing::info;

use crate::HostKeyPolicy;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read ssh config `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Syntax { path: PathBuf, line: usize, message: String },
}

/// A parsed ssh config file (with its includes).
#[derive(Debug, Clone, Default)]
pub struct SshConfig {
    blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
struct Block {
    /// `(negated, pattern)`; `None` for `Match` blocks, which never apply.
    patterns: Option<Vec<(bool, String)>>,
    entries: Vec<(String, String)>,
}

/// What ssh config says about one host; `None` means "not set here".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostConfig {
    pub hostname: Option<String>,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity_files: Vec<String>,
    pub identities_only: Option<bool>,
    pub identity_agent: Option<String>,
    pub proxy_jump: Option<String>,
    pub proxy_command: Option<String>,
    pub connect_timeout: Option<u64>,
    pub server_alive_interval: Option<u64>,
    pub server_alive_count_max: Option<usize>,
    pub strict_host_key_checking: Option<HostKeyPolicy>,
    pub user_known_hosts_files: Vec<String>,
    pub hash_known_hosts: Option<bool>,
    pub compression: Option<bool>,
    pub forward_agent: Option<bool>,
}

impl SshConfig {
    /// Reads `path`; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut config = SshConfig::default();
        config.read_into(path, 0)?;
        Ok(config)
    }

    /// The user's `~/.ssh/config`, or an empty config.
    pub fn load_default() -> Result<Self, ConfigError> {
        match home_dir() {
            Some(home) => Self::load(&home.join(".ssh/config")),
            None => Ok(Self::default()),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut config = SshConfig::default();
        config.parse_into(text, path, 0)?;
        Ok(config)
    }

    fn read_into(&mut self, path: &Path, depth: usize) -> Result<(), ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => self.parse_into(&text, path, depth),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(ConfigError::Read { path: path.to_path_buf(), source }),
        }
    }

    fn parse_into(&mut self, text: &str, path: &Path, depth: usize) -> Result<(), ConfigError> {
        // Entries before the first `Host` apply to every host.
        self.blocks.push(Block { patterns: Some(vec![(false, "*".into())]), entries: Vec::new() });
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = split_keyword(line).ok_or_else(|| ConfigError::Syntax {
                path: path.to_path_buf(),
                line: index + 1,
                message: format!("expected `Keyword value`, found `{line}`"),
            })?;
            let key = key.to_ascii_lowercase();
            match key.as_str() {
                "host" => {
                    let patterns = words(&value)
                        .into_iter()
                        .map(|p| p.strip_prefix('!').map_or((false, p.clone()), |n| (true, n.to_string())))
                        .collect();
                    self.blocks.push(Block { patterns: Some(patterns), entries: Vec::new() });
                }
                "match" => self.blocks.push(Block { patterns: None, entries: Vec::new() }),
                "include" if depth < 8 => {
                    for pattern in words(&value) {
                        let pattern = expand_tilde(&pattern);
                        let base = if Path::new(&pattern).is_absolute() { PathBuf::from(&pattern) } else { ssh_dir().join(&pattern) };
                        for file in glob_files(&base) {
                            self.read_into(&file, depth + 1)?;
                        }
                    }
                }
                k if k.starts_with("control") => {
                    info!(keyword = %key, "ssh config Control* keywords are ignored: om keeps one connection per host itself")
                }
                _ => {
                    if let Some(block) = self.blocks.last_mut() {
                        block.entries.push((key, value));
                    }
                }
            }
        }
        Ok(())
    }

    /// Everything ssh config says about `host`, first value winning.
    pub fn resolve(&self, host: &str) -> HostConfig {
        let mut out = HostConfig::default();
        for block in &self.blocks {
            let Some(patterns) = &block.patterns else { continue };
            if !matches_patterns(patterns, host) {
                continue;
            }
            for (key, value) in &block.entries {
                apply(&mut out, key, value);
            }
        }
        out
    }
}

fn apply(out: &mut HostConfig, key: &str, value: &str) {
    fn first<T>(slot: &mut Option<T>, value: Option<T>) {
        if slot.is_none() {
            *slot = value;
        }
    }
    let flag = |v: &str| match v.to_ascii_lowercase().as_str() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    };
    match key {
        "hostname" => first(&mut out.hostname, Some(value.to_string())),
        "user" => first(&mut out.user, Some(value.to_string())),
        "port" => first(&mut out.port, value.parse().ok()),
        "identityfile" => out.identity_files.push(value.to_string()),
        "identitiesonly" => first(&mut out.identities_only, flag(value)),
        "identityagent" => first(&mut out.identity_agent, Some(value.to_string())),
        "proxyjump" => first(&mut out.proxy_jump, Some(value.to_string())),
        "proxycommand" => first(&mut out.proxy_command, Some(value.to_string())),
        "connecttimeout" => first(&mut out.connect_timeout, value.parse().ok()),
        "serveraliveinterval" => first(&mut out.server_alive_interval, value.parse().ok()),
        "serveralivecountmax" => first(&mut out.server_alive_count_max, value.parse().ok()),
        "stricthostkeychecking" => first(&mut out.strict_host_key_checking, HostKeyPolicy::parse(value)),
        "userknownhostsfile" if out.user_known_hosts_files.is_empty() => out.user_known_hosts_files = words(value),
        "hashknownhosts" => first(&mut out.hash_known_hosts, flag(value)),
        "compression" => first(&mut out.compression, flag(value)),
        "forwardagent" => first(&mut out.forward_agent, flag(value)),
        _ => {}
    }
}

/// `Keyword value`, `Keyword=value` or `Keyword = value`; the value loses outer quotes.
fn split_keyword(line: &str) -> Option<(String, String)> {
    let end = line.find(|c: char| c.is_whitespace() || c == '=')?;
    let key = &line[..end];
    let rest = line[end..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim();
    if key.is_empty() || rest.is_empty() {
        return None;
    }
    let value = if rest.len() >= 2 && rest.starts_with('"') && rest.ends_with('"') { &rest[1..rest.len() - 1] } else { rest };
    Some((key.to_string(), value.to_string()))
}

/// Splits on whitespace, keeping double-quoted words whole.
fn words(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A host matches a pattern list when some positive pattern matches and no negated one does.
pub(crate) fn matches_patterns(patterns: &[(bool, String)], host: &str) -> bool {
    let mut matched = false;
    for (negated, pattern) in patterns {
        if glob(pattern, host) {
            if *negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

/// `*` and `?` wildcards, case-insensitive as OpenSSH matches host names.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn glob_files(pattern: &Path) -> Vec<PathBuf> {
    let text = pattern.to_string_lossy();
    if !text.contains(['*', '?']) {
        return vec![pattern.to_path_buf()];
    }
    let (Some(dir), Some(name)) = (pattern.parent(), pattern.file_name()) else { return Vec::new() };
    let name = name.to_string_lossy();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()).filter(|e| glob(&name, &e.file_name().to_string_lossy())).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

pub(crate) fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
}

fn ssh_dir() -> PathBuf {
    home_dir().unwrap_or_else(|| PathBuf::from("/")).join(".ssh")
}

pub(crate) fn expand_tilde(path: &str) -> String {
    match (path.strip_prefix("~/"), home_dir()) {
        (Some(rest), Some(home)) => home.join(rest).display().to_string(),
        _ if path == "~" => home_dir().map(|h| h.display().to_string()).unwrap_or_else(|| path.to_string()),
        _ => path.to_string(),
    }
}

/// Expands `~`, `%d` (home), `%u` (local user), `%h` (host), `%r` (remote user), `%p`
/// (port) and `%%` in a path from ssh config.
pub fn expand_tokens(value: &str, host: &str, user: &str, port: u16) -> String {
    let value = expand_tilde(value);
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(&home_dir().map(|h| h.display().to_string()).unwrap_or_default()),
            Some('u') => out.push_str(&local_user()),
            Some('h') => out.push_str(host),
            Some('r') => out.push_str(user),
            Some('p') => out.push_str(&port.to_string()),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// The login name of the user running om.
pub fn local_user() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "root".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
User everyone
Host web* !web3
  HostName %h.example.com
  Port 2200
  IdentityFile ~/.ssh/web
Host *
  User fallback
  Port 22
  IdentityFile ~/.ssh/other
  StrictHostKeyChecking accept-new
  ControlMaster auto
";

    #[test]
    fn first_value_wins_and_identity_files_accumulate() {
        let config = SshConfig::parse(CONFIG, Path::new("config")).expect("parses");
        let web1 = config.resolve("web1");
        assert_eq!(web1.user.as_deref(), Some("everyone"));
        assert_eq!(web1.port, Some(2200));
        assert_eq!(web1.hostname.as_deref(), Some("%h.example.com"));
        assert_eq!(web1.identity_files, vec!["~/.ssh/web", "~/.ssh/other"]);
        assert_eq!(web1.strict_host_key_checking, Some(HostKeyPolicy::AcceptNew));
    }

    #[test]
    fn negated_patterns_exclude_a_host() {
        let config = SshConfig::parse(CONFIG, Path::new("config")).expect("parses");
        assert_eq!(config.resolve("web3").port, Some(22));
        assert_eq!(config.resolve("db1").identity_files, vec!["~/.ssh/other"]);
    }

    #[test]
    fn keyword_equals_value_and_quotes() {
        assert_eq!(split_keyword("Port=2222"), Some(("Port".into(), "2222".into())));
        assert_eq!(split_keyword("IdentityFile \"/a b/key\""), Some(("IdentityFile".into(), "/a b/key".into())));
        assert_eq!(split_keyword("Host"), None);
    }

    #[test]
    fn globs_match_like_openssh() {
        assert!(glob("web?", "WEB1"));
        assert!(glob("*.example.com", "a.example.com"));
        assert!(!glob("web?", "web10"));
        assert!(glob("10.0.*.1", "10.0.3.1"));
    }

    #[test]
    fn tokens_expand() {
        assert_eq!(expand_tokens("/k/%r@%h:%p-%%", "h1", "bob", 22), "/k/bob@h1:22-%");
    }
}
