//! The basics of `ansible.utils.ipaddr` and friends: validate, and take an address apart
//! (`address`, `network`, `netmask`, `prefix`, `broadcast`, `host`, `size`…).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use minijinja::value::ValueKind;
use minijinja::{Environment, Value};

use crate::jinja::native::python_str;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("ipaddr", |v: Value, query: Option<String>| filter(&v, query.as_deref(), None));
    env.add_filter("ipv4", |v: Value, query: Option<String>| filter(&v, query.as_deref(), Some(4)));
    env.add_filter("ipv6", |v: Value, query: Option<String>| filter(&v, query.as_deref(), Some(6)));
    env.add_filter("ansible.utils.ipaddr", |v: Value, query: Option<String>| filter(&v, query.as_deref(), None));
    env.add_filter("ansible.utils.ipv4", |v: Value, query: Option<String>| filter(&v, query.as_deref(), Some(4)));
}

fn filter(value: &Value, query: Option<&str>, version: Option<u8>) -> Value {
    if value.kind() == ValueKind::Seq {
        let items: Vec<Value> = value
            .try_iter()
            .map(|it| it.map(|v| filter(&v, query, version)).filter(|v| v.kind() != ValueKind::Bool || v.is_true()).collect())
            .unwrap_or_default();
        return Value::from(items);
    }
    match parse(&python_str(value)) {
        Some(net) if version.is_none_or(|v| net.version() == v) => net.query(query.unwrap_or("")),
        _ => Value::from(false),
    }
}

struct Net {
    addr: IpAddr,
    prefix: u8,
    given_prefix: bool,
}

fn parse(text: &str) -> Option<Net> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: IpAddr = addr.trim().parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => {
                let mask: Ipv4Addr = p.parse().ok()?;
                u32::from(mask).count_ones() as u8
            }
        },
    };
    Some(Net { addr, prefix, given_prefix: text.contains('/') })
}

impl Net {
    fn version(&self) -> u8 {
        if self.addr.is_ipv4() { 4 } else { 6 }
    }

    fn bits(&self) -> u32 {
        if self.addr.is_ipv4() { 32 } else { 128 }
    }

    fn value(&self) -> u128 {
        match self.addr {
            IpAddr::V4(a) => u32::from(a) as u128,
            IpAddr::V6(a) => u128::from(a),
        }
    }

    fn mask(&self) -> u128 {
        let bits = self.bits();
        let all = if bits == 32 { u32::MAX as u128 } else { u128::MAX };
        if self.prefix == 0 { 0 } else { (all << (bits - self.prefix as u32)) & all }
    }

    fn addr_of(&self, v: u128) -> String {
        if self.addr.is_ipv4() { Ipv4Addr::from(v as u32).to_string() } else { Ipv6Addr::from(v).to_string() }
    }

    fn query(&self, query: &str) -> Value {
        let network = self.value() & self.mask();
        let broadcast = network | (!self.mask() & if self.bits() == 32 { u32::MAX as u128 } else { u128::MAX });
        let cidr = |v: u128| format!("{}/{}", self.addr_of(v), self.prefix);
        match query {
            "" => Value::from(if self.given_prefix { cidr(self.value()) } else { self.addr.to_string() }),
            "address" | "ip" => Value::from(self.addr.to_string()),
            "network" => Value::from(self.addr_of(network)),
            "netmask" => Value::from(self.addr_of(self.mask())),
            "hostmask" => Value::from(self.addr_of(!self.mask() & if self.bits() == 32 { u32::MAX as u128 } else { u128::MAX })),
            "prefix" => Value::from(self.prefix),
            "broadcast" => Value::from(self.addr_of(broadcast)),
            "host" => Value::from(cidr(self.value())),
            "net" | "subnet" | "cidr" => Value::from(cidr(network)),
            "host/prefix" => Value::from(cidr(self.value())),
            "network/prefix" => Value::from(cidr(network)),
            "size" => Value::from((broadcast - network + 1) as u64),
            "version" => Value::from(self.version()),
            "private" => Value::from(match self.addr {
                IpAddr::V4(a) => a.is_private().then(|| self.addr.to_string()),
                IpAddr::V6(_) => None,
            }),
            "public" => Value::from(match self.addr {
                IpAddr::V4(a) => (!a.is_private() && !a.is_loopback()).then(|| self.addr.to_string()),
                IpAddr::V6(_) => None,
            }),
            "revdns" => Value::from(match self.addr {
                IpAddr::V4(a) => {
                    let o = a.octets();
                    format!("{}.{}.{}.{}.in-addr.arpa.", o[3], o[2], o[1], o[0])
                }
                IpAddr::V6(a) => format!(
                    "{}.ip6.arpa.",
                    a.octets().iter().rev().flat_map(|b| [b & 0xf, b >> 4]).map(|n| format!("{n:x}")).collect::<Vec<_>>().join(".")
                ),
            }),
            _ => Value::from(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_parts() {
        let v = Value::from("192.168.1.5/24");
        assert_eq!(filter(&v, Some("network"), None).as_str(), Some("192.168.1.0"));
        assert_eq!(filter(&v, Some("netmask"), None).as_str(), Some("255.255.255.0"));
        assert_eq!(filter(&v, Some("broadcast"), None).as_str(), Some("192.168.1.255"));
        assert_eq!(filter(&v, Some("address"), None).as_str(), Some("192.168.1.5"));
        assert_eq!(filter(&Value::from("nope"), None, None), Value::from(false));
        assert_eq!(filter(&Value::from("10.0.0.1"), None, Some(6)), Value::from(false));
    }
}
