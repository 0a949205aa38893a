//! `ping`: proves the module path works end to end; `data=crash` fails on purpose.

use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "ping",
    "Try to connect to host, verify a usable python and return pong on success",
    &[Param::str("data").default_str("pong")],
);

pub struct Ping;

impl Module for Ping {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, _ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let data = args.string("data");
        if data == "crash" {
            return Err(Fail::new("boom"));
        }
        Ok(ret! {"changed" => false, "ping" => data})
    }
}
