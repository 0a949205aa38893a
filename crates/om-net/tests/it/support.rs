//! Servers the tests start on loopback: an authoritative DNS responder for `example.test`
//! with failure modes, and an HTTP(S) server with fixed bodies, redirects, delays and
//! wrong certificates.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use om_net::dns::wire::{self, Message, Record};
use om_net::dns::{Class, RData, RecordType};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A loopback /24 of its own per call: 127.<pid-derived>.<n>.0, so parallel tests never meet.
pub fn subnet() -> [u8; 3] {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    [127, 100 + (std::process::id() % 100) as u8, (n % 250) as u8 + 1]
}

pub fn addr(net: [u8; 3], host: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(net[0], net[1], net[2], host))
}

fn rec(name: &str, rtype: RecordType, data: RData) -> Record {
    Record { name: name.into(), ttl: 300, class: Class::IN, rtype, data }
}

fn soa() -> Record {
    rec(
        "example.test.",
        RecordType::SOA,
        RData::Soa {
            mname: "ns1.example.test.".into(),
            rname: "hostmaster.example.test.".into(),
            serial: 2024010101,
            refresh: 3600,
            retry: 600,
            expire: 86400,
            minimum: 60,
        },
    )
}

/// The `example.test` zone; `rr_net` holds the round-robin addresses .1-.4.
pub fn zone(rr_net: [u8; 3]) -> Vec<Record> {
    use RecordType::*;
    let a = |name: &str, ip: IpAddr| match ip {
        IpAddr::V4(v4) => rec(name, A, RData::A { address: v4 }),
        IpAddr::V6(v6) => rec(name, AAAA, RData::Aaaa { address: v6 }),
    };
    let mut z = vec![soa(), rec("example.test.", NS, RData::Ns { target: "ns1.example.test.".into() })];
    for (pref, mx) in [(10, "mx1"), (50, "mx2"), (10, "mx3"), (10, "mx4")] {
        z.push(rec("example.test.", MX, RData::Mx { preference: pref, exchange: format!("{mx}.example.test.") }));
    }
    for host in 1..=4 {
        z.push(a("rr.example.test.", addr(rr_net, host)));
    }
    z.push(a("web.example.test.", addr(rr_net, 1)));
    z.push(a("web.example.test.", "::1".parse().unwrap()));
    z.push(rec("www.example.test.", CNAME, RData::Cname { target: "web.example.test.".into() }));
    z.push(rec("example.test.", TXT, RData::Txt { strings: vec!["v=spf1 -all".into(), "say \"hi\"".into()] }));
    z.push(rec("_http._tcp.example.test.", SRV, RData::Srv { priority: 10, weight: 60, port: 8080, target: "web.example.test.".into() }));
    z.push(rec("10.0.0.127.in-addr.arpa.", PTR, RData::Ptr { target: "web.example.test.".into() }));
    for i in 0..40 {
        z.push(rec("big.example.test.", TXT, RData::Txt { strings: vec![format!("padding-record-{i:02}-xxxxxxxxxxxxxxxxxxxxxxxx")] }));
    }
    z
}

/// What the DNS responder saw.
#[derive(Default)]
pub struct DnsLog {
    pub udp: AtomicU32,
    pub tcp: AtomicU32,
}

fn answer(query: &Message, zone: &[Record], udp: bool) -> Option<Vec<u8>> {
    let (qname, qtype, qclass) = query.questions.first()?.clone();
    let lname = qname.to_ascii_lowercase();
    let mut m = Message {
        id: query.id,
        flags: 0x8400 | (query.flags & 0x0100) | 0x0080,
        questions: vec![(qname, qtype, qclass)],
        ..Default::default()
    };
    match lname.as_str() {
        "timeout.example.test." => return None,
        "servfail.example.test." => {
            m.flags |= 2;
            return Some(wire::encode_response(&m));
        }
        "refused.example.test." => {
            m.flags |= 5;
            return Some(wire::encode_response(&m));
        }
        _ => {}
    }
    let mut name = lname;
    let want = RecordType::from_code(qtype);
    for _ in 0..8 {
        let cname = zone.iter().find(|r| r.name == name && r.rtype == RecordType::CNAME && want != RecordType::CNAME);
        if let Some(c) = cname {
            m.answers.push(c.clone());
            if let RData::Cname { target } = &c.data {
                name = target.clone();
            }
            continue;
        }
        break;
    }
    m.answers.extend(zone.iter().filter(|r| r.name == name && r.rtype == want).cloned());
    let exists = zone.iter().any(|r| r.name == name || r.name.ends_with(&format!(".{name}")));
    if m.answers.is_empty() {
        if name.ends_with("example.test.") || name.ends_with("in-addr.arpa.") {
            m.authority.push(soa());
        }
        if !exists {
            m.flags |= 3;
        }
    }
    let bytes = wire::encode_response(&m);
    if udp && bytes.len() > 512 {
        m.flags |= 0x0200;
        m.answers.clear();
        return Some(wire::encode_response(&m));
    }
    Some(bytes)
}

