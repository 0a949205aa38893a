use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum};

/// List an inventory, show a host's variables, draw the group tree, or resolve a pattern.
///
/// Reads Ansible inventories unchanged (INI, YAML, JSON, directories, `h1,h2,` lists,
/// executable scripts, group_vars/ and host_vars/) and prints what ansible-inventory and
/// `ansible --list-hosts` print:
///
///   om inventory -i hosts --list
///   om inventory -i hosts --host web1
///   om inventory -i hosts --graph webservers --vars
///   om inventory -i hosts 'webservers:&prod:!web3' --list-hosts
///   om inventory -i hosts --tgt-type compound 'E@^web and G@os:centos' --fact-cache /tmp/facts --list-hosts
///   om inventory -i hosts --export yaml > hosts.yml
///   om inventory --import-omanager ServerOptioninfo.xml Serverinfo.xml > hierarchy.yml
///   OM_TOKEN=om_… om inventory -i om+https://om.example:8443 --graph
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("action").required(true).args(["list", "host", "graph", "list_hosts", "export", "import_omanager"])))]
pub struct InventoryArgs {
    /// An inventory source: a file, a directory, a comma list `h1,h2,`, or an om platform
    /// `om+https://HOST:PORT` (token in OM_TOKEN); repeat to merge sources in order.
    /// Default: $ANSIBLE_INVENTORY, else `inventory` in ansible.cfg ($ANSIBLE_CONFIG,
    /// ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg), else /etc/ansible/hosts.
    #[arg(short = 'i', long = "inventory", value_name = "SOURCE")]
    pub inventory: Vec<String>,
    /// A host pattern (`web:&prod:!web3`, `~db\d+`, `g[0]`), or with --graph the group to start at.
    pub pattern: Option<String>,
    /// Print every group, host and host variable as ansible-inventory --list does (JSON).
    #[arg(long)]
    pub list: bool,
    /// Print one host's variables.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Draw the group tree from `all` (or from the group given as PATTERN).
    #[arg(long)]
    pub graph: bool,
    /// Print the hosts PATTERN selects, one per line, in ansible-core's order.
    #[arg(long)]
    pub list_hosts: bool,
    /// Write the inventory as an INI or YAML inventory file that loads back the same.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub export: Option<ExportFormat>,
    /// Convert OManager's ServerOptioninfo.xml (categories) and Serverinfo.xml (servers) into
    /// the category → application → server YAML inventory.
    #[arg(long, num_args = 2, value_names = ["CATEGORIES_XML", "SERVERS_XML"])]
    pub import_omanager: Option<Vec<PathBuf>>,
    /// With --import-omanager: the order of a server's unnamed child elements, e.g.
    /// `hostname,external_ip,internal_ip,os,application,location,category_id` (the default).
    #[arg(long, value_delimiter = ',', value_name = "FIELDS")]
    pub field_order: Vec<String>,
    /// With --import-omanager: print the field mapping and the resulting tree instead.
    #[arg(long)]
    pub dry_run: bool,
    /// With --list: YAML instead of JSON.
    #[arg(long)]
    pub yaml: bool,
    /// With --graph: show variables too.
    #[arg(long)]
    pub vars: bool,
    /// Restrict to the hosts this pattern selects (`@file` reads names from a file).
    #[arg(short = 'l', long, value_name = "PATTERN")]
    pub limit: Option<String>,
    /// How PATTERN is read: Ansible patterns (default) or one of Salt's target types.
    #[arg(long = "tgt-type", value_enum, default_value = "ansible")]
    pub tgt_type: TargetType,
    /// The fact cache (Ansible's jsonfile layout: one JSON file per host) holding grains for
    /// `G@`; `om run -m setup` fills the same directory when OM_FACT_CACHE is set.
    #[arg(long, value_name = "DIR", env = crate::env::OM_FACT_CACHE)]
    pub fact_cache: Option<PathBuf>,
    /// A YAML file with `nodegroups: {name: 'compound target', ...}` for N@ and --tgt-type nodegroup.
    #[arg(long, value_name = "FILE")]
    pub nodegroups: Option<PathBuf>,
    /// Also read group_vars/ and host_vars/ beside this playbook directory.
    #[arg(long, value_name = "DIR")]
    pub playbook_dir: Option<PathBuf>,
    /// Fail when a source cannot be parsed (ansible-core warns and goes on without it).
    #[arg(long)]
    pub strict: bool,
    /// With --list-hosts: print a JSON array.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Ini,
    Yaml,
}

/// The target types of `--tgt-type` (Salt's names, plus Ansible patterns and om's hierarchy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetType {
    /// Ansible patterns: `web:&prod:!web3`.
    Ansible,
    /// A shell glob over host names.
    Glob,
    /// A regex anchored at the start (-E).
    Pcre,
    /// Host names separated by commas (-L).
    List,
    /// `key:glob` over cached grains, case-insensitive (-G).
    Grain,
    /// `key:regex` over cached grains (-P).
    GrainPcre,
    /// A CIDR network or an IP address (-S).
    Ipcidr,
    /// A nodegroup name (-N).
    Nodegroup,
    /// `and`/`or`/`not` over prefixed targets: `G@os:centos and E@^web` (-C).
    Compound,
    /// `<function category>[/<application>]` of the asset hierarchy.
    Category,
    /// Func's globs joined by `;`, `@group` for an inventory group.
    Func,
}
