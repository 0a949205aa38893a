//! `yum`: as `dnf`, through `yum` (which is dnf on current RPM systems).

use crate::{Args, Context, Fail, Module, Schema, rpm_params};
use om_core::Vars;

pub static SCHEMA: Schema =
    Schema::new("yum", "Manages packages with the yum package manager", rpm_params!()).one_of(&[&["name", "list", "update_cache"]]);

pub struct Yum;

impl Module for Yum {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let tool = if ctx.os.which("yum").is_some() { "yum" } else { "dnf" };
        super::dnf::rpm_manager(tool, args, ctx)
    }
}
