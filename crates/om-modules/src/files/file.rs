//! `file`: a path's state (file, directory, link, hard link, touched, absent) and attributes,
//! with ansible-core's decisions about what may be converted into what.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::attrs::{self, FileAttrs, StateDiff};
use crate::os::Meta;
use crate::{Args, Context, Fail, Module, Param, Schema, file_params};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "file",
    "Manage files and file properties",
    file_params![
        Param::path("path").aliases(&["dest", "name"]).required(),
        Param::str("state").choices(&["absent", "directory", "file", "hard", "link", "touch"]),
        Param::path("src"),
        Param::bool("recurse", false),
        Param::bool("force", false),
        Param::bool("follow", true),
        Param::str("modification_time"),
        Param::str("modification_time_format").default_str("%Y%m%d%H%M.%S"),
        Param::str("access_time"),
        Param::str("access_time_format").default_str("%Y%m%d%H%M.%S"),
        Param::new("_original_basename", crate::Type::Str),
        Param::new("_diff_peek", crate::Type::Str),
    ],
)
.with_diff();

pub struct File;

/// ansible-core's `get_state`.
fn state_of(meta: Option<&Meta>) -> &'static str {
    match meta {
        None => "absent",
        Some(m) if m.is_symlink() => "link",
        Some(m) if m.is_dir() => "directory",
        Some(m) if m.nlink > 1 => "hard",
        Some(_) => "file",
    }
}

struct Run<'c, 'a> {
    ctx: &'c mut Context<'a>,
    args: &'c Args,
    path: PathBuf,
    diff: StateDiff,
}

impl Module for File {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let path = super::path_arg(ctx, args, "path");
        let prev = ctx.os.metadata(&path, false)?;
        let prev_state = state_of(prev.as_ref());
        let state = match args.str("state") {
            Some(s) => s.to_string(),
            None if prev_state == "absent" => "file".to_string(),
            None => prev_state.to_string(),
        };
        if args.bool("recurse") && state != "directory" {
            return Err(Fail::new("recurse option requires state to be 'directory'").with("path", path.to_string_lossy()));
        }
        if args.has("src") && !matches!(state.as_str(), "link" | "hard") {
            return Err(Fail::new("src option requires state to be 'link' or 'hard'".to_string()).with("path", path.to_string_lossy()));
        }
        let mut run = Run { ctx, args, path, diff: StateDiff::default() };
        let changed = match state.as_str() {
            "absent" => run.absent(prev_state)?,
            "file" => run.file(prev_state)?,
            "directory" => run.directory(prev_state)?,
            "link" => run.link(prev.as_ref(), prev_state)?,
            "hard" => run.hard(prev.as_ref(), prev_state)?,
            _ => run.touch(prev_state)?,
        };
        let mut out = Vars::new();
        if run.ctx.check && state != "absent" && prev_state == "absent" {
            out.insert("path".into(), run.path.to_string_lossy().into());
            out.insert("state".into(), "absent".into());
        } else {
            attrs::path_info(run.ctx, &run.path, &mut out);
        }
        if matches!(state.as_str(), "link" | "hard")
            && let Some(src) = args.str("src")
        {
            out.insert("src".into(), src.into());
        }
        out.insert("changed".into(), changed.into());
        out.insert("diff".into(), run.diff.to_value(&run.path));
        Ok(out)
    }
}

impl Run<'_, '_> {
    fn fail(&self, msg: String) -> Fail {
        Fail::new(msg).with("path", self.path.to_string_lossy())
    }

    fn attrs(&mut self, path: &Path, follow: bool) -> Result<bool, Fail> {
        let fa = FileAttrs::from_args(self.args);
        attrs::apply(self.ctx, path, &fa, follow, &mut self.diff)
    }

    fn absent(&mut self, prev_state: &str) -> Result<bool, Fail> {
        if prev_state == "absent" {
            return Ok(false);
        }
        self.diff.record("state", prev_state, "absent");
        if !self.ctx.check {
            self.ctx.os.remove(&self.path).map_err(|e| self.fail(format!("rmtree failed: {e}")))?;
        }
        Ok(true)
    }

    fn file(&mut self, prev_state: &str) -> Result<bool, Fail> {
        let mut target = self.path.clone();
        match prev_state {
            "file" | "hard" => {}
            "absent" => return Err(self.fail(format!("file ({}) is absent, cannot continue", self.path.display()))),
            "link" if self.args.bool("follow") => {
                target = self.ctx.os.real_path(&self.path)?;
                match self.ctx.os.metadata(&target, false)? {
                    Some(m) if m.is_file() => {}
                    other => {
                        let s = state_of(other.as_ref());
                        return Err(self.fail(format!("file ({}) is {s}, cannot continue", self.path.display())));
                    }
                }
            }
            other => return Err(self.fail(format!("file ({}) is {other}, cannot continue", self.path.display()))),
        }
        self.times(&target, false)?;
        self.attrs(&target, self.args.bool("follow"))
    }

