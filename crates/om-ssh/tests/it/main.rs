//! om-ssh against the real OpenSSH sshd of an om lab.

use std::sync::Arc;
use std::time::Duration;

use om_core::{Connection, Connector, ExecRequest, Host, Phase};
use om_ssh::{HostKeyPolicy, PutOptions, SshConfig, SshConnector, SshOptions};
use om_test::TestLab;

mod agent;

/// A host as the lab's inventory describes it.
fn host(lab: &TestLab, name: &str) -> Host {
    let state = lab.state();
    let h = state.host(name).expect("a lab host");
    let mut host = Host::new(name);
    let dir = state.dir.display();
    for (k, v) in [
        ("ansible_host", h.address.to_string()),
        ("ansible_port", state.port.to_string()),
        ("ansible_user", state.user.clone()),
        ("ansible_ssh_private_key_file", format!("{dir}/id_ed25519")),
        ("ansible_ssh_common_args", format!("-o UserKnownHostsFile={dir}/known_hosts -o IdentitiesOnly=yes")),
    ] {
        host.vars.insert(k.into(), v.into());
    }
    host
}

fn connector(options: SshOptions) -> SshConnector {
    SshConnector::new(SshOptions { agent: false, default_keys: false, ..options }, SshConfig::default(), [])
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime")
}

