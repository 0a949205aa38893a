//! Playbooks: `om play site.yml -i hosts` runs Ansible playbooks and roles unchanged.
//!
//! ```text
//! site.yml ──load──► Playbook (plays, blocks, tasks, roles; spans) ──Runner──► Events
//!                                                     │ om-template jinja: vars, when, loops
//!                                                     └ om-exec actions / native modules per host
//! ```
//!
//! [`load`] reads a playbook into a [`Playbook`] (rejecting Ansible 1.x constructs with their
//! modern form, PLAY-70); [`Runner`] runs it (strategy linear or free) and reports
//! [`om_core::Event`]s; [`list`] answers `--list-tasks`, `--list-hosts` and `--list-tags`.
//!
//! ```no_run
//! # async fn demo(inventory: std::sync::Arc<om_inventory::Inventory>) -> Result<(), om_play::PlayError> {
//! let book = om_play::load(std::path::Path::new("site.yml"), &om_play::LoadOptions::default())?;
//! let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
//! let connector = std::sync::Arc::new(om_exec::LocalConnector);
//! let runner = om_play::Runner::new(inventory, connector, om_play::PlayOptions::default(), tx);
//! let recap = runner.run(&book).await?;
//! # Ok(()) }
//! ```

mod actions;
mod error;
pub mod list;
mod load;
pub mod model;
pub mod rewrite;
mod run;
mod task;
mod vars;

pub use error::PlayError;
pub use load::{LoadOptions, load, load_str};
pub use model::Prompt;
pub use model::{Play, Playbook};
pub use run::{Ask, PlayOptions, Prompter, Runner};
