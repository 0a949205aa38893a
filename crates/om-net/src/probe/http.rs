//! The HTTP probe: a timed name lookup, a timed TCP connect, a timed rustls handshake and an
//! HTTP/1.1 exchange whose first response byte and last body byte are timed, with libcurl's
//! meaning for every option and timing field.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::tls::{self, TlsRoots};
use super::{Failure, connect_error_kind};
use crate::resolve::Resolver;

/// A streaming callback for header or body bytes (pycurl's HEADERFUNCTION/WRITEFUNCTION).
pub type Callback = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// Every option the book's pycurl script sets, with libcurl's defaults as om states them.
#[derive(Clone)]
pub struct HttpOptions {
    pub url: String,
    /// CONNECTTIMEOUT: name lookup + TCP + TLS; zero means libcurl's built-in 300 s.
    pub connect_timeout: Duration,
    /// TIMEOUT: the whole transfer; `None` (0 on the command line) means no limit.
    pub timeout: Option<Duration>,
    /// FOLLOWLOCATION.
    pub follow: bool,
    /// MAXREDIRS; -1 = unlimited.
    pub max_redirs: i64,
    /// FORBID_REUSE: close the connection after each transfer (om always does; see the docs).
    pub forbid_reuse: bool,
    /// FRESH_CONNECT.
    pub fresh_connect: bool,
    /// DNS_CACHE_TIMEOUT in seconds across repeats: 0 = no cache, -1 = forever.
    pub dns_cache_timeout: i64,
    pub user_agent: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    /// Connect to this address instead of resolving the URL's host (curl `--resolve`); the
    /// Host header and SNI still name the host.
    pub connect_to: Option<IpAddr>,
    pub resolver: Resolver,
    pub tls_roots: TlsRoots,
    pub insecure: bool,
    /// Accepted status codes (default 200-399).
    pub expect_status: (u16, u16),
    pub expect_body: Option<regex::Regex>,
    pub expect_prefix: Option<Vec<u8>>,
    /// Keep this many leading body bytes in the report (for body checks).
    pub keep_body: usize,
    pub on_header: Option<Callback>,
    pub on_body: Option<Callback>,
}

impl HttpOptions {
    pub fn new(url: impl Into<String>) -> Self {
        HttpOptions {
            url: url.into(),
            connect_timeout: Duration::from_secs(5),
            timeout: Some(Duration::from_secs(5)),
            follow: false,
            max_redirs: 5,
            forbid_reuse: true,
            fresh_connect: false,
            dns_cache_timeout: 30,
            user_agent: format!("om/{}", env!("CARGO_PKG_VERSION")),
            method: "GET".into(),
            headers: Vec::new(),
            connect_to: None,
            resolver: Resolver::default(),
            tls_roots: TlsRoots::System,
            insecure: false,
            expect_status: (200, 399),
            expect_body: None,
            expect_prefix: None,
            keep_body: 0,
            on_header: None,
            on_body: None,
        }
    }
}

