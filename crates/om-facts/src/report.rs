//! The report behind `om facts`: the sections asked for, collected into one serialisable
//! [`Report`], and its text rendering (the library never prints).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::cpu::{CpuFreq, CpuStats, CpuTimes};
use crate::disk::{DiskIo, DiskUsage, Partition};
use crate::memory::{SwapMemory, VirtualMemory};
use crate::net::NetIo;
use crate::users::UserSession;
use crate::{FactsError, Live, cpu, disk, host, memory, net, users};

/// What `om facts` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Section {
    Cpu,
    Mem,
    Swap,
    Disk,
    Partitions,
    Diskio,
    Net,
    Users,
    Boot,
    All,
}

/// Options of `om facts`.
#[derive(Debug, Clone)]
pub struct Options {
    pub section: Section,
    pub percpu: bool,
    pub perdisk: bool,
    pub pernic: bool,
    /// Include pseudo filesystems in `partitions`/`disk`.
    pub all_partitions: bool,
    pub utmp: PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            section: Section::All,
            percpu: false,
            perdisk: false,
            pernic: false,
            all_partitions: false,
            utmp: PathBuf::from(users::UTMP),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CpuReport {
    pub times: CpuTimes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_cpu: Option<Vec<CpuTimes>>,
    pub count_logical: Option<usize>,
    pub count_physical: Option<usize>,
    pub freq: Option<CpuFreq>,
    pub stats: CpuStats,
    pub load_avg: Option<[f64; 3]>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiskEntry {
    #[serde(flatten)]
    pub partition: Partition,
    pub usage: Option<DiskUsage>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootTime {
    /// Epoch seconds.
    pub epoch: u64,
    /// RFC 3339, UTC.
    pub utc: String,
    pub uptime_s: Option<f64>,
}

/// Everything `om facts` collected; absent sections are left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_memory: Option<VirtualMemory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap_memory: Option<SwapMemory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<Vec<DiskEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitions: Option<Vec<Partition>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_io: Option<DiskIo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_io_perdisk: Option<BTreeMap<String, DiskIo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_io: Option<NetIo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_io_pernic: Option<BTreeMap<String, NetIo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserSession>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_time: Option<BootTime>,
}

/// Collects the sections `opts` asks for from the running kernel.
pub fn collect(opts: &Options) -> Result<Report, FactsError> {
    let want = |s: Section| opts.section == s || opts.section == Section::All;
    let src = &Live;
    let mut r = Report::default();
    if want(Section::Cpu) {
        r.cpu = Some(CpuReport {
            times: cpu::cpu_times_from(src)?,
            per_cpu: if opts.percpu { Some(cpu::per_cpu_times_from(src)?) } else { None },
            count_logical: cpu::cpu_count_from(src, true),
            count_physical: cpu::cpu_count_from(src, false),
            freq: cpu::cpu_freq(src),
            stats: cpu::cpu_stats(src)?,
            load_avg: cpu::load_avg(src).map(|(a, b, c)| [a, b, c]),
        });
    }
    if want(Section::Mem) {
        r.virtual_memory = Some(memory::virtual_memory_from(src)?);
    }
    if want(Section::Swap) {
        r.swap_memory = Some(memory::swap_memory_from(src)?);
    }
    if want(Section::Disk) {
        let parts = disk::disk_partitions_from(src, opts.all_partitions)?;
        r.disk =
            Some(parts.into_iter().map(|p| DiskEntry { usage: disk::disk_usage_from(src, &p.mountpoint).ok(), partition: p }).collect());
    }
    if opts.section == Section::Partitions {
        r.partitions = Some(disk::disk_partitions_from(src, opts.all_partitions)?);
    }
    if want(Section::Diskio) {
        if opts.perdisk {
            r.disk_io_perdisk = Some(disk::disk_io_counters_per_disk(src)?);
        } else {
            r.disk_io = Some(disk::disk_io_counters(src)?);
        }
    }
    if want(Section::Net) {
        if opts.pernic {
            r.net_io_pernic = Some(net::net_io_counters_per_nic(src)?);
        } else {
            r.net_io = Some(net::net_io_counters_from(src)?);
        }
    }
    if want(Section::Users) {
        r.users = Some(users::users(&opts.utmp)?);
    }
    if want(Section::Boot) {
        let epoch = host::boot_time_from(src)?;
        let utc = chrono::DateTime::from_timestamp(epoch as i64, 0).map(|d| d.to_rfc3339()).unwrap_or_default();
        r.boot_time = Some(BootTime { epoch, utc, uptime_s: host::uptime(src) });
    }
    Ok(r)
}

fn bytes(n: u64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

fn times_line(t: &CpuTimes) -> String {
    format!(
        "user={:.2} nice={:.2} system={:.2} idle={:.2} iowait={:.2} irq={:.2} softirq={:.2} steal={:.2} guest={:.2} guest_nice={:.2}",
        t.user, t.nice, t.system, t.idle, t.iowait, t.irq, t.softirq, t.steal, t.guest, t.guest_nice
    )
}

/// Formats an epoch in a time zone offset (seconds east of UTC) with `strftime`.
pub fn format_time(epoch: u64, fmt: &str, tz: Option<chrono::FixedOffset>) -> String {
    let Some(utc) = chrono::DateTime::from_timestamp(epoch as i64, 0) else { return String::new() };
    match tz {
        Some(off) => utc.with_timezone(&off).format(fmt).to_string(),
        None => utc.with_timezone(&chrono::Local).format(fmt).to_string(),
    }
}

/// The report as text: one `section: key=value …` line per record. Boot time is shown with
/// `strftime` (default `%Y-%m-%d %H:%M:%S`) in `tz` (default: local time).
pub fn render_text(r: &Report, strftime: &str, tz: Option<chrono::FixedOffset>) -> String {
    let mut s = String::new();
    if let Some(c) = &r.cpu {
        let _ = writeln!(s, "cpu times (seconds): {}", times_line(&c.times));
        for (i, t) in c.per_cpu.iter().flatten().enumerate() {
            let _ = writeln!(s, "cpu{i} times (seconds): {}", times_line(t));
        }
        let n = |v: Option<usize>| v.map(|n| n.to_string()).unwrap_or_else(|| "unknown".into());
        let _ = writeln!(s, "cpu count: logical={} physical={}", n(c.count_logical), n(c.count_physical));
        if let Some(f) = c.freq {
            let _ = writeln!(s, "cpu freq (MHz): current={:.1} min={:.1} max={:.1}", f.current, f.min, f.max);
        }
        let st = c.stats;
        let _ =
            writeln!(s, "cpu stats: ctx_switches={} interrupts={} soft_interrupts={}", st.ctx_switches, st.interrupts, st.soft_interrupts);
        if let Some([a, b, cc]) = c.load_avg {
            let _ = writeln!(s, "load average: {a:.2} {b:.2} {cc:.2}");
        }
    }
    if let Some(m) = &r.virtual_memory {
        let _ = writeln!(
            s,
            "memory: total={} available={} percent={:.1}% used={} free={} active={} inactive={} buffers={} cached={} shared={} slab={}",
            bytes(m.total),
            bytes(m.available),
            m.percent,
            bytes(m.used),
            bytes(m.free),
            bytes(m.active),
            bytes(m.inactive),
            bytes(m.buffers),
            bytes(m.cached),
            bytes(m.shared),
            bytes(m.slab)
        );
    }
    if let Some(m) = &r.swap_memory {
        let _ = writeln!(
            s,
            "swap: total={} used={} free={} percent={:.1}% sin={} sout={}",
            bytes(m.total),
            bytes(m.used),
            bytes(m.free),
            m.percent,
            bytes(m.sin),
            bytes(m.sout)
        );
    }
    for d in r.disk.iter().flatten() {
        let p = &d.partition;
        match &d.usage {
            Some(u) => {
                let _ = writeln!(
                    s,
                    "disk {}: {} {} total={} used={} free={} percent={:.1}%",
                    p.mountpoint,
                    p.device,
                    p.fstype,
                    bytes(u.total),
                    bytes(u.used),
                    bytes(u.free),
                    u.percent
                );
            }
            None => {
                let _ = writeln!(s, "disk {}: {} {} (usage unavailable)", p.mountpoint, p.device, p.fstype);
            }
        }
    }
    for p in r.partitions.iter().flatten() {
        let _ = writeln!(s, "partition: device={} mountpoint={} fstype={} opts={}", p.device, p.mountpoint, p.fstype, p.opts);
    }
    let io_line = |d: &DiskIo| {
        format!(
            "read_count={} write_count={} read_bytes={} write_bytes={} read_time={}ms write_time={}ms busy_time={}ms",
            d.read_count, d.write_count, d.read_bytes, d.write_bytes, d.read_time, d.write_time, d.busy_time
        )
    };
    if let Some(d) = &r.disk_io {
        let _ = writeln!(s, "disk io: {}", io_line(d));
    }
    for (name, d) in r.disk_io_perdisk.iter().flatten() {
        let _ = writeln!(s, "disk io {name}: {}", io_line(d));
    }
    let net_line = |n: &NetIo| {
        format!(
            "bytes_sent={} bytes_recv={} packets_sent={} packets_recv={} errin={} errout={} dropin={} dropout={}",
            n.bytes_sent, n.bytes_recv, n.packets_sent, n.packets_recv, n.errin, n.errout, n.dropin, n.dropout
        )
    };
    if let Some(n) = &r.net_io {
        let _ = writeln!(s, "net io: {}", net_line(n));
    }
    for (name, n) in r.net_io_pernic.iter().flatten() {
        let _ = writeln!(s, "net io {name}: {}", net_line(n));
    }
    if let Some(users) = &r.users {
        if users.is_empty() {
            let _ = writeln!(s, "users: none logged in");
        }
        for u in users {
            let _ = writeln!(
                s,
                "user {}: terminal={} host={} started={} pid={}",
                u.name,
                u.terminal,
                u.host,
                format_time(u.started as u64, strftime, tz),
                u.pid
            );
        }
    }
    if let Some(b) = &r.boot_time {
        let _ = writeln!(s, "boot time: {}", format_time(b.epoch, strftime, tz));
    }
    s
}
