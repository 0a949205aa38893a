//! Probes of service quality: HTTP with libcurl's phase timings ([`http`]), TCP connect and
//! ICMP echo ([`icmp`]). Failures are typed fields (`{phase, kind, detail}`), never strings in
//! a status column, and partial timings are kept.

pub mod http;
pub mod icmp;
pub mod tls;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::Lang;
pub use http::{DnsCache, HttpOptions, HttpReport, Timings, Url, UrlError};
pub use tls::TlsRoots;

/// Why a probe failed: the phase (`dns`, `connect`, `tls`, `http`), a kind from the taxonomy
/// and a human detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub phase: &'static str,
    pub kind: &'static str,
    pub detail: String,
}

impl Failure {
    pub fn new(phase: &'static str, kind: &'static str, detail: String) -> Self {
        Failure { phase, kind, detail }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.phase, self.kind, self.detail)
    }
}

/// The taxonomy kind of a failed TCP connect.
pub fn connect_error_kind(err: &std::io::Error) -> &'static str {
    match err.raw_os_error() {
        Some(libc::ECONNREFUSED) => "refused",
        Some(libc::ETIMEDOUT) => "timeout",
        Some(libc::EHOSTUNREACH) => "host_unreachable",
        Some(libc::ENETUNREACH) => "net_unreachable",
        Some(libc::ECONNRESET) => "reset",
        _ => match err.kind() {
            std::io::ErrorKind::ConnectionRefused => "refused",
            std::io::ErrorKind::TimedOut => "timeout",
            _ => "reset",
        },
    }
}

/// The result of one TCP connect probe.
#[derive(Debug, Clone, Serialize)]
pub struct TcpReport {
    pub target: String,
    pub address: Option<SocketAddr>,
    pub namelookup_us: u64,
    pub connect_us: u64,
    pub error: Option<Failure>,
}

/// Resolves `host` and connects to `port` within `timeout`.
pub async fn tcp_probe(host: &str, port: u16, timeout: Duration, resolver: &crate::resolve::Resolver) -> TcpReport {
    let start = Instant::now();
    let mut report = TcpReport { target: format!("{host}:{port}"), address: None, namelookup_us: 0, connect_us: 0, error: None };
    let addrs = match resolver.lookup(host).await {
        Ok(a) => a,
        Err(e) => {
            report.error = Some(Failure::new("dns", e.kind(), e.to_string()));
            return report;
        }
    };
    report.namelookup_us = start.elapsed().as_micros() as u64;
    let addr = SocketAddr::new(addrs[0], port);
    report.address = Some(addr);
    match tokio::time::timeout(timeout.saturating_sub(start.elapsed()), tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => report.connect_us = start.elapsed().as_micros() as u64,
        Ok(Err(e)) => report.error = Some(Failure::new("connect", connect_error_kind(&e), format!("{addr}: {e}"))),
        Err(_) => report.error = Some(Failure::new("connect", "timeout", format!("{addr}: no answer within {} ms", timeout.as_millis()))),
    }
    report
}

/// The book's 9-line report (`--lang zh` for its labels, with the size unit fixed), or
/// `connection error: <phase>: <kind>: <detail>`.
pub fn render_http(report: &HttpReport, lang: Lang) -> String {
    let ms = |us: u64| format!("{:.2} ms", us as f64 / 1000.0);
    let t = &report.timings_us;
    let mut out = String::new();
    if let Some(err) = &report.error
        && err.kind != "status"
        && err.kind != "body"
    {
        out.push_str(&format!("connection error: {err}\n"));
        return out;
    }
    let lines: [(&str, &str, String); 9] = [
        ("HTTP status code: ", "HTTP状态码：", report.http_code.to_string()),
        ("DNS lookup time: ", "DNS解析时间：", ms(t.namelookup)),
        ("Connect time: ", "建立连接时间：", ms(t.connect)),
        ("Pre-transfer time: ", "准备传输时间：", ms(t.pretransfer)),
        ("Start-transfer time: ", "传输开始时间：", ms(t.starttransfer)),
        ("Total time: ", "传输结束总时间：", ms(t.total)),
        ("Download size: ", "下载数据包大小：", format!("{} bytes", report.sizes.download)),
        ("Header size: ", "HTTP头部大小：", format!("{} {}", report.sizes.header, if lang == Lang::Zh { "byte" } else { "bytes" })),
        ("Average download speed: ", "平均下载速度：", format!("{} bytes/s", report.speed.download)),
    ];
    for (en, zh, value) in lines {
        out.push_str(if lang == Lang::Zh { zh } else { en });
        out.push_str(&value);
        out.push('\n');
    }
    if let Some(err) = &report.error {
        out.push_str(&format!("check failed: {err}\n"));
    }
    out
}

/// The address a probe or an ICMP reply came from, for reports.
pub fn family(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() { "ipv4" } else { "ipv6" }
}