/// Phase times in µs, each from the start of the request (libcurl's definitions).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Timings {
    pub namelookup: u64,
    pub connect: u64,
    pub appconnect: u64,
    pub pretransfer: u64,
    pub starttransfer: u64,
    pub total: u64,
    pub redirect: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Sizes {
    /// Every received header byte of every response, status lines and CRLFs included.
    pub header: u64,
    pub request: u64,
    /// Body bytes as received (decoded from chunks).
    pub download: u64,
    pub upload: u64,
    /// Content-Length of the last response, -1 when unknown.
    pub content_length_download: i64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Speed {
    /// Bytes per second: size / total time.
    pub download: u64,
    pub upload: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsInfo {
    pub version: String,
    pub cipher: String,
    /// Epoch seconds.
    pub cert_not_after: Option<i64>,
    pub cert_not_after_rfc3339: Option<String>,
}

/// One request of a probe (a redirect makes several), with its own phases.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub url: String,
    pub primary_ip: Option<IpAddr>,
    pub primary_port: u16,
    pub http_code: u16,
    pub timings_us: Timings,
    pub header_size: u64,
    pub request_size: u64,
    pub download_size: u64,
    pub location: Option<String>,
}

/// The result of one probe; a failure is a field, never an error.
#[derive(Debug, Clone, Serialize)]
pub struct HttpReport {
    pub url: String,
    pub effective_url: String,
    pub primary_ip: Option<IpAddr>,
    pub primary_port: u16,
    pub http_code: u16,
    pub http_version: String,
    pub timings_us: Timings,
    pub sizes: Sizes,
    pub speed: Speed,
    pub num_redirects: u32,
    pub tls: Option<TlsInfo>,
    pub attempts: Vec<Attempt>,
    pub error: Option<Failure>,
    /// When the probe started, epoch seconds.
    pub started_epoch_s: i64,
    #[serde(skip)]
    pub body_head: Vec<u8>,
}

impl HttpReport {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// A URL the probe cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{url}`: {reason}\n  hint: give http://host[:port]/path or https://host[:port]/path")]
pub struct UrlError {
    pub url: String,
    pub reason: &'static str,
}

/// The parts of an http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub https: bool,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Url {
    pub fn parse(url: &str) -> Result<Url, UrlError> {
        let err = |reason| UrlError { url: url.to_owned(), reason };
        let (https, rest) = if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if url.contains("://") {
            return Err(err("only http and https are supported"));
        } else {
            (false, url)
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        let path = if path.starts_with('?') { format!("/{path}") } else { path };
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let default_port = if https { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| err("unclosed `[` in the host"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| err("bad port"))?,
                None => default_port,
            };
            (h.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().map_err(|_| err("bad port"))?),
                None => (authority.to_owned(), default_port),
            }
        };
        if host.is_empty() {
            return Err(err("no host"));
        }
        Ok(Url { https, host, port, path: path.split('#').next().unwrap_or("/").to_owned() })
    }

    fn authority(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let default = if self.https { 443 } else { 80 };
        if self.port == default { host } else { format!("{host}:{}", self.port) }
    }

    pub fn to_url(&self) -> String {
        format!("{}://{}{}", if self.https { "https" } else { "http" }, self.authority(), self.path)
    }

    /// A Location header resolved against this URL.
    pub fn join(&self, location: &str) -> Result<Url, UrlError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            return Url::parse(location);
        }
        let mut next = self.clone();
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", if self.https { "https" } else { "http" }));
        }
        next.path = if location.starts_with('/') {
            location.to_owned()
        } else {
            let base = self.path.rsplit_once('/').map_or("", |(b, _)| b);
            format!("{base}/{location}")
        };
        Ok(next)
    }
}

/// What lives across repeated probes: name lookups (DNS_CACHE_TIMEOUT) and, when
/// FORBID_REUSE is off, kept-alive connections per (host, port, tls).
#[derive(Default)]
pub struct DnsCache {
    entries: HashMap<String, (Instant, Vec<IpAddr>)>,
    pool: HashMap<PoolKey, (IpAddr, Box<dyn Stream>)>,
}

/// A pooled connection's (host, port, tls).
type PoolKey = (String, u16, bool);

impl std::fmt::Debug for DnsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsCache").field("entries", &self.entries).field("pooled", &self.pool.len()).finish()
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

fn us(since: Instant) -> u64 {
    (since.elapsed().as_micros() as u64).max(1)
}

/// Where a request got to, for partial timings and `total_timeout`'s last phase.
#[derive(Default)]
struct Progress {
    phase: &'static str,
    t: Timings,
    ip: Option<IpAddr>,
    header_size: u64,
    request_size: u64,
    download: u64,
    content_length: i64,
    http_code: u16,
    http_version: String,
    location: Option<String>,
    tls: Option<TlsInfo>,
    body_head: Vec<u8>,
    /// The response left the connection usable (HTTP/1.1, framed body, no `close`).
    keep_alive: bool,
}

