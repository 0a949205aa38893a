//! The round-robin check done properly: resolve a name uncached at every run, probe every
//! address concurrently with `Host:` and SNI pinned to the name, and tell "one backend of N
//! dead" (degraded) from "service down".

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::probe::{DnsCache, HttpOptions, TlsRoots};
use crate::resolve::{Family, Resolver};

/// What to check.
#[derive(Debug, Clone)]
pub struct RrCheckOptions {
    pub domain: String,
    pub https: bool,
    pub port: Option<u16>,
    pub path: String,
    pub timeout: Duration,
    pub expect_status: (u16, u16),
    pub expect_prefix: Option<Vec<u8>>,
    pub expect_body: Option<regex::Regex>,
    pub family: Family,
    pub resolver: Resolver,
    pub concurrency: usize,
    pub tls_roots: TlsRoots,
    /// The book's exact check: port 80, path `/`, 5 s, the first 15 body bytes equal
    /// `<!doctype html>`, status ignored.
    pub book: bool,
}

impl RrCheckOptions {
    pub fn new(domain: impl Into<String>) -> Self {
        RrCheckOptions {
            domain: domain.into(),
            https: false,
            port: None,
            path: "/".into(),
            timeout: Duration::from_secs(5),
            expect_status: (200, 399),
            expect_prefix: None,
            expect_body: None,
            family: Family::V4,
            resolver: Resolver::default(),
            concurrency: 16,
            tls_roots: TlsRoots::System,
            book: false,
        }
    }

    /// Applies `--book`: the book's port, path, timeout and 15-byte prefix; status ignored.
    pub fn book(mut self) -> Self {
        self.book = true;
        self.https = false;
        self.port = Some(80);
        self.path = "/".into();
        self.timeout = Duration::from_secs(5);
        self.expect_status = (0, 999);
        self.expect_prefix = Some(b"<!doctype html>".to_vec());
        self
    }
}

/// The whole service's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RrState {
    Ok,
    Degraded,
    Down,
    DnsError,
}

/// One address's result.
#[derive(Debug, Clone, Serialize)]
pub struct AddressResult {
    pub address: IpAddr,
    pub ok: bool,
    pub http_code: u16,
    pub latency_us: u64,
    pub error: Option<crate::probe::Failure>,
    /// The short reason `-v` prints: `connect: refused`, `status 503`, `timeout after 5 s`.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RrReport {
    pub domain: String,
    pub state: RrState,
    pub addresses: Vec<AddressResult>,
    pub dns_error: Option<String>,
}

fn reason(failure: &crate::probe::Failure, timeout: Duration) -> String {
    match (failure.phase, failure.kind) {
        (_, "total_timeout") | ("connect", "timeout") => format!("timeout after {} s", timeout.as_secs_f64()),
        ("http", "status") => failure.detail.split(" not in").next().unwrap_or(&failure.detail).to_owned(),
        ("http", "body") => failure.detail.clone(),
        (phase, kind) => format!("{phase}: {kind}"),
    }
}

/// Resolves and probes every address; one address failing never stops the others.
pub async fn rr_check(options: &RrCheckOptions) -> RrReport {
    let mut resolver = options.resolver.clone();
    resolver.family = options.family;
    let addrs = match resolver.lookup(&options.domain).await {
        Ok(a) => a,
        Err(e) => {
            let detail = match e {
                crate::resolve::ResolveError::NoAddress(_) => None,
                other => Some(other.to_string()),
            };
            return RrReport {
                domain: options.domain.clone(),
                state: RrState::DnsError,
                addresses: Vec::new(),
                dns_error: detail.or(Some(String::new())),
            };
        }
    };
    let scheme = if options.https { "https" } else { "http" };
    let port = options.port.map(|p| format!(":{p}")).unwrap_or_default();
    let url = format!("{scheme}://{}{port}{}", options.domain, options.path);
    let limit = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut tasks = Vec::new();
    for &address in &addrs {
        let mut http = HttpOptions::new(url.clone());
        http.connect_to = Some(address);
        http.connect_timeout = options.timeout;
        http.timeout = Some(options.timeout);
        http.expect_status = options.expect_status;
        http.expect_prefix = options.expect_prefix.clone();
        http.expect_body = options.expect_body.clone();
        http.keep_body = if options.expect_prefix.is_some() || options.expect_body.is_some() { 64 * 1024 } else { 0 };
        http.tls_roots = options.tls_roots.clone();
        let limit = limit.clone();
        let timeout = options.timeout;
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            let report = crate::probe::http::probe(&http, &mut DnsCache::default()).await;
            match report {
                Ok(r) => AddressResult {
                    address,
                    ok: r.error.is_none(),
                    http_code: r.http_code,
                    latency_us: r.timings_us.total,
                    reason: r.error.as_ref().map(|f| reason(f, timeout)),
                    error: r.error,
                },
                Err(e) => AddressResult {
                    address,
                    ok: false,
                    http_code: 0,
                    latency_us: 0,
                    reason: Some(e.to_string()),
                    error: Some(crate::probe::Failure::new("http", "malformed_response", e.to_string())),
                },
            }
        }));
    }
    let mut results = Vec::new();
    for (task, &address) in tasks.into_iter().zip(&addrs) {
        results.push(task.await.unwrap_or_else(|e| AddressResult {
            address,
            ok: false,
            http_code: 0,
            latency_us: 0,
            reason: Some(format!("internal: {e}")),
            error: None,
        }));
    }
    let ok = results.iter().filter(|r| r.ok).count();
    let state = match ok {
        n if n == results.len() => RrState::Ok,
        0 => RrState::Down,
        _ => RrState::Degraded,
    };
    RrReport { domain: options.domain.clone(), state, addresses: results, dns_error: None }
}

/// `<ip> [OK]` / `<ip> [Error]` per address (with the reason when `verbose`), or the book's
/// `dns resolver error:<detail>` / `dns resolver error.` lines.
pub fn render(report: &RrReport, verbose: bool) -> String {
    if report.state == RrState::DnsError {
        return match report.dns_error.as_deref() {
            Some(d) if !d.is_empty() => format!("dns resolver error:{d}\n"),
            _ => "dns resolver error.\n".to_owned(),
        };
    }
    let mut out = String::new();
    for a in &report.addresses {
        let mark = if a.ok { "[OK]" } else { "[Error]" };
        match (&a.reason, verbose) {
            (Some(r), true) => out.push_str(&format!("{} {mark} {r}\n", a.address)),
            _ => out.push_str(&format!("{} {mark}\n", a.address)),
        }
    }
    out
}
