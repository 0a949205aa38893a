use std::process::Command;

use crate::om;

/// `om lab up` → real ssh and ansible-core against it → `om lab down`, nothing left behind.
#[test]
fn lab_up_serves_ssh_and_ansible_then_down_leaves_nothing() {
    let dir = om_test::tempdir();
    let base = om_test::unique_base().to_string();
    let port = om_test::free_port().to_string();
    let up = om().args(["lab", "up", "--hosts", "4", "--base", &base, "--port", &port, "--json", "--dir"]).arg_path(dir.path()).run();
    assert_eq!(up.code, 0, "{}", up.stderr);
    let state: serde_json::Value = serde_json::from_str(&up.stdout).expect("--json prints the lab state");
    let pid = state["pid"].as_u64().expect("a supervisor pid");

    let again = om().args(["lab", "up", "--hosts", "4", "--base", &base, "--port", &port, "--dir"]).arg_path(dir.path()).run();
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already running"), "{}", again.stderr);

    let ssh = Command::new("ssh").arg("-F").arg(dir.path().join("ssh_config")).args(["h3", "uname", "-n"]).output().expect("ssh runs");
    assert!(ssh.status.success(), "{}", String::from_utf8_lossy(&ssh.stderr));

    let status = om().args(["lab", "status", "--json", "--dir"]).arg_path(dir.path()).run();
    let status: serde_json::Value = serde_json::from_str(&status.stdout).expect("status --json");
    assert_eq!(status["hosts"][2]["connections"], 1);

    if let Some(ansible) = reference_tool("ansible") {
        let ping = Command::new(ansible)
            .args(["all", "-i"])
            .arg(dir.path().join("inventory.ini"))
            .args(["-m", "ping", "-f", "4"])
            .env("ANSIBLE_HOST_KEY_CHECKING", "True")
            .output()
            .expect("ansible runs");
        let stdout = String::from_utf8_lossy(&ping.stdout);
        assert!(ping.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&ping.stderr));
        assert_eq!(stdout.matches("SUCCESS").count(), 4, "{stdout}");
    }

    let down = om().args(["lab", "down", "--dir"]).arg_path(dir.path()).run();
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(!running(pid), "the supervisor is still running");
    let down_again = om().args(["lab", "down", "--dir"]).arg_path(dir.path()).run();
    assert!(down_again.stdout.contains("no lab is running"));
}

/// Whether a process is alive; an exited one waiting to be reaped by init does not count.
fn running(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])))
}

/// A reference tool from the test venv; required when OM_TEST_REFERENCE=1 (the test command
/// sets it after installing them), skipped with a note otherwise.
pub(crate) fn reference_tool(name: &str) -> Option<std::path::PathBuf> {
    let venv = std::env::var_os("OM_VENV")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache/om/venv")))?;
    let tool = venv.join("bin").join(name);
    if tool.exists() {
        return Some(tool);
    }
    assert!(std::env::var("OM_TEST_REFERENCE").is_err(), "OM_TEST_REFERENCE=1 but {} is missing", tool.display());
    eprintln!("skipped the {name} part: {} is missing (scripts/test installs it)", tool.display());
    None
}
