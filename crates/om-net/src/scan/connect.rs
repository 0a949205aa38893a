//! The connect-scan engine (`-sT`): nonblocking connects on plain threads, one per core, each
//! with its own epoll set and its own stripe of the (already shuffled) probe list.
//!
//! Where the time goes on a fast path (loopback, a LAN): the kernel answers most connects
//! before `connect()` returns: the SYN, the peer's RST or SYN-ACK and our socket's state
//! change all happen inside the system call. So a probe asks `connect()` a second time at
//! once: `ECONNREFUSED` (closed), success (open) or `EALREADY` (still waiting: only then is
//! the socket registered with epoll). A socket whose connect was refused is back in the
//! closed state and is reused for the next port, which spares the `socket()` and `close()`
//! of every closed port (about 40% of the kernel's work per port). Each new socket is bound to
//! a source port of its own first: a socket bound by the user keeps its port when a connect
//! is refused, so the next connect skips the kernel's search for a free source port (about
//! 13% of the kernel's work per closed port on loopback). Open ports are closed with
//! `SO_LINGER 0` (an RST, no TIME_WAIT).
//!
//! Each new socket is bound to the address the route to its host takes from, not only to a
//! port: a socket whose source address the user bound keeps it across connects, so neither
//! `connect()` nor the disconnect after a refusal moves it between the kernel's bind tables
//! (another 8% of the kernel's work per closed port on loopback).
//!
//! A host on this machine (loopback, or an address of its own) answers inside the system
//! call every time, so its probes use blocking sockets with a send timeout of one tick: one
//! `connect()` per port says refused or open, the second call is spared (7–15% of the
//! kernel's work per closed port). Should such a host not answer at once after all (a
//! firewall that drops), the call returns after the tick as in progress, the probe waits in
//! epoll like any other and the host's later probes go back to nonblocking sockets.
//!
//! The threads take the probe list in small chunks from one counter rather than fixed
//! stripes, so a thread that got less CPU (other load, its core busy with the peer's
//! softirqs) does not leave the scan waiting for its share.
//!
//! Timeouts are per host (smoothed RTT + 4 × variance, [`RttEstimate`]), silent ports are
//! resent up to `max_retries` times, `--max-rate` is a token bucket shared by the threads,
//! `--scan-delay` paces each thread, `--max-parallelism` bounds the sockets in flight, and
//! `--min-rate` lets probes out past both when the scan falls behind it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rustix::event::epoll;
use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketFlags, SocketType};

use super::timing::{RttEstimate, Timing};
use super::{Answer, RateLimit};

/// What every thread of one connect scan shares.
pub(crate) struct Shared<'a> {
    pub timing: Timing,
    /// Per host, indexed by the job's host number.
    pub rtts: &'a [Mutex<RttEstimate>],
    pub host_started: &'a [OnceLock<Instant>],
    pub timed_out: &'a [AtomicBool],
    pub rate: Option<&'a RateLimit>,
    /// `--min-rate`: probes per second the scan keeps up even past the parallelism budget
    /// and the scan delay (nmap's meaning), up to `hard_cap` sockets in flight.
    pub min_rate: Option<f64>,
    pub hard_cap: usize,
    pub sent: &'a AtomicUsize,
    /// The next job no thread has taken yet (threads take [`CHUNK`] at a time).
    pub claimed: AtomicUsize,
}

/// How many fresh jobs a thread takes from the shared list at once.
const CHUNK: usize = 64;

/// One probe target: the host's number (for its RTT estimate and timeout) and its address.
pub(crate) type Job = (u32, SocketAddr);

