//! File modules: `stat`, `file`, `copy`, `fetch`, `template`, `lineinfile`, `blockinfile`,
//! `replace`, `get_url`, `unarchive`, and what they share (backups, validation, text diffs,
//! the common file arguments).

pub mod blockinfile;
pub mod copy;
pub mod fetch;
pub mod file;
pub mod get_url;
pub mod glob;
pub mod http;
pub mod lineinfile;
pub mod replace;
pub mod stat;
pub mod template;
pub mod unarchive;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::attrs::{self, FileAttrs, StateDiff};
use crate::os::Command;
use crate::{Args, Context, Fail};

/// The common file arguments every file module accepts, after its own parameters.
#[macro_export]
macro_rules! file_params {
    ($($p:expr),* $(,)?) => {
        &[
            $($p,)*
            $crate::Param::str("owner"),
            $crate::Param::str("group"),
            $crate::Param::new("mode", $crate::Type::Mode),
            $crate::Param::str("attributes").aliases(&["attr"]),
            $crate::Param::str("seuser"),
            $crate::Param::str("serole"),
            $crate::Param::str("setype"),
            $crate::Param::str("selevel"),
            $crate::Param::bool("unsafe_writes", false),
        ]
    };
}

/// Largest content `-D` shows, as ansible-core's `max_diff_size` (104448 bytes).
pub const MAX_DIFF_SIZE: usize = 104_448;

/// Copies `path` to `<path>.<pid>.<YYYY-MM-DD@HH:MM:SS~>` (ansible-core's `backup_local`) and
/// returns the backup's name.
pub fn backup_local(ctx: &Context<'_>, path: &Path) -> Result<String, Fail> {
    let stamp = chrono::Local::now().format("%Y-%m-%d@%H:%M:%S~");
    let backup = format!("{}.{}.{stamp}", path.display(), std::process::id());
    let data = ctx.os.read(path)?;
    let meta = ctx.os.metadata(path, true)?;
    ctx.os.write(Path::new(&backup), &data, meta.as_ref().map(|m| m.mode))?;
    if let Some(m) = meta {
        let _ = ctx.os.set_owner(Path::new(&backup), Some(m.uid), Some(m.gid), true);
        let _ = ctx.os.set_times(Path::new(&backup), Some(m.atime), Some(m.mtime));
    }
    Ok(backup)
}

/// Runs `validate` (with `%s` replaced by a temporary copy of `data`) before `data` is
/// written to `dest`; a failure leaves `dest` untouched.
pub fn validate(ctx: &Context<'_>, validate: Option<&str>, dest: &Path, data: &[u8]) -> Result<(), Fail> {
    let Some(cmd) = validate else { return Ok(()) };
    if !cmd.contains("%s") {
        return Err(Fail::new(format!("validate must contain %s: {cmd}")));
    }
    let tmp = dest.with_file_name(format!(
        ".{}.om-validate-{}",
        dest.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id()
    ));
    ctx.os.write(&tmp, data, Some(0o600))?;
    let argv = shell_split(&cmd.replace("%s", &tmp.to_string_lossy()));
    let out = ctx.os.run(&Command::argv(argv), ctx.watch);
    let _ = ctx.os.remove(&tmp);
    let out = out?;
    if out.rc != 0 {
        return Err(Fail::new(format!("failed to validate: rc:{} error:{}", out.rc, out.stderr_text()))
            .with("exit_status", out.rc)
            .with("stdout", out.stdout_text())
            .with("stderr", out.stderr_text()));
    }
    Ok(())
}

/// Splits a command line like Python's `shlex.split`.
pub fn shell_split(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(n @ ('"' | '\\' | '$' | '`')) => cur.push(n),
                            Some('\n') => {}
                            Some(n) => {
                                cur.push('\\');
                                cur.push(n);
                            }
                            None => cur.push('\\'),
                        },
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Writes `data` to the real path behind `dest` after validation (ansible-core's
/// `write_changes`).
pub fn write_changes(ctx: &Context<'_>, dest: &Path, data: &[u8], validate_cmd: Option<&str>) -> Result<(), Fail> {
    let real = ctx.os.real_path(dest)?;
    validate(ctx, validate_cmd, &real, data)?;
    ctx.os.write(&real, data, None)?;
    Ok(())
}

/// A content diff for `-D`, or `None` when the content is binary or too large to show.
pub fn text_diff(before: &[u8], after: &[u8], before_header: &str, after_header: &str) -> Value {
    let shown = |b: &[u8]| -> Value {
        if b.len() > MAX_DIFF_SIZE || b.contains(&0) { Value::Null } else { Value::from(String::from_utf8_lossy(b).into_owned()) }
    };
    let (b, a) = (shown(before), shown(after));
    if b.is_null() || a.is_null() {
        return serde_json::json!({"before_header": before_header, "after_header": after_header, "src_binary": true});
    }
    serde_json::json!({"before": b, "after": a, "before_header": before_header, "after_header": after_header})
}

/// Applies the common file arguments after a content change (ansible-core's
/// `check_file_attrs`): returns the new message and `changed`, and fills `attr_diff`.
pub fn check_file_attrs(
    ctx: &mut Context<'_>,
    args: &Args,
    path: &Path,
    changed: bool,
    msg: String,
    attr_diff: &mut Value,
) -> Result<(String, bool), Fail> {
    let mut diff = StateDiff::default();
    let fa = FileAttrs::from_args(args);
    let real = ctx.os.real_path(path)?;
    let attrs_changed = attrs::apply(ctx, &real, &fa, true, &mut diff)?;
    let header = format!("{} (file attributes)", path.display());
    let mut d = serde_json::json!({"before_header": header, "after_header": header});
    if !diff.before.is_empty() {
        d["before"] = Value::Object(diff.before);
        d["after"] = Value::Object(diff.after);
    }
    *attr_diff = d;
    if attrs_changed {
        let mut msg = msg;
        if changed {
            msg.push_str(" and ");
        }
        msg.push_str("ownership, perms or SE linux context changed");
        return Ok((msg, true));
    }
    Ok((msg, changed))
}

/// The `path` argument, `~` expanded.
pub fn path_arg(ctx: &Context<'_>, args: &Args, name: &str) -> PathBuf {
    ctx.path(&args.string(name))
}

/// Splits text into lines that keep their `\n` (Python's `readlines`).
pub fn lines_of(data: &[u8]) -> Vec<Vec<u8>> {
    data.split_inclusive(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
}

pub use om_core::python_replacement;

/// Compiles a Python-style regular expression, with a message that names the argument.
pub fn regex(arg: &str, pattern: &str) -> Result<regex::bytes::Regex, Fail> {
    regex::bytes::Regex::new(pattern).map_err(|e| Fail::new(format!("invalid regular expression in `{arg}` ({pattern}): {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_split_handles_quotes() {
        assert_eq!(shell_split(r#"visudo -cf '/tmp/a b' "x\"y" z\ w"#), vec!["visudo", "-cf", "/tmp/a b", "x\"y", "z w"]);
    }
}
