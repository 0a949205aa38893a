//! The hardware collector: memory, processors, block devices and their links, mounts with
//! sizes, DMI, uptime (ansible-core's LinuxHardware, reading `/sys` where it runs tools).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Facts, read_trim};
use crate::source::Source;

/// ansible-core's `bytes_to_human`: `20.00 GB`, `0.00 Bytes`.
pub fn bytes_to_human(size: u64) -> String {
    const UNITS: &[(&str, u32)] = &[("Y", 80), ("Z", 70), ("E", 60), ("P", 50), ("T", 40), ("G", 30), ("M", 20), ("K", 10)];
    for (suffix, shift) in UNITS {
        let limit = 1u128 << shift;
        if size as u128 >= limit {
            return format!("{:.2} {suffix}B", size as f64 / limit as f64);
        }
    }
    format!("{:.2} Bytes", size as f64)
}

/// Python's `round()` for a ratio: half to even.
fn round_half_even(x: f64) -> u64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && r as u64 % 2 == 1 { (r - 1.0) as u64 } else { r as u64 }
}

pub(super) fn hardware(src: &dyn Source, f: &mut Facts) {
    memory(src, f);
    cpu(src, f);
    dmi(src, f);
    devices(src, f);
    mounts(src, f);
    if let Some(up) = crate::host::uptime(src) {
        f.insert("uptime_seconds".into(), (up as u64).into());
    }
    f.insert("lvm".into(), "N/A".into());
    f.insert("hostnqn".into(), read_trim(src, "/etc/nvme/hostnqn").unwrap_or_default().into());
    let iqn = src
        .read("/etc/iscsi/initiatorname.iscsi")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("InitiatorName="))
        .unwrap_or_default()
        .trim()
        .to_string();
    f.insert("iscsi_iqn".into(), iqn.into());
    let mut wwns: Vec<Value> = src
        .read_dir("/sys/class/fc_host")
        .unwrap_or_default()
        .iter()
        .filter_map(|h| read_trim(src, &format!("/sys/class/fc_host/{h}/port_name")))
        .map(|w| Value::from(w.trim_start_matches("0x").to_string()))
        .collect();
    wwns.sort_by_key(|w| w.to_string());
    f.insert("fibre_channel_wwn".into(), Value::Array(wwns));
}

fn memory(src: &dyn Source, f: &mut Facts) {
    let Ok(m) = crate::memory::meminfo(src) else { return };
    let mb = |k: &str| m.get(k).map(|v| v / 1024 / 1024);
    let (Some(total), Some(free)) = (mb("MemTotal"), mb("MemFree")) else { return };
    let buffers = mb("Buffers").unwrap_or(0);
    let cached = mb("Cached").unwrap_or(0);
    let swap_total = mb("SwapTotal").unwrap_or(0);
    let swap_free = mb("SwapFree").unwrap_or(0);
    f.insert("memtotal_mb".into(), total.into());
    f.insert("memfree_mb".into(), free.into());
    f.insert("swaptotal_mb".into(), swap_total.into());
    f.insert("swapfree_mb".into(), swap_free.into());
    let nocache_free = cached + free + buffers;
    f.insert(
        "memory_mb".into(),
        json!({
            "real": {"total": total, "used": total - free, "free": free},
            "nocache": {"free": nocache_free, "used": total as i64 - nocache_free as i64},
            "swap": {"total": swap_total, "free": swap_free, "used": swap_total - swap_free, "cached": mb("SwapCached").unwrap_or(0)},
        }),
    );
}

