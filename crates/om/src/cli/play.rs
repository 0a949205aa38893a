use std::path::PathBuf;

use clap::Args;

/// Run Ansible playbooks and roles unchanged, as `ansible-playbook` does.
///
/// Plays, roles, blocks, handlers, loops and Jinja run on every host at once (up to
/// --forks), with ansible-playbook's output and PLAY RECAP, or JSON events for scripts:
///
///   om play site.yml -i hosts
///   om play site.yml -i hosts -l web1 -t config -e version=1.2
///   om play site.yml -i hosts --check --diff
///   om play site.yml -i hosts --list-tasks
///   om play site.yml -i hosts --json > events.jsonl
///
/// A mistake in a playbook is reported with file:line:column, the offending text and what
/// was expected. Exit codes are ansible-playbook's: 0 ok, 1 error, 2 a host failed,
/// 4 a host was unreachable or the playbook did not parse, 5 bad option.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The playbook(s) to run, in order.
    #[arg(required = true)]
    pub playbooks: Vec<PathBuf>,
    /// Inventory source: a file, a directory, a script, a comma-separated host list, or an om
    /// platform (`om+https://om.example:8443`, token in OM_TOKEN); repeatable.
    #[arg(short, long, value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// Further limit the hosts with another pattern.
    #[arg(short, long, value_name = "SUBSET")]
    pub limit: Option<String>,
    /// Only run plays and tasks tagged with these tags (comma-separated, repeatable).
    #[arg(short, long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Skip plays and tasks tagged with these tags.
    #[arg(long, value_delimiter = ',')]
    pub skip_tags: Vec<String>,
    /// Extra variables: key=value, YAML/JSON, or @file; they beat every other variable.
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,
    /// Change nothing; report what would change.
    #[arg(short = 'C', long)]
    pub check: bool,
    /// Show differences (for modules that report them).
    #[arg(short = 'D', long)]
    pub diff: bool,
    /// Hosts in flight at once.
    #[arg(short, long, default_value_t = 50)]
    pub forks: usize,
    /// Start at the task with this name.
    #[arg(long, value_name = "NAME")]
    pub start_at_task: Option<String>,
    /// Run handlers even on hosts that failed.
    #[arg(long)]
    pub force_handlers: bool,
    /// Ask before each task: (N)o/(y)es/(c)ontinue, read from the terminal.
    #[arg(long)]
    pub step: bool,
    /// A file holding the vault password.
    #[arg(long, value_name = "FILE")]
    pub vault_password_file: Vec<PathBuf>,

    /// Print the tasks each play would run and stop.
    #[arg(long)]
    pub list_tasks: bool,
    /// Print the hosts each play would run on and stop.
    #[arg(long)]
    pub list_hosts: bool,
    /// Print the tags in use and stop.
    #[arg(long)]
    pub list_tags: bool,
    /// Check the playbook's syntax and stop.
    #[arg(long)]
    pub syntax_check: bool,
    /// Print the playbooks with Ansible 1.x constructs (sudo, bare include, `x|failed`…)
    /// rewritten into their modern form, and stop; the changes go to stderr.
    #[arg(long)]
    pub rewrite: bool,

    /// The remote user when neither the inventory nor the play names one.
    #[arg(short, long)]
    pub user: Option<String>,
    /// Private key file; repeatable.
    #[arg(long = "private-key", visible_alias = "key-file", value_name = "FILE")]
    pub private_key: Vec<PathBuf>,
    /// Connection type for hosts that do not set ansible_connection: ssh or local.
    #[arg(short, long, default_value = "ssh")]
    pub connection: String,
    /// Connection timeout in seconds.
    #[arg(short = 'T', long, default_value_t = 10)]
    pub timeout: u64,
    /// An ssh config file instead of ~/.ssh/config.
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// Host key checking: yes, accept-new, no or ask.
    #[arg(long, value_name = "POLICY")]
    pub host_key_checking: Option<String>,
    /// Run as another user (sudo).
    #[arg(short = 'b', long = "become")]
    pub escalate: bool,
    /// Ask for the sudo password.
    #[arg(short = 'K', long)]
    pub ask_become_pass: bool,
    /// The user to become (root).
    #[arg(long)]
    pub become_user: Option<String>,

    /// Stream JSON lines of events instead of text.
    #[arg(long)]
    pub json: bool,
}
