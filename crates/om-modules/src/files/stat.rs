//! `stat`: what a path is, its owner, mode, times and checksum (never changes anything).

use serde_json::Value;

use crate::os::{Accounts, FileKind, Meta, Os};
use crate::{Args, Context, Fail, Module, Param, Schema, mode, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "stat",
    "Retrieve file or file system status",
    &[
        Param::path("path").aliases(&["dest", "name"]).required(),
        Param::bool("follow", false),
        Param::bool("get_checksum", true),
        Param::str("checksum_algorithm").aliases(&["checksum", "checksum_algo"]).default_str("sha1").choices(crate::checksum::ALGORITHMS),
        Param::bool("get_mime", true).aliases(&["mime", "mime_type", "mime-type"]),
        Param::bool("get_attributes", true).aliases(&["attr", "attributes"]),
        Param::bool("get_selinux_context", false),
    ],
);

pub struct Stat;

impl Module for Stat {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let path = super::path_arg(ctx, args, "path");
        let follow = args.bool("follow");
        let Some(meta) = ctx.os.metadata(&path, follow)? else {
            return Ok(ret! {"changed" => false, "stat" => serde_json::json!({"exists": false})});
        };
        let mut st = describe(ctx.os, &path, &meta);
        if meta.is_file() && args.bool("get_checksum") && st["readable"] == true {
            let algo = args.string("checksum_algorithm");
            st.insert("checksum".into(), ctx.os.checksum(&path, &algo)?.into());
        }
        Ok(ret! {"changed" => false, "stat" => st})
    }
}

/// The `stat` dictionary for an existing path (everything but `checksum`).
pub fn describe(os: &dyn Os, path: &std::path::Path, meta: &Meta) -> Vars {
    let m = meta.mode;
    let accounts = Accounts::load(os);
    let uid = os.uid();
    let (r, w, x) = access(uid, meta, &accounts, os);
    let mut st = ret! {
        "exists" => true,
        "path" => path.to_string_lossy(),
        "mode" => mode::format(m),
        "isdir" => meta.kind == FileKind::Dir,
        "ischr" => meta.kind == FileKind::Char,
        "isblk" => meta.kind == FileKind::Block,
        "isreg" => meta.kind == FileKind::File,
        "isfifo" => meta.kind == FileKind::Fifo,
        "islnk" => meta.kind == FileKind::Symlink,
        "issock" => meta.kind == FileKind::Socket,
        "uid" => meta.uid,
        "gid" => meta.gid,
        "size" => meta.size,
        "inode" => meta.inode,
        "dev" => meta.dev,
        "nlink" => meta.nlink,
        "atime" => meta.atime,
        "mtime" => meta.mtime,
        "ctime" => meta.ctime,
        "wusr" => m & 0o200 != 0,
        "rusr" => m & 0o400 != 0,
        "xusr" => m & 0o100 != 0,
        "wgrp" => m & 0o020 != 0,
        "rgrp" => m & 0o040 != 0,
        "xgrp" => m & 0o010 != 0,
        "woth" => m & 0o002 != 0,
        "roth" => m & 0o004 != 0,
        "xoth" => m & 0o001 != 0,
        "isuid" => m & 0o4000 != 0,
        "isgid" => m & 0o2000 != 0,
        "blocks" => meta.blocks,
        "block_size" => meta.blksize,
        "readable" => r,
        "writeable" => w,
        "executable" => x,
        "pw_name" => accounts.user_name(meta.uid).map(Value::from).unwrap_or(Value::Null),
        "gr_name" => accounts.group_name(meta.gid).map(Value::from).unwrap_or(Value::Null),
    };
    if meta.is_symlink() {
        if let Ok(target) = os.read_link(path) {
            st.insert("lnk_target".into(), target.to_string_lossy().into());
        }
        if let Ok(source) = os.real_path(path) {
            st.insert("lnk_source".into(), source.to_string_lossy().into());
        }
    }
    st
}

/// `os.access` for R_OK, W_OK, X_OK, from the mode bits and the caller's ids.
fn access(uid: u32, meta: &Meta, accounts: &Accounts, os: &dyn Os) -> (bool, bool, bool) {
    let m = meta.mode;
    if uid == 0 {
        return (true, true, meta.is_dir() || m & 0o111 != 0);
    }
    let bits = if uid == meta.uid {
        m >> 6
    } else {
        let name = accounts.user_name(uid).unwrap_or_default();
        let primary = accounts.user_by_uid(uid).map(|u| u.gid);
        let in_group = primary == Some(meta.gid) || accounts.group_by_gid(meta.gid).is_some_and(|g| g.members.contains(&name));
        let _ = os;
        if in_group { m >> 3 } else { m }
    };
    (bits & 4 != 0, bits & 2 != 0, bits & 1 != 0)
}
