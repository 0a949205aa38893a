//! `script`: streams a local script to the host, runs it with its arguments, removes it.

use async_trait::async_trait;
use om_core::{HostError, Outcome};
use serde_json::Value;

use super::command::run_line;
use super::{Action, Ctx, q};
use crate::schema::Schema;

pub(crate) struct Script;

#[async_trait]
impl Action for Script {
    fn schema(&self) -> &'static Schema {
        &om_modules::commands::script::SCHEMA
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        let text = ctx.str("cmd").or(ctx.str("_raw_params")).unwrap_or_default().to_string();
        let words = shell_words::split(&text).map_err(|e| ctx.fail(format!("cannot split `{text}`: {e}")))?;
        let Some((local, args)) = words.split_first() else {
            return Ok(super::failed("no script given", super::result(false)));
        };
        let data = match tokio::fs::read(local).await {
            Ok(data) => data,
            Err(err) => {
                return Ok(super::failed(
                    format!("Could not find or access '{local}' on the Ansible Controller: {err}"),
                    super::result(false),
                ));
            }
        };
        let name = std::path::Path::new(local).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "script".into());
        let remote = format!("/tmp/.om-script-{:08x}-{name}", rand::random::<u32>());
        if !ctx.check {
            ctx.conn.put(&data, &remote, Some(0o700)).await?;
        }
        let run = match ctx.str("executable") {
            Some(exe) => format!("{} {}", q(exe), q(&remote)),
            None => q(&remote),
        };
        let line = std::iter::once(run).chain(args.iter().map(|a| q(a))).collect::<Vec<_>>().join(" ");
        let prelude = format!("trap 'rm -f {}' EXIT; ", remote.replace('\'', ""));
        run_line(ctx, Value::String(text), &prelude, line, true).await
    }
}