/// Runs every job; returns (job index, answer) for each job that was probed (jobs of a host
/// past its `--host-timeout` are left out). `parallelism` is the total of sockets in flight.
pub(crate) fn run(jobs: &[Job], parallelism: usize, shared: &Shared<'_>) -> Vec<(usize, Answer)> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    // Threads pay off only with work to share; T0–T2 (parallelism 1) stay on one.
    let threads = cores.min(4).min(parallelism.max(1)).min(jobs.len().div_ceil(256)).max(1);
    let budget = (parallelism / threads).max(1);
    if threads == 1 {
        return Worker::new(jobs, 0, budget, shared).run();
    }
    let hard_cap = (shared.hard_cap / threads).max(budget);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            (0..threads).map(|t| scope.spawn(move || Worker::new(jobs, t, budget, shared).with_cap(hard_cap, threads).run())).collect();
        let mut all = Vec::with_capacity(jobs.len());
        let mut died = false;
        for handle in handles {
            match handle.join() {
                Ok(answers) => all.extend(answers),
                Err(_) => died = true,
            }
        }
        if died {
            // A worker that died leaves the jobs it held unanswered rather than the scan
            // (jobs of hosts past their --host-timeout stay left out).
            let mut answered = vec![false; jobs.len()];
            for (job, _) in &all {
                answered[*job] = true;
            }
            let lost = (0..jobs.len()).filter(|&i| !answered[i] && !shared.timed_out[jobs[i].0 as usize].load(Ordering::Relaxed));
            all.extend(lost.map(|i| (i, Answer::Filtered("local-error"))).collect::<Vec<_>>());
        }
        all
    })
}

/// A probe waiting for the kernel (registered with epoll).
struct Pending {
    fd: OwnedFd,
    job: usize,
    attempt: u32,
    started: Instant,
}

/// A job taken from the queue, with its attempt number and, when paced, its send time.
#[derive(Clone, Copy)]
struct Next {
    job: usize,
    attempt: u32,
    at: Option<Instant>,
}

/// What one `connect()` round trip said.
enum Outcome {
    /// The answer, and the socket with its source port when it can take the next port.
    Answer(Answer, Option<Spare>),
    Pending(OwnedFd),
    /// Out of descriptors or source ports: try again once something in flight finishes.
    Starved,
}

/// A socket whose connect was refused, ready for the next port: its bound source address
/// and port (port 0: the kernel picks one per connect; no address: the wildcard).
struct Spare {
    fd: OwnedFd,
    port: u16,
    route: Route,
}

/// How probes reach a host: the source address its route takes (`None`: unknown, bind the
/// wildcard), and whether it answers inside `connect()` (a local address: blocking sockets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Route {
    source: Option<IpAddr>,
    sync: bool,
}

impl Route {
    fn of(target: SocketAddr) -> Route {
        let source = route_source(target);
        Route { source, sync: target.ip().is_loopback() || source == Some(target.ip()) }
    }
}

/// How long a blocking connect to a local host may wait: Linux rounds it up to one tick.
const SYNC_WAIT: Duration = Duration::from_micros(1);

struct Worker<'a, 'j> {
    jobs: &'j [Job],
    shared: &'a Shared<'a>,
    budget: usize,
    /// The fresh jobs this worker has taken from the shared list and not sent yet.
    fresh: std::ops::Range<usize>,
    retries: VecDeque<(usize, u32)>,
    held: Option<Next>,
    last_send: Option<Instant>,
    slots: Vec<Option<Pending>>,
    free: Vec<usize>,
    in_flight: usize,
    generation: Vec<u32>,
    deadlines: BinaryHeap<Reverse<(Instant, usize, u32)>>,
    /// Sockets whose connect was refused, ready for the next port: IPv4, IPv6.
    spare: [Option<Spare>; 2],
    /// Per host: how probes reach it.
    routes: HashMap<u32, Route>,
    /// The next source port to try binding a new socket to.
    next_port: u16,
    starved_tries: u32,
    /// This worker's share of `--min-rate` (probes/s), its cap, its start and probes sent.
    min_rate: Option<f64>,
    hard_cap: usize,
    started: Instant,
    sent: u64,
    epoll: Option<OwnedFd>,
    out: Vec<(usize, Answer)>,
}

