//! IP addresses and networks with IPy's behaviour: parsing of every IPy input form, strict or
//! make-net handling of host bits, net/netmask/broadcast, int/hex/bin forms, reverse names,
//! IPy's type table, comparison, containment and overlap, for IPv4 and IPv6.
//!
//! [`IpNet`] is the one type; [`info`] builds the book's ipcalc-style [`IpInfo`] report and
//! [`render_info`] prints it line by line.

mod iptype;

use std::cmp::Ordering;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// What to do with host bits under the prefix (`192.168.1.20/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MakeNet {
    /// Reject them (IPy's default), with a hint to use `--make-net`.
    #[default]
    Strict,
    /// Mask them off (IPy's `make_net=True`).
    Lenient,
}

/// How to read an input: host-bit handling, and whether bare integers are IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseOptions {
    pub make_net: MakeNet,
    /// Read integers (and integer-like strings) as IPv6 even when they fit in 32 bits.
    pub force_v6: bool,
}

/// The address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    V4,
    V6,
}

impl Version {
    /// Address width in bits: 32 or 128.
    pub fn bits(self) -> u32 {
        match self {
            Version::V4 => 32,
            Version::V6 => 128,
        }
    }

    /// 4 or 6.
    pub fn number(self) -> u8 {
        match self {
            Version::V4 => 4,
            Version::V6 => 6,
        }
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

/// An input the IP parser or calculator could not accept; `position` is the 1-based column
/// of `token` in `input`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpError {
    #[error("`{input}`:{position}: {reason} at `{token}`{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Parse { input: String, position: usize, token: String, reason: String, hint: Option<String> },
    #[error(
        "`{net}`: cannot create IPv6 reverse names at sub-nibble level (prefix /{prefixlen})\n  hint: use a prefix that is a multiple of 4"
    )]
    SubNibble { net: String, prefixlen: u8 },
}

impl IpError {
    fn parse(input: &str, token: &str, reason: impl Into<String>) -> Self {
        let position = input.find(token).map_or(1, |i| i + 1);
        IpError::Parse { input: input.to_owned(), position, token: token.to_owned(), reason: reason.into(), hint: None }
    }

    fn with_hint(mut self, text: impl Into<String>) -> Self {
        if let IpError::Parse { hint, .. } = &mut self {
            *hint = Some(text.into());
        }
        self
    }
}

/// An IPv4 or IPv6 address with a prefix length: a single address is a /32 or /128.
///
/// Equality includes the prefix length; ordering is version, first address, prefix length
/// (shorter first), as IPy's `__cmp__`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    ip: u128,
    version: Version,
    prefixlen: u8,
}

/// How [`IpNet::to_string_mode`] shows the size of a network, IPy's `wantprefixlen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowMode {
    /// 0: the address only.
    Address = 0,
    /// 1: `/prefixlen`.
    Prefix = 1,
    /// 2: `/netmask`.
    Netmask = 2,
    /// 3: `-lastaddress`.
    Range = 3,
}

impl ShowMode {
    pub fn from_number(n: u8) -> Option<Self> {
        Some(match n {
            0 => ShowMode::Address,
            1 => ShowMode::Prefix,
            2 => ShowMode::Netmask,
            3 => ShowMode::Range,
            _ => return None,
        })
    }
}

const MAX_V4: u128 = 0xffff_ffff;

fn mask(prefixlen: u8, version: Version) -> u128 {
    let bits = version.bits();
    let host = bits - u32::from(prefixlen);
    let all = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    if host >= 128 { 0 } else { (all >> host) << host }
}

