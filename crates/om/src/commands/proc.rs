use om_facts::process::{self, Process, ProcessInfo};

use crate::ExitStatus;
use crate::cli::{ProcArgs, ProcCommand, ProcSort};
use crate::output::{self, Printer};

pub(crate) fn run(args: ProcArgs) -> anyhow::Result<ExitStatus> {
    let mut out = Printer::new();
    let result: anyhow::Result<()> = (|| match args.command {
        ProcCommand::List { name, sort, top } => {
            let mut list = process::process_list(process::LIST_FIELDS);
            if let Some(n) = &name {
                list.retain(|p| p.name.as_deref() == Some(n.as_str()));
            }
            let cpu = |p: &ProcessInfo| p.cpu_times.map(|t| t.user + t.system).unwrap_or(0.0);
            match sort {
                ProcSort::Pid => {}
                ProcSort::Cpu => list.sort_by(|a, b| cpu(b).total_cmp(&cpu(a))),
                ProcSort::Rss => list.sort_by_key(|p| std::cmp::Reverse(p.memory_info.map(|m| m.rss).unwrap_or(0))),
                ProcSort::Name => list.sort_by(|a, b| a.name.cmp(&b.name)),
            }
            list.truncate(top.unwrap_or(usize::MAX));
            output::proc::list(&mut out, &list, args.json)
        }
        ProcCommand::Show { pid } => output::proc::show(&mut out, &ProcessInfo::read(pid, process::ALL_FIELDS)?, args.json),
        ProcCommand::Kill { pids, signal } => {
            let num = process::signal_number(&signal)
                .ok_or_else(|| anyhow::anyhow!("unknown signal `{signal}`\n  hint: use a number or TERM, KILL, HUP, INT, STOP, CONT"))?;
            for pid in &pids {
                Process::new(*pid).and_then(|p| p.send_signal(num))?;
            }
            output::proc::killed(&mut out, &pids, num, args.json)
        }
        ProcCommand::Affinity { pid, set } => {
            let p = Process::new(pid)?;
            if let Some(spec) = set {
                let cpus = om_facts::cpu::parse_cpu_list(&spec);
                anyhow::ensure!(!cpus.is_empty(), "`{spec}` names no CPUs\n  hint: list CPUs like 0,2-3");
                p.set_cpu_affinity(&cpus)?;
            }
            output::proc::affinity(&mut out, pid, &p.cpu_affinity()?, args.json)
        }
        ProcCommand::Spawn { argv } => output::proc::spawned(&mut out, &process::spawn(&argv)?, args.json),
    })();
    Ok(match result {
        Ok(()) => ExitStatus::Success,
        Err(err) if output::is_broken_pipe(&err) => ExitStatus::Success,
        Err(err) => output::toolkit_error(&err),
    })
}
