//! The executor of om: runs a [`Plan`] on a [`om_core::Target`] through a transport and
//! reports everything as [`om_core::Event`]s.
//!
//! ```text
//! Target + Plan ──► Executor (linear strategy, forks, timeouts) ──► Connector ──► Event channel
//! ```
//!
//! Modules that need nothing on the target have controller-side actions here ([`action`]),
//! each with an argument [`schema::Schema`]. [`Transports`] picks `ssh` or `local` per host.
//!
//! ```no_run
//! # async fn demo(target: om_core::Target) {
//! use std::sync::Arc;
//! let connector = Arc::new(om_exec::LocalConnector);
//! let plan = om_exec::Plan::new(vec![om_exec::task("command", "uname -n").expect("valid")]);
//! let (tx, _rx) = tokio::sync::mpsc::channel(1024);
//! let recap = om_exec::Executor::new(connector, om_exec::RunOptions::default()).run(&target, &plan, tx).await;
//! # }
//! ```

pub mod action;
mod executor;
mod groups;
mod jobs;
mod local;
pub mod schema;
pub mod template;
mod transport;

pub use action::Background;
pub use executor::{BecomeOptions, Executor, Plan, RunOptions, become_method, escalation};
pub use groups::signal_groups;
pub use local::{LocalConnection, LocalConnector};
pub use transport::Transports;

use om_core::{ArgsError, Task};

/// Builds an ad-hoc task from `-m module -a args`: free text for `command`-like modules
/// (their control keys extracted), `key=value` pairs or a JSON object for the others.
pub fn task(module: &str, args: &str) -> Result<Task, ArgsError> {
    let schema = action::find(module).map(|a| a.schema());
    let free_form = schema.is_some_and(|s| s.free_form);
    let trimmed = args.trim();
    let vars = if trimmed.starts_with('{') && !free_form {
        match serde_json::from_str::<serde_json::Value>(trimmed) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => om_core::parse_free_form(args, None)?,
        }
    } else if free_form {
        let keys = schema.map(|s| s.control_keys()).unwrap_or_default();
        om_core::parse_free_form(args, Some(&keys))?
    } else {
        om_core::parse_free_form(args, None)?
    };
    Ok(Task::new(module, vars))
}
