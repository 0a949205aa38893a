//! `shell`: `command` run through `sh -c` (or `executable`), with `cmd` as the string.

use crate::{Args, Context, Fail, Module, Schema};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new("shell", "Execute shell commands on targets", crate::command_params!(true)).free_form();

pub struct ShellModule;

impl Module for ShellModule {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        super::command::run_command(args, ctx, true)
    }
}
