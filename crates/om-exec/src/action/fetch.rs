//! `fetch`: brings a file from the host to `<dest>/<host>/<remote path>` (or `dest` with
//! `flat=yes`), only when the local copy differs, and checks the sha1 afterwards.

use std::path::PathBuf;

use async_trait::async_trait;
use om_core::{HostError, Outcome};
use serde_json::Value;

use super::{Action, Ctx, q, result, sha1_hex};
use crate::schema::Schema;

pub(crate) struct Fetch;

#[async_trait]
impl Action for Fetch {
    fn schema(&self) -> &'static Schema {
        &om_modules::files::fetch::SCHEMA
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        let src = ctx.str("src").unwrap_or_default().to_string();
        let dest = ctx.str("dest").unwrap_or_default();
        let local: PathBuf = if ctx.flag("flat") {
            if dest.ends_with('/') {
                PathBuf::from(dest).join(std::path::Path::new(&src).file_name().unwrap_or_default())
            } else {
                PathBuf::from(dest)
            }
        } else {
            PathBuf::from(dest).join(ctx.name()).join(src.trim_start_matches('/'))
        };
        let out = ctx.probe(format!("sha1sum -- {} | cut -d' ' -f1", q(&src))).await?;
        let remote_sum = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.rc != Some(0) || remote_sum.is_empty() {
            let msg = format!("the remote file does not exist, not transferring, ignored: {src}");
            let mut r = result(false);
            r.insert("file".into(), src.into());
            if ctx.flag("fail_on_missing") {
                return Ok(super::failed(msg, r));
            }
            r.insert("msg".into(), msg.into());
            return Ok(super::outcome(false, r));
        }
        let local_sum = std::fs::read(&local).ok().map(|d| sha1_hex(&d));
        let mut r = result(false);
        r.insert("dest".into(), local.display().to_string().into());
        r.insert("remote_checksum".into(), remote_sum.clone().into());
        r.insert("checksum".into(), remote_sum.clone().into());
        r.insert("remote_md5sum".into(), Value::Null);
        if local_sum.as_deref() == Some(remote_sum.as_str()) {
            return Ok(super::outcome(false, r));
        }
        r.insert("changed".into(), true.into());
        if ctx.check {
            return Ok(super::outcome(true, r));
        }
        let data = if ctx.escalation.is_some() {
            let out = ctx.probe(format!("cat -- {}", q(&src))).await?;
            out.stdout
        } else {
            ctx.conn.get(&src).await?
        };
        let got = sha1_hex(&data);
        if ctx.flag("validate_checksum") && got != remote_sum {
            return Ok(super::failed(format!("checksum mismatch: the host has {remote_sum}, the transfer gave {got}"), r));
        }
        let write = || -> std::io::Result<()> {
            if let Some(dir) = local.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = local.with_extension(format!("om-tmp-{:08x}", rand::random::<u32>()));
            std::fs::write(&tmp, &data)?;
            std::fs::rename(&tmp, &local)
        };
        if let Err(err) = write() {
            return Ok(super::failed(format!("cannot write {}: {err}", local.display()), r));
        }
        r.insert("md5sum".into(), Value::Null);
        Ok(super::outcome(true, r))
    }
}
