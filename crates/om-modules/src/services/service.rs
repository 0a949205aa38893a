//! `service`: systemd where it runs, otherwise the SysV init script in `/etc/init.d`.
//! `started`/`stopped` change only when the state differs; `restarted`/`reloaded` always.

use std::path::Path;

use super::{run, systemd_running, sysv_enabled, sysv_script, sysv_set_enabled};
use crate::os::Os;
use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "service",
    "Manage services",
    &[
        Param::str("name").required(),
        Param::str("state").choices(&["reloaded", "restarted", "started", "stopped"]),
        Param::new("enabled", crate::Type::Bool),
        Param::str("pattern"),
        Param::str("arguments").aliases(&["args"]).default_str(""),
        Param::str("runlevel").default_str("default"),
        Param::int("sleep"),
        Param::str("use").default_str("auto"),
    ],
)
.one_of(&[&["state", "enabled"]]);

pub struct Service;

/// Whether a process whose command line contains `pattern` runs (`service`'s `pattern`).
fn pattern_running(os: &dyn Os, pattern: &str) -> bool {
    let me = std::process::id().to_string();
    os.read_dir(Path::new("/proc")).unwrap_or_default().into_iter().filter(|n| n.bytes().all(|b| b.is_ascii_digit()) && *n != me).any(
        |pid| {
            os.read(&Path::new("/proc").join(&pid).join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " ").contains(pattern))
                .unwrap_or(false)
        },
    )
}

/// The `systemd` arguments for a `service` call.
fn systemd_args(args: &Args) -> Result<Args, Fail> {
    let mut m = Vars::new();
    m.insert("name".into(), args.string("name").into());
    if let Some(s) = args.str("state") {
        m.insert("state".into(), s.into());
    }
    if let Some(e) = args.opt_bool("enabled") {
        m.insert("enabled".into(), e.into());
    }
    super::systemd::SCHEMA.validate(&m).map_err(|e| Fail::new(e.to_string()))
}

impl Module for Service {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let backend = args.str("use").unwrap_or("auto");
        if backend == "systemd" || (backend == "auto" && systemd_running(ctx.os)) {
            return super::systemd::systemd(&systemd_args(args)?, ctx);
        }
        let os = ctx.os;
        let name = args.string("name");
        let script = sysv_script(os, &name);
        let mut result = ret! {"name" => name.clone(), "changed" => false};
        let sleep = args.int("sleep").unwrap_or(0).max(0) as u64;
        let arguments = args.string("arguments");
        let call = |action: &str| -> Result<crate::os::CommandOutput, Fail> {
            let mut argv = match &script {
                Some(s) => vec![s.to_string_lossy().into_owned(), action.to_string()],
                None if os.which("service").is_some() => vec!["service".into(), name.clone(), action.into()],
                None => return Err(Fail::new(format!("Could not find the requested service {name}: no init script in /etc/init.d"))),
            };
            argv.extend(crate::files::shell_split(&arguments));
            run(os, argv)
        };
        if script.is_none() && os.which("service").is_none() {
            return Err(Fail::new(format!("Could not find the requested service {name}: host")));
        }
        if let Some(want) = args.opt_bool("enabled") {
            let enabled = sysv_enabled(os, &name);
            if enabled != want {
                result.insert("changed".into(), true.into());
                if !ctx.check {
                    sysv_set_enabled(os, &name, want)?;
                }
            }
            result.insert("enabled".into(), want.into());
        }
        if let Some(state) = args.str("state") {
            let running = match args.str("pattern") {
                Some(p) => pattern_running(os, p),
                None => call("status")?.rc == 0,
            };
            let actions: &[&str] = match state {
                "started" if !running => &["start"],
                "stopped" if running => &["stop"],
                "restarted" if running => &["stop", "start"],
                "restarted" => &["start"],
                "reloaded" if running => &["reload"],
                "reloaded" => &["start"],
                _ => &[],
            };
            result.insert("state".into(), state.into());
            if !actions.is_empty() {
                result.insert("changed".into(), true.into());
                if !ctx.check {
                    for (i, action) in actions.iter().enumerate() {
                        if i > 0 && sleep > 0 {
                            std::thread::sleep(std::time::Duration::from_secs(sleep));
                        }
                        let out = call(action)?;
                        if out.rc != 0 {
                            let err = if out.stderr.is_empty() { out.stdout_text() } else { out.stderr_text() };
                            return Err(Fail::new(err.trim().to_string()).with("rc", out.rc).with_all(result));
                        }
                    }
                }
            }
        }
        Ok(result)
    }
}
