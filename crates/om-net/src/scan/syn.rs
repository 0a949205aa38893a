//! SYN scan (`-sS`, needs `CAP_NET_RAW`): one raw socket sends a SYN per port, replies are
//! read from raw TCP and ICMP sockets and matched by a sequence-number cookie, so a stray
//! packet cannot fake a state. The kernel's RST to our SYN-ACKs is expected: no connection is
//! ever made. IPv4 and IPv6: over IPv6 the raw sockets carry the TCP segment alone (the
//! kernel writes the IPv6 header), the checksum covers the IPv6 pseudo-header, and ICMPv6
//! destination-unreachable messages give the filtered reasons. The reply's hop limit is not
//! read for IPv6 (its `reason_ttl` is 0).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use super::timing::{RttEstimate, Timing};
use crate::packet;

/// What a SYN probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynAnswer {
    Open {
        ttl: u8,
    },
    Closed {
        ttl: u8,
    },
    /// An ICMP unreachable (nmap's reason) or no response.
    Filtered {
        reason: &'static str,
        ttl: u8,
    },
}

/// Why a SYN scan cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SynError {
    #[error("a SYN scan needs raw sockets: {0}\n  hint: run as root, or `setcap cap_net_raw+ep` on the om binary, or use -sT")]
    NoRawSocket(std::io::Error),
    #[error("no route to `{0}`: {1}")]
    NoRoute(IpAddr, std::io::Error),
}

/// Whether this process may open raw sockets.
pub fn available() -> bool {
    Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).is_ok()
}

fn cookie(secret: u64, dst: IpAddr, port: u16) -> u32 {
    let bits = match dst {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    };
    let folded = (bits as u64) ^ ((bits >> 64) as u64).rotate_left(29);
    let mut x = secret ^ folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (u64::from(port) << 48) ^ u64::from(port);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x as u32
}

/// The source address the kernel would use towards `dst`.
fn source_for(dst: IpAddr) -> Result<IpAddr, SynError> {
    packet::source_for(dst).map_err(|e| SynError::NoRoute(dst, e))
}

/// nmap's reason for an ICMPv6 destination-unreachable code (RFC 4443 §3.1).
fn icmpv6_reason(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "net-unreach",
        1 => "admin-prohibited",
        2 => "beyond-scope",
        3 => "host-unreach",
        4 => "port-unreach",
        5 => "source-quench",
        6 => "reject-route",
        _ => return None,
    })
}

fn icmp_reason(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "host-unreach",
        2 => "proto-unreach",
        3 => "port-unreach",
        9 => "net-prohibited",
        10 => "host-prohibited",
        13 => "admin-prohibited",
        _ => return None,
    })
}

