//! Boot time and uptime.

use crate::source::Source;
use crate::{FactsError, Live};

/// Boot time, epoch seconds (`btime` in `/proc/stat`).
pub fn boot_time() -> Result<u64, FactsError> {
    boot_time_from(&Live)
}

pub fn boot_time_from(src: &dyn Source) -> Result<u64, FactsError> {
    let stat = src.read("/proc/stat").map_err(|e| FactsError::read("/proc/stat", e))?;
    stat.lines()
        .find_map(|l| l.strip_prefix("btime ").and_then(|v| v.trim().parse().ok()))
        .ok_or_else(|| FactsError::parse("/proc/stat", "no `btime` line"))
}

/// Seconds since boot (`/proc/uptime`).
pub fn uptime(src: &dyn Source) -> Option<f64> {
    src.read("/proc/uptime").ok()?.split_whitespace().next()?.parse().ok()
}
