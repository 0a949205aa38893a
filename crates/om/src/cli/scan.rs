use std::path::PathBuf;

use clap::Args;

/// Port scan with nmap's target and port syntax, nmap-like output and baseline alerts.
///
///   om scan 127.0.0.1 -p 22,80,443
///   om scan 192.168.1-3.1,5 10.0.0.0/24 --exclude 10.0.0.1 -p 1-1024 -T4
///   om scan -iL hosts.txt -p- --format book
///   om scan 10.0.0.0/24 -p 1-1024 --baseline policy.toml --state last.json
///
/// Exit codes: 0 scan done (and matches the baseline), 1 a baseline deviation, 2 an error.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Targets: names, addresses, CIDR, octet ranges and lists (192.168.1-3.1,5), `*`.
    pub targets: Vec<String>,
    /// Ports: 22,80,443 / 1-1024 / 8000- / -1024 / `-` for all (`-p-`).
    #[arg(short = 'p', long = "ports", default_value = "1-1024", allow_hyphen_values = true)]
    pub ports: String,
    /// Read targets from a file, one or more per line (`-` = stdin).
    #[arg(long = "iL", value_name = "FILE")]
    pub input_list: Option<PathBuf>,
    /// Targets to leave out (same syntax, comma separated).
    #[arg(long)]
    pub exclude: Option<String>,
    /// TCP connect scan (the default without CAP_NET_RAW).
    #[arg(long = "sT", conflicts_with = "syn")]
    pub connect: bool,
    /// SYN scan with raw sockets (the default as root or with CAP_NET_RAW).
    #[arg(long = "sS")]
    pub syn: bool,
    /// Host discovery only: no port scan.
    #[arg(long = "sn")]
    pub discovery_only: bool,
    /// Treat every host as up (no discovery).
    #[arg(long = "Pn")]
    pub no_ping: bool,
    /// Discovery by ICMP echo.
    #[arg(long = "PE")]
    pub ping_echo: bool,
    /// Discovery by TCP to these ports (default 80,443).
    #[arg(long = "PS", value_name = "PORTS", num_args = 0..=1, default_missing_value = "80,443")]
    pub ping_syn: Option<String>,
    /// Timing template 0-5 (nmap's -T0 … -T5; 3 is the default).
    #[arg(short = 'T', value_parser = clap::value_parser!(u8).range(0..=5), default_value_t = 3)]
    pub timing: u8,
    /// At most this many probes per second, across the whole scan.
    #[arg(long)]
    pub max_rate: Option<f64>,
    /// At least this many probes per second: a connect scan behind it sends past
    /// --max-parallelism and the template's scan delay (nmap's --min-rate).
    #[arg(long)]
    pub min_rate: Option<f64>,
    /// At most this many probes in flight.
    #[arg(long)]
    pub max_parallelism: Option<usize>,
    /// Resends of an unanswered probe.
    #[arg(long)]
    pub max_retries: Option<u32>,
    /// Give up on a host after this many seconds of scanning (its ports are not reported).
    #[arg(long, value_name = "SECONDS")]
    pub host_timeout: Option<f64>,
    /// Never look host names up.
    #[arg(short = 'n')]
    pub no_dns: bool,
    /// A DNS server for names and PTR lookups (IP[:PORT]); default: the system resolver.
    #[arg(long)]
    pub dns_server: Option<String>,
    /// Output: normal (nmap's), book (the book's python-nmap loop), json.
    #[arg(long, value_enum, default_value = "normal")]
    pub format: ScanFormat,
    /// Also write nmap's normal output to FILE.
    #[arg(long = "oN", value_name = "FILE")]
    pub normal_file: Option<PathBuf>,
    /// Write XML nmap's tooling reads to FILE (`-` = stdout).
    #[arg(long = "oX", value_name = "FILE")]
    pub xml_file: Option<PathBuf>,
    /// Allowed and denied open ports (TOML); deviations exit 1.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Open ports of the last run (JSON), read then rewritten: reports what opened or closed.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Print one JSON document (same as --format json).
    #[arg(long)]
    pub json: bool,
    /// One JSON object per host (a stream), then one with the run's summary.
    #[arg(long, conflicts_with = "json")]
    pub jsonl: bool,
    /// Prompt for "hosts ports" as the book's script did.
    #[arg(long)]
    pub interactive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    Normal,
    Book,
    Json,
}

/// nmap writes two-letter options with one dash (`-sT`, `-Pn`, `-iL`, `-oX`, `-PS22`); clap
/// wants two. Rewrites them after the `scan` subcommand, before parsing.
pub fn nmap_style_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    const LONG: [&str; 9] = ["-sT", "-sn", "-Pn", "-PE", "-PS", "-iL", "-oN", "-oX", "-sS"];
    let mut in_scan = false;
    args.into_iter()
        .map(|arg| {
            let Some(text) = arg.to_str() else { return arg };
            if !in_scan {
                in_scan = text == "scan";
                return arg;
            }
            match LONG.iter().find(|l| text.starts_with(**l)) {
                Some(l) if text.len() > l.len() && *l == "-PS" => format!("-{l}={}", &text[l.len()..]).into(),
                Some(l) if text.len() == l.len() => format!("-{text}").into(),
                _ => arg,
            }
        })
        .collect()
}