impl<'a, 'j> Worker<'a, 'j> {
    fn new(jobs: &'j [Job], worker: usize, budget: usize, shared: &'a Shared<'a>) -> Self {
        Worker {
            jobs,
            shared,
            budget,
            fresh: 0..0,
            retries: VecDeque::new(),
            held: None,
            last_send: None,
            slots: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            generation: Vec::new(),
            deadlines: BinaryHeap::new(),
            spare: [None, None],
            routes: HashMap::new(),
            next_port: first_source_port(worker),
            starved_tries: 0,
            min_rate: shared.min_rate.filter(|r| *r > 0.0),
            hard_cap: shared.hard_cap.max(budget),
            started: Instant::now(),
            sent: 0,
            epoll: None,
            out: Vec::new(),
        }
    }

    fn with_cap(mut self, hard_cap: usize, threads: usize) -> Self {
        self.hard_cap = hard_cap.max(self.budget);
        self.min_rate = self.min_rate.map(|r| r / threads as f64);
        self
    }

    /// When `--min-rate` wants the next probe out: `None` without it.
    fn min_rate_due(&self) -> Option<Instant> {
        let rate = self.min_rate?;
        Some(self.started + Duration::from_secs_f64((self.sent + 1) as f64 / rate))
    }

    /// Whether the scan runs behind `--min-rate`.
    fn behind(&self, now: Instant) -> bool {
        self.min_rate_due().is_some_and(|due| due <= now)
    }

    fn run(mut self) -> Vec<(usize, Answer)> {
        let mut events: Vec<epoll::Event> = Vec::with_capacity(256);
        loop {
            let wake = self.send_what_we_may();
            if self.in_flight == 0 && self.held.is_none() && self.retries.is_empty() && !self.has_fresh() {
                break;
            }
            let now = Instant::now();
            let mut until = wake;
            if self.in_flight < self.hard_cap
                && self.held.is_none()
                && let Some(due) = self.min_rate_due()
                && (!self.retries.is_empty() || self.has_fresh())
            {
                until = Some(until.map_or(due, |u| u.min(due)));
            }
            if let Some(Reverse((deadline, _, _))) = self.deadlines.peek() {
                until = Some(until.map_or(*deadline, |u| u.min(*deadline)));
            }
            let wait = until.map_or(Duration::from_millis(50), |u| u.saturating_duration_since(now));
            match &self.epoll {
                Some(ep) if self.in_flight > 0 => {
                    events.clear();
                    let timeout = rustix::event::Timespec { tv_sec: wait.as_secs() as _, tv_nsec: wait.subsec_nanos() as _ };
                    match epoll::wait(ep, rustix::buffer::spare_capacity(&mut events), Some(&timeout)) {
                        Ok(_) | Err(Errno::INTR) => {}
                        // epoll itself failed: wait out the time and let the deadlines decide.
                        Err(_) => std::thread::sleep(wait.min(Duration::from_millis(10))),
                    }
                    for event in events.drain(..) {
                        self.completed(event.data.u64());
                    }
                }
                _ => {
                    if !wait.is_zero() {
                        std::thread::sleep(wait);
                    }
                }
            }
            self.expire(Instant::now());
        }
        self.out
    }

