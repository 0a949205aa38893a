//! `apt`: Debian packages present, latest or absent (by name or from a `.deb` file), and the
//! package cache, through `dpkg-query`, `apt-cache`, `apt-get` and `dpkg`.

use std::path::Path;

use serde_json::Value;

use super::{run, split_version};
use crate::{Args, Context, Fail, Module, Param, Schema, Type, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "apt",
    "Manages apt-packages",
    &[
        Param::list("name").aliases(&["package", "pkg"]),
        Param::str("state").choices(&["absent", "build-dep", "latest", "present", "fixed", "installed", "removed"]).default_str("present"),
        Param::new("update_cache", Type::Bool).aliases(&["update-cache"]),
        Param::int("update_cache_retries").default_int(5),
        Param::int("update_cache_retry_max_delay").default_int(12),
        Param::int("cache_valid_time").default_int(0),
        Param::bool("purge", false),
        Param::str("default_release").aliases(&["default-release"]),
        Param::new("install_recommends", Type::Bool).aliases(&["install-recommends"]),
        Param::bool("force", false),
        Param::str("upgrade").choices(&["dist", "full", "no", "safe", "yes"]).default_str("no"),
        Param::str("dpkg_options").default_str("force-confdef,force-confold"),
        Param::path("deb"),
        Param::bool("autoremove", false),
        Param::bool("autoclean", false),
        Param::bool("fail_on_autoremove", false),
        Param::int("policy_rc_d"),
        Param::bool("only_upgrade", false),
        Param::bool("allow_unauthenticated", false).aliases(&["allow-unauthenticated"]),
        Param::bool("allow_downgrade", false).aliases(&["allow-downgrade", "allow_downgrades", "allow-downgrades"]),
        Param::bool("allow_change_held_packages", false),
        Param::int("lock_timeout").default_int(60),
        Param::bool("clean", false),
    ],
)
.one_of(&[&["name", "deb", "update_cache", "upgrade", "autoremove", "autoclean", "clean"]])
.exclusive(&[&["deb", "name", "upgrade"]]);

pub struct Apt;

/// `(status, version)` of an installed package from `dpkg-query`, or `None`.
fn installed(ctx: &Context<'_>, name: &str) -> Result<Option<(String, String)>, Fail> {
    let out = run(ctx.os, vec!["dpkg-query".into(), "-W".into(), "-f=${Status}\t${Version}".into(), name.into()], Default::default())?;
    if out.rc != 0 {
        return Ok(None);
    }
    let text = out.stdout_text();
    let (status, version) = text.split_once('\t').unwrap_or((&text, ""));
    Ok(Some((status.to_string(), version.trim().to_string())))
}

fn is_installed(state: &Option<(String, String)>) -> bool {
    state.as_ref().is_some_and(|(s, _)| s.ends_with(" installed") && !s.contains("not-installed") && !s.contains("config-files"))
}

fn candidate(ctx: &Context<'_>, name: &str) -> Result<Option<String>, Fail> {
    let out = run(ctx.os, vec!["apt-cache".into(), "policy".into(), name.into()], Default::default())?;
    Ok(out.stdout_text().lines().find_map(|l| l.trim().strip_prefix("Candidate:")).map(|c| c.trim().to_string()).filter(|c| c != "(none)"))
}

fn apt_get(args: &Args, action: &[&str], packages: &[String]) -> Vec<String> {
    let mut argv: Vec<String> = vec!["apt-get".into(), "-y".into(), "-q".into()];
    for opt in args.string("dpkg_options").split(',').filter(|o| !o.is_empty()) {
        argv.push("-o".into());
        argv.push(format!("Dpkg::Options::=--{opt}"));
    }
    argv.push("-o".into());
    argv.push(format!("DPkg::Lock::Timeout={}", args.int("lock_timeout").unwrap_or(60)));
    match args.opt_bool("install_recommends") {
        Some(false) => argv.push("--no-install-recommends".into()),
        Some(true) => argv.push("--install-recommends".into()),
        None => {}
    }
    if let Some(r) = args.str("default_release") {
        argv.push("-t".into());
        argv.push(r.into());
    }
    if args.bool("allow_downgrade") {
        argv.push("--allow-downgrades".into());
    }
    if args.bool("allow_unauthenticated") {
        argv.push("--allow-unauthenticated".into());
    }
    if args.bool("allow_change_held_packages") {
        argv.push("--allow-change-held-packages".into());
    }
    if args.bool("only_upgrade") {
        argv.push("--only-upgrade".into());
    }
    if args.bool("force") {
        argv.push("--force-yes".into());
    }
    argv.extend(action.iter().map(|s| s.to_string()));
    argv.extend(packages.iter().cloned());
    argv
}

