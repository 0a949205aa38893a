//! `shell`: `command` run through `sh -c` (or `executable`), with `cmd` as the string.

use crate::{Args, Context, Fail, Module, Param, Schema};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "shell",
    "Execute shell commands on targets",
    &[
        Param::str("_raw_params").aliases(&["cmd"]),
        Param::bool("_uses_shell", true),
        Param::list("argv"),
        Param::path("chdir"),
        Param::str("executable"),
        Param::path("creates"),
        Param::path("removes"),
        Param::str("stdin"),
        Param::bool("stdin_add_newline", true),
        Param::bool("strip_empty_ends", true),
        Param::bool("expand_argument_vars", true),
    ],
)
.free_form();

pub struct ShellModule;

impl Module for ShellModule {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        super::command::run_command(args, ctx, true)
    }
}