/// Parses one address (no size part) the way IPy's `parseAddress` does: `0x` hex, IPv6,
/// 32 hex digits, dotted IPv4 including short forms (`127` = `127.0.0.0`), a decimal integer.
fn parse_address(input: &str, text: &str, force_v6: bool) -> Result<(u128, Version), IpError> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        let value =
            u128::from_str_radix(hex, 16).map_err(|_| IpError::parse(input, text, "not a hexadecimal address (at most 32 hex digits)"))?;
        let version = if value <= MAX_V4 && !force_v6 { Version::V4 } else { Version::V6 };
        return Ok((value, version));
    }
    if text.contains(':') {
        let addr: Ipv6Addr = text.parse().map_err(|_| IpError::parse(input, text, "not an IPv6 address"))?;
        return Ok((u128::from(addr), Version::V6));
    }
    if text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        let value = u128::from_str_radix(text, 16).map_err(|_| IpError::parse(input, text, "not a hexadecimal address"))?;
        return Ok((value, Version::V6));
    }
    let int: Option<u128> = if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() { text.parse().ok() } else { None };
    if text.contains('.') || int.is_some_and(|v| v < 256 && !force_v6) {
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() > 4 {
            return Err(IpError::parse(input, text, "an IPv4 address has at most 4 octets"));
        }
        let mut value: u128 = 0;
        for i in 0..4 {
            let octet = match parts.get(i) {
                Some(part) => {
                    let n: u32 = if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() && part.len() <= 10 {
                        part.parse().unwrap_or(u32::MAX)
                    } else {
                        return Err(IpError::parse(input, part, "not a decimal octet"));
                    };
                    if n > 255 {
                        return Err(IpError::parse(input, part, "octet out of range 0-255"));
                    }
                    n
                }
                None => 0,
            };
            value = (value << 8) | u128::from(octet);
        }
        return Ok((value, Version::V4));
    }
    if let Some(value) = int {
        let version = if value <= MAX_V4 && !force_v6 { Version::V4 } else { Version::V6 };
        return Ok((value, version));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
        return Err(IpError::parse(input, text, "integer larger than the largest IPv6 address"));
    }
    Err(IpError::parse(input, if text.is_empty() { input } else { text }, "not an IP address"))
}

impl IpNet {
    /// Parses any of IPy's forms: `192.168.1.20`, `::1`, `10.0.0.0/8`,
    /// `192.168.1.0/255.255.255.0`, `192.168.1.0-192.168.1.255`, `3232235796`, `0x8080808`.
    pub fn parse(input: &str, make_net: MakeNet) -> Result<IpNet, IpError> {
        Self::parse_with(input, ParseOptions { make_net, force_v6: false })
    }

