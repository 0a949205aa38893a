use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use om_net::Lang;
use om_net::probe::{self, DnsCache, HttpOptions, TlsRoots};

use crate::ExitStatus;
use crate::cli::{HttpArgs, HttpCommand, ProbeArgs, ProbeCmdArgs, ProbeCommand};
use crate::output::Printer;

pub(crate) fn run(args: HttpArgs) -> anyhow::Result<ExitStatus> {
    let HttpCommand::Probe(p) = args.command;
    tokio::runtime::Runtime::new()?.block_on(http_probe(p))
}

fn sink(path: &std::path::Path, files: &mut Vec<(std::path::PathBuf, Arc<Mutex<std::fs::File>>)>) -> anyhow::Result<probe::http::Callback> {
    let file = match files.iter().find(|(p, _)| p == path) {
        Some((_, f)) => f.clone(),
        None => {
            let f = Arc::new(Mutex::new(std::fs::File::create(path).with_context(|| format!("cannot write `{}`", path.display()))?));
            files.push((path.to_owned(), f.clone()));
            f
        }
    };
    Ok(Arc::new(move |bytes: &[u8]| {
        if let Ok(mut f) = file.lock() {
            let _ = f.write_all(bytes);
        }
    }))
}

async fn http_probe(a: ProbeArgs) -> anyhow::Result<ExitStatus> {
    let mut out = Printer::new();
    let lang = if a.lang == "zh" { Lang::Zh } else { Lang::En };
    if a.max_redirs != 5 && !a.follow {
        tracing::warn!("--max-redirs has no effect without --follow");
    }
    if a.insecure {
        tracing::warn!("--insecure: certificates are not checked");
    }
    let mut files = Vec::new();
    let mut base = HttpOptions::new("");
    base.connect_timeout = Duration::from_secs_f64(a.connect_timeout);
    base.timeout = (a.timeout > 0.0).then(|| Duration::from_secs_f64(a.timeout));
    base.forbid_reuse = !a.reuse;
    (base.follow, base.max_redirs, base.fresh_connect, base.dns_cache_timeout, base.insecure) =
        (a.follow, a.max_redirs, a.fresh_connect, a.dns_cache_timeout, a.insecure);
    base.user_agent = a.user_agent.clone().unwrap_or(base.user_agent);
    base.expect_status = super::dns::status_range(&a.expect_status)?;
    base.expect_body = a.expect_body.as_deref().map(regex::Regex::new).transpose()?;
    base.keep_body = if base.expect_body.is_some() { 1 << 20 } else { 0 };
    base.headers = a
        .headers
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .with_context(|| format!("`{h}`: a header is `Name: value`"))
        })
        .collect::<anyhow::Result<_>>()?;
    if let Some(server) = &a.dns_server {
        base.resolver = om_net::resolve::Resolver::with_server(om_net::dns::parse_server(server)?);
    }
    if let Some(path) = &a.cacert {
        base.tls_roots = TlsRoots::Pem(std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?);
    }
    if let Some(p) = &a.dump_header {
        base.on_header = Some(sink(p, &mut files)?);
    }
    if let Some(p) = &a.output {
        base.on_body = Some(sink(p, &mut files)?);
    }
    let mut all_ok = true;
    let mut reports = Vec::new();
    let mut cache = DnsCache::default();
    for round in 0..a.count.max(1) {
        if round > 0 {
            tokio::time::sleep(Duration::from_secs_f64(a.interval)).await;
        }
        let mut round_options = Vec::new();
        for url in &a.urls {
            let mut options = base.clone();
            options.url = url.clone();
            for r in &a.resolve {
                let parts: Vec<&str> = r.splitn(3, ':').collect();
                let [host, port, addr] = parts[..] else { bail!("`{r}`: --resolve is HOST:PORT:ADDR") };
                let parsed = probe::Url::parse(url)?;
                if parsed.host == host && parsed.port.to_string() == port {
                    options.connect_to =
                        Some(addr.trim_matches(|c| c == '[' || c == ']').parse().with_context(|| format!("`{addr}`: not an address"))?);
                }
            }
            round_options.push(options);
        }
        let round_reports = if a.concurrency > 1 && round_options.len() > 1 {
            // Each concurrent probe keeps its own DNS cache; reports stay in URL order.
            let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(a.concurrency));
            let tasks: Vec<_> = round_options
                .into_iter()
                .map(|o| {
                    let limit = limit.clone();
                    tokio::spawn(async move {
                        let _permit = limit.acquire_owned().await;
                        probe::http::probe(&o, &mut DnsCache::default()).await
                    })
                })
                .collect();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await??);
            }
            out
        } else {
            let mut out = Vec::new();
            for o in &round_options {
                out.push(probe::http::probe(o, &mut cache).await?);
            }
            out
        };
        for report in round_reports {
            all_ok &= report.ok();
            if a.jsonl {
                out.json_line(&report)?;
            } else if !a.json {
                out.text(&probe::render_http(&report, lang))?;
            }
            reports.push(report);
        }
    }
    if a.json {
        if reports.len() == 1 { out.json(&reports[0])? } else { out.json(&reports)? }
    }
    Ok(if all_ok { ExitStatus::Success } else { ExitStatus::Error })
}

pub(crate) fn run_probe(args: ProbeCmdArgs) -> anyhow::Result<ExitStatus> {
    let rt = tokio::runtime::Runtime::new()?;
    let mut out = Printer::new();
    match args.command {
        ProbeCommand::Tcp { host, port, timeout, json } => {
            let r = rt.block_on(probe::tcp_probe(&host, port, Duration::from_secs_f64(timeout), &Default::default()));
            if json {
                out.json(&r)?;
            } else {
                match &r.error {
                    None => out.line(format!("{} connected in {:.2} ms", r.target, r.connect_us as f64 / 1000.0))?,
                    Some(e) => out.line(format!("{} connection error: {e}", r.target))?,
                }
            }
            Ok(if r.error.is_none() { ExitStatus::Success } else { ExitStatus::Error })
        }
        ProbeCommand::Icmp { host, count, timeout, json } => {
            let addr = rt.block_on(om_net::resolve::Resolver::default().lookup(&host))?[0];
            let r = rt.block_on(probe::icmp::echo(addr, Duration::from_secs_f64(timeout), count))?;
            if json {
                out.json(&r)?;
            } else {
                for rtt in &r.rtt_us {
                    out.line(format!("reply from {addr}: time={:.3} ms", *rtt as f64 / 1000.0))?;
                }
                out.line(format!("{} packets transmitted, {} received", r.sent, r.received))?;
            }
            Ok(if r.received > 0 { ExitStatus::Success } else { ExitStatus::Error })
        }
    }
}
