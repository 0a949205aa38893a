//! Network interfaces, their addresses and counters, and sockets, with psutil's names.
//!
//! Counters come from `/proc/net/dev` of om's network namespace; addresses from netlink;
//! sockets from `/proc/net/{tcp,tcp6,udp,udp6,unix}`, matched to processes through the socket
//! inodes in `/proc/PID/fd`. IPv4-mapped IPv6 addresses print as `::ffff:a.b.c.d`.

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::source::Source;
use crate::{FactsError, Live};

/// Address families, as psutil names them (`socket.AF_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Family {
    #[serde(rename = "AF_INET")]
    Inet,
    #[serde(rename = "AF_INET6")]
    Inet6,
    #[serde(rename = "AF_PACKET")]
    Packet,
    #[serde(rename = "AF_UNIX")]
    Unix,
}

impl Family {
    /// The number Linux uses (`socket.AF_INET` = 2…).
    pub fn number(self) -> u32 {
        match self {
            Family::Inet => 2,
            Family::Inet6 => 10,
            Family::Packet => 17,
            Family::Unix => 1,
        }
    }
}

/// One address of an interface (psutil's `snicaddr`, plus prefix length and scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IfAddr {
    pub interface: String,
    /// The IPv4 label (`eth0:1`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub family: Family,
    pub address: String,
    pub netmask: Option<String>,
    pub prefixlen: u8,
    pub broadcast: Option<String>,
    pub ptp: Option<String>,
    /// Kernel scope: 0 global, 253 link, 254 host.
    pub scope: u8,
}

pub fn prefix_to_netmask(family: Family, prefix: u8) -> String {
    match family {
        Family::Inet => {
            let bits = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix.min(32) as u32) };
            Ipv4Addr::from(bits).to_string()
        }
        _ => {
            let bits = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix.min(128) as u32) };
            Ipv6Addr::from(bits).to_string()
        }
    }
}

/// psutil's `snetio`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NetIo {
    pub bytes_sent: u64,
    pub bytes_recv: u64,
    pub packets_sent: u64,
    pub packets_recv: u64,
    pub errin: u64,
    pub errout: u64,
    pub dropin: u64,
    pub dropout: u64,
}

pub fn net_io_counters_per_nic(src: &dyn Source) -> Result<BTreeMap<String, NetIo>, FactsError> {
    let text = src.read("/proc/net/dev").map_err(|e| FactsError::read("/proc/net/dev", e))?;
    let mut out = BTreeMap::new();
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else { continue };
        let f: Vec<u64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
        if f.len() < 16 {
            continue;
        }
        out.insert(
            name.trim().to_string(),
            NetIo {
                bytes_recv: f[0],
                packets_recv: f[1],
                errin: f[2],
                dropin: f[3],
                bytes_sent: f[8],
                packets_sent: f[9],
                errout: f[10],
                dropout: f[11],
            },
        );
    }
    Ok(out)
}

pub fn net_io_counters() -> Result<NetIo, FactsError> {
    net_io_counters_from(&Live)
}

pub fn net_io_counters_from(src: &dyn Source) -> Result<NetIo, FactsError> {
    let mut t = NetIo::default();
    for n in net_io_counters_per_nic(src)?.values() {
        t.bytes_sent += n.bytes_sent;
        t.bytes_recv += n.bytes_recv;
        t.packets_sent += n.packets_sent;
        t.packets_recv += n.packets_recv;
        t.errin += n.errin;
        t.errout += n.errout;
        t.dropin += n.dropin;
        t.dropout += n.dropout;
    }
    Ok(t)
}

/// psutil's `snicstats`, plus the MAC address and interface type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IfStats {
    pub isup: bool,
    /// 2 full, 1 half, 0 unknown (psutil's `NIC_DUPLEX_*`).
    pub duplex: u8,
    /// Mbit/s, 0 when unknown.
    pub speed: u64,
    pub mtu: u64,
    pub flags: String,
    pub macaddress: Option<String>,
    /// `/sys/class/net/<if>/type` (1 ether, 772 loopback…).
    pub kind: u32,
    pub operstate: String,
}

/// Interface flags by name, as psutil's `flags` string lists them.
const FLAG_NAMES: &[(u32, &str)] = &[
    (0x1, "up"),
    (0x2, "broadcast"),
    (0x4, "debug"),
    (0x8, "loopback"),
    (0x10, "pointopoint"),
    (0x20, "notrailers"),
    (0x40, "running"),
    (0x80, "noarp"),
    (0x100, "promisc"),
    (0x200, "allmulti"),
    (0x400, "master"),
    (0x800, "slave"),
    (0x1000, "multicast"),
    (0x2000, "portsel"),
    (0x4000, "dynamic"),
];

pub fn interface_names(src: &dyn Source) -> Vec<String> {
    let mut names = src.read_dir("/sys/class/net").unwrap_or_default();
    names.sort();
    names
}

