//! Service modules: `systemd` (systemctl) and `service` (systemd where it runs, SysV init
//! scripts elsewhere), with ansible-core's decisions about when a start, stop or enable is
//! a change.

pub mod service;
pub mod systemd;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Fail;
use crate::os::{Command, CommandOutput, Os, Watch};

/// Whether systemd is the running init (`/run/systemd/system` exists).
pub fn systemd_running(os: &dyn Os) -> bool {
    os.metadata(Path::new("/run/systemd/system"), true).ok().flatten().is_some_and(|m| m.is_dir())
}

pub(crate) fn run(os: &dyn Os, argv: Vec<String>) -> Result<CommandOutput, Fail> {
    Ok(os.run(&Command::argv(argv).env("LC_ALL", "C").env("SYSTEMD_PAGER", ""), Watch::default())?)
}

/// `systemctl show` output as a map, multi-line `{ … }` values joined (ansible-core's
/// `parse_systemctl_show`).
pub fn parse_show(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut multi: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        if let Some((k, mut acc)) = multi.take() {
            acc.push(line.to_string());
            if line.trim_end().ends_with('}') {
                out.insert(k, acc.join("\n"));
            } else {
                multi = Some((k, acc));
            }
            continue;
        }
        let Some((k, v)) = line.split_once('=') else { continue };
        if v.trim_start().starts_with('{') && !v.trim_end().ends_with('}') {
            multi = Some((k.to_string(), vec![v.to_string()]));
        } else {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

/// The SysV init script for a service, if there is one.
pub fn sysv_script(os: &dyn Os, name: &str) -> Option<PathBuf> {
    let p = Path::new("/etc/init.d").join(name);
    os.metadata(&p, true).ok().flatten().filter(|m| m.is_file()).map(|_| p)
}

/// Whether a SysV service starts at boot: an `S??<name>` link in any `/etc/rc?.d`.
pub fn sysv_enabled(os: &dyn Os, name: &str) -> bool {
    crate::files::glob::glob(os, &format!("/etc/rc?.d/S??{name}")).into_iter().next().is_some()
}

/// Changes whether a SysV service starts at boot, with `update-rc.d` or `chkconfig`.
pub fn sysv_set_enabled(os: &dyn Os, name: &str, enable: bool) -> Result<(), Fail> {
    let argv: Vec<String> = if os.which("update-rc.d").is_some() {
        let has_links = !crate::files::glob::glob(os, &format!("/etc/rc?.d/[SK]??{name}")).is_empty();
        if enable && !has_links {
            run(os, vec!["update-rc.d".into(), name.into(), "defaults".into()])?;
        }
        vec!["update-rc.d".into(), name.into(), if enable { "enable" } else { "disable" }.into()]
    } else if os.which("chkconfig").is_some() {
        vec!["chkconfig".into(), name.into(), if enable { "on" } else { "off" }.into()]
    } else {
        return Err(Fail::new(format!("cannot change whether `{name}` starts at boot: neither update-rc.d nor chkconfig is installed")));
    };
    let out = run(os, argv)?;
    if out.rc != 0 {
        let verb = if enable { "enable" } else { "disable" };
        return Err(Fail::new(format!("Unable to {verb} service {name}: {}{}", out.stdout_text(), out.stderr_text())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemctl_show_parses_multiline_values() {
        let m = parse_show("ActiveState=active\nExecStart={ path=/bin/x ; argv[]=/bin/x\n  a }\nLoadState=loaded\n");
        assert_eq!(m["ActiveState"], "active");
        assert_eq!(m["LoadState"], "loaded");
        assert!(m["ExecStart"].contains("argv[]"));
    }
}