/// Runs one probe of `options.url` (following redirects when asked).
pub async fn probe(options: &HttpOptions, cache: &mut DnsCache) -> Result<HttpReport, UrlError> {
    let first = Url::parse(&options.url)?;
    let started = Instant::now();
    let started_epoch_s = chrono::Utc::now().timestamp();
    let mut url = first;
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut sum = Timings::default();
    let mut sizes = Sizes { content_length_download: -1, ..Default::default() };
    let mut redirect_us = 0;
    let mut error = None;
    let last;
    let tls_config = tls::client_config(&options.tls_roots, options.insecure);
    loop {
        let mut progress = Progress { content_length: -1, phase: "dns", ..Default::default() };
        let single = Instant::now();
        let result = match options.timeout {
            Some(limit) => {
                let left = limit.saturating_sub(started.elapsed());
                match tokio::time::timeout(left, request(options, &url, cache, &tls_config, single, &mut progress)).await {
                    Ok(r) => r,
                    Err(_) => {
                        Err(Failure::new(progress.phase, "total_timeout", format!("transfer timed out after {} ms", limit.as_millis())))
                    }
                }
            }
            None => request(options, &url, cache, &tls_config, single, &mut progress).await,
        };
        // libcurl adds each request's phase times (each from that request's start).
        for (s, p) in [
            (&mut sum.namelookup, progress.t.namelookup),
            (&mut sum.connect, progress.t.connect),
            (&mut sum.appconnect, progress.t.appconnect),
            (&mut sum.pretransfer, progress.t.pretransfer),
            (&mut sum.starttransfer, progress.t.starttransfer),
        ] {
            *s += p;
        }
        sizes.header += progress.header_size;
        sizes.request += progress.request_size;
        sizes.download = progress.download;
        sizes.content_length_download = progress.content_length;
        attempts.push(Attempt {
            url: url.to_url(),
            primary_ip: progress.ip,
            primary_port: url.port,
            http_code: progress.http_code,
            timings_us: Timings { total: us(single), ..progress.t },
            header_size: progress.header_size,
            request_size: progress.request_size,
            download_size: progress.download,
            location: progress.location.clone(),
        });
        if let Err(failure) = result {
            error = Some(failure);
            last = progress;
            break;
        }
        let redirect = matches!(progress.http_code, 301 | 302 | 303 | 307 | 308) && progress.location.is_some();
        if options.follow && redirect {
            let count = attempts.len() as i64;
            if options.max_redirs >= 0 && count > options.max_redirs {
                error = Some(Failure::new("http", "too_many_redirects", format!("maximum ({}) redirects followed", options.max_redirs)));
                last = progress;
                break;
            }
            let location = progress.location.clone().unwrap_or_default();
            match url.join(&location) {
                Ok(next) => {
                    url = next;
                    redirect_us = us(started);
                    continue;
                }
                Err(e) => {
                    error = Some(Failure::new("http", "malformed_response", e.to_string()));
                    last = progress;
                    break;
                }
            }
        }
        last = progress;
        break;
    }
    let total = us(started);
    sum.total = total;
    sum.redirect = redirect_us;
    if error.is_none() {
        let (lo, hi) = options.expect_status;
        if !(lo..=hi).contains(&last.http_code) {
            error = Some(Failure::new("http", "status", format!("status {} not in {lo}-{hi}", last.http_code)));
        } else if let Some(prefix) = &options.expect_prefix
            && !last.body_head.starts_with(prefix)
        {
            error = Some(Failure::new("http", "body", "body prefix mismatch".to_owned()));
        } else if let Some(re) = &options.expect_body
            && !re.is_match(&String::from_utf8_lossy(&last.body_head))
        {
            error = Some(Failure::new("http", "body", format!("body does not match `{re}`")));
        }
    }
    let secs = total as f64 / 1e6;
    Ok(HttpReport {
        url: options.url.clone(),
        effective_url: url.to_url(),
        primary_ip: last.ip,
        primary_port: url.port,
        http_code: last.http_code,
        http_version: last.http_version,
        timings_us: sum,
        speed: Speed { download: (sizes.download as f64 / secs) as u64, upload: (sizes.upload as f64 / secs) as u64 },
        sizes,
        num_redirects: attempts.len() as u32 - 1,
        tls: last.tls,
        attempts,
        error,
        started_epoch_s,
        body_head: last.body_head,
    })
}

async fn resolve(options: &HttpOptions, url: &Url, cache: &mut DnsCache) -> Result<Vec<IpAddr>, Failure> {
    if let Some(ip) = options.connect_to {
        return Ok(vec![ip]);
    }
    if let Ok(ip) = url.host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    if options.dns_cache_timeout != 0
        && let Some((at, addrs)) = cache.entries.get(&url.host)
        && (options.dns_cache_timeout < 0 || at.elapsed() < Duration::from_secs(options.dns_cache_timeout as u64))
    {
        return Ok(addrs.clone());
    }
    let addrs = options.resolver.lookup(&url.host).await.map_err(|e| Failure::new("dns", e.kind(), e.to_string()))?;
    if options.dns_cache_timeout != 0 {
        cache.entries.insert(url.host.clone(), (Instant::now(), addrs.clone()));
    }
    Ok(addrs)
}

