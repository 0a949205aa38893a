//! `group`: a local group present (with its gid) or absent, through `groupadd`, `groupmod`
//! and `groupdel`.

use crate::os::{Accounts, Command};
use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "group",
    "Add or remove groups",
    &[
        Param::str("name").required(),
        Param::str("state").choices(&["absent", "present"]).default_str("present"),
        Param::int("gid"),
        Param::bool("system", false),
        Param::bool("local", false),
        Param::bool("non_unique", false),
        Param::bool("force", false),
        Param::str("gid_min"),
        Param::str("gid_max"),
    ],
);

pub struct GroupModule;

fn exec(ctx: &Context<'_>, argv: Vec<String>) -> Result<(), Fail> {
    let out = ctx.os.run(&Command::argv(argv.clone()), ctx.watch)?;
    if out.rc != 0 {
        return Err(Fail::new(format!("`{}` failed: {}", argv.join(" "), out.stderr_text().trim())).with("rc", out.rc));
    }
    Ok(())
}

impl Module for GroupModule {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let name = args.string("name");
        let state = args.string("state");
        let accounts = Accounts::load(ctx.os);
        let existing = accounts.group(&name).cloned();
        let mut result = ret! {"name" => name.clone(), "state" => state.clone(), "changed" => false};
        if state == "absent" {
            if existing.is_some() {
                result.insert("changed".into(), true.into());
                if !ctx.check {
                    let mut argv = vec!["groupdel".to_string()];
                    if args.bool("force") {
                        argv.push("-f".into());
                    }
                    argv.push(name);
                    exec(ctx, argv)?;
                }
            }
            return Ok(result);
        }
        let gid = args.int("gid").map(|g| g as u32);
        match existing {
            None => {
                result.insert("changed".into(), true.into());
                if !ctx.check {
                    let mut argv = vec!["groupadd".to_string()];
                    if let Some(g) = gid {
                        argv.extend(["-g".into(), g.to_string()]);
                        if args.bool("non_unique") {
                            argv.push("-o".into());
                        }
                    }
                    if args.bool("system") {
                        argv.push("-r".into());
                    }
                    argv.push(name.clone());
                    exec(ctx, argv)?;
                }
            }
            Some(g) => {
                if let Some(want) = gid
                    && want != g.gid
                {
                    result.insert("changed".into(), true.into());
                    if !ctx.check {
                        let mut argv = vec!["groupmod".to_string(), "-g".into(), want.to_string()];
                        if args.bool("non_unique") {
                            argv.push("-o".into());
                        }
                        argv.push(name.clone());
                        exec(ctx, argv)?;
                    }
                }
            }
        }
        result.insert("system".into(), args.bool("system").into());
        let after = Accounts::load(ctx.os);
        if let Some(g) = after.group(&name) {
            result.insert("gid".into(), g.gid.into());
        } else if let Some(g) = gid {
            result.insert("gid".into(), g.into());
        }
        Ok(result)
    }
}
