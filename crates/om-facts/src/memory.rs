//! Virtual and swap memory from `/proc/meminfo` and `/proc/vmstat`, in bytes.
//!
//! Definitions (om's, which are psutil 5's): `cached = Cached + SReclaimable`;
//! `used = total − free − buffers − cached` (or `total − free` when that is negative, as in
//! containers); `available = MemAvailable` (estimated with the kernel's formula when the
//! kernel is older than 3.14, with `available_estimated: true`); `percent = (total −
//! available) / total`. psutil 6 and later report `used = total − available` instead, and the
//! book's psutil 2.0 used `total − free`: their `used` is not comparable. Swap `sin`/`sout`
//! are `pswpin`/`pswpout` times the real page size (psutil assumes 4 KiB).

use std::collections::HashMap;

use serde::Serialize;

use crate::source::{Source, page_size};
use crate::{FactsError, Live};

/// psutil's `svmem`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct VirtualMemory {
    pub total: u64,
    pub available: u64,
    pub percent: f64,
    pub used: u64,
    pub free: u64,
    pub active: u64,
    pub inactive: u64,
    pub buffers: u64,
    pub cached: u64,
    pub shared: u64,
    pub slab: u64,
    /// `available` was computed, not read (kernels without `MemAvailable`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub available_estimated: bool,
}

/// psutil's `sswap`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SwapMemory {
    pub total: u64,
    pub used: u64,
    pub free: u64,
    pub percent: f64,
    pub sin: u64,
    pub sout: u64,
}

/// `/proc/meminfo` as bytes per key.
pub fn meminfo(src: &dyn Source) -> Result<HashMap<String, u64>, FactsError> {
    let text = src.read("/proc/meminfo").map_err(|e| FactsError::read("/proc/meminfo", e))?;
    Ok(text
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            let mut parts = v.split_whitespace();
            let n: u64 = parts.next()?.parse().ok()?;
            let mult = if parts.next() == Some("kB") { 1024 } else { 1 };
            Some((k.trim().to_string(), n * mult))
        })
        .collect())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The kernel's `si_mem_available()` for kernels without `MemAvailable`.
fn estimate_available(src: &dyn Source, m: &HashMap<String, u64>) -> u64 {
    let g = |k: &str| m.get(k).copied().unwrap_or(0) as i64;
    let low: i64 = src
        .read("/proc/zoneinfo")
        .map(|z| {
            z.lines().filter_map(|l| l.trim().strip_prefix("low ")).filter_map(|v| v.trim().parse::<i64>().ok()).sum::<i64>()
                * page_size() as i64
        })
        .unwrap_or(0);
    let pagecache = g("Active(file)") + g("Inactive(file)");
    let pagecache = pagecache - (pagecache / 2).min(low);
    let reclaimable = g("SReclaimable");
    let reclaimable = reclaimable - (reclaimable / 2).min(low);
    (g("MemFree") - low + pagecache + reclaimable).max(0) as u64
}

pub fn virtual_memory() -> Result<VirtualMemory, FactsError> {
    virtual_memory_from(&Live)
}

pub fn virtual_memory_from(src: &dyn Source) -> Result<VirtualMemory, FactsError> {
    let m = meminfo(src)?;
    let g = |k: &str| m.get(k).copied().unwrap_or(0);
    let total = g("MemTotal");
    let free = g("MemFree");
    let buffers = g("Buffers");
    let cached = g("Cached") + g("SReclaimable");
    let mut used = total as i64 - free as i64 - buffers as i64 - cached as i64;
    if used < 0 {
        used = total as i64 - free as i64;
    }
    let (mut available, estimated) = match m.get("MemAvailable") {
        Some(a) if *a > 0 => (*a, false),
        _ => (estimate_available(src, &m), true),
    };
    if available > total {
        available = free;
    }
    let percent = if total > 0 { round1((total - available) as f64 / total as f64 * 100.0) } else { 0.0 };
    Ok(VirtualMemory {
        total,
        available,
        percent,
        used: used.max(0) as u64,
        free,
        active: g("Active"),
        inactive: g("Inactive"),
        buffers,
        cached,
        shared: m.get("Shmem").or(m.get("MemShared")).copied().unwrap_or(0),
        slab: g("Slab"),
        available_estimated: estimated,
    })
}

pub fn swap_memory() -> Result<SwapMemory, FactsError> {
    swap_memory_from(&Live)
}

pub fn swap_memory_from(src: &dyn Source) -> Result<SwapMemory, FactsError> {
    let m = meminfo(src)?;
    let total = m.get("SwapTotal").copied().unwrap_or(0);
    let free = m.get("SwapFree").copied().unwrap_or(0);
    let used = total.saturating_sub(free);
    let vmstat = src.read("/proc/vmstat").unwrap_or_default();
    let page = page_size();
    let count = |key: &str| vmstat.lines().find_map(|l| l.strip_prefix(key).and_then(|v| v.trim().parse::<u64>().ok())).unwrap_or(0) * page;
    Ok(SwapMemory {
        total,
        used,
        free,
        percent: if total > 0 { round1(used as f64 / total as f64 * 100.0) } else { 0.0 },
        sin: count("pswpin "),
        sout: count("pswpout "),
    })
}
