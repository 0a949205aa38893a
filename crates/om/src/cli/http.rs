use std::path::PathBuf;

use clap::{Args, Subcommand};

/// HTTP checks with libcurl's phase timings.
#[derive(Debug, Args)]
pub struct HttpArgs {
    #[command(subcommand)]
    pub command: HttpCommand,
}

#[derive(Debug, Subcommand)]
pub enum HttpCommand {
    /// Probe URLs like the book's pycurl script: status, DNS/connect/TLS/first-byte/total
    /// times, sizes and speed. Exit 0 all fine, 1 a failure or failed check, 2 usage.
    ///
    ///   om http probe http://127.0.0.1:8080/ --lang zh
    ///   om http probe https://www.example.test/ --follow --json --count 5 --interval 1
    Probe(ProbeArgs),
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[arg(required = true)]
    pub urls: Vec<String>,
    /// CONNECTTIMEOUT: seconds for lookup + TCP + TLS (0 = 300).
    #[arg(long, default_value_t = 5.0)]
    pub connect_timeout: f64,
    /// TIMEOUT: seconds for the whole transfer (0 = none).
    #[arg(long, default_value_t = 5.0)]
    pub timeout: f64,
    /// FOLLOWLOCATION.
    #[arg(long)]
    pub follow: bool,
    /// MAXREDIRS (-1 = unlimited); only with --follow.
    #[arg(long, default_value_t = 5, allow_negative_numbers = true)]
    pub max_redirs: i64,
    /// FORBID_REUSE is on by default: each connection is closed after its transfer.
    #[arg(long, conflicts_with = "reuse")]
    pub forbid_reuse: bool,
    /// Keep connections alive between --count repeats and redirects (FORBID_REUSE off); a
    /// reused connection reports DNS and connect times as 0, like curl.
    #[arg(long)]
    pub reuse: bool,
    /// FRESH_CONNECT.
    #[arg(long)]
    pub fresh_connect: bool,
    /// DNS_CACHE_TIMEOUT in seconds across --count repeats (0 = none, -1 = forever).
    #[arg(long, default_value_t = 30, allow_negative_numbers = true)]
    pub dns_cache_timeout: i64,
    #[arg(long)]
    pub user_agent: Option<String>,
    /// WRITEDATA: write the body here (the same path as -D gives the book's content.txt).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// WRITEHEADER: write the headers here.
    #[arg(short = 'D', long = "dump-header")]
    pub dump_header: Option<PathBuf>,
    /// curl's --resolve HOST:PORT:ADDR.
    #[arg(long)]
    pub resolve: Vec<String>,
    /// A DNS server to resolve with (IP[:PORT]).
    #[arg(long)]
    pub dns_server: Option<String>,
    /// Trust these CA certificates (PEM).
    #[arg(long)]
    pub cacert: Option<PathBuf>,
    /// Accept any certificate (explicit and warned).
    #[arg(long)]
    pub insecure: bool,
    /// Healthy status codes.
    #[arg(long, default_value = "200-399")]
    pub expect_status: String,
    /// The body must match this regular expression.
    #[arg(long)]
    pub expect_body: Option<String>,
    /// Extra header lines `Name: value`.
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    /// Probes per URL.
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    /// URLs probed at once in each round.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Seconds between repeats.
    #[arg(long, default_value_t = 1.0)]
    pub interval: f64,
    /// en or zh (the book's labels).
    #[arg(long, default_value = "en", value_parser = ["en", "zh"])]
    pub lang: String,
    #[arg(long)]
    pub json: bool,
    /// One JSON object per probe.
    #[arg(long)]
    pub jsonl: bool,
}

/// TCP connect and ICMP echo probes.
#[derive(Debug, Args)]
pub struct ProbeCmdArgs {
    #[command(subcommand)]
    pub command: ProbeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProbeCommand {
    /// Connect to HOST:PORT and time lookup and connect. Exit 0 connected, 1 not.
    Tcp {
        host: String,
        port: u16,
        #[arg(long, default_value_t = 5.0)]
        timeout: f64,
        #[arg(long)]
        json: bool,
    },
    /// ICMP echo (needs CAP_NET_RAW or ping_group_range). Exit 0 answered, 1 not.
    Icmp {
        host: String,
        #[arg(long, default_value_t = 3)]
        count: u32,
        #[arg(long, default_value_t = 1.0)]
        timeout: f64,
        #[arg(long)]
        json: bool,
    },
}
