use anyhow::{Context, bail};
use hyper::Method;
use om_server::ApiClient;
use serde_json::{Value, json};

use crate::ExitStatus;
use crate::cli::{ActionArgs, ActionCommand};
use crate::output::Printer;
use crate::settings::runtime;

pub(crate) fn run(args: ActionArgs) -> anyhow::Result<ExitStatus> {
    let client = ApiClient::new(&args.remote.server, args.remote.token.clone())?;
    let json = args.remote.json;
    runtime()?.block_on(async move {
        let actions: Vec<Value> = client.json(Method::GET, "/api/v1/actions", None::<&()>).await?;
        let mut out = Printer::new();
        match args.command {
            ActionCommand::List => {
                if json {
                    out.json(&actions)?;
                } else {
                    for a in &actions {
                        let params: Vec<String> = a["params"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|p| format!("{}:{}", p["name"].as_str().unwrap_or_default(), p["type"].as_str().unwrap_or_default()))
                            .collect();
                        out.line(format!(
                            "{:>5}  {:<4} {:<28} {}",
                            a["id"],
                            a["group"].as_str().unwrap_or_default(),
                            a["name"].as_str().unwrap_or_default(),
                            params.join(" ")
                        ))?;
                    }
                }
                Ok(ExitStatus::Success)
            }
            ActionCommand::Run { action, servers, params, yes, no_follow } => {
                let by_id = action.parse::<i64>().ok();
                let found =
                    actions.iter().find(|a| (by_id.is_some() && a["id"].as_i64() == by_id) || a["name"].as_str() == Some(action.as_str()));
                let id = found
                    .and_then(|a| a["id"].as_i64())
                    .with_context(|| format!("no action `{action}`\n  hint: `om action list` shows them"))?;
                let mut map = serde_json::Map::new();
                for p in &params {
                    let (k, v) = p.split_once('=').with_context(|| format!("`{p}` is not NAME=VALUE"))?;
                    map.insert(k.to_string(), Value::from(v));
                }
                let body = json!({"action_id": id, "params": map, "targets": {"servers": servers}, "options": {"confirm": yes}});
                let launched: Value = client.json(Method::POST, "/api/v1/jobs", Some(&body)).await?;
                let job = launched["id"].as_i64().context("the platform answered without a job id")?;
                if no_follow {
                    if json {
                        out.json(&launched)?
                    } else {
                        out.line(format!("job {job} queued"))?
                    }
                    return Ok(ExitStatus::Success);
                }
                let mut finished: Option<Value> = None;
                client
                    .sse(&format!("/api/v1/jobs/{job}/events"), None, |_, kind, data| {
                        let ev: Value = serde_json::from_str(data).unwrap_or_default();
                        let _ = if json {
                            out.line(data)
                        } else {
                            match kind {
                                "output" => ev["data"]
                                    .as_str()
                                    .unwrap_or_default()
                                    .lines()
                                    .try_for_each(|l| out.line(format!("{} | {l}", ev["host"].as_str().unwrap_or_default()))),
                                "host_result" => out.line(format!(
                                    "{} => {} rc={}",
                                    ev["host"].as_str().unwrap_or_default(),
                                    ev["outcome"]["status"].as_str().unwrap_or_default(),
                                    ev["outcome"]["result"]["rc"]
                                )),
                                _ => Ok(()),
                            }
                        };
                        if kind == "job_finished" {
                            finished = Some(ev);
                            return false;
                        }
                        true
                    })
                    .await?;
                let Some(end) = finished else { bail!("the event stream of job {job} ended early; see `om jobs show {job}`") };
                if !json {
                    let c = &end["counts"];
                    out.line(format!(
                        "job {job} {}: ok={} changed={} failed={} unreachable={} lost={}",
                        end["status"].as_str().unwrap_or_default(),
                        c["ok"],
                        c["changed"],
                        c["failed"],
                        c["unreachable"],
                        c["lost"]
                    ))?;
                }
                Ok(match end["status"].as_str() {
                    Some("succeeded") => ExitStatus::Success,
                    _ if end["counts"]["unreachable"].as_i64().unwrap_or(0) > 0 => ExitStatus::Unreachable,
                    _ => ExitStatus::Failed,
                })
            }
        }
    })
}
