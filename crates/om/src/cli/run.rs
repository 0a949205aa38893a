use std::path::PathBuf;

use clap::Args;

/// Run a command or a module on many hosts over SSH, as `ansible PATTERN -m …` does.
///
/// One connection per host for the whole run, every host in flight at once up to --forks,
/// results in ansible-core's forms, a recap, and JSON for scripts:
///
///   om run all -i hosts -a 'uname -n'
///   om run web -i hosts -m shell -a 'df -h / | tail -1' -o
///   om run all -i hosts -m copy -a 'src=app.conf dest=/etc/app.conf mode=0644' -b -K
///   om run '*' -i hosts -m ping --json
///
/// Repeat -m/-a to run several tasks in a row on the same connections (a -a without its own
/// -m uses the previous module):
///
///   om run all -i hosts -a uptime -a 'df -h /' -m ping
///
/// Exit codes are ansible-core's: 0 ok, 2 a host failed, 4 a host was unreachable, 5 bad
/// option, 99 interrupted.
#[derive(Debug, Args)]
#[command(after_help = "Background jobs: -B 300 -P 0 starts the command and prints its job id; `om run PATTERN --status JID` reports it.")]
pub struct RunArgs {
    /// Host pattern: all, a group, a host, globs (web*), unions (a:b), exclusions (a:!b), intersections (a:&b).
    pub pattern: String,
    /// Inventory source: a file, a directory, a script, a comma-separated host list
    /// (`h1,h2,`), or an om platform (`om+https://om.example:8443`, token in OM_TOKEN);
    /// repeatable. Default: ANSIBLE_INVENTORY, then /etc/ansible/hosts.
    #[arg(short, long, value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// The module to run (default `command`); repeat with -a for several tasks.
    #[arg(short = 'm', long = "module-name", value_name = "MODULE")]
    pub module: Vec<String>,
    /// The module's arguments: free text for command/shell/raw/script, key=value or JSON otherwise.
    #[arg(short = 'a', long = "args", value_name = "ARGS", allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Hosts in flight at once.
    #[arg(short, long, default_value_t = 50)]
    pub forks: usize,
    /// Further limit the hosts with another pattern.
    #[arg(short, long, value_name = "SUBSET")]
    pub limit: Option<String>,
    /// Print the hosts the pattern selects and stop.
    #[arg(long)]
    pub list_hosts: bool,
    /// Extra variables: key=value, a JSON object, or @file.json; they beat inventory variables.
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,

    /// The remote user when the inventory does not name one.
    #[arg(short, long)]
    pub user: Option<String>,
    /// Ask for the SSH password (also tried as a key passphrase).
    #[arg(short = 'k', long)]
    pub ask_pass: bool,
    /// Private key file; repeatable.
    #[arg(long = "private-key", visible_alias = "key-file", value_name = "FILE")]
    pub private_key: Vec<PathBuf>,
    /// Connection type for hosts that do not set ansible_connection: ssh or local.
    #[arg(short, long, default_value = "ssh")]
    pub connection: String,
    /// Connection timeout in seconds (TCP connect and SSH handshake).
    #[arg(short = 'T', long, default_value_t = 10)]
    pub timeout: u64,
    /// Stop a task that runs longer than this many seconds (it fails with phase `timeout`).
    #[arg(long, value_name = "SECS")]
    pub task_timeout: Option<u64>,
    /// Jump hosts for every target: `[user@]host[:port][,…]`.
    #[arg(short = 'J', long, value_name = "CHAIN")]
    pub jump: Option<String>,
    /// Extra ssh options for every host (`-o Key=Value`, `-J …`), as ansible's ssh_common_args.
    #[arg(long, allow_hyphen_values = true)]
    pub ssh_common_args: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    pub ssh_extra_args: Option<String>,
    /// An ssh config file instead of ~/.ssh/config.
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// Host key checking: yes, accept-new, no or ask (default: ask on a terminal, yes otherwise).
    #[arg(long, value_name = "POLICY")]
    pub host_key_checking: Option<String>,

    /// Run as another user (sudo, or su with --become-method su).
    #[arg(short = 'b', long = "become")]
    pub escalate: bool,
    /// Ask for the become password: sudo wants the login user's, su the target user's.
    #[arg(short = 'K', long)]
    pub ask_become_pass: bool,
    /// The user to become (root).
    #[arg(long)]
    pub become_user: Option<String>,
    /// The become method: sudo or su.
    ///
    /// With su, modules run over shell commands rather than om-agent, and on hosts whose su
    /// needs a terminal stderr comes merged into stdout.
    #[arg(long, value_parser = ["sudo", "su"])]
    pub become_method: Option<String>,

    /// Run in the background, giving up after this many seconds.
    #[arg(short = 'B', long = "background", value_name = "SECS")]
    pub background: Option<u64>,
    /// Poll a background job every this many seconds; 0 returns its job id at once.
    #[arg(short = 'P', long, value_name = "SECS", default_value_t = 15)]
    pub poll: u64,
    /// Report a background job started with -B … -P 0.
    #[arg(long, value_name = "JID", conflicts_with_all = ["module", "args", "background"])]
    pub status: Option<String>,

    /// Change nothing; report what would change.
    #[arg(short = 'C', long)]
    pub check: bool,
    /// Show differences (for modules that report them).
    #[arg(short = 'D', long)]
    pub diff: bool,

    /// One line per host.
    #[arg(short = 'o', long)]
    pub one_line: bool,
    /// Print {"contacted": {…}, "dark": {…}} (the Runner API's shape) instead of text.
    #[arg(long, conflicts_with_all = ["events", "one_line"])]
    pub json: bool,
    /// Stream JSON lines of events (run, task, output chunk, result, recap); see docs/events.md.
    #[arg(long, conflicts_with = "one_line")]
    pub events: bool,
    /// Also write each host's result as JSON to DIR/<host>.
    #[arg(short = 't', long, value_name = "DIR")]
    pub tree: Option<PathBuf>,

    /// Removed in ansible: use -b.
    #[arg(long, hide = true)]
    pub sudo: bool,
    /// Removed in ansible: use --become-user.
    #[arg(short = 'U', long = "sudo-user", hide = true)]
    pub sudo_user: Option<String>,
    /// Removed in ansible: use -K.
    #[arg(long, hide = true)]
    pub ask_sudo_pass: bool,
}
