//! [`OsSource`]: facts read through an [`Os`], for hosts reached by shell only. Files are read
//! with `cat`, `statvfs` with `stat -f`, addresses with `ip -o addr`.

use std::io;
use std::path::Path;

use om_facts::net::{Family, IfAddr};
use om_facts::source::{FsStats, Source, Uname};

use super::{Command, Os, Watch};

/// Facts through an [`Os`].
pub struct OsSource<'a> {
    pub os: &'a dyn Os,
}

impl OsSource<'_> {
    fn sh(&self, script: &str) -> Option<String> {
        let out = self.os.run(&Command::shell(script), Watch::default()).ok()?;
        (out.rc == 0).then(|| out.stdout_text())
    }
}

impl Source for OsSource<'_> {
    fn read(&self, path: &str) -> io::Result<String> {
        self.os.read(Path::new(path)).map(|b| String::from_utf8_lossy(&b).into_owned())
    }
    fn read_bytes(&self, path: &str) -> io::Result<Vec<u8>> {
        self.os.read(Path::new(path))
    }
    fn read_dir(&self, path: &str) -> io::Result<Vec<String>> {
        self.os.read_dir(Path::new(path))
    }
    fn read_link(&self, path: &str) -> io::Result<String> {
        self.os.read_link(Path::new(path)).map(|p| p.to_string_lossy().into_owned())
    }
    fn exists(&self, path: &str) -> bool {
        self.os.metadata(Path::new(path), false).ok().flatten().is_some()
    }
    fn statvfs(&self, path: &str) -> Option<FsStats> {
        let out = self.sh(&format!("stat -f -c '%S %s %b %f %a %c %d' -- {}", super::quote(path)))?;
        let v: Vec<u64> = out.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        (v.len() == 7).then(|| FsStats {
            frsize: v[0],
            bsize: v[1],
            blocks: v[2],
            bfree: v[3],
            bavail: v[4],
            files: v[5],
            ffree: v[6],
            favail: v[6],
        })
    }
    fn uname(&self) -> Uname {
        let out = self.sh("uname -s; uname -n; uname -r; uname -v; uname -m").unwrap_or_default();
        let l: Vec<&str> = out.lines().collect();
        let g = |i: usize| l.get(i).map(|s| s.to_string()).unwrap_or_default();
        Uname { sysname: g(0), nodename: g(1), release: g(2), version: g(3), machine: g(4) }
    }
    fn addresses(&self) -> Vec<IfAddr> {
        let Some(out) = self.sh("ip -o addr show") else { return Vec::new() };
        out.lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                let family = match *f.get(2)? {
                    "inet" => Family::Inet,
                    "inet6" => Family::Inet6,
                    _ => return None,
                };
                let (addr, prefix) = f.get(3)?.split_once('/')?;
                let prefixlen: u8 = prefix.parse().ok()?;
                let after = |k: &str| f.iter().position(|x| *x == k).and_then(|i| f.get(i + 1)).map(|s| s.to_string());
                let scope = match after("scope").as_deref() {
                    Some("host") => 254,
                    Some("link") => 253,
                    Some("site") => 200,
                    _ => 0,
                };
                Some(IfAddr {
                    interface: f.get(1)?.trim_end_matches(':').split('@').next()?.to_string(),
                    label: None,
                    family,
                    address: addr.to_string(),
                    netmask: Some(om_facts::net::prefix_to_netmask(family, prefixlen)),
                    prefixlen,
                    broadcast: after("brd"),
                    ptp: after("peer"),
                    scope,
                })
            })
            .collect()
    }
    fn env(&self) -> Vec<(String, String)> {
        self.sh("env").unwrap_or_default().lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
    fn ids(&self) -> (u32, u32, u32, u32) {
        let out = self.sh("id -ru; id -u; id -rg; id -g").unwrap_or_default();
        let v: Vec<u32> = out.lines().filter_map(|l| l.trim().parse().ok()).collect();
        let g = |i: usize| v.get(i).copied().unwrap_or(u32::MAX);
        (g(0), g(1), g(2), g(3))
    }
    fn command(&self, argv: &[&str]) -> Option<String> {
        let out = self.os.run(&Command::argv(argv.iter().map(|s| s.to_string())), Watch::default()).ok()?;
        (out.rc == 0).then(|| out.stdout_text())
    }
}
