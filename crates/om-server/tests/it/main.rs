//! The platform suite: the API, jobs on the local transport and on a real SSH lab, remote
//! workers, and the UI in headless Chromium.

#![allow(clippy::print_stderr)] // skip notes

mod api;
mod browser;
mod jobs;
mod lab;
mod play;
mod schedules;
mod support;
mod tls;
mod worker;
