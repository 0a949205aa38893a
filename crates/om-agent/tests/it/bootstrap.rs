//! Bootstrapping over a stand-in transport (`sh -c` with its own HOME): the agent is found
//! by hash, uploaded only when missing, started, and refused where it cannot run.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use om_agent::bootstrap::{self, BoxReader, BoxWriter, Remote};
use om_agent::{Agent, AgentBinary};
use om_core::{ExecOutput, HostError, Phase};

use crate::{agent_bin, args};

/// A "host" that is this machine with its own HOME, counting uploaded bytes and channels.
struct LocalRemote {
    home: PathBuf,
    uploaded: AtomicU64,
    channels: AtomicU64,
}

impl LocalRemote {
    fn new(home: &std::path::Path) -> Self {
        LocalRemote { home: home.to_path_buf(), uploaded: AtomicU64::new(0), channels: AtomicU64::new(0) }
    }
}

#[async_trait]
impl Remote for LocalRemote {
    fn host(&self) -> &str {
        "local"
    }

    async fn exec(&self, script: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, HostError> {
        use tokio::io::AsyncWriteExt;
        self.channels.fetch_add(1, Ordering::Relaxed);
        let mut child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("HOME", &self.home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| HostError::new("local", Phase::Module, e.to_string()))?;
        let mut i = child.stdin.take().expect("stdin");
        i.write_all(stdin.unwrap_or_default()).await.map_err(|e| HostError::new("local", Phase::Module, e.to_string()))?;
        drop(i);
        let out = child.wait_with_output().await.map_err(|e| HostError::new("local", Phase::Module, e.to_string()))?;
        Ok(ExecOutput { rc: out.status.code(), stdout: out.stdout, stderr: out.stderr })
    }

    async fn upload(&self, data: &[u8], path: &str, mode: u32) -> Result<(), HostError> {
        self.uploaded.fetch_add(data.len() as u64, Ordering::Relaxed);
        std::fs::write(path, data)
            .and_then(|_| std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode)))
            .map_err(|e| HostError::new("local", Phase::Transfer, e.to_string()))
    }

    async fn open(&self, command: &str) -> Result<(BoxReader, BoxWriter), HostError> {
        self.channels.fetch_add(1, Ordering::Relaxed);
        let mut child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .env("HOME", &self.home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| HostError::new("local", Phase::Module, e.to_string()))?;
        let (out, inp) = (child.stdout.take().expect("stdout"), child.stdin.take().expect("stdin"));
        tokio::spawn(async move {
            let _ = child.wait().await;
        });
        Ok((Box::new(out), Box::new(inp)))
    }
}

/// The agent with a unique tail, so each test has its own hash and cache directory.
fn unique_binary(tag: &str) -> AgentBinary {
    let mut bytes = std::fs::read(agent_bin()).expect("agent binary");
    bytes.extend_from_slice(format!("\0om-test-{tag}-{}-{:?}", std::process::id(), std::time::Instant::now()).as_bytes());
    AgentBinary::from_bytes(bytes)
}