    /// [`IpNet::parse`] with every option.
    pub fn parse_with(input: &str, options: ParseOptions) -> Result<IpNet, IpError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(IpError::parse(input, input, "empty address"));
        }
        let dashes = text.matches('-').count();
        let (ip, version, prefixlen) = if dashes == 1 {
            let (first, last) = text.split_once('-').expect("one dash was counted");
            let (ip, version) = parse_address(input, first, options.force_v6)?;
            let (last_ip, last_version) = parse_address(input, last, options.force_v6)?;
            if last_version != version {
                return Err(IpError::parse(input, last, "the last address is of another IP version than the first"));
            }
            if last_ip < ip {
                return Err(IpError::parse(input, last, "the last address is smaller than the first"));
            }
            let size = last_ip - ip;
            let netbits = 128 - size.leading_zeros();
            let prefixlen = (version.bits() - netbits) as u8;
            let candidate = IpNet { ip, version, prefixlen };
            if ip & !mask(prefixlen, version) != 0 || candidate.broadcast_int() != last_ip {
                return Err(IpError::parse(input, text, "the range is not on a network boundary (not exactly one prefix)")
                    .with_hint("split it into CIDR blocks, or give a range such as 10.0.0.0-10.0.0.255"));
            }
            (ip, version, prefixlen)
        } else if dashes > 1 {
            return Err(IpError::parse(input, text, "only one `-` allowed in a range"));
        } else {
            let mut parts = text.split('/');
            let addr = parts.next().unwrap_or_default();
            let size = parts.next();
            if let Some(extra) = parts.next() {
                return Err(IpError::parse(input, extra, "only one `/` allowed"));
            }
            let (ip, version) = parse_address(input, addr, options.force_v6)?;
            let prefixlen = match size {
                None => version.bits() as u8,
                Some(size) if size.contains('.') => {
                    let (netmask, mask_version) = parse_address(input, size, false)?;
                    if mask_version != Version::V4 || version != Version::V4 {
                        return Err(IpError::parse(input, size, "a dotted netmask is only valid for IPv4"));
                    }
                    let ones = netmask.count_ones();
                    if mask(ones as u8, Version::V4) != netmask {
                        return Err(IpError::parse(input, size, "the netmask is not contiguous ones then zeros"));
                    }
                    ones as u8
                }
                Some(size) => {
                    let n: u32 = size
                        .parse()
                        .ok()
                        .filter(|_| size.bytes().all(|b| b.is_ascii_digit()))
                        .ok_or_else(|| IpError::parse(input, size, "not a prefix length"))?;
                    if n > version.bits() {
                        return Err(IpError::parse(
                            input,
                            size,
                            format!("prefix length out of range 0-{} for IPv{}", version.bits(), version.number()),
                        ));
                    }
                    n as u8
                }
            };
            (ip, version, prefixlen)
        };
        let m = mask(prefixlen, version);
        let ip = match options.make_net {
            MakeNet::Lenient => ip & m,
            MakeNet::Strict if ip & !m != 0 => {
                let net = IpNet { ip: ip & m, version, prefixlen };
                return Err(IpError::parse(input, text, format!("host bits set under the prefix /{prefixlen}")).with_hint(format!(
                    "the network is `{}`; pass --make-net (IPy's make_net=True) to mask the host bits off",
                    net.to_string_mode(ShowMode::Prefix)
                )));
            }
            MakeNet::Strict => ip,
        };
        Ok(IpNet { ip, version, prefixlen })
    }

    /// A single address from its integer value; values up to 2^32-1 are IPv4 unless `version`
    /// says otherwise.
    pub fn from_int(value: u128, version: Option<Version>) -> Option<IpNet> {
        let version = version.unwrap_or(if value <= MAX_V4 { Version::V4 } else { Version::V6 });
        if version == Version::V4 && value > MAX_V4 {
            return None;
        }
        Some(IpNet { ip: value, version, prefixlen: version.bits() as u8 })
    }

    /// A single address.
    pub fn from_addr(addr: IpAddr) -> IpNet {
        match addr {
            IpAddr::V4(a) => IpNet { ip: u128::from(u32::from(a)), version: Version::V4, prefixlen: 32 },
            IpAddr::V6(a) => IpNet { ip: u128::from(a), version: Version::V6, prefixlen: 128 },
        }
    }

    pub fn version(&self) -> Version {
        self.version
    }

    pub fn prefixlen(&self) -> u8 {
        self.prefixlen
    }

    /// The first address as an integer (IPy's `int()`).
    pub fn int(&self) -> u128 {
        self.ip
    }

    /// Whether this is one address (/32 or /128).
    pub fn is_single(&self) -> bool {
        u32::from(self.prefixlen) == self.version.bits()
    }

    /// The number of addresses; `::/0` (2^128) saturates at `u128::MAX`, see [`IpNet::len_text`].
    pub fn len(&self) -> u128 {
        let host = self.version.bits() - u32::from(self.prefixlen);
        if host >= 128 { u128::MAX } else { 1u128 << host }
    }

    /// Never true: a network holds at least one address.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The exact number of addresses in decimal, also for `::/0`.
    pub fn len_text(&self) -> String {
        let host = self.version.bits() - u32::from(self.prefixlen);
        if host >= 128 { "340282366920938463463374607431768211456".to_owned() } else { (1u128 << host).to_string() }
    }

    fn broadcast_int(&self) -> u128 {
        self.ip | self.host_mask()
    }

    fn host_mask(&self) -> u128 {
        let all = if self.version.bits() == 128 { u128::MAX } else { (1u128 << self.version.bits()) - 1 };
        all & !mask(self.prefixlen, self.version)
    }

    fn single(&self, ip: u128) -> IpNet {
        IpNet { ip, version: self.version, prefixlen: self.version.bits() as u8 }
    }

    /// The network address, as a single address.
    pub fn net(&self) -> IpNet {
        self.single(self.ip)
    }

    /// The last address of the network (IPy's `broadcast()`, also for IPv6).
    pub fn broadcast(&self) -> IpNet {
        self.single(self.broadcast_int())
    }

    /// The netmask as an address (`255.255.255.0`, `ffff:ffff::`).
    pub fn netmask(&self) -> IpNet {
        self.single(mask(self.prefixlen, self.version))
    }

    /// The `n`th address of the network, if there is one.
    pub fn nth(&self, n: u128) -> Option<IpNet> {
        (n <= self.host_mask()).then(|| self.single(self.ip + n))
    }

    /// Every address of the network, network and broadcast included.
    pub fn iter(&self) -> impl Iterator<Item = IpNet> + use<> {
        let this = *self;
        let last = self.ip | self.host_mask();
        let mut next = Some(self.ip);
        std::iter::from_fn(move || {
            let cur = next?;
            next = if cur == last { None } else { Some(cur + 1) };
            Some(this.single(cur))
        })
    }

    /// The first address as a std address.
    pub fn addr(&self) -> IpAddr {
        match self.version {
            Version::V4 => IpAddr::V4(Ipv4Addr::from(self.ip as u32)),
            Version::V6 => IpAddr::V6(Ipv6Addr::from(self.ip)),
        }
    }

    /// IPy's `strHex()`: `0x` and lower-case digits without padding (`0x8080808`).
    pub fn to_hex(&self) -> String {
        format!("{:#x}", self.ip)
    }

    /// IPy's `strBin()`: zero-padded to 32 or 128 digits.
    pub fn to_bin(&self) -> String {
        format!("{:0width$b}", self.ip, width = self.version.bits() as usize)
    }

    /// IPy's `strDec()`.
    pub fn to_dec(&self) -> String {
        self.ip.to_string()
    }

    /// IPy's `iptype()`: the type from IPy's table, by longest prefix.
    pub fn iptype(&self) -> &'static str {
        iptype::lookup(self.ip, self.version.bits())
    }

    fn mapped_v4(&self) -> Option<IpNet> {
        if self.version == Version::V6 && self.ip >> 32 == 0xffff && self.prefixlen >= 96 {
            Some(IpNet { ip: self.ip & MAX_V4, version: Version::V4, prefixlen: self.prefixlen - 96 })
        } else {
            None
        }
    }

    /// IPy's `reverseName()`: one name, RFC 2317 style (`0-15.1.185.195.in-addr.arpa.`) for
    /// prefixes off an octet boundary.
    pub fn reverse_name(&self) -> String {
        if let Some(v4) = self.mapped_v4() {
            return v4.reverse_name();
        }
        match self.version {
            Version::V4 => {
                let octets = (self.ip as u32).to_be_bytes();
                let whole = usize::from(self.prefixlen / 8);
                let mut labels: Vec<String> = octets[..whole].iter().rev().map(u8::to_string).collect();
                if !self.prefixlen.is_multiple_of(8) {
                    let last = (self.broadcast().ip as u32).to_be_bytes()[3];
                    labels.insert(0, format!("{}-{}", octets[whole], last));
                }
                if labels.is_empty() { "in-addr.arpa.".to_owned() } else { format!("{}.in-addr.arpa.", labels.join(".")) }
            }
            Version::V6 => {
                let hex = format!("{:032x}", self.ip);
                let nibbles = usize::from(self.prefixlen / 4);
                let mut labels: Vec<String> = hex[..nibbles].chars().rev().map(String::from).collect();
                if !self.prefixlen.is_multiple_of(4) {
                    labels.insert(0, format!("{}-{:x}", &hex[nibbles..], self.broadcast().ip));
                }
                format!("{}.ip6.arpa.", labels.join("."))
            }
        }
    }

    /// IPy's `reverseNames()`: for IPv4, one name per address below 256 addresses, else one
    /// per /24, /16 or /8 block; for IPv6 one nibble name (sub-nibble prefixes are an error);
    /// IPv4-mapped addresses use the IPv4 rule.
    pub fn reverse_names(&self) -> Result<Vec<String>, IpError> {
        if let Some(v4) = self.mapped_v4() {
            return v4.reverse_names();
        }
        match self.version {
            Version::V4 => {
                let len = self.len();
                let (step, strip) = match len {
                    l if l < 1 << 8 => return Ok(self.iter().map(|a| a.reverse_name()).collect()),
                    l if l < 1 << 16 => (1u128 << 8, 1),
                    l if l < 1 << 24 => (1u128 << 16, 2),
                    _ => (1u128 << 24, 3),
                };
                let mut names = Vec::new();
                let mut offset = 0u128;
                while offset < len {
                    let name = self.single(self.ip + offset).reverse_name();
                    names.push(name.splitn(strip + 1, '.').last().unwrap_or_default().to_owned());
                    offset += step;
                }
                Ok(names)
            }
            Version::V6 => {
                if !self.prefixlen.is_multiple_of(4) {
                    return Err(IpError::SubNibble { net: self.to_string(), prefixlen: self.prefixlen });
                }
                Ok(vec![self.reverse_name()])
            }
        }
    }

    /// IPy's `strNormal(mode)`, with IPv6 compressed as `str()` does; a single address never
    /// shows a size.
    pub fn to_string_mode(&self, mode: ShowMode) -> String {
        let addr = self.addr().to_string();
        if self.is_single() {
            return addr;
        }
        match mode {
            ShowMode::Address => addr,
            ShowMode::Prefix => format!("{addr}/{}", self.prefixlen),
            ShowMode::Netmask => match self.version {
                Version::V4 => format!("{addr}/{}", self.netmask().addr()),
                // IPy prints an IPv6 netmask in full (`intToIp`), not compressed.
                Version::V6 => format!("{addr}/{}", full_v6(self.netmask().ip)),
            },
            ShowMode::Range => match self.version {
                Version::V4 => format!("{addr}-{}", self.broadcast().addr()),
                Version::V6 => format!("{addr}-{}", full_v6(self.broadcast_int())),
            },
        }
    }

    /// Whether `other` (an address or a network) lies wholly inside this network; another IP
    /// version is never contained.
    pub fn contains(&self, other: &IpNet) -> bool {
        other.version == self.version && other.ip >= self.ip && other.broadcast().ip <= self.broadcast().ip
    }

    /// IPy's `overlaps()`: 1 when `other`'s first address lies inside this network, -1 when
    /// this network's first address lies inside `other`, 0 otherwise.
    pub fn overlaps(&self, other: &IpNet) -> i8 {
        if other.version != self.version {
            return 0;
        }
        if other.ip >= self.ip && other.ip <= self.broadcast().ip {
            1
        } else if self.ip >= other.ip && self.ip <= other.broadcast().ip {
            -1
        } else {
            0
        }
    }
}

