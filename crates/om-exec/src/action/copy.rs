//! `copy`: puts `content` or a local `src` file at `dest` over SFTP, only when the sha1 or
//! the attributes differ (idempotent), with `mode`, `owner`, `group`, `backup`, `force` and
//! `validate`. Under become the file is staged in `/tmp` and moved into place as the become
//! user; otherwise it is written atomically beside `dest` and renamed.

use async_trait::async_trait;
use om_core::{HostError, Outcome, Vars};
use serde_json::Value;

use super::{Action, Ctx, q, result, sha1_hex};
use crate::schema::Schema;

pub(crate) struct Copy;

/// What the host has at the destination.
struct Present {
    path: String,
    checksum: Option<String>,
    mode: Option<String>,
    owner: Option<String>,
    group: Option<String>,
}

#[async_trait]
impl Action for Copy {
    fn schema(&self) -> &'static Schema {
        &om_modules::files::copy::SCHEMA
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        let dest = ctx.str("dest").unwrap_or_default().to_string();
        let (data, name) = match (ctx.args.get("content"), ctx.str("src")) {
            (Some(Value::String(s)), _) => (s.clone().into_bytes(), None),
            (Some(other), _) => (serde_json::to_vec(other).unwrap_or_default(), None),
            (None, Some(src)) if ctx.flag("remote_src") => return remote_copy(ctx, src, &dest).await,
            (None, Some(src)) => match tokio::fs::read(src).await {
                Ok(data) => (data, std::path::Path::new(src).file_name().map(|n| n.to_string_lossy().into_owned())),
                Err(err) if err.kind() == std::io::ErrorKind::IsADirectory => {
                    return Ok(super::failed(
                        format!("src `{src}` is a directory; copying directories is not supported yet"),
                        result(false),
                    ));
                }
                Err(err) => {
                    return Ok(super::failed(format!("Could not find or access '{src}' on the Ansible Controller: {err}"), result(false)));
                }
            },
            (None, None) => return Ok(super::failed("src (or content) is required", result(false))),
        };
        let checksum = sha1_hex(&data);
        if let Some(expected) = ctx.str("checksum").filter(|c| *c != checksum) {
            return Ok(super::failed(
                format!("Copied file does not match the expected checksum. Transfer failed: expected {expected}, got {checksum}"),
                result(false),
            ));
        }
        let present = probe(ctx, &dest, name.as_deref()).await?;
        let Some(present) = present else {
            return Ok(super::failed("can not use content with a dir as dest", result(false)));
        };
        let mode = ctx.args.get("mode").map(mode_arg);
        let content_differs = present.checksum.as_deref() != Some(checksum.as_str());
        let exists = present.checksum.is_some();
        if exists && content_differs && !ctx.flag("force") {
            return Ok(report(ctx, &present, &checksum, data.len(), false, None));
        }
        let attrs_differ = mode.as_ref().is_some_and(|m| m.octal.is_some() && m.octal.as_deref() != present.mode.as_deref())
            || ctx.str("owner").is_some_and(|o| Some(o) != present.owner.as_deref())
            || ctx.str("group").is_some_and(|g| Some(g) != present.group.as_deref());
        let symbolic = mode.as_ref().is_some_and(|m| m.octal.is_none());
        if !content_differs && !attrs_differ && !symbolic {
            return Ok(report(ctx, &present, &checksum, data.len(), false, None));
        }
        if ctx.check {
            return Ok(report(ctx, &present, &checksum, data.len(), true, None));
        }
        let path = q(&present.path);
        let mut finish = String::new();
        let mut backup_file = None;
        if content_differs {
            if ctx.flag("backup") && exists {
                let stamp = chrono::Local::now().format("%Y-%m-%d@%H:%M:%S~");
                let backup = format!("{}.{}.{stamp}", present.path, std::process::id());
                finish.push_str(&format!("cp -p {path} {} && ", q(&backup)));
                backup_file = Some(backup);
            }
            let staged = ctx.escalation.is_some() || ctx.str("validate").is_some();
            if staged {
                let tmp = format!("/tmp/.om-copy-{:016x}", rand::random::<u64>());
                ctx.conn.put(&data, &tmp, Some(0o600)).await?;
                let beside = q(&format!("{}.om-tmp-{:08x}", present.path, rand::random::<u32>()));
                if let Some(validate) = ctx.str("validate") {
                    let check = validate.replace("%s", &q(&tmp));
                    let out = ctx.probe(format!("{check} 2>&1; rc=$?; [ $rc -eq 0 ] || rm -f {}; exit $rc", q(&tmp))).await?;
                    if out.rc != Some(0) {
                        return Ok(super::failed(
                            format!("failed to validate: {}", String::from_utf8_lossy(&out.stdout).trim()),
                            result(false),
                        ));
                    }
                }
                let keep_mode = present.mode.as_deref().map(|m| format!("chmod {m} {beside} && ")).unwrap_or_default();
                finish.push_str(&format!("cp {t} {beside} && rm -f {t} && {keep_mode}mv -f {beside} {path} && ", t = q(&tmp)));
            } else {
                if !finish.is_empty() {
                    let out = ctx.probe(finish.trim_end_matches("&& ").to_string()).await?;
                    if out.rc != Some(0) {
                        return Ok(super::failed(
                            format!("cannot back up {}: {}", present.path, String::from_utf8_lossy(&out.stderr).trim()),
                            result(false),
                        ));
                    }
                    finish.clear();
                }
                let bits =
                    mode.as_ref().and_then(|m| m.bits).or_else(|| present.mode.as_deref().and_then(|m| u32::from_str_radix(m, 8).ok()));
                ctx.conn.put(&data, &present.path, bits.or(Some(0o644))).await?;
            }
        }
        if let Some(m) = &mode {
            finish.push_str(&format!("chmod {} {path} && ", q(&m.text)));
        }
        match (ctx.str("owner"), ctx.str("group")) {
            (Some(o), Some(g)) => finish.push_str(&format!("chown {}:{} {path} && ", q(o), q(g))),
            (Some(o), None) => finish.push_str(&format!("chown {} {path} && ", q(o))),
            (None, Some(g)) => finish.push_str(&format!("chgrp {} {path} && ", q(g))),
            (None, None) => {}
        }
        finish.push_str(&format!("stat -c '%a %U %G %u %g' -- {path}"));
        let out = ctx.probe(finish).await?;
        if out.rc != Some(0) {
            return Ok(super::failed(
                format!("cannot put {}: {}", present.path, String::from_utf8_lossy(&out.stderr).trim()),
                result(false),
            ));
        }
        let after = parse_stat(&String::from_utf8_lossy(&out.stdout), present.path.clone(), Some(checksum.clone()));
        let changed = content_differs || after.mode != present.mode || after.owner != present.owner || after.group != present.group;
        Ok(report(ctx, &after, &checksum, data.len(), changed, backup_file))
    }
}

