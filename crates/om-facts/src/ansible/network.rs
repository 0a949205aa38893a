//! The network collector: `interfaces`, `ansible_<iface>`, `default_ipv4`/`default_ipv6`
//! (from the kernel's routing tables, where ansible-core runs `ip route get`),
//! `all_ipv4_addresses`, `all_ipv6_addresses` and `locally_reachable_ips`.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::{Map, Value, json};

use super::{Facts, read_trim};
use crate::net::{Family, IfAddr};
use crate::source::Source;

fn interface_type(code: &str) -> &'static str {
    match code {
        "1" => "ether",
        "32" => "infiniband",
        "512" => "ppp",
        "772" => "loopback",
        "65534" => "tunnel",
        _ => "unknown",
    }
}

fn ipv6_scope(scope: u8) -> &'static str {
    match scope {
        0 => "global",
        200 => "site",
        253 => "link",
        254 => "host",
        _ => "nowhere",
    }
}

/// `(interface, gateway)` of the IPv4 default route with the lowest metric.
fn default_v4_route(src: &dyn Source) -> Option<(String, String)> {
    let text = src.read("/proc/net/route").ok()?;
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 8 && f[1] == "00000000" && f[7] == "00000000").then(|| {
                let gw = u32::from_str_radix(f[2], 16).map(|g| Ipv4Addr::from(g.swap_bytes()).to_string()).unwrap_or_default();
                (f[6].parse::<u32>().unwrap_or(0), f[0].to_string(), gw)
            })
        })
        .min_by_key(|(metric, _, _)| *metric)
        .map(|(_, i, g)| (i, g))
}

/// `(interface, gateway)` of the IPv6 default route with the lowest metric.
fn default_v6_route(src: &dyn Source) -> Option<(String, String)> {
    let text = src.read("/proc/net/ipv6_route").ok()?;
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 10 || f[0] != "00000000000000000000000000000000" || f[1] != "00" || f[9] == "lo" {
                return None;
            }
            let flags = u32::from_str_radix(f[8], 16).unwrap_or(0);
            if flags & 0x0200 != 0 {
                return None; // RTF_REJECT
            }
            let gw = u128::from_str_radix(f[4], 16).map(|g| std::net::Ipv6Addr::from(g).to_string()).unwrap_or_default();
            Some((u32::from_str_radix(f[5], 16).unwrap_or(0), f[9].to_string(), gw))
        })
        .min_by_key(|(metric, _, _)| *metric)
        .map(|(_, i, g)| (i, g))
}

fn network_of(addr: &str, netmask: &str) -> String {
    match (addr.parse::<Ipv4Addr>(), netmask.parse::<Ipv4Addr>()) {
        (Ok(a), Ok(m)) => Ipv4Addr::from(u32::from(a) & u32::from(m)).to_string(),
        _ => String::new(),
    }
}

