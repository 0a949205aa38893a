//! `known_hosts` files as OpenSSH writes them (SSH-4): host lists, hashed entries
//! (`|1|salt|hash`), `[host]:port`, `*`/`?` wildcards, `!` negation, and the `@revoked` and
//! `@cert-authority` markers. [`KnownHosts::check`] gives a [`Verdict`] for a server key.

use std::io::Write;
use std::path::{Path, PathBuf};

use data_encoding::BASE64;
use hmac::{Hmac, KeyInit, Mac};
use russh::keys::{HashAlg, PublicKey};
use sha1::Sha1;

use crate::config::glob;

/// What the files say about a key a server presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// An entry for this host holds this key.
    Known,
    /// No entry for this host holds a key of this type.
    Unknown,
    /// An entry for this host holds another key of the same type.
    Changed { file: PathBuf, line: usize, old_fingerprint: String },
    /// The key is marked `@revoked`.
    Revoked { file: PathBuf, line: usize },
}

#[derive(Debug, Clone)]
struct Entry {
    file: PathBuf,
    line: usize,
    marker: Option<Marker>,
    hosts: Hosts,
    key: PublicKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Revoked,
    CertAuthority,
}

#[derive(Debug, Clone)]
enum Hosts {
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
    Patterns(Vec<(bool, String)>),
}

/// Every entry of some known_hosts files.
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    entries: Vec<Entry>,
}

impl KnownHosts {
    /// Reads the files that exist among `paths`; unreadable lines are skipped, as OpenSSH does.
    pub fn load(paths: &[PathBuf]) -> Self {
        let mut known = KnownHosts::default();
        for path in paths {
            if let Ok(text) = std::fs::read_to_string(path) {
                known.add_text(&text, path);
            }
        }
        known
    }

    pub fn add_text(&mut self, text: &str, file: &Path) {
        for (index, line) in text.lines().enumerate() {
            if let Some(entry) = parse_line(line, file, index + 1) {
                self.entries.push(entry);
            }
        }
    }

    /// Remembers a key accepted during this run, so later connections agree with it.
    pub fn remember(&mut self, host: &str, port: u16, key: &PublicKey, file: &Path) {
        self.entries.push(Entry {
            file: file.to_path_buf(),
            line: 0,
            marker: None,
            hosts: Hosts::Patterns(vec![(false, lookup_name(host, port))]),
            key: key.clone(),
        });
    }

    /// Checks `key` for the first of `names` (`host` or its address) on `port`.
    pub fn check(&self, names: &[&str], port: u16, key: &PublicKey) -> Verdict {
        let lookups: Vec<String> = names.iter().map(|n| lookup_name(n, port)).collect();
        let matching: Vec<&Entry> = self.entries.iter().filter(|e| lookups.iter().any(|l| e.hosts.matches(l))).collect();
        if let Some(e) = matching.iter().find(|e| e.marker == Some(Marker::Revoked) && same_key(&e.key, key)) {
            return Verdict::Revoked { file: e.file.clone(), line: e.line };
        }
        let plain: Vec<&&Entry> = matching.iter().filter(|e| e.marker.is_none()).collect();
        if plain.iter().any(|e| same_key(&e.key, key)) {
            return Verdict::Known;
        }
        match plain.iter().find(|e| e.key.algorithm() == key.algorithm()) {
            Some(e) => Verdict::Changed { file: e.file.clone(), line: e.line, old_fingerprint: fingerprint(&e.key) },
            None => Verdict::Unknown,
        }
    }
}

impl Hosts {
    fn matches(&self, lookup: &str) -> bool {
        match self {
            Hosts::Hashed { salt, hash } => hmac_sha1(salt, lookup.as_bytes()).as_deref() == Some(hash.as_slice()),
            Hosts::Patterns(patterns) => crate::config::matches_patterns(patterns, lookup) || exact_any(patterns, lookup),
        }
    }
}

/// `[host]:port` patterns contain brackets that `glob` treats literally; a plain equality
/// check covers them too.
fn exact_any(patterns: &[(bool, String)], lookup: &str) -> bool {
    patterns.iter().all(|(neg, p)| !(*neg && glob(p, lookup))) && patterns.iter().any(|(neg, p)| !neg && p.eq_ignore_ascii_case(lookup))
}

fn same_key(a: &PublicKey, b: &PublicKey) -> bool {
    a.key_data() == b.key_data()
}

