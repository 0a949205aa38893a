//! `unarchive`: unpacks a tar.gz, tar.xz, plain tar or zip archive into a directory,
//! natively (no `tar` or `unzip` needed on the host). Changed when any member differs from
//! what is on disk in kind, size, modification time or mode, as `gtar --diff` decides.

use std::io::{Cursor, Read};
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::glob::matches;
use crate::attrs::{self, FileAttrs, StateDiff};
use crate::{Args, Context, Fail, Module, Param, Schema, file_params, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "unarchive",
    "Unpacks an archive after (optionally) copying it from the local machine",
    file_params![
        Param::path("src").required(),
        Param::path("dest").required(),
        Param::bool("remote_src", false),
        Param::bool("copy", true),
        Param::path("creates"),
        Param::bool("list_files", false),
        Param::list("exclude"),
        Param::list("include"),
        Param::bool("keep_newer", false),
        Param::list("extra_opts"),
        Param::int("io_buffer_size").default_int(65536),
        Param::bool("decrypt", true),
        Param::bool("validate_certs", true),
    ],
)
.exclusive(&[&["include", "exclude"]]);

pub struct Unarchive;

#[derive(Debug, Clone)]
enum Kind {
    File(Vec<u8>),
    Dir,
    Symlink(String),
}

#[derive(Debug, Clone)]
struct Entry {
    path: String,
    kind: Kind,
    mode: u32,
    mtime: i64,
}

fn safe_relative(name: &str) -> Option<String> {
    let p = Path::new(name);
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn read_tar(reader: impl Read) -> Result<Vec<Entry>, String> {
    let mut archive = tar::Archive::new(reader);
    let mut out = Vec::new();
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let name = entry.path().map_err(|e| e.to_string())?.to_string_lossy().into_owned();
        let Some(path) = safe_relative(&name) else {
            return Err(format!("archive member `{name}` points outside the destination"));
        };
        let header = entry.header();
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let mtime = header.mtime().unwrap_or(0) as i64;
        let kind = match header.entry_type() {
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Symlink => {
                Kind::Symlink(entry.link_name().ok().flatten().map(|l| l.to_string_lossy().into_owned()).unwrap_or_default())
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let mut data = Vec::new();
                entry.read_to_end(&mut data).map_err(|e| e.to_string())?;
                Kind::File(data)
            }
            _ => continue,
        };
        out.push(Entry { path, kind, mode, mtime });
    }
    Ok(out)
}

fn zip_time(t: zip::DateTime) -> i64 {
    chrono::NaiveDate::from_ymd_opt(t.year() as i32, t.month() as u32, t.day() as u32)
        .and_then(|d| d.and_hms_opt(t.hour() as u32, t.minute() as u32, t.second() as u32))
        .and_then(|dt| dt.and_local_timezone(chrono::Local).single())
        .map(|dt| dt.timestamp())
        .unwrap_or(0)
}

fn read_zip(data: &[u8]) -> Result<Vec<Entry>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(data)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| e.to_string())?;
        let name = file.name().to_string();
        let Some(path) = safe_relative(&name) else {
            return Err(format!("archive member `{name}` points outside the destination"));
        };
        let unix = file.unix_mode();
        let mtime = file.last_modified().map(zip_time).unwrap_or(0);
        let is_link = unix.is_some_and(|m| m & 0o170000 == 0o120000);
        let kind = if file.is_dir() {
            Kind::Dir
        } else {
            let mut data = Vec::new();
            file.read_to_end(&mut data).map_err(|e| e.to_string())?;
            if is_link { Kind::Symlink(String::from_utf8_lossy(&data).into_owned()) } else { Kind::File(data) }
        };
        let default = if matches!(kind, Kind::Dir) { 0o755 } else { 0o644 };
        out.push(Entry { path, kind, mode: unix.map(|m| m & 0o7777).unwrap_or(default), mtime });
    }
    Ok(out)
}

/// The handler name ansible-core reports, and the members.
fn read_archive(data: &[u8]) -> Result<(&'static str, Vec<Entry>), String> {
    if data.starts_with(&[0x1f, 0x8b]) {
        return read_tar(flate2::read::GzDecoder::new(data)).map(|e| ("TgzArchive", e));
    }
    if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        let mut out = Vec::new();
        lzma_rs::xz_decompress(&mut Cursor::new(data), &mut out).map_err(|e| format!("xz: {e}"))?;
        return read_tar(out.as_slice()).map(|e| ("TarXzArchive", e));
    }
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") {
        return read_zip(data).map(|e| ("ZipArchive", e));
    }
    if data.len() > 262 && &data[257..262] == b"ustar" {
        return read_tar(data).map(|e| ("TarArchive", e));
    }
    if data.starts_with(b"BZh") {
        return Err("bzip2 archives are not supported natively; use tar.gz, tar.xz or zip".into());
    }
    Err("Failed to find handler to unarchive. Make sure the required command to extract the file is installed (om reads tar, tar.gz, tar.xz and zip natively)".into())
}

