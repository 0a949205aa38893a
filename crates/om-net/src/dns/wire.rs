//! The DNS wire format (RFC 1035) for the record types om needs: queries out, full messages
//! in (answer, authority and additional sections, name compression), and encoding of
//! responses for test servers.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// Record types om knows by name; others keep their number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RecordType {
    A,
    NS,
    CNAME,
    SOA,
    PTR,
    MX,
    TXT,
    AAAA,
    SRV,
    Other(u16),
}

impl RecordType {
    pub fn code(self) -> u16 {
        match self {
            RecordType::A => 1,
            RecordType::NS => 2,
            RecordType::CNAME => 5,
            RecordType::SOA => 6,
            RecordType::PTR => 12,
            RecordType::MX => 15,
            RecordType::TXT => 16,
            RecordType::AAAA => 28,
            RecordType::SRV => 33,
            RecordType::Other(n) => n,
        }
    }

    pub fn from_code(code: u16) -> Self {
        match code {
            1 => RecordType::A,
            2 => RecordType::NS,
            5 => RecordType::CNAME,
            6 => RecordType::SOA,
            12 => RecordType::PTR,
            15 => RecordType::MX,
            16 => RecordType::TXT,
            28 => RecordType::AAAA,
            33 => RecordType::SRV,
            n => RecordType::Other(n),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_uppercase().as_str() {
            "A" => RecordType::A,
            "NS" => RecordType::NS,
            "CNAME" => RecordType::CNAME,
            "SOA" => RecordType::SOA,
            "PTR" => RecordType::PTR,
            "MX" => RecordType::MX,
            "TXT" => RecordType::TXT,
            "AAAA" => RecordType::AAAA,
            "SRV" => RecordType::SRV,
            _ => return None,
        })
    }
}

impl std::fmt::Display for RecordType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordType::Other(n) => write!(f, "TYPE{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Classes: IN, CH, HS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Class {
    IN,
    CH,
    HS,
    Other(u16),
}

impl Class {
    pub fn code(self) -> u16 {
        match self {
            Class::IN => 1,
            Class::CH => 3,
            Class::HS => 4,
            Class::Other(n) => n,
        }
    }

    pub fn from_code(code: u16) -> Self {
        match code {
            1 => Class::IN,
            3 => Class::CH,
            4 => Class::HS,
            n => Class::Other(n),
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Class::Other(n) => write!(f, "CLASS{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Record data, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RData {
    A { address: Ipv4Addr },
    Aaaa { address: Ipv6Addr },
    Mx { preference: u16, exchange: String },
    Ns { target: String },
    Cname { target: String },
    Ptr { target: String },
    Soa { mname: String, rname: String, serial: u32, refresh: u32, retry: u32, expire: u32, minimum: u32 },
    Txt { strings: Vec<String> },
    Srv { priority: u16, weight: u16, port: u16, target: String },
    Other { hex: String },
}

impl RData {
    /// The presentation form used by om's text output and `--full` (zone-file style).
    pub fn to_text(&self) -> String {
        match self {
            RData::A { address } => address.to_string(),
            RData::Aaaa { address } => address.to_string(),
            RData::Mx { preference, exchange } => format!("{preference} {exchange}"),
            RData::Ns { target } | RData::Cname { target } | RData::Ptr { target } => target.clone(),
            RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => {
                format!("{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}")
            }
            RData::Txt { strings } => strings.iter().map(|s| quote(s)).collect::<Vec<_>>().join(" "),
            RData::Srv { priority, weight, port, target } => format!("{priority} {weight} {port} {target}"),
            RData::Other { hex } => format!("\\# {} {hex}", hex.len() / 2),
        }
    }
}

/// A TXT string quoted as in zone files: `"` and `\` escaped, non-printables as `\DDD`.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for b in s.bytes() {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out.push('"');
    out
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub name: String,
    pub ttl: u32,
    pub class: Class,
    #[serde(rename = "type")]
    pub rtype: RecordType,
    pub data: RData,
}

/// A decoded message.
#[derive(Debug, Clone, Default)]
pub struct Message {
    pub id: u16,
    pub flags: u16,
    pub questions: Vec<(String, u16, u16)>,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
}

impl Message {
    pub fn rcode(&self) -> u8 {
        (self.flags & 0x000f) as u8
    }

    pub fn truncated(&self) -> bool {
        self.flags & 0x0200 != 0
    }

    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
}

/// A message that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed DNS message: {0}")]
pub struct WireError(pub &'static str);

/// Writes a name as labels; names are absolute (a trailing dot is optional).
fn put_name(out: &mut Vec<u8>, name: &str) {
    for label in name.trim_end_matches('.').split('.').filter(|l| !l.is_empty()) {
        let bytes = &label.as_bytes()[..label.len().min(63)];
        out.push(bytes.len() as u8);
        out.extend_from_slice(bytes);
    }
    out.push(0);
}

/// A query for `name` with recursion desired.
pub fn encode_query(id: u16, name: &str, rtype: RecordType, class: Class) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + name.len());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&0x0100u16.to_be_bytes());
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    put_name(&mut out, name);
    out.extend_from_slice(&rtype.code().to_be_bytes());
    out.extend_from_slice(&class.code().to_be_bytes());
    out
}

