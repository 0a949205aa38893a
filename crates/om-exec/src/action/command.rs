//! `command`, `shell` and `raw`: run a command line on the host and report ansible-core's
//! command result (`cmd`, `rc`, `stdout`, `stderr`, `*_lines`, `start`, `end`, `delta`).

use async_trait::async_trait;
use chrono::Local;
use om_core::{ExecOutput, HostError, Outcome, Status, Vars};
use serde_json::Value;

use super::native;
use super::{Action, Ctx, delta, lines, q, result, timestamp, trim_newline};
use crate::jobs;
use crate::schema::Schema;

pub(crate) struct Command;
pub(crate) struct Shell;
pub(crate) struct Raw;

#[async_trait]
impl Action for Command {
    fn schema(&self) -> &'static Schema {
        &om_modules::commands::command::SCHEMA
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        if ctx.agent_commands && ctx.background.is_none() {
            return through_agent(ctx, "command").await;
        }
        let argv: Vec<String> = match (ctx.args.get("argv"), ctx.str("cmd").or(ctx.str("_raw_params"))) {
            (Some(Value::Array(items)), _) => items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect(),
            (_, Some(text)) => shell_words::split(text).map_err(|e| ctx.fail(format!("cannot split the command line: {e}")))?,
            _ => Vec::new(),
        };
        if argv.is_empty() {
            return Ok(super::failed("no command given", result(false)));
        }
        let line = argv.iter().map(|a| q(a)).collect::<Vec<_>>().join(" ");
        let cmd = Value::Array(argv.into_iter().map(Value::String).collect());
        run_line(ctx, cmd, "", format!("exec {line}"), true).await
    }
}

#[async_trait]
impl Action for Shell {
    fn schema(&self) -> &'static Schema {
        &om_modules::commands::shell::SCHEMA
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        if ctx.agent_commands && ctx.background.is_none() {
            return through_agent(ctx, "shell").await;
        }
        let Some(text) = ctx.str("cmd").or(ctx.str("_raw_params")).map(str::to_string) else {
            return Ok(super::failed("no command given", result(false)));
        };
        let executable = ctx.str("executable").unwrap_or("/bin/sh");
        run_line(ctx, Value::String(text.clone()), "", format!("exec {} -c {}", q(executable), q(&text)), true).await
    }
}

#[async_trait]
impl Action for Raw {
    fn schema(&self) -> &'static Schema {
        &om_modules::commands::raw::SCHEMA
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        let Some(text) = ctx.str("_raw_params").map(str::to_string) else {
            return Ok(super::failed("no command given", result(false)));
        };
        let line = match ctx.str("executable") {
            Some(shell) => format!("{} -c {}", q(shell), q(&text)),
            None => text.clone(),
        };
        run_line(ctx, Value::String(text), "", line, false).await
    }
}

/// `command` or `shell` as the native module on the host: one round trip on om-agent's
/// channel, output streamed; past the task's deadline the call is cancelled, which kills the
/// command's process group on the host.
async fn through_agent(ctx: &Ctx<'_>, module: &str) -> Result<Outcome, HostError> {
    let Some(native) = native::all().iter().find(|n| n.schema().module == module) else {
        return Ok(super::failed(format!("no native module {module}"), result(false)));
    };
    let Some(limit) = ctx.timeout else { return native.run(ctx).await };
    match tokio::time::timeout(limit, native.run(ctx)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(HostError::command_timeout(ctx.name(), limit)),
    }
}

/// Runs `line` (after `prelude`, then `creates`, `removes` and `chdir`), in the background
/// under `-B`.
pub(crate) async fn run_line(ctx: &Ctx<'_>, cmd: Value, prelude: &str, line: String, controls: bool) -> Result<Outcome, HostError> {
    if ctx.check {
        let mut r = result(false);
        r.insert("msg".into(), "Command would have run if not in check mode".into());
        r.insert("skipped".into(), true.into());
        return Ok(Outcome::new(Status::Skipped, r));
    }
    let mut script = prelude.to_string();
    let skip_marker = format!("OM-SKIPPED-{:016x}", rand::random::<u64>());
    if controls {
        if let Some(path) = ctx.str("creates") {
            script.push_str(&format!("if [ -e {p} ]; then echo {skip_marker}; exit 0; fi; ", p = q(path)));
        }
        if let Some(path) = ctx.str("removes") {
            script.push_str(&format!("if [ ! -e {p} ]; then echo {skip_marker}; exit 0; fi; ", p = q(path)));
        }
        if let Some(dir) = ctx.str("chdir") {
            script.push_str(&format!("cd {} || exit 1; ", q(dir)));
        }
    }
    script.push_str(&line);
    let stdin = ctx.str("stdin").map(|s| {
        let mut s = s.to_string();
        if ctx.args.get("stdin_add_newline").and_then(Value::as_bool).unwrap_or(true) {
            s.push('\n');
        }
        s.into_bytes()
    });
    if let Some(background) = ctx.background {
        return jobs::start(ctx, cmd, &script, background).await;
    }
    let start = Local::now();
    let out = ctx.exec(script, stdin).await?;
    let end = Local::now();
    if out.stdout.starts_with(skip_marker.as_bytes()) {
        let (path, exists) = match ctx.str("creates") {
            Some(p) => (p, "exists"),
            None => (ctx.str("removes").unwrap_or_default(), "does not exist"),
        };
        let mut r = result(false);
        r.insert("cmd".into(), cmd);
        r.insert("rc".into(), 0.into());
        r.insert("stdout".into(), format!("skipped, since {path} {exists}").into());
        r.insert("stdout_lines".into(), lines(&format!("skipped, since {path} {exists}")));
        r.insert("stderr".into(), "".into());
        r.insert("stderr_lines".into(), Value::Array(Vec::new()));
        r.insert("msg".into(), format!("Did not run command since '{path}' {exists}").into());
        return Ok(Outcome::new(Status::Ok, r));
    }
    Ok(command_outcome(cmd, &out, start, end))
}

/// The result of a finished command: changed, and failed when rc ≠ 0.
pub fn command_outcome(cmd: Value, out: &ExecOutput, start: chrono::DateTime<Local>, end: chrono::DateTime<Local>) -> Outcome {
    let stdout = trim_newline(&out.stdout);
    let stderr = trim_newline(&out.stderr);
    let rc = out.rc.unwrap_or(-1);
    let mut r: Vars = result(true);
    r.insert("cmd".into(), cmd);
    r.insert("rc".into(), rc.into());
    r.insert("start".into(), timestamp(start).into());
    r.insert("end".into(), timestamp(end).into());
    r.insert("delta".into(), delta(end - start).into());
    r.insert("stdout_lines".into(), lines(&stdout));
    r.insert("stderr_lines".into(), lines(&stderr));
    r.insert("stdout".into(), stdout.into());
    r.insert("stderr".into(), stderr.into());
    if rc == 0 {
        r.insert("msg".into(), "".into());
        Outcome::new(Status::Changed, r)
    } else {
        r.insert("msg".into(), "non-zero return code".into());
        r.insert("failed".into(), true.into());
        Outcome::new(Status::Failed, r)
    }
}
