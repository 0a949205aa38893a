//! om's native modules, with ansible-core's names, arguments, return values and idempotence.
//!
//! A module checks and changes in one call ([`Module::run`]), honours check mode, returns a
//! diff where ansible-core does, and reports `changed` only when something changed. Modules
//! are written against [`os::Os`], so the same code runs in-process (the local transport and
//! `om-agent`) or, where the agent cannot run, on the controller over plain shell commands
//! ([`os::ShellOs`]). Each module declares its arguments in a [`Schema`].
//!
//! ```no_run
//! use om_modules::{Context, os::LocalOs};
//! let args = serde_json::json!({"path": "/etc/hostname"});
//! let out = om_modules::run("stat", args.as_object().expect("a map"), &mut Context::new(&LocalOs))?;
//! assert_eq!(out.result["stat"]["exists"], true);
//! # Ok::<(), om_modules::RunError>(())
//! ```

pub mod args;
pub mod attrs;
pub mod checksum;
pub mod commands;
pub mod files;
pub mod mode;
pub mod module;
pub mod os;
pub mod packages;
pub mod registry;
pub mod schema;
pub mod services;
pub mod system;

pub use args::Args;
pub use module::{Context, Fail, Module};
pub use registry::{UnknownModule, find, schema};
pub use schema::{ArgsError, Param, Schema, Type};

use om_core::Vars;
use serde_json::Value;

/// A finished module call: the result in ansible-core's shape, and bytes sent back (`fetch`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModuleOutput {
    pub result: Vars,
    pub data: Option<Vec<u8>>,
}

impl ModuleOutput {
    pub fn changed(&self) -> bool {
        self.result.get("changed").and_then(Value::as_bool).unwrap_or(false)
    }
    pub fn failed(&self) -> bool {
        self.result.get("failed").and_then(Value::as_bool).unwrap_or(false)
    }
    pub fn skipped(&self) -> bool {
        self.result.get("skipped").and_then(Value::as_bool).unwrap_or(false)
    }
}

/// Why a module call did not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    UnknownModule(#[from] UnknownModule),
    #[error(transparent)]
    Args(#[from] ArgsError),
    #[error("the `{module}` call was cancelled")]
    Cancelled { module: String },
}

/// Checks `args` against the module's schema, runs it, and completes the result: `changed`
/// always present, `failed` and `msg` on failure, `diff` only when asked for, warnings.
pub fn run(name: &str, args: &Vars, ctx: &mut Context<'_>) -> Result<ModuleOutput, RunError> {
    let module = find(name)?;
    let schema = module.schema();
    let args = schema.validate(args)?;
    for w in args.warnings() {
        ctx.warn(w.clone());
    }
    if ctx.check && !schema.check_mode {
        let mut result =
            ret! {"changed" => false, "skipped" => true, "msg" => format!("remote module ({}) does not support check mode", schema.module)};
        add_warnings(&mut result, ctx.take_warnings());
        return Ok(ModuleOutput { result, data: None });
    }
    let mut result = match module.run(&args, ctx) {
        Ok(result) => result,
        Err(fail) if fail.cancelled => return Err(RunError::Cancelled { module: schema.module.to_string() }),
        Err(fail) => {
            let mut result = fail.extra;
            result.insert("failed".into(), true.into());
            result.insert("msg".into(), fail.msg.into());
            result
        }
    };
    result.entry("changed").or_insert(false.into());
    if !ctx.diff {
        result.remove("diff");
    }
    add_warnings(&mut result, ctx.take_warnings());
    Ok(ModuleOutput { result, data: ctx.output.take() })
}

fn add_warnings(result: &mut Vars, warnings: Vec<String>) {
    if warnings.is_empty() {
        return;
    }
    let list = result.entry("warnings").or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = list {
        items.extend(warnings.into_iter().map(Value::from));
    }
}
