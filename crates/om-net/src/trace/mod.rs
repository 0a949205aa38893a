//! TCP SYN (and ICMP echo, UDP) traceroute: Paris-style stable flows, probes matched by
//! sequence number, paced by a global rate, retried in rounds, with a scapy-style hop table
//! and a route graph ([`graph`]) in DOT or native SVG. IPv6 targets are traced with TCP SYNs
//! (hop limit per probe; ICMPv6 time exceeded is reported as code `11`, destination
//! unreachable as `3`, so the table reads the same for both families).
//!
//! [`trace`] needs raw sockets (`CAP_NET_RAW`); without them it stops with [`TraceError`]
//! naming the fix.

pub mod graph;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use socket2::{Domain, Protocol, Socket, Type};

use crate::packet;
use crate::resolve::Resolver;

/// The probe protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Icmp,
    /// UDP datagrams to a (closed) port: routers answer 11, the destination 3 (port
    /// unreachable). The TTL rides in the datagram's length, so the 5-tuple stays fixed.
    Udp,
}

/// What to trace.
#[derive(Debug, Clone)]
pub struct TraceOptions {
    pub targets: Vec<String>,
    pub ports: Vec<u16>,
    pub proto: Proto,
    pub min_ttl: u8,
    pub max_ttl: u8,
    /// Per-hop wait after a round's last probe.
    pub timeout: Duration,
    /// N > 0: resend unanswered probes N times; N < 0: until |N| rounds bring nothing new.
    pub retry: i32,
    /// One source port for every flow's base (flow i uses sport + i); `None` = random.
    pub sport: Option<u16>,
    /// Probes per second across the whole trace.
    pub rate: f64,
    pub resolver: Resolver,
}

impl TraceOptions {
    pub fn new(targets: Vec<String>) -> Self {
        TraceOptions {
            targets,
            ports: vec![80],
            proto: Proto::Tcp,
            min_ttl: 1,
            max_ttl: 30,
            timeout: Duration::from_secs(2),
            retry: -2,
            sport: None,
            rate: 100.0,
            resolver: Resolver::default(),
        }
    }
}

/// One TTL of one flow.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub ttl: u8,
    pub responder: Option<IpAddr>,
    /// `11` time exceeded (a router), `3` destination unreachable, `SA` SYN-ACK (open),
    /// `RA` RST-ACK (closed), `0` echo reply, `-` no reply.
    pub code: String,
    pub icmp_code: Option<u8>,
    pub rtt_us: Option<u64>,
}

/// How a flow ended at its destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    Open,
    Closed,
    Reached,
    Unanswered,
}

/// One (target, port) path.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    pub target: String,
    pub address: IpAddr,
    pub port: u16,
    pub proto: Proto,
    pub sport: u16,
    pub hops: Vec<Hop>,
    /// The TTL at which the destination answered.
    pub reached_ttl: Option<u8>,
    pub end: End,
}

