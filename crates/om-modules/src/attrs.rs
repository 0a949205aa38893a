//! Owner, group and mode of a file, as every file module sets them (ansible-core's
//! `set_fs_attributes_if_different`), and the path facts they return (`add_path_info`).

use std::path::Path;

use serde_json::Value;

use crate::mode::{self, ModeSpec};
use crate::os::{Accounts, Meta};
use crate::{Args, Context, Fail};
use om_core::Vars;

/// The `owner`, `group` and `mode` arguments of a file module.
#[derive(Debug, Clone, Default)]
pub struct FileAttrs {
    pub owner: Option<String>,
    pub group: Option<String>,
    pub mode: Option<Value>,
}

impl FileAttrs {
    pub fn from_args(args: &Args) -> Self {
        Self {
            owner: args.str("owner").map(str::to_string),
            group: args.str("group").map(str::to_string),
            mode: args.value("mode").cloned(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.owner.is_none() && self.group.is_none() && self.mode.is_none()
    }
}

/// Before and after values of a state change, as `-D` shows them.
#[derive(Debug, Clone, Default)]
pub struct StateDiff {
    pub before: Vars,
    pub after: Vars,
}

impl StateDiff {
    pub fn record(&mut self, key: &str, before: impl Into<Value>, after: impl Into<Value>) {
        self.before.insert(key.to_string(), before.into());
        self.after.insert(key.to_string(), after.into());
    }

    pub fn to_value(&self, path: &Path) -> Value {
        let mut before = Vars::from_iter([("path".to_string(), Value::from(path.to_string_lossy()))]);
        before.extend(self.before.clone());
        let mut after = Vars::from_iter([("path".to_string(), Value::from(path.to_string_lossy()))]);
        after.extend(self.after.clone());
        serde_json::json!({ "before": before, "after": after })
    }
}

/// The mode a spec gives `path` now; warnings (MOD-2) go to the context.
pub fn wanted_mode(ctx: &mut Context<'_>, spec: &Value, current: Option<&Meta>) -> Result<u32, Fail> {
    let (spec, warning) = mode::parse(spec).map_err(Fail::new)?;
    if let Some(w) = warning {
        ctx.warn(w);
    }
    Ok(match (&spec, current) {
        (ModeSpec::Bits(b), _) => *b,
        (ModeSpec::Symbolic(_), Some(m)) => mode::resolve(&spec, m.mode, m.is_dir(), ctx.os.umask()),
        (ModeSpec::Symbolic(_), None) => mode::resolve(&spec, 0, false, ctx.os.umask()),
    })
}

/// Sets owner, group and mode where they differ; returns whether anything changed (or would,
/// in check mode). `follow` decides whether a link or its target is changed.
pub fn apply(ctx: &mut Context<'_>, path: &Path, attrs: &FileAttrs, follow: bool, diff: &mut StateDiff) -> Result<bool, Fail> {
    if attrs.is_empty() {
        return Ok(false);
    }
    let Some(meta) = ctx.os.metadata(path, follow)? else {
        return Ok(false);
    };
    let mut changed = false;
    let accounts = if attrs.owner.is_some() || attrs.group.is_some() { Accounts::load(ctx.os) } else { Accounts::default() };
    if let Some(owner) = &attrs.owner {
        let uid = accounts
            .resolve_user(owner)
            .ok_or_else(|| Fail::new(format!("chown failed: failed to look up user {owner}")).with("path", path.to_string_lossy()))?;
        if uid != meta.uid {
            diff.record("owner", meta.uid, uid);
            if !ctx.check {
                ctx.os
                    .set_owner(path, Some(uid), None, follow)
                    .map_err(|e| Fail::new(format!("chown failed: {e}")).with("path", path.to_string_lossy()))?;
            }
            changed = true;
        }
    }
    if let Some(group) = &attrs.group {
        let gid = accounts
            .resolve_group(group)
            .ok_or_else(|| Fail::new(format!("chgrp failed: failed to look up group {group}")).with("path", path.to_string_lossy()))?;
        if gid != meta.gid {
            diff.record("group", meta.gid, gid);
            if !ctx.check {
                ctx.os
                    .set_owner(path, None, Some(gid), follow)
                    .map_err(|e| Fail::new(format!("chgrp failed: {e}")).with("path", path.to_string_lossy()))?;
            }
            changed = true;
        }
    }
    if let Some(spec) = &attrs.mode
        && !meta.is_symlink()
    {
        let wanted = wanted_mode(ctx, spec, Some(&meta))?;
        if wanted != meta.mode {
            diff.record("mode", mode::format(meta.mode), mode::format(wanted));
            if !ctx.check {
                ctx.os.set_mode(path, wanted).map_err(|e| Fail::new(format!("chmod failed: {e}")).with("path", path.to_string_lossy()))?;
            }
            changed = true;
        }
    }
    Ok(changed)
}

/// `path`, `state` and, when it exists, `uid gid owner group mode size` (ansible-core's
/// `add_path_info`).
pub fn path_info(ctx: &Context<'_>, path: &Path, out: &mut Vars) {
    out.insert("path".into(), path.to_string_lossy().into());
    let Ok(Some(meta)) = ctx.os.metadata(path, false) else {
        out.insert("state".into(), "absent".into());
        return;
    };
    let shown = if meta.is_symlink() { ctx.os.metadata(path, true).ok().flatten().unwrap_or(meta.clone()) } else { meta.clone() };
    let accounts = Accounts::load(ctx.os);
    out.insert("uid".into(), shown.uid.into());
    out.insert("gid".into(), shown.gid.into());
    out.insert("owner".into(), accounts.user_name(shown.uid).map(Value::from).unwrap_or(shown.uid.into()));
    out.insert("group".into(), accounts.group_name(shown.gid).map(Value::from).unwrap_or(shown.gid.into()));
    out.insert("mode".into(), mode::format(shown.mode).into());
    let state = if meta.is_symlink() {
        "link"
    } else if meta.is_dir() {
        "directory"
    } else if meta.nlink > 1 {
        "hard"
    } else {
        "file"
    };
    out.insert("state".into(), state.into());
    out.insert("size".into(), shown.size.into());
}
