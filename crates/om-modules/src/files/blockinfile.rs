//! `blockinfile`: a block of lines between `# BEGIN/END ANSIBLE MANAGED BLOCK` markers,
//! inserted, replaced or removed as ansible-core's module does.

use serde_json::Value;

use super::{lines_of, regex};
use crate::{Args, Context, Fail, Module, Param, Schema, file_params, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "blockinfile",
    "Insert/update/remove a text block surrounded by marker lines",
    file_params![
        Param::path("path").aliases(&["dest", "destfile", "name"]).required(),
        Param::str("state").choices(&["absent", "present"]).default_str("present"),
        Param::str("marker").default_str("# {mark} ANSIBLE MANAGED BLOCK"),
        Param::str("block").aliases(&["content"]).default_str(""),
        Param::str("insertafter"),
        Param::str("insertbefore"),
        Param::bool("create", false),
        Param::bool("backup", false),
        Param::str("marker_begin").default_str("BEGIN"),
        Param::str("marker_end").default_str("END"),
        Param::bool("append_newline", false),
        Param::bool("prepend_newline", false),
        Param::str("validate"),
    ],
)
.exclusive(&[&["insertbefore", "insertafter"]])
.with_diff();

pub struct Blockinfile;

impl Module for Blockinfile {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let path = super::path_arg(ctx, args, "path");
        let meta = ctx.os.metadata(&path, true)?;
        if meta.as_ref().is_some_and(|m| m.is_dir()) {
            return Err(Fail::new(format!("Path {} is a directory !", path.display())).with("rc", 256));
        }
        let present = args.str("state") == Some("present");
        let path_exists = meta.is_some();
        let (original, mut lines) = if path_exists {
            let data = ctx.os.read(&path)?;
            let lines = lines_of(&data);
            (Some(data), lines)
        } else {
            if !args.bool("create") && present {
                return Err(Fail::new(format!("Path {} does not exist !", path.display())).with("rc", 257));
            }
            if !present {
                return Ok(ret! {"changed" => false, "msg" => format!("File {} not present", path.display())});
            }
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
                && !ctx.check
                && ctx.os.metadata(parent, true)?.is_none()
            {
                ctx.os.create_dir_all(parent, None)?;
            }
            (None, Vec::new())
        };
        let header = format!("{} (content)", path.display());
        let mut diff = serde_json::json!({"before": "", "after": "", "before_header": header, "after_header": header});
        if ctx.diff
            && let Some(o) = &original
        {
            diff["before"] = String::from_utf8_lossy(o).into_owned().into();
        }
        let mut insertafter = args.str("insertafter");
        let insertbefore = args.str("insertbefore");
        if insertafter.is_none() && insertbefore.is_none() {
            insertafter = Some("EOF");
        }
        let insertre = match (insertafter, insertbefore) {
            (Some(a), _) if a != "EOF" => Some(regex("insertafter", a)?),
            (_, Some(b)) if b != "BOF" => Some(regex("insertbefore", b)?),
            _ => None,
        };
        let marker = args.string("marker");
        let marker0 = format!("{}\n", marker.replace("{mark}", &args.string("marker_begin"))).into_bytes();
        let marker1 = format!("{}\n", marker.replace("{mark}", &args.string("marker_end"))).into_bytes();
        let mut block = args.string("block").into_bytes();
        let blocklines: Vec<Vec<u8>> = if present && !block.is_empty() {
            if !block.ends_with(b"\n") {
                block.push(b'\n');
            }
            let mut v = vec![marker0.clone()];
            v.extend(block.split_inclusive(|b| *b == b'\n').map(<[u8]>::to_vec));
            v.push(marker1.clone());
            v
        } else {
            Vec::new()
        };
        let (mut n0, mut n1) = (None, None);
        for (i, line) in lines.iter().enumerate() {
            if *line == marker0 {
                n0 = Some(i);
            }
            if *line == marker1 {
                n1 = Some(i);
            }
        }
        let mut n0 = match (n0, n1.take()) {
            (Some(a), Some(b)) if a < b => {
                lines.drain(a..=b);
                a
            }
            (Some(a), Some(b)) => {
                lines.drain(b..=a);
                b
            }
            _ => match &insertre {
                Some(re) if re.as_str().starts_with("(?m)") || re.as_str().contains("(?ms)") => {
                    let text = original.clone().unwrap_or_default();
                    match re.find(&text) {
                        Some(m) if insertafter.is_some() => text[..m.end()].iter().filter(|b| **b == b'\n').count(),
                        Some(m) => text[..m.start()].iter().filter(|b| **b == b'\n').count(),
                        None => lines.len(),
                    }
                }
                Some(re) => {
                    let mut found = None;
                    for (i, line) in lines.iter().enumerate() {
                        if re.is_match(line.strip_suffix(b"\n").unwrap_or(line)) {
                            found = Some(i);
                        }
                    }
                    match found {
                        None => lines.len(),
                        Some(i) if insertafter.is_some() => i + 1,
                        Some(i) => i,
                    }
                }
                None if insertbefore.is_some() => 0,
                None => lines.len(),
            },
        };
        if n0 > 0 && !lines[n0 - 1].ends_with(b"\n") {
            lines[n0 - 1].push(b'\n');
        }
        if args.bool("prepend_newline") && present && n0 != 0 && lines[n0 - 1] != b"\n" {
            lines.insert(n0, b"\n".to_vec());
            n0 += 1;
        }
        let count = blocklines.len();
        let was_empty_block = blocklines.is_empty();
        lines.splice(n0..n0, blocklines);
        if args.bool("append_newline") && present {
            let after = n0 + count;
            if after < lines.len() && lines[after] != b"\n" {
                lines.insert(after, b"\n".to_vec());
            }
        }
        let result = lines.concat();
        if ctx.diff {
            diff["after"] = String::from_utf8_lossy(&result).into_owned().into();
        }
        let (msg, changed) = if original.as_deref() == Some(result.as_slice()) {
            ("", false)
        } else if original.is_none() {
            ("File created", true)
        } else if was_empty_block {
            ("Block removed", true)
        } else {
            ("Block inserted", true)
        };
        let mut out = Vars::new();
        if changed && !ctx.check {
            if args.bool("backup") && path_exists {
                out.insert("backup_file".into(), super::backup_local(ctx, &path)?.into());
            }
            super::write_changes(ctx, &path, &result, args.str("validate"))?;
        }
        if ctx.check && !path_exists {
            out.insert("changed".into(), changed.into());
            out.insert("msg".into(), msg.into());
            out.insert("diff".into(), diff);
            return Ok(out);
        }
        let mut attr_diff = Value::Null;
        let (msg, changed) = super::check_file_attrs(ctx, args, &path, changed, msg.to_string(), &mut attr_diff)?;
        out.insert("changed".into(), changed.into());
        out.insert("msg".into(), msg.into());
        out.insert("diff".into(), Value::Array(vec![diff, attr_diff]));
        Ok(out)
    }
}
