use std::time::Duration;

use anyhow::{Context, bail};
use om_net::trace::{self, End, Proto, TraceOptions, graph};

use crate::ExitStatus;
use crate::cli::TraceArgs;
use crate::output::Printer;

pub(crate) fn run(a: TraceArgs) -> anyhow::Result<ExitStatus> {
    let mut out = Printer::new();
    let targets = if a.interactive {
        crate::output::prompt("Please input one or more IP/domain: ")?.split_whitespace().map(str::to_owned).collect()
    } else {
        a.targets.clone()
    };
    let mut options = TraceOptions::new(targets);
    options.ports = a.ports.clone();
    options.proto = match a.proto.as_str() {
        "icmp" => Proto::Icmp,
        "udp" => Proto::Udp,
        _ => Proto::Tcp,
    };
    (options.min_ttl, options.max_ttl, options.retry, options.sport, options.rate) = (a.min_ttl, a.max_ttl, a.retry, a.sport, a.rate);
    options.timeout = Duration::from_secs_f64(a.timeout);
    if let Some(server) = &a.dns_server {
        options.resolver = om_net::resolve::Resolver::with_server(om_net::dns::parse_server(server)?);
    }
    let report = tokio::runtime::Runtime::new()?.block_on(trace::trace(&options))?;
    if let Some(path) = &a.graph {
        let g = graph::build(&report);
        let asn = a.asn_db.as_deref().map(graph::AsnDb::load);
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some("dot") | Some("gv") => graph::to_dot(&g, asn.as_ref()),
            Some("svg") => graph::to_svg(&g),
            _ => bail!("`{}`: the graph file must end in .dot or .svg", path.display()),
        };
        std::fs::write(path, text).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if a.json {
        out.json(&report)?
    } else {
        out.text(&trace::render_table(&report))?
    }
    let all = report.unresolved.is_empty() && report.flows.iter().all(|f| f.end != End::Unanswered);
    Ok(if all { ExitStatus::Success } else { ExitStatus::Error })
}