/// Scans `jobs` (host, port) with SYNs; blocking (run it on a blocking thread).
pub fn run(
    jobs: &[(IpAddr, u16)],
    timing: &Timing,
    max_rate: Option<f64>,
    rtts: &HashMap<IpAddr, Mutex<RttEstimate>>,
    sent_counter: &std::sync::atomic::AtomicUsize,
) -> Result<HashMap<(IpAddr, u16), SynAnswer>, SynError> {
    let families: Vec<bool> = [false, true].into_iter().filter(|v6| jobs.iter().any(|(a, _)| a.is_ipv6() == *v6)).collect();
    // One sending socket per family: [IPv4, IPv6].
    let mut send: [Option<Socket>; 2] = [None, None];
    let mut receivers = Vec::new();
    for &v6 in &families {
        let (domain, icmp) = if v6 { (Domain::IPV6, Protocol::ICMPV6) } else { (Domain::IPV4, Protocol::ICMPV4) };
        let s = Socket::new(domain, Type::RAW, Some(Protocol::TCP)).map_err(SynError::NoRawSocket)?;
        let _ = s.set_send_buffer_size(4 << 20);
        send[usize::from(v6)] = Some(s);
        let recv_tcp = Socket::new(domain, Type::RAW, Some(Protocol::TCP)).map_err(SynError::NoRawSocket)?;
        let _ = recv_tcp.set_recv_buffer_size(8 << 20);
        let recv_icmp = Socket::new(domain, Type::RAW, Some(icmp)).map_err(SynError::NoRawSocket)?;
        receivers.push((recv_tcp, v6, false));
        receivers.push((recv_icmp, v6, true));
    }
    let secret = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7) | 1;
    let sport: u16 = 40000 + (secret % 20000) as u16;
    let mut sources: HashMap<IpAddr, IpAddr> = HashMap::new();
    for (dst, _) in jobs {
        if !sources.contains_key(dst) {
            sources.insert(*dst, source_for(*dst)?);
        }
    }
    let results: Arc<Mutex<HashMap<(IpAddr, u16), SynAnswer>>> = Arc::default();
    let sent_at: Arc<Mutex<HashMap<(IpAddr, u16), Instant>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let targets: Arc<HashMap<IpAddr, IpAddr>> = Arc::new(sources.clone());

    let mut readers = Vec::new();
    for (socket, v6, is_icmp) in receivers {
        let (results, sent_at, done, targets) = (results.clone(), sent_at.clone(), done.clone(), targets.clone());
        let socket: std::net::UdpSocket = socket.into();
        let _ = socket.set_read_timeout(Some(Duration::from_millis(20)));
        readers.push(std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let mut rtts_seen: Vec<(IpAddr, Duration)> = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
                let found = if is_icmp {
                    icmp_answer(&buf[..n], v6, sport, secret, &targets)
                } else {
                    tcp_answer(&buf[..n], from, v6, sport, secret, &targets)
                };
                let Some((key, answer)) = found else { continue };
                if is_icmp {
                    if let Ok(mut r) = results.lock() {
                        r.entry(key).or_insert(answer);
                    }
                    continue;
                }
                if let Some(t) = sent_at.lock().ok().and_then(|m| m.get(&key).copied()) {
                    rtts_seen.push((key.0, t.elapsed()));
                }
                if let Ok(mut r) = results.lock() {
                    r.insert(key, answer);
                }
            }
            rtts_seen
        }));
    }

    let interval = max_rate.map(|r| Duration::from_secs_f64(1.0 / r.max(0.001)));
    let mut pending: Vec<(IpAddr, u16)> = jobs.to_vec();
    let mut next_slot = Instant::now();
    for round in 0..=timing.max_retries {
        if pending.is_empty() {
            break;
        }
        for &(dst, port) in &pending {
            if let Some(iv) = interval {
                let now = Instant::now();
                if next_slot > now {
                    std::thread::sleep(next_slot - now);
                }
                next_slot = next_slot.max(now) + iv;
            }
            let src = targets[&dst];
            let segment = packet::tcp_syn_ip(src, dst, sport, port, cookie(secret, dst, port));
            if let Ok(mut m) = sent_at.lock() {
                m.insert((dst, port), Instant::now());
            }
            let Some(send) = &send[usize::from(dst.is_ipv6())] else { continue };
            // A full send buffer is back-pressure: wait a moment and try again.
            let to = socket2::SockAddr::from(SocketAddr::new(dst, 0));
            for _ in 0..100 {
                match send.send_to(&segment, &to) {
                    Ok(_) => break,
                    Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) || e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_micros(200))
                    }
                    Err(_) => break,
                }
            }
            sent_counter.fetch_add(1, Ordering::Relaxed);
        }
        // Wait for answers: the largest probe timeout among the hosts, then resend the silent.
        let wait = rtts.values().filter_map(|r| r.lock().ok().map(|r| r.timeout(timing))).max().unwrap_or(timing.initial_rtt);
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            let answered = results.lock().map(|r| pending.iter().all(|k| r.contains_key(k))).unwrap_or(false);
            if answered {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let r = results.lock().map(|r| r.clone()).unwrap_or_default();
        pending.retain(|k| !r.contains_key(k));
        let _ = round;
    }
    done.store(true, Ordering::Relaxed);
    let mut seen = Vec::new();
    for reader in readers {
        seen.extend(reader.join().unwrap_or_default());
    }
    for (host, rtt) in seen.into_iter().take(1000) {
        if let Some(Ok(mut r)) = rtts.get(&host).map(|m| m.lock()) {
            r.update(rtt);
        }
    }
    let mut out = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    for k in jobs {
        out.entry(*k).or_insert(SynAnswer::Filtered { reason: "no-response", ttl: 0 });
    }
    Ok(out)
}

