//! The network toolkit of om: an IP calculator with IPy's behaviour ([`ip`]), DNS queries and
//! the round-robin health check ([`dns`]), HTTP/TCP/ICMP probes with libcurl's phase timings
//! ([`probe`]), port scans with nmap's syntax and outputs ([`scan`]) and traceroute with route
//! graphs ([`trace`]).
//!
//! Each toolkit takes a typed options struct and returns a serde report or a typed error;
//! rendering to text is a separate `render` function. Network parts are async (tokio), and
//! take an injectable resolver (server:port) and TLS roots for deterministic tests.
//!
//! ```
//! use om_net::ip::{IpNet, MakeNet};
//! let net = IpNet::parse("192.168.1.0/24", MakeNet::Strict).unwrap();
//! assert_eq!(net.broadcast().to_string(), "192.168.1.255");
//! assert_eq!(net.reverse_names().unwrap(), ["1.168.192.in-addr.arpa."]);
//! ```

pub mod dns;
pub mod ip;
pub mod packet;
pub mod probe;
pub mod resolve;
pub mod scan;
pub mod trace;

use serde::Serialize;

/// The language of text reports: English, or the book's Chinese labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}
