//! DNS queries that replace nslookup/dig in scripts ([`query`]) and the round-robin health
//! check that probes every address behind a name ([`rr_check`]).
//!
//! A stub client over UDP (TCP when truncated or asked), on the wire format of [`wire`], with
//! servers given explicitly or read from `/etc/resolv.conf`; nothing is cached.

pub mod rr_check;
pub mod wire;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use wire::{Class, RData, Record, RecordType};

/// What to ask and whom.
#[derive(Debug, Clone)]
pub struct QueryOptions {
    pub name: String,
    pub rtype: RecordType,
    pub class: Class,
    /// Tried in order; empty means the nameservers of `/etc/resolv.conf`.
    pub servers: Vec<SocketAddr>,
    /// Force TCP (UDP otherwise, with a TCP retry for a truncated answer).
    pub tcp: bool,
    pub source: Option<IpAddr>,
    pub source_port: Option<u16>,
    /// Per try (default 2 s).
    pub timeout: Duration,
    /// For the whole query across servers and tries (default 5 s).
    pub lifetime: Duration,
    /// Tries per server.
    pub attempts: u32,
}

impl QueryOptions {
    pub fn new(name: impl Into<String>, rtype: RecordType) -> Self {
        QueryOptions {
            name: name.into(),
            rtype,
            class: Class::IN,
            servers: Vec::new(),
            tcp: false,
            source: None,
            source_port: None,
            timeout: Duration::from_secs(2),
            lifetime: Duration::from_secs(5),
            attempts: 2,
        }
    }
}

/// How the query ended, when a server answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Records of the asked type for the (final) name.
    Answer,
    /// The name exists but has no records of that type.
    NoAnswer,
    /// The name does not exist.
    NxDomain,
}

/// A server's answer, with the records that matter picked out.
#[derive(Debug, Clone, Serialize)]
pub struct QueryReport {
    pub qname: String,
    pub qtype: RecordType,
    pub qclass: Class,
    pub server: SocketAddr,
    pub transport: &'static str,
    pub rcode: &'static str,
    pub status: Status,
    pub latency_us: u64,
    /// The answer section in answer order.
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
    /// The end of the CNAME chain, whose records count.
    pub final_name: String,
    /// The zone that encloses a name without records, from the SOA in the authority section.
    pub zone: Option<String>,
}

impl QueryReport {
    /// Records of the asked type owned by the final name of the CNAME chain, in answer order.
    pub fn selected(&self) -> Vec<&Record> {
        self.answers.iter().filter(|r| r.rtype == self.qtype && r.name.eq_ignore_ascii_case(&self.final_name)).collect()
    }
}

/// A query that got no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    #[error(
        "`{name}`: no answer from {server} after {attempt} attempt(s) (timeout {timeout_ms} ms)\n  hint: check the server address, or raise --timeout/--lifetime"
    )]
    Timeout { name: String, server: String, attempt: u32, timeout_ms: u64 },
    #[error("`{name}`: {server} answered {rcode} (attempt {attempt})")]
    Rcode { name: String, server: SocketAddr, rcode: &'static str, attempt: u32 },
    #[error("`{name}`: {server}: {source}")]
    Io { name: String, server: SocketAddr, source: std::io::Error },
    #[error("`{name}`: {server} sent a malformed answer: {source}")]
    Malformed { name: String, server: SocketAddr, source: wire::WireError },
    #[error("no nameserver to ask: /etc/resolv.conf has none\n  hint: pass --server IP[:PORT]")]
    NoServer,
    #[error("`{text}`: not a server address\n  hint: give IP or IP:PORT, e.g. 127.0.0.1:5353 or [::1]:53")]
    BadServer { text: String },
}

/// nmap-style names for response codes.
pub fn rcode_name(rcode: u8) -> &'static str {
    match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => "RCODE?",
    }
}

/// `IP`, `IP:PORT`, `[v6]:PORT`, port 53 by default.
pub fn parse_server(text: &str) -> Result<SocketAddr, DnsError> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.trim_matches(|c| c == '[' || c == ']')
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| DnsError::BadServer { text: text.to_owned() })
}