/// A SYN-ACK or RST to one of our probes: IPv4 raw sockets hand over the IP header, IPv6
/// ones the TCP segment alone (the sender is `from`).
fn tcp_answer(
    buf: &[u8],
    from: SocketAddr,
    v6: bool,
    sport: u16,
    secret: u64,
    targets: &HashMap<IpAddr, IpAddr>,
) -> Option<((IpAddr, u16), SynAnswer)> {
    let (src, ttl, tcp) = if v6 {
        (from.ip(), 0, buf)
    } else {
        let ip = packet::parse_ipv4(buf)?;
        (IpAddr::V4(ip.src), ip.ttl, &buf[ip.header_len..])
    };
    if tcp.len() < 20 || !targets.contains_key(&src) {
        return None;
    }
    let (src_port, dst_port) = (u16::from_be_bytes([tcp[0], tcp[1]]), u16::from_be_bytes([tcp[2], tcp[3]]));
    let ack = u32::from_be_bytes([tcp[8], tcp[9], tcp[10], tcp[11]]);
    if dst_port != sport || ack.wrapping_sub(1) != cookie(secret, src, src_port) {
        return None;
    }
    let answer = match tcp[13] & 0x16 {
        0x12 => SynAnswer::Open { ttl },
        f if f & 0x04 != 0 => SynAnswer::Closed { ttl },
        _ => return None,
    };
    Some(((src, src_port), answer))
}

/// An ICMP (type 3) or ICMPv6 (type 1) destination unreachable quoting one of our probes.
fn icmp_answer(buf: &[u8], v6: bool, sport: u16, secret: u64, targets: &HashMap<IpAddr, IpAddr>) -> Option<((IpAddr, u16), SynAnswer)> {
    let (ttl, icmp) = if v6 {
        (0, buf)
    } else {
        let outer = packet::parse_ipv4(buf)?;
        (outer.ttl, &buf[outer.header_len..])
    };
    let (dst, tcp, reason) = if v6 {
        // type 1, code, checksum, 4 unused bytes, then the quoted IPv6 header (40 bytes).
        if icmp.len() < 8 + 40 + 8 || icmp[0] != 1 || icmp[8 + 6] != 6 {
            return None;
        }
        let mut octets = [0u8; 16];
        octets.copy_from_slice(&icmp[8 + 24..8 + 40]);
        (IpAddr::V6(octets.into()), &icmp[48..], icmpv6_reason(icmp[1])?)
    } else {
        if icmp.len() < 8 + 20 + 8 || icmp[0] != 3 {
            return None;
        }
        let inner = packet::parse_ipv4(&icmp[8..])?;
        if inner.protocol != 6 {
            return None;
        }
        (IpAddr::V4(inner.dst), icmp.get(8 + inner.header_len..)?, icmp_reason(icmp[1])?)
    };
    if tcp.len() < 8 || !targets.contains_key(&dst) {
        return None;
    }
    let (src_port, dst_port) = (u16::from_be_bytes([tcp[0], tcp[1]]), u16::from_be_bytes([tcp[2], tcp[3]]));
    let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
    if src_port != sport || seq != cookie(secret, dst, dst_port) {
        return None;
    }
    Some(((dst, dst_port), SynAnswer::Filtered { reason, ttl }))
}