/// `host` for port 22, `[host]:port` otherwise: how OpenSSH names a host in known_hosts.
pub fn lookup_name(host: &str, port: u16) -> String {
    if port == 22 { host.to_string() } else { format!("[{host}]:{port}") }
}

/// `SHA256:…`, as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

fn parse_line(line: &str, file: &Path, number: usize) -> Option<Entry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_whitespace();
    let mut first = fields.next()?;
    let marker = match first {
        "@revoked" => Some(Marker::Revoked),
        "@cert-authority" => Some(Marker::CertAuthority),
        _ => None,
    };
    if marker.is_some() {
        first = fields.next()?;
    }
    let _algorithm = fields.next()?;
    let blob = fields.next()?;
    let key = russh::keys::parse_public_key_base64(blob).ok()?;
    let hosts = if let Some(rest) = first.strip_prefix("|1|") {
        let (salt, hash) = rest.split_once('|')?;
        Hosts::Hashed { salt: BASE64.decode(salt.as_bytes()).ok()?, hash: BASE64.decode(hash.as_bytes()).ok()? }
    } else {
        Hosts::Patterns(first.split(',').map(|p| p.strip_prefix('!').map_or((false, p.to_string()), |n| (true, n.to_string()))).collect())
    };
    Some(Entry { file: file.to_path_buf(), line: number, marker, hosts, key })
}

fn hmac_sha1(salt: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(salt).ok()?;
    mac.update(data);
    Some(mac.finalize().into_bytes().to_vec())
}

/// Appends an entry for `host` (and `port`) to `path`, hashed when `hash` is set, creating the
/// file and its directory as OpenSSH would.
pub fn append(path: &Path, host: &str, port: u16, key: &PublicKey, hash: bool) -> std::io::Result<()> {
    let name = lookup_name(host, port);
    let hosts = if hash {
        let salt: [u8; 20] = rand::random();
        let digest = hmac_sha1(&salt, name.as_bytes()).unwrap_or_default();
        format!("|1|{}|{}", BASE64.encode(&salt), BASE64.encode(&digest))
    } else {
        name
    };
    let openssh = key.to_openssh().map_err(std::io::Error::other)?;
    let mut parts = openssh.split_whitespace();
    let (algorithm, blob) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(file, "{hosts} {algorithm} {blob}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIA6rWI3G1sz07DnfFlrouTcysQlj2P+jpNSOEWD9OJ3X";

    fn key(blob: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(blob).expect("a valid key")
    }

    fn known(text: &str) -> KnownHosts {
        let mut k = KnownHosts::default();
        k.add_text(text, Path::new("known_hosts"));
        k
    }

    #[test]
    fn plain_entries_with_ports_and_lists() {
        let k = known(&format!("[10.0.0.1]:2222,[h1]:2222 ssh-ed25519 {KEY_A}\n"));
        assert_eq!(k.check(&["10.0.0.1"], 2222, &key(KEY_A)), Verdict::Known);
        assert_eq!(k.check(&["h1"], 2222, &key(KEY_A)), Verdict::Known);
        assert_eq!(k.check(&["10.0.0.1"], 22, &key(KEY_A)), Verdict::Unknown);
        assert!(matches!(k.check(&["h1"], 2222, &key(KEY_B)), Verdict::Changed { line: 1, .. }));
    }

    #[test]
    fn hashed_entries_match_their_host_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("known_hosts");
        append(&path, "web1", 22, &key(KEY_A), true).expect("appends");
        let text = std::fs::read_to_string(&path).expect("reads");
        assert!(text.starts_with("|1|"), "{text}");
        let k = KnownHosts::load(&[path]);
        assert_eq!(k.check(&["web1"], 22, &key(KEY_A)), Verdict::Known);
        assert_eq!(k.check(&["web2"], 22, &key(KEY_A)), Verdict::Unknown);
    }

    #[test]
    fn wildcards_negation_and_revoked() {
        let k = known(&format!("*.example.com,!bad.example.com ssh-ed25519 {KEY_A}\n@revoked * ssh-ed25519 {KEY_B}\n"));
        assert_eq!(k.check(&["a.example.com"], 22, &key(KEY_A)), Verdict::Known);
        assert_eq!(k.check(&["bad.example.com"], 22, &key(KEY_A)), Verdict::Unknown);
        assert!(matches!(k.check(&["a.example.com"], 22, &key(KEY_B)), Verdict::Revoked { line: 2, .. }));
    }

    #[test]
    fn fingerprints_look_like_ssh_keygen() {
        assert!(fingerprint(&key(KEY_A)).starts_with("SHA256:"));
    }
}
