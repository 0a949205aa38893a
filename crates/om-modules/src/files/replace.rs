//! `replace`: every match of a regular expression replaced, optionally only between `after`
//! and `before`, as ansible-core's module does (patterns are multi-line; `after`/`before`
//! sections dot-all).

use regex::bytes::RegexBuilder;

use super::python_replacement;
use crate::{Args, Context, Fail, Module, Param, Schema, file_params, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "replace",
    "Replace all instances of a particular string in a file using a back-referenced regular expression",
    file_params![
        Param::path("path").aliases(&["dest", "destfile", "name"]).required(),
        Param::str("regexp").required(),
        Param::str("replace").default_str(""),
        Param::str("after"),
        Param::str("before"),
        Param::bool("backup", false),
        Param::str("validate"),
        Param::str("encoding").default_str("utf-8"),
        Param::str("others"),
    ],
)
.with_diff();

pub struct Replace;

impl Module for Replace {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let path = super::path_arg(ctx, args, "path");
        match ctx.os.metadata(&path, true)? {
            Some(m) if m.is_dir() => return Err(Fail::new(format!("Path {} is a directory !", path.display())).with("rc", 256)),
            None => return Err(Fail::new(format!("Path {} does not exist !", path.display())).with("rc", 257)),
            Some(_) => {}
        }
        let contents = ctx.os.read(&path)?;
        let pattern = match (args.str("after"), args.str("before")) {
            (Some(a), Some(b)) => format!("{a}(?P<subsection>.*?){b}"),
            (Some(a), None) => format!("{a}(?P<subsection>.*)"),
            (None, Some(b)) => format!("(?P<subsection>.*){b}"),
            (None, None) => String::new(),
        };
        let (start, end) = if pattern.is_empty() {
            (0, contents.len())
        } else {
            let section_re = RegexBuilder::new(&pattern)
                .dot_matches_new_line(true)
                .build()
                .map_err(|e| Fail::new(format!("invalid after/before expression ({pattern}): {e}")))?;
            match section_re.captures(&contents).and_then(|c| c.name("subsection")) {
                Some(m) => (m.start(), m.end()),
                None => {
                    let msg = format!("Pattern for before/after params did not match the given file: {pattern}");
                    return Ok(ret! {"changed" => false, "msg" => msg});
                }
            }
        };
        let regexp = args.string("regexp");
        let mre = RegexBuilder::new(&regexp)
            .multi_line(true)
            .build()
            .map_err(|e| Fail::new(format!("invalid regular expression in `regexp` ({regexp}): {e}")))?;
        let section = &contents[start..end];
        let count = mre.find_iter(section).count();
        let replaced = mre.replace_all(section, python_replacement(&args.string("replace")).as_bytes());
        let mut out = Vars::new();
        let (msg, changed, result) = if count > 0 && replaced.as_ref() != section {
            let mut result = contents[..start].to_vec();
            result.extend_from_slice(&replaced);
            result.extend_from_slice(&contents[end..]);
            if ctx.diff {
                let p = path.to_string_lossy();
                out.insert(
                    "diff".into(),
                    serde_json::json!({"before_header": p, "before": String::from_utf8_lossy(&contents), "after_header": p, "after": String::from_utf8_lossy(&result)}),
                );
            }
            (format!("{count} replacements made"), true, result)
        } else {
            (String::new(), false, Vec::new())
        };
        if changed && !ctx.check {
            if args.bool("backup") {
                out.insert("backup_file".into(), super::backup_local(ctx, &path)?.into());
            }
            super::write_changes(ctx, &path, &result, args.str("validate"))?;
        }
        let mut attr_diff = serde_json::Value::Null;
        let (msg, changed) = super::check_file_attrs(ctx, args, &path, changed, msg, &mut attr_diff)?;
        out.insert("changed".into(), changed.into());
        out.insert("msg".into(), msg.into());
        Ok(out)
    }
}
