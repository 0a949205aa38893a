//! `lineinfile`: one line present (replaced by `regexp`/`search_string`, or inserted after or
//! before a match, BOF or EOF) or absent, decided exactly as ansible-core's module does.
//!
//! Regular expressions use the `regex` crate's syntax, which is Python's without look-around
//! and back-references in the pattern; a line's trailing newline is not part of what is
//! matched, as Python's `$` matches before it.

use serde_json::Value;

use super::{lines_of, python_replacement, regex};
use crate::{Args, Context, Fail, Module, Param, Schema, file_params, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "lineinfile",
    "Manage lines in text files",
    file_params![
        Param::path("path").aliases(&["dest", "destfile", "name"]).required(),
        Param::str("state").choices(&["absent", "present"]).default_str("present"),
        Param::str("regexp").aliases(&["regex"]),
        Param::str("search_string"),
        Param::str("line").aliases(&["value"]),
        Param::str("insertafter"),
        Param::str("insertbefore"),
        Param::bool("backrefs", false),
        Param::bool("create", false),
        Param::bool("backup", false),
        Param::bool("firstmatch", false),
        Param::str("validate"),
        Param::str("others"),
    ],
)
.exclusive(&[&["insertbefore", "insertafter"], &["regexp", "search_string"], &["backrefs", "search_string"]])
.with_diff();

pub struct Lineinfile;

fn strip_eol(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &line[..end]
}

fn without_newline(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

impl Module for Lineinfile {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let path = super::path_arg(ctx, args, "path");
        if ctx.os.metadata(&path, true)?.is_some_and(|m| m.is_dir()) {
            return Err(Fail::new(format!("Path {} is a directory !", path.display())).with("rc", 256));
        }
        if args.bool("backrefs") && !args.has("regexp") {
            return Err(Fail::new("regexp is required with backrefs=true"));
        }
        if args.str("regexp") == Some("") {
            ctx.warn("The regular expression is an empty string, which will match every line in the file. This may have unintended consequences, such as replacing the last line in the file rather than appending.");
        }
        if args.str("search_string") == Some("") {
            ctx.warn("The search string is an empty string, which will match every line in the file. This may have unintended consequences, such as replacing the last line in the file rather than appending.");
        }
        if args.str("state") == Some("present") {
            if !args.has("line") {
                return Err(Fail::new("line is required with state=present"));
            }
            present(args, ctx, &path)
        } else {
            if !args.has("regexp") && !args.has("search_string") && !args.has("line") {
                return Err(Fail::new("one of line, search_string, or regexp is required with state=absent"));
            }
            absent(args, ctx, &path)
        }
    }
}

fn content_diff(path: &std::path::Path) -> Value {
    let header = format!("{} (content)", path.display());
    serde_json::json!({"before": "", "after": "", "before_header": header, "after_header": header})
}

fn finish(
    args: &Args,
    ctx: &mut Context<'_>,
    path: &std::path::Path,
    mut out: Vars,
    changed: bool,
    msg: String,
    diff: Value,
) -> Result<Vars, Fail> {
    let mut attr_diff = Value::Null;
    let (msg, changed) = super::check_file_attrs(ctx, args, path, changed, msg, &mut attr_diff)?;
    out.insert("changed".into(), changed.into());
    out.insert("msg".into(), msg.into());
    out.insert("diff".into(), Value::Array(vec![diff, attr_diff]));
    Ok(out)
}