async fn request(
    options: &HttpOptions,
    url: &Url,
    cache: &mut DnsCache,
    tls_config: &Arc<rustls::ClientConfig>,
    single: Instant,
    p: &mut Progress,
) -> Result<(), Failure> {
    let key = (url.host.clone(), url.port, url.https);
    if !options.forbid_reuse
        && !options.fresh_connect
        && let Some((ip, mut stream)) = cache.pool.remove(&key)
    {
        // A reused connection reports namelookup, connect and appconnect as 0, like curl.
        p.ip = Some(ip);
        match exchange(options, url, stream.as_mut(), single, p).await {
            Ok(()) => {
                if p.keep_alive {
                    cache.pool.insert(key, (ip, stream));
                }
                return Ok(());
            }
            // The server closed the idle connection: start over on a fresh one.
            Err(_) if p.header_size == 0 => *p = Progress { content_length: -1, phase: "dns", ..Default::default() },
            Err(failure) => return Err(failure),
        }
    }
    let connect_limit = if options.connect_timeout.is_zero() { Duration::from_secs(300) } else { options.connect_timeout };
    let connect_deadline = tokio::time::Instant::from_std(single + connect_limit);
    let addrs = match tokio::time::timeout_at(connect_deadline, resolve(options, url, cache)).await {
        Ok(r) => r?,
        Err(_) => return Err(Failure::new("dns", "timeout", format!("name lookup of `{}` timed out", url.host))),
    };
    p.t.namelookup = us(single);
    p.phase = "connect";
    let mut last_err = None;
    let mut tcp = None;
    for ip in &addrs {
        let addr = SocketAddr::new(*ip, url.port);
        match tokio::time::timeout_at(connect_deadline, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                p.ip = Some(*ip);
                tcp = Some(s);
                break;
            }
            Ok(Err(e)) => last_err = Some(Failure::new("connect", connect_error_kind(&e), format!("{addr}: {e}"))),
            Err(_) => {
                last_err = Some(Failure::new("connect", "timeout", format!("{addr}: no answer within {} ms", connect_limit.as_millis())));
                break;
            }
        }
    }
    let Some(tcp) = tcp else {
        return Err(last_err.unwrap_or_else(|| Failure::new("dns", "no_address", url.host.clone())));
    };
    let _ = tcp.set_nodelay(true);
    p.t.connect = us(single);
    let mut stream: Box<dyn Stream> = if url.https {
        p.phase = "tls";
        let name = rustls::pki_types::ServerName::try_from(url.host.clone())
            .map_err(|_| Failure::new("tls", "handshake", format!("`{}` is not a valid TLS server name", url.host)))?;
        let connector = tokio_rustls::TlsConnector::from(tls_config.clone());
        let tls = match tokio::time::timeout_at(connect_deadline, connector.connect(name, tcp)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(Failure::new("tls", tls::error_kind(&e), e.to_string())),
            Err(_) => return Err(Failure::new("tls", "handshake", format!("handshake not done within {} ms", connect_limit.as_millis()))),
        };
        let (_, conn) = tls.get_ref();
        let not_after = conn.peer_certificates().and_then(|c| c.first()).and_then(|c| tls::not_after(c));
        p.tls = Some(TlsInfo {
            version: conn.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default(),
            cipher: conn.negotiated_cipher_suite().map(|c| format!("{:?}", c.suite())).unwrap_or_default(),
            cert_not_after: not_after,
            cert_not_after_rfc3339: not_after
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        });
        p.t.appconnect = us(single);
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let ip = p.ip.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    exchange(options, url, stream.as_mut(), single, p).await?;
    if p.keep_alive && !options.forbid_reuse {
        cache.pool.insert(key, (ip, stream));
    }
    Ok(())
}

