//! The built `om` binary, as users run it.

#![allow(clippy::print_stderr)]

mod cli;
mod facts;
mod inventory;
mod lab;
mod net;
mod play;
mod run;
mod serve;
mod systemd;

fn om() -> om_test::Om {
    om_test::Om::new(env!("CARGO_BIN_EXE_om"))
}
