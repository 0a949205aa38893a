//! `wait_for`: waits until a port accepts (or refuses) connections, a file appears (or
//! goes, or holds a match), or connections to a port drain; fails after `timeout`.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "wait_for",
    "Waits for a condition before continuing",
    &[
        Param::str("host").default_str("127.0.0.1"),
        Param::int("timeout").default_int(300),
        Param::int("connect_timeout").default_int(5),
        Param::int("delay").default_int(0),
        Param::int("port"),
        Param::new("active_connection_states", crate::Type::List).elements(crate::Type::Str),
        Param::path("path"),
        Param::str("search_regex"),
        Param::str("state").choices(&["absent", "drained", "present", "started", "stopped"]).default_str("started"),
        Param::list("exclude_hosts"),
        Param::new("sleep", crate::Type::Float).default_int(1),
        Param::str("msg"),
    ],
)
.exclusive(&[&["port", "path"]])
.agent_only()
// ansible-core's wait_for does not support check mode: the task is skipped.
.no_check_mode();

pub struct WaitFor;

fn connects(host: &str, port: u16, timeout: Duration) -> bool {
    let Ok(mut addrs) = (host, port).to_socket_addrs() else { return false };
    addrs.any(|a| TcpStream::connect_timeout(&a, timeout).is_ok())
}

/// Connections to `port` in one of `states` (kernel state numbers from `/proc/net/tcp*`).
fn active_connections(ctx: &Context<'_>, port: u16, states: &[&str]) -> usize {
    let codes: Vec<&str> = states
        .iter()
        .filter_map(|s| {
            Some(match *s {
                "ESTABLISHED" => "01",
                "SYN_SENT" => "02",
                "SYN_RECV" => "03",
                "FIN_WAIT1" => "04",
                "FIN_WAIT2" => "05",
                "TIME_WAIT" => "06",
                "CLOSE_WAIT" => "08",
                "LAST_ACK" => "09",
                "CLOSING" => "0B",
                _ => return None,
            })
        })
        .collect();
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|f| ctx.os.read(Path::new(f)).ok())
        .map(|d| {
            String::from_utf8_lossy(&d)
                .lines()
                .skip(1)
                .filter(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    f.len() > 3
                        && f[1].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok()) == Some(port)
                        && codes.contains(&f[3])
                })
                .count()
        })
        .sum()
}

impl Module for WaitFor {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let state = args.string("state");
        let host = args.string("host");
        let port = args.int("port").map(|p| p as u16);
        let path = args.str("path").map(|p| ctx.path(p));
        let timeout = Duration::from_secs(args.int("timeout").unwrap_or(300).max(0) as u64);
        let connect_timeout = Duration::from_secs(args.int("connect_timeout").unwrap_or(5).max(1) as u64);
        let sleep = Duration::from_secs_f64(args.float("sleep").unwrap_or(1.0).max(0.01));
        let search = args.str("search_regex").map(|r| crate::files::regex("search_regex", r)).transpose()?;
        if port.is_some() && path.is_some() {
            return Err(Fail::new("port and path parameter can not both be passed to wait_for"));
        }
        if path.is_some() && state == "stopped" {
            return Err(Fail::new("state=stopped should only be used for checking a port in the wait_for module"));
        }
        if path.is_some() && state == "drained" {
            return Err(Fail::new("state=drained should only be used for checking a port in the wait_for module"));
        }
        if port.is_none() && path.is_none() && state != "drained" && args.int("delay").unwrap_or(0) == 0 && state != "started" {
            return Err(Fail::new("one of port or path is required"));
        }
        let start = Instant::now();
        let cancelled = || ctx.watch.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
        let pause = |d: Duration| {
            let end = Instant::now() + d;
            while Instant::now() < end && !cancelled() {
                std::thread::sleep(Duration::from_millis(20).min(end.saturating_duration_since(Instant::now())));
            }
        };
        pause(Duration::from_secs(args.int("delay").unwrap_or(0).max(0) as u64));
        let states: Vec<String> = match args.value("active_connection_states") {
            Some(Value::Array(_)) => args.list("active_connection_states"),
            _ => ["ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"].iter().map(|s| s.to_string()).collect(),
        };
        let state_refs: Vec<&str> = states.iter().map(String::as_str).collect();
        let mut groups = Value::Array(Vec::new());
        let mut groupdict = Value::Object(Vars::new());
        loop {
            if cancelled() {
                return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "cancelled").into());
            }
            let done = match (&path, port) {
                (Some(p), _) => {
                    let exists = ctx.os.metadata(p, true)?.is_some();
                    match state.as_str() {
                        "absent" => !exists,
                        _ if !exists => false,
                        _ => match &search {
                            None => true,
                            Some(re) => {
                                let data = ctx.os.read(p).unwrap_or_default();
                                match re.captures(&data) {
                                    Some(c) => {
                                        groups = Value::Array(
                                            c.iter()
                                                .skip(1)
                                                .map(|m| {
                                                    m.map(|m| Value::from(String::from_utf8_lossy(m.as_bytes()).into_owned()))
                                                        .unwrap_or(Value::Null)
                                                })
                                                .collect(),
                                        );
                                        let names: Vars = re
                                            .capture_names()
                                            .flatten()
                                            .filter_map(|n| {
                                                c.name(n).map(|m| {
                                                    (n.to_string(), Value::from(String::from_utf8_lossy(m.as_bytes()).into_owned()))
                                                })
                                            })
                                            .collect();
                                        groupdict = Value::Object(names);
                                        true
                                    }
                                    None => false,
                                }
                            }
                        },
                    }
                }
                (None, Some(port)) => match state.as_str() {
                    "stopped" | "absent" => !connects(&host, port, connect_timeout),
                    "drained" => active_connections(ctx, port, &state_refs) == 0,
                    _ => connects(&host, port, connect_timeout),
                },
                (None, None) => true,
            };
            if done {
                break;
            }
            if start.elapsed() >= timeout {
                let what = match (&path, port) {
                    (Some(p), _) if state == "absent" => format!("Timeout when waiting for {} to be absent.", p.display()),
                    (Some(p), _) if search.is_some() => {
                        format!("Timeout when waiting for search string {} in {}", args.string("search_regex"), p.display())
                    }
                    (Some(p), _) => format!("Timeout when waiting for file {}", p.display()),
                    (None, Some(port)) if state == "stopped" || state == "absent" => {
                        format!("Timeout when waiting for {host}:{port} to stop.")
                    }
                    (None, Some(port)) if state == "drained" => format!("Timeout when waiting for {host}:{port} to drain"),
                    (None, Some(port)) => format!("Timeout when waiting for {host}:{port}"),
                    _ => "Timeout".into(),
                };
                let msg = args.str("msg").map(str::to_string).unwrap_or(what);
                return Err(Fail::new(msg).with("elapsed", start.elapsed().as_secs()));
            }
            pause(sleep);
        }
        let mut out = ret! {"changed" => false, "elapsed" => start.elapsed().as_secs(), "state" => state};
        if let Some(p) = path {
            out.insert("path".into(), p.to_string_lossy().into());
        }
        if let Some(p) = port {
            out.insert("port".into(), p.into());
        }
        if search.is_some() {
            out.insert("match_groups".into(), groups);
            out.insert("match_groupdict".into(), groupdict);
        }
        Ok(out)
    }
}