    /// Sends until the budget is full, the jobs run out or pacing says wait; returns when
    /// the held job may go.
    fn send_what_we_may(&mut self) -> Option<Instant> {
        loop {
            let full = self.in_flight >= self.budget;
            // --min-rate: behind the rate, probes go out past the budget (up to the cap).
            if full && (self.in_flight >= self.hard_cap || !self.behind(Instant::now())) {
                return None;
            }
            let next = match self.held.take() {
                Some(next) => next,
                None => self.take_job()?,
            };
            if let Some(at) = next.at
                && at > Instant::now()
            {
                self.held = Some(next);
                return Some(at);
            }
            let (host, addr) = self.jobs[next.job];
            let timing = &self.shared.timing;
            if let Some(limit) = timing.host_timeout
                && self.shared.host_started[host as usize].get_or_init(Instant::now).elapsed() > limit
            {
                self.shared.timed_out[host as usize].store(true, Ordering::Relaxed);
                continue;
            }
            let started = Instant::now();
            self.last_send = Some(started);
            self.sent += 1;
            self.shared.sent.fetch_add(1, Ordering::Relaxed);
            match self.connect(host, addr) {
                Outcome::Answer(answer, spare) => {
                    self.starved_tries = 0;
                    if let Some(spare) = spare {
                        self.spare[usize::from(addr.is_ipv6())] = Some(spare);
                    }
                    self.answered(next.job, next.attempt, answer);
                }
                Outcome::Pending(fd) => {
                    self.starved_tries = 0;
                    if !self.register(fd, next.job, next.attempt, started) {
                        self.answered(next.job, next.attempt, Answer::Filtered("local-error"));
                    }
                }
                Outcome::Starved => {
                    self.sent -= 1;
                    self.shared.sent.fetch_sub(1, Ordering::Relaxed);
                    self.starved_tries += 1;
                    if self.in_flight > 0 {
                        // Something will finish and free a descriptor or a port.
                        self.held = Some(Next { at: None, ..next });
                        return None;
                    }
                    if self.starved_tries > 200 {
                        self.starved_tries = 0;
                        self.out.push((next.job, Answer::Filtered("local-error")));
                        continue;
                    }
                    let at = Instant::now() + Duration::from_millis(1);
                    self.held = Some(Next { at: Some(at), ..next });
                    return Some(at);
                }
            }
        }
    }

    /// Whether fresh jobs remain for this worker: its own chunk, else the next chunk of the
    /// shared list (taken now).
    fn has_fresh(&mut self) -> bool {
        if self.fresh.is_empty() {
            let start = self.shared.claimed.fetch_add(CHUNK, Ordering::Relaxed).min(self.jobs.len());
            self.fresh = start..(start + CHUNK).min(self.jobs.len());
        }
        !self.fresh.is_empty()
    }

    /// The next job (retries first), with its send time under `--max-rate` and `--scan-delay`.
    fn take_job(&mut self) -> Option<Next> {
        let (job, attempt) = match self.retries.pop_front() {
            Some(r) => r,
            None if self.has_fresh() => (self.fresh.next()?, 0),
            None => return None,
        };
        let mut at = None;
        let delay = self.shared.timing.scan_delay;
        // The scan delay gives way to --min-rate (the rate cap never does).
        if !delay.is_zero()
            && let Some(last) = self.last_send
        {
            let paced = last + delay;
            at = Some(self.min_rate_due().map_or(paced, |due| paced.min(due)));
        }
        if let Some(rate) = self.shared.rate {
            let slot = rate.reserve(at.unwrap_or_else(Instant::now));
            at = Some(slot);
        }
        Some(Next { job, attempt, at })
    }

