//! SYN scan (`-sS`, needs `CAP_NET_RAW`): one raw socket sends a SYN per port, replies are
//! read from raw TCP and ICMP sockets and matched by a sequence-number cookie, so a stray
//! packet cannot fake a state. The kernel's RST to our SYN-ACKs is expected: no connection is
//! ever made. IPv4 targets; IPv6 hosts are scanned with connects.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
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

fn cookie(secret: u64, dst: Ipv4Addr, port: u16) -> u32 {
    let mut x = secret ^ (u64::from(u32::from(dst)) << 16) ^ u64::from(port);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x as u32
}

/// The source address the kernel would use towards `dst`.
fn source_for(dst: Ipv4Addr) -> Result<Ipv4Addr, SynError> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").map_err(|e| SynError::NoRoute(dst.into(), e))?;
    probe.connect(SocketAddrV4::new(dst, 9)).map_err(|e| SynError::NoRoute(dst.into(), e))?;
    match probe.local_addr() {
        Ok(SocketAddr::V4(a)) => Ok(*a.ip()),
        Ok(_) => Ok(Ipv4Addr::UNSPECIFIED),
        Err(e) => Err(SynError::NoRoute(dst.into(), e)),
    }
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
    jobs: &[(Ipv4Addr, u16)],
    timing: &Timing,
    max_rate: Option<f64>,
    rtts: &HashMap<Ipv4Addr, Mutex<RttEstimate>>,
    sent_counter: &std::sync::atomic::AtomicUsize,
) -> Result<HashMap<(Ipv4Addr, u16), SynAnswer>, SynError> {
    let send = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).map_err(SynError::NoRawSocket)?;
    let recv_tcp = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).map_err(SynError::NoRawSocket)?;
    let recv_icmp = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)).map_err(SynError::NoRawSocket)?;
    let _ = recv_tcp.set_recv_buffer_size(8 << 20);
    let _ = send.set_send_buffer_size(4 << 20);
    let secret = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7) | 1;
    let sport: u16 = 40000 + (secret % 20000) as u16;
    let mut sources: HashMap<Ipv4Addr, Ipv4Addr> = HashMap::new();
    for (dst, _) in jobs {
        if !sources.contains_key(dst) {
            sources.insert(*dst, source_for(*dst)?);
        }
    }
    let results: Arc<Mutex<HashMap<(Ipv4Addr, u16), SynAnswer>>> = Arc::default();
    let sent_at: Arc<Mutex<HashMap<(Ipv4Addr, u16), Instant>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let targets: Arc<HashMap<Ipv4Addr, Ipv4Addr>> = Arc::new(sources.clone());

    let tcp_reader = {
        let (results, sent_at, done, targets) = (results.clone(), sent_at.clone(), done.clone(), targets.clone());
        let socket: std::net::UdpSocket = recv_tcp.into();
        let _ = socket.set_read_timeout(Some(Duration::from_millis(20)));
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let mut rtts_seen: Vec<(Ipv4Addr, Duration)> = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let Ok((n, _)) = socket.recv_from(&mut buf) else { continue };
                let Some(ip) = packet::parse_ipv4(&buf[..n]) else { continue };
                let tcp = &buf[ip.header_len..n];
                if tcp.len() < 20 || !targets.contains_key(&ip.src) {
                    continue;
                }
                let (src_port, dst_port) = (u16::from_be_bytes([tcp[0], tcp[1]]), u16::from_be_bytes([tcp[2], tcp[3]]));
                let ack = u32::from_be_bytes([tcp[8], tcp[9], tcp[10], tcp[11]]);
                let flags = tcp[13];
                if dst_port != sport || ack.wrapping_sub(1) != cookie(secret, ip.src, src_port) {
                    continue;
                }
                let answer = match flags & 0x16 {
                    0x12 => SynAnswer::Open { ttl: ip.ttl },
                    f if f & 0x04 != 0 => SynAnswer::Closed { ttl: ip.ttl },
                    _ => continue,
                };
                if let Some(t) = sent_at.lock().ok().and_then(|m| m.get(&(ip.src, src_port)).copied()) {
                    rtts_seen.push((ip.src, t.elapsed()));
                }
                if let Ok(mut r) = results.lock() {
                    r.insert((ip.src, src_port), answer);
                }
            }
            rtts_seen
        })
    };
    let icmp_reader = {
        let (results, done, targets) = (results.clone(), done.clone(), targets.clone());
        let socket: std::net::UdpSocket = recv_icmp.into();
        let _ = socket.set_read_timeout(Some(Duration::from_millis(20)));
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !done.load(Ordering::Relaxed) {
                let Ok((n, _)) = socket.recv_from(&mut buf) else { continue };
                let Some(outer) = packet::parse_ipv4(&buf[..n]) else { continue };
                let icmp = &buf[outer.header_len..n];
                if icmp.len() < 8 + 20 + 8 || icmp[0] != 3 {
                    continue;
                }
                let Some(reason) = icmp_reason(icmp[1]) else { continue };
                let Some(inner) = packet::parse_ipv4(&icmp[8..]) else { continue };
                let tcp = &icmp[8 + inner.header_len..];
                if tcp.len() < 8 || inner.protocol != 6 || !targets.contains_key(&inner.dst) {
                    continue;
                }
                let (src_port, dst_port) = (u16::from_be_bytes([tcp[0], tcp[1]]), u16::from_be_bytes([tcp[2], tcp[3]]));
                let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
                if src_port != sport || seq != cookie(secret, inner.dst, dst_port) {
                    continue;
                }
                if let Ok(mut r) = results.lock() {
                    r.entry((inner.dst, dst_port)).or_insert(SynAnswer::Filtered { reason, ttl: outer.ttl });
                }
            }
        })
    };

    let interval = max_rate.map(|r| Duration::from_secs_f64(1.0 / r.max(0.001)));
    let mut pending: Vec<(Ipv4Addr, u16)> = jobs.to_vec();
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
            let segment = packet::tcp_syn(src, dst, sport, port, cookie(secret, dst, port));
            if let Ok(mut m) = sent_at.lock() {
                m.insert((dst, port), Instant::now());
            }
            // A full send buffer is back-pressure: wait a moment and try again.
            let to = socket2::SockAddr::from(SocketAddrV4::new(dst, 0));
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
    let seen = tcp_reader.join().unwrap_or_default();
    let _ = icmp_reader.join();
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
