//! Command-line definitions; their doc comments are `om --help`.

mod action;
mod admin;
mod dns;
mod facts;
mod http;
mod inventory;
mod ip;
mod jobs;
mod lab;
mod play;
mod proc;
mod remote;
mod run;
pub mod scan;
mod serve;
mod trace;
mod worker;

use clap::{Args, Parser, Subcommand};

pub use action::{ActionArgs, ActionCommand};
pub use admin::{AdminArgs, AdminCommand};
pub use dns::{DnsArgs, DnsCommand, QueryArgs, RrCheckArgs};
pub use facts::{FactsArgs, FactsSection};
pub use http::{HttpArgs, HttpCommand, ProbeArgs, ProbeCmdArgs, ProbeCommand};
pub use inventory::{ExportFormat, InventoryArgs, TargetType};
pub use ip::{ConvertTo, IpArgs, IpCommand, IpParseArgs};
pub use jobs::{JobsArgs, JobsCommand};
pub use lab::{LabArgs, LabCommand};
pub use play::PlayArgs;
pub use proc::{ProcArgs, ProcCommand, ProcSort};
pub use remote::RemoteArgs;
pub use run::RunArgs;
pub use scan::{ScanArgs, ScanFormat};
pub use serve::{PlatformArgs, ServeArgs};
pub use trace::TraceArgs;
pub use worker::WorkerArgs;

/// om runs Linux fleets: one fast program for inventories, ad-hoc runs across thousands of
/// hosts over SSH, and the toolkits operations engineers reach for.
///
/// Start a sandbox fleet of real SSH hosts on this machine and talk to it:
///
///   om lab up --hosts 5 --dir /tmp/lab
///   ssh -F /tmp/lab/ssh_config h3 uname -n
///   om lab down --dir /tmp/lab
///
/// Every command takes --help. Logs go to stderr (-v, -vv, or OM_LOG=<filter>); results go
/// to stdout, as JSON with --json where a command offers it.
#[derive(Debug, Parser)]
#[command(name = "om", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More log output on stderr: -v debug, -vv trace (OM_LOG overrides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a command or module across hosts over SSH (ansible PATTERN -m …).
    Run(Box<RunArgs>),
    /// Run Ansible playbooks and roles (ansible-playbook site.yml …).
    Play(Box<PlayArgs>),
    /// Inventories: hosts, groups and variables; which hosts a pattern or target selects.
    Inventory(InventoryArgs),
    /// A sandbox fleet: real OpenSSH hosts on loopback addresses and network namespaces.
    Lab(LabArgs),
    /// IPv4/IPv6 calculator with IPy's behaviour (info, contains, overlaps, list, convert, show).
    Ip(IpArgs),
    /// DNS queries (dig/nslookup for scripts) and the round-robin health check.
    Dns(DnsArgs),
    /// HTTP probe with libcurl's phase timings.
    Http(HttpArgs),
    /// TCP connect and ICMP echo probes.
    Probe(ProbeCmdArgs),
    /// Port scan with nmap's target/port syntax, normal/XML/book output and baselines.
    Scan(ScanArgs),
    /// TCP SYN / ICMP traceroute with a hop table and DOT/SVG route graphs.
    Trace(TraceArgs),
    /// Start the web platform: UI, REST API, job runners, SQLite in a data directory.
    Serve(ServeArgs),
    /// Administer the platform's database: users, audit-log verification, retention.
    Admin(AdminArgs),
    /// The platform's job history: list, show, cancel.
    Jobs(JobsArgs),
    /// The platform's actions: list, run on servers and follow the output.
    Action(ActionArgs),
    /// Run the platform's jobs on this machine, for one zone.
    Worker(WorkerArgs),
    /// This machine's facts: CPU, memory, disks, network, users, boot time (psutil's names).
    Facts(FactsArgs),
    /// Processes on this machine: list, show, kill, CPU affinity, spawn.
    Proc(ProcArgs),
    /// Print a shell completion script: `om completions bash > /etc/bash_completion.d/om`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}