fn fail_with(msg: String, out: &crate::os::CommandOutput) -> Fail {
    Fail::new(msg).with("rc", out.rc).with("stdout", out.stdout_text()).with("stderr", out.stderr_text())
}

fn update_cache(args: &Args, ctx: &mut Context<'_>) -> Result<(bool, u64), Fail> {
    let stamp = Path::new("/var/lib/apt/periodic/update-success-stamp");
    let lists = Path::new("/var/lib/apt/lists");
    let mtime = ctx.os.metadata(stamp, true)?.or(ctx.os.metadata(lists, true)?).map(|m| m.mtime as u64).unwrap_or(0);
    let now = chrono::Utc::now().timestamp() as u64;
    let valid = args.int("cache_valid_time").unwrap_or(0).max(0) as u64;
    if valid > 0 && mtime + valid > now {
        return Ok((false, mtime));
    }
    if ctx.check {
        return Ok((true, now));
    }
    let out = run(ctx.os, vec!["apt-get".into(), "update".into(), "-q".into()], ctx.watch)?;
    if out.rc != 0 || out.stdout_text().contains("Err:") || out.stderr_text().starts_with("E:") {
        return Err(fail_with(format!("Failed to update apt cache: {}", out.stderr_text().trim()), &out));
    }
    Ok((true, now))
}

