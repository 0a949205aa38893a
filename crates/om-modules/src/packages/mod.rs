//! Package modules: `apt`, `yum`, `dnf`, and `package`, which picks the host's manager.
//! Whether anything changes is decided from package queries (`dpkg-query`, `rpm -q`) before
//! the manager runs, so check mode needs no simulation.

pub mod apt;
pub mod dnf;
pub mod package;
pub mod yum;

use crate::Fail;
use crate::os::{Command, CommandOutput, Os, Watch};

/// Runs a package-manager command non-interactively in the C locale.
pub(crate) fn run(os: &dyn Os, argv: Vec<String>, watch: Watch<'_>) -> Result<CommandOutput, Fail> {
    let cmd = Command::argv(argv)
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env("DEBCONF_NONINTERACTIVE_SEEN", "true")
        .env("APT_LISTCHANGES_FRONTEND", "none");
    Ok(os.run(&cmd, watch)?)
}

/// Splits `name=1.0` (or `name-1.0` is left alone) into a name and an optional version.
pub fn split_version(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once('=') {
        Some((n, v)) if !n.is_empty() && !v.is_empty() => (n.trim_end_matches(['<', '>']), Some(v)),
        _ => (spec, None),
    }
}

/// The package manager ansible-core's `ansible_pkg_mgr` would name on this host.
pub fn detect(os: &dyn Os) -> Option<&'static str> {
    [("apt-get", "apt"), ("dnf5", "dnf5"), ("dnf", "dnf"), ("yum", "yum"), ("zypper", "zypper"), ("apk", "apk"), ("pacman", "pacman")]
        .into_iter()
        .find(|(bin, _)| os.which(bin).is_some())
        .map(|(_, name)| name)
}
