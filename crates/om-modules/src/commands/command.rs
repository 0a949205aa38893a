//! `command` (and the engine of `shell`): runs a program, skipped by `creates`/`removes`,
//! skipped in check mode, failed on a non-zero exit, with ansible-core's result keys.

use chrono::Local;
use serde_json::Value;

use crate::files::{glob, shell_split};
use crate::os::{Command, Program};
use crate::{Args, Context, Fail, Module, Schema, ret};
use om_core::Vars;

/// The parameters `command` and `shell` share; `uses_shell` is the default of the internal
/// `_uses_shell`.
#[macro_export]
macro_rules! command_params {
    ($uses_shell:expr) => {
        &[
            $crate::Param::str("_raw_params").aliases(&["cmd"]),
            $crate::Param::bool("_uses_shell", $uses_shell),
            $crate::Param::list("argv"),
            $crate::Param::path("chdir"),
            $crate::Param::str("executable"),
            $crate::Param::path("creates"),
            $crate::Param::path("removes"),
            $crate::Param::str("stdin"),
            $crate::Param::bool("stdin_add_newline", true),
            $crate::Param::bool("strip_empty_ends", true),
            $crate::Param::bool("expand_argument_vars", true),
        ]
    };
}

pub static SCHEMA: Schema = Schema::new("command", "Execute commands on targets", crate::command_params!(false)).free_form();

pub struct CommandModule;

impl Module for CommandModule {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        run_command(args, ctx, args.bool("_uses_shell"))
    }
}

/// Python's `os.path.expandvars(os.path.expanduser(word))`.
fn expand(ctx: &Context<'_>, word: &str) -> String {
    let word = ctx.path(word).to_string_lossy().into_owned();
    let mut out = String::new();
    let mut rest = word.as_str();
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(j) => (&inner[..j], j + 2),
                None => ("", 0),
            }
        } else {
            let n = after.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            (&after[..n], n)
        };
        match (name.is_empty(), ctx.os.env_var(name)) {
            (false, Some(v)) => out.push_str(&v),
            _ => out.push_str(&rest[i..i + 1 + len]),
        }
        rest = &rest[i + 1 + len..];
    }
    out.push_str(rest);
    out
}