impl Flow {
    /// The column name scapy uses: `TARGET:tcpPORT`.
    pub fn label(&self) -> String {
        match self.proto {
            Proto::Tcp => format!("{}:tcp{}", self.address, self.port),
            Proto::Udp => format!("{}:udp{}", self.address, self.port),
            Proto::Icmp => format!("{}:icmp", self.address),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceReport {
    pub flows: Vec<Flow>,
    pub unresolved: Vec<(String, String)>,
    pub probes_sent: u64,
    pub rounds: u32,
    pub elapsed_s: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error(
        "traceroute needs raw sockets: {0}\n  hint: run as root, `setcap cap_net_raw+ep` on the om binary, or run it through an om-agent granted CAP_NET_RAW"
    )]
    NoRawSocket(std::io::Error),
    #[error("no targets could be resolved")]
    NoTargets,
    #[error("`{0}`: IPv6 targets are traced with TCP only today (--proto tcp)")]
    Ipv6(String),
    #[error("TTL range {min}-{max} is empty or above 255")]
    TtlRange { min: u8, max: u8 },
}

fn source_for(dst: IpAddr) -> IpAddr {
    packet::source_for(dst).unwrap_or(match dst {
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
    })
}

/// Encodes (flow, ttl, attempt) in a sequence number / echo sequence.
fn seq_of(flow: usize, ttl: u8, attempt: u8) -> u32 {
    ((flow as u32 & 0xffff) << 16) | (u32::from(ttl) << 8) | u32::from(attempt)
}

fn decode_seq(seq: u32) -> (usize, u8) {
    ((seq >> 16) as usize, (seq >> 8) as u8)
}

struct Answer {
    responder: IpAddr,
    code: String,
    icmp_code: Option<u8>,
    at: Instant,
}

/// Runs the trace (blocking work on a blocking thread).
pub async fn trace(options: &TraceOptions) -> Result<TraceReport, TraceError> {
    if options.min_ttl == 0 || options.min_ttl > options.max_ttl {
        return Err(TraceError::TtlRange { min: options.min_ttl, max: options.max_ttl });
    }
    let mut resolved = Vec::new();
    let mut unresolved = Vec::new();
    for t in &options.targets {
        match options.resolver.lookup(t).await {
            // An IPv4 address when the name has one, else its first IPv6 address.
            Ok(addrs) => match addrs.iter().find(|a| a.is_ipv4()).or(addrs.first()) {
                Some(a) if a.is_ipv6() && options.proto != Proto::Tcp => return Err(TraceError::Ipv6(t.clone())),
                Some(a) => resolved.push((t.clone(), *a)),
                None => unresolved.push((t.clone(), "no address".to_owned())),
            },
            Err(e) => unresolved.push((t.clone(), e.to_string())),
        }
    }
    if resolved.is_empty() {
        return Err(TraceError::NoTargets);
    }
    let options = options.clone();
    tokio::task::spawn_blocking(move || run(&options, resolved, unresolved))
        .await
        .map_err(|e| TraceError::NoRawSocket(std::io::Error::other(e)))?
}

fn run(options: &TraceOptions, targets: Vec<(String, IpAddr)>, unresolved: Vec<(String, String)>) -> Result<TraceReport, TraceError> {
    let started = Instant::now();
    let send_proto = match options.proto {
        Proto::Tcp => Protocol::TCP,
        Proto::Icmp => Protocol::ICMPV4,
        Proto::Udp => Protocol::UDP,
    };
    // Per family [IPv4, IPv6]: a sending socket, and readers for ICMP and TCP answers.
    let mut send: [Option<Socket>; 2] = [None, None];
    let mut receivers = Vec::new();
    for v6 in [false, true] {
        if !targets.iter().any(|(_, a)| a.is_ipv6() == v6) {
            continue;
        }
        let (domain, icmp) = if v6 { (Domain::IPV6, Protocol::ICMPV6) } else { (Domain::IPV4, Protocol::ICMPV4) };
        send[usize::from(v6)] = Some(Socket::new(domain, Type::RAW, Some(send_proto)).map_err(TraceError::NoRawSocket)?);
        receivers.push((Socket::new(domain, Type::RAW, Some(icmp)).map_err(TraceError::NoRawSocket)?, true, v6));
        receivers.push((Socket::new(domain, Type::RAW, Some(Protocol::TCP)).map_err(TraceError::NoRawSocket)?, false, v6));
    }
    let base_sport = options.sport.unwrap_or_else(|| 33000 + (std::process::id() % 20000) as u16);
    let ports: Vec<u16> = if options.proto == Proto::Icmp { vec![0] } else { options.ports.clone() };
    // Flows: (target, port), each with its own stable source port (Paris traceroute).
    let flows: Vec<(String, IpAddr, u16, u16)> = targets
        .iter()
        .flat_map(|(name, addr)| ports.iter().map(move |p| (name.clone(), *addr, *p)))
        .enumerate()
        .map(|(i, (n, a, p))| (n, a, p, base_sport.wrapping_add(i as u16)))
        .collect();
    let ident = (std::process::id() & 0xffff) as u16;
    let answers: Arc<Mutex<HashMap<(usize, u8), Answer>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let flow_index: Arc<HashMap<(IpAddr, u16, u16), usize>> =
        Arc::new(flows.iter().enumerate().map(|(i, (_, a, p, s))| ((*a, *p, *s), i)).collect());

    let mut readers = Vec::new();
    for (socket, is_icmp, v6) in receivers {
        let (answers, done, flow_index, proto) = (answers.clone(), done.clone(), flow_index.clone(), options.proto);
        let socket: std::net::UdpSocket = socket.into();
        let _ = socket.set_read_timeout(Some(Duration::from_millis(20)));
        readers.push(std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !done.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
                let at = Instant::now();
                // IPv4 raw sockets hand over the IP header; IPv6 ones the payload alone.
                let (src, body) = if v6 {
                    (from.ip(), &buf[..n])
                } else {
                    let Some(ip) = packet::parse_ipv4(&buf[..n]) else { continue };
                    (IpAddr::V4(ip.src), &buf[ip.header_len..n])
                };
                let found: Option<((usize, u8), &str, Option<u8>)> = if is_icmp {
                    if v6 { icmpv6_match(body, &flow_index) } else { icmp_match(body, proto, ident, &flow_index, src) }
                } else if proto == Proto::Tcp && body.len() >= 20 {
                    let (sp, dp) = (u16::from_be_bytes([body[0], body[1]]), u16::from_be_bytes([body[2], body[3]]));
                    let ack = u32::from_be_bytes([body[8], body[9], body[10], body[11]]);
                    let flags = body[13];
                    flow_index.get(&(src, sp, dp)).and_then(|&f| {
                        let (flow, ttl) = decode_seq(ack.wrapping_sub(1));
                        let code = match flags & 0x16 {
                            0x12 => "SA",
                            x if x & 0x04 != 0 => "RA",
                            _ => return None,
                        };
                        (flow == f).then_some(((flow, ttl), code, None))
                    })
                } else {
                    None
                };
                if let Some((key, code, icmp_code)) = found
                    && let Ok(mut a) = answers.lock()
                {
                    a.entry(key).or_insert(Answer { responder: src, code: code.to_owned(), icmp_code, at });
                }
            }
        }));
    }

    let sources: Vec<IpAddr> = flows.iter().map(|(_, dst, _, _)| source_for(*dst)).collect();
    let sent_at: Mutex<HashMap<(usize, u8), Instant>> = Mutex::default();
    let interval = Duration::from_secs_f64(1.0 / options.rate.max(1.0));
    let mut next_slot = Instant::now();
    let mut probes_sent = 0u64;
    let mut quiet_rounds = 0;
    let mut rounds = 0u32;
    let mut attempt: u8 = 0;
    loop {
        let known: HashMap<(usize, u8), ()> = answers.lock().map(|a| a.keys().map(|k| (*k, ())).collect()).unwrap_or_default();
        let before = known.len();
        let mut sent_this_round = 0;
        for (f, (_, dst, port, sport)) in flows.iter().enumerate() {
            // Probing stops above the TTL where the destination answered.
            let reached = answers
                .lock()
                .ok()
                .and_then(|a| a.iter().filter(|((fl, _), ans)| *fl == f && ans.responder == *dst).map(|((_, t), _)| *t).min());
            let top = reached.unwrap_or(options.max_ttl).min(options.max_ttl);
            for ttl in options.min_ttl..=top {
                if known.contains_key(&(f, ttl)) {
                    continue;
                }
                let now = Instant::now();
                if next_slot > now {
                    std::thread::sleep(next_slot - now);
                }
                next_slot = next_slot.max(Instant::now()) + interval;
                let Some(send) = &send[usize::from(dst.is_ipv6())] else { continue };
                let _ = if dst.is_ipv6() { send.set_unicast_hops_v6(u32::from(ttl)) } else { send.set_ttl_v4(u32::from(ttl)) };
                let seq = seq_of(f, ttl, attempt);
                let bytes = match options.proto {
                    Proto::Tcp => packet::tcp_syn_ip(sources[f], *dst, *sport, *port, seq),
                    Proto::Udp => {
                        // Length 8 + ttl identifies the probe; checksum 0 (allowed for IPv4).
                        let len = 8 + u16::from(ttl);
                        let mut p = Vec::with_capacity(usize::from(len));
                        p.extend_from_slice(&sport.to_be_bytes());
                        p.extend_from_slice(&port.to_be_bytes());
                        p.extend_from_slice(&len.to_be_bytes());
                        p.extend_from_slice(&[0, 0]);
                        p.resize(usize::from(len), 0);
                        p
                    }
                    Proto::Icmp => {
                        let mut p = vec![8, 0, 0, 0];
                        p.extend_from_slice(&ident.to_be_bytes());
                        p.extend_from_slice(&((f as u16) << 8 | u16::from(ttl)).to_be_bytes());
                        p.extend_from_slice(b"om-trace");
                        let sum = packet::checksum(&p);
                        p[2..4].copy_from_slice(&sum.to_be_bytes());
                        p
                    }
                };
                if let Ok(mut m) = sent_at.lock() {
                    m.insert((f, ttl), Instant::now());
                }
                let _ = send.send_to(&bytes, &socket2::SockAddr::from(SocketAddr::new(*dst, 0)));
                probes_sent += 1;
                sent_this_round += 1;
            }
        }
        rounds += 1;
        attempt = attempt.wrapping_add(1);
        if sent_this_round == 0 {
            break;
        }
        // Wait the per-hop timeout after the round's last probe, or until all answered.
        let deadline = Instant::now() + options.timeout;
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            let n = answers.lock().map(|a| a.len()).unwrap_or(0);
            if n >= before + sent_this_round {
                break;
            }
        }
        let after = answers.lock().map(|a| a.len()).unwrap_or(0);
        let new = after > before;
        quiet_rounds = if new { 0 } else { quiet_rounds + 1 };
        let more = match options.retry {
            n if n > 0 => rounds <= n as u32,
            0 => false,
            n => quiet_rounds < n.unsigned_abs() && rounds < 20,
        };
        if !more {
            break;
        }
    }
    done.store(true, Ordering::Relaxed);
    for r in readers {
        let _ = r.join();
    }
    let answers = std::mem::take(&mut *answers.lock().unwrap_or_else(|e| e.into_inner()));
    let sent_at = sent_at.into_inner().unwrap_or_default();
    let mut out = Vec::new();
    for (f, (name, dst, port, sport)) in flows.iter().enumerate() {
        let reached = answers.iter().filter(|((fl, _), a)| *fl == f && a.responder == *dst).map(|((_, t), _)| *t).min();
        let top = reached.unwrap_or(options.max_ttl);
        let mut hops = Vec::new();
        for ttl in options.min_ttl..=top {
            let hop = match answers.get(&(f, ttl)) {
                Some(a) => Hop {
                    ttl,
                    responder: Some(a.responder),
                    code: a.code.clone(),
                    icmp_code: a.icmp_code,
                    rtt_us: sent_at.get(&(f, ttl)).map(|s| a.at.saturating_duration_since(*s).as_micros() as u64),
                },
                None => Hop { ttl, responder: None, code: "-".into(), icmp_code: None, rtt_us: None },
            };
            hops.push(hop);
        }
        let end = match reached.and_then(|t| answers.get(&(f, t))).map(|a| a.code.as_str()) {
            Some("SA") => End::Open,
            Some("RA") => End::Closed,
            Some(_) => End::Reached,
            None => End::Unanswered,
        };
        out.push(Flow {
            target: name.clone(),
            address: *dst,
            port: *port,
            proto: options.proto,
            sport: *sport,
            hops,
            reached_ttl: reached,
            end,
        });
    }
    Ok(TraceReport { flows: out, unresolved, probes_sent, rounds, elapsed_s: started.elapsed().as_secs_f64() })
}

