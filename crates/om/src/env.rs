//! Every environment variable om reads, in one place.

/// A tracing filter for om's log on stderr, e.g. `om_ssh=trace,info` (overrides `-v`).
pub const OM_LOG: &str = "OM_LOG";

/// The directory `om lab` uses when `--dir` is not given.
pub const OM_LAB_DIR: &str = "OM_LAB_DIR";

/// The platform's URL for `om jobs`, `om action` and `om worker` (`--server`).
pub const OM_SERVER: &str = "OM_SERVER";

/// An API token for `om jobs` and `om action` (`--token`); for `om worker`, its enrolment
/// token or credential.
pub const OM_TOKEN: &str = "OM_TOKEN";

/// The platform's configuration file (`om serve --config`).
pub const OM_CONFIG: &str = "OM_CONFIG";

/// The platform's data directory (`om serve --data`).
pub const OM_DATA: &str = "OM_DATA";

/// The CA certificate (PEM) that signs the platform's TLS certificate, for API clients.
pub const OM_CA_FILE: &str = "OM_CA_FILE";

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

/// The fact cache in `dir`, fresh for `OM_FACT_CACHE_TIMEOUT` seconds (86400 by default).
pub fn fact_cache(dir: impl Into<std::path::PathBuf>) -> om_facts::FactCache {
    let secs = std::env::var(OM_FACT_CACHE_TIMEOUT).ok().and_then(|s| s.parse().ok()).unwrap_or(86_400);
    om_facts::FactCache::new(dir, std::time::Duration::from_secs(secs))
}

/// The om-agent binary uploaded to hosts (default: the static build under the target
/// directory, `scripts/build-agent`).
pub const OM_AGENT_BIN: &str = "OM_AGENT_BIN";
