//! `copy`: the controller reads `src` (or takes `content`) and the host's native `copy`
//! module (om-agent, or plain shell where the agent cannot run) compares checksums, writes
//! atomically and sets attributes, in one call. A directory `src` becomes one call per file
//! and directory, as ansible-core's action plugin does; `remote_src` copies on the host.

use async_trait::async_trait;
use om_core::{HostError, ModuleCall, Outcome, Vars};
use serde_json::Value;

use super::{Action, Ctx, native, result};
use crate::schema::Schema;

pub(crate) struct Copy;

async fn call(ctx: &Ctx<'_>, module: &str, args: &Vars, input: Option<&[u8]>) -> Result<Vars, HostError> {
    let call = ModuleCall {
        module,
        args,
        check: ctx.check,
        diff: ctx.diff,
        input,
        escalation: ctx.escalation.as_ref(),
        environment: &ctx.environment,
        on_output: ctx.output,
        job: None,
    };
    Ok(ctx.conn.call_module(call).await?.result)
}

#[async_trait]
impl Action for Copy {
    fn schema(&self) -> &'static Schema {
        &om_modules::files::copy::SCHEMA
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        let mut args = ctx.args.clone();
        let data = match (ctx.args.get("content"), ctx.str("src")) {
            (Some(Value::String(s)), _) => s.clone().into_bytes(),
            (Some(other), _) => serde_json::to_vec(other).unwrap_or_default(),
            (None, Some(_)) if ctx.flag("remote_src") => return Ok(native::outcome_of(call(ctx, "copy", &args, None).await?)),
            (None, Some(src)) => match tokio::fs::read(src).await {
                Ok(data) => {
                    let name = std::path::Path::new(src).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    args.insert("_original_basename".into(), name.into());
                    data
                }
                Err(err) if err.kind() == std::io::ErrorKind::IsADirectory => return copy_tree(ctx, src).await,
                Err(err) => {
                    return Ok(super::failed(format!("Could not find or access '{src}' on the Ansible Controller: {err}"), result(false)));
                }
            },
            (None, None) => return Ok(super::failed("src (or content) is required", result(false))),
        };
        args.remove("content");
        Ok(native::outcome_of(call(ctx, "copy", &args, Some(&data)).await?))
    }
}

/// A controller directory: its directories with `file`, its files with `copy`.
async fn copy_tree(ctx: &Ctx<'_>, src: &str) -> Result<Outcome, HostError> {
    let dest = ctx.str("dest").unwrap_or_default().to_string();
    let follow = ctx.args.get("local_follow").and_then(Value::as_bool).unwrap_or(true);
    let items = match om_modules::files::copy::plan_local(std::path::Path::new(src), &dest, follow) {
        Ok(items) => items,
        Err(err) => {
            return Ok(super::failed(format!("Could not read the directory '{src}' on the Ansible Controller: {err}"), result(false)));
        }
    };
    let mut changed = false;
    for item in items {
        let r = match item {
            om_modules::files::copy::LocalItem::Dir { dest } => {
                let mut a = Vars::new();
                a.insert("path".into(), dest.into());
                a.insert("state".into(), "directory".into());
                if let Some(m) = ctx.args.get("directory_mode") {
                    a.insert("mode".into(), m.clone());
                }
                for k in ["owner", "group"] {
                    if let Some(v) = ctx.args.get(k) {
                        a.insert(k.into(), v.clone());
                    }
                }
                call(ctx, "file", &a, None).await?
            }
            om_modules::files::copy::LocalItem::File { src: file, dest, mode } => {
                let data = tokio::fs::read(&file)
                    .await
                    .map_err(|e| HostError::new(ctx.name(), om_core::Phase::Transfer, format!("cannot read `{}`: {e}", file.display())))?;
                let mut a = ctx.args.clone();
                a.remove("src");
                a.insert("dest".into(), dest.into());
                a.entry("mode").or_insert_with(|| format!("{mode:04o}").into());
                call(ctx, "copy", &a, Some(&data)).await?
            }
        };
        if r.get("failed").and_then(Value::as_bool) == Some(true) {
            return Ok(native::outcome_of(r));
        }
        changed |= r.get("changed").and_then(Value::as_bool) == Some(true);
    }
    let mut r = result(changed);
    r.insert("dest".into(), dest.into());
    r.insert("src".into(), src.into());
    Ok(super::outcome(changed, r))
}
