use std::net::Ipv4Addr;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::env::OM_LAB_DIR;

#[derive(Debug, Args)]
pub struct LabArgs {
    /// The lab's directory: keys, sshd_config, inventory.ini, ssh_config, known_hosts, state.
    #[arg(long, global = true, env = OM_LAB_DIR, default_value = "om-lab")]
    pub dir: PathBuf,
    #[command(subcommand)]
    pub command: LabCommand,
}

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Start N SSH hosts h1…hN served by the real sshd, one loopback address each.
    ///
    /// Writes inventory.ini (for om and ansible-core) and ssh_config (for `ssh -F`) in the
    /// lab directory, then returns once every host accepts connections:
    ///
    ///   om lab up --hosts 50 --dir /tmp/lab
    ///   ssh -F /tmp/lab/ssh_config h37 uname -n
    ///   ansible all -i /tmp/lab/inventory.ini -m ping
    Up {
        /// How many hosts.
        #[arg(long, default_value_t = 3)]
        hosts: usize,
        /// Address of h1; h2… take the next addresses.
        #[arg(long, default_value_t = om_lab::DEFAULT_BASE)]
        base: Ipv4Addr,
        /// The port every host answers on.
        #[arg(long, default_value_t = om_lab::DEFAULT_PORT)]
        port: u16,
        /// The user to log in as (default: you).
        #[arg(long)]
        user: Option<String>,
        /// Put the last K hosts in their own network namespaces, joined by veth pairs, so that
        /// `om lab netem` and `om lab kill` act on a real link (needs root).
        #[arg(long, default_value_t = 0, value_name = "K")]
        netns: usize,
        /// Print the lab's state as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show whether the lab runs, its hosts, and connections served per host.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Stop the lab: every sshd it started, its namespaces and veth pairs.
    Down,
    /// Cut a host off: connections are refused (loopback) or the link goes down (netns).
    Kill { host: String },
    /// Bring a killed host back.
    Revive { host: String },
    /// Delay and lose traffic to a host, for fault tests.
    ///
    /// A namespaced host gets `tc netem` on its veth. A loopback host's new connections are
    /// relayed by the lab with each chunk delayed, and a lost chunk held back 200 ms more (a
    /// TCP retransmission), which also works where the kernel has no netem.
    ///
    ///   om lab netem h5 --delay 80ms --loss 5%
    ///   om lab netem h5 --clear
    Netem {
        host: String,
        /// Added delay, e.g. 80ms.
        #[arg(long, value_parser = om_lab::Netem::parse_ms, default_value = "0ms")]
        delay: u64,
        /// Jitter on the delay, e.g. 10ms.
        #[arg(long, value_parser = om_lab::Netem::parse_ms, default_value = "0ms")]
        jitter: u64,
        /// Loss, e.g. 5%.
        #[arg(long, value_parser = om_lab::Netem::parse_percent, default_value = "0%")]
        loss: f64,
        /// Remove delay and loss.
        #[arg(long, conflicts_with_all = ["delay", "loss"])]
        clear: bool,
    },
    /// Run a lab's supervisor in the foreground (started by `om lab up`).
    #[command(hide = true)]
    Supervise,
}
