//! Jobs: launching (validate, authorise, record, enqueue), the in-process runner pool that
//! claims from the DB-backed queue, leases, cancellation and the reaper that ends jobs whose
//! runner went away (WEB-12, WEB-51, WEB-54, WEB-55).

mod launch;
mod pool;
mod recorder;

pub use launch::{LaunchOptions, LaunchRequest, Targets, audit, launch, rerun};
pub use pool::{build_spec, cancel, host_spec, job_grant, refuse_grant, start_background};
pub use recorder::Recorder;
