//! ansible-core's facts (`ansible_*`), for the `setup` module and playbooks that read facts.
//!
//! [`gather`] collects the subsets `gather_subset` asks for (`all`, `min`, `hardware`,
//! `network`, `virtual`, or single collectors such as `distribution`; `!x` excludes), keeps
//! the names that match `filter`, and returns them with the `ansible_` prefix, as the `setup`
//! module returns them, plus `ansible_local` (PLAY-41), `gather_subset` and `module_setup`.
//! Values follow ansible-core 2.19 on Linux; where a value needs a tool ansible-core would run
//! (`lsblk`, `findmnt`), om reads the kernel instead.

mod distribution;
mod hardware;
pub mod local;
mod network;
mod platform;
mod virtual_;

use serde_json::{Map, Value};

use crate::source::Source;

pub use local::local_facts;
pub use platform::parse_cmdline;

/// `setup`'s arguments.
#[derive(Debug, Clone)]
pub struct Options {
    pub gather_subset: Vec<String>,
    pub filter: Vec<String>,
    pub fact_path: String,
}

impl Default for Options {
    fn default() -> Self {
        Self { gather_subset: vec!["all".into()], filter: Vec::new(), fact_path: "/etc/ansible/facts.d".into() }
    }
}

/// The collectors of ansible-core's `min` subset.
const MIN: &[&str] = &[
    "apparmor",
    "caps",
    "cmdline",
    "date_time",
    "distribution",
    "dns",
    "env",
    "fips",
    "local",
    "lsb",
    "pkg_mgr",
    "platform",
    "selinux",
    "service_mgr",
    "ssh_pub_keys",
    "user",
];
/// The collectors `all` adds to `min`.
const MORE: &[&str] = &["hardware", "network", "virtual", "chroot", "loadavg"];

/// Every collector, `min` first.
fn all() -> impl Iterator<Item = &'static str> + Clone {
    MIN.iter().chain(MORE).copied()
}

/// The subset names `gather_subset` accepts.
pub fn valid_subsets() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = all().collect();
    v.extend(["all", "min", "devices", "mounts", "interfaces", "ohai", "facter"]);
    v.sort_unstable();
    v
}

/// Why `gather_subset` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Bad subset '{name}' given to Ansible. gather_subset options allowed: {}", valid.join(", "))]
pub struct BadSubset {
    pub name: String,
    pub valid: Vec<&'static str>,
}

