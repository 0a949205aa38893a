//! Port scans with nmap's target and port syntax ([`spec`]), a connect scan that never runs
//! out of file descriptors, RTT-adaptive timeouts and timing templates ([`timing`]), a global
//! rate cap, nmap-like normal, XML and book outputs ([`render`]) and baseline alerts
//! ([`baseline`]).
//!
//! [`scan`] takes [`ScanOptions`] and returns a [`ScanReport`]; one host's failure is a state
//! in the report, never an error.

pub mod baseline;
mod connect;
pub mod render;
pub mod services;
pub mod spec;
pub mod syn;
pub mod timing;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

pub use spec::{SpecError, TargetSpec, parse_ports, parse_targets};
pub use timing::Timing;

use crate::resolve::Resolver;
use timing::RttEstimate;

/// How ports are probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    /// `-sT`: a full TCP connect, closed at once with `SO_LINGER 0` (an RST, no TIME_WAIT).
    Connect,
    /// `-sS`: a raw SYN, answered by SYN-ACK (open) or RST (closed); needs `CAP_NET_RAW`.
    Syn,
}

impl Technique {
    /// nmap's `scaninfo type`.
    pub fn nmap_name(self) -> &'static str {
        match self {
            Technique::Connect => "connect",
            Technique::Syn => "syn",
        }
    }
}

/// How hosts are found up before their ports are scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Discovery {
    /// TCP connects to 80 and 443 (any answer, accept or refusal, means up), plus an ICMP
    /// echo when raw sockets are available.
    Default,
    /// `-Pn`: every host is up.
    Skip,
    /// `-PS<ports>`: TCP connects to these ports.
    TcpPorts(Vec<u16>),
    /// `-PE`: ICMP echo.
    Echo,
}

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub targets: Vec<TargetSpec>,
    pub exclude: Vec<TargetSpec>,
    pub ports: Vec<u16>,
    pub technique: Technique,
    pub discovery: Discovery,
    /// `-sn`: discovery only, no port scan.
    pub discovery_only: bool,
    pub timing: Timing,
    /// Probes per second across the whole scan.
    pub max_rate: Option<f64>,
    /// At least this many probes per second (nmap's `--min-rate`): a connect scan behind it
    /// sends past the parallelism budget (up to the descriptor budget) and the scan delay.
    pub min_rate: Option<f64>,
    /// Look host names up (PTR); `-n` turns it off.
    pub resolve_names: bool,
    pub resolver: Resolver,
    /// Randomise host and port order (nmap does); the seed makes it reproducible.
    pub randomize: bool,
    pub seed: u64,
    /// The command line, for the XML `args` attribute.
    pub args: String,
}

impl ScanOptions {
    pub fn new(targets: Vec<TargetSpec>, ports: Vec<u16>) -> Self {
        ScanOptions {
            targets,
            exclude: Vec::new(),
            ports,
            technique: Technique::Connect,
            discovery: Discovery::Default,
            discovery_only: false,
            timing: Timing::default(),
            max_rate: None,
            min_rate: None,
            resolve_names: true,
            resolver: Resolver::default(),
            randomize: true,
            seed: 0,
            args: String::new(),
        }
    }
}

/// The state of a port, nmap's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PortState {
    Open,
    Closed,
    Filtered,
}

impl PortState {
    pub fn as_str(self) -> &'static str {
        match self {
            PortState::Open => "open",
            PortState::Closed => "closed",
            PortState::Filtered => "filtered",
        }
    }
}

/// One scanned port.
#[derive(Debug, Clone, Serialize)]
pub struct PortResult {
    pub port: u16,
    pub protocol: &'static str,
    pub state: PortState,
    /// nmap's reason: `syn-ack`, `conn-refused`, `no-response`, `host-unreach`, `net-unreach`, …
    pub reason: &'static str,
    pub reason_ttl: u8,
    pub service: &'static str,
}

/// Ports of one state left out of the listing, as nmap's `extraports`.
#[derive(Debug, Clone, Serialize)]
pub struct ExtraPorts {
    pub state: PortState,
    pub count: usize,
    pub reason: &'static str,
}