/// One command: where the file would go (inside `dest` if it is a directory) and what is
/// there now. `None` when `dest` is a directory and there is no file name to use.
async fn probe(ctx: &Ctx<'_>, dest: &str, name: Option<&str>) -> Result<Option<Present>, HostError> {
    let inside = match name {
        Some(n) => format!("p=\"$p/\"{}", q(n)),
        None => "echo directory; exit 0".to_string(),
    };
    let into_dir = if dest.ends_with('/') { "true".to_string() } else { "[ -d \"$p\" ]".to_string() };
    let trimmed = match dest.trim_end_matches('/') {
        "" => "/",
        t => t,
    };
    let command = format!(
        "p={}; if {into_dir}; then {inside}; fi; if [ -f \"$p\" ]; then echo present; sha1sum -- \"$p\" | cut -d' ' -f1; stat -c '%a %U %G %u %g' -- \"$p\"; else echo absent; fi; printf '%s\\n' \"$p\"",
        q(trimmed)
    );
    let out = ctx.probe(command).await?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    match lines.first().copied() {
        Some("directory") => Ok(None),
        Some("present") if lines.len() >= 4 => {
            let mut present = parse_stat(lines[2], lines[3].to_string(), Some(lines[1].trim().to_string()));
            present.checksum = Some(lines[1].trim().to_string());
            Ok(Some(present))
        }
        Some("absent") => {
            Ok(Some(Present { path: lines.get(1).unwrap_or(&dest).to_string(), checksum: None, mode: None, owner: None, group: None }))
        }
        _ => Err(ctx.fail(format!("cannot inspect `{dest}`: {}", String::from_utf8_lossy(&out.stderr).trim()))),
    }
}