/// The collectors `gather_subset` selects, as ansible-core's `get_collector_names`: `min` is
/// always added first; `all` adds everything; `!x` excludes `x` unless it was named
/// explicitly; `!all` excludes all but `min`; `!min` excludes `min` too.
pub fn resolve_subsets(requested: &[String]) -> Result<Vec<&'static str>, BadSubset> {
    let valid = valid_subsets();
    let expand = |name: &str| -> &'static str {
        match name {
            "devices" | "mounts" => "hardware",
            "interfaces" => "network",
            other => all().find(|c| *c == other).unwrap_or("ohai"),
        }
    };
    let mut additional: Vec<&'static str> = Vec::new();
    let mut exclude: Vec<&'static str> = Vec::new();
    let mut explicit: Vec<&'static str> = Vec::new();
    let requested: Vec<String> = if requested.is_empty() { vec!["all".into()] } else { requested.to_vec() };
    for raw in std::iter::once("min".to_string()).chain(requested) {
        match raw.as_str() {
            "min" => additional.extend(MIN),
            "all" => additional.extend(all()),
            "!min" => exclude.extend(MIN),
            "!all" => exclude.extend(MORE),
            other => {
                let (neg, name) = match other.strip_prefix('!') {
                    Some(n) => (true, n),
                    None => (false, other),
                };
                if !valid.contains(&name) {
                    return Err(BadSubset { name: name.to_string(), valid });
                }
                let c = expand(name);
                if neg {
                    exclude.push(c);
                } else {
                    explicit.push(c);
                    additional.push(c);
                }
            }
        }
    }
    let mut out: Vec<&'static str> = Vec::new();
    for c in all().filter(|c| additional.contains(c)) {
        if !exclude.contains(&c) || explicit.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

/// Facts being collected: `ansible_`-less names, as collectors produce them.
pub(crate) type Facts = Map<String, Value>;

/// Collects facts; returns them prefixed with `ansible_` (`ansible_local` kept as is) and the
/// warnings local facts produced.
pub fn gather(src: &dyn Source, opts: &Options) -> Result<(Map<String, Value>, Vec<String>), BadSubset> {
    let collectors = resolve_subsets(&opts.gather_subset)?;
    let mut f = Facts::new();
    let mut warnings = Vec::new();
    let has = |c: &str| collectors.contains(&c);
    if has("platform") {
        platform::platform(src, &mut f);
    }
    if has("distribution") {
        distribution::distribution(src, &mut f);
    }
    if has("lsb") {
        distribution::lsb(src, &mut f);
    }
    if has("pkg_mgr") {
        platform::pkg_mgr(src, &mut f);
    }
    if has("service_mgr") {
        platform::service_mgr(src, &mut f);
    }
    if has("user") {
        platform::user(src, &mut f);
    }
    if has("env") {
        platform::env(src, &mut f);
    }
    if has("date_time") {
        platform::date_time(&mut f);
    }
    if has("dns") {
        platform::dns(src, &mut f);
    }
    if has("cmdline") {
        platform::cmdline(src, &mut f);
    }
    if has("selinux") {
        platform::selinux(src, &mut f);
    }
    if has("apparmor") {
        platform::apparmor(src, &mut f);
    }
    if has("fips") {
        platform::fips(src, &mut f);
    }
    if has("caps") {
        platform::caps(src, &mut f);
    }
    if has("ssh_pub_keys") {
        platform::ssh_pub_keys(src, &mut f);
    }
    if has("chroot") {
        platform::chroot(src, &mut f);
    }
    if has("loadavg")
        && let Some((a, b, c)) = crate::cpu::load_avg(src)
    {
        f.insert("loadavg".into(), serde_json::json!({"1m": a, "5m": b, "15m": c}));
    }
    if has("hardware") {
        hardware::hardware(src, &mut f);
    }
    if has("network") {
        network::network(src, &mut f);
    }
    if has("virtual") {
        virtual_::virtual_facts(src, &mut f);
    }
    let mut out = Map::new();
    for (k, v) in f {
        out.insert(format!("ansible_{k}"), v);
    }
    if has("local") {
        let (local, w) = local_facts(src, &opts.fact_path);
        warnings.extend(w);
        out.insert("ansible_local".into(), Value::Object(local));
    }
    if !opts.filter.is_empty() {
        out.retain(|k, _| opts.filter.iter().any(|p| fnmatch(p, k)));
    }
    out.insert("gather_subset".into(), Value::Array(opts.gather_subset.iter().cloned().map(Value::from).collect()));
    out.insert("module_setup".into(), Value::Bool(true));
    Ok((out, warnings))
}

/// Shell-style matching for `filter` (`*`, `?`, `[…]`).
pub fn fnmatch(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => match p.iter().position(|c| *c == ']') {
                Some(close) if close > 1 && !n.is_empty() => {
                    let class = &p[1..close];
                    let (neg, class) = if class.first() == Some(&'!') { (true, &class[1..]) } else { (false, class) };
                    let mut hit = false;
                    let mut i = 0;
                    while i < class.len() {
                        if i + 2 < class.len() && class[i + 1] == '-' {
                            hit |= class[i] <= n[0] && n[0] <= class[i + 2];
                            i += 3;
                        } else {
                            hit |= class[i] == n[0];
                            i += 1;
                        }
                    }
                    hit != neg && go(&p[close + 1..], &n[1..])
                }
                _ => n.first() == Some(&'[') && go(&p[1..], &n[1..]),
            },
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// `key=value` lines (os-release, lsb-release) with quotes removed.
pub(crate) fn key_values(text: &str) -> Map<String, Value> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            let v = v.trim().trim_matches('"').trim_matches('\'');
            Some((k.trim().to_string(), Value::from(v)))
        })
        .collect()
}

pub(crate) fn read_trim(src: &dyn Source, path: &str) -> Option<String> {
    src.read(path).ok().map(|s| s.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subsets(v: &[&str]) -> Vec<&'static str> {
        resolve_subsets(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("valid")
    }

    #[test]
    fn subsets_follow_ansible() {
        assert!(subsets(&["all"]).contains(&"hardware"));
        let min = subsets(&["!all"]);
        assert!(min.contains(&"distribution") && !min.contains(&"hardware"));
        let net = subsets(&["!all", "network"]);
        assert!(net.contains(&"network") && net.contains(&"platform"));
        let no_min = subsets(&["!all", "!min", "network"]);
        assert_eq!(no_min, vec!["network"]);
        assert_eq!(subsets(&["!all", "!min"]), Vec::<&str>::new());
        assert!(!subsets(&["all", "!hardware"]).contains(&"hardware"));
        let err = resolve_subsets(&["hardwear".to_string()]).expect_err("bad");
        assert!(err.to_string().starts_with("Bad subset 'hardwear'"));
    }

    #[test]
    fn filters_match_globs() {
        assert!(fnmatch("ansible_*_mb", "ansible_memtotal_mb"));
        assert!(!fnmatch("ansible_eth[0-9]", "ansible_lo"));
    }
}
