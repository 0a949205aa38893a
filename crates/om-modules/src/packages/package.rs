//! `package`: `name` and `state` handed to the host's package manager (`apt`, `dnf`, `yum`).

use crate::{Args, Context, Fail, Module, Param, Schema};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "package",
    "Generic OS package manager",
    &[Param::list("name").required(), Param::str("state").required(), Param::str("use").default_str("auto")],
);

pub struct Package;

impl Module for Package {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let manager = match args.str("use") {
            Some("auto") | None => super::detect(ctx.os).ok_or_else(|| {
                Fail::new("Could not detect which package manager to use. Try gathering facts or setting the \"use\" option.")
            })?,
            Some(other) => match other {
                "apt" => "apt",
                "dnf" | "dnf5" => "dnf",
                "yum" => "yum",
                _ => return Err(Fail::new(format!("package manager `{other}` is not supported by om (apt, dnf, yum are)"))),
            },
        };
        let mut forwarded = Vars::new();
        forwarded.insert("name".into(), args.value("name").cloned().unwrap_or_default());
        forwarded.insert("state".into(), args.string("state").into());
        let module: &dyn Module = match manager {
            "apt" => &super::apt::Apt,
            "dnf" | "dnf5" => &super::dnf::Dnf,
            "yum" => &super::yum::Yum,
            other => return Err(Fail::new(format!("package manager `{other}` is not supported by om (apt, dnf, yum are)"))),
        };
        let inner = module.schema().validate(&forwarded).map_err(|e| Fail::new(e.to_string()))?;
        module.run(&inner, ctx)
    }
}
