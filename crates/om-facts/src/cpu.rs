//! CPU times, counts, frequency, statistics and utilisation, with psutil's field names.
//!
//! Times are cumulative **seconds** (ticks / `CLK_TCK`) from `/proc/stat`, not percentages
//! (the book's wording). `cpu_percent` compares two samples: busy = total − idle − iowait,
//! where total leaves out guest time, which the kernel already counts in user and nice.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Serialize;

use crate::source::{Source, clock_ticks};
use crate::{FactsError, Live};

/// psutil's `scputimes`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CpuTimes {
    pub user: f64,
    pub nice: f64,
    pub system: f64,
    pub idle: f64,
    pub iowait: f64,
    pub irq: f64,
    pub softirq: f64,
    pub steal: f64,
    pub guest: f64,
    pub guest_nice: f64,
}

impl CpuTimes {
    fn fields(&self) -> [f64; 10] {
        [self.user, self.nice, self.system, self.idle, self.iowait, self.irq, self.softirq, self.steal, self.guest, self.guest_nice]
    }

    /// All time, guest time left out (it is already in user and nice).
    pub fn total(&self) -> f64 {
        self.fields().iter().sum::<f64>() - self.guest - self.guest_nice
    }

    pub fn busy(&self) -> f64 {
        self.total() - self.idle - self.iowait
    }
}

fn parse_times(line: &str) -> CpuTimes {
    let tck = clock_ticks();
    let v: Vec<f64> = line.split_whitespace().skip(1).map(|x| x.parse::<f64>().unwrap_or(0.0) / tck).collect();
    let g = |i: usize| v.get(i).copied().unwrap_or(0.0);
    CpuTimes {
        user: g(0),
        nice: g(1),
        system: g(2),
        idle: g(3),
        iowait: g(4),
        irq: g(5),
        softirq: g(6),
        steal: g(7),
        guest: g(8),
        guest_nice: g(9),
    }
}

/// The aggregate `cpu` line of `/proc/stat`.
pub fn cpu_times() -> Result<CpuTimes, FactsError> {
    cpu_times_from(&Live)
}

pub fn cpu_times_from(src: &dyn Source) -> Result<CpuTimes, FactsError> {
    let stat = src.read("/proc/stat").map_err(|e| FactsError::read("/proc/stat", e))?;
    let line = stat.lines().find(|l| l.starts_with("cpu ")).ok_or_else(|| FactsError::parse("/proc/stat", "no `cpu` line"))?;
    Ok(parse_times(line))
}

/// One record per `cpuN` line.
pub fn per_cpu_times() -> Result<Vec<CpuTimes>, FactsError> {
    per_cpu_times_from(&Live)
}

pub fn per_cpu_times_from(src: &dyn Source) -> Result<Vec<CpuTimes>, FactsError> {
    let stat = src.read("/proc/stat").map_err(|e| FactsError::read("/proc/stat", e))?;
    Ok(stat.lines().filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit)).map(parse_times).collect())
}

/// Parses a kernel CPU list like `0-3,5`.
pub fn parse_cpu_list(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.trim().parse::<usize>(), b.trim().parse::<usize>()) {
                    out.extend(a..=b);
                }
            }
            None => out.extend(part.trim().parse::<usize>().ok()),
        }
    }
    out
}

/// Online logical CPUs (`logical = true`) or physical cores (`false`: distinct
/// `topology/core_cpus_list` sets, `None` when the kernel does not say).
pub fn cpu_count(logical: bool) -> Option<usize> {
    cpu_count_from(&Live, logical)
}

pub fn cpu_count_from(src: &dyn Source, logical: bool) -> Option<usize> {
    if logical {
        if let Ok(online) = src.read("/sys/devices/system/cpu/online") {
            let n = parse_cpu_list(&online).len();
            if n > 0 {
                return Some(n);
            }
        }
        let info = src.read("/proc/cpuinfo").ok()?;
        let n = info.lines().filter(|l| l.starts_with("processor")).count();
        return (n > 0).then_some(n);
    }
    let cpus = src.read_dir("/sys/devices/system/cpu").ok()?;
    let mut sets = BTreeSet::new();
    for cpu in cpus.iter().filter(|c| c.starts_with("cpu") && c[3..].bytes().all(|b| b.is_ascii_digit()) && c.len() > 3) {
        let base = format!("/sys/devices/system/cpu/{cpu}/topology");
        let list = src.read(&format!("{base}/core_cpus_list")).or_else(|_| src.read(&format!("{base}/thread_siblings_list")));
        if let Ok(l) = list {
            sets.insert(l.trim().to_string());
        }
    }
    if !sets.is_empty() {
        return Some(sets.len());
    }
    let info = src.read("/proc/cpuinfo").ok()?;
    let mut pairs = BTreeSet::new();
    let (mut phys, mut core) = (None, None);
    for line in info.lines().chain(std::iter::once("")) {
        if line.trim().is_empty() {
            if let (Some(p), Some(c)) = (phys.take(), core.take()) {
                pairs.insert((p, c));
            }
            continue;
        }
        let (k, v) = line.split_once(':').unwrap_or((line, ""));
        match k.trim() {
            "physical id" => phys = Some(v.trim().to_string()),
            "core id" => core = Some(v.trim().to_string()),
            _ => {}
        }
    }
    (!pairs.is_empty()).then_some(pairs.len())
}

/// psutil's `scpufreq`, in MHz.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CpuFreq {
    pub current: f64,
    pub min: f64,
    pub max: f64,
}