/// IPy's `intToIp` for IPv6, used after `/` and `-`: eight groups of four digits.
fn full_v6(ip: u128) -> String {
    Ipv6Addr::from(ip).segments().map(|s| format!("{s:04x}")).join(":")
}

impl IpNet {
    /// Addresses a host can use: all but network and broadcast for IPv4, except /31 (2, RFC
    /// 3021) and /32 (1); every address for IPv6.
    pub fn usable_hosts(&self) -> u128 {
        match (self.version, self.prefixlen) {
            (Version::V4, 31) => 2,
            (Version::V4, 32) => 1,
            (Version::V4, _) => self.len() - 2,
            (Version::V6, _) => self.len(),
        }
    }

    /// The subnets of length `prefix` that make up this network, in order.
    pub fn split(&self, prefix: u8) -> Result<impl Iterator<Item = IpNet> + use<>, IpError> {
        if prefix < self.prefixlen || u32::from(prefix) > self.version.bits() {
            return Err(IpError::Parse {
                input: format!("/{prefix}"),
                position: 2,
                token: prefix.to_string(),
                reason: format!("a subnet of `{self}` needs a prefix from {} to {}", self.prefixlen, self.version.bits()),
                hint: None,
            });
        }
        let (version, step_bits) = (self.version, self.version.bits() - u32::from(prefix));
        let count_bits = u32::from(prefix - self.prefixlen);
        let first = self.ip;
        let total: u128 = if count_bits >= 128 { u128::MAX } else { 1u128 << count_bits };
        Ok((0..total).map(move |i| IpNet { ip: first + if step_bits >= 128 { 0 } else { i << step_bits }, version, prefixlen: prefix }))
    }
}

