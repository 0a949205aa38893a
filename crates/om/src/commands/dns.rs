use std::time::Duration;

use anyhow::{Context, bail};
use om_net::dns::{self, Class, QueryOptions, RecordType, Status, rr_check};
use om_net::resolve::{Family, Resolver};

use crate::ExitStatus;
use crate::cli::{DnsArgs, DnsCommand, QueryArgs, RrCheckArgs};
use crate::output::Printer;

/// `verbose` is om's global `-v`, which also asks rr-check for its reasons (the spec's `-v`).
pub(crate) fn run(args: DnsArgs, verbose: u8) -> anyhow::Result<ExitStatus> {
    let rt = tokio::runtime::Runtime::new()?;
    match args.command {
        DnsCommand::Query(q) => rt.block_on(query(q)),
        DnsCommand::RrCheck(mut r) => {
            r.reasons |= verbose > 0;
            rt.block_on(check(r))
        }
    }
}

async fn query(q: QueryArgs) -> anyhow::Result<ExitStatus> {
    let mut out = Printer::new();
    let rtype = RecordType::parse(&q.rtype)
        .with_context(|| format!("`{}`: unknown record type (A, AAAA, MX, NS, CNAME, PTR, SOA, TXT, SRV)", q.rtype))?;
    let class = match q.class.to_ascii_uppercase().as_str() {
        "IN" => Class::IN,
        "CH" => Class::CH,
        "HS" => Class::HS,
        other => bail!("`{other}`: unknown class (IN, CH, HS)"),
    };
    let name = match (rtype, q.name.parse::<std::net::IpAddr>()) {
        (RecordType::PTR, Ok(ip)) => dns::reverse_name(ip),
        _ => q.name.clone(),
    };
    let mut options = QueryOptions::new(name, rtype);
    options.class = class;
    options.servers = q.server.iter().map(|s| dns::parse_server(s)).collect::<Result<_, _>>()?;
    (options.tcp, options.source, options.source_port) = (q.tcp, q.source, q.source_port);
    options.timeout = Duration::from_secs_f64(q.timeout);
    options.lifetime = Duration::from_secs_f64(q.lifetime);
    let mut report = dns::query(&options).await?;
    if q.zone
        && rtype == RecordType::NS
        && report.status == Status::NoAnswer
        && let Some(zone) = report.zone.clone()
    {
        options.name = zone;
        report = dns::query(&options).await?;
    }
    if q.json {
        out.json(&report)?;
    } else if !(q.allow_empty && report.status == Status::NoAnswer) {
        out.text(&dns::render_query(&report, q.full))?;
    }
    Ok(match report.status {
        Status::Answer => ExitStatus::Success,
        Status::NoAnswer if q.allow_empty => ExitStatus::Success,
        _ => ExitStatus::Error,
    })
}

pub(crate) fn status_range(text: &str) -> anyhow::Result<(u16, u16)> {
    let (lo, hi) = text.split_once('-').unwrap_or((text, text));
    Ok((
        lo.trim().parse().with_context(|| format!("`{text}`: not a status range like 200-399"))?,
        hi.trim().parse().with_context(|| format!("`{text}`: not a status range like 200-399"))?,
    ))
}

async fn check(r: RrCheckArgs) -> anyhow::Result<ExitStatus> {
    let mut out = Printer::new();
    let mut options = rr_check::RrCheckOptions::new(&r.domain);
    options.https = r.scheme == "https";
    (options.port, options.path, options.concurrency) = (r.port, r.path.clone(), r.concurrency);
    options.timeout = Duration::from_secs_f64(r.timeout);
    options.expect_status = status_range(&r.expect_status)?;
    options.expect_prefix = r.expect_prefix.map(String::into_bytes);
    options.expect_body = r.expect_body.as_deref().map(regex::Regex::new).transpose()?;
    options.family = match r.family.as_str() {
        "4" => Family::V4,
        "6" => Family::V6,
        "all" => Family::Any,
        other => bail!("`{other}`: --family is 4, 6 or all"),
    };
    if let Some(server) = &r.server {
        options.resolver = Resolver::with_server(dns::parse_server(server)?);
    }
    if let Some(path) = &r.cacert {
        options.tls_roots = om_net::probe::TlsRoots::Pem(std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?);
    }
    if r.book {
        options = options.book();
    }
    let report = rr_check::rr_check(&options).await;
    if r.json {
        out.json(&report)?
    } else {
        out.text(&rr_check::render(&report, r.reasons))?
    }
    use rr_check::RrState::{Degraded, DnsError, Down};
    Ok(match (r.nagios, report.state) {
        (false, rr_check::RrState::Ok) => ExitStatus::Success,
        (false, Degraded | Down) => ExitStatus::Error,
        (false, DnsError) => ExitStatus::Failed,
        (true, rr_check::RrState::Ok) => ExitStatus::Success,
        (true, Degraded) => ExitStatus::Error,
        (true, Down | DnsError) => ExitStatus::Failed,
    })
}