    fn connect(&mut self, host: u32, addr: SocketAddr) -> Outcome {
        let family = usize::from(addr.is_ipv6());
        let wanted = *self.routes.entry(host).or_insert_with(|| Route::of(addr));
        let (fd, port, route) = match self.spare[family].take() {
            // A socket bound to the target's own port could connect to itself (a local
            // address): that port gets a socket of its own; so does another route.
            Some(spare) if spare.port != addr.port() && spare.route == wanted => (spare.fd, spare.port, spare.route),
            other => match self.new_socket(addr, wanted, other.filter(|spare| spare.route == wanted)) {
                Ok(socket) => socket,
                Err(outcome) => return outcome,
            },
        };
        let started = Instant::now();
        let first = rustix::net::connect(&fd, &addr);
        let result = match first {
            // Ask again: on a fast path the kernel has the answer already.
            Err(Errno::INPROGRESS) if !route.sync => match rustix::net::connect(&fd, &addr) {
                Err(Errno::ISCONN) => Ok(()),
                other => other,
            },
            other => other,
        };
        match result {
            Ok(()) => Outcome::Answer(Answer::Open(started.elapsed()), {
                // RST on close, no TIME_WAIT; the descriptor is closed here.
                let _ = rustix::net::sockopt::set_socket_linger(&fd, Some(Duration::ZERO));
                None
            }),
            // Refused: the socket is closed again and takes the next port.
            Err(Errno::CONNREFUSED) => Outcome::Answer(Answer::Closed(started.elapsed()), Some(Spare { fd, port, route })),
            Err(Errno::ALREADY | Errno::INPROGRESS | Errno::INTR) => {
                if route.sync
                    && let Some(route) = self.routes.get_mut(&host)
                {
                    // A local host that did not answer at once: no more blocking for it.
                    route.sync = false;
                }
                Outcome::Pending(fd)
            }
            Err(Errno::ADDRNOTAVAIL | Errno::AGAIN | Errno::NOBUFS) => Outcome::Starved,
            Err(e) => Outcome::Answer(Answer::Filtered(reason(e)), None),
        }
    }

    /// A new socket for `addr` on `route`, bound to its source and a port of its own; `keep`
    /// (a spare socket that cannot take this port) stays the spare.
    fn new_socket(&mut self, addr: SocketAddr, mut route: Route, keep: Option<Spare>) -> Result<(OwnedFd, u16, Route), Outcome> {
        self.spare[usize::from(addr.is_ipv6())] = keep;
        let af = if addr.is_ipv6() { AddressFamily::INET6 } else { AddressFamily::INET };
        let flags = if route.sync { SocketFlags::CLOEXEC } else { SocketFlags::NONBLOCK | SocketFlags::CLOEXEC };
        let fd = match rustix::net::socket_with(af, SocketType::STREAM, flags, None) {
            Ok(fd) => fd,
            Err(Errno::MFILE | Errno::NFILE | Errno::NOBUFS | Errno::NOMEM) => return Err(Outcome::Starved),
            Err(_) => return Err(Outcome::Answer(Answer::Filtered("local-error"), None)),
        };
        if route.sync && rustix::net::sockopt::set_socket_timeout(&fd, rustix::net::sockopt::Timeout::Send, Some(SYNC_WAIT)).is_err() {
            // Without the timeout a blocking connect could wait minutes: nonblocking, then.
            if rustix::io::ioctl_fionbio(&fd, true).is_err() {
                return Err(Outcome::Answer(Answer::Filtered("local-error"), None));
            }
            route.sync = false;
        }
        let (port, source) = self.bind_source(&fd, addr, route.source);
        Ok((fd, port, Route { source, ..route }))
    }

    /// Binds a new socket to `source` (else the wildcard address, so the route picks it) and
    /// a source port of its own; returns what it bound: port 0 when the socket stays unbound
    /// (a few ports in use in a row: the kernel then picks one per connect).
    fn bind_source(&mut self, fd: &OwnedFd, target: SocketAddr, source: Option<IpAddr>) -> (u16, Option<IpAddr>) {
        let mut ip = source;
        for _ in 0..8 {
            let port = self.next_port;
            self.next_port = if port >= SOURCE_PORTS.1 { SOURCE_PORTS.0 } else { port + 1 };
            if port == target.port() {
                continue;
            }
            let wildcard = match target {
                SocketAddr::V4(_) => std::net::Ipv4Addr::UNSPECIFIED.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::UNSPECIFIED.into(),
            };
            match rustix::net::bind(fd, &SocketAddr::new(ip.unwrap_or(wildcard), port)) {
                Ok(()) => return (port, ip),
                Err(Errno::ADDRINUSE | Errno::ACCESS) => continue,
                // The address is not ours to bind after all: the wildcard, as before.
                Err(Errno::ADDRNOTAVAIL | Errno::INVAL) if ip.is_some() => ip = None,
                Err(_) => return (0, None),
            }
        }
        (0, None)
    }