/// Whether a host answered discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostState {
    Up,
    Down,
}

/// One host and its ports.
#[derive(Debug, Clone, Serialize)]
pub struct HostResult {
    pub address: IpAddr,
    /// The name it was given as, or its PTR name; `None` with `-n` or without a PTR.
    pub hostname: Option<String>,
    /// `user` when the name came from the command line, `PTR` from reverse DNS.
    pub hostname_type: Option<&'static str>,
    pub state: HostState,
    /// Why it is up or down: `user-set` (-Pn), `conn-refused`, `syn-ack`, `echo-reply`, `no-response`.
    pub reason: &'static str,
    pub latency_us: Option<u64>,
    pub srtt_us: Option<u64>,
    pub rttvar_us: u64,
    pub timeout_us: u64,
    /// Ports worth listing: every open port, and other states with 25 ports or fewer.
    pub ports: Vec<PortResult>,
    /// States with more than 25 ports, counted (nmap's "Not shown").
    pub extraports: Vec<ExtraPorts>,
    /// The host ran past `--host-timeout`: its ports are not reported.
    pub timed_out: bool,
    pub start_epoch_s: i64,
    pub end_epoch_s: i64,
}

impl HostResult {
    /// Open ports, ascending.
    pub fn open_ports(&self) -> Vec<u16> {
        self.ports.iter().filter(|p| p.state == PortState::Open).map(|p| p.port).collect()
    }
}

/// A target name that did not resolve: reported, and the scan goes on.
#[derive(Debug, Clone, Serialize)]
pub struct Unresolved {
    pub name: String,
    pub error: String,
}

/// The result of a scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub scanner: &'static str,
    pub version: &'static str,
    pub args: String,
    pub technique: Technique,
    pub protocol: &'static str,
    /// The scanned ports as nmap's `services` list (`1-1024,8080`).
    pub services: String,
    pub num_services: usize,
    pub start_epoch_s: i64,
    pub start_rfc3339: String,
    pub elapsed_s: f64,
    pub hosts: Vec<HostResult>,
    pub unresolved: Vec<Unresolved>,
    pub hosts_up: usize,
    pub hosts_down: usize,
    pub probes_sent: u64,
    pub timing: Timing,
}

/// What keeps a scan from starting.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("no targets left to scan after exclusions")]
    NoTargets,
    #[error(transparent)]
    Syn(#[from] syn::SynError),
    #[error("--min-rate {min} is above --max-rate {max}")]
    Rates { min: f64, max: f64 },
    #[error("the scan engine failed: {0}")]
    Engine(String),
    #[error("{count} addresses to scan is more than om's limit of {limit}\n  hint: narrow the targets or split the scan")]
    TooMany { count: u128, limit: u128 },
}

const MAX_ADDRESSES: u128 = 1 << 24;

/// The file-descriptor budget: raise the soft `RLIMIT_NOFILE` to the hard limit and keep a
/// reserve, so "too many open files" cannot happen.
pub fn fd_budget() -> usize {
    let (soft, hard) = rlimit::Resource::NOFILE.get().unwrap_or((1024, 1024));
    let limit = if soft < hard && rlimit::Resource::NOFILE.set(hard, hard).is_ok() { hard } else { soft };
    (limit.saturating_sub(64) as usize).clamp(1, 8192)
}

/// A global token bucket: one probe slot every `1 / rate` seconds.
pub(crate) struct RateLimit {
    interval: Duration,
    next: std::sync::Mutex<Instant>,
}

impl RateLimit {
    fn new(rate: f64) -> Self {
        RateLimit { interval: Duration::from_secs_f64(1.0 / rate.max(0.001)), next: std::sync::Mutex::new(Instant::now()) }
    }

    /// Takes the next free slot at or after `earliest`: the time the probe may go.
    pub(crate) fn reserve(&self, earliest: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let slot = (*next).max(earliest);
        *next = slot + self.interval;
        slot
    }

