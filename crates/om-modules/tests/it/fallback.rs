//! The shell fallback: the same modules over `ShellOs` (each operation one `sh -c`) give the
//! same results and files as in-process.

use std::os::unix::fs::PermissionsExt;

use serde_json::json;

use crate::run_on;
use om_modules::os::{LocalOs, Os, Shell, ShellOs, ShellOutput};

/// A local `sh -c`, standing in for an exec channel.
struct LocalShell;

impl Shell for LocalShell {
    fn sh(&self, script: &str, stdin: Option<&[u8]>) -> std::io::Result<ShellOutput> {
        use std::io::Write;
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        if let Some(mut i) = child.stdin.take() {
            i.write_all(stdin.unwrap_or_default())?;
        }
        let out = child.wait_with_output()?;
        Ok(ShellOutput { rc: out.status.code().unwrap_or(-1), stdout: out.stdout, stderr: out.stderr })
    }
}

fn script(os: &dyn Os, root: &std::path::Path) -> Vec<(bool, bool)> {
    let p = |s: &str| root.join(s);
    let steps = vec![
        ("file", json!({"path": p("d/e"), "state": "directory", "mode": "0750"})),
        ("copy", json!({"dest": p("d/e/conf"), "content": "k=v\n", "mode": "0640"})),
        ("copy", json!({"dest": p("d/e/conf"), "content": "k=v\n", "mode": "0640"})),
        ("lineinfile", json!({"path": p("d/e/conf"), "line": "x=y"})),
        ("lineinfile", json!({"path": p("d/e/conf"), "line": "x=y"})),
        ("blockinfile", json!({"path": p("d/e/conf"), "block": "b=1"})),
        ("replace", json!({"path": p("d/e/conf"), "regexp": "k=v", "replace": "k=w"})),
        ("file", json!({"path": p("d/link"), "src": p("d/e/conf"), "state": "link"})),
        ("file", json!({"path": p("d/link"), "src": p("d/e/conf"), "state": "link"})),
        ("stat", json!({"path": p("d/e/conf")})),
        ("command", json!({"_raw_params": "true", "creates": p("d/e/conf")})),
        ("shell", json!({"_raw_params": "echo hi > out", "chdir": p("d")})),
        ("file", json!({"path": p("d/e"), "mode": "g+w"})),
        ("setup", json!({"gather_subset": "!all", "filter": "ansible_distribution*"})),
        ("file", json!({"path": p("d/e/conf"), "state": "absent"})),
    ];
    steps
        .into_iter()
        .map(|(m, a)| {
            let out = run_on(os, m, a.clone(), false, false);
            assert!(!out.failed(), "{m} {a} failed: {:?}", out.result);
            if m == "setup" {
                assert_eq!(
                    out.result["ansible_facts"]["ansible_distribution"],
                    om_facts::ansible::gather(&om_facts::Live, &Default::default()).expect("facts").0["ansible_distribution"]
                );
            }
            (out.changed(), out.failed())
        })
        .collect()
}

#[test]
fn modules_over_plain_shell_match_in_process_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("local"), dir.path().join("shell"));
    std::fs::create_dir_all(&a).expect("dir");
    std::fs::create_dir_all(&b).expect("dir");
    let local = script(&LocalOs, &a);
    let shell = script(&ShellOs::new(LocalShell), &b);
    assert_eq!(local, shell);
    assert_eq!(std::fs::read(a.join("d/out")).expect("out"), std::fs::read(b.join("d/out")).expect("out"));
    let mode = |p: std::path::PathBuf| std::fs::metadata(p).expect("m").permissions().mode() & 0o7777;
    assert_eq!(mode(b.join("d/e")), 0o770);
    assert_eq!(mode(a.join("d/e")), mode(b.join("d/e")));
}

#[test]
fn agent_only_modules_are_marked() {
    assert!(om_modules::find("proc").expect("known").schema().agent_only);
    assert!(!om_modules::find("copy").expect("known").schema().agent_only);
}
