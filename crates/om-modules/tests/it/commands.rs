//! command and shell: creates/removes, check mode, rc, Python-style timings.

use serde_json::json;

use crate::{changed, run, run_on};
use om_modules::os::LocalOs;

#[test]
fn command_runs_without_a_shell_and_reports_ansible_keys() {
    let out = run("command", json!({"_raw_params": "echo a > b && c"}));
    assert!(changed(&out));
    assert_eq!(out.result["stdout"], "a > b && c", "no shell: the operators are arguments");
    assert_eq!(out.result["cmd"], json!(["echo", "a", ">", "b", "&&", "c"]));
    assert_eq!(out.result["rc"], 0);
    let delta = out.result["delta"].as_str().expect("delta");
    assert!(regex::Regex::new(r"^\d+:\d\d:\d\d\.\d{6}$").expect("re").is_match(delta), "{delta}");
    for k in ["start", "end", "stdout_lines", "stderr_lines", "msg"] {
        assert!(out.result.contains_key(k), "missing {k}");
    }
}

#[test]
fn shell_runs_through_sh_and_fails_on_nonzero_exit() {
    let ok = run("shell", json!({"_raw_params": "echo out; echo err >&2"}));
    assert_eq!(ok.result["stdout"], "out");
    assert_eq!(ok.result["stderr"], "err");
    assert_eq!(ok.result["cmd"], "echo out; echo err >&2");
    let bad = run("shell", json!({"_raw_params": "exit 3"}));
    assert!(bad.failed());
    assert_eq!(bad.result["rc"], 3);
    assert_eq!(bad.result["msg"], "non-zero return code");
    let missing = run("command", json!({"_raw_params": "/no/such/program"}));
    assert!(missing.failed());
    assert_eq!(missing.result["rc"], 2);
}

#[test]
fn creates_and_removes_skip_with_ansible_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("done");
    std::fs::write(&marker, "").expect("write");
    let skipped = run("command", json!({"_raw_params": "false", "creates": marker}));
    assert!(!changed(&skipped));
    assert_eq!(skipped.result["msg"], format!("Did not run command since '{}' exists", marker.display()));
    assert_eq!(skipped.result["rc"], 0);
    let glob = run("command", json!({"_raw_params": "false", "creates": format!("{}/d*", dir.path().display())}));
    assert!(!changed(&glob), "creates takes a glob");
    let removes = run("command", json!({"_raw_params": "false", "removes": dir.path().join("nope")}));
    assert_eq!(removes.result["msg"], format!("Did not run command since '{}' does not exist", dir.path().join("nope").display()));
}

#[test]
fn check_mode_skips_commands_unless_creates_decides() {
    let out = run_on(&LocalOs, "shell", json!({"_raw_params": "touch /should/not/exist"}), true, false);
    assert_eq!(out.result["skipped"], true);
    assert_eq!(out.result["changed"], false);
    assert_eq!(out.result["msg"], "Command would have run if not in check mode");
    let out = run_on(&LocalOs, "command", json!({"_raw_params": "true", "creates": "/nonexistent-om"}), true, false);
    assert_eq!(out.result["changed"], true);
    assert!(out.result.get("skipped").is_none());
}

#[test]
fn chdir_stdin_and_argv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run("command", json!({"argv": ["pwd"], "chdir": dir.path()}));
    assert_eq!(out.result["stdout"], std::fs::canonicalize(dir.path()).expect("canon").to_string_lossy().as_ref());
    let out = run("command", json!({"_raw_params": "cat", "stdin": "fed"}));
    assert_eq!(out.result["stdout"], "fed");
    let both = run("command", json!({"_raw_params": "true", "argv": ["true"]}));
    assert!(both.failed());
}
