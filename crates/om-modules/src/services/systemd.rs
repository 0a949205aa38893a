//! `systemd`: start, stop, restart, reload, enable, disable, mask units with `systemctl`.

use serde_json::Value;

use super::{parse_show, run, sysv_enabled, sysv_script};
use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "systemd",
    "Manage systemd units",
    &[
        Param::str("name").aliases(&["service", "unit"]),
        Param::str("state").choices(&["reloaded", "restarted", "started", "stopped"]),
        Param::new("enabled", crate::Type::Bool),
        Param::bool("force", false),
        Param::new("masked", crate::Type::Bool),
        Param::bool("daemon_reload", false).aliases(&["daemon-reload"]),
        Param::bool("daemon_reexec", false).aliases(&["daemon-reexec"]),
        Param::str("scope").choices(&["system", "user", "global"]).default_str("system"),
        Param::bool("no_block", false),
    ],
)
.one_of(&[&["state", "enabled", "masked", "daemon_reload", "daemon_reexec"]]);

pub struct Systemd;

impl Module for Systemd {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        systemd(args, ctx)
    }
}

/// The `systemd` module's logic; `service` uses it where systemd runs.
pub fn systemd(args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
    let os = ctx.os;
    if os.which("systemctl").is_none() {
        return Err(Fail::new("systemctl is not installed on the host"));
    }
    let mut base = vec!["systemctl".to_string()];
    match args.str("scope") {
        Some("user") => base.push("--user".into()),
        Some("global") => base.push("--global".into()),
        _ => {}
    }
    if args.bool("no_block") {
        base.push("--no-block".into());
    }
    if args.bool("force") {
        base.push("--force".into());
    }
    let cmd = |rest: &[&str]| -> Vec<String> {
        let mut v = base.clone();
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    };
    let unit = args.string("name");
    let mut result = ret! {"name" => unit.clone(), "changed" => false, "status" => Value::Object(Vars::new())};
    for (flag, action) in [("daemon_reload", "daemon-reload"), ("daemon_reexec", "daemon-reexec")] {
        if args.bool(flag) && !ctx.check {
            let out = run(os, cmd(&[action]))?;
            if out.rc != 0 {
                return Err(Fail::new(format!("failure {} during {action}: {}", out.rc, out.stderr_text())));
            }
        }
    }
    if unit.is_empty() {
        return Ok(result);
    }
    let is_initd = sysv_script(os, &unit).is_some();
    let show = run(os, cmd(&["show", &unit]))?;
    let status = if show.rc == 0 { parse_show(&show.stdout_text()) } else { Default::default() };
    let load = status.get("LoadState").map(String::as_str);
    let is_systemd = load.is_some_and(|s| s != "not-found");
    if is_systemd
        && load != Some("masked")
        && let Some(err) = status.get("LoadError")
        && !err.is_empty()
        && !err.contains("org.freedesktop.DBus.Error")
    {
        return Err(Fail::new(format!("Error loading unit file '{unit}': {err}")));
    }
    result.insert("status".into(), serde_json::to_value(&status).unwrap_or_default());
    let found = is_systemd || is_initd;
    if is_initd && !is_systemd {
        ctx.warn(format!("The service ({unit}) is actually an init script but the system is managed by systemd"));
    }
    let missing = || Fail::new(format!("Could not find the requested service {unit}: host"));
    if let Some(want) = args.opt_bool("masked") {
        let out = run(os, cmd(&["is-enabled", &unit]))?;
        let masked = out.stdout_text().trim() == "masked";
        if masked != want {
            result.insert("changed".into(), true.into());
            let action = if want { "mask" } else { "unmask" };
            if !ctx.check {
                let out = run(os, cmd(&[action, &unit]))?;
                if out.rc != 0 {
                    if !found {
                        return Err(missing());
                    }
                    return Err(Fail::new(format!("Failed to {action} the service ({unit}): {}", out.stderr_text().trim())));
                }
            }
        }
    }
    if let Some(want) = args.opt_bool("enabled") {
        if !found {
            return Err(missing());
        }
        let out = run(os, cmd(&["is-enabled", &unit, "-l"]))?;
        let text = out.stdout_text();
        let enabled = match out.rc {
            0 => !matches!(text.trim_end(), "enabled-runtime" | "indirect" | "alias"),
            1 => args.str("scope") == Some("system") && is_initd && !text.trim().ends_with("disabled") && sysv_enabled(os, &unit),
            _ => false,
        };
        result.insert("enabled".into(), enabled.into());
        if enabled != want {
            result.insert("changed".into(), true.into());
            if !ctx.check {
                let action = if want { "enable" } else { "disable" };
                let out = run(os, cmd(&[action, &unit]))?;
                if out.rc != 0 {
                    return Err(Fail::new(format!("Unable to {action} service {unit}: {}{}", out.stdout_text(), out.stderr_text())));
                }
            }
            result.insert("enabled".into(), want.into());
        }
    }
    if let Some(state) = args.str("state") {
        if !found {
            return Err(missing());
        }
        result.insert("state".into(), state.into());
        let Some(active) = status.get("ActiveState") else {
            return Err(Fail::new("Service is in unknown state").with("status", result["status"].clone()));
        };
        let running = matches!(active.as_str(), "active" | "activating");
        let action = match state {
            "started" => (!running).then_some("start"),
            "stopped" => (running || active == "deactivating").then_some("stop"),
            _ => {
                result.insert("state".into(), "started".into());
                Some(if !running {
                    "start"
                } else if state == "restarted" {
                    "restart"
                } else {
                    "reload"
                })
            }
        };
        if let Some(action) = action {
            result.insert("changed".into(), true.into());
            if !ctx.check {
                let out = run(os, cmd(&[action, &unit]))?;
                if out.rc != 0 {
                    return Err(Fail::new(format!("Unable to {action} service {unit}: {}", out.stderr_text())));
                }
            }
        }
    }
    Ok(result)
}
