//! Mounted filesystems, their usage, and block-device I/O counters.
//!
//! Partitions come from `/proc/self/mountinfo` (octal escapes decoded); without `all`, only
//! filesystems `/proc/filesystems` does not mark `nodev`. Usage is `statvfs`: `percent` is
//! used / (used + free), which is df's `Use%` before df rounds up. I/O times are
//! milliseconds and bytes are sectors × 512 whatever the device's sector size.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::source::Source;
use crate::{FactsError, Live};

/// psutil's `sdiskpart`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partition {
    pub device: String,
    pub mountpoint: String,
    pub fstype: String,
    pub opts: String,
}

/// psutil's `sdiskusage`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct DiskUsage {
    pub total: u64,
    pub used: u64,
    pub free: u64,
    pub percent: f64,
}

/// psutil's `sdiskio` (Linux fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiskIo {
    pub read_count: u64,
    pub write_count: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub read_time: u64,
    pub write_time: u64,
    pub read_merged_count: u64,
    pub write_merged_count: u64,
    pub busy_time: u64,
}

/// Decodes the kernel's `\040`-style octal escapes.
pub fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One mount from `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountInfo {
    pub mountpoint: String,
    pub device: String,
    pub fstype: String,
    /// Options as `/proc/mounts` shows them: the mount's, then the superblock's.
    pub opts: String,
}

pub fn mounts(src: &dyn Source) -> Result<Vec<MountInfo>, FactsError> {
    let text = src.read("/proc/self/mountinfo").map_err(|e| FactsError::read("/proc/self/mountinfo", e))?;
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else { continue };
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        if l.len() < 6 || r.len() < 3 {
            continue;
        }
        let mut opts: Vec<&str> = l[5].split(',').collect();
        for o in r[2].split(',') {
            if o != "rw" && o != "ro" && !opts.contains(&o) {
                opts.push(o);
            }
        }
        out.push(MountInfo { mountpoint: unescape(l[4]), device: unescape(r[1]), fstype: r[0].to_string(), opts: opts.join(",") });
    }
    Ok(out)
}

/// Filesystem types backed by a device (`/proc/filesystems` without `nodev`, plus zfs).
pub fn device_fstypes(src: &dyn Source) -> Vec<String> {
    src.read("/proc/filesystems")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let flag = f.next()?;
            let name = f.next()?.trim();
            (flag != "nodev" || name == "zfs").then(|| name.to_string())
        })
        .collect()
}

pub fn disk_partitions(all: bool) -> Result<Vec<Partition>, FactsError> {
    disk_partitions_from(&Live, all)
}

pub fn disk_partitions_from(src: &dyn Source, all: bool) -> Result<Vec<Partition>, FactsError> {
    let types = device_fstypes(src);
    Ok(mounts(src)?
        .into_iter()
        .filter_map(|m| {
            let device = if m.device == "none" { String::new() } else { m.device };
            if !all && (device.is_empty() || !types.contains(&m.fstype)) {
                return None;
            }
            Some(Partition { device, mountpoint: m.mountpoint, fstype: m.fstype, opts: m.opts })
        })
        .collect())
}

pub fn disk_usage(path: &str) -> Result<DiskUsage, FactsError> {
    disk_usage_from(&Live, path)
}

pub fn disk_usage_from(src: &dyn Source, path: &str) -> Result<DiskUsage, FactsError> {
    let s = src.statvfs(path).ok_or_else(|| FactsError::read(path, std::io::Error::other("statvfs failed")))?;
    let total = s.blocks * s.frsize;
    let used = (s.blocks - s.bfree) * s.frsize;
    let free = s.bavail * s.frsize;
    let percent = if used + free > 0 { ((used as f64 / (used + free) as f64 * 100.0) * 10.0).round() / 10.0 } else { 0.0 };
    Ok(DiskUsage { total, used, free, percent })
}

/// Counters per kernel device name, partitions included.
pub fn disk_io_counters_per_disk(src: &dyn Source) -> Result<BTreeMap<String, DiskIo>, FactsError> {
    let text = src.read("/proc/diskstats").map_err(|e| FactsError::read("/proc/diskstats", e))?;
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 14 {
            continue;
        }
        let n = |i: usize| f[i].parse::<u64>().unwrap_or(0);
        out.insert(
            f[2].to_string(),
            DiskIo {
                read_count: n(3),
                read_merged_count: n(4),
                read_bytes: n(5) * 512,
                read_time: n(6),
                write_count: n(7),
                write_merged_count: n(8),
                write_bytes: n(9) * 512,
                write_time: n(10),
                busy_time: n(12),
            },
        );
    }
    Ok(out)
}

/// The sum over whole devices (those under `/sys/block`), so partitions are not counted twice.
pub fn disk_io_counters(src: &dyn Source) -> Result<DiskIo, FactsError> {
    let per = disk_io_counters_per_disk(src)?;
    let mut t = DiskIo::default();
    for (name, d) in per {
        if !src.exists(&format!("/sys/block/{}", name.replace('/', "!"))) {
            continue;
        }
        t.read_count += d.read_count;
        t.write_count += d.write_count;
        t.read_bytes += d.read_bytes;
        t.write_bytes += d.write_bytes;
        t.read_time += d.read_time;
        t.write_time += d.write_time;
        t.read_merged_count += d.read_merged_count;
        t.write_merged_count += d.write_merged_count;
        t.busy_time += d.busy_time;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_escapes_decode() {
        assert_eq!(unescape(r"/mnt/my\040disk"), "/mnt/my disk");
        assert_eq!(unescape(r"a\\b"), r"a\\b");
    }
}