/// The resolver settings of `/etc/resolv.conf`: nameservers, timeout and attempts.
#[derive(Debug, Clone, Default)]
pub struct ResolvConf {
    pub servers: Vec<SocketAddr>,
    pub timeout: Option<Duration>,
    pub attempts: Option<u32>,
}

impl ResolvConf {
    pub fn parse(text: &str) -> Self {
        let mut conf = ResolvConf::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("nameserver") => {
                    if let Some(Ok(ip)) = words.next().map(str::parse::<IpAddr>) {
                        conf.servers.push(SocketAddr::new(ip, 53));
                    }
                }
                Some("options") => {
                    for opt in words {
                        if let Some(v) = opt.strip_prefix("timeout:").and_then(|v| v.parse().ok()) {
                            conf.timeout = Some(Duration::from_secs(v));
                        }
                        if let Some(v) = opt.strip_prefix("attempts:").and_then(|v| v.parse().ok()) {
                            conf.attempts = Some(v);
                        }
                    }
                }
                _ => {}
            }
        }
        conf
    }

    pub fn system() -> Self {
        Self::parse(&std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default())
    }
}

/// The reverse name of an address (`1.2.0.192.in-addr.arpa.`, nibbles for IPv6).
pub fn reverse_name(addr: IpAddr) -> String {
    crate::ip::IpNet::from_addr(addr).reverse_name()
}

fn query_id() -> u16 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    (nanos ^ (nanos >> 16) ^ std::process::id()) as u16
}

async fn exchange_udp(
    options: &QueryOptions,
    server: SocketAddr,
    packet: &[u8],
    id: u16,
    timeout: Duration,
) -> std::io::Result<Option<Vec<u8>>> {
    let local = SocketAddr::new(
        options.source.unwrap_or(if server.is_ipv4() { IpAddr::from([0, 0, 0, 0]) } else { IpAddr::from([0u16; 8]) }),
        options.source_port.unwrap_or(0),
    );
    let socket = tokio::net::UdpSocket::bind(local).await?;
    socket.connect(server).await?;
    socket.send(packet).await?;
    let mut buf = vec![0u8; 65535];
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
            Err(_) => return Ok(None),
            Ok(Err(err)) => return Err(err),
            // An answer to another query (a late one) is skipped.
            Ok(Ok(n)) if n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id => return Ok(Some(buf[..n].to_vec())),
            Ok(Ok(_)) => {}
        }
    }
}

