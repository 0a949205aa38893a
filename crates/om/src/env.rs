//! Every environment variable om reads, in one place.

/// A tracing filter for om's log on stderr, e.g. `om_ssh=trace,info` (overrides `-v`).
pub const OM_LOG: &str = "OM_LOG";

/// The directory `om lab` uses when `--dir` is not given.
pub const OM_LAB_DIR: &str = "OM_LAB_DIR";

/// Ansible's default inventory sources, comma-separated, used when `-i` is not given.
pub const ANSIBLE_INVENTORY: &str = "ANSIBLE_INVENTORY";

/// The ansible.cfg to read `inventory` from when neither `-i` nor `ANSIBLE_INVENTORY` is given.
pub const ANSIBLE_CONFIG: &str = "ANSIBLE_CONFIG";
/// A directory for the fact cache in ansible-core's jsonfile layout (`<dir>/<host>`): `om run
/// -m setup` stores each host's facts there, and `G@` targeting reads them.
pub const OM_FACT_CACHE: &str = "OM_FACT_CACHE";

/// Seconds cached facts stay fresh (ansible-core's `fact_caching_timeout`; default 86400, 0
/// = forever).
pub const OM_FACT_CACHE_TIMEOUT: &str = "OM_FACT_CACHE_TIMEOUT";

/// The om-agent binary uploaded to hosts (default: the static build under the target
/// directory, `scripts/build-agent`).
pub const OM_AGENT_BIN: &str = "OM_AGENT_BIN";
