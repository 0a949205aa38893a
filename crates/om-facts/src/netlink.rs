//! Interface addresses over a netlink `RTM_GETADDR` dump: what `getifaddrs` and `ip addr`
//! report, without libc (the agent is static) and without running `ip`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketType, netlink::SocketAddrNetlink};

use crate::net::{Family, IfAddr, prefix_to_netmask};

const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
const IFA_BROADCAST: u16 = 4;

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_ne_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn ip(family: u8, data: &[u8]) -> Option<IpAddr> {
    match (family, data.len()) {
        (2, 4) => Some(IpAddr::V4(Ipv4Addr::new(data[0], data[1], data[2], data[3]))),
        (10, 16) => {
            let mut o = [0u8; 16];
            o.copy_from_slice(data);
            Some(IpAddr::V6(Ipv6Addr::from(o)))
        }
        _ => None,
    }
}

/// Interface name by index, from `/sys/class/net/*/ifindex`.
fn names_by_index() -> std::collections::HashMap<u32, String> {
    std::fs::read_dir("/sys/class/net")
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let idx = std::fs::read_to_string(e.path().join("ifindex")).ok()?.trim().parse().ok()?;
                    Some((idx, name))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// IPv4 and IPv6 addresses of every interface, in the kernel's order.
pub fn addresses() -> std::io::Result<Vec<IfAddr>> {
    let fd = rustix::net::socket(AddressFamily::NETLINK, SocketType::RAW, None)?;
    rustix::net::bind(&fd, &SocketAddrNetlink::new(0, 0))?;
    let mut req = Vec::with_capacity(24);
    req.extend_from_slice(&24u32.to_ne_bytes());
    req.extend_from_slice(&RTM_GETADDR.to_ne_bytes());
    req.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    req.extend_from_slice(&1u32.to_ne_bytes());
    req.extend_from_slice(&0u32.to_ne_bytes());
    req.extend_from_slice(&[0u8; 8]);
    rustix::net::sendto(&fd, &req, SendFlags::empty(), &SocketAddrNetlink::new(0, 0))?;
    let names = names_by_index();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    'recv: loop {
        let (_, n) = rustix::net::recv(&fd, &mut buf[..], RecvFlags::empty())?;
        let data = &buf[..n.min(buf.len())];
        let mut off = 0;
        while off + 16 <= data.len() {
            let len = u32_at(data, off) as usize;
            let kind = u16_at(data, off + 4);
            if len < 16 || off + len > data.len() {
                break 'recv;
            }
            match kind {
                NLMSG_DONE => break 'recv,
                NLMSG_ERROR => return Err(std::io::Error::other("netlink returned an error for RTM_GETADDR")),
                RTM_NEWADDR => {
                    let msg = &data[off + 16..off + len];
                    if msg.len() >= 8 {
                        let (family, prefixlen, scope, index) = (msg[0], msg[1], msg[3], u32_at(msg, 4));
                        let (mut local, mut address, mut broadcast, mut label) = (None, None, None, None);
                        let mut a = 8;
                        while a + 4 <= msg.len() {
                            let alen = u16_at(msg, a) as usize;
                            let atype = u16_at(msg, a + 2);
                            if alen < 4 || a + alen > msg.len() {
                                break;
                            }
                            let payload = &msg[a + 4..a + alen];
                            match atype {
                                IFA_LOCAL => local = ip(family, payload),
                                IFA_ADDRESS => address = ip(family, payload),
                                IFA_BROADCAST => broadcast = ip(family, payload),
                                IFA_LABEL => label = Some(String::from_utf8_lossy(payload).trim_end_matches('\0').to_string()),
                                _ => {}
                            }
                            a += (alen + 3) & !3;
                        }
                        let addr = local.or(address);
                        let ptp = match (local, address) {
                            (Some(l), Some(a)) if l != a => Some(a.to_string()),
                            _ => None,
                        };
                        if let Some(addr) = addr {
                            let fam = if family == 2 { Family::Inet } else { Family::Inet6 };
                            out.push(IfAddr {
                                interface: names.get(&index).cloned().or(label.clone()).unwrap_or_else(|| index.to_string()),
                                label,
                                family: fam,
                                address: addr.to_string(),
                                netmask: Some(prefix_to_netmask(fam, prefixlen)),
                                prefixlen,
                                broadcast: broadcast.map(|b| b.to_string()),
                                ptp,
                                scope,
                            });
                        }
                    }
                }
                _ => {}
            }
            off += (len + 3) & !3;
        }
    }
    Ok(out)
}