fn put_record(out: &mut Vec<u8>, r: &Record) {
    put_name(out, &r.name);
    out.extend_from_slice(&r.rtype.code().to_be_bytes());
    out.extend_from_slice(&r.class.code().to_be_bytes());
    out.extend_from_slice(&r.ttl.to_be_bytes());
    let mut rdata = Vec::new();
    match &r.data {
        RData::A { address } => rdata.extend_from_slice(&address.octets()),
        RData::Aaaa { address } => rdata.extend_from_slice(&address.octets()),
        RData::Mx { preference, exchange } => {
            rdata.extend_from_slice(&preference.to_be_bytes());
            put_name(&mut rdata, exchange);
        }
        RData::Ns { target } | RData::Cname { target } | RData::Ptr { target } => put_name(&mut rdata, target),
        RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => {
            put_name(&mut rdata, mname);
            put_name(&mut rdata, rname);
            for v in [serial, refresh, retry, expire, minimum] {
                rdata.extend_from_slice(&v.to_be_bytes());
            }
        }
        RData::Txt { strings } => {
            for s in strings {
                let b = &s.as_bytes()[..s.len().min(255)];
                rdata.push(b.len() as u8);
                rdata.extend_from_slice(b);
            }
        }
        RData::Srv { priority, weight, port, target } => {
            for v in [priority, weight, port] {
                rdata.extend_from_slice(&v.to_be_bytes());
            }
            put_name(&mut rdata, target);
        }
        RData::Other { hex } => {
            rdata.extend((0..hex.len() / 2).filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()));
        }
    }
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(&rdata);
}

/// Encodes a response (for test servers): no compression, so records are easy to check.
pub fn encode_response(m: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&m.id.to_be_bytes());
    out.extend_from_slice(&m.flags.to_be_bytes());
    for n in [m.questions.len(), m.answers.len(), m.authority.len(), m.additional.len()] {
        out.extend_from_slice(&(n as u16).to_be_bytes());
    }
    for (name, t, c) in &m.questions {
        put_name(&mut out, name);
        out.extend_from_slice(&t.to_be_bytes());
        out.extend_from_slice(&c.to_be_bytes());
    }
    for r in m.answers.iter().chain(&m.authority).chain(&m.additional) {
        put_record(&mut out, r);
    }
    out
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, WireError> {
        let v = *self.buf.get(self.pos).ok_or(WireError("truncated"))?;
        self.pos += 1;
        Ok(v)
    }

    fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes([self.u8()?, self.u8()?]))
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes([self.u8()?, self.u8()?, self.u8()?, self.u8()?]))
    }

    fn bytes(&mut self, n: usize) -> Result<&[u8], WireError> {
        let end = self.pos.checked_add(n).ok_or(WireError("length overflow"))?;
        let b = self.buf.get(self.pos..end).ok_or(WireError("truncated"))?;
        self.pos = end;
        Ok(b)
    }

    /// A name with compression pointers, as `a.b.` (root is `.`).
    fn name(&mut self) -> Result<String, WireError> {
        let mut labels: Vec<String> = Vec::new();
        let mut pos = self.pos;
        let mut jumped = false;
        let mut hops = 0;
        loop {
            let len = *self.buf.get(pos).ok_or(WireError("truncated name"))?;
            match len {
                0 => {
                    pos += 1;
                    break;
                }
                l if l & 0xc0 == 0xc0 => {
                    let low = *self.buf.get(pos + 1).ok_or(WireError("truncated pointer"))?;
                    if !jumped {
                        self.pos = pos + 2;
                    }
                    jumped = true;
                    hops += 1;
                    if hops > 64 {
                        return Err(WireError("compression loop"));
                    }
                    pos = (usize::from(l & 0x3f) << 8) | usize::from(low);
                }
                l if l & 0xc0 != 0 => return Err(WireError("bad label type")),
                l => {
                    let start = pos + 1;
                    let label = self.buf.get(start..start + usize::from(l)).ok_or(WireError("truncated label"))?;
                    labels.push(label.iter().map(|&b| if b == b'.' { "\\.".to_owned() } else { (b as char).to_string() }).collect());
                    pos = start + usize::from(l);
                }
            }
        }
        if !jumped {
            self.pos = pos;
        }
        Ok(if labels.is_empty() { ".".to_owned() } else { format!("{}.", labels.join(".")) })
    }

    fn record(&mut self) -> Result<Record, WireError> {
        let name = self.name()?;
        let rtype = RecordType::from_code(self.u16()?);
        let class = Class::from_code(self.u16()?);
        let ttl = self.u32()?;
        let len = usize::from(self.u16()?);
        let end = self.pos + len;
        if end > self.buf.len() {
            return Err(WireError("truncated rdata"));
        }
        let data = match rtype {
            RecordType::A if len == 4 => {
                let b = self.bytes(4)?;
                RData::A { address: Ipv4Addr::new(b[0], b[1], b[2], b[3]) }
            }
            RecordType::AAAA if len == 16 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(self.bytes(16)?);
                RData::Aaaa { address: Ipv6Addr::from(a) }
            }
            RecordType::MX => RData::Mx { preference: self.u16()?, exchange: self.name()? },
            RecordType::NS => RData::Ns { target: self.name()? },
            RecordType::CNAME => RData::Cname { target: self.name()? },
            RecordType::PTR => RData::Ptr { target: self.name()? },
            RecordType::SOA => RData::Soa {
                mname: self.name()?,
                rname: self.name()?,
                serial: self.u32()?,
                refresh: self.u32()?,
                retry: self.u32()?,
                expire: self.u32()?,
                minimum: self.u32()?,
            },
            RecordType::TXT => {
                let mut strings = Vec::new();
                while self.pos < end {
                    let n = usize::from(self.u8()?);
                    strings.push(String::from_utf8_lossy(self.bytes(n)?).into_owned());
                }
                RData::Txt { strings }
            }
            RecordType::SRV => RData::Srv { priority: self.u16()?, weight: self.u16()?, port: self.u16()?, target: self.name()? },
            _ => RData::Other { hex: self.bytes(len)?.iter().map(|b| format!("{b:02x}")).collect() },
        };
        if self.pos != end {
            return Err(WireError("rdata length mismatch"));
        }
        Ok(Record { name, ttl, class, rtype, data })
    }
}

