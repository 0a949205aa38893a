use anyhow::Context;
use om_net::scan::{self, Discovery, ScanOptions, Timing, baseline};

use crate::ExitStatus;
use crate::cli::{ScanArgs, ScanFormat};
use crate::output::Printer;

pub(crate) fn run(mut args: ScanArgs) -> anyhow::Result<ExitStatus> {
    let mut out = Printer::new();
    if args.interactive {
        let line = crate::output::prompt("Please input hosts and port: ")?;
        let Some((hosts, ports)) = line.rsplit_once(' ') else {
            out.line("Input error, example: 192.168.1.0/24 80,443,22")?;
            return Ok(ExitStatus::Failed);
        };
        (args.targets, args.ports) = (vec![hosts.to_owned()], ports.to_owned());
    }
    let mut text = args.targets.join(" ");
    if let Some(path) = &args.input_list {
        let list = if path.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin())?
        } else {
            std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))?
        };
        text = format!("{text} {}", list.lines().map(|l| l.split('#').next().unwrap_or_default()).collect::<Vec<_>>().join(" "));
    }
    let mut options = ScanOptions::new(scan::parse_targets(&text)?, scan::parse_ports(&args.ports)?);
    options.exclude = match &args.exclude {
        Some(e) => scan::parse_targets(e)?,
        None => Vec::new(),
    };
    options.discovery = match (args.no_ping, args.ping_echo, &args.ping_syn) {
        (true, _, _) => Discovery::Skip,
        (_, true, _) => Discovery::Echo,
        (_, _, Some(p)) => Discovery::TcpPorts(scan::parse_ports(p)?),
        _ => Discovery::Default,
    };
    options.discovery_only = args.discovery_only;
    let raw = scan::syn::available();
    options.technique = match (args.connect, args.syn) {
        (true, _) => scan::Technique::Connect,
        (_, true) if !raw => {
            anyhow::bail!("-sS needs raw sockets (CAP_NET_RAW)\n  hint: run as root, `setcap cap_net_raw+ep` on om, or use -sT")
        }
        (_, true) => scan::Technique::Syn,
        _ if raw => scan::Technique::Syn,
        _ => scan::Technique::Connect,
    };
    options.timing = Timing { max_parallelism: args.max_parallelism, ..Timing::template(args.timing) };
    options.timing.max_retries = args.max_retries.unwrap_or(options.timing.max_retries);
    if let Some(t) = args.host_timeout {
        options.timing.host_timeout = Some(std::time::Duration::from_secs_f64(t));
    }
    options.max_rate = args.max_rate;
    options.min_rate = args.min_rate;
    options.resolve_names = !args.no_dns;
    if let Some(server) = &args.dns_server {
        options.resolver = om_net::resolve::Resolver::with_server(om_net::dns::parse_server(server)?);
    }
    options.args = std::env::args().collect::<Vec<_>>().join(" ");
    let report = tokio::runtime::Runtime::new()?.block_on(scan::scan(&options))?;

    let policy = args.baseline.as_deref().map(baseline::Policy::load).transpose()?;
    let previous: Option<baseline::State> = match &args.state {
        Some(p) if p.exists() => {
            Some(serde_json::from_str(&std::fs::read_to_string(p)?).with_context(|| format!("`{}` is not a state file", p.display()))?)
        }
        _ => None,
    };
    let deviations = (policy.is_some() || previous.is_some()).then(|| baseline::check(&report, policy.as_ref(), previous.as_ref()));
    if let Some(p) = &args.state {
        std::fs::write(p, serde_json::to_string_pretty(&baseline::state_of(&report))?)
            .with_context(|| format!("cannot write `{}`", p.display()))?;
    }
    if let Some(p) = &args.normal_file {
        std::fs::write(p, scan::render::normal(&report, false)).with_context(|| format!("cannot write `{}`", p.display()))?;
    }
    match args.xml_file.as_deref() {
        Some(p) if p.as_os_str() == "-" => out.text(&scan::render::xml(&report))?,
        Some(p) => std::fs::write(p, scan::render::xml(&report)).with_context(|| format!("cannot write `{}`", p.display()))?,
        None if args.jsonl => {
            for host in &report.hosts {
                out.json_line(host)?;
            }
            out.json_line(&serde_json::json!({ "summary": { "hosts_up": report.hosts_up, "hosts_down": report.hosts_down, "elapsed_s": report.elapsed_s, "probes_sent": report.probes_sent }, "baseline": deviations }))?;
        }
        None if args.json || args.format == ScanFormat::Json => out.json(&serde_json::json!({ "scan": report, "baseline": deviations }))?,
        None if args.format == ScanFormat::Book => out.text(&scan::render::book(&report))?,
        None => out.text(&scan::render::normal(&report, false))?,
    }
    if let Some(d) = &deviations
        && !(args.json || args.jsonl || args.format == ScanFormat::Json)
    {
        out.text(&baseline::render(d))?;
    }
    Ok(if deviations.is_some_and(|d| !d.clean()) { ExitStatus::Error } else { ExitStatus::Success })
}