    fn register(&mut self, fd: OwnedFd, job: usize, attempt: u32, started: Instant) -> bool {
        if self.epoll.is_none() {
            match epoll::create(epoll::CreateFlags::CLOEXEC) {
                Ok(ep) => self.epoll = Some(ep),
                Err(_) => return false,
            }
        }
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                self.generation.push(0);
                self.slots.len() - 1
            }
        };
        self.generation[slot] = self.generation[slot].wrapping_add(1);
        let generation = self.generation[slot];
        let token = (u64::from(generation) << 32) | slot as u64;
        let Some(ep) = &self.epoll else { return false };
        if epoll::add(ep, &fd, epoll::EventData::new_u64(token), epoll::EventFlags::OUT | epoll::EventFlags::ET).is_err() {
            self.free.push(slot);
            return false;
        }
        let host = self.jobs[job].0 as usize;
        let timeout = self.shared.rtts[host].lock().map(|r| r.timeout(&self.shared.timing)).unwrap_or(self.shared.timing.initial_rtt);
        self.deadlines.push(Reverse((started + timeout, slot, generation)));
        self.slots[slot] = Some(Pending { fd, job, attempt, started });
        self.in_flight += 1;
        true
    }

    fn release(&mut self, slot: usize) -> Option<Pending> {
        let pending = self.slots.get_mut(slot)?.take()?;
        if let Some(ep) = &self.epoll {
            let _ = epoll::delete(ep, &pending.fd);
        }
        self.free.push(slot);
        self.in_flight -= 1;
        Some(pending)
    }

    /// epoll said the connect finished: `SO_ERROR` tells how.
    fn completed(&mut self, token: u64) {
        let (slot, generation) = ((token & 0xffff_ffff) as usize, (token >> 32) as u32);
        if self.generation.get(slot) != Some(&generation) {
            return;
        }
        let Some(p) = self.release(slot) else { return };
        let answer = match rustix::net::sockopt::socket_error(&p.fd) {
            Ok(Ok(())) => {
                let _ = rustix::net::sockopt::set_socket_linger(&p.fd, Some(Duration::ZERO));
                Answer::Open(p.started.elapsed())
            }
            Ok(Err(Errno::CONNREFUSED)) => Answer::Closed(p.started.elapsed()),
            Ok(Err(e)) => Answer::Filtered(reason(e)),
            Err(_) => Answer::Filtered("local-error"),
        };
        self.answered(p.job, p.attempt, answer);
    }

    /// Probes past their host's timeout: resent while retries remain, else `no-response`.
    fn expire(&mut self, now: Instant) {
        while let Some(Reverse((deadline, slot, generation))) = self.deadlines.peek().copied() {
            if deadline > now {
                break;
            }
            self.deadlines.pop();
            if self.generation.get(slot) != Some(&generation) {
                continue;
            }
            if let Some(p) = self.release(slot) {
                // An ICMP error that came while the socket was busy in connect() is only a
                // soft error (the kernel keeps resending the SYN); SO_ERROR still has it, and
                // nmap reads it too: port unreachable is a refusal, the others name a reason.
                let answer = match rustix::net::sockopt::socket_error(&p.fd) {
                    Ok(Err(Errno::CONNREFUSED)) => Answer::Closed(p.started.elapsed()),
                    Ok(Err(e)) => Answer::Filtered(reason(e)),
                    _ => Answer::Filtered("no-response"),
                };
                self.answered(p.job, p.attempt, answer);
            }
        }
    }

    /// Records an answer, feeding the RTT estimate; a silent port goes back in the queue
    /// while it has retries left.
    fn answered(&mut self, job: usize, attempt: u32, answer: Answer) {
        match answer {
            Answer::Open(rtt) | Answer::Closed(rtt) => {
                if let Ok(mut r) = self.shared.rtts[self.jobs[job].0 as usize].lock() {
                    r.update(rtt);
                }
                self.out.push((job, answer));
            }
            Answer::Filtered("no-response") if attempt < self.shared.timing.max_retries => {
                self.retries.push_back((job, attempt + 1));
            }
            Answer::Filtered(_) => self.out.push((job, answer)),
        }
    }
}