/// The fewest CIDR blocks that cover exactly `first..=last`.
pub fn range_to_cidrs(first: u128, last: u128, version: Version) -> Vec<IpNet> {
    let bits = version.bits();
    let mut out = Vec::new();
    let mut cur = first;
    loop {
        // The largest block that starts at `cur` (alignment) and stays within `last`.
        let align = if cur == 0 { bits } else { cur.trailing_zeros().min(bits) };
        let block_end = |size_bits: u32| if size_bits >= 128 { Some(u128::MAX) } else { cur.checked_add((1u128 << size_bits) - 1) };
        let mut size_bits = align;
        while size_bits > 0 && block_end(size_bits).is_none_or(|end| end > last) {
            size_bits -= 1;
        }
        out.push(IpNet { ip: cur, version, prefixlen: (bits - size_bits) as u8 });
        let end = block_end(size_bits).unwrap_or(u128::MAX);
        if end >= last {
            break;
        }
        cur = end + 1;
    }
    out
}

/// Any range `first-last` (not only one prefix) as its fewest CIDR blocks; other inputs as
/// [`IpNet::parse_with`].
pub fn parse_blocks(input: &str, options: ParseOptions) -> Result<Vec<IpNet>, IpError> {
    match input.trim().split_once('-') {
        Some((a, b)) if IpNet::parse_with(input, options).is_err() => {
            let first = IpNet::parse_with(a, ParseOptions { make_net: MakeNet::Strict, ..options })?;
            let last = IpNet::parse_with(b, ParseOptions { make_net: MakeNet::Strict, ..options })?;
            if first.version != last.version || !first.is_single() || !last.is_single() || last.ip < first.ip {
                return Err(IpError::parse(input, b, "the range needs two single addresses of one IP version, the smaller first"));
            }
            Ok(range_to_cidrs(first.ip, last.ip, first.version))
        }
        _ => Ok(vec![IpNet::parse_with(input, options)?]),
    }
}

