//! nmap's target and port syntax: `10.0.0.0/24`, `192.168.1-3.1,5,10-20`, `*`, host names,
//! IPv6 addresses and CIDR; ports `22,53,110,143-4564`, `-` (all), `80-`, `-1024`.
//!
//! Every error names the offending token and its 1-based position in the whole argument.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use crate::ip::{IpNet, MakeNet};

/// A target or port specification that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}`:{position}: {reason} at `{token}`\n  hint: {hint}")]
pub struct SpecError {
    pub input: String,
    pub position: usize,
    pub token: String,
    pub reason: String,
    pub hint: &'static str,
}

const TARGET_HINT: &str = "targets look like 10.0.0.1, 10.0.0.0/24, 192.168.1-3.1,5,10-20, 10.0.0.*, ::1 or a host name";
const PORT_HINT: &str = "ports look like 22,80,443, 1-1024, 8000-, -1024 or - (all), each in 1-65535";

/// One target as written: an address set to expand, or a name to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// A CIDR block or a single address.
    Net(IpNet),
    /// Per-octet value sets (`192.168.1-3.1,5`), each octet sorted and de-duplicated.
    Octets(Box<[Vec<u8>; 4]>),
    /// A host name, resolved at scan time.
    Name(String),
}

impl TargetSpec {
    /// How many addresses the spec stands for (a name counts as one).
    pub fn count(&self) -> u128 {
        match self {
            TargetSpec::Net(net) => net.len(),
            TargetSpec::Octets(octets) => octets.iter().map(|o| o.len() as u128).product(),
            TargetSpec::Name(_) => 1,
        }
    }

    /// The addresses of an address spec (nothing for a name).
    pub fn addresses(&self) -> Box<dyn Iterator<Item = IpAddr> + '_> {
        match self {
            TargetSpec::Net(net) => Box::new(net.iter().map(|a| a.addr())),
            TargetSpec::Octets(o) => Box::new(o[0].iter().flat_map(move |&a| {
                o[1].iter()
                    .flat_map(move |&b| o[2].iter().flat_map(move |&c| o[3].iter().map(move |&d| IpAddr::V4(Ipv4Addr::new(a, b, c, d)))))
            })),
            TargetSpec::Name(_) => Box::new(std::iter::empty()),
        }
    }
}

fn err(input: &str, offset: usize, token: &str, reason: impl Into<String>, hint: &'static str) -> SpecError {
    SpecError { input: input.to_owned(), position: offset + 1, token: token.to_owned(), reason: reason.into(), hint }
}

/// Splits on spaces and commas, keeping each piece's byte offset. Commas inside an octet
/// list (`1.2.3.1,5`) belong to the spec: a piece that is only digits and ranges continues the
/// previous octet spec.
fn pieces(input: &str) -> Vec<(usize, &str)> {
    let mut out: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    for (i, c) in input.char_indices().chain(std::iter::once((input.len(), ' '))) {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, &input[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

/// Parses target specifications separated by spaces (and commas between whole specs).
pub fn parse_targets(input: &str) -> Result<Vec<TargetSpec>, SpecError> {
    let mut specs = Vec::new();
    for (offset, word) in pieces(input) {
        // `a.b.c.1,5,10-20` keeps its commas; `10.0.0.1,10.0.0.2` is two specs.
        let mut parts: Vec<(usize, String)> = Vec::new();
        let mut pos = 0;
        for chunk in word.split(',') {
            let continues = !chunk.contains('.') && !chunk.contains(':') && !parts.is_empty() && !chunk.is_empty();
            if continues && chunk.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'*') {
                let last = parts.last_mut().expect("checked non-empty");
                last.1.push(',');
                last.1.push_str(chunk);
            } else {
                parts.push((offset + pos, chunk.to_owned()));
            }
            pos += chunk.len() + 1;
        }
        for (at, part) in parts {
            specs.push(parse_one(input, at, &part)?);
        }
    }
    if specs.is_empty() {
        return Err(err(input, 0, input, "no targets", TARGET_HINT));
    }
    Ok(specs)
}

fn parse_one(input: &str, at: usize, text: &str) -> Result<TargetSpec, SpecError> {
    if text.is_empty() {
        return Err(err(input, at, ",", "empty target", TARGET_HINT));
    }
    if text.contains(':') || text.contains('/') {
        return IpNet::parse(text, MakeNet::Lenient).map(TargetSpec::Net).map_err(|e| match e {
            crate::ip::IpError::Parse { position, token, reason, .. } => err(input, at + position - 1, &token, reason, TARGET_HINT),
            other => err(input, at, text, other.to_string(), TARGET_HINT),
        });
    }
    let labels: Vec<&str> = text.split('.').collect();
    let looks_numeric =
        labels.len() == 4 && labels.iter().all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit() || b"-,*".contains(&b)));
    if !looks_numeric {
        if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(err(input, at, text, "an IPv4 target has four octets", TARGET_HINT));
        }
        let valid = text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
        if !valid || text.starts_with('-') {
            return Err(err(input, at, text, "not an address, range or host name", TARGET_HINT));
        }
        return Ok(TargetSpec::Name(text.to_owned()));
    }
    let mut octets: [Vec<u8>; 4] = Default::default();
    let mut pos = at;
    for (i, label) in labels.iter().enumerate() {
        let mut set = BTreeSet::new();
        let mut p = pos;
        for item in label.split(',') {
            let range = |s: &str, default: u8| -> Result<u8, SpecError> {
                if s.is_empty() {
                    return Ok(default);
                }
                let n: u32 = s.parse().map_err(|_| err(input, p, item, "not an octet", TARGET_HINT))?;
                u8::try_from(n).map_err(|_| err(input, p, item, "octet out of range 0-255", TARGET_HINT))
            };
            let (lo, hi) = if item == "*" {
                (0, 255)
            } else if let Some((a, b)) = item.split_once('-') {
                (range(a, 0)?, range(b, 255)?)
            } else {
                let v = range(item, 0)?;
                if item.is_empty() {
                    return Err(err(input, p, label, "empty octet", TARGET_HINT));
                }
                (v, v)
            };
            if lo > hi {
                return Err(err(input, p, item, "octet range runs backwards", TARGET_HINT));
            }
            set.extend(lo..=hi);
            p += item.len() + 1;
        }
        octets[i] = set.into_iter().collect();
        pos += label.len() + 1;
    }
    Ok(TargetSpec::Octets(Box::new(octets)))
}

