//! `copy`: writes content to a file when its sha1 differs, then sets its attributes.
//!
//! The content arrives with the call (the controller read `src`, or the task gave `content`);
//! with `remote_src` it is read on the host. A directory `src` on the controller is expanded
//! there into one call per file ([`plan_local`]), as ansible-core's action plugin does.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::attrs::{self, FileAttrs, StateDiff};
use crate::checksum;
use crate::{Args, Context, Fail, Module, Param, Schema, file_params, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "copy",
    "Copy files to remote locations",
    file_params![
        Param::path("src"),
        Param::str("content").no_log(),
        Param::path("dest").required(),
        Param::bool("backup", false),
        Param::bool("force", true).aliases(&["thirsty"]),
        Param::new("directory_mode", crate::Type::Mode),
        Param::bool("remote_src", false),
        Param::bool("local_follow", true),
        Param::bool("follow", false),
        Param::str("checksum"),
        Param::str("validate"),
        Param::bool("decrypt", true),
        Param::str("_original_basename"),
    ],
)
.exclusive(&[&["content", "src"]])
.with_diff();

pub struct Copy;

impl Module for Copy {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let input = ctx.input.map(<[u8]>::to_vec);
        let data = if args.bool("remote_src") {
            let src = ctx.path(args.str("src").ok_or_else(|| Fail::new("src is required with remote_src"))?);
            match ctx.os.metadata(&src, true)? {
                None => return Err(Fail::new(format!("Source {} not found", src.display()))),
                Some(m) if m.is_dir() => return copy_remote_tree(args, ctx, &src),
                Some(_) => ctx.os.read(&src)?,
            }
        } else if let Some(input) = input {
            input
        } else if let Some(content) = args.str("content") {
            content.as_bytes().to_vec()
        } else {
            return Err(Fail::new("src (or content) is required"));
        };
        let src_label = args.str("src").map(str::to_string);
        write_file(args, ctx, &data, src_label.as_deref(), "copy")
    }
}

/// The heart of `copy` and `template`: `data` to `dest` with backup, validation, check mode,
/// diff and attributes. `kind` names the module in diff headers.
pub fn write_file(args: &Args, ctx: &mut Context<'_>, data: &[u8], src: Option<&str>, kind: &str) -> Result<Vars, Fail> {
    let dest_arg = args.string("dest");
    let mut dest = ctx.path(&dest_arg);
    let basename = args
        .str("_original_basename")
        .map(str::to_string)
        .or_else(|| src.and_then(|s| Path::new(s).file_name()).map(|n| n.to_string_lossy().into_owned()));
    let mut changed = false;
    let mut diff = StateDiff::default();
    if dest_arg.ends_with('/') {
        if let Some(b) = &basename {
            dest = dest.join(b);
        }
        if let Some(parent) = dest.parent()
            && ctx.os.metadata(parent, true)?.is_none()
        {
            changed = true;
            if !ctx.check {
                let created = ctx.os.create_dir_all(parent, None)?;
                let mut dir_attrs = FileAttrs::from_args(args);
                dir_attrs.mode = args.value("directory_mode").cloned();
                for dir in created {
                    attrs::apply(ctx, &dir, &dir_attrs, true, &mut StateDiff::default())?;
                }
            }
        }
    }
    if ctx.os.metadata(&dest, true)?.is_some_and(|m| m.is_dir()) {
        let Some(b) = &basename else {
            return Err(Fail::new("can not use content with a dir as dest"));
        };
        dest = dest.join(b);
    }
    if args.bool("follow") && ctx.os.metadata(&dest, false)?.is_some_and(|m| m.is_symlink()) {
        dest = ctx.os.real_path(&dest)?;
    }
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    if !changed && ctx.os.metadata(&parent, true)?.is_none() {
        return Err(Fail::new(format!("Destination directory {} does not exist", parent.display())).with("checksum", checksum::sha1(data)));
    }
    let checksum_src = checksum::sha1(data);
    if let Some(expected) = args.str("checksum")
        && expected != checksum_src
    {
        return Err(Fail::new("Copied file does not match the expected checksum. Transfer failed.")
            .with("checksum", checksum_src)
            .with("expected_checksum", expected));
    }
    let existing = ctx.os.metadata(&dest, false)?;
    let dest_str = dest.to_string_lossy().into_owned();
    if existing.is_some() && !args.bool("force") {
        let mut out = ret! {"changed" => false, "msg" => "file already exists", "dest" => dest_str};
        if let Some(s) = src {
            out.insert("src".into(), s.into());
        }
        return Ok(out);
    }
    let before = match &existing {
        Some(m) if m.is_file() => Some(ctx.os.read(&dest)?),
        _ => None,
    };
    let checksum_dest = before.as_deref().map(checksum::sha1);
    let mut out = Vars::new();
    if checksum_dest.as_deref() != Some(checksum_src.as_str()) {
        changed = true;
        if ctx.diff {
            let after_header = src.map(str::to_string).unwrap_or_else(|| "dynamically generated".into());
            let (bh, ah) = if kind == "template" {
                (format!("before: {dest_str}"), format!("after: {after_header}"))
            } else {
                (dest_str.clone(), after_header)
            };
            out.insert("diff".into(), super::text_diff(before.as_deref().unwrap_or_default(), data, &bh, &ah));
        }
        if !ctx.check {
            if args.bool("backup") && before.is_some() {
                out.insert("backup_file".into(), super::backup_local(ctx, &dest)?.into());
            }
            super::validate(ctx, args.str("validate"), &dest, data)?;
            let new_mode = match (&existing, args.value("mode")) {
                (None, Some(spec)) if spec != "preserve" => Some(attrs::wanted_mode(ctx, spec, None)?),
                _ => None,
            };
            ctx.os.write(&dest, data, new_mode)?;
        }
    }
    if !(ctx.check && existing.is_none()) {
        let mut fa = FileAttrs::from_args(args);
        if fa.mode.as_ref().is_some_and(|m| m == "preserve") {
            fa.mode = None;
        }
        changed |= attrs::apply(ctx, &dest, &fa, true, &mut diff)?;
    }
    if ctx.check && existing.is_none() {
        out.insert("dest".into(), dest_str.into());
    } else {
        attrs::path_info(ctx, &dest, &mut out);
        out.insert("dest".into(), dest_str.into());
        out.remove("path");
    }
    if let Some(s) = src {
        out.insert("src".into(), s.into());
    }
    out.insert("checksum".into(), checksum_src.into());
    out.insert("md5sum".into(), checksum::digest("md5", data).map(Value::from).unwrap_or(Value::Null));
    out.insert("size".into(), (data.len() as u64).into());
    out.insert("changed".into(), changed.into());
    Ok(out)
}

