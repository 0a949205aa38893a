//! Integration tests of om-net against real servers on loopback and reference goldens.

// Test servers that cannot start leave the test nothing to check: they panic.
#![allow(clippy::unwrap_used)]

mod dns;
mod ip;
mod probe;
mod rr_check;
mod scan;
mod support;
