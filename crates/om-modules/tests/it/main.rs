//! om-modules against real files, real commands and services, with ansible-core as the
//! oracle for the line-editing modules and `cron`.

mod commands;
mod fallback;
mod files;
mod oracle;
mod privileged;
mod system;

use om_modules::os::{LocalOs, Os};
use om_modules::{Context, ModuleOutput};
use serde_json::Value;

pub fn args(v: Value) -> om_core::Vars {
    v.as_object().expect("an object").clone()
}

/// Runs a module in-process against this machine.
pub fn run(module: &str, a: Value) -> ModuleOutput {
    run_on(&LocalOs, module, a, false, false)
}

pub fn run_on(os: &dyn Os, module: &str, a: Value, check: bool, diff: bool) -> ModuleOutput {
    let mut ctx = Context::new(os);
    ctx.check = check;
    ctx.diff = diff;
    om_modules::run(module, &args(a), &mut ctx).unwrap_or_else(|e| panic!("{module} refused its arguments: {e}"))
}

pub fn run_with_input(module: &str, a: Value, input: &[u8]) -> ModuleOutput {
    let mut ctx = Context::new(&LocalOs);
    ctx.input = Some(input);
    om_modules::run(module, &args(a), &mut ctx).expect("valid arguments")
}

pub fn changed(out: &ModuleOutput) -> bool {
    assert!(!out.failed(), "module failed: {}", Value::Object(out.result.clone()));
    out.changed()
}

#[allow(clippy::print_stderr)]
pub fn privileged() -> bool {
    let on = std::env::var("OM_TEST_PRIVILEGED").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("skipped: needs root (set OM_TEST_PRIVILEGED=1)");
    }
    on
}

pub fn venv_bin(tool: &str) -> std::path::PathBuf {
    let venv = std::env::var("OM_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/om/venv"));
    let bin = venv.join("bin").join(tool);
    assert!(bin.exists(), "{} is missing: run scripts/deps (lab.sh, agent.sh) to install the reference tools", bin.display());
    bin
}

/// Paths matching a glob on this machine.
pub fn fallback_glob(pattern: &str) -> Vec<std::path::PathBuf> {
    om_modules::files::glob::glob(&LocalOs, pattern)
}
