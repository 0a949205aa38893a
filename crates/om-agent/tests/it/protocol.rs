//! Hello and version, multiplexing, streaming, cancellation, errors with kinds, a killed
//! channel.

use std::sync::{Arc, Mutex};

use om_agent::{ClientError, ErrorKind, PROTOCOL_VERSION};
use om_core::Stream;

use crate::{agent, agent_bin, args, wait_for};

#[tokio::test]
async fn hello_carries_the_protocol_version_and_ping_answers() {
    let (client, _child) = agent().await;
    assert_eq!(client.hello().protocol, PROTOCOL_VERSION);
    assert_eq!(client.hello().arch, std::env::consts::ARCH);
    let out = client.module("ping", &args(serde_json::json!({})), false, false, &[], None).await.expect("ping");
    assert_eq!(out.result["ping"], "pong");
    assert_eq!(out.result["changed"], false);
}

#[tokio::test]
async fn many_requests_are_in_flight_at_once_and_answered_out_of_order() {
    let (client, _child) = agent().await;
    let client = Arc::new(client);
    // A slow command first: the quick calls behind it must not wait for it.
    let slow = {
        let c = client.clone();
        tokio::spawn(
            async move { c.module("command", &args(serde_json::json!({"_raw_params": "sleep 1"})), false, false, &[], None).await },
        )
    };
    let mut quick = Vec::new();
    for i in 0..200 {
        let c = client.clone();
        quick.push(tokio::spawn(async move {
            c.module("ping", &args(serde_json::json!({"data": format!("p{i}")})), false, false, &[], None).await
        }));
    }
    for (i, q) in quick.into_iter().enumerate() {
        let out = q.await.expect("joined").expect("ping answered");
        assert_eq!(out.result["ping"], format!("p{i}"));
    }
    assert!(!slow.is_finished(), "the quick calls were answered while the slow one still ran");
    let out = slow.await.expect("joined").expect("sleep answered");
    assert_eq!(out.result["rc"], 0);
}

#[tokio::test]
async fn command_output_streams_in_chunks_before_the_result() {
    let (client, _child) = agent().await;
    let seen = Mutex::new(Vec::<(Stream, String)>::new());
    let on_chunk = |s: Stream, d: &[u8]| seen.lock().expect("lock").push((s, String::from_utf8_lossy(d).into_owned()));
    let out = client
        .module(
            "shell",
            &args(serde_json::json!({"_raw_params": "echo one; echo two >&2; echo three"})),
            false,
            false,
            &[],
            Some(&on_chunk),
        )
        .await
        .expect("shell");
    let seen = seen.into_inner().expect("lock");
    let stdout: String = seen.iter().filter(|(s, _)| *s == Stream::Stdout).map(|(_, d)| d.as_str()).collect();
    let stderr: String = seen.iter().filter(|(s, _)| *s == Stream::Stderr).map(|(_, d)| d.as_str()).collect();
    assert_eq!(stdout, "one\nthree\n");
    assert_eq!(stderr, "two\n");
    assert_eq!(out.result["stdout"], "one\nthree");
    assert_eq!(out.result["stdout_lines"], serde_json::json!(["one", "three"]));
}

#[tokio::test]
async fn dropping_a_call_cancels_it_on_the_agent() {
    let (client, _child) = agent().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let pidfile = dir.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 60", pidfile.display());
    let a = args(serde_json::json!({"_raw_params": script}));
    let call = client.module("shell", &a, false, false, &[], None);
    let timed = tokio::time::timeout(std::time::Duration::from_millis(300), call).await;
    assert!(timed.is_err(), "sleep 60 cannot finish in 300 ms");
    wait_for("the pid file", || pidfile.exists() && std::fs::read_to_string(&pidfile).is_ok_and(|s| !s.trim().is_empty())).await;
    let pid = std::fs::read_to_string(&pidfile).expect("pid").trim().to_string();
    wait_for("the cancelled command to be killed", || !std::path::Path::new(&format!("/proc/{pid}")).exists()).await;
    let out = client.module("ping", &args(serde_json::json!({})), false, false, &[], None).await.expect("the agent still answers");
    assert_eq!(out.result["ping"], "pong");
}

#[tokio::test]
async fn bad_requests_fail_with_a_kind_and_the_valid_names() {
    let (client, _child) = agent().await;
    let err = client.module("cpoy", &args(serde_json::json!({})), false, false, &[], None).await.expect_err("unknown module");
    let ClientError::Agent(e) = err else { panic!("expected an agent error, got {err:?}") };
    assert_eq!(e.kind, ErrorKind::UnknownModule);
    assert!(e.message.contains("did you mean `copy`?") && e.message.contains("lineinfile"), "{}", e.message);
    let err = client
        .module("file", &args(serde_json::json!({"path": "/tmp/x", "stat": "touch"})), false, false, &[], None)
        .await
        .expect_err("bad arg");
    let ClientError::Agent(e) = err else { panic!("expected an agent error, got {err:?}") };
    assert_eq!(e.kind, ErrorKind::Args);
    assert!(e.message.contains("Unsupported parameters for (file) module: stat") && e.message.contains("`state`"), "{}", e.message);
    let err = client
        .module("stat", &args(serde_json::json!({"path": "/", "follow": "sometimes"})), false, false, &[], None)
        .await
        .expect_err("type");
    let ClientError::Agent(e) = err else { panic!("expected an agent error, got {err:?}") };
    assert_eq!(e.kind, ErrorKind::Args);
    assert!(e.message.contains("`follow`") && e.message.contains("boolean"), "{}", e.message);
}