/// Sends the request on an open connection and reads the response.
async fn exchange(options: &HttpOptions, url: &Url, stream: &mut dyn Stream, single: Instant, p: &mut Progress) -> Result<(), Failure> {
    p.phase = "http";
    let mut req = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nAccept: */*\r\n",
        options.method,
        url.path,
        url.authority(),
        options.user_agent
    );
    for (k, v) in &options.headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    p.t.pretransfer = us(single);
    p.request_size = req.len() as u64;
    stream.write_all(req.as_bytes()).await.map_err(|e| Failure::new("http", "malformed_response", format!("sending the request: {e}")))?;
    read_response(options, stream, single, p).await
}

fn find_headers_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

async fn read_more(stream: &mut dyn Stream, buf: &mut Vec<u8>, chunk: &mut [u8]) -> Result<usize, Failure> {
    let n = stream.read(chunk).await.map_err(|e| Failure::new("http", "malformed_response", e.to_string()))?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
}

async fn read_response(options: &HttpOptions, stream: &mut dyn Stream, single: Instant, p: &mut Progress) -> Result<(), Failure> {
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    let malformed = |d: String| Failure::new("http", "malformed_response", d);
    // Headers, skipping 1xx interim responses (their bytes still count in header_size).
    let head = 'head: loop {
        while let Some(end) = find_headers_end(&buf) {
            if let Some(cb) = &options.on_header {
                cb(&buf[..end]);
            }
            p.header_size += end as u64;
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end);
            let status_line = head.lines().next().unwrap_or_default().to_owned();
            let mut parts = status_line.splitn(3, ' ');
            let version = parts.next().unwrap_or_default();
            let code: Option<u16> = parts.next().and_then(|c| c.parse().ok());
            let Some(code) = code.filter(|_| version.starts_with("HTTP/")) else {
                return Err(malformed(format!("bad status line `{status_line}`")));
            };
            if (100..200).contains(&code) && code != 101 {
                continue;
            }
            p.http_code = code;
            p.http_version = version.trim_start_matches("HTTP/").to_owned();
            break 'head head;
        }
        if buf.len() > 1 << 20 {
            return Err(malformed("headers larger than 1 MiB".into()));
        }
        let n = read_more(stream, &mut buf, &mut chunk).await?;
        if p.t.starttransfer == 0 && n > 0 {
            p.t.starttransfer = us(single);
        }
        if n == 0 {
            return Err(malformed(if p.header_size == 0 && buf.is_empty() {
                "empty reply from server".into()
            } else {
                "connection closed inside the headers".into()
            }));
        }
    };
    p.location = header(&head, "location").map(str::to_owned);
    let content_length: Option<u64> = header(&head, "content-length").and_then(|v| v.parse().ok());
    p.content_length = content_length.map_or(-1, |v| v as i64);
    let chunked = header(&head, "transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let no_body = options.method.eq_ignore_ascii_case("HEAD") || p.http_code == 204 || p.http_code == 304;
    let close = header(&head, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    p.keep_alive = p.http_version == "1.1" && !close && (no_body || chunked || content_length.is_some());
    p.phase = "http";
    let deliver = |p: &mut Progress, data: &[u8]| {
        p.download += data.len() as u64;
        if p.body_head.len() < options.keep_body {
            let take = data.len().min(options.keep_body - p.body_head.len());
            p.body_head.extend_from_slice(&data[..take]);
        }
        if let Some(cb) = &options.on_body {
            cb(data);
        }
    };
    if no_body {
        return Ok(());
    }
    if chunked {
        loop {
            let line_end = loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                if read_more(stream, &mut buf, &mut chunk).await? == 0 {
                    return Err(malformed("connection closed inside a chunk header".into()));
                }
            };
            let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or_default().trim(), 16)
                .map_err(|_| malformed(format!("bad chunk size `{size_text}`")))?;
            buf.drain(..line_end + 2);
            if size == 0 {
                // Trailers end with an empty line; their bytes count as header bytes.
                loop {
                    if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
                        p.header_size += end as u64 + 2;
                        if end == 0 {
                            return Ok(());
                        }
                        buf.drain(..end + 2);
                        continue;
                    }
                    if read_more(stream, &mut buf, &mut chunk).await? == 0 {
                        return Ok(());
                    }
                }
            }
            while buf.len() < size + 2 {
                if read_more(stream, &mut buf, &mut chunk).await? == 0 {
                    return Err(malformed(format!("connection closed with {} bytes of a chunk remaining", size + 2 - buf.len())));
                }
            }
            deliver(p, &buf[..size]);
            buf.drain(..size + 2);
        }
    }
    match content_length {
        Some(len) => {
            let mut got = 0u64;
            loop {
                let take = (buf.len() as u64).min(len - got) as usize;
                if take > 0 {
                    deliver(p, &buf[..take]);
                    buf.drain(..take);
                    got += take as u64;
                }
                if got >= len {
                    return Ok(());
                }
                if read_more(stream, &mut buf, &mut chunk).await? == 0 {
                    return Err(malformed(format!("transfer closed with {} bytes remaining to read", len - got)));
                }
            }
        }
        None => loop {
            if !buf.is_empty() {
                deliver(p, &buf);
                buf.clear();
            }
            if read_more(stream, &mut buf, &mut chunk).await? == 0 {
                return Ok(());
            }
        },
    }
}