impl Module for Unarchive {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let src = args.string("src");
        let dest = super::path_arg(ctx, args, "dest");
        if let Some(creates) = args.str("creates")
            && ctx.os.metadata(&ctx.path(creates), false)?.is_some()
        {
            return Ok(ret! {"changed" => false, "skipped" => true, "msg" => format!("skipped, since {creates} exists")});
        }
        match ctx.os.metadata(&dest, true)? {
            Some(m) if m.is_dir() => {}
            Some(_) => return Err(Fail::new(format!("Destination '{}' is not a directory", dest.display()))),
            None => return Err(Fail::new(format!("Destination '{}' does not exist", dest.display()))),
        }
        let data = if args.bool("remote_src") || !args.bool("copy") {
            if src.contains("://") {
                let req = super::http::Request {
                    method: "GET".into(),
                    url: src.clone(),
                    headers: Vec::new(),
                    timeout: std::time::Duration::from_secs(10),
                    auth: None,
                    if_modified_since: None,
                    validate_certs: args.bool("validate_certs"),
                    user_agent: "ansible-httpget".into(),
                };
                let resp = super::http::fetch(ctx.os, &req).map_err(Fail::new)?;
                if !(200..300).contains(&resp.status) {
                    return Err(Fail::new(format!("Failure downloading {src}, HTTP Error {}: {}", resp.status, resp.reason)));
                }
                resp.body
            } else {
                let p = ctx.path(&src);
                if ctx.os.metadata(&p, true)?.is_none() {
                    return Err(Fail::new(format!("Source '{src}' does not exist")));
                }
                ctx.os.read(&p)?
            }
        } else {
            ctx.input
                .map(<[u8]>::to_vec)
                .ok_or_else(|| Fail::new("unarchive: the archive must come from the controller (or set remote_src)"))?
        };
        let (handler, mut entries) = read_archive(&data).map_err(|e| Fail::new(format!("Failed to find handler for \"{src}\": {e}")))?;
        let include = args.list("include");
        let exclude = args.list("exclude");
        entries.retain(|e| {
            (include.is_empty() || include.iter().any(|p| matches(p, &e.path))) && !exclude.iter().any(|p| matches(p, &e.path))
        });
        let fa = FileAttrs::from_args(args);
        let mut changed = false;
        for entry in &entries {
            let target = dest.join(&entry.path);
            let current = ctx.os.metadata(&target, false)?;
            if args.bool("keep_newer") && current.as_ref().is_some_and(|m| m.mtime as i64 > entry.mtime) {
                continue;
            }
            let mode = match &fa.mode {
                Some(spec) => attrs::wanted_mode(ctx, spec, current.as_ref())?,
                None => entry.mode,
            };
            let differs = match (&entry.kind, &current) {
                (_, None) => true,
                (Kind::Dir, Some(m)) => !m.is_dir(),
                (Kind::File(d), Some(m)) => !m.is_file() || m.size != d.len() as u64 || m.mtime as i64 != entry.mtime || m.mode != mode,
                (Kind::Symlink(t), Some(m)) => !m.is_symlink() || ctx.os.read_link(&target)?.to_string_lossy() != t.as_str(),
            };
            if !differs {
                continue;
            }
            changed = true;
            if ctx.check {
                continue;
            }
            if let Some(parent) = target.parent() {
                ctx.os.create_dir_all(parent, None)?;
            }
            match &entry.kind {
                Kind::Dir => {
                    if current.as_ref().is_some_and(|m| !m.is_dir()) {
                        ctx.os.remove(&target)?;
                    }
                    if ctx.os.metadata(&target, false)?.is_none() {
                        ctx.os.create_dir(&target, Some(mode))?;
                    }
                }
                Kind::File(d) => {
                    if current.as_ref().is_some_and(|m| m.is_dir() || m.is_symlink()) {
                        ctx.os.remove(&target)?;
                    }
                    ctx.os.write(&target, d, Some(mode))?;
                    ctx.os.set_times(&target, Some(entry.mtime as f64), Some(entry.mtime as f64))?;
                }
                Kind::Symlink(t) => {
                    if current.is_some() {
                        ctx.os.remove(&target)?;
                    }
                    ctx.os.symlink(Path::new(t), &target)?;
                }
            }
        }
        if !ctx.check && (fa.owner.is_some() || fa.group.is_some()) {
            let owner_only = FileAttrs { owner: fa.owner.clone(), group: fa.group.clone(), mode: None };
            for entry in &entries {
                changed |= attrs::apply(ctx, &dest.join(&entry.path), &owner_only, false, &mut StateDiff::default())?;
            }
        }
        let mut out = Vars::new();
        attrs::path_info(ctx, &dest, &mut out);
        out.remove("path");
        out.insert("dest".into(), dest.to_string_lossy().into());
        out.insert("src".into(), src.into());
        out.insert("handler".into(), handler.into());
        out.insert("changed".into(), changed.into());
        if args.bool("list_files") {
            out.insert("files".into(), Value::Array(entries.iter().map(|e| Value::from(e.path.clone())).collect()));
        }
        Ok(out)
    }
}

/// The archive members, for tests and `list_files` without extracting.
pub fn list(data: &[u8]) -> Result<Vec<PathBuf>, String> {
    read_archive(data).map(|(_, e)| e.into_iter().map(|e| PathBuf::from(e.path)).collect())
}
