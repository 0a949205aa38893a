//! `om facts`: this machine's CPU, memory, disks, network, users and boot time.

use clap::Args;
pub use om_facts::report::Section as FactsSection;

/// Facts about this machine with psutil's field names: CPU times (seconds, not percent),
/// memory and swap (bytes), mounted filesystems and their usage, disk and network counters,
/// logged-in users, boot time. `om run PATTERN -m setup` gathers ansible-core's facts from
/// hosts; this command reads the machine it runs on.
///
/// Examples:
///
///   om facts                      everything, as text
///   om facts mem --json           virtual memory as JSON (bytes)
///   om facts cpu --percpu         CPU times per CPU
///   om facts cpu --interval 1 --count 5
///                                 CPU utilisation every second, five times
///   om facts diskio --perdisk     I/O counters per kernel device
///   om facts boot --tz +08:00     boot time in UTC+8
///
/// Exit status: 0 when the facts were read, 2 when they could not be.
#[derive(Debug, Args)]
pub struct FactsArgs {
    /// The section to show.
    #[arg(value_enum, default_value = "all")]
    pub section: FactsSection,
    /// One record per CPU (cpu).
    #[arg(long)]
    pub percpu: bool,
    /// Counters per disk, partitions included (diskio).
    #[arg(long)]
    pub perdisk: bool,
    /// Counters per network interface (net).
    #[arg(long)]
    pub pernic: bool,
    /// Include pseudo and virtual filesystems (disk, partitions).
    #[arg(long = "all-partitions")]
    pub all_partitions: bool,
    /// Sample again every S seconds and show CPU utilisation over each interval.
    #[arg(long, value_name = "S")]
    pub interval: Option<f64>,
    /// How many samples with --interval.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "interval")]
    pub count: u32,
    /// The utmp file users are read from.
    #[arg(long, value_name = "PATH", default_value = "/var/run/utmp")]
    pub utmp: std::path::PathBuf,
    /// Time zone for times in text output: `UTC` or an offset like `+08:00` (default: local).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// strftime format for times in text output.
    #[arg(long, value_name = "FORMAT", default_value = "%Y-%m-%d %H:%M:%S")]
    pub strftime: String,
    /// Print JSON (one document, or one line per sample with --interval).
    #[arg(long)]
    pub json: bool,
}
