//! What om is doing goes to stderr through `tracing`: warnings by default, `-v` debug for
//! om's crates, `-vv` trace, `OM_LOG` for a full filter (`om_ssh=trace,info`).

use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::prelude::*;

use crate::env::OM_LOG;

pub(crate) fn init(verbose: u8, quiet: bool) {
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(verbose > 1);
    if let Ok(filter) = std::env::var(OM_LOG) {
        let _ = tracing_subscriber::registry().with(fmt.with_filter(EnvFilter::new(filter))).try_init();
        return;
    }
    let ours = match (quiet, verbose) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let theirs = if quiet { LevelFilter::ERROR } else { LevelFilter::WARN };
    // om's crates are named `om` and `om_*`; their targets start with that name.
    let filter = filter_fn(move |meta| {
        let level = if meta.target().starts_with("om") { ours } else { theirs };
        *meta.level() <= level
    });
    let _ = tracing_subscriber::registry().with(fmt.with_filter(filter)).try_init();
}
