use anyhow::Context;
use om_net::ip::{self, IpNet, MakeNet, ParseOptions, ShowMode};

use crate::ExitStatus;
use crate::cli::{ConvertTo, IpArgs, IpCommand, IpParseArgs};
use crate::output::Printer;

fn parse(text: &str, args: IpParseArgs) -> anyhow::Result<IpNet> {
    let make_net = if args.make_net { MakeNet::Lenient } else { MakeNet::Strict };
    Ok(IpNet::parse_with(text, ParseOptions { make_net, force_v6: args.v6 })?)
}

fn found(yes: bool) -> ExitStatus {
    if yes { ExitStatus::Success } else { ExitStatus::Error }
}

pub(crate) fn run(args: IpArgs) -> anyhow::Result<ExitStatus> {
    let mut out = Printer::new();
    match args.command {
        IpCommand::Info { mut addresses, interactive, parse: p } => {
            if interactive {
                addresses = vec![crate::output::prompt("Please input an IP or net-range: ")?];
            }
            let infos = addresses.iter().map(|a| Ok(ip::info(a, &parse(a, p)?))).collect::<anyhow::Result<Vec<_>>>()?;
            match (p.json, infos.as_slice()) {
                (true, [one]) => out.json(one)?,
                (true, _) => out.json(&infos)?,
                (false, _) => infos.iter().try_for_each(|i| out.text(&ip::render_info(i)))?,
            }
        }
        IpCommand::Contains { net, item, parse: p } => {
            let yes = parse(&net, p)?.contains(&parse(&item, p)?);
            if p.json {
                out.json(&serde_json::json!({ "net": net, "item": item, "contains": yes }))?
            } else {
                out.line(yes)?
            }
            return Ok(found(yes));
        }
        IpCommand::Overlaps { a, b, parse: p } => {
            let n = parse(&a, p)?.overlaps(&parse(&b, p)?);
            if p.json {
                out.json(&serde_json::json!({ "a": a, "b": b, "overlaps": n }))?
            } else {
                out.line(n)?
            }
            return Ok(found(n != 0));
        }
        IpCommand::List { net, limit, parse: p } => {
            let net = parse(&net, p)?;
            let all = net.iter().take(limit.map_or(usize::MAX, |l| l as usize));
            if p.json { out.json(&all.collect::<Vec<_>>())? } else { all.into_iter().try_for_each(|a| out.line(a))? }
        }
        IpCommand::Convert { address, to, parse: p } => {
            let a = parse(&address, p)?;
            let text = match to {
                ConvertTo::Int => a.to_dec(),
                ConvertTo::Hex => a.to_hex(),
                ConvertTo::Bin => a.to_bin(),
            };
            if p.json { out.json(&serde_json::json!({ "address": a, "value": text }))? } else { out.line(text)? }
        }
        IpCommand::Split { net, prefix, parse: p } => {
            let parts: Vec<IpNet> = parse(&net, p)?.split(prefix)?.take(1 << 20).collect();
            if p.json { out.json(&parts)? } else { parts.iter().try_for_each(|n| out.line(n))? }
        }
        IpCommand::Summarize { nets, parse: p } => {
            let options = ParseOptions { make_net: if p.make_net { MakeNet::Lenient } else { MakeNet::Strict }, force_v6: p.v6 };
            let mut blocks = Vec::new();
            for n in &nets {
                blocks.extend(ip::parse_blocks(n, options)?);
            }
            let nets = blocks;
            let merged = ip::summarize(&nets);
            if p.json { out.json(&merged)? } else { merged.iter().try_for_each(|n| out.line(n))? }
        }
        IpCommand::Show { net, mode, parse: p } => {
            let n = parse(&net, p)?;
            let text = match mode {
                Some(m) => n.to_string_mode(ShowMode::from_number(m).context("mode is 0-3")?),
                None => n.to_string(),
            };
            if p.json { out.json(&serde_json::json!({ "input": net, "mode": mode, "text": text }))? } else { out.line(text)? }
        }
    }
    Ok(ExitStatus::Success)
}
