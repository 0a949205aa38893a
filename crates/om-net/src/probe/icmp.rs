//! ICMP echo: an unprivileged ICMP datagram socket where `net.ipv4.ping_group_range` allows
//! it, else a raw socket (needs `CAP_NET_RAW`).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde::Serialize;
use socket2::{Domain, Protocol, Socket, Type};

/// Replies to a series of echo requests.
#[derive(Debug, Clone, Serialize)]
pub struct EchoReport {
    pub target: IpAddr,
    pub sent: u32,
    pub received: u32,
    /// Round-trip times of the answered requests, µs.
    pub rtt_us: Vec<u64>,
    /// `datagram` or `raw`.
    pub socket: &'static str,
}

/// Why echo requests could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum IcmpError {
    #[error(
        "cannot open an ICMP socket: {0}\n  hint: run as root, grant CAP_NET_RAW (setcap cap_net_raw+ep on om), or widen net.ipv4.ping_group_range"
    )]
    Socket(std::io::Error),
    #[error("ICMP I/O: {0}")]
    Io(#[from] std::io::Error),
}

fn checksum(data: &[u8]) -> u16 {
    crate::packet::checksum(data)
}

/// Sends `count` echo requests to `target`, one at a time, each waiting up to `timeout`.
pub async fn echo(target: IpAddr, timeout: Duration, count: u32) -> Result<EchoReport, IcmpError> {
    tokio::task::spawn_blocking(move || echo_blocking(target, timeout, count)).await.map_err(|e| IcmpError::Io(std::io::Error::other(e)))?
}

fn echo_blocking(target: IpAddr, timeout: Duration, count: u32) -> Result<EchoReport, IcmpError> {
    let (domain, proto, req_type, rep_type) = match target {
        IpAddr::V4(_) => (Domain::IPV4, Protocol::ICMPV4, 8u8, 0u8),
        IpAddr::V6(_) => (Domain::IPV6, Protocol::ICMPV6, 128u8, 129u8),
    };
    let (socket, kind) = match Socket::new(domain, Type::DGRAM, Some(proto)) {
        Ok(s) => (s, "datagram"),
        Err(_) => (Socket::new(domain, Type::RAW, Some(proto)).map_err(IcmpError::Socket)?, "raw"),
    };
    let mut report = EchoReport { target, sent: 0, received: 0, rtt_us: Vec::new(), socket: kind };
    let ident = (std::process::id() & 0xffff) as u16;
    // std's datagram calls work on any datagram-like descriptor, raw ICMP included.
    let socket: std::net::UdpSocket = socket.into();
    let dest = SocketAddr::new(target, 0);
    for seq in 1..=count as u16 {
        let mut packet = vec![req_type, 0, 0, 0];
        packet.extend_from_slice(&ident.to_be_bytes());
        packet.extend_from_slice(&seq.to_be_bytes());
        packet.extend_from_slice(b"om-probe-echo-payload-0123456789");
        if target.is_ipv4() {
            let sum = checksum(&packet);
            packet[2..4].copy_from_slice(&sum.to_be_bytes());
        }
        let start = Instant::now();
        socket.send_to(&packet, dest)?;
        report.sent += 1;
        let deadline = start + timeout;
        let mut buf = [0u8; 2048];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            socket.set_read_timeout(Some(left))?;
            let (n, from) = match socket.recv_from(&mut buf) {
                Ok(r) => r,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => break,
                Err(e) => return Err(e.into()),
            };
            let bytes = &buf[..n];
            let icmp = if kind == "raw" && target.is_ipv4() { bytes.get(usize::from(bytes[0] & 0x0f) * 4..).unwrap_or(&[]) } else { bytes };
            let from_ip = Some(from.ip());
            // Datagram sockets rewrite the identifier, so only the sequence is compared there.
            let id_ok = kind == "datagram" || icmp.get(4..6) == Some(&ident.to_be_bytes()[..]);
            if icmp.first() == Some(&rep_type) && icmp.get(6..8) == Some(&seq.to_be_bytes()[..]) && id_ok && from_ip == Some(target) {
                report.received += 1;
                report.rtt_us.push(start.elapsed().as_micros() as u64);
                break;
            }
        }
    }
    Ok(report)
}