#[tokio::test]
async fn a_killed_agent_fails_calls_in_flight_and_later_ones() {
    let (client, mut child) = agent().await;
    let client = Arc::new(client);
    let c = client.clone();
    let pending =
        tokio::spawn(
            async move { c.module("command", &args(serde_json::json!({"_raw_params": "sleep 30"})), false, false, &[], None).await },
        );
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    child.kill().await.expect("killed");
    let err = pending.await.expect("joined").expect_err("the call fails");
    assert!(matches!(err, ClientError::Disconnected { .. }), "{err:?}");
    wait_for("the client to notice", || client.is_closed()).await;
    let err = client.module("ping", &args(serde_json::json!({})), false, false, &[], None).await.expect_err("later calls fail");
    assert!(matches!(err, ClientError::Disconnected { .. }), "{err:?}");
}

#[tokio::test]
async fn shutdown_lets_calls_in_flight_finish() {
    let (client, mut child) = agent().await;
    let client = Arc::new(client);
    let c = client.clone();
    let running =
        tokio::spawn(
            async move { c.module("command", &args(serde_json::json!({"_raw_params": "sleep 0.3"})), false, false, &[], None).await },
        );
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    client.shutdown().await.expect("shutdown acknowledged");
    let out = running.await.expect("joined").expect("finished");
    assert_eq!(out.result["rc"], 0);
    let status = child.wait().await.expect("exits");
    assert!(status.success());
}

#[tokio::test]
async fn garbage_on_the_wire_is_a_protocol_error_not_a_hang() {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(crate::agent_bin())
        .arg("stdio")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3]).await.expect("write");
    drop(stdin);
    let out = child.wait_with_output().await.expect("exits");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("frame length"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `async`: a module started as a background job answers at once, runs detached (it
/// outlives the agent, killed here as a dropped connection would end it) and leaves its
/// result where `async_status` reads it; past its time limit the job reports rc 124.
#[tokio::test]
async fn module_jobs_outlive_the_agent_and_leave_their_result() {
    let home = tempfile::tempdir().expect("tempdir");
    let marker = home.path().join("ran");
    let env_home = format!("HOME={}", home.path().display());
    let bin = agent_bin().display().to_string();
    let (client, mut child) = om_agent::process::spawn(std::path::Path::new("env"), &[&env_home, &bin]).await.expect("om-agent starts");
    let line = format!("sh -c 'sleep 1; echo ran > {}'", marker.display());
    let quick = om_core::ModuleJob { id: "1.test".into(), limit_s: 30 };
    let slow = om_core::ModuleJob { id: "2.test".into(), limit_s: 1 };
    let started = client
        .module_job("command", &args(serde_json::json!({"_raw_params": line})), false, false, &[], &[], None, Some(&quick))
        .await
        .expect("the job starts");
    assert_eq!((started.result["ansible_job_id"].as_str(), &started.result["finished"]), (Some("1.test"), &serde_json::json!(0)));
    client
        .module_job("command", &args(serde_json::json!({"_raw_params": "sleep 5"})), false, false, &[], &[], None, Some(&slow))
        .await
        .expect("the second job starts");
    assert!(!marker.exists(), "the answer came before the module ran");
    child.kill().await.expect("kill the agent");
    let dir = home.path().join(".cache/om/async");
    // The calls carry the modules' arguments (passwords among them): no one else reads them.
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&dir).expect("the job directory").permissions());
    assert_eq!(mode & 0o777, 0o700, "the job directory is private");
    for (id, rc) in [("1.test", "0"), ("2.test", "124")] {
        let rc_file = dir.join(format!("{id}.rc"));
        wait_for(&format!("job {id}"), || rc_file.exists()).await;
        assert_eq!(std::fs::read_to_string(&rc_file).expect("rc").trim(), rc);
        assert!(dir.join(format!("{id}.started")).exists() && dir.join(format!("{id}.module")).exists());
        assert!(!dir.join(format!("{id}.call")).exists(), "the call is consumed");
    }
    let result: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("1.test.out")).expect("out")).expect("json");
    assert_eq!((result["rc"].as_i64(), result["changed"].as_bool()), (Some(0), Some(true)), "{result}");
    assert_eq!(std::fs::read_to_string(&marker).expect("the job ran"), "ran\n");
}