/// Aggregates networks: overlapping and adjacent blocks merge, the result is the fewest
/// CIDR blocks covering the same addresses, IPv4 before IPv6.
pub fn summarize(nets: &[IpNet]) -> Vec<IpNet> {
    let mut ranges: Vec<(Version, u128, u128)> = nets.iter().map(|n| (n.version, n.ip, n.broadcast_int())).collect();
    ranges.sort();
    let mut merged: Vec<(Version, u128, u128)> = Vec::new();
    for (v, a, b) in ranges {
        match merged.last_mut() {
            Some((lv, _, lb)) if *lv == v && (a <= *lb || a == lb.saturating_add(1)) => *lb = (*lb).max(b),
            _ => merged.push((v, a, b)),
        }
    }
    merged.into_iter().flat_map(|(v, a, b)| range_to_cidrs(a, b, v)).collect()
}

impl Ord for IpNet {
    fn cmp(&self, other: &Self) -> Ordering {
        self.version.cmp(&other.version).then(self.ip.cmp(&other.ip)).then(self.prefixlen.cmp(&other.prefixlen))
    }
}

impl PartialOrd for IpNet {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// IPy's `str()`: the prefix is shown only for networks.
impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_mode(ShowMode::Prefix))
    }
}

impl Serialize for IpNet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl std::str::FromStr for IpNet {
    type Err = IpError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IpNet::parse(s, MakeNet::Strict)
    }
}

