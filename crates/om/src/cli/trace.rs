use std::path::PathBuf;

use clap::Args;

/// TCP SYN (or ICMP) traceroute to service ports, with a hop table and a route graph.
/// Needs raw sockets (root or CAP_NET_RAW).
///
///   om trace www.example.test -p 80,443
///   om trace 10.0.0.5 10.0.1.5 --graph routes.svg
///   om trace 10.0.0.5 --proto icmp --json
///
/// Codes: 11 time exceeded (a router), 3 unreachable, SA SYN-ACK (open), RA RST-ACK (closed),
/// 0 echo reply, - no reply. Exit 0 every destination answered, 1 one did not, 2 an error.
#[derive(Debug, Args)]
pub struct TraceArgs {
    #[arg(required_unless_present = "interactive")]
    pub targets: Vec<String>,
    /// Destination ports (tcp).
    #[arg(short = 'p', long, default_value = "80", value_delimiter = ',')]
    pub ports: Vec<u16>,
    /// tcp (SYN), udp (to a closed port, e.g. -p 33434) or icmp (echo).
    #[arg(long, value_parser = ["tcp", "udp", "icmp"], default_value = "tcp")]
    pub proto: String,
    #[arg(long, default_value_t = 1)]
    pub min_ttl: u8,
    #[arg(long, default_value_t = 30)]
    pub max_ttl: u8,
    /// Seconds to wait for answers after each round.
    #[arg(long, default_value_t = 2.0)]
    pub timeout: f64,
    /// N > 0 resend unanswered probes N times; N < 0 until |N| rounds bring nothing new.
    #[arg(long, default_value_t = -2, allow_negative_numbers = true)]
    pub retry: i32,
    /// Base source port (flow i uses N + i).
    #[arg(long)]
    pub sport: Option<u16>,
    /// Probes per second.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// Write the route graph: .dot (Graphviz) or .svg (drawn by om).
    #[arg(long)]
    pub graph: Option<PathBuf>,
    /// Offline ASN table (TSV: first_ip last_ip asn owner) for clusters in the graph.
    #[arg(long)]
    pub asn_db: Option<PathBuf>,
    /// DNS server for the target names (IP[:PORT]).
    #[arg(long)]
    pub dns_server: Option<String>,
    /// Prompt for targets as the book's script did.
    #[arg(long)]
    pub interactive: bool,
    #[arg(long)]
    pub json: bool,
}
