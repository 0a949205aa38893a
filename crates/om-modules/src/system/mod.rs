//! System modules: `setup`, `ping`, `user`, `group`, `cron`, `sysctl`, `mount`, `hostname`,
//! `wait_for`, om's `proc`, and the schema of the controller-side `debug`.

pub mod async_status;
pub mod cron;
pub mod debug;
pub mod group;
pub mod hostname;
pub mod mount;
pub mod ping;
pub mod proc;
pub mod setup;
pub mod sysctl;
pub mod user;
pub mod wait_for;
