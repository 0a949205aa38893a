//! `dnf` (and the engine of `yum`): RPM packages present, latest or absent, decided from
//! `rpm -q` and `check-update`, changed through the manager.

use serde_json::Value;

use super::{run, split_version};
use crate::{Args, Context, Fail, Module, Schema, ret};
use om_core::Vars;

/// The parameters `dnf` and `yum` share.
#[macro_export]
macro_rules! rpm_params {
    () => {
        &[
            $crate::Param::list("name").aliases(&["pkg"]),
            $crate::Param::str("state").choices(&["absent", "installed", "latest", "present", "removed"]),
            $crate::Param::list("enablerepo"),
            $crate::Param::list("disablerepo"),
            $crate::Param::list("exclude"),
            $crate::Param::bool("update_cache", false).aliases(&["expire-cache"]),
            $crate::Param::bool("disable_gpg_check", false),
            $crate::Param::bool("autoremove", false),
            $crate::Param::str("releasever"),
            $crate::Param::bool("security", false),
            $crate::Param::bool("bugfix", false),
            $crate::Param::bool("update_only", false),
            $crate::Param::str("installroot").default_str("/"),
            $crate::Param::str("conf_file"),
            $crate::Param::new("install_weak_deps", $crate::Type::Bool),
            $crate::Param::bool("allow_downgrade", false),
            $crate::Param::bool("skip_broken", false),
            $crate::Param::bool("nobest", false),
            $crate::Param::str("list"),
            $crate::Param::int("lock_timeout").default_int(30),
            $crate::Param::str("download_dir"),
            $crate::Param::bool("download_only", false),
            $crate::Param::bool("cacheonly", false),
            $crate::Param::str("use_backend").default_str("auto"),
        ]
    };
}

pub static SCHEMA: Schema =
    Schema::new("dnf", "Manages packages with the dnf package manager", rpm_params!()).one_of(&[&["name", "list", "update_cache"]]);

pub struct Dnf;

impl Module for Dnf {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let tool = if ctx.os.which("dnf").is_some() { "dnf" } else { "dnf5" };
        rpm_manager(tool, args, ctx)
    }
}

/// The installed `version-release` of a package, from `rpm -q`.
/// The installed version-release of `name`, in the rpm database under `installroot`.
fn installed(ctx: &Context<'_>, args: &Args, name: &str) -> Result<Option<String>, Fail> {
    let mut argv = vec!["rpm".to_string()];
    if let Some(root) = args.str("installroot").filter(|r| *r != "/") {
        argv.extend(["--root".into(), root.into()]);
    }
    argv.extend(["-q".into(), "--qf".into(), "%{VERSION}-%{RELEASE}\\n".into(), name.into()]);
    let out = run(ctx.os, argv, Default::default())?;
    Ok((out.rc == 0).then(|| out.stdout_text().lines().next().unwrap_or_default().to_string()))
}

fn base(tool: &str, args: &Args) -> Vec<String> {
    let mut argv = vec![tool.to_string(), "-y".into()];
    if let Some(conf) = args.str("conf_file") {
        argv.extend(["-c".into(), conf.into()]);
    }
    for r in args.list("enablerepo") {
        argv.push(format!("--enablerepo={r}"));
    }
    for r in args.list("disablerepo") {
        argv.push(format!("--disablerepo={r}"));
    }
    for r in args.list("exclude") {
        argv.push(format!("--exclude={r}"));
    }
    if args.bool("disable_gpg_check") {
        argv.push("--nogpgcheck".into());
    }
    if let Some(v) = args.str("releasever") {
        argv.push(format!("--releasever={v}"));
    }
    if args.bool("skip_broken") {
        argv.push("--skip-broken".into());
    }
    if args.bool("nobest") {
        argv.push("--nobest".into());
    }
    if args.str("installroot") != Some("/") {
        argv.push(format!("--installroot={}", args.string("installroot")));
    }
    argv
}

/// `dnf` and `yum` share this logic; `tool` is the program to run.
pub fn rpm_manager(tool: &str, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
    if ctx.os.which(tool).is_none() || ctx.os.which("rpm").is_none() {
        return Err(Fail::new(format!("{tool} is not installed on the host: the {tool} module needs an RPM-family system")));
    }
    let names = args.list("name");
    let state = match args.str("state") {
        Some("installed") | None if !names.is_empty() => "present",
        Some("removed") => "absent",
        Some(s) => s,
        None => "present",
    };
    let mut result = ret! {"changed" => false, "msg" => "", "rc" => 0, "results" => Value::Array(Vec::new())};
    if args.bool("update_cache") && !ctx.check {
        let mut argv = base(tool, args);
        argv.push("makecache".into());
        let out = run(ctx.os, argv, ctx.watch)?;
        if out.rc != 0 {
            return Err(Fail::new(format!("Failed to update the cache: {}", out.stderr_text().trim())).with("rc", out.rc));
        }
    }
    let mut todo = Vec::new();
    let mut results = Vec::new();
    for spec in &names {
        if spec == "*" && state == "latest" {
            todo.push(spec.clone());
            continue;
        }
        let (name, version) = split_version(spec);
        let current = installed(ctx, args, name)?;
        let act = match state {
            "absent" => current.is_some(),
            "latest" => {
                if current.is_none() {
                    true
                } else {
                    let mut argv = base(tool, args);
                    argv.extend(["check-update".into(), "-q".into(), name.into()]);
                    run(ctx.os, argv, Default::default())?.rc == 100
                }
            }
            _ => current.is_none() || version.is_some_and(|v| current.as_deref().is_some_and(|c| !c.starts_with(v))),
        };
        if act {
            todo.push(if let Some(v) = version { format!("{name}-{v}") } else { name.to_string() });
        } else {
            results.push(Value::from(format!("{name} is {}", if state == "absent" { "not installed" } else { "installed" })));
        }
    }
    if todo.is_empty() {
        result.insert("results".into(), Value::Array(results));
        result.insert("msg".into(), "Nothing to do".into());
        return Ok(result);
    }
    result.insert("changed".into(), true.into());
    if ctx.check {
        let verb = if state == "absent" { "Removed" } else { "Installed" };
        results.extend(todo.iter().map(|t| Value::from(format!("{verb}: {t}"))));
        result.insert("results".into(), Value::Array(results));
        return Ok(result);
    }
    let mut argv = base(tool, args);
    argv.push(
        match state {
            "absent" => "remove",
            "latest" => "upgrade",
            _ => "install",
        }
        .into(),
    );
    if state == "latest" {
        // `upgrade` does not install missing packages; `install` of the latest does both.
        argv.pop();
        argv.push("install".into());
        argv.push("--best".into());
    }
    if args.opt_bool("install_weak_deps") == Some(false) {
        argv.push("--setopt=install_weak_deps=False".into());
    }
    argv.extend(todo.iter().cloned());
    let out = run(ctx.os, argv, ctx.watch)?;
    result.insert("rc".into(), out.rc.into());
    results.extend(out.stdout_text().lines().filter(|l| !l.trim().is_empty()).map(|l| Value::from(l.to_string())));
    result.insert("results".into(), Value::Array(results));
    if out.rc != 0 {
        return Err(Fail::new(format!(
            "Failed to {} {}: {}",
            if state == "absent" { "remove" } else { "install" },
            todo.join(" "),
            out.stderr_text().trim()
        ))
        .with_all(result));
    }
    if args.bool("autoremove") {
        let mut argv = base(tool, args);
        argv.push("autoremove".into());
        run(ctx.os, argv, ctx.watch)?;
    }
    Ok(result)
}
