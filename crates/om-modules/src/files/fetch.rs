//! `fetch`: the host sends a file back; the controller stores it as
//! `<dest>/<inventory_hostname>/<src path>` (or `<dest>` with `flat`) when it differs.
//!
//! The host side ([`Fetch`]) reads the file and sends it only when the controller's copy
//! (whose sha1 the controller passes as `_local_checksum`) differs; [`store`] is the
//! controller side.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{Args, Context, Fail, Module, ModuleOutput, Param, Schema, checksum, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "fetch",
    "Fetch files from remote nodes",
    &[
        Param::str("src").required(),
        Param::str("dest").required(),
        Param::bool("fail_on_missing", true),
        Param::bool("validate_checksum", true),
        Param::bool("flat", false),
        Param::str("_local_checksum"),
    ],
);

pub struct Fetch;

impl Module for Fetch {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let src = ctx.path(&args.string("src"));
        let missing = |msg: &str| -> Result<Vars, Fail> {
            let out = ret! {"changed" => false, "msg" => msg, "file" => src.to_string_lossy()};
            if args.bool("fail_on_missing") { Err(Fail::new(msg).with_all(out)) } else { Ok(out) }
        };
        match ctx.os.metadata(&src, true)? {
            None => return missing("the remote file does not exist, not transferring, ignored"),
            Some(m) if m.is_dir() => return missing("remote file is a directory, fetch cannot work on directories"),
            Some(_) => {}
        }
        let data = ctx.os.read(&src).map_err(|e| Fail::new(format!("unable to read the remote file: {e}")))?;
        let sum = checksum::sha1(&data);
        let sent = args.str("_local_checksum") != Some(sum.as_str());
        if sent {
            ctx.output = Some(data);
        }
        Ok(ret! {"changed" => false, "remote_checksum" => sum, "file" => src.to_string_lossy(), "sent" => sent})
    }
}

/// Where the controller keeps the fetched copy of `src` from `host`.
pub fn local_path(host: &str, src: &str, dest: &str, flat: bool) -> PathBuf {
    if flat {
        if dest.ends_with('/') {
            return Path::new(dest).join(Path::new(src).file_name().unwrap_or_default());
        }
        return PathBuf::from(dest);
    }
    Path::new(dest).join(host).join(src.trim_start_matches('/'))
}

/// The sha1 of the controller's current copy, to send as `_local_checksum`.
pub fn local_checksum(path: &Path) -> Option<String> {
    std::fs::read(path).ok().map(|d| checksum::sha1(&d))
}

/// The controller side: writes what the host sent and returns ansible-core's result.
pub fn store(host: &str, args: &Vars, output: ModuleOutput) -> Result<Vars, std::io::Error> {
    let mut result = output.result;
    if result.get("failed").and_then(Value::as_bool) == Some(true) || !result.contains_key("remote_checksum") {
        return Ok(result);
    }
    let s = |k: &str| args.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let flat = args.get("flat").and_then(crate::schema::to_bool).unwrap_or(false);
    let dest = local_path(host, &s("src"), &s("dest"), flat);
    let remote = result.get("remote_checksum").and_then(Value::as_str).unwrap_or_default().to_string();
    let changed = match output.data {
        Some(data) => {
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&dest, &data)?;
            true
        }
        None => false,
    };
    let local = local_checksum(&dest).unwrap_or_default();
    result.remove("sent");
    result.insert("changed".into(), changed.into());
    result.insert("checksum".into(), local.clone().into());
    result.insert("dest".into(), dest.to_string_lossy().into());
    if local != remote {
        result.insert("failed".into(), true.into());
        result.insert("msg".into(), "checksum mismatch".into());
    }
    if let Ok(data) = std::fs::read(&dest) {
        result.insert("md5sum".into(), checksum::digest("md5", &data).unwrap_or_default().into());
    }
    Ok(result)
}
