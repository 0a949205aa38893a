//! Background jobs (`-B <secs> -P <poll>`, RUN-20, `async:`): a command is started detached
//! under `setsid` and `timeout`, writing its output and exit status to
//! `~/.cache/om/async/<jid>.{out,err,rc}`; a native module is started detached by om-agent
//! (`om-agent job`), which leaves the same files (its result as JSON in `.out`, and a
//! `.module` marker). `async_status` (and polling) reads them back.

use std::time::Duration;

use chrono::Local;
use om_core::{ExecOutput, HostError, ModuleCall, ModuleJob, Outcome, Status, Vars};
use serde_json::Value;

use crate::action::{Background, Ctx, command_outcome};

const DIR: &str = "\"$HOME/.cache/om/async\"";

/// What a job left behind so far.
pub(crate) enum JobState {
    Missing,
    Running,
    Finished(ExecOutput),
    /// A native module's job: its exit status (124: timed out) and result.
    Module(Option<i32>, Vars),
}

fn new_jid() -> String {
    format!("{}.{}", rand::random::<u32>() % 1_000_000_000, std::process::id())
}

fn q(word: &str) -> String {
    om_ssh::escalation::quote(word)
}

/// Starts `script` in the background; with a poll interval, waits for it.
pub(crate) async fn start(ctx: &Ctx<'_>, cmd: Value, script: &str, bg: Background) -> Result<Outcome, HostError> {
    let jid = new_jid();
    let inner = format!(
        "d={DIR}; j={jid}; timeout {limit} /bin/sh -c {script} > \"$d/$j.out\" 2> \"$d/$j.err\" < /dev/null; echo $? > \"$d/$j.rc.tmp\"; mv \"$d/$j.rc.tmp\" \"$d/$j.rc\"",
        limit = bg.limit_s.max(1),
        script = q(script),
    );
    let launch = format!(
        "d={DIR}; mkdir -p \"$d\" && chmod 700 \"$d\" && date +%s > \"$d/{jid}.started\" && (setsid /bin/sh -c {} < /dev/null > /dev/null 2>&1 &) && echo \"$d/{jid}\"",
        q(&inner)
    );
    let started = Local::now();
    let out = ctx.probe(launch).await?;
    if out.rc != Some(0) {
        return Err(ctx.fail(format!("cannot start the background job: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    let results_file = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if bg.poll_s == 0 {
        let mut r = crate::action::result(true);
        r.insert("ansible_job_id".into(), jid.into());
        r.insert("started".into(), 1.into());
        r.insert("finished".into(), 0.into());
        r.insert("results_file".into(), results_file.into());
        return Ok(Outcome::new(Status::Changed, r));
    }
    wait(ctx, &jid, bg, cmd, started).await
}

/// Starts a native module as a background job through om-agent; with a poll interval,
/// waits for it.
pub(crate) async fn start_module(ctx: &Ctx<'_>, call: ModuleCall<'_>, bg: Background) -> Result<Outcome, HostError> {
    if bg.poll_s > 0 && !ctx.conn.runs_module_jobs() {
        // No agent to detach it (the local transport): in the foreground, within the limit.
        return match tokio::time::timeout(Duration::from_secs(bg.limit_s.max(1)), ctx.conn.call_module(call)).await {
            Ok(reply) => Ok(crate::action::native::outcome_of(reply?.result)),
            Err(_) => Ok(crate::action::failed("async task did not complete within the requested time", crate::action::result(false))),
        };
    }
    let job = ModuleJob { id: new_jid(), limit_s: bg.limit_s.max(1) };
    let started = Local::now();
    let reply = ctx.conn.call_module(ModuleCall { job: Some(&job), ..call }).await?;
    if bg.poll_s == 0 {
        return Ok(Outcome::new(Status::Changed, reply.result));
    }
    wait(ctx, &job.id, bg, Value::Null, started).await
}

/// Polls a job every `bg.poll_s` until it finishes (or its time is well past).
async fn wait(ctx: &Ctx<'_>, jid: &str, bg: Background, cmd: Value, started: chrono::DateTime<Local>) -> Result<Outcome, HostError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(bg.limit_s + bg.poll_s + 5);
    loop {
        tokio::time::sleep(Duration::from_secs(bg.poll_s)).await;
        match status(ctx, jid).await? {
            JobState::Finished(out) => return Ok(finished(cmd, &out, started, jid)),
            JobState::Module(rc, result) => return Ok(module_finished(rc, result, jid)),
            JobState::Missing => return Err(ctx.fail(format!("background job {jid} vanished"))),
            JobState::Running if tokio::time::Instant::now() > deadline => {
                return Ok(crate::action::failed("async task did not complete within the requested time", crate::action::result(false)));
            }
            JobState::Running => {}
        }
    }
}

/// The result of a finished module job: the module's result plus the job's fields.
pub(crate) fn module_finished(rc: Option<i32>, mut result: Vars, jid: &str) -> Outcome {
    if rc != Some(0) {
        result.insert("failed".into(), true.into());
        result.insert("msg".into(), "async task did not complete within the requested time".into());
    }
    result.insert("ansible_job_id".into(), jid.into());
    result.insert("started".into(), 1.into());
    result.insert("finished".into(), 1.into());
    crate::action::native::outcome_of(result)
}

/// The result of a finished job, in the command shape plus `ansible_job_id`.
pub(crate) fn finished(cmd: Value, out: &ExecOutput, started: chrono::DateTime<Local>, jid: &str) -> Outcome {
    let mut outcome = command_outcome(cmd, out, started, Local::now());
    if out.rc == Some(124) {
        outcome.status = Status::Failed;
        outcome.result.insert("failed".into(), true.into());
        outcome.result.insert("msg".into(), "async task did not complete within the requested time".into());
    }
    outcome.result.insert("ansible_job_id".into(), jid.into());
    outcome.result.insert("started".into(), 1.into());
    outcome.result.insert("finished".into(), 1.into());
    outcome
}

/// Reads a job's state in one command.
pub(crate) async fn status(ctx: &Ctx<'_>, jid: &str) -> Result<JobState, HostError> {
    let marker = format!("OM-JOB-{:016x}", rand::random::<u64>());
    let command = format!(
        "d={DIR}; j={jid}; if [ ! -e \"$d/$j.started\" ]; then echo missing; elif [ -e \"$d/$j.rc\" ]; then if [ -e \"$d/$j.module\" ]; then echo module; else echo finished; fi; cat \"$d/$j.rc\"; echo {marker}; cat \"$d/$j.out\"; echo {marker}; cat \"$d/$j.err\"; else echo running; fi",
        jid = q(jid)
    );
    let out = ctx.probe(command).await?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut head = text.splitn(2, '\n');
    Ok(match head.next().unwrap_or_default() {
        kind @ ("finished" | "module") => {
            let rest = head.next().unwrap_or_default();
            let separator = format!("{marker}\n");
            let mut parts = rest.splitn(3, separator.as_str());
            let rc = parts.next().unwrap_or_default().trim().parse().ok();
            let stdout = parts.next().unwrap_or_default().as_bytes().to_vec();
            let stderr = parts.next().unwrap_or_default().as_bytes().to_vec();
            if kind == "module" {
                let result = serde_json::from_slice::<Vars>(&stdout).unwrap_or_default();
                return Ok(JobState::Module(rc, result));
            }
            JobState::Finished(ExecOutput { rc, stdout, stderr })
        }
        "running" => JobState::Running,
        _ => JobState::Missing,
    })
}

/// Removes a job's files.
pub(crate) async fn cleanup(ctx: &Ctx<'_>, jid: &str) -> Result<(), HostError> {
    let j = q(jid);
    ctx.probe(format!("d={DIR}; rm -f \"$d/\"{j}.started \"$d/\"{j}.out \"$d/\"{j}.err \"$d/\"{j}.rc \"$d/\"{j}.module")).await.map(drop)
}
