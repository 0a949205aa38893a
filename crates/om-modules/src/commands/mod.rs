//! Command modules: `command` and `shell` run on the host (through the agent, streaming
//! their output); `raw` and `script` are run by the executor over plain exec channels and
//! only declare their schemas here.

pub mod command;
pub mod raw;
pub mod script;
pub mod shell;
