//! Test support for om (a dev-dependency only): a lab per test, the built `om` binary as a
//! command, and filters that make its output stable for snapshots.
//!
//! ```ignore
//! let lab = om_test::lab(3);
//! let out = om_test::Om::new(env!("CARGO_BIN_EXE_om")).args(["lab", "status"]).run();
//! assert!(out.stdout.contains("h1"));
//! ```

use std::net::{Ipv4Addr, TcpListener};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A lab that lives as long as the test: its own temporary directory, loopback subnet and
/// port, so tests run in parallel without meeting each other.
pub struct TestLab {
    lab: om_lab::Lab,
    _dir: tempfile::TempDir,
}

impl Deref for TestLab {
    type Target = om_lab::Lab;
    fn deref(&self) -> &om_lab::Lab {
        &self.lab
    }
}

/// Starts a lab of `hosts` loopback hosts; panics with the reason if it cannot (a test
/// without its fleet cannot go on).
pub fn lab(hosts: usize) -> TestLab {
    lab_with(hosts, |_| {})
}

/// Starts a lab after `adjust` has changed its configuration (user, netns…).
pub fn lab_with(hosts: usize, adjust: impl FnOnce(&mut om_lab::LabConfig)) -> TestLab {
    let dir = tempfile::Builder::new().prefix("om-lab-").tempdir().expect("a temporary directory for the lab");
    let mut config = om_lab::LabConfig::new(dir.path(), hosts);
    config.base = unique_base();
    config.port = free_port();
    adjust(&mut config);
    let lab = om_lab::Lab::start(config).unwrap_or_else(|err| panic!("cannot start the lab: {err}"));
    TestLab { lab, _dir: dir }
}

pub use tempfile::TempDir;

/// A fresh temporary directory, removed when dropped.
pub fn tempdir() -> TempDir {
    tempfile::Builder::new().prefix("om-test-").tempdir().expect("a temporary directory")
}

/// A loopback /24 no other test in this run uses: 127.<pid-derived>.<counter>.1.
pub fn unique_base() -> Ipv4Addr {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let second = 20 + (std::process::id() % 200) as u8;
    Ipv4Addr::new(127, second, (n % 250) as u8 + 1, 1)
}

/// A TCP port the kernel just had free.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Whether the tests may use root-only features (namespaces, tc); they print why they skip.
pub fn privileged() -> bool {
    std::env::var("OM_TEST_PRIVILEGED").is_ok_and(|v| v == "1")
}

/// Makes sure a local user `name` exists with `password`, may log in over SSH with it, and
/// may run anything through sudo after giving that password (a sudoers.d rule). Needs root:
/// call it only when [`privileged`] is true. Returns the user's name.
pub fn sudo_user(name: &str, password: &str) -> String {
    let exists = Command::new("id").arg(name).output().is_ok_and(|o| o.status.success());
    if !exists {
        let status = Command::new("useradd").args(["--create-home", "--shell", "/bin/sh", name]).status().expect("useradd runs");
        assert!(status.success(), "useradd {name} failed");
    }
    let mut chpasswd = Command::new("chpasswd").stdin(std::process::Stdio::piped()).spawn().expect("chpasswd runs");
    if let Some(stdin) = chpasswd.stdin.as_mut() {
        use std::io::Write;
        writeln!(stdin, "{name}:{password}").expect("chpasswd takes the password");
    }
    assert!(chpasswd.wait().is_ok_and(|s| s.success()), "chpasswd failed");
    let rule = format!("{name} ALL=(ALL:ALL) ALL\nDefaults:{name} !lecture, timestamp_timeout=0\n");
    let path = format!("/etc/sudoers.d/om-test-{name}");
    std::fs::write(&path, rule).expect("a sudoers.d rule");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o440)).expect("sudoers rule mode");
    name.to_string()
}

/// A local user with a password and a home, made for one test and removed (with its home)
/// when dropped. Needs root: create it only when [`privileged`] is true.
pub struct LocalUser {
    pub name: String,
}

impl LocalUser {
    pub fn new(name: impl Into<String>, password: &str) -> Self {
        let name = name.into();
        let _ = Command::new("userdel").args(["--force", "--remove", &name]).stderr(std::process::Stdio::null()).status();
        let status = Command::new("useradd").args(["--create-home", "--shell", "/bin/sh", &name]).status().expect("useradd runs");
        assert!(status.success(), "useradd {name} failed");
        let mut chpasswd = Command::new("chpasswd").stdin(std::process::Stdio::piped()).spawn().expect("chpasswd runs");
        if let Some(stdin) = chpasswd.stdin.as_mut() {
            use std::io::Write;
            writeln!(stdin, "{name}:{password}").expect("chpasswd takes the password");
        }
        assert!(chpasswd.wait().is_ok_and(|s| s.success()), "chpasswd failed");
        LocalUser { name }
    }

    pub fn uid(&self) -> u32 {
        let out = Command::new("id").args(["-u", &self.name]).output().expect("id runs");
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("a uid")
    }
}

impl Drop for LocalUser {
    fn drop(&mut self) {
        // --force: the login sessions of a lab that just stopped may not have exited yet.
        let _ = Command::new("userdel").args(["--force", "--remove", &self.name]).stderr(std::process::Stdio::null()).status();
    }
}

/// The built `om` binary, run as a command.
pub struct Om {
    command: Command,
}

/// What a finished `om` printed and how it exited.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Om {
    /// `path` is `env!("CARGO_BIN_EXE_om")` in the om crate's tests.
    pub fn new(path: impl AsRef<Path>) -> Self {
        let mut command = Command::new(path.as_ref());
        command.env_remove("OM_LOG").env_remove("OM_LAB_DIR");
        Self { command }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Adds a path argument.
    pub fn arg_path(mut self, path: impl AsRef<Path>) -> Self {
        self.command.arg(path.as_ref());
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.command.current_dir(dir.into());
        self
    }

    pub fn run(mut self) -> Output {
        let out = self.command.output().expect("the om binary runs");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Output {
    /// The exit code and stdout with `replacements` applied (`(text, placeholder)`), for
    /// snapshots.
    pub fn normalized(&self, replacements: &[(&str, &str)]) -> String {
        let mut text = format!("exit: {}\n{}", self.code, self.stdout);
        for (from, to) in replacements {
            text = text.replace(from, to);
        }
        text
    }
}