fn cpu(src: &dyn Source, f: &mut Facts) {
    let Ok(info) = src.read("/proc/cpuinfo") else { return };
    let arch = src.uname().machine;
    let mut processor = Vec::new();
    let (mut i, mut vendor_n, mut model_n, mut proc_n) = (0u64, 0u64, 0u64, 0u64);
    let mut physid = "0".to_string();
    let mut coreid = "0".to_string();
    let mut sockets: Vec<(String, u64)> = Vec::new();
    let mut cores: Vec<(String, u64)> = Vec::new();
    let set = |v: &mut Vec<(String, u64)>, k: &str, val: u64| match v.iter_mut().find(|(key, _)| key == k) {
        Some(e) => e.1 = val,
        None => v.push((k.to_string(), val)),
    };
    let xen = src.exists("/proc/xen") || read_trim(src, "/sys/hypervisor/type").as_deref() == Some("xen");
    let mut xen_paravirt = false;
    for line in info.lines() {
        let (key, val) = match line.split_once(':') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (line.trim(), ""),
        };
        if key == "flags" {
            if xen && !val.split_whitespace().any(|x| x == "vme") {
                xen_paravirt = true;
            }
            f.insert("flags".into(), Value::Array(val.split_whitespace().map(Value::from).collect()));
        }
        match key {
            "model name" | "Processor" | "vendor_id" | "cpu" | "Vendor" | "processor" => {
                processor.push(Value::from(val));
                match key {
                    "vendor_id" => vendor_n += 1,
                    "model name" => model_n += 1,
                    "processor" => proc_n += 1,
                    _ => {}
                }
                i += 1;
            }
            "physical id" => {
                physid = val.to_string();
                if !sockets.iter().any(|(k, _)| *k == physid) {
                    sockets.push((physid.clone(), 1));
                }
            }
            "core id" => {
                coreid = val.to_string();
                // ansible-core checks `sockets` here, not `cores`; kept for identical results.
                if !sockets.iter().any(|(k, _)| *k == coreid) {
                    set(&mut cores, &coreid, 1);
                }
            }
            "cpu cores" => set(&mut sockets, &physid, val.parse().unwrap_or(0)),
            "siblings" => set(&mut cores, &coreid, val.parse().unwrap_or(0)),
            "ncpus active" => i = val.parse().unwrap_or(i),
            _ => {}
        }
    }
    if vendor_n > 0 && vendor_n == model_n {
        i = vendor_n;
    }
    if arch.starts_with("armv") || arch.starts_with("aarch") || arch.starts_with("ppc") {
        i = proc_n;
    }
    f.insert("processor".into(), Value::Array(processor));
    let (count, cores_per, threads) = if xen_paravirt {
        (i, i, 1)
    } else {
        let count = if sockets.is_empty() { i } else { sockets.len() as u64 };
        let cores_per = sockets.first().map(|s| s.1).filter(|v| *v > 0).unwrap_or(1);
        let threads = round_half_even(cores.first().map(|c| c.1).unwrap_or(1) as f64 / cores_per as f64);
        (count, cores_per, threads)
    };
    f.insert("processor_count".into(), count.into());
    f.insert("processor_cores".into(), cores_per.into());
    f.insert("processor_threads_per_core".into(), threads.into());
    f.insert("processor_vcpus".into(), (threads * count * cores_per).into());
    let allowed = src
        .read("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:").map(|v| crate::cpu::parse_cpu_list(v).len()));
    f.insert("processor_nproc".into(), allowed.map(|n| n as u64).unwrap_or(proc_n).into());
}

fn dmi(src: &dyn Source, f: &mut Facts) {
    const FORM_FACTOR: &[&str] = &[
        "Unknown",
        "Other",
        "Unknown",
        "Desktop",
        "Low Profile Desktop",
        "Pizza Box",
        "Mini Tower",
        "Tower",
        "Portable",
        "Laptop",
        "Notebook",
        "Hand Held",
        "Docking Station",
        "All In One",
        "Sub Notebook",
        "Space-saving",
        "Lunch Box",
        "Main Server Chassis",
        "Expansion Chassis",
        "Sub Chassis",
        "Bus Expansion Chassis",
        "Peripheral Chassis",
        "RAID Chassis",
        "Rack Mount Chassis",
        "Sealed-case PC",
        "Multi-system",
        "CompactPCI",
        "AdvancedTCA",
        "Blade",
        "Blade Enclosure",
        "Tablet",
        "Convertible",
        "Detachable",
        "IoT Gateway",
        "Embedded PC",
        "Mini PC",
        "Stick PC",
    ];
    let keys = [
        ("bios_date", "bios_date"),
        ("bios_vendor", "bios_vendor"),
        ("bios_version", "bios_version"),
        ("board_asset_tag", "board_asset_tag"),
        ("board_name", "board_name"),
        ("board_serial", "board_serial"),
        ("board_vendor", "board_vendor"),
        ("board_version", "board_version"),
        ("chassis_asset_tag", "chassis_asset_tag"),
        ("chassis_serial", "chassis_serial"),
        ("chassis_vendor", "chassis_vendor"),
        ("chassis_version", "chassis_version"),
        ("form_factor", "chassis_type"),
        ("product_name", "product_name"),
        ("product_serial", "product_serial"),
        ("product_uuid", "product_uuid"),
        ("product_version", "product_version"),
        ("system_vendor", "sys_vendor"),
    ];
    let present = src.exists("/sys/devices/virtual/dmi/id/product_name");
    for (key, file) in keys {
        let v = if present { read_trim(src, &format!("/sys/devices/virtual/dmi/id/{file}")) } else { None };
        let v = match (key, v) {
            ("form_factor", Some(d)) => {
                d.parse::<usize>().ok().and_then(|n| FORM_FACTOR.get(n)).map(|s| s.to_string()).unwrap_or(format!("unknown ({d})"))
            }
            (_, Some(d)) => d,
            (_, None) => "NA".into(),
        };
        f.insert(key.into(), v.into());
    }
}