/// Parses nmap's port syntax into a sorted, de-duplicated list. `-` alone means 1-65535.
pub fn parse_ports(input: &str) -> Result<Vec<u16>, SpecError> {
    let mut set = BTreeSet::new();
    let text = input.trim();
    if text.is_empty() {
        return Err(err(input, 0, input, "no ports", PORT_HINT));
    }
    let mut offset = input.find(text).unwrap_or(0);
    for item in text.split(',') {
        // nmap's `T:` / `U:` prefixes: om scans TCP, so `T:` is accepted and dropped.
        let (skip, body) = match item.strip_prefix("T:") {
            Some(rest) => (2, rest),
            None => (0, item),
        };
        let num = |s: &str, default: u32| -> Result<u32, SpecError> {
            if s.is_empty() {
                return Ok(default);
            }
            let n: u32 = if s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 6 { s.parse().unwrap_or(u32::MAX) } else { u32::MAX };
            if !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(input, offset + skip, item, "not a port number", PORT_HINT));
            }
            if !(1..=65535).contains(&n) {
                return Err(err(input, offset + skip, s, "port out of range 1-65535", PORT_HINT));
            }
            Ok(n)
        };
        if body.is_empty() {
            return Err(err(input, offset, item, "empty port", PORT_HINT));
        }
        let (lo, hi) = match body.split_once('-') {
            Some((a, b)) => (num(a, 1)?, num(b, 65535)?),
            None => {
                let n = num(body, 0)?;
                (n, n)
            }
        };
        if lo > hi {
            return Err(err(input, offset, item, "port range runs backwards", PORT_HINT));
        }
        set.extend(lo as u16..=hi as u16);
        offset += item.len() + 1;
    }
    Ok(set.into_iter().collect())
}

/// Ports as nmap writes them in `scaninfo services`: `1-1024,8080`.
pub fn ports_to_ranges(ports: &[u16]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ports.len() {
        let start = ports[i];
        let mut end = start;
        while i + 1 < ports.len() && ports[i + 1] == end + 1 {
            i += 1;
            end = ports[i];
        }
        out.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        i += 1;
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(input: &str) -> Vec<String> {
        parse_targets(input).unwrap().iter().flat_map(|s| s.addresses().map(|a| a.to_string()).collect::<Vec<_>>()).collect()
    }

    #[test]
    fn octet_ranges_and_lists_expand_like_nmap() {
        assert_eq!(addrs("192.168.1-2.1,5"), ["192.168.1.1", "192.168.1.5", "192.168.2.1", "192.168.2.5"]);
        assert_eq!(parse_targets("198.116.0-255.1-127").unwrap()[0].count(), 256 * 127);
        assert_eq!(parse_targets("10.0.0.*").unwrap()[0].count(), 256);
        assert_eq!(addrs("10.0.0.1,10.0.0.2 10.0.0.3"), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
        assert_eq!(parse_targets("216.163.128.20/20").unwrap()[0].count(), 4096);
        assert_eq!(parse_targets("web1.example.test").unwrap(), [TargetSpec::Name("web1.example.test".into())]);
        assert_eq!(addrs("::1"), ["::1"]);
    }

    #[test]
    fn target_errors_name_token_and_position() {
        let e = parse_targets("10.0.0.1 10.0.0.0/33").unwrap_err();
        assert_eq!((e.position, e.token.as_str()), (19, "33"), "{e}");
        let e = parse_targets("192.168.1-300.1").unwrap_err();
        assert_eq!((e.position, e.token.as_str()), (9, "1-300"), "{e}");
        let e = parse_targets("10.0.9-3.1").unwrap_err();
        assert!(e.reason.contains("backwards"), "{e}");
    }

    #[test]
    fn port_syntax_and_errors() {
        assert_eq!(parse_ports("22,53,110,143-145").unwrap(), [22, 53, 110, 143, 144, 145]);
        assert_eq!(parse_ports("-").unwrap().len(), 65535);
        assert_eq!(parse_ports("65530-").unwrap().len(), 6);
        assert_eq!(parse_ports("-3").unwrap(), [1, 2, 3]);
        let e = parse_ports("22,70000").unwrap_err();
        assert_eq!((e.position, e.token.as_str()), (4, "70000"), "{e}");
        assert!(parse_ports("0").is_err());
        assert!(parse_ports("22,,80").is_err());
        assert_eq!(ports_to_ranges(&[1, 2, 3, 5, 7, 8]), "1-3,5,7-8");
    }
}
