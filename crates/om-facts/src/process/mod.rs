//! Processes from `/proc/PID`, one method per psutil field, plus signals, CPU affinity and
//! `spawn`.
//!
//! A process that vanished, or a field that cannot be read, is a typed error for that
//! field; [`ProcessInfo`] collects what it could and lists the rest under `errors`, so one
//! bad field never fails a listing.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use serde::Serialize;

use crate::net::Connection;
use crate::source::{clock_ticks, page_size};
use crate::{FactsError, Live};

/// Every process id.
pub fn pids() -> Vec<i32> {
    let mut pids: Vec<i32> =
        std::fs::read_dir("/proc").map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect()).unwrap_or_default();
    pids.sort_unstable();
    pids
}

pub fn pid_exists(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}/stat")).exists()
}

/// psutil's `pcputimes`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ProcCpuTimes {
    pub user: f64,
    pub system: f64,
    pub children_user: f64,
    pub children_system: f64,
    pub iowait: f64,
}

/// psutil's `pmem` (Linux), bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MemoryInfo {
    pub rss: u64,
    pub vms: u64,
    pub shared: u64,
    pub text: u64,
    pub lib: u64,
    pub data: u64,
    pub dirty: u64,
}

/// psutil's `pio`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IoCounters {
    pub read_count: u64,
    pub write_count: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub read_chars: u64,
    pub write_chars: u64,
}

/// psutil's `puids`/`pgids`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ids {
    pub real: u32,
    pub effective: u32,
    pub saved: u32,
}

/// psutil's `popenfile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenFile {
    pub path: String,
    pub fd: i32,
    pub position: u64,
    pub mode: String,
    pub flags: u32,
}

/// psutil's status words for the kernel's state letters.
pub fn status_word(letter: char) -> &'static str {
    match letter {
        'R' => "running",
        'S' => "sleeping",
        'D' => "disk-sleep",
        'T' => "stopped",
        't' => "tracing-stop",
        'Z' => "zombie",
        'X' | 'x' => "dead",
        'K' => "wake-kill",
        'W' => "waking",
        'I' => "idle",
        'P' => "parked",
        _ => "unknown",
    }
}

/// One process, read field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Process {
    pid: i32,
}

