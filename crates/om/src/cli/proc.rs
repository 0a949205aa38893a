//! `om proc`: processes on this machine.

use clap::{Args, Subcommand, ValueEnum};

/// Processes on this machine, with psutil's fields: list them, show one, signal them, set
/// their CPU affinity, or run a command and report its CPU times. Across hosts, the same
/// operations are the `proc` module: `om run web -m proc -a 'action=list name=nginx'`.
///
/// Examples:
///
///   om proc list --sort rss --top 10
///   om proc list --name sshd --json
///   om proc show 1234
///   om proc kill 1234 --signal HUP
///   om proc affinity 1234 --set 0,2-3
///   om proc spawn -- tar czf /tmp/etc.tgz /etc
///
/// Exit status: 0 on success, 2 when a process is missing or an operation is refused.
#[derive(Debug, Args)]
pub struct ProcArgs {
    #[command(subcommand)]
    pub command: ProcCommand,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
}

/// How `om proc list` orders processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProcSort {
    Pid,
    Cpu,
    Rss,
    Name,
}

#[derive(Debug, Subcommand)]
pub enum ProcCommand {
    /// Every process: pid, parent, user, status, memory, CPU time, threads, command line.
    List {
        /// Only processes with this name.
        #[arg(long)]
        name: Option<String>,
        /// Order by this field (cpu and rss: largest first).
        #[arg(long, value_enum, default_value = "pid")]
        sort: ProcSort,
        /// Only the first N after sorting.
        #[arg(long, value_name = "N")]
        top: Option<usize>,
    },
    /// Every field of one process: files, sockets, I/O counters, affinity…
    Show { pid: i32 },
    /// Send a signal (TERM unless --signal says otherwise).
    Kill {
        #[arg(required = true)]
        pids: Vec<i32>,
        /// A signal name (TERM, KILL, HUP, INT, STOP, CONT…) or number.
        #[arg(long, short, default_value = "TERM")]
        signal: String,
    },
    /// Show the CPUs a process may run on, or set them with --set.
    Affinity {
        pid: i32,
        /// CPUs like `0,2-3`.
        #[arg(long, value_name = "CPUS")]
        set: Option<String>,
    },
    /// Run a command without a shell and report its output and CPU times.
    Spawn {
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        argv: Vec<String>,
    },
}