fn parse_stat(line: &str, path: String, checksum: Option<String>) -> Present {
    let mut f = line.split_whitespace();
    let mode = f.next().map(|m| format!("{:0>4}", m));
    Present { path, checksum, mode, owner: f.next().map(str::to_string), group: f.next().map(str::to_string) }
}

struct ModeArg {
    text: String,
    /// `"0644"`, when the mode is octal.
    octal: Option<String>,
    bits: Option<u32>,
}

/// MOD-2: a string is octal or symbolic; a YAML integer is the bits themselves.
fn mode_arg(value: &Value) -> ModeArg {
    match value {
        Value::Number(n) => {
            let bits = n.as_u64().unwrap_or(0) as u32;
            ModeArg { text: format!("{bits:o}"), octal: Some(format!("{bits:04o}")), bits: Some(bits) }
        }
        other => {
            let text = other.as_str().unwrap_or_default().to_string();
            match u32::from_str_radix(&text, 8) {
                Ok(bits) if !text.is_empty() => ModeArg { text: text.clone(), octal: Some(format!("{bits:04o}")), bits: Some(bits) },
                _ => ModeArg { text, octal: None, bits: None },
            }
        }
    }
}

fn report(ctx: &Ctx<'_>, at: &Present, checksum: &str, size: usize, changed: bool, backup: Option<String>) -> Outcome {
    let mut r: Vars = result(changed);
    r.insert("dest".into(), at.path.clone().into());
    if let Some(src) = ctx.str("src") {
        r.insert("src".into(), src.into());
    }
    r.insert("checksum".into(), checksum.into());
    r.insert("size".into(), size.into());
    r.insert("state".into(), "file".into());
    for (key, value) in [("mode", &at.mode), ("owner", &at.owner), ("group", &at.group)] {
        if let Some(v) = value {
            r.insert(key.into(), v.clone().into());
        }
    }
    if let Some(b) = backup {
        r.insert("backup_file".into(), b.into());
    }
    super::outcome(changed, r)
}

/// `remote_src=yes`: the host copies its own file.
async fn remote_copy(ctx: &Ctx<'_>, src: &str, dest: &str) -> Result<Outcome, HostError> {
    let command = format!(
        "s={s}; d={d}; [ -d \"$d\" ] && d=\"$d/$(basename \"$s\")\"; a=$(sha1sum -- \"$s\" | cut -d' ' -f1) || exit 3; b=$(sha1sum -- \"$d\" 2>/dev/null | cut -d' ' -f1); if [ \"$a\" = \"$b\" ]; then echo same; else cp -- \"$s\" \"$d\" && echo copied; fi; echo \"$a\"; printf '%s\\n' \"$d\"",
        s = q(src),
        d = q(dest)
    );
    if ctx.check {
        return Ok(super::outcome(true, result(true)));
    }
    let out = ctx.probe(command).await?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    if out.rc != Some(0) || lines.len() < 3 {
        return Ok(super::failed(format!("cannot copy {src}: {}", String::from_utf8_lossy(&out.stderr).trim()), result(false)));
    }
    let changed = lines[0] == "copied";
    let mut r = result(changed);
    r.insert("dest".into(), lines[2].into());
    r.insert("src".into(), src.into());
    r.insert("checksum".into(), lines[1].into());
    Ok(super::outcome(changed, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_mod_2() {
        assert_eq!(mode_arg(&Value::String("0644".into())).bits, Some(0o644));
        assert_eq!(mode_arg(&Value::from(420)).octal.as_deref(), Some("0644"));
        let symbolic = mode_arg(&Value::String("u+rwx,g-w".into()));
        assert_eq!((symbolic.octal, symbolic.text.as_str()), (None, "u+rwx,g-w"));
    }
}
