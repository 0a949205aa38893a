//! om-facts cross-checked against the kernel, procps/util-linux tools, Python psutil and
//! ansible-core's `setup`, within stated tolerances. Counters are bracketed: om before ≤
//! psutil ≤ om after.

mod ansible;
mod processes;
mod system;

use serde_json::Value;

pub fn venv_bin(tool: &str) -> std::path::PathBuf {
    let venv = std::env::var("OM_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/om/venv"));
    let bin = venv.join("bin").join(tool);
    assert!(bin.exists(), "{} is missing: run scripts/deps (lab.sh, agent.sh) to install psutil and ansible-core", bin.display());
    bin
}

/// Runs Python code with psutil imported; its stdout is JSON.
pub fn psutil(code: &str) -> Value {
    let script = format!("import json, psutil, os, sys\n{code}\n");
    let out = std::process::Command::new(venv_bin("python")).arg("-c").arg(script).output().expect("python runs");
    assert!(out.status.success(), "psutil script failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON from the psutil script")
}

pub fn sh(cmd: &str) -> String {
    let out = std::process::Command::new("sh").arg("-c").arg(cmd).output().expect("sh");
    assert!(out.status.success(), "`{cmd}` failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serialises")
}

/// Asserts before ≤ middle ≤ after for every numeric field of middle (with a float epsilon).
pub fn bracket(what: &str, before: &Value, middle: &Value, after: &Value, fields: &[&str]) {
    for f in fields {
        let (a, m, b) = (
            before[f].as_f64().expect("number"),
            middle[f].as_f64().unwrap_or_else(|| panic!("{what}: psutil has no `{f}`")),
            after[f].as_f64().expect("number"),
        );
        assert!(a - 0.011 <= m && m <= b + 0.011, "{what}.{f}: om {a} ≤ psutil {m} ≤ om {b} does not hold");
    }
}