/// Starts the responder on UDP and TCP of `ip` (port chosen by the kernel).
pub async fn dns_server(ip: IpAddr, zone: Vec<Record>) -> (SocketAddr, Arc<DnsLog>) {
    let udp = tokio::net::UdpSocket::bind(SocketAddr::new(ip, 0)).await.expect("bind dns udp");
    let port = udp.local_addr().unwrap().port();
    let tcp = tokio::net::TcpListener::bind(SocketAddr::new(ip, port)).await.expect("bind dns tcp on the same port");
    let log = Arc::new(DnsLog::default());
    let zone = Arc::new(zone);
    let (z, l) = (zone.clone(), log.clone());
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, from)) = udp.recv_from(&mut buf).await else { break };
            l.udp.fetch_add(1, Ordering::Relaxed);
            if let Ok(q) = wire::decode(&buf[..n])
                && let Some(resp) = answer(&q, &z, true)
            {
                let _ = udp.send_to(&resp, from).await;
            }
        }
    });
    let l = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = tcp.accept().await else { break };
            l.tcp.fetch_add(1, Ordering::Relaxed);
            let z = zone.clone();
            tokio::spawn(async move {
                let Ok(len) = s.read_u16().await else { return };
                let mut buf = vec![0u8; usize::from(len)];
                if s.read_exact(&mut buf).await.is_err() {
                    return;
                }
                if let Ok(q) = wire::decode(&buf)
                    && let Some(resp) = answer(&q, &z, false)
                {
                    let mut framed = (resp.len() as u16).to_be_bytes().to_vec();
                    framed.extend_from_slice(&resp);
                    let _ = s.write_all(&framed).await;
                }
            });
        }
    });
    (SocketAddr::new(ip, port), log)
}

/// Requests the HTTP server received: (local address, Host header, path).
pub type Seen = Arc<Mutex<Vec<(IpAddr, String, String)>>>;

pub const FIXED_BODY_LEN: usize = 6104;

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, local: IpAddr, seen: Seen) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let host = head.lines().find_map(|l| l.strip_prefix("Host: ")).unwrap_or_default().to_owned();
    seen.lock().unwrap().push((local, host, path.clone()));
    let last_octet = match local {
        IpAddr::V4(v4) => v4.octets()[3],
        IpAddr::V6(_) => 1,
    };
    let reply = |status: &str, body: &[u8]| {
        let mut r = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: text/html\r\n\r\n", body.len()).into_bytes();
        r.extend_from_slice(body);
        r
    };
    let out = match path.as_str() {
        "/" if last_octet == 2 => reply("500 Internal Server Error", b"broken"),
        "/" if last_octet == 4 => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return;
        }
        "/" => reply("200 OK", b"<!doctype html><html><body>ok</body></html>"),
        "/fixed" => reply("200 OK", &vec![b'x'; FIXED_BODY_LEN]),
        "/404" => reply("404 Not Found", b"no"),
        "/500" => reply("500 Internal Server Error", b"no"),
        "/redirect" => b"HTTP/1.1 301 Moved Permanently\r\nLocation: /fixed\r\nContent-Length: 0\r\n\r\n".to_vec(),
        "/loop" => b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n".to_vec(),
        "/slow-headers" => {
            tokio::time::sleep(Duration::from_millis(300)).await;
            reply("200 OK", b"late")
        }
        "/slow-body" => {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nstart").await;
            tokio::time::sleep(Duration::from_secs(30)).await;
            return;
        }
        "/cut" => {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a part").await;
            return;
        }
        "/chunked" => b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".to_vec(),
        _ => reply("404 Not Found", b"unknown"),
    };
    let _ = s.write_all(&out).await;
    let _ = s.shutdown().await;
}

/// A plain HTTP server on `ip:port` (port 0 = any).
pub async fn http_server(ip: IpAddr, port: u16, seen: Seen) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, port)).await.expect("bind http");
    let local = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = listener.accept().await else { break };
            tokio::spawn(handle(s, local.ip(), seen.clone()));
        }
    });
    local
}

/// A test CA and a server certificate for `names`, optionally expired.
pub struct Pki {
    pub ca_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

pub fn pki(names: &[&str], expired: bool) -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "om test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()))
        .unwrap();
    Pki { ca_pem: ca.pem(), server: Arc::new(server) }
}

/// An HTTPS server with the given TLS configuration.
pub async fn https_server(ip: IpAddr, port: u16, tls: Arc<rustls::ServerConfig>, seen: Seen) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, port)).await.expect("bind https");
    let local = listener.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = listener.accept().await else { break };
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(s).await {
                    handle(tls, local.ip(), seen).await;
                }
            });
        }
    });
    local
}