/// `remote_src` with a directory: copies the tree file by file.
fn copy_remote_tree(args: &Args, ctx: &mut Context<'_>, src: &Path) -> Result<Vars, Fail> {
    let src_arg = args.string("src");
    let dest_root = ctx.path(&args.string("dest"));
    let dest_root = if src_arg.ends_with('/') { dest_root } else { dest_root.join(src.file_name().unwrap_or_default()) };
    let mut changed = false;
    let mut stack = vec![(src.to_path_buf(), dest_root.clone())];
    while let Some((from, to)) = stack.pop() {
        if ctx.os.metadata(&to, true)?.is_none() {
            changed = true;
            if !ctx.check {
                ctx.os.create_dir_all(&to, None)?;
            }
        }
        for name in ctx.os.read_dir(&from)? {
            let (f, t) = (from.join(&name), to.join(&name));
            let Some(meta) = ctx.os.metadata(&f, args.bool("local_follow"))? else { continue };
            if meta.is_dir() {
                stack.push((f, t));
                continue;
            }
            let data = ctx.os.read(&f)?;
            let same = ctx.os.metadata(&t, false)?.is_some_and(|m| m.is_file()) && ctx.os.checksum(&t, "sha1")? == checksum::sha1(&data);
            if !same {
                changed = true;
                if !ctx.check {
                    ctx.os.write(&t, &data, Some(meta.mode))?;
                }
            }
        }
    }
    let mut diff = StateDiff::default();
    if !ctx.check || !changed {
        changed |= attrs::apply(ctx, &dest_root, &FileAttrs::from_args(args), true, &mut diff)?;
    }
    Ok(ret! {"changed" => changed, "dest" => dest_root.to_string_lossy(), "src" => src_arg})
}

/// One call of a directory copy, planned on the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalItem {
    /// Create this directory on the host.
    Dir { dest: String },
    /// Copy this controller file to `dest` on the host.
    File { src: PathBuf, dest: String, mode: u32 },
}

/// Expands a controller-side directory `src` into the directories and files to copy, as
/// ansible-core's action plugin does: with a trailing `/` only its contents go to `dest`.
pub fn plan_local(src: &Path, dest: &str, follow: bool) -> std::io::Result<Vec<LocalItem>> {
    use std::os::unix::fs::PermissionsExt;
    let root = if src.to_string_lossy().ends_with('/') {
        dest.trim_end_matches('/').to_string()
    } else {
        format!("{}/{}", dest.trim_end_matches('/'), src.file_name().unwrap_or_default().to_string_lossy())
    };
    let mut items = vec![LocalItem::Dir { dest: root.clone() }];
    let mut stack = vec![(src.to_path_buf(), root)];
    while let Some((dir, to)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)?.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let meta = if follow { std::fs::metadata(&path)? } else { std::fs::symlink_metadata(&path)? };
            let t = format!("{to}/{}", entry.file_name().to_string_lossy());
            if meta.is_dir() {
                items.push(LocalItem::Dir { dest: t.clone() });
                stack.push((path, t));
            } else if meta.is_file() {
                items.push(LocalItem::File { src: path, dest: t, mode: meta.permissions().mode() & 0o7777 });
            }
        }
    }
    Ok(items)
}