#[test]
fn exec_returns_stdout_stderr_and_exit_status() {
    let lab = om_test::lab(1);
    runtime().block_on(async {
        let conn = connector(SshOptions::default()).connect(&host(&lab, "h1")).await.expect("connects");
        let chunks = std::sync::Mutex::new(0usize);
        let out =
            conn.exec(ExecRequest::new("echo out; echo err >&2; exit 3"), &|_| *chunks.lock().expect("lock") += 1).await.expect("runs");
        assert_eq!(out.rc, Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert!(*chunks.lock().expect("lock") >= 2);
        let mut req = ExecRequest::new("cat");
        req.stdin = Some(b"fed through stdin".to_vec());
        assert_eq!(conn.exec(req, &|_| {}).await.expect("runs").stdout, b"fed through stdin");
    });
}

#[test]
fn many_commands_share_one_connection() {
    let lab = om_test::lab(1);
    runtime().block_on(async {
        let connector = connector(SshOptions::default());
        let conn = connector.connect(&host(&lab, "h1")).await.expect("connects");
        let runs: Vec<_> = (0..20)
            .map(|i| {
                let conn = Arc::clone(&conn);
                tokio::spawn(async move { conn.exec(ExecRequest::new(format!("echo {i}")), &|_| {}).await })
            })
            .collect();
        for (i, run) in runs.into_iter().enumerate() {
            let out = run.await.expect("joins").expect("runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), i.to_string());
        }
    });
    let h1 = lab.status().expect("status").into_iter().find(|h| h.name == "h1").expect("h1");
    assert_eq!(h1.connections, 1, "20 concurrent commands (above MaxSessions 10) used one connection");
}

#[test]
fn a_down_host_is_a_connect_failure_with_a_hint() {
    let lab = om_test::lab(1);
    lab.kill("h1").expect("kills");
    let err = runtime().block_on(async { connector(SshOptions::default()).connect(&host(&lab, "h1")).await.err().expect("fails") });
    assert_eq!(err.phase, Phase::Connect);
    assert!(err.message.contains("connection refused"), "{err}");
    assert!(err.hint.is_some());
}

#[test]
fn unknown_and_changed_host_keys_follow_the_policy() {
    let lab = om_test::lab(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let known = dir.path().join("known_hosts");
    let mut h1 = host(&lab, "h1");
    h1.vars.insert("ansible_ssh_common_args".into(), format!("-o UserKnownHostsFile={}", known.display()).into());
    runtime().block_on(async {
        let strict = connector(SshOptions::default()).connect(&h1).await.err().expect("unknown key refused");
        assert_eq!(strict.phase, Phase::HostKey);
        assert!(strict.message.contains("SHA256:"), "{strict}");
        let accept = SshOptions { host_key_checking: Some(HostKeyPolicy::AcceptNew), ..SshOptions::default() };
        connector(accept).connect(&h1).await.expect("accept-new accepts");
        assert!(std::fs::read_to_string(&known).expect("written").contains("ssh-ed25519"));
        connector(SshOptions::default()).connect(&h1).await.expect("now known");
    });
    // Pretend the host was reinstalled: known_hosts holds another ed25519 key for it.
    let address = lab.state().host("h1").expect("h1").address;
    std::fs::write(
        &known,
        format!("[{address}]:{} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ\n", lab.state().port),
    )
    .expect("writes");
    let accept = SshOptions { host_key_checking: Some(HostKeyPolicy::AcceptNew), ..SshOptions::default() };
    let err = runtime().block_on(async { connector(accept).connect(&h1).await.err().expect("changed key refused") });
    assert_eq!(err.phase, Phase::HostKey);
    assert!(err.message.contains("changed") && err.message.contains(":1)"), "{err}");
    assert!(err.hint.as_deref().is_some_and(|h| h.contains("ssh-keygen -R")));
}

#[test]
fn a_wrong_key_is_an_auth_failure() {
    let lab = om_test::lab(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("other");
    let status =
        std::process::Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&key).status().expect("ssh-keygen");
    assert!(status.success());
    let mut h1 = host(&lab, "h1");
    h1.vars.insert("ansible_ssh_private_key_file".into(), key.display().to_string().into());
    let err = runtime().block_on(async { connector(SshOptions::default()).connect(&h1).await.err().expect("refused") });
    assert_eq!(err.phase, Phase::Auth);
    assert!(err.message.contains("permission denied"), "{err}");
}

#[test]
fn a_command_past_its_deadline_is_stopped() {
    let lab = om_test::lab(1);
    runtime().block_on(async {
        let conn = connector(SshOptions::default()).connect(&host(&lab, "h1")).await.expect("connects");
        let mut req = ExecRequest::new("sleep 600");
        req.timeout = Some(Duration::from_millis(500));
        let err = conn.exec(req, &|_| {}).await.expect_err("times out");
        assert_eq!(err.phase, Phase::Timeout);
        // The connection still works afterwards.
        assert_eq!(conn.exec(ExecRequest::new("echo ok"), &|_| {}).await.expect("runs").stdout, b"ok\n");
    });
}

#[test]
fn sftp_uploads_atomically_and_reads_back() {
    let lab = om_test::lab(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("blob").display().to_string();
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    runtime().block_on(async {
        let conn = connector(SshOptions::default()).connect_ssh(&host(&lab, "h1")).await.expect("connects");
        let sftp = conn.sftp().await.expect("sftp");
        let progress = std::sync::Mutex::new(0u64);
        let report = sftp
            .put(&data, &dest, PutOptions { mode: Some(0o640), verify: true }, &|done, _| *progress.lock().expect("lock") = done)
            .await
            .expect("uploads");
        assert_eq!(report.size, data.len() as u64);
        assert_eq!(*progress.lock().expect("lock"), data.len() as u64);
        assert_eq!(sftp.get(&dest, &|_, _| {}).await.expect("downloads"), data);
        assert_eq!(sftp.stat(&dest).await.expect("stat").mode & 0o777, 0o640);
        let names = sftp.listdir(&dir.path().display().to_string()).await.expect("lists");
        assert_eq!(names, vec!["blob".to_string()], "no temporary file is left behind");
        let missing = sftp.get("/nonexistent/file", &|_, _| {}).await.expect_err("fails");
        assert_eq!(missing.phase, Phase::Transfer);
        assert!(missing.message.contains("no such file"), "{missing}");
    });
    assert_eq!(std::fs::read(dir.path().join("blob")).expect("on disk"), data);
}

#[test]
fn a_jump_chain_reaches_the_target_through_each_hop() {
    let lab = om_test::lab(3);
    let mut h3 = host(&lab, "h3");
    let hop = |name: &str| {
        let s = lab.state();
        format!("{}@{}:{}", s.user, s.host(name).expect("hop").address, s.port)
    };
    let args = format!("{} -J {},{}", h3.var_str(&["ansible_ssh_common_args"]).unwrap_or_default(), hop("h1"), hop("h2"));
    h3.vars.insert("ansible_ssh_common_args".into(), args.into());
    let key = lab.dir().join("id_ed25519");
    let options = SshOptions { private_keys: vec![key], ..SshOptions::default() };
    runtime().block_on(async {
        let connector = connector(options);
        let conn = connector.connect_ssh(&h3).await.expect("connects through the chain");
        assert_eq!(conn.endpoint().jumps.len(), 2);
        let out = conn.exec(ExecRequest::new("echo through"), &|_| {}).await.expect("runs");
        assert_eq!(out.stdout, b"through\n");
        conn.sftp().await.expect("sftp").put(b"x", "/tmp/om-jump-upload", PutOptions::default(), &|_, _| {}).await.expect("uploads");
    });
    let status = lab.status().expect("status");
    let count = |n: &str| status.iter().find(|h| h.name == n).map(|h| h.connections).unwrap_or(0);
    assert_eq!((count("h1"), count("h2"), count("h3")), (1, 1, 1), "each hop was dialled once");
    let _ = std::fs::remove_file("/tmp/om-jump-upload");
}

#[test]
fn sudo_with_a_password_and_a_wrong_one() {
    if !om_test::privileged() {
        eprintln!("skipped: needs OM_TEST_PRIVILEGED=1 (creates a user with a sudo rule)");
        return;
    }
    let user = om_test::sudo_user("omsudo", "s3cret-pw");
    let lab = om_test::lab(1);
    let mut h1 = host(&lab, "h1");
    h1.vars.insert("ansible_user".into(), user.clone().into());
    h1.vars.insert("ansible_password".into(), "s3cret-pw".into());
    h1.vars.remove("ansible_ssh_private_key_file");
    runtime().block_on(async {
        let conn = connector(SshOptions::default()).connect(&h1).await.expect("password login");
        let whoami = conn.exec(ExecRequest::new("id -un"), &|_| {}).await.expect("runs");
        assert_eq!(String::from_utf8_lossy(&whoami.stdout).trim(), user);
        let mut req = ExecRequest::new("id -un; cat");
        let mut escalation = om_core::Escalation::sudo("root");
        escalation.password = Some(om_core::Secret::new("s3cret-pw".into()));
        req.escalation = Some(escalation.clone());
        req.stdin = Some(b"stdin after the password".to_vec());
        let out = conn.exec(req, &|_| {}).await.expect("becomes root");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "root\nstdin after the password");
        assert_eq!(out.rc, Some(0));
        escalation.password = Some(om_core::Secret::new("wrong".into()));
        let mut req = ExecRequest::new("id -un");
        req.escalation = Some(escalation.clone());
        let err = conn.exec(req, &|_| {}).await.expect_err("wrong password fails");
        assert_eq!(err.phase, Phase::Become);
        assert!(err.message.contains("incorrect sudo password"), "{err}");
        escalation.password = None;
        let mut req = ExecRequest::new("id -un");
        req.escalation = Some(escalation);
        let err = conn.exec(req, &|_| {}).await.expect_err("no password fails");
        assert_eq!(err.phase, Phase::Become);
    });
}

#[test]
fn ecdsa_rsa_and_encrypted_keys_authenticate() {
    let lab = om_test::lab(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut authorized = std::fs::read_to_string(lab.dir().join("authorized_keys")).expect("authorized_keys");
    let mut keys = Vec::new();
    for (name, kind, passphrase) in [("ecdsa", "ecdsa", ""), ("rsa", "rsa", ""), ("locked", "ed25519", "pass phrase")] {
        let path = dir.path().join(name);
        let status = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", kind, "-N", passphrase, "-f"])
            .arg(&path)
            .status()
            .expect("ssh-keygen");
        assert!(status.success());
        authorized.push_str(&std::fs::read_to_string(path.with_extension("pub")).expect("public key"));
        keys.push((path, passphrase));
    }
    std::fs::write(lab.dir().join("authorized_keys"), authorized).expect("writes");
    runtime().block_on(async {
        for (key, passphrase) in keys {
            let mut h1 = host(&lab, "h1");
            h1.vars.insert("ansible_ssh_private_key_file".into(), key.display().to_string().into());
            if !passphrase.is_empty() {
                // The password doubles as the key's passphrase (SSH-1).
                h1.vars.insert("ansible_password".into(), passphrase.into());
            }
            let conn = connector(SshOptions::default()).connect(&h1).await.unwrap_or_else(|e| panic!("{}: {e}", key.display()));
            assert_eq!(conn.exec(ExecRequest::new("echo in"), &|_| {}).await.expect("runs").stdout, b"in\n");
        }
    });
}

#[test]
fn a_dropped_connection_is_reopened_on_next_use() {
    let lab = om_test::lab(1);
    runtime().block_on(async {
        let conn = connector(SshOptions::default()).connect(&host(&lab, "h1")).await.expect("connects");
        assert_eq!(conn.exec(ExecRequest::new("echo one"), &|_| {}).await.expect("runs").stdout, b"one\n");
        lab.kill("h1").expect("kills");
        lab.revive("h1").expect("revives");
        // The old session is gone; the next command dials again (with jitter) and runs.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let out = loop {
            match conn.exec(ExecRequest::new("echo two"), &|_| {}).await {
                Ok(out) => break out,
                Err(err) => {
                    assert_eq!(err.phase, Phase::Connect, "{err}");
                    assert!(std::time::Instant::now() < deadline, "never reconnected: {err}");
                }
            }
        };
        assert_eq!(out.stdout, b"two\n");
    });
    let h1 = lab.status().expect("status").into_iter().find(|h| h.name == "h1").expect("h1");
    assert_eq!(h1.connections, 2, "one reconnection");
}
