use om_facts::report::{self, Options};

use crate::ExitStatus;
use crate::cli::FactsArgs;
use crate::output::{self, Printer};

pub(crate) fn run(args: FactsArgs) -> anyhow::Result<ExitStatus> {
    let tz = match args.tz.as_deref().map(output::facts::parse_tz).transpose() {
        Ok(tz) => tz,
        Err(err) => return Ok(output::toolkit_error(&err)),
    };
    let opts = Options {
        section: args.section,
        percpu: args.percpu,
        perdisk: args.perdisk,
        pernic: args.pernic,
        all_partitions: args.all_partitions,
        utmp: args.utmp,
    };
    let mut out = Printer::new();
    let samples = if args.interval.is_some() { args.count.max(1) } else { 1 };
    let mut previous = om_facts::cpu::cpu_times().ok();
    for i in 0..samples {
        if let Some(s) = args.interval {
            std::thread::sleep(std::time::Duration::from_secs_f64(s.max(0.01)));
        }
        let report = match report::collect(&opts) {
            Ok(r) => r,
            Err(err) => return Ok(output::toolkit_error(&anyhow::Error::new(err).context("cannot read the facts"))),
        };
        let percent = match (args.interval, &previous, &report.cpu) {
            (Some(_), Some(a), Some(b)) => Some(om_facts::cpu::percent_between(a, &b.times)),
            _ => None,
        };
        previous = report.cpu.as_ref().map(|c| c.times).or(previous);
        output::facts::print(&mut out, &report, percent, args.json, args.interval.is_some(), &args.strftime, tz)?;
        if i + 1 < samples && !args.json {
            out.line("")?;
        }
    }
    Ok(ExitStatus::Success)
}