#[tokio::test]
async fn the_agent_is_uploaded_once_then_found_by_hash() {
    let home = tempfile::tempdir().expect("home");
    let remote = LocalRemote::new(home.path());
    let binary = unique_binary("cache");
    let Agent::Running { client, path, uploaded } = bootstrap::start(&remote, &binary).await.expect("starts") else {
        panic!("expected a running agent")
    };
    assert_eq!(path, format!("{}/.cache/om/agent/{}/om-agent", home.path().display(), binary.sha256()));
    assert_eq!(uploaded, binary.bytes().len() as u64);
    let meta = std::fs::metadata(home.path().join(".cache/om/agent").join(binary.sha256())).expect("cache dir");
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777, 0o700);
    assert_eq!(client.module("ping", &args(serde_json::json!({})), false, false, &[], None).await.expect("ping").result["ping"], "pong");
    client.shutdown().await.expect("shutdown");
    remote.channels.store(0, Ordering::Relaxed);
    let Agent::Running { uploaded, client, .. } = bootstrap::start(&remote, &binary).await.expect("starts again") else {
        panic!("expected a running agent")
    };
    assert_eq!(uploaded, 0, "the second run uploads no agent bytes");
    assert_eq!(remote.uploaded.load(Ordering::Relaxed), binary.bytes().len() as u64);
    assert_eq!(remote.channels.load(Ordering::Relaxed), 1, "a cached agent starts on the probe's own channel");
    assert_eq!(client.module("ping", &args(serde_json::json!({})), false, false, &[], None).await.expect("ping").result["ping"], "pong");
    client.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn an_agent_for_another_architecture_falls_back_to_the_shell() {
    let home = tempfile::tempdir().expect("home");
    let remote = LocalRemote::new(home.path());
    let mut elf = vec![0x7f, b'E', b'L', b'F'];
    elf.resize(64, 0);
    elf[18] = 0xb7; // aarch64
    let foreign = AgentBinary::from_bytes(elf);
    match bootstrap::start(&remote, &foreign).await.expect("probe runs") {
        Agent::Fallback { reason } => assert!(reason.contains("aarch64"), "{reason}"),
        other => panic!("expected a fallback, got {other:?}"),
    }
    assert_eq!(remote.uploaded.load(Ordering::Relaxed), 0, "nothing is uploaded for the wrong architecture");
}

#[tokio::test]
async fn a_noexec_home_uses_a_private_dir_under_tmp() {
    if std::env::var("OM_TEST_PRIVILEGED").as_deref() != Ok("1") {
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let cache = home.path().join(".cache");
    std::fs::create_dir_all(&cache).expect("cache");
    let mount =
        std::process::Command::new("mount").args(["-t", "tmpfs", "-o", "noexec,size=64m", "tmpfs"]).arg(&cache).status().expect("mount");
    assert!(mount.success());
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(cache.clone());
    let remote = LocalRemote::new(home.path());
    let binary = unique_binary("noexec");
    let started = bootstrap::start(&remote, &binary).await.expect("starts");
    let Agent::Running { client, path, .. } = started else { panic!("expected the /tmp fallback to run: {started:?}") };
    let uid = std::fs::read_to_string("/proc/self/status")
        .expect("status")
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().next().map(str::to_string))
        .expect("uid");
    assert_eq!(path, format!("/tmp/om-agent-{uid}/{}/om-agent", binary.sha256()));
    let meta = std::fs::metadata(format!("/tmp/om-agent-{uid}")).expect("private dir");
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777, 0o700);
    client.shutdown().await.expect("shutdown");
    let _ = std::fs::remove_dir_all(format!("/tmp/om-agent-{uid}/{}", binary.sha256()));
}

#[tokio::test]
async fn a_cached_agent_others_could_have_written_is_never_run() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().expect("home");
    let remote = LocalRemote::new(home.path());
    let binary = unique_binary("planted");
    let dir = home.path().join(".cache/om/agent").join(binary.sha256());
    std::fs::create_dir_all(&dir).expect("cache dir");
    let marker = home.path().join("planted-ran");
    let planted = dir.join("om-agent");
    std::fs::write(&planted, format!("#!/bin/sh\ntouch {}\n", marker.display())).expect("plant");
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let Agent::Running { client, uploaded, .. } = bootstrap::start(&remote, &binary).await.expect("starts") else {
        panic!("expected a running agent")
    };
    assert!(!marker.exists(), "a binary in a directory writable by others ran");
    // The planted file is not taken for a cached agent: the real one is uploaded (possibly
    // twice: exec right after a write can meet ETXTBSY while other tests fork, and bootstrap
    // then moves on to the /tmp directory).
    assert!(uploaded >= binary.bytes().len() as u64, "the planted file was taken for the agent");
    let meta = std::fs::metadata(&dir).expect("cache dir");
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    client.shutdown().await.expect("shutdown");
}
