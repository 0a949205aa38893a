//! Every environment variable om reads, in one place.

/// A tracing filter for om's log on stderr, e.g. `om_ssh=trace,info` (overrides `-v`).
pub const OM_LOG: &str = "OM_LOG";

/// The directory `om lab` uses when `--dir` is not given.
pub const OM_LAB_DIR: &str = "OM_LAB_DIR";

/// Ansible's default inventory sources, comma-separated, used when `-i` is not given.
pub const ANSIBLE_INVENTORY: &str = "ANSIBLE_INVENTORY";