/// `/dev/disk/by-*` links: kernel name → link names.
fn links(src: &dyn Source, kind: &str) -> BTreeMap<String, Vec<String>> {
    let dir = format!("/dev/disk/by-{kind}");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in src.read_dir(&dir).unwrap_or_default() {
        if let Ok(target) = src.read_link(&format!("{dir}/{name}")) {
            out.entry(target.rsplit('/').next().unwrap_or_default().to_string()).or_default().push(name);
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn devices(src: &dyn Source, f: &mut Facts) {
    let ids = links(src, "id");
    let uuids = links(src, "uuid");
    let labels = links(src, "label");
    let mut masters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut devices = Map::new();
    let mut names = src.read_dir("/sys/block").unwrap_or_default();
    names.sort();
    let link_info = |name: &str, holders: &[String]| {
        json!({
            "ids": ids.get(name).cloned().unwrap_or_default(),
            "uuids": uuids.get(name).cloned().unwrap_or_default(),
            "labels": labels.get(name).cloned().unwrap_or_default(),
            "masters": holders,
        })
    };
    for name in names {
        let base = format!("/sys/block/{name}");
        let read = |p: &str| read_trim(src, &format!("{base}/{p}"));
        let holders: Vec<String> = {
            let mut h = src.read_dir(&format!("{base}/holders")).unwrap_or_default();
            h.sort();
            h
        };
        if !holders.is_empty() {
            masters.insert(name.clone(), holders.clone());
        }
        let sectorsize = read("queue/logical_block_size")
            .filter(|s| !s.is_empty())
            .or_else(|| read("queue/hw_sector_size"))
            .unwrap_or_else(|| "512".into());
        let ss: u64 = sectorsize.parse().unwrap_or(512).max(1);
        let sectors: u64 = read("size").and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) * 512 / ss;
        let mut partitions = Map::new();
        let mut children = src.read_dir(&base).unwrap_or_default();
        children.sort();
        for part in children.into_iter().filter(|c| {
            c.strip_prefix(name.as_str()).is_some_and(|r| {
                let r = r.strip_prefix('p').unwrap_or(r);
                !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit())
            })
        }) {
            let pread = |p: &str| read_trim(src, &format!("{base}/{part}/{p}"));
            let psize: Value = match pread("queue/logical_block_size").or_else(|| pread("queue/hw_sector_size")) {
                Some(v) if !v.is_empty() => v.into(),
                _ => 512.into(),
            };
            let pss = psize.as_u64().or_else(|| psize.as_str().and_then(|s| s.parse().ok())).unwrap_or(512).max(1);
            let psectors: u64 = pread("size").and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) * 512 / pss;
            let pholders: Vec<String> = src.read_dir(&format!("{base}/{part}/holders")).unwrap_or_default();
            if !pholders.is_empty() {
                masters.insert(part.clone(), pholders.clone());
            }
            partitions.insert(
                part.clone(),
                json!({
                    "start": pread("start").map(Value::from).unwrap_or(Value::from(0)),
                    "sectors": psectors,
                    "sectorsize": psize,
                    "size": bytes_to_human(psectors * pss),
                    "uuid": uuids.get(&part).and_then(|u| u.first()).cloned(),
                    "holders": pholders,
                    "links": link_info(&part, &[]),
                }),
            );
        }
        let scheduler = read("queue/scheduler")
            .and_then(|s| s.split_once('[').and_then(|(_, r)| r.rsplit_once(']')).map(|(m, _)| m.to_string()))
            .unwrap_or_default();
        // ansible-core: 1 unless /sys/block/<dev> is a directory (not a link) with a device entry.
        let virtual_dev = src.read_link(&base).is_ok() || !src.read_dir(&base).unwrap_or_default().iter().any(|f| f.contains("device"));
        let discard = if read("queue/discard_max_hw_bytes").as_deref() == Some("0") {
            Some("0".to_string())
        } else {
            read("queue/discard_granularity")
        };
        let mut d = json!({
            "vendor": read("device/vendor"),
            "model": read("device/model"),
            "sas_address": read("device/sas_address"),
            "sas_device_handle": read("device/sas_device_handle"),
            "removable": read("removable"),
            "support_discard": discard,
            "partitions": partitions,
            "rotational": read("queue/rotational"),
            "scheduler_mode": scheduler,
            "sectors": sectors,
            "sectorsize": sectorsize,
            "size": bytes_to_human(sectors * ss),
            "host": "",
            "holders": holders,
            "links": link_info(&name, &holders),
            "virtual": if virtual_dev { 1 } else { 0 },
        });
        if let Some(serial) = read("device/serial").filter(|s| !s.is_empty()) {
            d["serial"] = serial.into();
        }
        devices.insert(name, d);
    }
    f.insert("devices".into(), Value::Object(devices));
    f.insert("device_links".into(), json!({"ids": ids, "uuids": uuids, "labels": labels, "masters": masters}));
}

