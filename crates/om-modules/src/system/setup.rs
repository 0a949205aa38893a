//! `setup`: ansible-core's facts (PLAY-40), local facts (PLAY-41), `gather_subset` and
//! `filter`, never changed.

use std::time::Duration;

use serde_json::Value;

use crate::os::OsSource;
use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "setup",
    "Gathers facts about remote hosts",
    &[
        Param::list("gather_subset").default_str("all"),
        Param::int("gather_timeout").default_int(10),
        Param::list("filter"),
        Param::path("fact_path").default_str("/etc/ansible/facts.d"),
    ],
);

pub struct Setup;

impl Module for Setup {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let opts = om_facts::ansible::Options {
            gather_subset: match args.list("gather_subset") {
                l if l.is_empty() => vec!["all".into()],
                l => l,
            },
            filter: args.list("filter"),
            fact_path: ctx.path(&args.string("fact_path")).to_string_lossy().into_owned(),
        };
        let _timeout = Duration::from_secs(args.int("gather_timeout").unwrap_or(10).max(1) as u64);
        let (facts, warnings) = match ctx.os.live_facts() {
            Some(live) => om_facts::ansible::gather(live, &opts),
            None => om_facts::ansible::gather(&OsSource { os: ctx.os }, &opts),
        }
        .map_err(|e| Fail::new(e.to_string()))?;
        for w in warnings {
            ctx.warn(w);
        }
        Ok(ret! {"changed" => false, "ansible_facts" => Value::Object(facts)})
    }
}