impl Process {
    /// A handle on `pid`; fails if there is no such process.
    pub fn new(pid: i32) -> Result<Self, FactsError> {
        if pid_exists(pid) { Ok(Self { pid }) } else { Err(FactsError::NoSuchProcess { pid }) }
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    fn path(&self, file: &str) -> String {
        format!("/proc/{}/{file}", self.pid)
    }

    fn err(&self, field: &'static str, e: io::Error) -> FactsError {
        match e.kind() {
            io::ErrorKind::NotFound => FactsError::NoSuchProcess { pid: self.pid },
            io::ErrorKind::PermissionDenied => FactsError::AccessDenied { pid: self.pid, field },
            _ => FactsError::Process { pid: self.pid, what: field, source: e },
        }
    }

    fn read(&self, file: &str, field: &'static str) -> Result<String, FactsError> {
        std::fs::read_to_string(self.path(file)).map_err(|e| self.err(field, e))
    }

    /// `(comm, fields after the closing parenthesis)` of `/proc/PID/stat`.
    fn stat(&self) -> Result<(String, Vec<String>), FactsError> {
        let text = self.read("stat", "stat")?;
        let open = text.find('(').unwrap_or(0);
        let close = text.rfind(')').ok_or_else(|| FactsError::parse(&self.path("stat"), "no `)`"))?;
        let comm = text[open + 1..close].to_string();
        Ok((comm, text[close + 1..].split_whitespace().map(str::to_string).collect()))
    }

    fn stat_field(&self, i: usize) -> Result<String, FactsError> {
        let (_, f) = self.stat()?;
        f.get(i).cloned().ok_or_else(|| FactsError::parse(&self.path("stat"), format!("missing field {i}")))
    }

    fn status_field(&self, key: &str) -> Result<String, FactsError> {
        let text = self.read("status", "status")?;
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')).map(|v| v.trim().to_string()))
            .ok_or_else(|| FactsError::parse(&self.path("status"), format!("no `{key}`")))
    }

    pub fn ppid(&self) -> Result<i32, FactsError> {
        Ok(self.stat_field(1)?.parse().unwrap_or(0))
    }

    /// The name: `comm`, or the program name from the command line when `comm` was cut at
    /// 15 characters.
    pub fn name(&self) -> Result<String, FactsError> {
        let (comm, _) = self.stat()?;
        if comm.len() >= 15
            && let Ok(cmd) = self.cmdline()
            && let Some(first) = cmd.first()
        {
            let base = first.rsplit('/').next().unwrap_or(first);
            if base.starts_with(&comm) {
                return Ok(base.to_string());
            }
        }
        Ok(comm)
    }

    pub fn exe(&self) -> Result<String, FactsError> {
        match std::fs::read_link(self.path("exe")) {
            Ok(p) => Ok(p.to_string_lossy().trim_end_matches(" (deleted)").to_string()),
            // Kernel threads have no executable.
            Err(e) if e.kind() == io::ErrorKind::NotFound && pid_exists(self.pid) => Ok(String::new()),
            Err(e) => Err(self.err("exe", e)),
        }
    }

    pub fn cmdline(&self) -> Result<Vec<String>, FactsError> {
        let data = std::fs::read(self.path("cmdline")).map_err(|e| self.err("cmdline", e))?;
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let text = String::from_utf8_lossy(&data);
        let sep = if text.ends_with('\0') { '\0' } else { ' ' };
        let text = text.strip_suffix(sep).unwrap_or(&text);
        let mut parts: Vec<String> = text.split(sep).map(str::to_string).collect();
        // A process that rewrote its argv with spaces (psutil issue #1179).
        if sep == '\0' && parts.len() == 1 && parts[0].contains(' ') {
            parts = parts[0].split(' ').map(str::to_string).collect();
        }
        Ok(parts)
    }

    pub fn cwd(&self) -> Result<String, FactsError> {
        std::fs::read_link(self.path("cwd")).map(|p| p.to_string_lossy().into_owned()).map_err(|e| self.err("cwd", e))
    }

    pub fn status(&self) -> Result<&'static str, FactsError> {
        Ok(status_word(self.stat_field(0)?.chars().next().unwrap_or('?')))
    }

    /// `btime + starttime / CLK_TCK`.
    pub fn create_time(&self) -> Result<f64, FactsError> {
        let start: f64 = self.stat_field(19)?.parse().unwrap_or(0.0);
        Ok(crate::host::boot_time()? as f64 + start / clock_ticks())
    }

    fn ids(&self, key: &str) -> Result<Ids, FactsError> {
        let v: Vec<u32> = self.status_field(key)?.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        Ok(Ids { real: v.first().copied().unwrap_or(0), effective: v.get(1).copied().unwrap_or(0), saved: v.get(2).copied().unwrap_or(0) })
    }

    pub fn uids(&self) -> Result<Ids, FactsError> {
        self.ids("Uid")
    }

    pub fn gids(&self) -> Result<Ids, FactsError> {
        self.ids("Gid")
    }

    /// The name of the real uid, from `/etc/passwd` (or the number).
    pub fn username(&self) -> Result<String, FactsError> {
        let uid = self.uids()?.real;
        Ok(user_name(uid).unwrap_or_else(|| uid.to_string()))
    }

    pub fn cpu_times(&self) -> Result<ProcCpuTimes, FactsError> {
        let (_, f) = self.stat()?;
        let tck = clock_ticks();
        let n = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / tck;
        Ok(ProcCpuTimes { user: n(11), system: n(12), children_user: n(13), children_system: n(14), iowait: n(39) })
    }

    /// CPU use over `interval`, percent of one CPU (may exceed 100 on several CPUs).
    pub fn cpu_percent(&self, interval: Duration) -> Result<f64, FactsError> {
        let a = self.cpu_times()?;
        let ta = std::time::Instant::now();
        std::thread::sleep(interval);
        let b = self.cpu_times()?;
        let wall = ta.elapsed().as_secs_f64();
        let used = (b.user + b.system) - (a.user + a.system);
        Ok(if wall > 0.0 { ((used / wall * 100.0) * 10.0).round() / 10.0 } else { 0.0 })
    }