fn mounts(src: &dyn Source, f: &mut Facts) {
    let Ok(info) = src.read("/proc/self/mountinfo") else { return };
    let uuids = links(src, "uuid");
    let uuid_of = |device: &str| -> String {
        let base = device.rsplit('/').next().unwrap_or_default();
        uuids.get(base).and_then(|u| u.first()).cloned().unwrap_or_else(|| "N/A".into())
    };
    let mut out = Vec::new();
    let mtab = src.read("/proc/self/mounts").unwrap_or_default();
    let mut mtab_lines = mtab.lines();
    for line in info.lines() {
        let Some((left, right)) = line.split_once(" - ") else { continue };
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        let mtab_line = mtab_lines.next().unwrap_or_default();
        if l.len() < 6 || r.len() < 2 {
            continue;
        }
        let device = crate::disk::unescape(r[1]);
        let mount = crate::disk::unescape(l[4]);
        let fstype = r[0].to_string();
        if (!device.starts_with('/') && !device.starts_with('\\') && !device.contains(":/")) || fstype == "none" {
            continue;
        }
        let mut options = mtab_line.split(' ').nth(3).map(str::to_string).unwrap_or_else(|| l[5].to_string());
        if l[3] != "/" && !options.contains("bind") {
            options.push_str(",bind");
        }
        let mut m = json!({"mount": mount, "device": device, "fstype": fstype, "options": options, "dump": 0, "passno": 0});
        if let Some(s) = src.statvfs(&mount) {
            m["size_total"] = (s.frsize * s.blocks).into();
            m["size_available"] = (s.frsize * s.bavail).into();
            m["block_size"] = s.bsize.into();
            m["block_total"] = s.blocks.into();
            m["block_available"] = s.bavail.into();
            m["block_used"] = (s.blocks - s.bavail).into();
            m["inode_total"] = s.files.into();
            m["inode_available"] = s.favail.into();
            m["inode_used"] = (s.files.saturating_sub(s.favail)).into();
        }
        m["uuid"] = uuid_of(&device).into();
        out.push(m);
    }
    f.insert("mounts".into(), Value::Array(out));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_like_ansible() {
        assert_eq!(bytes_to_human(0), "0.00 Bytes");
        assert_eq!(bytes_to_human(20 * (1 << 30)), "20.00 GB");
        assert_eq!(bytes_to_human(1536), "1.50 KB");
    }
}
