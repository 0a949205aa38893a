//! Native modules (om-modules): checked and changed on the host in one call through
//! [`om_core::Connection::call_module`] — `om-agent` over SSH, in-process for `local`. The
//! controller's share stays here: `template` is rendered from the controller's file,
//! `unarchive` reads the controller's archive, and `setup` results are plain facts.

use std::sync::OnceLock;

use async_trait::async_trait;
use om_core::{HostError, ModuleCall, Outcome, Phase, Status, Vars};
use serde_json::Value;

use super::{Action, Ctx};
use crate::schema::Schema;
use crate::template;

/// One native module as an action.
pub(crate) struct Native {
    module: &'static dyn om_modules::Module,
}

/// Every native module the executor has no controller-side action for.
pub(crate) fn all() -> &'static [Native] {
    static ALL: OnceLock<Vec<Native>> = OnceLock::new();
    ALL.get_or_init(|| om_modules::registry::MODULES.iter().map(|m| Native { module: *m }).collect())
}

/// A module result as an outcome: failed, skipped, changed or ok, as the result says.
pub(crate) fn outcome_of(result: Vars) -> Outcome {
    let flag = |k: &str| result.get(k).and_then(Value::as_bool).unwrap_or(false);
    let status = if flag("failed") {
        Status::Failed
    } else if flag("skipped") {
        Status::Skipped
    } else if flag("changed") {
        Status::Changed
    } else {
        Status::Ok
    };
    Outcome::new(status, result)
}

fn read_local(ctx: &Ctx<'_>, what: &str, path: &str) -> Result<Vec<u8>, HostError> {
    std::fs::read(path)
        .map_err(|e| HostError::new(ctx.name(), Phase::Module, format!("could not read the {what} `{path}` on the controller: {e}")))
}

#[async_trait]
impl Action for Native {
    fn schema(&self) -> &'static Schema {
        self.module.schema()
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        let module = self.module.schema().module;
        let mut args = ctx.args.clone();
        let mut input: Option<Vec<u8>> = None;
        match module {
            "template" if ctx.rendered.is_some() => input = ctx.rendered.clone(),
            "template" => {
                let src = ctx.str("src").unwrap_or_default().to_string();
                let text = String::from_utf8_lossy(&read_local(ctx, "template", &src)?).into_owned();
                let vars = template::host_context(ctx.host);
                let rendered =
                    template::render(&text, &vars).map_err(|e| HostError::new(ctx.name(), Phase::Module, format!("{src}: {e}")))?;
                let newline = ctx.str("newline_sequence").unwrap_or("\n");
                let rendered = if newline == "\n" { rendered } else { rendered.replace('\n', newline) };
                input = Some(rendered.into_bytes());
            }
            "unarchive" if !ctx.flag("remote_src") && args.get("copy").and_then(Value::as_bool) != Some(false) => {
                let src = ctx.str("src").unwrap_or_default().to_string();
                input = Some(read_local(ctx, "archive", &src)?);
            }
            _ => {}
        }
        if module == "template" {
            args.entry("_original_basename")
                .or_insert_with(|| Value::from(ctx.str("src").unwrap_or_default().rsplit('/').next().unwrap_or_default()));
        }
        let call = ModuleCall {
            module,
            args: &args,
            check: ctx.check,
            diff: ctx.diff,
            input: input.as_deref(),
            escalation: ctx.escalation.as_ref(),
            environment: &ctx.environment,
            on_output: ctx.output,
            job: None,
        };
        if let Some(bg) = ctx.background {
            return crate::jobs::start_module(ctx, call, bg).await;
        }
        let reply = ctx.conn.call_module(call).await?;
        Ok(outcome_of(reply.result))
    }
}
