use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{Auth, Session, TestPlatform, local, wait_for};

async fn shell_action(p: &TestPlatform, admin: &Session, name: &str, script: &str) -> i64 {
    let body = json!({"name": name, "group": "bas", "params": [], "run": {"kind": "shell", "script": script}});
    let reply = p.post("/api/v1/actions", Auth::Session(admin), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()["id"].as_i64().expect("id")
}

pub async fn launch(p: &TestPlatform, session: &Session, action: i64, servers: &[&str]) -> i64 {
    let reply = p.post("/api/v1/jobs", Auth::Session(session), json!({"action_id": action, "targets": {"servers": servers}})).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    reply.json()["id"].as_i64().expect("id")
}

/// Every SSE event of a job after `after`: (seq, kind, data), stopping after `limit` events.
pub async fn events(p: &TestPlatform, token: &str, job: i64, after: Option<i64>, limit: usize) -> Vec<(i64, String, Value)> {
    let client = om_server::ApiClient::new(&p.url(), Some(token.to_string())).expect("a client");
    let mut seen = Vec::new();
    client
        .sse(&format!("/api/v1/jobs/{job}/events"), after, |id, kind, data| {
            seen.push((id, kind.to_string(), serde_json::from_str(data).expect("JSON data")));
            seen.len() < limit && kind != "job_finished"
        })
        .await
        .expect("the stream reads");
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_streams_each_host_and_ends_with_one_status_per_host() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    // sn2012-07-010 fails; every host writes to both streams, with colours.
    let script = "printf '\\033[32mhello\\033[0m from %s\\n' {{ host.name }}; echo warn >&2; [ {{ host.name }} != sn2012-07-010 ]";
    let action = shell_action(&p, &admin, "hello", script).await;
    let token = p.token(&admin, "read").await;
    let started = Instant::now();
    let job = launch(&p, &admin, action, &["sn2013-08-021", "sn2013-08-022", "sn2012-07-010"]).await;
    let stream = events(&p, &token, job, None, 10_000).await;
    assert!(started.elapsed() < Duration::from_secs(60));
    let seqs: Vec<i64> = stream.iter().map(|e| e.0).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "sequence numbers are contiguous: {seqs:?}");
    assert_eq!(stream.last().map(|e| e.1.as_str()), Some("job_finished"));
    let mut output: BTreeMap<String, String> = BTreeMap::new();
    for (_, kind, data) in &stream {
        if kind == "output" && data["stream"] == "stdout" {
            output.entry(data["host"].as_str().expect("host").to_string()).or_default().push_str(data["data"].as_str().expect("text"));
        }
    }
    assert_eq!(output["sn2013-08-022"], "\u{1b}[32mhello\u{1b}[0m from sn2013-08-022\n");
    let finished = &stream.last().expect("events").2;
    assert_eq!(
        (finished["status"].as_str(), finished["counts"]["ok"].as_i64(), finished["counts"]["failed"].as_i64()),
        (Some("failed"), Some(2), Some(1)),
        "{finished}"
    );
    let shown = p.get(&format!("/api/v1/jobs/{job}"), Auth::Session(&admin)).await.json();
    let statuses: Vec<(&str, &str, i64)> = shown["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|h| (h["hostname"].as_str().unwrap_or_default(), h["status"].as_str().unwrap_or_default(), h["rc"].as_i64().unwrap_or(-1)))
        .collect();
    assert_eq!(statuses, [("sn2012-07-010", "failed", 1), ("sn2013-08-021", "ok", 0), ("sn2013-08-022", "ok", 0)]);
    let raw = p.get(&format!("/api/v1/jobs/{job}/output?host=sn2013-08-021&stream=stderr"), Auth::Session(&admin)).await;
    assert_eq!(raw.text(), "warn\n");
    let failed = p.get("/api/v1/jobs?status=failed", Auth::Session(&admin)).await.json();
    assert_eq!(failed["items"][0]["id"], job);
    let stored = p.get(&format!("/api/v1/jobs/{job}/events?after=0"), Auth::Session(&admin)).await.json();
    assert_eq!(stored["items"].as_array().expect("items").len(), stream.len(), "every event was stored");
    let page = p.get(&format!("/jobs/{job}"), Auth::Session(&admin)).await.text();
    assert!(
        page.contains("hello from sn2013-08-021") && !page.contains("\u{1b}["),
        "the job page shows output without escape sequences: {page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_stream_resumes_after_last_event_id_with_each_event_once() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let action = shell_action(&p, &admin, "count", "for i in $(seq 1 30); do echo line $i; sleep 0.02; done").await;
    let token = p.token(&admin, "read").await;
    let job = launch(&p, &admin, action, &["sn2013-08-021", "sn2013-08-022"]).await;
    let first = events(&p, &token, job, None, 7).await;
    assert_eq!(first.len(), 7);
    let rest = events(&p, &token, job, Some(first.last().expect("some").0), 100_000).await;
    let all: Vec<i64> = first.iter().chain(rest.iter()).map(|e| e.0).collect();
    assert_eq!(all, (1..=all.len() as i64).collect::<Vec<_>>(), "each event once, in order");
    assert_eq!(rest.last().map(|e| e.1.as_str()), Some("job_finished"));
    let lines = first
        .iter()
        .chain(rest.iter())
        .filter(|e| e.1 == "output")
        .map(|e| e.2["data"].as_str().unwrap_or_default().matches("line").count())
        .sum::<usize>();
    assert_eq!(lines, 60, "no output lost across the reconnect");
    // A late viewer of a finished job replays it from the database.
    let replay = events(&p, &token, job, None, 100_000).await;
    assert_eq!(replay.len(), all.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_stops_running_hosts_and_rerun_takes_only_the_failed() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let sleeper = shell_action(&p, &admin, "sleep", "echo started; sleep 30").await;
    let job = launch(&p, &admin, sleeper, &["sn2013-08-021", "sn2013-08-022"]).await;
    wait_for("the job to run", Duration::from_secs(20), || async {
        p.get(&format!("/api/v1/jobs/{job}"), Auth::Session(&admin)).await.json()["hosts"]
            .as_array()
            .is_some_and(|h| h.iter().all(|h| h["status"] == "running"))
    })
    .await;
    let cancelled = p.post(&format!("/api/v1/jobs/{job}/cancel"), Auth::Session(&admin), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text());
    let ended = p.wait_job(&admin, job).await;
    assert_eq!(ended["status"], "cancelled", "{ended}");
    assert!(ended["hosts"].as_array().expect("hosts").iter().all(|h| h["status"] == "cancelled"));
    assert_eq!(ended["counts"]["lost"], 2, "cancelled hosts count among the hosts without a result");

    let flaky = shell_action(&p, &admin, "flaky", "[ {{ host.name }} = sn2013-08-021 ]").await;
    let first = launch(&p, &admin, flaky, &["sn2013-08-021", "sn2013-08-022"]).await;
    assert_eq!(p.wait_job(&admin, first).await["status"], "failed");
    let rerun = p.post(&format!("/api/v1/jobs/{first}/rerun?only=failed"), Auth::Session(&admin), json!({})).await;
    assert_eq!(rerun.status, StatusCode::ACCEPTED, "{}", rerun.text());
    let second = p.wait_job(&admin, rerun.json()["id"].as_i64().expect("id")).await;
    let hosts: Vec<&str> = second["hosts"].as_array().expect("hosts").iter().filter_map(|h| h["hostname"].as_str()).collect();
    assert_eq!((hosts, second["rerun_of"].as_i64()), (vec!["sn2013-08-022"], Some(first)));
}

/// Whether `pid` is a live (not zombie) process.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Reads a pid a command wrote, waiting for it.
pub async fn read_pid(path: &std::path::Path) -> u32 {
    let mut pid = None;
    wait_for("the command to write its pid", Duration::from_secs(20), || {
        pid = std::fs::read_to_string(path).ok().and_then(|t| t.trim().parse().ok());
        std::future::ready(pid.is_some())
    })
    .await;
    pid.expect("a pid")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_sends_sigterm_to_the_whole_command_then_sigkill_after_the_grace() {
    let p = TestPlatform::start_with(|c| c.workers.cancel_grace_ms = 1500).await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let dir = p.dir.path().display().to_string();
    // sn2013-08-021 ends on SIGTERM and says so; sn2013-08-022 ignores it. Both wait on a
    // background child that only a signal to the whole process group reaches.
    let script = format!(
        "if [ {{{{ host.name }}}} = sn2013-08-021 ]; then trap 'echo term > {dir}/term.{{{{ host.name }}}}; exit 143' TERM; \
         else trap '' TERM; fi; sleep 300 & echo $! > {dir}/child.{{{{ host.name }}}}; echo started; wait"
    );
    let action = shell_action(&p, &admin, "stubborn", &script).await;
    let job = launch(&p, &admin, action, &["sn2013-08-021", "sn2013-08-022"]).await;
    let polite = read_pid(&p.dir.path().join("child.sn2013-08-021")).await;
    let stubborn = read_pid(&p.dir.path().join("child.sn2013-08-022")).await;
    assert!(alive(polite) && alive(stubborn));
    let asked = Instant::now();
    let cancelled = p.post(&format!("/api/v1/jobs/{job}/cancel"), Auth::Session(&admin), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text());
    let ended = p.wait_job(&admin, job).await;
    let took = asked.elapsed();
    assert_eq!(ended["status"], "cancelled", "{ended}");
    let statuses: Vec<&str> = ended["hosts"].as_array().expect("hosts").iter().filter_map(|h| h["status"].as_str()).collect();
    assert_eq!(statuses, ["cancelled", "cancelled"], "one terminal status per host: {ended}");
    assert_eq!(ended["hosts_total"], 2);
    assert_eq!(
        std::fs::read_to_string(p.dir.path().join("term.sn2013-08-021")).ok().as_deref(),
        Some("term\n"),
        "the command got SIGTERM and ran its trap"
    );
    assert!(took >= Duration::from_millis(1500), "SIGKILL waits for the grace period: {took:?}");
    assert!(took < Duration::from_secs(12), "a cancelled job ends within 12 s: {took:?}");
    wait_for("the background children to be gone", Duration::from_secs(5), || std::future::ready(!alive(polite) && !alive(stubborn))).await;
    let events = p.get(&format!("/api/v1/jobs/{job}/events?after=0"), Auth::Session(&admin)).await.json();
    let notes: Vec<String> = events["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["data"].clone())
        .filter(|d| d["host"] == "sn2013-08-022" && d["stream"] == "stderr")
        .filter_map(|d| d["data"].as_str().map(str::to_string))
        .collect();
    assert!(notes.iter().any(|n| n.contains("SIGKILL")), "the output says SIGKILL followed: {notes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_past_the_jobs_timeout_fails_saying_so_and_its_command_is_stopped() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let token = format!("om-job-timeout-{}", std::process::id());
    let action = shell_action(
        &p,
        &admin,
        "slow",
        &format!("echo before; [ {{{{ host.name }}}} = sn2013-08-021 ] || exec sh -c 'sleep 30; echo after' {token}"),
    )
    .await;
    let body = json!({"action_id": action, "targets": {"servers": ["sn2013-08-021", "sn2013-08-022"]}, "options": {"timeout": 1}});
    let reply = p.post("/api/v1/jobs", Auth::Session(&admin), body).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let job = reply.json()["id"].as_i64().expect("id");
    let ended = p.wait_job(&admin, job).await;
    let hosts = ended["hosts"].as_array().expect("hosts");
    assert_eq!((hosts[0]["status"].as_str(), hosts[0]["rc"].as_i64()), (Some("ok"), Some(0)), "{ended}");
    assert_eq!(hosts[1]["status"], "failed", "{ended}");
    let message = hosts[1]["message"].as_str().unwrap_or_default();
    assert!(message.contains("timeout") && message.contains("did not finish within 1s"), "the message says it timed out: {message}");
    let out = p.get(&format!("/api/v1/jobs/{job}/output?host=sn2013-08-022"), Auth::Session(&admin)).await.text();
    assert_eq!(out, "before\n", "output before the timeout was kept");
    wait_for("the timed-out command to be gone", Duration::from_secs(5), || async {
        std::process::Command::new("pgrep").args(["-f", &token]).output().expect("pgrep").stdout.is_empty()
    })
    .await;
    let events = p.get(&format!("/api/v1/jobs/{job}/events?after=0"), Auth::Session(&admin)).await.json();
    let items = events["items"].as_array().expect("items");
    let result = items.iter().map(|e| &e["data"]).find(|d| d["outcome"].is_object() && d["host"] == "sn2013-08-021");
    let result = &result.expect("a host result")["outcome"]["result"];
    assert_eq!((result["rc"].as_i64(), result.get("stdout"), result.get("cmd")), (Some(0), None, None), "{result}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_and_module_actions_run_per_host_through_the_executor() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let files = p.dir.path().join("data").join("files").join("app");
    std::fs::create_dir_all(&files).expect("the repository's files");
    std::fs::write(files.join("app.conf"), "version 2\n").expect("a repository file");
    let out = p.dir.path().join("out");
    std::fs::create_dir_all(&out).expect("an output directory");
    let dest = out.join("app.conf");
    std::fs::write(&dest, "version 1\n").expect("the old file");
    let sync = json!({"name": "sync", "group": "app", "run": {"kind": "copy", "param": "file", "backup": true},
        "params": [{"name": "file", "type": "file", "choices": [{"value": "app", "src": "app/app.conf", "dest": dest, "mode": 0o640}]}]});
    let reply = p.post("/api/v1/actions", Auth::Session(&admin), sync).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let sync = reply.json()["id"].as_i64().expect("id");
    let body = json!({"action_id": sync, "params": {"file": "app"}, "targets": {"servers": ["sn2013-08-021"]}});
    let job = p.post("/api/v1/jobs", Auth::Session(&admin), body.clone()).await.json()["id"].as_i64().expect("id");
    let done = p.wait_job(&admin, job).await;
    assert_eq!((done["status"].as_str(), done["hosts"][0]["status"].as_str()), (Some("succeeded"), Some("changed")), "{done}");
    assert_eq!(std::fs::read_to_string(&dest).expect("copied"), "version 2\n");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&dest).expect("metadata").permissions().mode() & 0o777, 0o640);
    let backups: Vec<String> = std::fs::read_dir(&out)
        .expect("the directory")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n != "app.conf")
        .collect();
    assert_eq!(backups.len(), 1, "the replaced file was backed up: {backups:?}");
    assert_eq!(std::fs::read_to_string(out.join(&backups[0])).expect("the backup"), "version 1\n");
    let again = p.post("/api/v1/jobs", Auth::Session(&admin), body).await.json()["id"].as_i64().expect("id");
    assert_eq!(p.wait_job(&admin, again).await["hosts"][0]["status"], "ok", "an up-to-date file is not copied again");

    // A module's templated arguments are rendered for each host.
    let touch = json!({"name": "touch", "group": "app", "params": [],
        "run": {"kind": "module", "module": "file", "args": {"path": format!("{}/touched.{{{{ host.name }}}}", out.display()), "state": "touch"}}});
    let reply = p.post("/api/v1/actions", Auth::Session(&admin), touch).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let touch = reply.json()["id"].as_i64().expect("id");
    let job = launch(&p, &admin, touch, &["sn2013-08-021", "sn2013-08-022"]).await;
    assert_eq!(p.wait_job(&admin, job).await["status"], "succeeded");
    assert!(out.join("touched.sn2013-08-021").exists() && out.join("touched.sn2013-08-022").exists());
}

/// A shell action's script runs under `/bin/sh` (dash here, as on Debian hosts) unless the
/// action names another shell; a shell that is not an absolute path is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_action_runs_under_sh_unless_it_names_its_shell() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let script = "[[ -n \"${BASH_VERSION:-}\" ]] && echo bash";
    let mut outputs = Vec::new();
    for shell in [None, Some("/bin/bash")] {
        let mut run = json!({"kind": "shell", "script": script});
        if let Some(shell) = shell {
            run["shell"] = json!(shell);
        }
        let body = json!({"name": format!("which shell {shell:?}"), "group": "bas", "params": [], "run": run});
        let reply = p.post("/api/v1/actions", Auth::Session(&admin), body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let job = launch(&p, &admin, reply.json()["id"].as_i64().expect("id"), &["sn2013-08-021"]).await;
        let done = p.wait_job(&admin, job).await;
        let stdout = p.get(&format!("/api/v1/jobs/{job}/output?host=sn2013-08-021&stream=stdout"), Auth::Session(&admin)).await.text();
        outputs.push((done["status"].as_str().unwrap_or_default().to_string(), stdout));
    }
    assert_eq!(outputs[0].0, "failed", "`[[` is not sh: {outputs:?}");
    assert_eq!(outputs[1], ("succeeded".to_string(), "bash\n".to_string()));
    let body = json!({"name": "bad shell", "group": "bas", "params": [], "run": {"kind": "shell", "script": "true", "shell": "bash -x"}});
    let reply = p.post("/api/v1/actions", Auth::Session(&admin), body).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    assert!(reply.text().contains("run.shell"), "{}", reply.text());
}