    pub fn memory_info(&self) -> Result<MemoryInfo, FactsError> {
        let text = self.read("statm", "memory_info")?;
        let page = page_size();
        let v: Vec<u64> = text.split_whitespace().map(|x| x.parse::<u64>().unwrap_or(0) * page).collect();
        let g = |i: usize| v.get(i).copied().unwrap_or(0);
        Ok(MemoryInfo { vms: g(0), rss: g(1), shared: g(2), text: g(3), lib: g(4), data: g(5), dirty: g(6) })
    }

    /// `rss / virtual_memory.total × 100`.
    pub fn memory_percent(&self) -> Result<f64, FactsError> {
        let total = crate::memory::virtual_memory()?.total;
        Ok(if total > 0 { self.memory_info()?.rss as f64 / total as f64 * 100.0 } else { 0.0 })
    }

    pub fn io_counters(&self) -> Result<IoCounters, FactsError> {
        let text = self.read("io", "io_counters")?;
        let get = |k: &str| {
            text.lines().find_map(|l| l.strip_prefix(k).and_then(|v| v.strip_prefix(':')).and_then(|v| v.trim().parse().ok())).unwrap_or(0)
        };
        Ok(IoCounters {
            read_count: get("syscr"),
            write_count: get("syscw"),
            read_bytes: get("read_bytes"),
            write_bytes: get("write_bytes"),
            read_chars: get("rchar"),
            write_chars: get("wchar"),
        })
    }

    pub fn num_threads(&self) -> Result<u64, FactsError> {
        Ok(self.status_field("Threads")?.parse().unwrap_or(0))
    }

    pub fn num_fds(&self) -> Result<usize, FactsError> {
        std::fs::read_dir(self.path("fd")).map(|d| d.count()).map_err(|e| self.err("num_fds", e))
    }

    pub fn nice(&self) -> Result<i32, FactsError> {
        Ok(self.stat_field(16)?.parse().unwrap_or(0))
    }

    /// Regular files the process has open, with their offsets.
    pub fn open_files(&self) -> Result<Vec<OpenFile>, FactsError> {
        let dir = std::fs::read_dir(self.path("fd")).map_err(|e| self.err("open_files", e))?;
        let mut out = Vec::new();
        for entry in dir.filter_map(Result::ok) {
            let fd: i32 = entry.file_name().to_string_lossy().parse().unwrap_or(-1);
            let Ok(target) = std::fs::read_link(entry.path()) else { continue };
            let target = target.to_string_lossy().into_owned();
            if !target.starts_with('/') || !std::path::Path::new(&target).is_file() {
                continue;
            }
            let info = std::fs::read_to_string(self.path(&format!("fdinfo/{fd}"))).unwrap_or_default();
            let field = |k: &str| info.lines().find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string())).unwrap_or_default();
            let flags = u32::from_str_radix(&field("flags:"), 8).unwrap_or(0);
            let mode = match (flags & 0o3, flags & 0o2000 != 0) {
                (0, _) => "r",
                (1, true) => "a",
                (1, false) => "w",
                (_, true) => "a+",
                _ => "r+",
            };
            out.push(OpenFile { path: target, fd, position: field("pos:").parse().unwrap_or(0), mode: mode.into(), flags });
        }
        out.sort_by_key(|f| f.fd);
        Ok(out)
    }

    /// The process's sockets (`kind` as [`crate::net::net_connections`]).
    pub fn connections(&self, kind: &str) -> Result<Vec<Connection>, FactsError> {
        let mut c = crate::net::net_connections(&Live, kind, Some(self.pid))?;
        for conn in &mut c {
            conn.pid = None;
        }
        Ok(c)
    }

    pub fn cpu_affinity(&self) -> Result<Vec<usize>, FactsError> {
        let pid = rustix::process::Pid::from_raw(self.pid);
        let set = rustix::thread::sched_getaffinity(pid).map_err(|e| self.err("cpu_affinity", e.into()))?;
        Ok((0..rustix::thread::CpuSet::MAX_CPU).filter(|c| set.is_set(*c)).collect())
    }

    pub fn set_cpu_affinity(&self, cpus: &[usize]) -> Result<(), FactsError> {
        let mut set = rustix::thread::CpuSet::new();
        for c in cpus {
            set.set(*c);
        }
        let pid = rustix::process::Pid::from_raw(self.pid);
        rustix::thread::sched_setaffinity(pid, &set).map_err(|e| self.err("cpu_affinity", e.into()))
    }

    /// Sends a signal by number (15 terminate, 9 kill, 19 stop, 18 continue…).
    pub fn send_signal(&self, signal: i32) -> Result<(), FactsError> {
        let pid = rustix::process::Pid::from_raw(self.pid).ok_or(FactsError::NoSuchProcess { pid: self.pid })?;
        let sig = rustix::process::Signal::from_named_raw(signal).ok_or_else(|| FactsError::Process {
            pid: self.pid,
            what: "kill",
            source: io::Error::new(io::ErrorKind::InvalidInput, format!("unknown signal {signal}")),
        })?;
        rustix::process::kill_process(pid, sig).map_err(|e| self.err("kill", e.into()))
    }

    /// Direct children (`ppid` = this pid).
    pub fn children(&self) -> Vec<i32> {
        pids().into_iter().filter(|p| Process { pid: *p }.ppid().ok() == Some(self.pid)).collect()
    }
}