/// Matches an ICMP message to a probe: time exceeded / unreachable quote our packet; an echo
/// reply carries our identifier and sequence.
fn icmp_match(
    body: &[u8],
    proto: Proto,
    ident: u16,
    flows: &HashMap<(IpAddr, u16, u16), usize>,
    from: IpAddr,
) -> Option<((usize, u8), &'static str, Option<u8>)> {
    let (kind, code) = (*body.first()?, *body.get(1)?);
    if kind == 0 && proto == Proto::Icmp {
        let id = u16::from_be_bytes([*body.get(4)?, *body.get(5)?]);
        let seq = u16::from_be_bytes([*body.get(6)?, *body.get(7)?]);
        let _ = from;
        return (id == ident).then_some((((seq >> 8) as usize, seq as u8), "0", None));
    }
    if kind != 11 && kind != 3 {
        return None;
    }
    let inner = packet::parse_ipv4(body.get(8..)?)?;
    let quoted = body.get(8 + inner.header_len..)?;
    let label = if kind == 11 { "11" } else { "3" };
    match proto {
        Proto::Tcp if inner.protocol == 6 && quoted.len() >= 8 => {
            let (sp, dp) = (u16::from_be_bytes([quoted[0], quoted[1]]), u16::from_be_bytes([quoted[2], quoted[3]]));
            let seq = u32::from_be_bytes([quoted[4], quoted[5], quoted[6], quoted[7]]);
            let f = *flows.get(&(IpAddr::V4(inner.dst), dp, sp))?;
            let (flow, ttl) = decode_seq(seq);
            (flow == f).then_some(((flow, ttl), label, Some(code)))
        }
        Proto::Udp if inner.protocol == 17 && quoted.len() >= 8 => {
            let (sp, dp) = (u16::from_be_bytes([quoted[0], quoted[1]]), u16::from_be_bytes([quoted[2], quoted[3]]));
            let len = u16::from_be_bytes([quoted[4], quoted[5]]);
            let f = *flows.get(&(IpAddr::V4(inner.dst), dp, sp))?;
            Some(((f, len.checked_sub(8)? as u8), label, Some(code)))
        }
        Proto::Icmp if inner.protocol == 1 && quoted.len() >= 8 => {
            let id = u16::from_be_bytes([quoted[4], quoted[5]]);
            let seq = u16::from_be_bytes([quoted[6], quoted[7]]);
            (id == ident).then_some((((seq >> 8) as usize, seq as u8), label, Some(code)))
        }
        _ => None,
    }
}

