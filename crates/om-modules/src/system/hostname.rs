//! `hostname`: the running host name and the permanent one in `/etc/hostname` (the file
//! strategy of ansible-core; `hostnamectl` where systemd runs).

use std::path::Path;

use crate::os::Command;
use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "hostname",
    "Manage hostname",
    &[
        Param::str("name").required(),
        Param::str("use").choices(&[
            "alpine", "debian", "freebsd", "generic", "macos", "macosx", "darwin", "openbsd", "openrc", "redhat", "sles", "solaris",
            "systemd",
        ]),
    ],
)
.with_diff();

pub struct Hostname;

const RUNNING: &str = "/proc/sys/kernel/hostname";
const PERMANENT: &str = "/etc/hostname";

impl Module for Hostname {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let name = args.string("name");
        let read = |p: &str| ctx.os.read(Path::new(p)).map(|d| String::from_utf8_lossy(&d).trim().to_string()).unwrap_or_default();
        let current = read(RUNNING);
        let permanent = read(PERMANENT);
        let systemd = args.str("use") == Some("systemd")
            || (args.str("use").is_none() && crate::services::systemd_running(ctx.os) && ctx.os.which("hostnamectl").is_some());
        let mut changed = false;
        if current != name {
            changed = true;
            if !ctx.check {
                let cmd = if systemd {
                    Command::argv(["hostnamectl", "--transient", "set-hostname", name.as_str()])
                } else {
                    Command::shell(format!("printf %s {} > {RUNNING}", crate::os::quote(&name)))
                };
                let out = ctx.os.run(&cmd, ctx.watch)?;
                if out.rc != 0 {
                    return Err(Fail::new(format!("Command failed rc={}, out={}, err={}", out.rc, out.stdout_text(), out.stderr_text())));
                }
            }
        }
        if permanent != name {
            changed = true;
            if !ctx.check {
                if systemd {
                    let out = ctx.os.run(&Command::argv(["hostnamectl", "--static", "set-hostname", name.as_str()]), ctx.watch)?;
                    if out.rc != 0 {
                        return Err(Fail::new(format!(
                            "Command failed rc={}, out={}, err={}",
                            out.rc,
                            out.stdout_text(),
                            out.stderr_text()
                        )));
                    }
                } else {
                    // /etc/hostname may be a bind mount (containers): write in place.
                    let cmd = Command::shell(format!("printf '%s\\n' {} > {PERMANENT}", crate::os::quote(&name)));
                    let out = ctx.os.run(&cmd, ctx.watch)?;
                    if out.rc != 0 {
                        return Err(Fail::new(format!("failed to write {PERMANENT}: {}", out.stderr_text().trim())));
                    }
                }
            }
        }
        let short = name.split('.').next().unwrap_or_default().to_string();
        let domain = name.split_once('.').map(|(_, d)| d.to_string()).unwrap_or_default();
        let facts = ret! {"ansible_hostname" => short, "ansible_nodename" => name.clone(), "ansible_fqdn" => name.clone(), "ansible_domain" => domain};
        let mut out = ret! {"changed" => changed, "name" => name.clone(), "ansible_facts" => facts};
        if changed {
            out.insert(
                "diff".into(),
                serde_json::json!({"before": format!("hostname = {current}\n"), "after": format!("hostname = {name}\n")}),
            );
        }
        Ok(out)
    }
}
