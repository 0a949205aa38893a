//! Raw packet helpers shared by ICMP probes and traceroute: the Internet checksum and IPv4/TCP
//! header building and parsing, and the IPv6 pseudo-header.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// RFC 1071 Internet checksum.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A TCP SYN segment (20-byte header, no options) with its checksum over the IPv4
/// pseudo-header.
pub fn tcp_syn(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, seq: u32) -> Vec<u8> {
    tcp_syn_ip(IpAddr::V4(src), IpAddr::V4(dst), sport, dport, seq)
}

/// A TCP SYN segment for either family: the checksum covers the IPv4 or the IPv6
/// pseudo-header (RFC 8200 §8.1) of `src` and `dst`, which must be of one family.
pub fn tcp_syn_ip(src: IpAddr, dst: IpAddr, sport: u16, dport: u16, seq: u32) -> Vec<u8> {
    let mut tcp = Vec::with_capacity(20);
    tcp.extend_from_slice(&sport.to_be_bytes());
    tcp.extend_from_slice(&dport.to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&0u32.to_be_bytes());
    tcp.extend_from_slice(&[0x50, 0x02]); // data offset 5, SYN
    tcp.extend_from_slice(&64240u16.to_be_bytes());
    tcp.extend_from_slice(&[0, 0, 0, 0]);
    let sum = checksum(&pseudo_header(src, dst, 6, &tcp));
    tcp[16..18].copy_from_slice(&sum.to_be_bytes());
    tcp
}

/// `payload` behind the pseudo-header the transport checksum of `src` → `dst` covers.
pub fn pseudo_header(src: IpAddr, dst: IpAddr, protocol: u8, payload: &[u8]) -> Vec<u8> {
    let mut pseudo = Vec::with_capacity(40 + payload.len());
    match (src, dst) {
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, protocol]);
        }
        (s, d) => {
            let v4 = |a: IpAddr| match a {
                IpAddr::V4(a) => a.octets(),
                IpAddr::V6(a) => a.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED).octets(),
            };
            pseudo.extend_from_slice(&v4(s));
            pseudo.extend_from_slice(&v4(d));
            pseudo.extend_from_slice(&[0, protocol]);
            pseudo.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
    }
    pseudo.extend_from_slice(payload);
    pseudo
}

/// The source address the kernel would use towards `dst` (a UDP socket's connect, which
/// sends nothing).
pub fn source_for(dst: IpAddr) -> std::io::Result<IpAddr> {
    let any: IpAddr = if dst.is_ipv6() { Ipv6Addr::UNSPECIFIED.into() } else { Ipv4Addr::UNSPECIFIED.into() };
    let probe = std::net::UdpSocket::bind((any, 0))?;
    probe.connect((dst, 9))?;
    Ok(probe.local_addr()?.ip())
}

/// The fields of an IPv4 header that replies are matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Header {
    pub header_len: usize,
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
}

pub fn parse_ipv4(buf: &[u8]) -> Option<Ipv4Header> {
    if buf.len() < 20 || buf[0] >> 4 != 4 {
        return None;
    }
    let header_len = usize::from(buf[0] & 0x0f) * 4;
    if buf.len() < header_len {
        return None;
    }
    Some(Ipv4Header {
        header_len,
        ttl: buf[8],
        protocol: buf[9],
        src: Ipv4Addr::new(buf[12], buf[13], buf[14], buf[15]),
        dst: Ipv4Addr::new(buf[16], buf[17], buf[18], buf[19]),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksum_of_rfc1071_example() {
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(super::checksum(&data), !0xddf2);
    }

    /// A segment with its checksum in place sums to zero over its pseudo-header.
    #[test]
    fn syn_checksums_verify_for_both_families() {
        for (src, dst) in [("10.0.0.1", "10.0.0.2"), ("fd00::1", "fd00:0:0:1::2")] {
            let (src, dst) = (src.parse().unwrap(), dst.parse().unwrap());
            let syn = super::tcp_syn_ip(src, dst, 40000, 443, 0xdead_beef);
            assert_eq!(super::checksum(&super::pseudo_header(src, dst, 6, &syn)), 0, "{src} -> {dst}");
            assert_eq!((syn[13], u32::from_be_bytes([syn[4], syn[5], syn[6], syn[7]])), (0x02, 0xdead_beef));
        }
    }
}
