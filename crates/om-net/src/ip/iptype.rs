//! IPy's address-type tables (`IPv4ranges`, `IPv6ranges` of IPy 1.2), copied verbatim as bit
//! prefixes; the longest matching prefix names the type.

/// IPv4: the prefix bits and the type IPy names.
pub(super) const V4: &[(&str, &str)] = &[
    ("0", "PUBLIC"),
    ("00000000", "PRIVATE"),
    ("00001010", "PRIVATE"),
    ("0110010001", "CARRIER_GRADE_NAT"),
    ("01111111", "LOOPBACK"),
    ("1", "PUBLIC"),
    ("1010100111111110", "PRIVATE"),
    ("101011000001", "PRIVATE"),
    ("1100000010101000", "PRIVATE"),
    ("111", "RESERVED"),
];

/// IPv6, as IPy 1.2 ships it ("out of sync with reality", as IPy itself says).
pub(super) const V6: &[(&str, &str)] = &[
    ("00000000", "RESERVED"),
    ("0{96}", "RESERVED"),
    ("0{128}", "UNSPECIFIED"),
    ("0{127}1", "LOOPBACK"),
    ("0{80}1{16}", "IPV4MAP"),
    ("00000000011001001111111110011011 0{64}", "WKP46TRANS"),
    ("00000001", "UNASSIGNED"),
    ("0000001", "RESERVED"),
    ("0000010", "RESERVED"),
    ("0000011", "RESERVED"),
    ("00001", "RESERVED"),
    ("0001", "RESERVED"),
    ("001", "GLOBAL-UNICAST"),
    ("00100000000000010000000", "SPECIALPURPOSE"),
    ("00100000000000010000000000000000", "TEREDO"),
    ("00100000000000010000000000000010 0{16}", "BMWG"),
    ("0010000000000001000000000001", "ORCHID"),
    ("00100000000000010000001", "ALLOCATED APNIC"),
    ("00100000000000010000010", "ALLOCATED ARIN"),
    ("00100000000000010000011", "ALLOCATED RIPE NCC"),
    ("00100000000000010000100", "ALLOCATED RIPE NCC"),
    ("00100000000000010000101", "ALLOCATED RIPE NCC"),
    ("00100000000000010000110", "ALLOCATED APNIC"),
    ("00100000000000010000110110111000", "DOCUMENTATION"),
    ("00100000000000010000111", "ALLOCATED APNIC"),
    ("00100000000000010001001", "ALLOCATED LACNIC"),
    ("00100000000000010001010", "ALLOCATED RIPE NCC"),
    ("00100000000000010001011", "ALLOCATED RIPE NCC"),
    ("00100000000000010001100", "ALLOCATED ARIN"),
    ("00100000000000010001101", "ALLOCATED RIPE NCC"),
    ("0010000000000001000111", "ALLOCATED RIPE NCC"),
    ("00100000000000010010", "ALLOCATED RIPE NCC"),
    ("001000000000000100110", "ALLOCATED RIPE NCC"),
    ("0010000000000001001110", "ALLOCATED RIPE NCC"),
    ("0010000000000001001111", "RESERVED"),
    ("00100000000000010100000", "ALLOCATED RIPE NCC"),
    ("00100000000000010100001", "ALLOCATED AFRINIC"),
    ("00100000000000010100010", "ALLOCATED APNIC"),
    ("00100000000000010100011", "ALLOCATED RIPE NCC"),
    ("00100000000000010100100", "ALLOCATED ARIN"),
    ("00100000000000010100101", "ALLOCATED RIPE NCC"),
    ("00100000000000010100110", "ALLOCATED RIPE NCC"),
    ("00100000000000010101", "ALLOCATED RIPE NCC"),
    ("0010000000000001100", "ALLOCATED APNIC"),
    ("00100000000000011010", "ALLOCATED APNIC"),
    ("00100000000000011011", "ALLOCATED APNIC"),
    ("0010000000000010", "6TO4"),
    ("001000000000001100", "ALLOCATED RIPE NCC"),
    ("001001000000", "ALLOCATED APNIC"),
    ("001001100000", "ALLOCATED ARIN"),
    ("00100110000100000000000", "ALLOCATED ARIN"),
    ("00100110001000000000000", "ALLOCATED ARIN"),
    ("001010000000", "ALLOCATED LACNIC"),
    ("001010100000", "ALLOCATED RIPE NCC"),
    ("001011000000", "ALLOCATED AFRINIC"),
    ("00101101", "RESERVED"),
    ("0010111", "RESERVED"),
    ("0011", "RESERVED"),
    ("010", "RESERVED"),
    ("011", "RESERVED"),
    ("100", "RESERVED"),
    ("101", "RESERVED"),
    ("110", "RESERVED"),
    ("1110", "RESERVED"),
    ("11110", "RESERVED"),
    ("111110", "RESERVED"),
    ("1111110", "ULA"),
    ("111111100", "RESERVED"),
    ("1111111010", "LINKLOCAL"),
    ("1111111011", "RESERVED"),
    ("11111111", "MULTICAST"),
    ("1111111100000001", "NODE-LOCAL MULTICAST"),
    ("1111111100000010", "LINK-LOCAL MULTICAST"),
    ("1111111100000100", "ADMIN-LOCAL MULTICAST"),
    ("1111111100000101", "SITE-LOCAL MULTICAST"),
    ("1111111100001000", "ORG-LOCAL MULTICAST"),
    ("1111111100001110", "GLOBAL MULTICAST"),
    ("1111111100001111", "RESERVED MULTICAST"),
    ("111111110011", "PREFIX-BASED MULTICAST"),
    ("111111110111", "RP-EMBEDDED MULTICAST"),
];

/// Expands the table's shorthand (`0{96}`, spaces between parts) into plain bit strings.
fn expand(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' => {}
            '0' | '1' if chars.peek() == Some(&'{') => {
                chars.next();
                let count: String = chars.by_ref().take_while(|&d| d != '}').collect();
                let n: usize = count.parse().unwrap_or(0);
                out.extend(std::iter::repeat_n(c, n));
            }
            _ => out.push(c),
        }
    }
    out
}

/// A table entry compiled to a prefix value and length.
struct Entry {
    len: u32,
    value: u128,
    name: &'static str,
}

fn compile(table: &[(&str, &'static str)]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = table
        .iter()
        .map(|(pattern, name)| {
            let bits = expand(pattern);
            let value = bits.chars().fold(0u128, |acc, c| (acc << 1) | u128::from(c == '1'));
            Entry { len: bits.len() as u32, value, name }
        })
        .collect();
    // Longest prefix first, so the first match wins.
    entries.sort_by_key(|e| std::cmp::Reverse(e.len));
    entries
}

static V4_TABLE: std::sync::LazyLock<Vec<Entry>> = std::sync::LazyLock::new(|| compile(V4));
static V6_TABLE: std::sync::LazyLock<Vec<Entry>> = std::sync::LazyLock::new(|| compile(V6));

/// IPy's type of the address `addr` of `width` bits (32 or 128), by longest prefix.
pub(super) fn lookup(addr: u128, width: u32) -> &'static str {
    let table = if width == 32 { &*V4_TABLE } else { &*V6_TABLE };
    for entry in table {
        let top = if entry.len == 0 { 0 } else { addr >> (width - entry.len) };
        if top == entry.value {
            return entry.name;
        }
    }
    "unknown"
}