fn present(args: &Args, ctx: &mut Context<'_>, path: &std::path::Path) -> Result<Vars, Fail> {
    let mut diff = content_diff(path);
    let exists = ctx.os.metadata(path, true)?.is_some();
    let mut lines = if exists {
        lines_of(&ctx.os.read(path)?)
    } else {
        if !args.bool("create") {
            return Err(Fail::new(format!("Destination {} does not exist !", path.display())).with("rc", 257));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !ctx.check
            && ctx.os.metadata(parent, true)?.is_none()
        {
            ctx.os.create_dir_all(parent, None)?;
        }
        Vec::new()
    };
    if ctx.diff {
        diff["before"] = String::from_utf8_lossy(&lines.concat()).into_owned().into();
    }
    let regexp = args.str("regexp").map(|r| regex("regexp", r)).transpose()?;
    let search = args.str("search_string").map(str::as_bytes);
    let mut insertafter = args.str("insertafter");
    let insertbefore = args.str("insertbefore");
    if insertafter.is_none() && insertbefore.is_none() {
        insertafter = Some("EOF");
    }
    let ins_re = match (insertafter, insertbefore) {
        (Some(a), _) if a != "BOF" && a != "EOF" => Some(regex("insertafter", a)?),
        (_, Some(b)) if b != "BOF" => Some(regex("insertbefore", b)?),
        _ => None,
    };
    let firstmatch = args.bool("firstmatch");
    let line = args.string("line");
    let b_line = line.as_bytes();
    let mut index: [i64; 2] = [-1, -1];
    let mut matched: Option<usize> = None;
    let mut exact_line_match = false;
    if let Some(re) = &regexp {
        for (no, cur) in lines.iter().enumerate() {
            if re.is_match(without_newline(cur)) {
                index[0] = no as i64;
                matched = Some(no);
                if firstmatch {
                    break;
                }
            }
        }
    }
    if let Some(s) = search {
        for (no, cur) in lines.iter().enumerate() {
            if contains(cur, s) {
                index[0] = no as i64;
                matched = Some(no);
                if firstmatch {
                    break;
                }
            }
        }
    }
    if matched.is_none() {
        for (no, cur) in lines.iter().enumerate() {
            if b_line == strip_eol(cur) {
                index[0] = no as i64;
                exact_line_match = true;
            } else if let Some(re) = &ins_re
                && re.is_match(without_newline(cur))
            {
                if insertafter.is_some() {
                    index[1] = no as i64 + 1;
                    if firstmatch {
                        break;
                    }
                }
                if insertbefore.is_some() {
                    index[1] = no as i64;
                    if firstmatch {
                        break;
                    }
                }
            }
        }
    }
    let mut msg = String::new();
    let mut changed = false;
    let with_nl = |l: &[u8]| {
        let mut v = l.to_vec();
        v.push(b'\n');
        v
    };
    let ends_with_eol = |l: &Vec<u8>| matches!(l.last(), Some(b'\n' | b'\r'));
    if index[0] != -1 {
        let mut new_line = match (args.bool("backrefs"), matched, &regexp) {
            (true, Some(no), Some(re)) => {
                let caps = re.captures(without_newline(&lines[no])).ok_or_else(|| Fail::new("backrefs: the match disappeared"))?;
                let mut out = Vec::new();
                caps.expand(python_replacement(&line).as_bytes(), &mut out);
                out
            }
            _ => b_line.to_vec(),
        };
        if !new_line.ends_with(b"\n") {
            new_line.push(b'\n');
        }
        if regexp.is_none() && search.is_none() && matched.is_none() && !exact_line_match {
            // Unreachable in practice: index[0] is only set by a match or an exact line.
        } else if lines[index[0] as usize] != new_line {
            lines[index[0] as usize] = new_line;
            msg = "line replaced".into();
            changed = true;
        }
    } else if args.bool("backrefs") {
        // Nothing: without a match there is nothing to fill the back-references with.
    } else if insertbefore == Some("BOF") || insertafter == Some("BOF") {
        lines.insert(0, with_nl(b_line));
        msg = "line added".into();
        changed = true;
    } else if insertafter == Some("EOF") || index[1] == -1 {
        if let Some(last) = lines.last()
            && !ends_with_eol(last)
        {
            lines.push(b"\n".to_vec());
        }
        lines.push(with_nl(b_line));
        msg = "line added".into();
        changed = true;
    } else if insertafter.is_some() && index[1] != -1 {
        let i = index[1] as usize;
        if lines.len() == i {
            if strip_eol(&lines[i - 1]) != b_line {
                lines.push(with_nl(b_line));
                msg = "line added".into();
                changed = true;
            }
        } else if b_line != strip_eol(&lines[i]) {
            lines.insert(i, with_nl(b_line));
            msg = "line added".into();
            changed = true;
        }
    } else {
        lines.insert(index[1] as usize, with_nl(b_line));
        msg = "line added".into();
        changed = true;
    }
    let result = lines.concat();
    if ctx.diff {
        diff["after"] = String::from_utf8_lossy(&result).into_owned().into();
    }
    let mut out = ret! {"backup" => ""};
    if changed && !ctx.check {
        if args.bool("backup") && exists {
            out.insert("backup".into(), super::backup_local(ctx, path)?.into());
        }
        super::write_changes(ctx, path, &result, args.str("validate"))?;
    }
    if ctx.check && !exists {
        out.insert("changed".into(), changed.into());
        out.insert("msg".into(), msg.into());
        out.insert("diff".into(), diff);
        return Ok(out);
    }
    finish(args, ctx, path, out, changed, msg, diff)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn absent(args: &Args, ctx: &mut Context<'_>, path: &std::path::Path) -> Result<Vars, Fail> {
    if ctx.os.metadata(path, true)?.is_none() {
        return Ok(ret! {"changed" => false, "msg" => "file not present"});
    }
    let mut diff = content_diff(path);
    let lines = lines_of(&ctx.os.read(path)?);
    if ctx.diff {
        diff["before"] = String::from_utf8_lossy(&lines.concat()).into_owned().into();
    }
    let regexp = args.str("regexp").map(|r| regex("regexp", r)).transpose()?;
    let search = args.str("search_string");
    let line = args.string("line");
    let mut found = 0usize;
    let kept: Vec<Vec<u8>> = lines
        .into_iter()
        .filter(|cur| {
            let hit = match (&regexp, search) {
                (Some(re), _) => re.is_match(without_newline(cur)),
                (None, Some(s)) => contains(cur, s.as_bytes()),
                (None, None) => line.as_bytes() == strip_eol(cur),
            };
            if hit {
                found += 1;
            }
            !hit
        })
        .collect();
    let changed = found > 0;
    let result = kept.concat();
    if ctx.diff {
        diff["after"] = String::from_utf8_lossy(&result).into_owned().into();
    }
    let mut out = ret! {"backup" => "", "found" => found};
    if changed && !ctx.check {
        if args.bool("backup") {
            out.insert("backup".into(), super::backup_local(ctx, path)?.into());
        }
        super::write_changes(ctx, path, &result, args.str("validate"))?;
    }
    let msg = if changed { format!("{found} line(s) removed") } else { String::new() };
    finish(args, ctx, path, out, changed, msg, diff)
}
