//! Native modules as background jobs (`async:` with `poll`): the agent writes the call to
//! `~/.cache/om/async/<jid>.call` (and its content to `<jid>.input`) and starts itself as
//! `om-agent job <jid>` under `setsid -f`, detached (stdin and stdout closed), so the job
//! outlives the connection. The job leaves what background commands leave (the same
//! layout `async_status` reads): `<jid>.started`, then `<jid>.out` (here the module's
//! result as JSON), `<jid>.err`, the marker `<jid>.module` and last `<jid>.rc` (0, or 124
//! when the time limit passed).

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use om_core::{ModuleJob, Vars};
use om_modules::os::Watch;
use serde::{Deserialize, Serialize};

use crate::protocol::ModuleRequest;

/// What the detached job runs.
#[derive(Debug, Serialize, Deserialize)]
struct Call {
    #[serde(flatten)]
    call: ModuleRequest,
    limit_s: u64,
}

/// `$HOME/.cache/om/async`, where background commands keep their files too.
pub fn dir() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache/om/async")
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// Starts `call` as the job `job`; the result the controller gets at once (as ansible's
/// `poll: 0`): the job id, started, not finished.
pub(crate) fn start(job: &ModuleJob, call: ModuleRequest, input: &[u8]) -> Result<Vars, String> {
    if !valid_id(&job.id) {
        return Err(format!("bad job id `{}`", job.id));
    }
    let dir = dir();
    // The call holds the module's arguments (passwords among them): the user's alone.
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(|e| format!("cannot make `{}` private: {e}", dir.display()))?;
    let base = dir.join(&job.id);
    let file = |ext: &str| PathBuf::from(format!("{}.{ext}", base.display()));
    let private = |path: PathBuf, data: &[u8]| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
        f.write_all(data)
    };
    let call = Call { call, limit_s: job.limit_s.max(1) };
    let text = serde_json::to_vec(&call).map_err(|e| e.to_string())?;
    private(file("call"), &text).map_err(|e| format!("cannot write the job: {e}"))?;
    private(file("input"), input).map_err(|e| format!("cannot write the job's content: {e}"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    std::fs::write(file("started"), format!("{now}\n")).map_err(|e| format!("cannot write the job: {e}"))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find om-agent itself: {e}"))?;
    // `setsid -f` forks: the job leaves the agent's session at once and the agent reaps the
    // short-lived setsid.
    let status = std::process::Command::new("setsid")
        .arg("-f")
        .arg(&exe)
        .arg("job")
        .arg(&job.id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot start the background job: {e}"))?;
    if !status.success() {
        return Err(format!("cannot start the background job: setsid exited with {status}"));
    }
    let mut r = Vars::new();
    r.insert("ansible_job_id".into(), job.id.clone().into());
    r.insert("changed".into(), true.into());
    r.insert("finished".into(), 0.into());
    r.insert("results_file".into(), base.display().to_string().into());
    r.insert("started".into(), 1.into());
    Ok(r)
}

/// `om-agent job <jid>`: runs the job's module within its time limit and leaves its result.
pub fn run(id: &str) -> Result<(), String> {
    if !valid_id(id) {
        return Err(format!("bad job id `{id}`"));
    }
    let base = dir().join(id);
    let file = |ext: &str| PathBuf::from(format!("{}.{ext}", base.display()));
    let call: Call = serde_json::from_slice(&std::fs::read(file("call")).map_err(|e| format!("cannot read the job: {e}"))?)
        .map_err(|e| format!("bad job: {e}"))?;
    let input = std::fs::read(file("input")).unwrap_or_default();
    let _ = std::fs::remove_file(file("call"));
    let _ = std::fs::remove_file(file("input"));
    let limit = Duration::from_secs(call.limit_s);
    let (tx, rx) = std::sync::mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let cancelled = Arc::clone(&cancel);
    std::thread::spawn(move || {
        let result = match crate::handler::module::run(&call.call, &input, Watch { output: None, cancel: Some(&cancelled) }) {
            Ok(out) => out.result,
            Err(e) => {
                let mut r = Vars::new();
                r.insert("failed".into(), true.into());
                r.insert("msg".into(), e.to_string().into());
                r
            }
        };
        let _ = tx.send(result);
    });
    let (rc, result) = match rx.recv_timeout(limit) {
        Ok(result) => (0, result),
        Err(_) => {
            // Past the limit: the module's commands are killed (a moment for that).
            cancel.store(true, Ordering::Relaxed);
            let _ = rx.recv_timeout(Duration::from_secs(2));
            (124, Vars::new())
        }
    };
    finish(&base, rc, &result)
}

fn finish(base: &Path, rc: i32, result: &Vars) -> Result<(), String> {
    let file = |ext: &str| PathBuf::from(format!("{}.{ext}", base.display()));
    let write = |ext: &str, data: &[u8]| std::fs::write(file(ext), data).map_err(|e| format!("cannot write the job's {ext}: {e}"));
    write("out", &serde_json::to_vec(result).map_err(|e| e.to_string())?)?;
    write("err", b"")?;
    write("module", b"")?;
    write("rc.tmp", format!("{rc}\n").as_bytes())?;
    std::fs::rename(file("rc.tmp"), file("rc")).map_err(|e| format!("cannot write the job's rc: {e}"))
}