/// The book's `om ip info` report (ipcalc style).
#[derive(Debug, Clone, Serialize)]
pub struct IpInfo {
    pub input: String,
    pub ip: IpNet,
    pub version: Version,
    pub prefixlen: u8,
    /// Only for networks (more than one address).
    pub net: Option<IpNet>,
    pub netmask: Option<IpNet>,
    pub broadcast: Option<IpNet>,
    pub reverse_names: Vec<String>,
    /// Why there are no reverse names (an IPv6 prefix off a nibble boundary).
    pub reverse_error: Option<String>,
    /// The number of addresses (the book's `subnet:`), exact, as a decimal string for IPv6.
    pub address_count: serde_json::Value,
    /// Addresses hosts can use (/31 → 2, /32 → 1, IPv6 → all).
    pub usable_hosts: serde_json::Value,
    pub int: String,
    pub hex: String,
    pub bin: String,
    pub iptype: &'static str,
}

/// Builds the info report of a parsed address or network.
pub fn info(input: &str, ip: &IpNet) -> IpInfo {
    let network = !ip.is_single();
    let (reverse_names, reverse_error) = match ip.reverse_names() {
        Ok(names) => (names, None),
        Err(err) => (Vec::new(), Some(err.to_string().lines().next().unwrap_or_default().to_owned())),
    };
    let address_count =
        if ip.version == Version::V4 { serde_json::Value::from(ip.len() as u64) } else { serde_json::Value::from(ip.len_text()) };
    IpInfo {
        input: input.to_owned(),
        ip: *ip,
        version: ip.version,
        prefixlen: ip.prefixlen,
        net: network.then(|| ip.net()),
        netmask: network.then(|| ip.netmask()),
        broadcast: network.then(|| ip.broadcast()),
        reverse_names,
        reverse_error,
        address_count,
        usable_hosts: if ip.version == Version::V4 {
            serde_json::Value::from(ip.usable_hosts() as u64)
        } else {
            serde_json::Value::from(ip.usable_hosts().to_string())
        },
        int: ip.to_dec(),
        hex: ip.to_hex(),
        bin: ip.to_bin(),
        iptype: ip.iptype(),
    }
}

/// The book's lines: for a network net/netmask/broadcast/reverse address/subnet, then
/// hexadecimal, binary ip and iptype.
pub fn render_info(info: &IpInfo) -> String {
    let mut out = String::new();
    let reverse = info.reverse_names.first().cloned().or_else(|| info.reverse_error.clone()).unwrap_or_default();
    if let (Some(net), Some(netmask), Some(broadcast)) = (info.net, info.netmask, info.broadcast) {
        out.push_str(&format!("net: {net}\nnetmask: {netmask}\nbroadcast: {broadcast}\n"));
        out.push_str(&format!("reverse address: {reverse}\n"));
        out.push_str(&format!("subnet: {}\n", info.ip.len_text()));
    } else {
        out.push_str(&format!("reverse address: {reverse}\n"));
    }
    out.push_str(&format!("hexadecimal: {}\nbinary ip: {}\niptype: {}\n", info.hex, info.bin, info.iptype));
    out
}

#[cfg(test)]
mod tests;