    fn directory(&mut self, prev_state: &str) -> Result<bool, Fail> {
        let follow = self.args.bool("follow");
        let mut changed = false;
        match prev_state {
            "absent" => {
                self.diff.record("state", "absent", "directory");
                if self.ctx.check {
                    return Ok(true);
                }
                let created = self.ctx.os.create_dir_all(&self.path, None)?;
                for dir in created {
                    let fa = FileAttrs::from_args(self.args);
                    attrs::apply(self.ctx, &dir, &fa, follow, &mut StateDiff::default())?;
                }
                changed = true;
            }
            "directory" => {}
            "link" if follow && self.ctx.os.metadata(&self.path, true)?.is_some_and(|m| m.is_dir()) => {}
            other => return Err(self.fail(format!("{} already exists as a {other}", self.path.display()))),
        }
        changed |= self.times(&self.path.clone(), false)?;
        changed |= self.attrs(&self.path.clone(), follow)?;
        if self.args.bool("recurse") {
            changed |= self.recurse(&self.path.clone(), follow)?;
        }
        Ok(changed)
    }

    fn recurse(&mut self, dir: &Path, follow: bool) -> Result<bool, Fail> {
        let mut changed = false;
        for name in self.ctx.os.read_dir(dir)? {
            let child = dir.join(name);
            let Some(meta) = self.ctx.os.metadata(&child, false)? else { continue };
            if meta.is_symlink() {
                changed |= self.attrs(&child, false)?;
                if follow && let Some(t) = self.ctx.os.metadata(&child, true)? {
                    let real = self.ctx.os.real_path(&child)?;
                    changed |= self.attrs(&real, true)?;
                    if t.is_dir() {
                        changed |= self.recurse(&real, follow)?;
                    }
                }
            } else {
                changed |= self.attrs(&child, false)?;
                if meta.is_dir() {
                    changed |= self.recurse(&child, follow)?;
                }
            }
        }
        Ok(changed)
    }

    fn link(&mut self, prev: Option<&Meta>, prev_state: &str) -> Result<bool, Fail> {
        let force = self.args.bool("force");
        let src = match self.args.str("src") {
            Some(s) => PathBuf::from(s),
            None if prev_state == "link" => self.ctx.os.read_link(&self.path)?,
            None => return Err(self.fail("src is required for creating new symlinks".into())),
        };
        let abs_src = if src.is_absolute() { src.clone() } else { self.path.parent().unwrap_or(Path::new(".")).join(&src) };
        if !force && self.ctx.os.metadata(&abs_src, true)?.is_none() {
            return Err(self
                .fail(format!("src file does not exist, use \"force=yes\" if you really want to create the link: {}", abs_src.display())));
        }
        let mut changed = false;
        match prev_state {
            "absent" => changed = true,
            "link" => {
                let current = self.ctx.os.read_link(&self.path)?;
                if current != src {
                    self.diff.record("src", current.to_string_lossy(), src.to_string_lossy());
                    changed = true;
                }
            }
            "hard" | "file" if !force => {
                return Err(self.fail(format!("refusing to convert from {prev_state} to symlink for {}", self.path.display())));
            }
            "directory" => {
                if !force {
                    return Err(self.fail(format!("refusing to convert from directory to symlink for {}", self.path.display())));
                }
                if !self.ctx.os.read_dir(&self.path)?.is_empty() {
                    return Err(self.fail(format!("the directory {} is not empty, refusing to convert it", self.path.display())));
                }
                changed = true;
            }
            _ => changed = true,
        }
        if changed {
            if prev_state != "link" {
                self.diff.record("state", prev_state, "link");
            }
            if !self.ctx.check {
                self.replace_with(prev, |os, tmp| os.symlink(&src, tmp))?;
            }
        }
        if self.ctx.check && changed {
            return Ok(true);
        }
        let follow = self.args.bool("follow") && self.ctx.os.metadata(&self.path, true)?.is_some();
        changed |= self.attrs(&self.path.clone(), follow)?;
        Ok(changed)
    }