/// Matches an ICMPv6 time exceeded (type 3) or destination unreachable (type 1) that quotes
/// one of our TCP probes: the quoted IPv6 header (40 bytes, no extension headers) then the
/// TCP ports and sequence number.
fn icmpv6_match(body: &[u8], flows: &HashMap<(IpAddr, u16, u16), usize>) -> Option<((usize, u8), &'static str, Option<u8>)> {
    let (kind, code) = (*body.first()?, *body.get(1)?);
    let label = match kind {
        3 => "11",
        1 => "3",
        _ => return None,
    };
    let inner = body.get(8..48)?;
    if inner[0] >> 4 != 6 || inner[6] != 6 {
        return None;
    }
    let mut octets = [0u8; 16];
    octets.copy_from_slice(&inner[24..40]);
    let quoted = body.get(48..56)?;
    let (sp, dp) = (u16::from_be_bytes([quoted[0], quoted[1]]), u16::from_be_bytes([quoted[2], quoted[3]]));
    let seq = u32::from_be_bytes([quoted[4], quoted[5], quoted[6], quoted[7]]);
    let f = *flows.get(&(IpAddr::V6(octets.into()), dp, sp))?;
    let (flow, ttl) = decode_seq(seq);
    (flow == f).then_some(((flow, ttl), label, Some(code)))
}