/// A user name by uid from `/etc/passwd` (no NSS: the agent is static).
pub fn user_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2].parse() == Ok(uid)).then(|| f[0].to_string())
    })
}

/// Signal numbers by the names `om proc kill` accepts.
pub fn signal_number(name: &str) -> Option<i32> {
    let n = name.trim_start_matches("SIG").to_ascii_uppercase();
    if let Ok(num) = n.parse() {
        return Some(num);
    }
    Some(match n.as_str() {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "KILL" => 9,
        "USR1" => 10,
        "USR2" => 12,
        "TERM" | "TERMINATE" => 15,
        "CONT" | "RESUME" => 18,
        "STOP" | "SUSPEND" => 19,
        _ => return None,
    })
}

/// The fields a listing can hold.
pub const ALL_FIELDS: &[&str] = &[
    "ppid",
    "name",
    "exe",
    "cmdline",
    "cwd",
    "status",
    "create_time",
    "uids",
    "gids",
    "username",
    "cpu_times",
    "memory_info",
    "memory_percent",
    "io_counters",
    "num_threads",
    "num_fds",
    "nice",
    "cpu_affinity",
    "open_files",
    "connections",
];

/// The fields `om proc list` shows by default.
pub const LIST_FIELDS: &[&str] =
    &["ppid", "name", "username", "status", "cpu_times", "memory_info", "create_time", "num_threads", "cmdline"];

/// A snapshot of a process: the fields that could be read, and an error per field that could
/// not.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessInfo {
    pub pid: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ppid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmdline: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uids: Option<Ids>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gids: Option<Ids>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_times: Option<ProcCpuTimes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_info: Option<MemoryInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub io_counters: Option<IoCounters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_threads: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_fds: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nice: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_affinity: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_files: Option<Vec<OpenFile>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections: Option<Vec<Connection>>,
    /// Fields that could not be read, with why.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
}