pub fn net_if_stats(src: &dyn Source) -> BTreeMap<String, IfStats> {
    let mut out = BTreeMap::new();
    for name in interface_names(src) {
        let base = format!("/sys/class/net/{name}");
        let read = |f: &str| src.read(&format!("{base}/{f}")).ok().map(|s| s.trim().to_string());
        let flags = read("flags").and_then(|f| u32::from_str_radix(f.trim_start_matches("0x"), 16).ok()).unwrap_or(0);
        let duplex = match read("duplex").as_deref() {
            Some("full") => 2,
            Some("half") => 1,
            _ => 0,
        };
        let mac = read("address").filter(|a| !a.is_empty());
        out.insert(
            name.clone(),
            IfStats {
                isup: flags & 0x1 != 0 && flags & 0x40 != 0,
                duplex,
                speed: read("speed").and_then(|s| s.parse::<i64>().ok()).filter(|s| *s > 0).unwrap_or(0) as u64,
                mtu: read("mtu").and_then(|s| s.parse().ok()).unwrap_or(0),
                flags: FLAG_NAMES.iter().filter(|(b, _)| flags & b != 0).map(|(_, n)| *n).collect::<Vec<_>>().join(","),
                macaddress: mac,
                kind: read("type").and_then(|s| s.parse().ok()).unwrap_or(0),
                operstate: read("operstate").unwrap_or_default(),
            },
        );
    }
    out
}

/// Every address of every interface, MAC addresses (`AF_PACKET`) included.
pub fn net_if_addrs(src: &dyn Source) -> BTreeMap<String, Vec<IfAddr>> {
    let mut out: BTreeMap<String, Vec<IfAddr>> = BTreeMap::new();
    for (name, st) in net_if_stats(src) {
        if let Some(mac) = st.macaddress {
            let broadcast = src.read(&format!("/sys/class/net/{name}/broadcast")).ok().map(|s| s.trim().to_string());
            out.entry(name.clone()).or_default().push(IfAddr {
                interface: name,
                label: None,
                family: Family::Packet,
                address: mac,
                netmask: None,
                prefixlen: 0,
                broadcast,
                ptp: None,
                scope: 0,
            });
        }
    }
    for a in src.addresses() {
        out.entry(a.interface.clone()).or_default().push(a);
    }
    out
}

/// One socket (psutil's `sconn`): `fd` is -1 for system-wide listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Connection {
    pub fd: i32,
    pub family: u32,
    #[serde(rename = "type")]
    pub kind: u32,
    pub laddr: Address,
    pub raddr: Address,
    pub status: String,
    pub pid: Option<i32>,
}

/// An endpoint: `[ip, port]`, a UNIX path, or nothing (`[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Address {
    Inet(String, u16),
    Path(String),
    None(Vec<()>),
}

const TCP_STATES: &[(&str, &str)] = &[
    ("01", "ESTABLISHED"),
    ("02", "SYN_SENT"),
    ("03", "SYN_RECV"),
    ("04", "FIN_WAIT1"),
    ("05", "FIN_WAIT2"),
    ("06", "TIME_WAIT"),
    ("07", "CLOSE"),
    ("08", "CLOSE_WAIT"),
    ("09", "LAST_ACK"),
    ("0A", "LISTEN"),
    ("0B", "CLOSING"),
    ("0C", "SYN_RECV"),
];

/// `0100007F:1F90` → `("127.0.0.1", 8080)`; IPv6 words are little-endian too.
pub fn decode_address(hex: &str, v6: bool) -> Option<(String, u16)> {
    let (ip, port) = hex.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = if !v6 {
        Ipv4Addr::from(u32::from_str_radix(ip, 16).ok()?.swap_bytes()).to_string()
    } else {
        if ip.len() != 32 {
            return None;
        }
        let mut bytes = [0u8; 16];
        for w in 0..4 {
            let word = u32::from_str_radix(&ip[w * 8..w * 8 + 8], 16).ok()?.swap_bytes();
            bytes[w * 4..w * 4 + 4].copy_from_slice(&word.to_be_bytes());
        }
        let addr = Ipv6Addr::from(bytes);
        match addr.to_ipv4_mapped() {
            Some(v4) => format!("::ffff:{v4}"),
            None => addr.to_string(),
        }
    };
    Some((ip, port))
}