    fn hard(&mut self, prev: Option<&Meta>, prev_state: &str) -> Result<bool, Fail> {
        let Some(src) = self.args.str("src").map(|s| self.ctx.path(s)) else {
            return Err(self.fail("src is required for creating new hard links".into()));
        };
        let Some(src_meta) = self.ctx.os.metadata(&src, true)? else {
            return Err(self.fail(format!("src does not exist: {}", src.display())));
        };
        let mut changed = false;
        match prev_state {
            "absent" => changed = true,
            "hard" | "file" => {
                let same = prev.is_some_and(|p| p.inode == src_meta.inode && p.dev == src_meta.dev);
                if !same {
                    if prev_state == "file" && !self.args.bool("force") {
                        return Err(self.fail(format!("Cannot link, file exists at destination: {}", self.path.display())));
                    }
                    changed = true;
                }
            }
            "link" => changed = true,
            "directory" => {
                if !self.args.bool("force") || !self.ctx.os.read_dir(&self.path)?.is_empty() {
                    return Err(self.fail(format!("Cannot link, directory exists at destination: {}", self.path.display())));
                }
                changed = true;
            }
            _ => {}
        }
        if changed {
            self.diff.record("state", prev_state, "hard");
            if self.ctx.check {
                return Ok(true);
            }
            self.replace_with(prev, |os, tmp| os.hard_link(&src, tmp))?;
        }
        changed |= self.attrs(&self.path.clone(), true)?;
        Ok(changed)
    }

    /// Creates the new entry under a temporary name, then renames it over the path.
    fn replace_with(&self, prev: Option<&Meta>, create: impl Fn(&dyn crate::os::Os, &Path) -> std::io::Result<()>) -> Result<(), Fail> {
        let os = self.ctx.os;
        if prev.is_some_and(|m| m.is_dir()) {
            os.remove(&self.path)?;
        }
        let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = self.path.with_file_name(format!(".{name}.om-link-{}", std::process::id()));
        let _ = os.remove(&tmp);
        create(os, &tmp).map_err(|e| self.fail(format!("Error while linking: {e}")))?;
        os.rename(&tmp, &self.path).map_err(|e| {
            let _ = os.remove(&tmp);
            self.fail(format!("Error while replacing: {e}"))
        })
    }

    fn touch(&mut self, prev_state: &str) -> Result<bool, Fail> {
        if self.ctx.check && prev_state == "absent" {
            self.diff.record("state", prev_state, "touch");
            return Ok(true);
        }
        if prev_state == "absent" {
            let fa = FileAttrs::from_args(self.args);
            let mode = match &fa.mode {
                Some(spec) => Some(attrs::wanted_mode(self.ctx, spec, None)?),
                None => None,
            };
            self.ctx.os.write(&self.path, b"", mode).map_err(|e| self.fail(format!("Error, could not touch target: {e}")))?;
            self.diff.record("state", "absent", "touch");
        } else {
            self.diff.record("state", prev_state, "touch");
        }
        // As ansible-core: an existing file with preserved times and the same attributes
        // is not a change.
        let mut changed = prev_state == "absent";
        changed |= self.times(&self.path.clone(), true)?;
        let follow = self.args.bool("follow");
        changed |= self.attrs(&self.path.clone(), follow)?;
        Ok(changed)
    }

    /// Sets `access_time`/`modification_time` (`now`, `preserve` or a formatted time); for
    /// `touch` the default is now.
    fn times(&mut self, path: &Path, touch: bool) -> Result<bool, Fail> {
        let when = |arg: &str, fmt: &str| -> Result<Option<Option<f64>>, Fail> {
            match self.args.str(arg) {
                None if touch => Ok(Some(None)),
                None | Some("preserve") => Ok(None),
                Some("now") => Ok(Some(None)),
                Some(t) => {
                    let f = self.args.string(fmt);
                    let parsed = chrono::NaiveDateTime::parse_from_str(t, &f)
                        .map_err(|e| Fail::new(format!("Error while obtaining timestamp for time {t} using format {f}: {e}")))?;
                    let local =
                        parsed.and_local_timezone(chrono::Local).single().ok_or_else(|| Fail::new(format!("ambiguous local time {t}")))?;
                    Ok(Some(Some(local.timestamp() as f64)))
                }
            }
        };
        let atime = when("access_time", "access_time_format")?;
        let mtime = when("modification_time", "modification_time_format")?;
        if atime.is_none() && mtime.is_none() {
            return Ok(false);
        }
        let Some(meta) = self.ctx.os.metadata(path, false)? else { return Ok(false) };
        let differs = |want: Option<Option<f64>>, have: f64| match want {
            None => false,
            Some(None) => true,
            Some(Some(t)) => (t - have).abs() >= 1.0,
        };
        let changed = differs(atime, meta.atime) || differs(mtime, meta.mtime);
        if changed && !self.ctx.check {
            let resolve = |want: Option<Option<f64>>, have: f64| match want {
                None => Some(have),
                Some(t) => t,
            };
            self.ctx.os.set_times(path, resolve(atime, meta.atime), resolve(mtime, meta.mtime))?;
        }
        if changed && !touch {
            self.diff.record("atime", Value::from(meta.atime), Value::from("changed"));
        }
        Ok(changed)
    }
}
