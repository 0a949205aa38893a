//! `proc`: om's process management as a module (`om run web -m proc -a 'action=list'`): the
//! book's process examples, fleet-wide. `list`, `show`, `kill`, `affinity` (get or set).

use serde_json::Value;

use om_facts::process::{self, LIST_FIELDS, Process, ProcessInfo};

use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "proc",
    "List, inspect, signal processes and set their CPU affinity",
    &[
        Param::str("action").choices(&["list", "show", "kill", "affinity"]).default_str("list"),
        Param::int("pid"),
        Param::str("name"),
        Param::str("signal").default_str("TERM"),
        Param::str("cpus"),
        Param::list("fields"),
    ],
)
.required_if(&[("action", "show", &["pid"]), ("action", "affinity", &["pid"])])
.agent_only();

pub struct Proc;

fn to_value(info: &ProcessInfo) -> Value {
    serde_json::to_value(info).unwrap_or_default()
}

impl Module for Proc {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let fields_owned = args.list("fields");
        let fields: Vec<&str> =
            if fields_owned.is_empty() { LIST_FIELDS.to_vec() } else { fields_owned.iter().map(String::as_str).collect() };
        let pid = args.int("pid").map(|p| p as i32);
        let err = |e: om_facts::FactsError| Fail::new(e.to_string());
        match args.str("action").unwrap_or("list") {
            "list" => {
                let mut list = process::process_list(&fields);
                if let Some(name) = args.str("name") {
                    list.retain(|p| p.name.as_deref() == Some(name));
                }
                Ok(ret! {"changed" => false, "processes" => Value::Array(list.iter().map(to_value).collect())})
            }
            "show" => {
                let info = ProcessInfo::read(pid.unwrap_or(0), process::ALL_FIELDS).map_err(err)?;
                Ok(ret! {"changed" => false, "process" => to_value(&info)})
            }
            "kill" => {
                let signal = args.string("signal");
                let num = process::signal_number(&signal)
                    .ok_or_else(|| Fail::new(format!("unknown signal `{signal}`: use a number or TERM, KILL, HUP, INT, STOP, CONT…")))?;
                let targets: Vec<i32> = match (pid, args.str("name")) {
                    (Some(p), _) => vec![p],
                    (None, Some(n)) => {
                        process::process_list(&["name"]).into_iter().filter(|p| p.name.as_deref() == Some(n)).map(|p| p.pid).collect()
                    }
                    (None, None) => return Err(Fail::new("kill needs `pid` or `name`")),
                };
                if !ctx.check {
                    for p in &targets {
                        Process::new(*p).and_then(|p| p.send_signal(num)).map_err(err)?;
                    }
                }
                Ok(ret! {"changed" => !targets.is_empty(), "signal" => num, "pids" => targets})
            }
            _ => {
                let p = Process::new(pid.unwrap_or(0)).map_err(err)?;
                let before = p.cpu_affinity().map_err(err)?;
                let Some(spec) = args.str("cpus") else {
                    return Ok(ret! {"changed" => false, "pid" => p.pid(), "cpus" => before});
                };
                let wanted = om_facts::cpu::parse_cpu_list(spec);
                if wanted.is_empty() {
                    return Err(Fail::new(format!("`cpus` must list CPUs like `0,2-3`, got `{spec}`")));
                }
                let changed = wanted != before;
                if changed && !ctx.check {
                    p.set_cpu_affinity(&wanted).map_err(err)?;
                }
                Ok(
                    ret! {"changed" => changed, "pid" => p.pid(), "cpus" => wanted, "diff" => serde_json::json!({"before": {"cpus": before}, "after": {"cpus": args.string("cpus")}})},
                )
            }
        }
    }
}