    async fn acquire(&self) {
        let slot = self.reserve(Instant::now());
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// A small xorshift generator for the scan order (no cryptographic need).
struct Shuffle(u64);

impl Shuffle {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// The outcome of one TCP connect.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Open(Duration),
    Closed(Duration),
    Filtered(&'static str),
}

async fn connect_once(addr: SocketAddr, timeout: Duration) -> Answer {
    let started = Instant::now();
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
    };
    let Ok(socket) = socket else { return Answer::Filtered("local-error") };
    match tokio::time::timeout(timeout, socket.connect(addr)).await {
        Ok(Ok(stream)) => {
            let rtt = started.elapsed();
            // SO_LINGER 0 on the connections that were made: close with an RST, so no
            // TIME_WAIT piles up (never blocks with 0). Refused ports need no call at all.
            let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
            drop(stream);
            Answer::Open(rtt)
        }
        Ok(Err(err)) => match err.raw_os_error() {
            Some(libc::ECONNREFUSED) => Answer::Closed(started.elapsed()),
            Some(libc::EHOSTUNREACH) => Answer::Filtered("host-unreach"),
            Some(libc::ENETUNREACH) => Answer::Filtered("net-unreach"),
            Some(libc::EACCES) | Some(libc::EPERM) => Answer::Filtered("admin-prohibited"),
            Some(libc::ETIMEDOUT) => Answer::Filtered("no-response"),
            _ => Answer::Filtered("no-response"),
        },
        Err(_) => Answer::Filtered("no-response"),
    }
}

/// Connects with retries for silent ports, updating the host's RTT estimate.
async fn probe_port(
    addr: SocketAddr,
    timing: &Timing,
    rtt: &std::sync::Mutex<RttEstimate>,
    rate: Option<&RateLimit>,
    sent: &AtomicUsize,
) -> Answer {
    let mut answer = Answer::Filtered("no-response");
    for _ in 0..=timing.max_retries {
        if let Some(rate) = rate {
            rate.acquire().await;
        }
        if !timing.scan_delay.is_zero() {
            tokio::time::sleep(timing.scan_delay).await;
        }
        let timeout = rtt.lock().map(|r| r.timeout(timing)).unwrap_or(timing.initial_rtt);
        sent.fetch_add(1, Ordering::Relaxed);
        answer = connect_once(addr, timeout).await;
        match answer {
            Answer::Open(d) | Answer::Closed(d) => {
                if let Ok(mut r) = rtt.lock() {
                    r.update(d);
                }
                return answer;
            }
            // An ICMP error is an answer too: no point in asking again.
            Answer::Filtered(reason) if reason != "no-response" => return answer,
            Answer::Filtered(_) => {}
        }
    }
    answer
}

struct Target {
    address: IpAddr,
    hostname: Option<String>,
    hostname_type: Option<&'static str>,
}

/// Expands the specs: names resolved, exclusions removed, de-duplicated, numeric order.
async fn expand(options: &ScanOptions) -> Result<(Vec<Target>, Vec<Unresolved>), ScanError> {
    let total: u128 = options.targets.iter().map(TargetSpec::count).sum();
    if total > MAX_ADDRESSES {
        return Err(ScanError::TooMany { count: total, limit: MAX_ADDRESSES });
    }
    let mut excluded: BTreeSet<IpAddr> = options.exclude.iter().flat_map(|s| s.addresses().collect::<Vec<_>>()).collect();
    for spec in &options.exclude {
        if let TargetSpec::Name(name) = spec
            && let Ok(addrs) = options.resolver.lookup(name).await
        {
            excluded.extend(addrs);
        }
    }
    let mut seen = BTreeSet::new();
    let mut targets = Vec::new();
    let mut unresolved = Vec::new();
    for spec in &options.targets {
        match spec {
            TargetSpec::Name(name) => match options.resolver.lookup(name).await {
                // nmap scans the first address of a name.
                Ok(addrs) if !addrs.is_empty() => {
                    if !excluded.contains(&addrs[0]) && seen.insert(addrs[0]) {
                        targets.push(Target { address: addrs[0], hostname: Some(name.clone()), hostname_type: Some("user") });
                    }
                }
                Ok(_) => unresolved.push(Unresolved { name: name.clone(), error: "no address".into() }),
                Err(err) => unresolved.push(Unresolved { name: name.clone(), error: err.to_string() }),
            },
            _ => {
                for address in spec.addresses() {
                    if !excluded.contains(&address) && seen.insert(address) {
                        targets.push(Target { address, hostname: None, hostname_type: None });
                    }
                }
            }
        }
    }
    targets.sort_by_key(|t| (matches!(t.address, IpAddr::V6(_)), t.address));
    Ok((targets, unresolved))
}

/// Runs the scan: discovery, then every port of every up host, bounded by the descriptor
/// budget and the rate cap.
pub async fn scan(options: &ScanOptions) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    let start_time = chrono::Utc::now();
    if let (Some(min), Some(max)) = (options.min_rate, options.max_rate)
        && min > max
    {
        return Err(ScanError::Rates { min, max });
    }
    let (targets, unresolved) = expand(options).await?;
    if targets.is_empty() && unresolved.is_empty() {
        return Err(ScanError::NoTargets);
    }
    let timing = options.timing;
    let budget = options.timing.max_parallelism.unwrap_or_else(fd_budget).max(1);
    let rate = options.max_rate.map(RateLimit::new).map(Arc::new);
    let sent = Arc::new(AtomicUsize::new(0));
    let rtts: Arc<Vec<std::sync::Mutex<RttEstimate>>> = Arc::new(targets.iter().map(|_| Default::default()).collect());

    // Discovery.
    let mut up: Vec<(bool, &'static str, Option<u64>)> = Vec::with_capacity(targets.len());
    let discovery_ports: Vec<u16> = match &options.discovery {
        Discovery::Skip => Vec::new(),
        Discovery::Default => vec![80, 443],
        Discovery::TcpPorts(ports) => ports.clone(),
        Discovery::Echo => Vec::new(),
    };
    for (i, target) in targets.iter().enumerate() {
        let state = match &options.discovery {
            Discovery::Skip => (true, "user-set", None),
            Discovery::Echo => {
                let reply = crate::probe::icmp::echo(target.address, timing.initial_rtt.max(Duration::from_millis(500)), 1).await;
                match reply {
                    Ok(r) if r.received > 0 => (true, "echo-reply", r.rtt_us.first().copied()),
                    _ => (false, "no-response", None),
                }
            }
            _ => {
                let mut tasks = Vec::new();
                for &port in &discovery_ports {
                    let addr = SocketAddr::new(target.address, port);
                    let rtts = rtts.clone();
                    let rate = rate.clone();
                    let sent = sent.clone();
                    let t = timing;
                    tasks.push(tokio::spawn(async move {
                        let t1 = Timing { max_retries: 1.min(t.max_retries), ..t };
                        probe_port(addr, &t1, &rtts[i], rate.as_deref(), &sent).await
                    }));
                }
                // With raw sockets, an ICMP echo runs beside the TCP probes, as nmap's
                // privileged default discovery.
                let echo = (options.discovery == Discovery::Default && syn::available()).then(|| {
                    let (addr, wait) = (target.address, timing.initial_rtt.min(Duration::from_secs(1)));
                    tokio::spawn(async move { crate::probe::icmp::echo(addr, wait, 1).await })
                });
                let mut state = (false, "no-response", None);
                if let Some(echo) = echo
                    && let Ok(Ok(reply)) = echo.await
                    && reply.received > 0
                {
                    state = (true, "echo-reply", reply.rtt_us.first().copied());
                }
                for task in tasks {
                    match task.await {
                        Ok(Answer::Open(d)) if !state.0 => state = (true, "syn-ack", Some(d.as_micros() as u64)),
                        Ok(Answer::Closed(d)) if !state.0 => state = (true, "conn-refused", Some(d.as_micros() as u64)),
                        _ => {}
                    }
                }
                state
            }
        };
        up.push(state);
    }

    // Port scan: one job per (host, port), in random order, run by `budget` workers.
    let mut jobs: Vec<(u32, u16)> = Vec::new();
    if !options.discovery_only {
        for (i, _) in targets.iter().enumerate().filter(|(i, _)| up[*i].0) {
            jobs.extend(options.ports.iter().map(|&p| (i as u32, p)));
        }
    }
    if options.randomize {
        let seed = if options.seed == 0 { start_time.timestamp_nanos_opt().unwrap_or(1) as u64 | 1 } else { options.seed };
        Shuffle(seed).shuffle(&mut jobs);
    }
    // SYN scan: every job (IPv4 and IPv6) goes to the raw-socket engine.
    let mut syn_answers: Vec<(u32, u16, Answer, u8)> = Vec::new();
    if options.technique == Technique::Syn {
        let index: std::collections::HashMap<IpAddr, u32> = targets.iter().enumerate().map(|(i, t)| (t.address, i as u32)).collect();
        let syn_jobs: Vec<(IpAddr, u16)> = std::mem::take(&mut jobs).iter().map(|(h, p)| (targets[*h as usize].address, *p)).collect();
        let syn_rtts: std::collections::HashMap<IpAddr, std::sync::Mutex<RttEstimate>> =
            index.keys().map(|a| (*a, std::sync::Mutex::new(RttEstimate::default()))).collect();
        let (max_rate, sent2) = (options.max_rate, sent.clone());
        let (answers, syn_rtts) = tokio::task::spawn_blocking(move || {
            let r = syn::run(&syn_jobs, &timing, max_rate, &syn_rtts, &sent2);
            r.map(|a| (a, syn_rtts))
        })
        .await
        .map_err(|e| ScanError::Engine(e.to_string()))??;
        for (addr, est) in syn_rtts {
            if let (Some(i), Ok(est)) = (index.get(&addr), est.into_inner())
                && let Ok(mut r) = rtts[*i as usize].lock()
            {
                *r = est;
            }
        }
        for ((addr, port), answer) in answers {
            let (a, ttl) = match answer {
                syn::SynAnswer::Open { ttl } => (Answer::Open(Duration::ZERO), ttl),
                syn::SynAnswer::Closed { ttl } => (Answer::Closed(Duration::ZERO), ttl),
                syn::SynAnswer::Filtered { reason, ttl } => (Answer::Filtered(reason), ttl),
            };
            if let Some(&host) = index.get(&addr) {
                syn_answers.push((host, port, a, ttl));
            }
        }
    }
    let mut per_host: Vec<Vec<(u16, Answer, u8)>> = vec![Vec::new(); targets.len()];
    for (host, port, answer, ttl) in syn_answers {
        per_host[host as usize].push((port, answer, ttl));
    }
    // --host-timeout: a host's clock starts with its first probe; past the limit its
    // remaining ports are skipped and the host is reported as timed out (nmap's rule).
    let host_started: Arc<Vec<std::sync::OnceLock<Instant>>> = Arc::new(targets.iter().map(|_| std::sync::OnceLock::new()).collect());
    let timed_out: Arc<Vec<std::sync::atomic::AtomicBool>> = Arc::new(targets.iter().map(|_| Default::default()).collect());
    if !jobs.is_empty() {
        let connect_jobs: Vec<connect::Job> = jobs.iter().map(|&(h, p)| (h, SocketAddr::new(targets[h as usize].address, p))).collect();
        let (min_rate, hard_cap) = (options.min_rate, fd_budget().max(budget));
        let (rtts, rate, sent, host_started, timed_out) =
            (rtts.clone(), rate.clone(), sent.clone(), host_started.clone(), timed_out.clone());
        let answers = tokio::task::spawn_blocking(move || {
            let shared = connect::Shared {
                timing,
                rtts: &rtts,
                host_started: &host_started,
                timed_out: &timed_out,
                rate: rate.as_deref(),
                min_rate,
                hard_cap,
                sent: &sent,
                claimed: AtomicUsize::new(0),
            };
            let answers = connect::run(&connect_jobs, budget, &shared);
            answers.into_iter().map(|(i, a)| (connect_jobs[i].0, connect_jobs[i].1.port(), a)).collect::<Vec<_>>()
        })
        .await
        .map_err(|e| ScanError::Engine(e.to_string()))?;
        for (host, port, answer) in answers {
            per_host[host as usize].push((port, answer, 0));
        }
    }
    let end = chrono::Utc::now().timestamp();

    let mut hosts = Vec::with_capacity(targets.len());
    for (i, target) in targets.iter().enumerate() {
        let (is_up, reason, latency) = up[i];
        let host_timed_out = timed_out[i].load(Ordering::Relaxed);
        let mut answers = std::mem::take(&mut per_host[i]);
        answers.sort_by_key(|(p, _, _)| *p);
        let all: Vec<PortResult> = answers
            .into_iter()
            .map(|(port, answer, reason_ttl)| {
                let syn = options.technique == Technique::Syn;
                let (state, reason) = match answer {
                    Answer::Open(_) => (PortState::Open, "syn-ack"),
                    Answer::Closed(_) => (PortState::Closed, if syn { "reset" } else { "conn-refused" }),
                    Answer::Filtered(r) => (PortState::Filtered, r),
                };
                PortResult { port, protocol: "tcp", state, reason, reason_ttl, service: services::tcp_name(port) }
            })
            .collect();
        let (ports, extraports) = if host_timed_out { (Vec::new(), Vec::new()) } else { split_extraports(all) };
        let rtt = rtts[i].lock().map(|r| *r).unwrap_or_default();
        let (hostname, hostname_type) = match (&target.hostname, options.resolve_names && is_up) {
            (Some(name), _) => (Some(name.clone()), target.hostname_type),
            (None, true) => match options.resolver.reverse(target.address).await {
                Some(name) => (Some(name), Some("PTR")),
                None => (None, None),
            },
            (None, false) => (None, None),
        };
        hosts.push(HostResult {
            address: target.address,
            hostname,
            hostname_type,
            state: if is_up { HostState::Up } else { HostState::Down },
            reason,
            latency_us: latency.or(rtt.srtt_us()),
            srtt_us: rtt.srtt_us(),
            rttvar_us: rtt.rttvar_us(),
            timeout_us: rtt.timeout(&timing).as_micros() as u64,
            ports,
            extraports,
            timed_out: host_timed_out,
            start_epoch_s: start_time.timestamp(),
            end_epoch_s: end,
        });
    }
    let hosts_up = hosts.iter().filter(|h| h.state == HostState::Up).count();
    Ok(ScanReport {
        scanner: "om",
        version: env!("CARGO_PKG_VERSION"),
        args: options.args.clone(),
        technique: options.technique,
        protocol: "tcp",
        services: spec::ports_to_ranges(&options.ports),
        num_services: options.ports.len(),
        start_epoch_s: start_time.timestamp(),
        start_rfc3339: start_time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        elapsed_s: started.elapsed().as_secs_f64(),
        hosts_down: hosts.len() - hosts_up,
        hosts_up,
        hosts,
        unresolved,
        probes_sent: sent.load(Ordering::Relaxed) as u64,
        timing,
    })
}

/// nmap's rule: a state other than open with more than 25 ports is counted, not listed.
fn split_extraports(all: Vec<PortResult>) -> (Vec<PortResult>, Vec<ExtraPorts>) {
    let mut extras: Vec<ExtraPorts> = Vec::new();
    for state in [PortState::Closed, PortState::Filtered] {
        let matching: Vec<&PortResult> = all.iter().filter(|p| p.state == state).collect();
        if matching.len() > 25 {
            // The most frequent reason names the group, as nmap's `extrareasons`.
            let mut reasons: Vec<(&'static str, usize)> = Vec::new();
            for p in &matching {
                match reasons.iter_mut().find(|(r, _)| *r == p.reason) {
                    Some((_, n)) => *n += 1,
                    None => reasons.push((p.reason, 1)),
                }
            }
            reasons.sort_by_key(|r| std::cmp::Reverse(r.1));
            extras.push(ExtraPorts { state, count: matching.len(), reason: reasons[0].0 });
        }
    }
    let listed = all.into_iter().filter(|p| !extras.iter().any(|e| e.state == p.state)).collect();
    (listed, extras)
}