/// Socket inode → (pid, fd), from `/proc/*/fd` (only `pid` when given).
pub fn socket_inodes(src: &dyn Source, pid: Option<i32>) -> HashMap<u64, (i32, i32)> {
    let pids: Vec<i32> = match pid {
        Some(p) => vec![p],
        None => src.read_dir("/proc").unwrap_or_default().iter().filter_map(|n| n.parse().ok()).collect(),
    };
    let mut map = HashMap::new();
    for p in pids {
        for fd in src.read_dir(&format!("/proc/{p}/fd")).unwrap_or_default() {
            if let Ok(target) = src.read_link(&format!("/proc/{p}/fd/{fd}"))
                && let Some(inode) = target.strip_prefix("socket:[").and_then(|t| t.strip_suffix(']')).and_then(|t| t.parse().ok())
            {
                map.insert(inode, (p, fd.parse().unwrap_or(-1)));
            }
        }
    }
    map
}

/// Sockets of `kind` (`inet`, `inet4`, `inet6`, `tcp`, `tcp4`, `tcp6`, `udp`, `udp4`, `udp6`,
/// `unix`, `all`), system-wide (`pid = None`) or of one process.
pub fn net_connections(src: &dyn Source, kind: &str, pid: Option<i32>) -> Result<Vec<Connection>, FactsError> {
    let files: &[(&str, u32, u32)] = match kind {
        "tcp" => &[("tcp", 2, 1), ("tcp6", 10, 1)],
        "tcp4" => &[("tcp", 2, 1)],
        "tcp6" => &[("tcp6", 10, 1)],
        "udp" => &[("udp", 2, 2), ("udp6", 10, 2)],
        "udp4" => &[("udp", 2, 2)],
        "udp6" => &[("udp6", 10, 2)],
        "inet4" => &[("tcp", 2, 1), ("udp", 2, 2)],
        "inet6" => &[("tcp6", 10, 1), ("udp6", 10, 2)],
        "unix" => &[("unix", 1, 0)],
        "all" => &[("tcp", 2, 1), ("tcp6", 10, 1), ("udp", 2, 2), ("udp6", 10, 2), ("unix", 1, 0)],
        _ => &[("tcp", 2, 1), ("tcp6", 10, 1), ("udp", 2, 2), ("udp6", 10, 2)],
    };
    let inodes = socket_inodes(src, pid);
    let mut out = Vec::new();
    for (file, family, sock_type) in files {
        let path = match pid {
            Some(p) => format!("/proc/{p}/net/{file}"),
            None => format!("/proc/net/{file}"),
        };
        let Ok(text) = src.read(&path) else { continue };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if *file == "unix" {
                if f.len() < 7 {
                    continue;
                }
                let inode: u64 = f[6].parse().unwrap_or(0);
                let owner = inodes.get(&inode);
                if pid.is_some() && owner.is_none() {
                    continue;
                }
                let t = match f[4] {
                    "0001" => 1,
                    "0002" => 2,
                    "0005" => 5,
                    _ => 0,
                };
                out.push(Connection {
                    fd: owner.map(|o| o.1).unwrap_or(-1),
                    family: 1,
                    kind: t,
                    laddr: Address::Path(f.get(7).map(|s| s.to_string()).unwrap_or_default()),
                    raddr: Address::Path(String::new()),
                    status: "NONE".into(),
                    pid: owner.map(|o| o.0),
                });
                continue;
            }
            if f.len() < 10 {
                continue;
            }
            let inode: u64 = f[9].parse().unwrap_or(0);
            let owner = inodes.get(&inode);
            if pid.is_some() && owner.is_none() {
                continue;
            }
            let v6 = *family == 10;
            let (Some(l), Some(r)) = (decode_address(f[1], v6), decode_address(f[2], v6)) else { continue };
            let status =
                if *sock_type == 1 { TCP_STATES.iter().find(|(c, _)| *c == f[3]).map(|(_, s)| *s).unwrap_or("NONE") } else { "NONE" };
            let unspecified = |(ip, port): &(String, u16)| *port == 0 && (ip == "0.0.0.0" || ip == "::");
            out.push(Connection {
                fd: owner.map(|o| o.1).unwrap_or(-1),
                family: *family,
                kind: *sock_type,
                laddr: Address::Inet(l.0.clone(), l.1),
                raddr: if unspecified(&r) { Address::None(Vec::new()) } else { Address::Inet(r.0, r.1) },
                status: status.into(),
                pid: owner.map(|o| o.0),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_addresses_decode() {
        assert_eq!(decode_address("0100007F:1F90", false), Some(("127.0.0.1".into(), 8080)));
        assert_eq!(decode_address("0000000000000000FFFF00000100007F:0016", true), Some(("::ffff:127.0.0.1".into(), 22)));
        assert_eq!(decode_address("00000000000000000000000001000000:0050", true), Some(("::1".into(), 80)));
    }

    #[test]
    fn netmasks_from_prefixes() {
        assert_eq!(prefix_to_netmask(Family::Inet, 24), "255.255.255.0");
        assert_eq!(prefix_to_netmask(Family::Inet, 0), "0.0.0.0");
        assert_eq!(prefix_to_netmask(Family::Inet6, 64), "ffff:ffff:ffff:ffff::");
    }
}
