//! Scan outputs: nmap's normal layout (`-oN`), XML that nmap's tooling reads (`-oX`, DTD
//! version 1.05) and the book's python-nmap layout.

use std::fmt::Write;

use super::{HostResult, HostState, PortState, ScanReport};

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// nmap's `%.2g`-like latency: two significant digits, trailing zeros kept (`0.000080s`).
fn latency(us: u64) -> String {
    let secs = us as f64 / 1e6;
    if secs <= 0.0 {
        return "0.0".into();
    }
    let decimals = (1 - secs.log10().floor() as i32).max(0) as usize;
    format!("{secs:.decimals$}")
}

fn host_label(h: &HostResult) -> String {
    match &h.hostname {
        Some(name) => format!("{name} ({})", h.address),
        None => h.address.to_string(),
    }
}

/// nmap's normal output; `verbose` also lists down hosts.
pub fn normal(report: &ScanReport, verbose: bool) -> String {
    let mut out = String::new();
    let start = chrono::DateTime::from_timestamp(report.start_epoch_s, 0).unwrap_or_default();
    let _ = writeln!(out, "Starting om {} at {}", report.version, start.format("%Y-%m-%d %H:%M UTC"));
    for u in &report.unresolved {
        let _ = writeln!(out, "Failed to resolve \"{}\".", u.name);
    }
    for h in &report.hosts {
        if h.state == HostState::Down {
            if verbose {
                let _ = writeln!(out, "Nmap scan report for {} [host down]", host_label(h));
            }
            continue;
        }
        if h.timed_out {
            let _ = writeln!(out, "Skipping host {} due to host timeout", host_label(h));
            continue;
        }
        let _ = writeln!(out, "Nmap scan report for {}", host_label(h));
        match h.latency_us {
            Some(us) => {
                let _ = writeln!(out, "Host is up ({}s latency).", latency(us));
            }
            None => {
                let _ = writeln!(out, "Host is up.");
            }
        }
        if report.num_services == 0 {
            continue;
        }
        let shown: usize = h.extraports.iter().map(|e| e.count).sum();
        if h.ports.is_empty() {
            let _ = writeln!(out, "All {} scanned ports on {} are in ignored states.", report.num_services, host_label(h));
        }
        if shown > 0 {
            let parts: Vec<String> =
                h.extraports.iter().map(|e| format!("{} {} tcp ports ({})", e.count, e.state.as_str(), e.reason)).collect();
            let _ = writeln!(out, "Not shown: {}", parts.join(", "));
        }
        if !h.ports.is_empty() {
            let cells: Vec<(String, &str, &str)> =
                h.ports.iter().map(|p| (format!("{}/tcp", p.port), p.state.as_str(), p.service)).collect();
            let w0 = cells.iter().map(|c| c.0.len()).max().unwrap_or(0).max(4);
            let w1 = cells.iter().map(|c| c.1.len()).max().unwrap_or(0).max(5);
            let _ = writeln!(out, "{:<w0$} {:<w1$} SERVICE", "PORT", "STATE");
            for (port, state, service) in cells {
                let _ = writeln!(out, "{port:<w0$} {state:<w1$} {service}");
            }
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "om done: {} ({}) scanned in {:.2} seconds",
        plural(report.hosts.len(), "IP address", "IP addresses"),
        plural(report.hosts_up, "host up", "hosts up"),
        report.elapsed_s
    );
    out
}

/// The book's layout: python-nmap's view of every host that is up, its listed ports sorted.
pub fn book(report: &ScanReport) -> String {
    let mut out = String::new();
    for h in report.hosts.iter().filter(|h| h.state == HostState::Up) {
        let _ = writeln!(out, "----------------------------------------------------");
        let _ = writeln!(out, "Host : {} ({})", h.address, h.hostname.as_deref().unwrap_or(""));
        let _ = writeln!(out, "State : up");
        if h.ports.is_empty() {
            continue;
        }
        let _ = writeln!(out, "----------");
        let _ = writeln!(out, "Protocol : tcp");
        for p in &h.ports {
            let _ = writeln!(out, "port : {}\tstate : {}", p.port, p.state.as_str());
        }
    }
    out
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

fn ctime(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0).unwrap_or_default().format("%a %b %e %H:%M:%S %Y").to_string()
}

/// XML valid against nmap's DTD (xmloutputversion 1.05), with `scanner="om"`.
pub fn xml(report: &ScanReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(out, "<!DOCTYPE nmaprun>");
    let _ = writeln!(
        out,
        "<nmaprun scanner=\"om\" args=\"{}\" start=\"{}\" startstr=\"{}\" version=\"{}\" xmloutputversion=\"1.05\">",
        esc(&report.args),
        report.start_epoch_s,
        ctime(report.start_epoch_s),
        report.version
    );
    let _ = writeln!(
        out,
        "<scaninfo type=\"{}\" protocol=\"tcp\" numservices=\"{}\" services=\"{}\"/>",
        report.technique.nmap_name(),
        report.num_services,
        report.services
    );
    let _ = writeln!(out, "<verbose level=\"0\"/>\n<debugging level=\"0\"/>");
    for h in &report.hosts {
        let _ = writeln!(out, "<host starttime=\"{}\" endtime=\"{}\">", h.start_epoch_s, h.end_epoch_s);
        let state = if h.state == HostState::Up { "up" } else { "down" };
        let _ = writeln!(out, "<status state=\"{state}\" reason=\"{}\" reason_ttl=\"0\"/>", h.reason);
        let addrtype = if h.address.is_ipv4() { "ipv4" } else { "ipv6" };
        let _ = writeln!(out, "<address addr=\"{}\" addrtype=\"{addrtype}\"/>", h.address);
        match &h.hostname {
            Some(name) => {
                let _ = writeln!(
                    out,
                    "<hostnames>\n<hostname name=\"{}\" type=\"{}\"/>\n</hostnames>",
                    esc(name),
                    h.hostname_type.unwrap_or("PTR")
                );
            }
            None => {
                let _ = writeln!(out, "<hostnames>\n</hostnames>");
            }
        }
        if h.state == HostState::Up && report.num_services > 0 {
            let _ = writeln!(out, "<ports>");
            for e in &h.extraports {
                let _ = writeln!(out, "<extraports state=\"{}\" count=\"{}\">", e.state.as_str(), e.count);
                let _ = writeln!(out, "<extrareasons reason=\"{}\" count=\"{}\" proto=\"tcp\"/>", e.reason, e.count);
                let _ = writeln!(out, "</extraports>");
            }
            for p in &h.ports {
                let _ = writeln!(
                    out,
                    "<port protocol=\"tcp\" portid=\"{}\"><state state=\"{}\" reason=\"{}\" reason_ttl=\"{}\"/><service name=\"{}\" method=\"table\" conf=\"3\"/></port>",
                    p.port,
                    p.state.as_str(),
                    p.reason,
                    p.reason_ttl,
                    p.service
                );
            }
            let _ = writeln!(out, "</ports>");
        }
        if h.state == HostState::Up {
            let _ = writeln!(out, "<times srtt=\"{}\" rttvar=\"{}\" to=\"{}\"/>", h.srtt_us.unwrap_or(0), h.rttvar_us, h.timeout_us);
        }
        let _ = writeln!(out, "</host>");
    }
    let end = report.start_epoch_s + report.elapsed_s as i64;
    let summary = format!(
        "om done at {}; {} ({}) scanned in {:.2} seconds",
        ctime(end),
        plural(report.hosts.len(), "IP address", "IP addresses"),
        plural(report.hosts_up, "host up", "hosts up"),
        report.elapsed_s
    );
    let _ = writeln!(
        out,
        "<runstats><finished time=\"{end}\" timestr=\"{}\" summary=\"{}\" elapsed=\"{:.2}\" exit=\"success\"/><hosts up=\"{}\" down=\"{}\" total=\"{}\"/>\n</runstats>\n</nmaprun>",
        ctime(end),
        esc(&summary),
        report.elapsed_s,
        report.hosts_up,
        report.hosts_down,
        report.hosts.len()
    );
    out
}

/// Open ports per host, for state files and baselines.
pub fn open_ports(report: &ScanReport) -> Vec<(std::net::IpAddr, Vec<u16>)> {
    report.hosts.iter().map(|h| (h.address, h.ports.iter().filter(|p| p.state == PortState::Open).map(|p| p.port).collect())).collect()
}
