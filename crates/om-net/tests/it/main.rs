//! Integration tests of om-net against real servers on loopback and reference goldens.

mod dns;
mod ip;
mod probe;
mod rr_check;
mod scan;
mod support;