async fn exchange_tcp(options: &QueryOptions, server: SocketAddr, packet: &[u8], timeout: Duration) -> std::io::Result<Option<Vec<u8>>> {
    let io = async {
        let socket = if server.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        if options.source.is_some() || options.source_port.is_some() {
            let ip = options.source.unwrap_or(if server.is_ipv4() { IpAddr::from([0, 0, 0, 0]) } else { IpAddr::from([0u16; 8]) });
            socket.bind(SocketAddr::new(ip, options.source_port.unwrap_or(0)))?;
        }
        let mut stream = socket.connect(server).await?;
        let mut framed = (packet.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(packet);
        stream.write_all(&framed).await?;
        let len = stream.read_u16().await?;
        let mut buf = vec![0u8; usize::from(len)];
        stream.read_exact(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    match tokio::time::timeout(timeout, io).await {
        Err(_) => Ok(None),
        Ok(r) => r.map(Some),
    }
}

/// Asks the servers in order until one answers (NOERROR or NXDOMAIN); SERVFAIL, REFUSED and
/// silence move on to the next try, within the lifetime.
pub async fn query(options: &QueryOptions) -> Result<QueryReport, DnsError> {
    let conf;
    let servers = if options.servers.is_empty() {
        conf = ResolvConf::system();
        &conf.servers
    } else {
        &options.servers
    };
    if servers.is_empty() {
        return Err(DnsError::NoServer);
    }
    let name = if options.name.ends_with('.') { options.name.clone() } else { format!("{}.", options.name) };
    let started = Instant::now();
    let mut last: Option<DnsError> = None;
    for attempt in 1..=options.attempts.max(1) {
        for &server in servers {
            let left = options.lifetime.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            let timeout = options.timeout.min(left);
            let id = query_id();
            let packet = wire::encode_query(id, &name, options.rtype, options.class);
            let t0 = Instant::now();
            let mut transport = if options.tcp { "tcp" } else { "udp" };
            let mut raw = if options.tcp {
                exchange_tcp(options, server, &packet, timeout).await
            } else {
                exchange_udp(options, server, &packet, id, timeout).await
            };
            if let Ok(Some(bytes)) = &raw
                && !options.tcp
                && wire::decode(bytes).is_ok_and(|m| m.truncated())
            {
                transport = "tcp";
                raw = exchange_tcp(options, server, &packet, options.timeout.min(options.lifetime.saturating_sub(started.elapsed()))).await;
            }
            let latency_us = t0.elapsed().as_micros() as u64;
            let bytes = match raw {
                Ok(Some(bytes)) => bytes,
                Ok(None) => {
                    last = Some(DnsError::Timeout {
                        name: name.clone(),
                        server: server.to_string(),
                        attempt,
                        timeout_ms: timeout.as_millis() as u64,
                    });
                    continue;
                }
                Err(source) => {
                    last = Some(DnsError::Io { name: name.clone(), server, source });
                    continue;
                }
            };
            let message = match wire::decode(&bytes) {
                Ok(m) => m,
                Err(source) => {
                    last = Some(DnsError::Malformed { name: name.clone(), server, source });
                    continue;
                }
            };
            let rcode = message.rcode();
            if rcode != 0 && rcode != 3 {
                last = Some(DnsError::Rcode { name: name.clone(), server, rcode: rcode_name(rcode), attempt });
                continue;
            }
            return Ok(report(options, &name, server, transport, latency_us, message));
        }
    }
    Err(last.unwrap_or(DnsError::Timeout {
        name,
        server: servers.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
        attempt: 0,
        timeout_ms: options.timeout.as_millis() as u64,
    }))
}

fn report(
    options: &QueryOptions,
    name: &str,
    server: SocketAddr,
    transport: &'static str,
    latency_us: u64,
    m: wire::Message,
) -> QueryReport {
    // Follow the CNAME chain inside the answer (bounded, in case of a loop).
    let mut final_name = name.to_owned();
    if options.rtype != RecordType::CNAME {
        for _ in 0..16 {
            let next = m.answers.iter().find_map(|r| match &r.data {
                RData::Cname { target } if r.name.eq_ignore_ascii_case(&final_name) => Some(target.clone()),
                _ => None,
            });
            match next {
                Some(t) => final_name = t,
                None => break,
            }
        }
    }
    let has = m.answers.iter().any(|r| r.rtype == options.rtype && r.name.eq_ignore_ascii_case(&final_name));
    let status = match (m.rcode(), has) {
        (3, _) => Status::NxDomain,
        (_, true) => Status::Answer,
        _ => Status::NoAnswer,
    };
    let zone = m.authority.iter().find(|r| r.rtype == RecordType::SOA).map(|r| r.name.clone());
    QueryReport {
        qname: name.to_owned(),
        qtype: options.rtype,
        qclass: options.class,
        server,
        transport,
        rcode: rcode_name(m.rcode()),
        status,
        latency_us,
        answers: m.answers,
        authority: m.authority,
        final_name,
        zone,
    }
}

/// One line per record: the book's formats (`MX preference = 10 mail exchanger = mx1.…`),
/// or dig-style `name ttl class type rdata` with `full`.
pub fn render_query(report: &QueryReport, full: bool) -> String {
    let mut out = String::new();
    match report.status {
        Status::NxDomain => out.push_str(&format!("nxdomain: {} does not exist (server {})\n", report.qname, report.server)),
        Status::NoAnswer => {
            out.push_str(&format!("no answer: {} has no {} records\n", report.qname, report.qtype));
            if let Some(zone) = &report.zone
                && !zone.eq_ignore_ascii_case(&report.qname)
            {
                out.push_str(&format!("  the enclosing zone is {zone} (use --zone to print its NS set)\n"));
            }
        }
        Status::Answer if full => {
            for r in &report.answers {
                out.push_str(&format!("{}\t{}\t{}\t{}\t{}\n", r.name, r.ttl, r.class, r.rtype, r.data.to_text()));
            }
        }
        Status::Answer => {
            for r in report.selected() {
                let line = match &r.data {
                    RData::Mx { preference, exchange } => format!("MX preference = {preference} mail exchanger = {exchange}"),
                    other => other.to_text(),
                };
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}