/// The source address the kernel's route to `target` takes, asked of a connected UDP socket
/// (no packet is sent); `None` when the route is unknown or needs an interface scope (an
/// IPv6 link-local address: the wildcard bind keeps the kernel's choice).
fn route_source(target: SocketAddr) -> Option<IpAddr> {
    let af = if target.is_ipv6() { AddressFamily::INET6 } else { AddressFamily::INET };
    let udp = rustix::net::socket_with(af, SocketType::DGRAM, SocketFlags::CLOEXEC, None).ok()?;
    rustix::net::connect(&udp, &target).ok()?;
    let local = SocketAddr::try_from(rustix::net::getsockname(&udp).ok()?).ok()?;
    match local {
        SocketAddr::V6(v6) if v6.scope_id() != 0 => None,
        other => Some(other.ip()),
    }
}

/// Where scan sockets take their source ports: the upper part of Linux's default ephemeral
/// range (32768–60999).
const SOURCE_PORTS: (u16, u16) = (40000, 60999);

/// A worker's first source port: spread by worker and by process, so two scans at once and
/// the threads of one scan seldom try the same ports.
fn first_source_port(worker: usize) -> u16 {
    let span = u32::from(SOURCE_PORTS.1 - SOURCE_PORTS.0) + 1;
    let seed = std::process::id().wrapping_mul(2_654_435_761).wrapping_add(worker as u32 * 7919);
    SOURCE_PORTS.0 + (seed % span) as u16
}

/// nmap's reason for a connect error; `no-response` ones are retried.
fn reason(e: Errno) -> &'static str {
    match e {
        Errno::HOSTUNREACH => "host-unreach",
        Errno::NETUNREACH => "net-unreach",
        Errno::ACCESS | Errno::PERM => "admin-prohibited",
        _ => "no-response",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket bound to source port P never probes port P: on a local address that connect
    /// would reach the socket itself (a simultaneous open) and report a port open that is not.
    #[test]
    fn a_socket_never_probes_its_own_source_port() {
        let ip = std::net::IpAddr::from([127, 0, 0, 1]);
        let own = first_source_port(0);
        // The socket of the first probe binds `own` (the first probe's port is next to it);
        // `own` itself comes second, then more closed ports around it.
        let mut ports = vec![own.saturating_add(1), own];
        ports.extend((1..40).map(|d| own.saturating_sub(d)));
        let idle: Vec<u16> = ports.iter().copied().filter(|p| std::net::TcpListener::bind((ip, *p)).is_ok()).collect();
        assert!(idle.contains(&own), "port {own} is in use on this machine: cannot run the test");
        let jobs: Vec<Job> = ports.iter().map(|p| (0, SocketAddr::new(ip, *p))).collect();
        let rtts = [Mutex::new(RttEstimate::default())];
        let host_started = [OnceLock::new()];
        let timed_out = [AtomicBool::new(false)];
        let sent = AtomicUsize::new(0);
        let shared = Shared {
            timing: Timing::template(4),
            rtts: &rtts,
            host_started: &host_started,
            timed_out: &timed_out,
            rate: None,
            min_rate: None,
            hard_cap: 1,
            sent: &sent,
            claimed: AtomicUsize::new(0),
        };
        let answers = run(&jobs, 1, &shared);
        assert_eq!(answers.len(), jobs.len(), "every port answered");
        for (job, answer) in answers {
            let port = jobs[job].1.port();
            if idle.contains(&port) {
                assert!(matches!(answer, Answer::Closed(_)), "port {port}: {answer:?}");
            }
        }
    }
}
