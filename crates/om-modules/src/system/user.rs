//! `user`: a local account present (uid, primary and supplementary groups, comment, home,
//! shell, password hash, ssh key) or absent, through `useradd`, `usermod` and `userdel`.
//! Only what differs is passed to `usermod`, so an unchanged user is not a change.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::os::{Accounts, Command, User};
use crate::{Args, Context, Fail, Module, Param, Schema, Type, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "user",
    "Manage user accounts",
    &[
        Param::str("name").aliases(&["user"]).required(),
        Param::str("state").choices(&["absent", "present"]).default_str("present"),
        Param::int("uid"),
        Param::bool("non_unique", false),
        Param::str("group"),
        Param::list("groups"),
        Param::bool("append", false),
        Param::str("comment"),
        Param::path("home"),
        Param::str("shell"),
        Param::str("password").no_log(),
        Param::new("password_lock", Type::Bool),
        Param::bool("force", false),
        Param::bool("remove", false),
        Param::bool("create_home", true).aliases(&["createhome"]),
        Param::bool("move_home", false),
        Param::path("skeleton"),
        Param::bool("system", false),
        Param::str("login_class"),
        Param::new("expires", Type::Float),
        Param::bool("generate_ssh_key", false),
        Param::int("ssh_key_bits").default_int(0),
        Param::str("ssh_key_type").default_str("rsa"),
        Param::path("ssh_key_file"),
        Param::str("ssh_key_comment"),
        Param::str("ssh_key_passphrase").no_log(),
        Param::str("update_password").choices(&["always", "on_create"]).default_str("always"),
        Param::bool("local", false),
        Param::str("profile"),
        Param::str("authorization"),
        Param::str("role"),
        Param::str("umask"),
        Param::bool("hidden", false),
        Param::str("seuser"),
        Param::int("password_expire_max"),
        Param::int("password_expire_min"),
        Param::int("password_expire_warn"),
        Param::int("uid_min"),
        Param::int("uid_max"),
    ],
);

pub struct UserModule;

fn exec(ctx: &Context<'_>, argv: &[String]) -> Result<crate::os::CommandOutput, Fail> {
    Ok(ctx.os.run(&Command::argv(argv.to_vec()), ctx.watch)?)
}

fn shadow_hash(ctx: &Context<'_>, name: &str) -> Option<String> {
    let text = ctx.os.read(Path::new("/etc/shadow")).ok()?;
    String::from_utf8_lossy(&text).lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then(|| f.next().unwrap_or_default().to_string())
    })
}

impl Module for UserModule {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let name = args.string("name");
        let state = args.string("state");
        let accounts = Accounts::load(ctx.os);
        let existing = accounts.user(&name).cloned();
        let mut result = ret! {"name" => name.clone(), "state" => state.clone()};
        let mut changed = false;
        if state == "absent" {
            if existing.is_some() {
                if ctx.check {
                    return Ok(ret! {"changed" => true, "name" => name});
                }
                let mut argv = vec!["userdel".to_string()];
                if args.bool("force") {
                    argv.push("-f".into());
                }
                if args.bool("remove") {
                    argv.push("-r".into());
                }
                argv.push(name.clone());
                let out = exec(ctx, &argv)?;
                if out.rc != 0 {
                    return Err(Fail::new(out.stderr_text().trim().to_string()).with("rc", out.rc).with("name", name));
                }
                changed = true;
                result.insert("force".into(), args.bool("force").into());
                result.insert("remove".into(), args.bool("remove").into());
            }
            result.insert("changed".into(), changed.into());
            return Ok(result);
        }
        match &existing {
            None => {
                if ctx.check {
                    return Ok(ret! {"changed" => true, "name" => name});
                }
                let argv = useradd(args, ctx, &accounts)?;
                let out = exec(ctx, &argv)?;
                if out.rc != 0 {
                    return Err(Fail::new(out.stderr_text().trim().to_string()).with("rc", out.rc).with("name", name));
                }
                changed = true;
                result.insert("system".into(), args.bool("system").into());
                result.insert("create_home".into(), args.bool("create_home").into());
            }
            Some(user) => {
                if let Some(argv) = usermod(args, ctx, &accounts, user)? {
                    changed = true;
                    if !ctx.check {
                        let out = exec(ctx, &argv)?;
                        if out.rc != 0 {
                            return Err(Fail::new(out.stderr_text().trim().to_string()).with("rc", out.rc).with("name", name));
                        }
                    }
                }
                result.insert("append".into(), args.bool("append").into());
                result.insert("move_home".into(), args.bool("move_home").into());
            }
        }
        if args.has("password") {
            result.insert("password".into(), "NOT_LOGGING_PASSWORD".into());
        }
        let accounts = Accounts::load(ctx.os);
        if let Some(info) = accounts.user(&name) {
            result.insert("uid".into(), info.uid.into());
            result.insert("group".into(), info.gid.into());
            result.insert("comment".into(), info.comment.clone().into());
            result.insert("home".into(), info.home.clone().into());
            result.insert("shell".into(), info.shell.clone().into());
            if args.has("groups") {
                result.insert("groups".into(), args.list("groups").join(",").into());
            }
            let home = PathBuf::from(&info.home);
            if args.bool("create_home") && !info.home.is_empty() && ctx.os.metadata(&home, true)?.is_none() {
                changed = true;
                if !ctx.check {
                    ctx.os.create_dir_all(&home, Some(0o755))?;
                    ctx.os.set_owner(&home, Some(info.uid), Some(info.gid), true)?;
                }
            }
            if args.bool("generate_ssh_key") {
                changed |= ssh_key(args, ctx, info, &mut result)?;
            }
        }
        result.insert("changed".into(), changed.into());
        Ok(result)
    }
}