pub(super) fn network(src: &dyn Source, f: &mut Facts) {
    let names = src.read_dir("/sys/class/net").unwrap_or_default();
    let addrs = src.addresses();
    let mut all_v4 = Vec::new();
    let mut all_v6 = Vec::new();
    let mut ifaces: Vec<(String, Map<String, Value>)> = Vec::new();
    for name in &names {
        let base = format!("/sys/class/net/{name}");
        let read = |p: &str| read_trim(src, &format!("{base}/{p}"));
        let mut d = Map::new();
        d.insert("device".into(), name.clone().into());
        if let Some(mac) = read("address").filter(|m| !m.is_empty() && m != "00:00:00:00:00:00") {
            d.insert("macaddress".into(), mac.into());
        }
        if let Some(mtu) = read("mtu").and_then(|m| m.parse::<u64>().ok()) {
            d.insert("mtu".into(), mtu.into());
        }
        if let Some(state) = read("operstate") {
            d.insert("active".into(), (state != "down").into());
        }
        if let Ok(module) = src.read_link(&format!("{base}/device/driver/module")) {
            d.insert("module".into(), module.rsplit('/').next().unwrap_or_default().into());
        }
        if let Some(t) = read("type") {
            d.insert("type".into(), interface_type(&t).into());
        }
        if src.exists(&format!("{base}/bridge")) {
            d.insert("type".into(), "bridge".into());
            let mut members = src.read_dir(&format!("{base}/brif")).unwrap_or_default();
            members.sort();
            d.insert("interfaces".into(), json!(members));
            if let Some(id) = read("bridge/bridge_id") {
                d.insert("id".into(), id.into());
            }
            if let Some(stp) = read("bridge/stp_state") {
                d.insert("stp".into(), (stp == "1").into());
            }
        }
        if src.exists(&format!("{base}/bonding")) {
            d.insert("type".into(), "bonding".into());
            let first = |p: &str| read(p).and_then(|v| v.split_whitespace().next().map(str::to_string)).unwrap_or_default();
            d.insert("slaves".into(), json!(read("bonding/slaves").unwrap_or_default().split_whitespace().collect::<Vec<_>>()));
            d.insert("mode".into(), first("bonding/mode").into());
            d.insert("miimon".into(), first("bonding/miimon").into());
            d.insert("lacp_rate".into(), first("bonding/lacp_rate").into());
            if let Some(p) = read("bonding/primary").filter(|p| !p.is_empty()) {
                d.insert("primary".into(), p.into());
            }
        }
        if let Ok(dev) = src.read_link(&format!("{base}/device")) {
            d.insert("pciid".into(), dev.rsplit('/').next().unwrap_or_default().into());
        }
        if let Some(speed) = read("speed").and_then(|s| s.parse::<i64>().ok()) {
            d.insert("speed".into(), speed.into());
        }
        if let Some(flags) = read("flags").and_then(|v| u32::from_str_radix(v.trim_start_matches("0x"), 16).ok()) {
            d.insert("promisc".into(), (flags & 0x100 != 0).into());
        }
        let mut v6 = Vec::new();
        let mut secondaries = Vec::new();
        for a in addrs.iter().filter(|a| a.interface == *name) {
            match a.family {
                Family::Inet => {
                    let netmask = a.netmask.clone().unwrap_or_default();
                    let entry = json!({
                        "address": a.address,
                        "broadcast": a.broadcast.clone().unwrap_or_default(),
                        "netmask": netmask,
                        "network": network_of(&a.address, &netmask),
                        "prefix": a.prefixlen.to_string(),
                    });
                    if d.contains_key("ipv4") {
                        secondaries.push(entry);
                    } else {
                        d.insert("ipv4".into(), entry);
                    }
                    if !a.address.starts_with("127.") {
                        all_v4.push(Value::from(a.address.clone()));
                    }
                }
                _ => {
                    v6.push(json!({"address": a.address, "prefix": a.prefixlen.to_string(), "scope": ipv6_scope(a.scope)}));
                    if a.address != "::1" {
                        all_v6.push(Value::from(a.address.clone()));
                    }
                }
            }
        }
        if !secondaries.is_empty() {
            d.insert("ipv4_secondaries".into(), Value::Array(secondaries));
        }
        if !v6.is_empty() {
            d.insert("ipv6".into(), Value::Array(v6));
        }
        ifaces.push((name.clone(), d));
    }
    let find = |name: &str| ifaces.iter().find(|(n, _)| n == name).map(|(_, d)| d);
    let mut default_v4 = Map::new();
    if let Some((iface, gw)) = default_v4_route(src)
        && let Some(d) = find(&iface)
        && let Some(ip) = d.get("ipv4")
    {
        default_v4.insert("gateway".into(), gw.into());
        default_v4.insert("interface".into(), iface.clone().into());
        default_v4.insert("address".into(), ip["address"].clone());
        default_v4.insert("alias".into(), iface.into());
        for k in ["broadcast", "netmask", "network", "prefix"] {
            default_v4.insert(k.into(), ip[k].clone());
        }
        for k in ["macaddress", "mtu", "type"] {
            if let Some(v) = d.get(k) {
                default_v4.insert(k.into(), v.clone());
            }
        }
    }
    let mut default_v6 = Map::new();
    if let Some((iface, gw)) = default_v6_route(src)
        && let Some(d) = find(&iface)
        && let Some(Value::Array(list)) = d.get("ipv6")
        && let Some(ip) = list.iter().find(|a| a["scope"] == "global").or(list.first())
    {
        default_v6.insert("gateway".into(), gw.into());
        default_v6.insert("interface".into(), iface.into());
        for k in ["address", "prefix", "scope"] {
            default_v6.insert(k.into(), ip[k].clone());
        }
        for k in ["macaddress", "mtu", "type"] {
            if let Some(v) = d.get(k) {
                default_v6.insert(k.into(), v.clone());
            }
        }
    }
    f.insert("interfaces".into(), Value::Array(names.iter().cloned().map(Value::from).collect()));
    for (name, d) in ifaces {
        f.insert(name.replace(['-', '.', ':'], "_"), Value::Object(d));
    }
    f.insert("default_ipv4".into(), Value::Object(default_v4));
    f.insert("default_ipv6".into(), Value::Object(default_v6));
    f.insert("all_ipv4_addresses".into(), Value::Array(all_v4));
    f.insert("all_ipv6_addresses".into(), Value::Array(all_v6));
    f.insert("locally_reachable_ips".into(), locally_reachable(&addrs));
}

/// The kernel's `local` routes: every address, plus loopback networks.
fn locally_reachable(addrs: &[IfAddr]) -> Value {
    let mut v4: Vec<(u32, u8, String)> = Vec::new();
    let mut v6: Vec<(u128, String)> = Vec::new();
    for a in addrs {
        match a.address.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => {
                let loopback = ip.is_loopback();
                if loopback && a.prefixlen < 32 {
                    let net = u32::from(ip) & (u32::MAX << (32 - a.prefixlen as u32));
                    v4.push((net, a.prefixlen, format!("{}/{}", Ipv4Addr::from(net), a.prefixlen)));
                }
                v4.push((u32::from(ip), 32, ip.to_string()));
            }
            Ok(IpAddr::V6(ip)) => v6.push((u128::from(ip), ip.to_string())),
            Err(_) => {}
        }
    }
    v4.sort();
    v4.dedup_by(|a, b| a.2 == b.2);
    v6.sort();
    v6.dedup();
    json!({"ipv4": v4.into_iter().map(|x| x.2).collect::<Vec<_>>(), "ipv6": v6.into_iter().map(|x| x.1).collect::<Vec<_>>()})
}