/// Per-CPU frequencies from cpufreq, or `cpu MHz` in `/proc/cpuinfo` (min and max 0).
pub fn cpu_freq_per_cpu(src: &dyn Source) -> Vec<CpuFreq> {
    let mut out = Vec::new();
    let mut policies: Vec<String> =
        src.read_dir("/sys/devices/system/cpu/cpufreq").unwrap_or_default().into_iter().filter(|p| p.starts_with("policy")).collect();
    policies.sort_by_key(|p| p[6..].parse::<usize>().unwrap_or(0));
    let khz = |p: &str| src.read(p).ok().and_then(|v| v.trim().parse::<f64>().ok()).map(|v| v / 1000.0);
    for p in policies {
        let base = format!("/sys/devices/system/cpu/cpufreq/{p}");
        let cur = khz(&format!("{base}/scaling_cur_freq")).or_else(|| khz(&format!("{base}/cpuinfo_cur_freq")));
        if let Some(current) = cur {
            out.push(CpuFreq {
                current,
                min: khz(&format!("{base}/scaling_min_freq")).unwrap_or(0.0),
                max: khz(&format!("{base}/scaling_max_freq")).unwrap_or(0.0),
            });
        }
    }
    if out.is_empty()
        && let Ok(info) = src.read("/proc/cpuinfo")
    {
        for line in info.lines().filter(|l| l.starts_with("cpu MHz")) {
            if let Some(v) = line.split(':').nth(1).and_then(|v| v.trim().parse::<f64>().ok()) {
                out.push(CpuFreq { current: v, min: 0.0, max: 0.0 });
            }
        }
    }
    out
}

/// The average frequency over CPUs (psutil's `cpu_freq()`).
pub fn cpu_freq(src: &dyn Source) -> Option<CpuFreq> {
    let all = cpu_freq_per_cpu(src);
    if all.is_empty() {
        return None;
    }
    let n = all.len() as f64;
    Some(CpuFreq {
        current: all.iter().map(|f| f.current).sum::<f64>() / n,
        min: all.iter().map(|f| f.min).sum::<f64>() / n,
        max: all.iter().map(|f| f.max).sum::<f64>() / n,
    })
}

/// psutil's `scpustats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CpuStats {
    pub ctx_switches: u64,
    pub interrupts: u64,
    pub soft_interrupts: u64,
    pub syscalls: u64,
}

pub fn cpu_stats(src: &dyn Source) -> Result<CpuStats, FactsError> {
    let stat = src.read("/proc/stat").map_err(|e| FactsError::read("/proc/stat", e))?;
    let mut s = CpuStats::default();
    for line in stat.lines() {
        let mut f = line.split_whitespace();
        let key = f.next().unwrap_or_default();
        let v = f.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        match key {
            "ctxt" => s.ctx_switches = v,
            "intr" => s.interrupts = v,
            "softirq" => s.soft_interrupts = v,
            _ => {}
        }
    }
    Ok(s)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Utilisation between two samples, 0–100, one decimal.
pub fn percent_between(a: &CpuTimes, b: &CpuTimes) -> f64 {
    let total = b.total() - a.total();
    if total <= 0.0 {
        return 0.0;
    }
    round1(((b.busy() - a.busy()) / total * 100.0).clamp(0.0, 100.0))
}

/// Each field's share of the time between two samples, in percent.
pub fn times_percent_between(a: &CpuTimes, b: &CpuTimes) -> CpuTimes {
    let total: f64 = b.fields().iter().sum::<f64>() - a.fields().iter().sum::<f64>();
    let pct = |x: f64, y: f64| if total > 0.0 { round1(((y - x) / total * 100.0).clamp(0.0, 100.0)) } else { 0.0 };
    CpuTimes {
        user: pct(a.user, b.user),
        nice: pct(a.nice, b.nice),
        system: pct(a.system, b.system),
        idle: pct(a.idle, b.idle),
        iowait: pct(a.iowait, b.iowait),
        irq: pct(a.irq, b.irq),
        softirq: pct(a.softirq, b.softirq),
        steal: pct(a.steal, b.steal),
        guest: pct(a.guest, b.guest),
        guest_nice: pct(a.guest_nice, b.guest_nice),
    }
}

/// `cpu_percent(interval)`: utilisation over `interval`, overall and per CPU.
pub fn cpu_percent(interval: Duration) -> Result<(f64, Vec<f64>), FactsError> {
    let (a, pa) = (cpu_times()?, per_cpu_times()?);
    std::thread::sleep(interval);
    let (b, pb) = (cpu_times()?, per_cpu_times()?);
    Ok((percent_between(&a, &b), pa.iter().zip(&pb).map(|(x, y)| percent_between(x, y)).collect()))
}

/// Load averages over 1, 5 and 15 minutes.
pub fn load_avg(src: &dyn Source) -> Option<(f64, f64, f64)> {
    let text = src.read("/proc/loadavg").ok()?;
    let v: Vec<f64> = text.split_whitespace().take(3).filter_map(|x| x.parse().ok()).collect();
    (v.len() == 3).then(|| (v[0], v[1], v[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_expand() {
        assert_eq!(parse_cpu_list("0-3,5\n"), vec![0, 1, 2, 3, 5]);
        assert_eq!(parse_cpu_list("7"), vec![7]);
    }

    #[test]
    fn busy_percent_leaves_out_idle_iowait_and_guest() {
        let a = CpuTimes::default();
        let b = CpuTimes { user: 30.0, guest: 10.0, idle: 50.0, iowait: 20.0, ..Default::default() };
        assert_eq!(percent_between(&a, &b), 30.0);
    }
}