fn useradd(args: &Args, ctx: &Context<'_>, accounts: &Accounts) -> Result<Vec<String>, Fail> {
    let name = args.string("name");
    let mut argv = vec!["useradd".to_string()];
    if let Some(uid) = args.int("uid") {
        argv.extend(["-u".into(), uid.to_string()]);
        if args.bool("non_unique") {
            argv.push("-o".into());
        }
    }
    if let Some(group) = args.str("group") {
        if accounts.resolve_group(group).is_none() {
            return Err(Fail::new(format!("Group {group} does not exist")));
        }
        argv.extend(["-g".into(), group.into()]);
    } else if accounts.group(&name).is_some() {
        argv.push("-N".into());
    }
    let groups = args.list("groups");
    if !groups.is_empty() {
        for g in &groups {
            if accounts.resolve_group(g).is_none() {
                return Err(Fail::new(format!("Group {g} does not exist")));
            }
        }
        argv.extend(["-G".into(), groups.join(",")]);
    }
    for (flag, arg) in [("-c", "comment"), ("-s", "shell"), ("-p", "password"), ("-K", "umask")] {
        if let Some(v) = args.str(arg) {
            let v = if arg == "umask" { format!("UMASK={v}") } else { v.to_string() };
            argv.extend([flag.into(), v]);
        }
    }
    if let Some(home) = args.str("home") {
        argv.extend(["-d".into(), ctx.path(home).to_string_lossy().into_owned()]);
    }
    if let Some(exp) = args.float("expires") {
        let day = if exp < 0.0 {
            String::new()
        } else {
            chrono::DateTime::from_timestamp(exp as i64, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
        };
        argv.extend(["-e".into(), day]);
    }
    if args.bool("create_home") {
        argv.push("-m".into());
        if let Some(skel) = args.str("skeleton") {
            argv.extend(["-k".into(), skel.into()]);
        }
    } else {
        argv.push("-M".into());
    }
    if args.bool("system") {
        argv.push("-r".into());
    }
    argv.push(name);
    Ok(argv)
}

/// The `usermod` command for what differs, or `None` when the user is as asked.
fn usermod(args: &Args, ctx: &Context<'_>, accounts: &Accounts, user: &User) -> Result<Option<Vec<String>>, Fail> {
    let mut argv = vec!["usermod".to_string()];
    if let Some(uid) = args.int("uid")
        && uid as u32 != user.uid
    {
        argv.extend(["-u".into(), uid.to_string()]);
        if args.bool("non_unique") {
            argv.push("-o".into());
        }
    }
    if let Some(group) = args.str("group") {
        let gid = accounts.resolve_group(group).ok_or_else(|| Fail::new(format!("Group {group} does not exist")))?;
        if gid != user.gid {
            argv.extend(["-g".into(), group.into()]);
        }
    }
    if args.has("groups") {
        let wanted: Vec<String> = args.list("groups").into_iter().filter(|g| !g.is_empty()).collect();
        for g in &wanted {
            if accounts.resolve_group(g).is_none() {
                return Err(Fail::new(format!("Group {g} does not exist")));
            }
        }
        let primary = accounts.group_name(user.gid).unwrap_or_default();
        let current: std::collections::BTreeSet<String> = accounts.groups_of(&user.name).into_iter().filter(|g| *g != primary).collect();
        let wanted_set: std::collections::BTreeSet<String> = wanted.iter().filter(|g| **g != primary).cloned().collect();
        let need = if args.bool("append") { !wanted_set.is_subset(&current) } else { wanted_set != current };
        if need {
            if args.bool("append") {
                argv.push("-a".into());
            }
            argv.extend(["-G".into(), wanted.join(",")]);
        }
    }
    if let Some(c) = args.str("comment")
        && c != user.comment
    {
        argv.extend(["-c".into(), c.into()]);
    }
    if let Some(home) = args.str("home") {
        let home = ctx.path(home).to_string_lossy().into_owned();
        if home != user.home {
            argv.extend(["-d".into(), home]);
            if args.bool("move_home") {
                argv.push("-m".into());
            }
        }
    }
    if let Some(s) = args.str("shell")
        && s != user.shell
    {
        argv.extend(["-s".into(), s.into()]);
    }
    if let Some(p) = args.str("password")
        && args.str("update_password") == Some("always")
        && shadow_hash(ctx, &user.name).as_deref() != Some(p)
    {
        argv.extend(["-p".into(), p.into()]);
    }
    if let Some(lock) = args.opt_bool("password_lock") {
        let locked = shadow_hash(ctx, &user.name).is_some_and(|h| h.starts_with('!'));
        if lock != locked {
            argv.push(if lock { "-L" } else { "-U" }.into());
        }
    }
    if argv.len() == 1 {
        return Ok(None);
    }
    argv.push(user.name.clone());
    Ok(Some(argv))
}

fn ssh_key(args: &Args, ctx: &Context<'_>, user: &User, result: &mut Vars) -> Result<bool, Fail> {
    let ktype = args.string("ssh_key_type");
    let file = args.str("ssh_key_file").map(str::to_string).unwrap_or_else(|| format!(".ssh/id_{ktype}"));
    let path = if file.starts_with('/') { PathBuf::from(&file) } else { Path::new(&user.home).join(&file) };
    result.insert("ssh_key_file".into(), path.to_string_lossy().into());
    let mut changed = false;
    if ctx.os.metadata(&path, false)?.is_none() {
        changed = true;
        if ctx.check {
            return Ok(true);
        }
        if let Some(dir) = path.parent()
            && ctx.os.metadata(dir, true)?.is_none()
        {
            ctx.os.create_dir_all(dir, Some(0o700))?;
            ctx.os.set_owner(dir, Some(user.uid), Some(user.gid), true)?;
        }
        let host =
            ctx.os.read(Path::new("/proc/sys/kernel/hostname")).map(|h| String::from_utf8_lossy(&h).trim().to_string()).unwrap_or_default();
        let comment = args.str("ssh_key_comment").map(str::to_string).unwrap_or_else(|| format!("ansible-generated on {host}"));
        let mut argv = vec!["ssh-keygen".to_string(), "-t".into(), ktype, "-q".into()];
        if let Some(bits) = args.int("ssh_key_bits").filter(|b| *b > 0) {
            argv.extend(["-b".into(), bits.to_string()]);
        }
        argv.extend([
            "-C".into(),
            comment,
            "-f".into(),
            path.to_string_lossy().into_owned(),
            "-N".into(),
            args.string("ssh_key_passphrase"),
        ]);
        let out = exec(ctx, &argv)?;
        if out.rc != 0 {
            return Err(Fail::new(out.stderr_text().trim().to_string()).with("rc", out.rc));
        }
        for p in [path.clone(), PathBuf::from(format!("{}.pub", path.display()))] {
            ctx.os.set_owner(&p, Some(user.uid), Some(user.gid), false)?;
        }
    }
    let out = exec(ctx, &["ssh-keygen".into(), "-l".into(), "-f".into(), path.to_string_lossy().into_owned()])?;
    result.insert("ssh_fingerprint".into(), if out.rc == 0 { out.stdout_text() } else { out.stderr_text() }.trim().to_string().into());
    let public = ctx.os.read(Path::new(&format!("{}.pub", path.display()))).map(|d| String::from_utf8_lossy(&d).trim().to_string()).ok();
    result.insert("ssh_public_key".into(), public.map(Value::from).unwrap_or(Value::Null));
    Ok(changed)
}