impl ProcessInfo {
    /// Reads `fields` (names from [`ALL_FIELDS`]) of `pid`.
    pub fn read(pid: i32, fields: &[&str]) -> Result<Self, FactsError> {
        let p = Process::new(pid)?;
        let mut info = ProcessInfo { pid, ..Default::default() };
        let total_mem = fields.contains(&"memory_percent").then(|| crate::memory::virtual_memory().map(|m| m.total).unwrap_or(0));
        let keep = |name: &str, r: Result<(), FactsError>| r.err().map(|e| (name.to_string(), e.to_string()));
        let mut errors = Vec::new();
        for f in fields {
            let r: Option<(String, String)> = match *f {
                "ppid" => keep(f, p.ppid().map(|v| info.ppid = Some(v))),
                "name" => keep(f, p.name().map(|v| info.name = Some(v))),
                "exe" => keep(f, p.exe().map(|v| info.exe = Some(v))),
                "cmdline" => keep(f, p.cmdline().map(|v| info.cmdline = Some(v))),
                "cwd" => keep(f, p.cwd().map(|v| info.cwd = Some(v))),
                "status" => keep(f, p.status().map(|v| info.status = Some(v.to_string()))),
                "create_time" => keep(f, p.create_time().map(|v| info.create_time = Some(v))),
                "uids" => keep(f, p.uids().map(|v| info.uids = Some(v))),
                "gids" => keep(f, p.gids().map(|v| info.gids = Some(v))),
                "username" => keep(f, p.username().map(|v| info.username = Some(v))),
                "cpu_times" => keep(f, p.cpu_times().map(|v| info.cpu_times = Some(v))),
                "memory_info" => keep(f, p.memory_info().map(|v| info.memory_info = Some(v))),
                "memory_percent" => keep(
                    f,
                    p.memory_info().map(|m| {
                        let total = total_mem.unwrap_or(0);
                        info.memory_percent = Some(if total > 0 { m.rss as f64 / total as f64 * 100.0 } else { 0.0 });
                    }),
                ),
                "io_counters" => keep(f, p.io_counters().map(|v| info.io_counters = Some(v))),
                "num_threads" => keep(f, p.num_threads().map(|v| info.num_threads = Some(v))),
                "num_fds" => keep(f, p.num_fds().map(|v| info.num_fds = Some(v))),
                "nice" => keep(f, p.nice().map(|v| info.nice = Some(v))),
                "cpu_affinity" => keep(f, p.cpu_affinity().map(|v| info.cpu_affinity = Some(v))),
                "open_files" => keep(f, p.open_files().map(|v| info.open_files = Some(v))),
                "connections" => keep(f, p.connections("inet").map(|v| info.connections = Some(v))),
                _ => None,
            };
            errors.extend(r);
        }
        if !pid_exists(pid) && info.name.is_none() {
            return Err(FactsError::NoSuchProcess { pid });
        }
        info.errors = errors.into_iter().collect();
        Ok(info)
    }
}

/// Every process with `fields`; processes that exit while being read are left out.
pub fn process_list(fields: &[&str]) -> Vec<ProcessInfo> {
    pids().into_iter().filter_map(|pid| ProcessInfo::read(pid, fields).ok()).collect()
}

/// What `spawn` returns: the child's output and CPU times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spawned {
    pub pid: i32,
    pub returncode: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub cpu_times: ProcCpuTimes,
}

/// Runs `argv` without a shell, captures its output, and reads its CPU times after it exits
/// but before it is reaped (the book's `cpu_times()` after `communicate()` only worked by luck).
pub fn spawn(argv: &[String]) -> Result<Spawned, FactsError> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let (program, rest) = argv.split_first().ok_or_else(|| FactsError::Process {
        pid: 0,
        what: "spawn",
        source: io::Error::new(io::ErrorKind::InvalidInput, "no command given"),
    })?;
    let mut child = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| FactsError::Process { pid: 0, what: "spawn", source: e })?;
    let pid = child.id() as i32;
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let mut stdout = Vec::new();
    if let Some(p) = out_pipe.as_mut() {
        let _ = p.read_to_end(&mut stdout);
    }
    let stderr = err_thread.join().unwrap_or_default();
    let rpid = rustix::process::Pid::from_raw(pid).ok_or(FactsError::NoSuchProcess { pid })?;
    rustix::process::waitid(
        rustix::process::WaitId::Pid(rpid),
        rustix::process::WaitIdOptions::EXITED | rustix::process::WaitIdOptions::NOWAIT,
    )
    .map_err(|e| FactsError::Process { pid, what: "wait", source: e.into() })?;
    let cpu_times = Process { pid }.cpu_times().unwrap_or_default();
    let status = child.wait().map_err(|e| FactsError::Process { pid, what: "wait", source: e })?;
    Ok(Spawned {
        pid,
        returncode: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        cpu_times,
    })
}