/// `datetime.now()` as Python prints it.
fn now() -> (chrono::DateTime<Local>, String) {
    let t = Local::now();
    (t, t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
}

/// `0:00:00.002345`, as Python prints a `timedelta`.
pub fn delta(d: chrono::TimeDelta) -> String {
    let us = d.num_microseconds().unwrap_or(0).max(0);
    let secs = us / 1_000_000;
    format!("{}:{:02}:{:02}.{:06}", secs / 3600, secs / 60 % 60, secs % 60, us % 1_000_000)
}

fn lines(text: &str) -> Value {
    Value::Array(text.lines().map(Value::from).collect())
}

pub fn run_command(args: &Args, ctx: &mut Context<'_>, shell: bool) -> Result<Vars, Fail> {
    let raw = args.str("_raw_params").map(str::to_string);
    let argv = args.list("argv");
    let mut executable = args.str("executable").map(str::to_string);
    if !shell && executable.is_some() {
        ctx.warn(format!(
            "As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '{}'.",
            executable.take().unwrap_or_default()
        ));
    }
    let mut r = ret! {"changed" => false, "stdout" => "", "stderr" => "", "rc" => Value::Null, "cmd" => Value::Null, "start" => Value::Null, "end" => Value::Null, "delta" => Value::Null, "msg" => ""};
    let raw_empty = raw.as_deref().is_none_or(|s| s.trim().is_empty());
    if raw_empty && argv.is_empty() {
        return Err(Fail::new("no command given").with("rc", 256));
    }
    if !raw_empty && !argv.is_empty() {
        return Err(Fail::new("only command or argv can be given, not both").with("rc", 256));
    }
    let program = match (&raw, shell) {
        (Some(script), true) if !raw_empty => {
            r.insert("cmd".into(), script.clone().into());
            Program::Shell { executable: executable.unwrap_or_else(|| "/bin/sh".into()), script: script.clone() }
        }
        _ => {
            let words = if raw_empty { argv } else { shell_split(raw.as_deref().unwrap_or_default()) };
            r.insert("cmd".into(), Value::Array(words.iter().cloned().map(Value::from).collect()));
            let words = if args.bool("expand_argument_vars") { words.iter().map(|w| expand(ctx, w)).collect() } else { words };
            if shell {
                Program::Shell { executable: executable.unwrap_or_else(|| "/bin/sh".into()), script: words.join(" ") }
            } else {
                Program::Argv(words)
            }
        }
    };
    let chdir = args.str("chdir").map(|d| ctx.path(d));
    if let Some(dir) = &chdir
        && !ctx.os.metadata(dir, true)?.is_some_and(|m| m.is_dir())
    {
        return Err(Fail::new(format!(
            "Unable to change directory before execution: [Errno 2] No such file or directory: '{}'",
            dir.display()
        ))
        .with_all(r));
    }
    let shoulda = if ctx.check { "Would" } else { "Did" };
    let in_dir = |p: &str| -> String {
        let p = ctx.path(p);
        match (&chdir, p.is_relative()) {
            (Some(d), true) => d.join(p).to_string_lossy().into_owned(),
            _ => p.to_string_lossy().into_owned(),
        }
    };
    if let Some(creates) = args.str("creates")
        && !glob::glob(ctx.os, &in_dir(creates)).is_empty()
    {
        r.insert("msg".into(), format!("{shoulda} not run command since '{creates}' exists").into());
        r.insert("stdout".into(), format!("skipped, since {creates} exists").into());
        r.insert("rc".into(), 0.into());
    }
    if r["msg"] == ""
        && let Some(removes) = args.str("removes")
        && glob::glob(ctx.os, &in_dir(removes)).is_empty()
    {
        r.insert("msg".into(), format!("{shoulda} not run command since '{removes}' does not exist").into());
        r.insert("stdout".into(), format!("skipped, since {removes} does not exist").into());
        r.insert("rc".into(), 0.into());
    }
    if r["msg"] != "" {
        let out = r["stdout"].as_str().unwrap_or_default().to_string();
        r.insert("stdout_lines".into(), lines(&out));
        r.insert("stderr_lines".into(), Value::Array(Vec::new()));
        return Ok(r);
    }
    r.insert("changed".into(), true.into());
    if ctx.check {
        r.insert("rc".into(), 0.into());
        r.insert("msg".into(), "Command would have run if not in check mode".into());
        if !args.has("creates") && !args.has("removes") {
            r.insert("skipped".into(), true.into());
            r.insert("changed".into(), false.into());
        }
        return Ok(r);
    }
    let stdin = args.str("stdin").map(|s| {
        let mut data = s.as_bytes().to_vec();
        if args.bool("stdin_add_newline") {
            data.push(b'\n');
        }
        data
    });
    let command = Command { program, cwd: chdir, stdin, env: Vec::new(), timeout: None };
    let (start, start_text) = now();
    let out = match ctx.os.run(&command, ctx.watch) {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Err(e.into()),
        Err(e) => {
            let msg = match e.kind() {
                std::io::ErrorKind::NotFound => {
                    format!("[Errno 2] No such file or directory: b'{}'", command.display().split(' ').next().unwrap_or_default())
                }
                _ => e.to_string(),
            };
            return Err(Fail::new(msg).with_all(r).with("rc", 2).with("cmd", command.display()));
        }
    };
    let (end, end_text) = now();
    let mut stdout = out.stdout_text();
    let mut stderr = out.stderr_text();
    if args.bool("strip_empty_ends") {
        stdout = stdout.trim_end_matches(['\r', '\n']).to_string();
        stderr = stderr.trim_end_matches(['\r', '\n']).to_string();
    }
    r.insert("rc".into(), out.rc.into());
    r.insert("start".into(), start_text.into());
    r.insert("end".into(), end_text.into());
    r.insert("delta".into(), delta(end - start).into());
    r.insert("stdout_lines".into(), lines(&stdout));
    r.insert("stderr_lines".into(), lines(&stderr));
    r.insert("stdout".into(), stdout.into());
    r.insert("stderr".into(), stderr.into());
    if out.rc != 0 {
        let mut extra = r;
        extra.remove("msg");
        return Err(Fail::new("non-zero return code").with_all(extra));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_print_like_python_timedeltas() {
        assert_eq!(delta(chrono::TimeDelta::microseconds(2345)), "0:00:00.002345");
        assert_eq!(delta(chrono::TimeDelta::seconds(3723)), "1:02:03.000000");
    }
}
