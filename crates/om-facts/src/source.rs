//! Where facts come from: the live kernel ([`Live`]), or any other [`Source`] that can read
//! `/proc`, `/sys` and `/etc` files and answer a few system calls — the shell fallback reads
//! a host that cannot run `om-agent` this way, and tests read fixtures.

use std::io;

use crate::net::IfAddr;

/// `statvfs` numbers for one mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FsStats {
    pub frsize: u64,
    pub bsize: u64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub favail: u64,
}

/// `uname` fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Uname {
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
}

/// Reads the files and system state facts are computed from.
pub trait Source: Send + Sync {
    fn read(&self, path: &str) -> io::Result<String>;
    fn read_bytes(&self, path: &str) -> io::Result<Vec<u8>> {
        self.read(path).map(String::into_bytes)
    }
    /// Names in a directory (unsorted, no `.`/`..`).
    fn read_dir(&self, path: &str) -> io::Result<Vec<String>>;
    fn read_link(&self, path: &str) -> io::Result<String>;
    fn exists(&self, path: &str) -> bool {
        self.read_link(path).is_ok() || self.read(path).is_ok() || self.read_dir(path).is_ok()
    }
    fn statvfs(&self, path: &str) -> Option<FsStats>;
    fn uname(&self) -> Uname;
    /// Interface addresses (netlink on the live kernel).
    fn addresses(&self) -> Vec<IfAddr>;
    /// The environment of the process gathering facts.
    fn env(&self) -> Vec<(String, String)>;
    /// The ids of the process gathering facts: uid, euid, gid, egid.
    fn ids(&self) -> (u32, u32, u32, u32);
    /// Runs a program and returns its stdout (for the few facts only a tool reports).
    fn command(&self, argv: &[&str]) -> Option<String>;
}

/// The kernel this process runs on.
#[derive(Debug, Default, Clone, Copy)]
pub struct Live;

impl Source for Live {
    fn read(&self, path: &str) -> io::Result<String> {
        std::fs::read_to_string(path)
    }
    fn read_bytes(&self, path: &str) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn read_dir(&self, path: &str) -> io::Result<Vec<String>> {
        Ok(std::fs::read_dir(path)?.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned())).collect())
    }
    fn read_link(&self, path: &str) -> io::Result<String> {
        Ok(std::fs::read_link(path)?.to_string_lossy().into_owned())
    }
    fn exists(&self, path: &str) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }
    fn statvfs(&self, path: &str) -> Option<FsStats> {
        let s = rustix::fs::statvfs(path).ok()?;
        Some(FsStats {
            frsize: s.f_frsize,
            bsize: s.f_bsize,
            blocks: s.f_blocks,
            bfree: s.f_bfree,
            bavail: s.f_bavail,
            files: s.f_files,
            ffree: s.f_ffree,
            favail: s.f_favail,
        })
    }
    fn uname(&self) -> Uname {
        let u = rustix::system::uname();
        let s = |c: &std::ffi::CStr| c.to_string_lossy().into_owned();
        Uname {
            sysname: s(u.sysname()),
            nodename: s(u.nodename()),
            release: s(u.release()),
            version: s(u.version()),
            machine: s(u.machine()),
        }
    }
    fn addresses(&self) -> Vec<IfAddr> {
        crate::netlink::addresses().unwrap_or_default()
    }
    fn env(&self) -> Vec<(String, String)> {
        std::env::vars_os().map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned())).collect()
    }
    fn ids(&self) -> (u32, u32, u32, u32) {
        use rustix::process::{getegid, geteuid, getgid, getuid};
        (getuid().as_raw(), geteuid().as_raw(), getgid().as_raw(), getegid().as_raw())
    }
    fn command(&self, argv: &[&str]) -> Option<String> {
        let (program, rest) = argv.split_first()?;
        let out = std::process::Command::new(program)
            .args(rest)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
pub fn clock_ticks() -> f64 {
    rustix::param::clock_ticks_per_second() as f64
}

/// The page size in bytes.
pub fn page_size() -> u64 {
    rustix::param::page_size() as u64
}
