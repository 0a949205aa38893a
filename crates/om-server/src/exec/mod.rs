//! Running a job: the plan a runner receives ([`JobSpec`]), the runner that turns it into
//! `om_core::Event`s, and the transports it reaches hosts with.
//!
//! The same runner serves the in-process pool of `om serve` and `om worker` processes; its
//! events go to a [`crate::jobs::Recorder`] directly or over the worker API.

mod play;
mod runner;
mod transport;

pub use runner::{HostSpec, JobSpec, RunEnd, run_job};
pub use transport::{SshDefaults, connector};
