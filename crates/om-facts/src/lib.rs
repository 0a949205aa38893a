//! System facts and processes with psutil's field names, and ansible-core's `ansible_*`
//! facts for the `setup` module.
//!
//! Everything is read from `/proc`, `/sys` and `/etc` through a [`Source`] ([`Live`] is the
//! running kernel), so the same code serves `om facts`, the `setup` module inside
//! `om-agent`, and hosts reached only by shell. Units: bytes are integers, times are seconds
//! (CPU) or milliseconds (disk I/O), percentages are floats 0–100.
//!
//! ```no_run
//! let mem = om_facts::memory::virtual_memory()?;
//! println!("{} of {} bytes available", mem.available, mem.total);
//! let (facts, _warnings) = om_facts::ansible::gather(&om_facts::Live, &Default::default())?;
//! println!("{}", facts["ansible_os_family"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod ansible;
pub mod cache;
pub mod cpu;
pub mod disk;
mod error;
pub mod host;
pub mod memory;
pub mod net;
mod netlink;
pub mod process;
pub mod report;
pub mod source;
pub mod users;

pub use cache::FactCache;
pub use error::FactsError;
pub use process::{Process, ProcessInfo};
pub use report::{Report, Section};
pub use source::{Live, Source};
