//! Hosts in their own network namespaces, joined to this machine by veth pairs, and the
//! faults `om lab` can put on their links (tc netem, link down).

use std::process::Command;
use std::time::{Duration, Instant};

use crate::{LabError, LabHost};

/// Delay and loss on a host's link, as `om lab netem` takes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Netem {
    pub delay_ms: u64,
    pub jitter_ms: u64,
    /// Per-packet (tc) or per-chunk (emulated) loss, 0–100.
    pub loss_percent: f64,
}

impl Netem {
    pub fn is_clear(&self) -> bool {
        self.delay_ms == 0 && self.loss_percent == 0.0
    }

    /// Parses a duration as tc writes it: `80ms`, `1s`, `250us`, or bare milliseconds.
    pub fn parse_ms(text: &str) -> Result<u64, String> {
        let text = text.trim();
        let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = text.strip_suffix("us") {
            (n, 0.001)
        } else if let Some(n) = text.strip_suffix('s') {
            (n, 1000.0)
        } else {
            (text, 1.0)
        };
        let value: f64 = number.trim().parse().map_err(|_| format!("`{text}` is not a duration; write it like 80ms or 1s"))?;
        if !(0.0..=600_000.0).contains(&(value * scale)) {
            return Err(format!("`{text}` is out of range (0 to 600s)"));
        }
        Ok((value * scale).round() as u64)
    }

    /// Parses a loss rate: `5%` or `5`.
    pub fn parse_percent(text: &str) -> Result<f64, String> {
        let value: f64 =
            text.trim().trim_end_matches('%').parse().map_err(|_| format!("`{text}` is not a percentage; write it like 5%"))?;
        if !(0.0..=100.0).contains(&value) {
            return Err(format!("`{text}` is not between 0% and 100%"));
        }
        Ok(value)
    }
}

impl std::fmt::Display for Netem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_clear() {
            return f.write_str("no delay, no loss");
        }
        write!(f, "delay {}ms", self.delay_ms)?;
        if self.jitter_ms > 0 {
            write!(f, " ±{}ms", self.jitter_ms)?;
        }
        write!(f, ", loss {}%", self.loss_percent)
    }
}

fn ip(args: &[&str]) -> Result<(), LabError> {
    run("ip", args)
}

fn run(program: &str, args: &[&str]) -> Result<(), LabError> {
    let output = Command::new(program).args(args).output().map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => LabError::Missing { program: if program == "tc" { "tc" } else { "ip" }, package: "iproute2" },
        _ => LabError::Io { what: format!("run `{program}`"), source: err },
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(LabError::Command {
            command: format!("{program} {}", args.join(" ")),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

fn parts(host: &LabHost) -> Result<(&str, &str, String, String), LabError> {
    let ns = host.netns.as_ref().ok_or_else(|| LabError::NotInNamespace { host: host.name.clone() })?;
    Ok((&ns.name, &ns.veth, format!("{}/30", ns.gateway), ns.gateway.to_string()))
}

/// Creates the host's namespace and veth pair; a leftover namespace of the same name (from a
/// lab that was killed) is replaced.
pub(crate) fn create(host: &LabHost) -> Result<(), LabError> {
    let (ns, veth, gateway_cidr, gateway) = parts(host)?;
    let peer = format!("{veth}p");
    let address = format!("{}/30", host.address);
    let _ = ip(&["netns", "del", ns]);
    let _ = ip(&["link", "del", veth]);
    ip(&["netns", "add", ns])?;
    ip(&["link", "add", veth, "type", "veth", "peer", "name", &peer])?;
    ip(&["link", "set", &peer, "netns", ns])?;
    ip(&["addr", "add", &gateway_cidr, "dev", veth])?;
    ip(&["link", "set", veth, "up"])?;
    ip(&["-n", ns, "link", "set", "lo", "up"])?;
    ip(&["-n", ns, "addr", "add", &address, "dev", &peer])?;
    ip(&["-n", ns, "link", "set", &peer, "up"])?;
    ip(&["-n", ns, "route", "add", "default", "via", &gateway])?;
    Ok(())
}

/// Removes the namespace; the veth pair goes with it.
pub(crate) fn delete(host: &LabHost) {
    if let Ok((ns, veth, ..)) = parts(host) {
        let _ = ip(&["netns", "del", ns]);
        let _ = ip(&["link", "del", veth]);
    }
}

pub(crate) fn set_link(host: &LabHost, up: bool) -> Result<(), LabError> {
    let (_, veth, ..) = parts(host)?;
    ip(&["link", "set", veth, if up { "up" } else { "down" }])
}

/// Puts delay and loss on a namespaced host's veth with `tc netem`.
pub(crate) fn apply_netem(host: &LabHost, netem: &Netem) -> Result<(), LabError> {
    let (_, veth, ..) = parts(host)?;
    if netem.is_clear() {
        return run("tc", &["qdisc", "del", "dev", veth, "root"]).or(Ok(()));
    }
    let delay = format!("{}ms", netem.delay_ms);
    let jitter = format!("{}ms", netem.jitter_ms);
    let loss = format!("{}%", netem.loss_percent);
    let args = ["qdisc", "replace", "dev", veth, "root", "netem", "delay", &delay, &jitter, "loss", &loss];
    run("tc", &args).map_err(|err| match err {
        LabError::Command { stderr, .. } if stderr.contains("qdisc kind is unknown") => LabError::NoNetem { host: host.name.clone() },
        other => other,
    })
}

/// Waits until the host's sshd accepts connections.
pub(crate) async fn wait_for_port(host: &LabHost, port: u16) -> Result<(), LabError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if tokio::net::TcpStream::connect((host.address, port)).await.is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(LabError::Command {
                command: format!("sshd in namespace for `{}`", host.name),
                stderr: format!("nothing answers on {}:{port} after 10 s; see sshd.log in the lab directory", host.address),
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
