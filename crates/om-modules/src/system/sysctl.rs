//! `sysctl`: a kernel parameter in a sysctl file and, with `sysctl_set`, live; reloaded with
//! `sysctl -p` when something changed (ansible.posix semantics, line format `key=value`).

use crate::os::Command;
use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "sysctl",
    "Manage entries in sysctl.conf",
    &[
        Param::str("name").aliases(&["key"]).required(),
        Param::str("value").aliases(&["val"]),
        Param::str("state").choices(&["absent", "present"]).default_str("present"),
        Param::bool("reload", true),
        Param::bool("sysctl_set", false),
        Param::bool("ignoreerrors", false),
        Param::path("sysctl_file").default_str("/etc/sysctl.conf"),
    ],
)
.required_if(&[("state", "present", &["value"])]);

pub struct Sysctl;

fn parse_value(v: &str) -> String {
    match v.to_ascii_lowercase().as_str() {
        "y" | "yes" | "on" | "1" | "true" | "t" => "1".into(),
        "n" | "no" | "off" | "0" | "false" | "f" => "0".into(),
        _ => v.trim().to_string(),
    }
}

fn same_words(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

fn stderr_failed(err: &str) -> bool {
    let re = regex::Regex::new(r#"(?m)^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$"#).expect("a valid pattern");
    re.is_match(err)
}

fn sysctl(ctx: &Context<'_>, argv: &[&str]) -> Result<crate::os::CommandOutput, Fail> {
    let mut full = vec!["sysctl".to_string()];
    full.extend(argv.iter().map(|s| s.to_string()));
    Ok(ctx.os.run(&Command::argv(full).env("LANG", "C").env("LC_ALL", "C").env("LC_MESSAGES", "C"), ctx.watch)?)
}

impl Module for Sysctl {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let name = args.string("name").trim().to_string();
        if name.is_empty() {
            return Err(Fail::new("name cannot be blank"));
        }
        let present = args.str("state") == Some("present");
        let value = parse_value(&args.string("value"));
        if present && value.is_empty() {
            return Err(Fail::new("value cannot be blank"));
        }
        if ctx.os.which("sysctl").is_none() {
            return Err(Fail::new("Failed to find required executable \"sysctl\": install procps"));
        }
        let file = super::super::files::path_arg(ctx, args, "sysctl_file");
        let proc_value = {
            let out = sysctl(ctx, &["-e", "-n", &name])?;
            (out.rc == 0).then(|| out.stdout_text())
        };
        let text = match ctx.os.metadata(&file, true)? {
            Some(m) if m.is_file() => String::from_utf8_lossy(&ctx.os.read(&file)?).into_owned(),
            _ => String::new(),
        };
        let mut file_value: Option<String> = None;
        let mut checked: Vec<String> = Vec::new();
        let mut fixed: Vec<String> = Vec::new();
        for raw in text.split_inclusive('\n') {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') || !line.contains('=') {
                fixed.push(line.to_string());
                continue;
            }
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            let (k, v) = (k.trim().to_string(), v.trim().to_string());
            if k == name {
                file_value = Some(v.clone());
            }
            if !checked.contains(&k) {
                checked.push(k.clone());
                if k == name {
                    if present {
                        fixed.push(format!("{k}={value}"));
                    }
                } else {
                    fixed.push(format!("{k}={v}"));
                }
            }
        }
        if !checked.contains(&name) && present {
            fixed.push(format!("{name}={value}"));
        }
        let (mut changed, mut write_file, mut set_proc) = (false, false, false);
        match (&file_value, present) {
            (None, true) => (changed, write_file) = (true, true),
            (None, false) => {}
            (Some(v), false) if !v.is_empty() => (changed, write_file) = (true, true),
            (Some(_), false) => {}
            (Some(v), true) if *v != value => (changed, write_file) = (true, true),
            (Some(_), true) => {
                if args.bool("reload") && proc_value.as_deref().is_none_or(|p| !same_words(p, &value)) {
                    changed = true;
                }
            }
        }
        if args.bool("sysctl_set") && present {
            match &proc_value {
                None => changed = true,
                Some(p) if !same_words(p, &value) => {
                    changed = true;
                    set_proc = true;
                }
                Some(_) => {}
            }
        }
        if !ctx.check {
            if set_proc {
                let v = if value.split_whitespace().count() > 0 && value.contains(char::is_whitespace) {
                    format!("\"{value}\"")
                } else {
                    value
                };
                let out = sysctl(ctx, &["-w", &format!("{name}={v}")])?;
                if out.rc != 0 || stderr_failed(&out.stderr_text()) {
                    return Err(Fail::new(format!("setting {name} failed: {}{}", out.stdout_text(), out.stderr_text())));
                }
            }
            if write_file {
                let body: String = fixed.iter().map(|l| format!("{}\n", l.trim())).collect();
                let real = ctx.os.real_path(&file)?;
                ctx.os.write(&real, body.as_bytes(), None)?;
            }
            if changed && args.bool("reload") {
                let f = file.to_string_lossy().into_owned();
                let argv: Vec<&str> = if args.bool("ignoreerrors") { vec!["-e", "-p", &f] } else { vec!["-p", &f] };
                let out = sysctl(ctx, &argv)?;
                if out.rc != 0 || stderr_failed(&out.stderr_text()) {
                    return Err(Fail::new(format!("Failed to reload sysctl: {}{}", out.stdout_text(), out.stderr_text())));
                }
            }
        }
        Ok(ret! {"changed" => changed})
    }
}
