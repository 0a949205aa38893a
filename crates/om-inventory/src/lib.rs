//! Inventories and targeting: which hosts a run talks to.
//!
//! ```text
//! -i sources ──► Inventory::load ──► Inventory ──► select("web:&prod") ──► Target
//!   INI, YAML, JSON, dirs,            groups, hosts,    Ansible patterns,
//!   comma lists, scripts,             merged vars       Salt compound targets,
//!   group_vars/, host_vars/                             the category hierarchy
//! ```
//!
//! Existing Ansible inventories load unchanged and answer "which hosts?" exactly as
//! ansible-core 2.19 does. Sources are parsed once; patterns are parsed once
//! ([`Pattern`], [`Compound`]) and evaluated as often as needed. Nothing is global.
//!
//! ```
//! use om_inventory::{Inventory, LoadOptions, Source};
//!
//! let source = Source::Text { name: "hosts".into(), text: "[web]\nweb[1:3] http_port=8080\n[db]\ndb1\n".into() };
//! let loaded = Inventory::load(&[source], &LoadOptions::default()).unwrap();
//! let web = loaded.inventory.select("web:!web2").unwrap();
//! assert_eq!(web.target.names().collect::<Vec<_>>(), ["web1", "web3"]);
//! assert_eq!(web.target.hosts[0].vars["http_port"], 8080);
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod address;
mod error;
mod export;
mod ini;
mod inventory;
mod listing;
mod model;
mod pattern;
mod pyliteral;
mod script;
mod shlex;
mod source;
mod vars_files;
mod yaml_source;

pub use error::{CompoundProblem, InventoryError, PatternError, Problem, RangeError, SyntaxError, Warning};
pub use inventory::{Inventory, Loaded, Selection};
pub use pattern::Pattern;
pub use source::{LoadOptions, Source};
