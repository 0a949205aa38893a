//! Service names for ports from `/etc/services` (`unknown` when absent), read once.

use std::collections::HashMap;
use std::sync::LazyLock;

static TCP: LazyLock<HashMap<u16, String>> = LazyLock::new(|| parse(&std::fs::read_to_string("/etc/services").unwrap_or_default()));

/// Parses the services(5) format, keeping the first name given for each TCP port.
pub fn parse(text: &str) -> HashMap<u16, String> {
    let mut map = HashMap::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_whitespace();
        let (Some(name), Some(port_proto)) = (fields.next(), fields.next()) else { continue };
        let Some((port, proto)) = port_proto.split_once('/') else { continue };
        if proto != "tcp" {
            continue;
        }
        if let Ok(port) = port.parse::<u16>() {
            map.entry(port).or_insert_with(|| name.to_owned());
        }
    }
    map
}

/// The service name of a TCP port, `unknown` when `/etc/services` has none.
pub fn tcp_name(port: u16) -> &'static str {
    TCP.get(&port).map_or("unknown", String::as_str)
}
