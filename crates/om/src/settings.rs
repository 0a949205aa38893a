//! From flags and the configuration file to the platform's settings: flags win.

use anyhow::Context;
use om_server::Config;

use crate::cli::PlatformArgs;

/// The configuration file named by `--config` (which must exist), else `/etc/om/om.toml` if
/// present, with `--data` applied.
pub(crate) fn platform_config(args: &PlatformArgs) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::load(path, true)?,
        None => Config::load(std::path::Path::new("/etc/om/om.toml"), false)?,
    };
    if let Some(data) = &args.data {
        config.server.data_dir = std::path::absolute(data).with_context(|| format!("cannot resolve `{}`", data.display()))?;
    }
    Ok(config)
}

/// A runtime for commands that talk to the platform or serve it.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}