impl Module for Apt {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        if ctx.os.which("apt-get").is_none() {
            return Err(Fail::new("apt-get is not installed on the host: the apt module needs a Debian-family system"));
        }
        let state = match args.str("state").unwrap_or("present") {
            "installed" => "present",
            "removed" => "absent",
            s => s,
        };
        let mut result = ret! {"changed" => false, "cache_updated" => false};
        if args.opt_bool("update_cache") == Some(true) {
            let (updated, time) = update_cache(args, ctx)?;
            result.insert("cache_updated".into(), updated.into());
            result.insert("cache_update_time".into(), time.into());
            if !args.has("name") && !args.has("deb") && args.str("upgrade") == Some("no") {
                result.insert("changed".into(), updated.into());
                return Ok(result);
            }
        }
        if let Some(deb) = args.str("deb") {
            return install_deb(args, ctx, &ctx.path(deb), result);
        }
        let names = args.list("name");
        let mut todo = Vec::new();
        for spec in &names {
            let (name, version) = split_version(spec);
            let current = installed(ctx, name)?;
            let wanted = match state {
                "absent" => {
                    is_installed(&current) || (args.bool("purge") && current.as_ref().is_some_and(|(s, _)| s.contains("config-files")))
                }
                "latest" => {
                    let cand = candidate(ctx, name)?;
                    if cand.is_none() && !is_installed(&current) {
                        return Err(Fail::new(format!("No package matching '{name}' is available")));
                    }
                    !is_installed(&current) || current.as_ref().map(|(_, v)| v.as_str()) != cand.as_deref()
                }
                _ => {
                    let present = is_installed(&current)
                        && version.is_none_or(|v| {
                            current
                                .as_ref()
                                .is_some_and(|(_, cur)| cur == v || (v.ends_with('*') && cur.starts_with(v.trim_end_matches('*'))))
                        });
                    if !present && candidate(ctx, name)?.is_none() && !is_installed(&current) {
                        return Err(Fail::new(format!("No package matching '{name}' is available")));
                    }
                    !present
                }
            };
            if wanted {
                todo.push(spec.clone());
            }
        }
        let mut changed = !todo.is_empty();
        if ctx.diff && changed {
            result.insert("diff".into(), serde_json::json!({"prepared": format!("{state}: {}", todo.join(" "))}));
        }
        if changed && !ctx.check {
            let action: Vec<&str> = match state {
                "absent" if args.bool("purge") => vec!["remove", "--purge"],
                "absent" => vec!["remove"],
                "build-dep" => vec!["build-dep"],
                _ => vec!["install"],
            };
            let out = run(ctx.os, apt_get(args, &action, &todo), ctx.watch)?;
            result.insert("stdout".into(), out.stdout_text().into());
            result.insert("stderr".into(), out.stderr_text().into());
            if out.rc != 0 {
                let cmd = apt_get(args, &action, &todo).join(" ");
                return Err(fail_with(format!("'{cmd}' failed: {}", out.stderr_text().trim()), &out).with_all(result));
            }
        }
        let upgrade = args.string("upgrade");
        if upgrade != "no" {
            let mode = match upgrade.as_str() {
                "dist" | "full" => "dist-upgrade",
                _ => "upgrade",
            };
            let sim = run(ctx.os, vec!["apt-get".into(), "-s".into(), mode.into()], Default::default())?;
            let pending = sim.stdout_text().lines().any(|l| l.starts_with("Inst "));
            if pending {
                changed = true;
                if !ctx.check {
                    let out = run(ctx.os, apt_get(args, &[mode], &[]), ctx.watch)?;
                    if out.rc != 0 {
                        return Err(fail_with(format!("'apt-get {mode}' failed: {}", out.stderr_text().trim()), &out));
                    }
                    result.insert("stdout".into(), out.stdout_text().into());
                }
            }
        }
        for (flag, action) in [("autoremove", "autoremove"), ("autoclean", "autoclean"), ("clean", "clean")] {
            if args.bool(flag) && !ctx.check {
                let out = run(ctx.os, apt_get(args, &[action], &[]), ctx.watch)?;
                if action == "autoremove" && out.stdout_text().contains("Removing ") {
                    changed = true;
                }
            }
        }
        result.insert("changed".into(), changed.into());
        Ok(result)
    }
}

fn install_deb(args: &Args, ctx: &mut Context<'_>, deb: &Path, mut result: Vars) -> Result<Vars, Fail> {
    if ctx.os.metadata(deb, true)?.is_none() {
        return Err(Fail::new(format!("Unable to install package: {} does not exist", deb.display())));
    }
    let out = run(
        ctx.os,
        vec!["dpkg-deb".into(), "-f".into(), deb.to_string_lossy().into_owned(), "Package".into(), "Version".into()],
        Default::default(),
    )?;
    if out.rc != 0 {
        return Err(fail_with(format!("Unable to install package: {}", out.stderr_text().trim()), &out));
    }
    let fields: Vars =
        out.stdout_text().lines().filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_string(), Value::from(v.trim()))).collect();
    let name = fields.get("Package").and_then(Value::as_str).unwrap_or_default().to_string();
    let version = fields.get("Version").and_then(Value::as_str).unwrap_or_default().to_string();
    let current = installed(ctx, &name)?;
    let same = is_installed(&current) && current.as_ref().is_some_and(|(_, v)| *v == version);
    if same && !args.bool("force") {
        return Ok(result);
    }
    result.insert("changed".into(), true.into());
    if ctx.check {
        return Ok(result);
    }
    let mut argv = vec!["dpkg".to_string()];
    for opt in args.string("dpkg_options").split(',').filter(|o| !o.is_empty()) {
        argv.push(format!("--{opt}"));
    }
    argv.push("-i".into());
    argv.push(deb.to_string_lossy().into_owned());
    let out = run(ctx.os, argv, ctx.watch)?;
    result.insert("stdout".into(), out.stdout_text().into());
    result.insert("stderr".into(), out.stderr_text().into());
    if out.rc != 0 {
        return Err(fail_with(format!("Unable to install package: {}", out.stderr_text().trim()), &out).with_all(result));
    }
    Ok(result)
}
