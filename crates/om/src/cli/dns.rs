use std::path::PathBuf;

use clap::{Args, Subcommand};

/// DNS queries for scripts, and the round-robin health check of every address behind a name.
///
///   om dns query example.test --type MX --server 127.0.0.1:5353
///   om dns query 192.0.2.1 --type PTR --json
///   om dns rr-check www.example.test -v
#[derive(Debug, Args)]
pub struct DnsArgs {
    #[command(subcommand)]
    pub command: DnsCommand,
}

#[derive(Debug, Subcommand)]
pub enum DnsCommand {
    /// Ask for one record type. Exit 0 answered, 1 NXDOMAIN or no records, 2 SERVFAIL,
    /// REFUSED, timeout or usage.
    Query(QueryArgs),
    /// Resolve a name uncached and probe every address concurrently over HTTP(S) with the
    /// Host header and SNI pinned. Exit 0 ok, 1 degraded or down, 2 DNS error; --nagios: 0 OK,
    /// 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    RrCheck(RrCheckArgs),
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The name (or an IP address with --type PTR).
    pub name: String,
    /// A, AAAA, MX, NS, CNAME, PTR, SOA, TXT or SRV.
    #[arg(long = "type", short = 't', default_value = "A")]
    pub rtype: String,
    /// IN, CH or HS.
    #[arg(long, default_value = "IN")]
    pub class: String,
    /// Servers to ask, in order (IP[:PORT]); default: /etc/resolv.conf.
    #[arg(long)]
    pub server: Vec<String>,
    /// Ask over TCP.
    #[arg(long)]
    pub tcp: bool,
    /// Bind the query socket to this address.
    #[arg(long)]
    pub source: Option<std::net::IpAddr>,
    #[arg(long)]
    pub source_port: Option<u16>,
    /// Per try, seconds.
    #[arg(long, default_value_t = 2.0)]
    pub timeout: f64,
    /// For the whole query, seconds.
    #[arg(long, default_value_t = 5.0)]
    pub lifetime: f64,
    /// An empty answer is fine: no output, exit 0.
    #[arg(long)]
    pub allow_empty: bool,
    /// With NS for a name below a zone apex: print the enclosing zone's NS set.
    #[arg(long)]
    pub zone: bool,
    /// dig-style `name ttl class type rdata` lines for the whole answer section.
    #[arg(long)]
    pub full: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RrCheckArgs {
    pub domain: String,
    #[arg(long, value_parser = ["http", "https"], default_value = "http")]
    pub scheme: String,
    #[arg(long)]
    pub port: Option<u16>,
    #[arg(long, default_value = "/")]
    pub path: String,
    /// Seconds per address.
    #[arg(long, default_value_t = 5.0)]
    pub timeout: f64,
    /// Healthy status codes, e.g. 200-399 or 200.
    #[arg(long, default_value = "200-399")]
    pub expect_status: String,
    /// The body must start with this text (case-sensitive).
    #[arg(long)]
    pub expect_prefix: Option<String>,
    /// The body must match this regular expression.
    #[arg(long)]
    pub expect_body: Option<String>,
    /// 4, 6 or all.
    #[arg(long, default_value = "4")]
    pub family: String,
    /// DNS server to resolve with (IP[:PORT]); default: the system resolver.
    #[arg(long)]
    pub server: Option<String>,
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Trust these CA certificates (PEM) instead of the system's.
    #[arg(long)]
    pub cacert: Option<PathBuf>,
    /// The book's exact check: port 80, path /, 5 s, body starts with `<!doctype html>`.
    #[arg(long)]
    pub book: bool,
    /// Nagios plugin exit codes.
    #[arg(long)]
    pub nagios: bool,
    /// Append the reason to each [Error] line (also with om's global -v).
    #[arg(long)]
    pub reasons: bool,
    #[arg(long)]
    pub json: bool,
}