/// Decodes a whole message.
pub fn decode(buf: &[u8]) -> Result<Message, WireError> {
    let mut r = Reader { buf, pos: 0 };
    let id = r.u16()?;
    let flags = r.u16()?;
    let (qd, an, ns, ar) = (r.u16()?, r.u16()?, r.u16()?, r.u16()?);
    let mut m = Message { id, flags, ..Default::default() };
    for _ in 0..qd {
        let name = r.name()?;
        m.questions.push((name, r.u16()?, r.u16()?));
    }
    for _ in 0..an {
        m.answers.push(r.record()?);
    }
    for _ in 0..ns {
        m.authority.push(r.record()?);
    }
    // Additional records (OPT and glue) are kept when they decode; a bad one is not fatal.
    for _ in 0..ar {
        match r.record() {
            Ok(rec) => m.additional.push(rec),
            Err(_) => break,
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_the_wire() {
        let rec = |rtype, data| Record { name: "example.test.".into(), ttl: 300, class: Class::IN, rtype, data };
        let m = Message {
            id: 7,
            flags: 0x8180,
            questions: vec![("example.test.".into(), 15, 1)],
            answers: vec![
                rec(RecordType::MX, RData::Mx { preference: 10, exchange: "mx1.example.test.".into() }),
                rec(RecordType::TXT, RData::Txt { strings: vec!["v=spf1 -all".into(), "a\"b".into()] }),
                rec(RecordType::SRV, RData::Srv { priority: 1, weight: 2, port: 443, target: "web.example.test.".into() }),
            ],
            ..Default::default()
        };
        let back = decode(&encode_response(&m)).unwrap();
        assert_eq!(back.answers, m.answers);
        assert_eq!(back.answers[1].data.to_text(), r#""v=spf1 -all" "a\"b""#);
    }

    #[test]
    fn compression_pointers_are_followed_and_loops_rejected() {
        let mut q = encode_query(1, "a.test", RecordType::A, Class::IN);
        q[2] |= 0x80;
        q[7] = 1; // one answer
        q.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
        let m = decode(&q).unwrap();
        assert_eq!(m.answers[0].name, "a.test.");
        let mut bad = q.clone();
        let at = bad.len() - 16;
        bad[at + 1] = at as u8;
        assert!(decode(&bad).is_err());
    }
}