/// The hop table in scapy's layout: one column per `TARGET:tcpPORT`, one row per TTL, cells
/// `<responder left-aligned in 15> <code>` or `-`.
pub fn render_table(report: &TraceReport) -> String {
    let labels: Vec<String> = report.flows.iter().map(Flow::label).collect();
    let width = labels.iter().map(String::len).max().unwrap_or(0).max(19);
    let mut out = format!("   {}\n", labels.iter().map(|l| format!("{l:<width$}")).collect::<Vec<_>>().join(" ").trim_end());
    let min = report.flows.iter().filter_map(|f| f.hops.first().map(|h| h.ttl)).min().unwrap_or(1);
    let max = report.flows.iter().filter_map(|f| f.hops.last().map(|h| h.ttl)).max().unwrap_or(0);
    for ttl in min..=max {
        let cells: Vec<String> = report
            .flows
            .iter()
            .map(|f| {
                let cell = match f.hops.iter().find(|h| h.ttl == ttl) {
                    Some(Hop { responder: Some(ip), code, .. }) => format!("{:<15} {code}", ip.to_string()),
                    _ => "-".to_owned(),
                };
                format!("{cell:<width$}")
            })
            .collect();
        out.push_str(&format!("{ttl:>2} {}\n", cells.join(" ").trim_end()));
    }
    for (name, err) in &report.unresolved {
        out.push_str(&format!("{name}: cannot resolve: {err}\n"));
    }
    out
}
