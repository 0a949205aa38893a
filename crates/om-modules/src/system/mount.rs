//! `mount`: a filesystem in fstab and/or mounted (ansible.posix semantics: `present` edits
//! fstab only, `mounted` also mounts, `absent` removes both and the mount point).

use std::path::{Path, PathBuf};

use crate::os::Command;
use crate::{Args, Context, Fail, Module, Param, Schema, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "mount",
    "Control active and configured mount points",
    &[
        Param::path("path").aliases(&["name"]).required(),
        Param::path("src"),
        Param::str("fstype"),
        Param::str("opts"),
        Param::str("dump").default_str("0"),
        Param::str("passno").default_str("0"),
        Param::str("state")
            .choices(&["absent", "absent_from_fstab", "mounted", "present", "unmounted", "remounted", "ephemeral"])
            .required(),
        Param::str("fstab"),
        Param::bool("boot", true),
        Param::bool("backup", false),
        Param::str("opts_no_log"),
    ],
)
.required_if(&[
    ("state", "mounted", &["src", "fstype"]),
    ("state", "present", &["src", "fstype"]),
    ("state", "ephemeral", &["src", "fstype"]),
]);

pub struct Mount;

/// fstab's escaping: spaces, tabs, newlines and backslashes as octal.
fn escape(s: &str) -> String {
    s.replace('\\', "\\134").replace(' ', "\\040").replace('\t', "\\011").replace('\n', "\\012")
}

fn unescape(s: &str) -> String {
    s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
}

/// Whether something is mounted on `path` (from `/proc/self/mountinfo`).
pub fn is_mounted(ctx: &Context<'_>, path: &Path) -> bool {
    let info = ctx.os.read(Path::new("/proc/self/mountinfo")).unwrap_or_default();
    let want = path.to_string_lossy();
    String::from_utf8_lossy(&info).lines().any(|l| l.split(' ').nth(4).is_some_and(|m| unescape(m) == want))
}

fn run(ctx: &Context<'_>, argv: Vec<String>) -> Result<(), Fail> {
    let out = ctx.os.run(&Command::argv(argv.clone()).env("LANG", "C").env("LC_ALL", "C"), ctx.watch)?;
    if out.rc != 0 {
        return Err(Fail::new(format!(
            "Error {}ing {}: {}",
            argv[0].trim_start_matches('u'),
            argv.last().cloned().unwrap_or_default(),
            out.stderr_text().trim()
        ))
        .with("rc", out.rc));
    }
    Ok(())
}

struct Entry {
    src: String,
    name: String,
    fstype: String,
    opts: String,
    dump: String,
    passno: String,
}

impl Entry {
    fn line(&self) -> String {
        format!("{} {} {} {} {} {}\n", self.src, self.name, self.fstype, self.opts, self.dump, self.passno)
    }
}

/// Sets (`want = Some`) or removes (`None`) the fstab line for `name`; returns whether it
/// changed.
fn edit_fstab(ctx: &Context<'_>, fstab: &Path, name: &str, want: Option<&Entry>, backup: bool) -> Result<bool, Fail> {
    let text = match ctx.os.metadata(fstab, true)? {
        Some(_) => String::from_utf8_lossy(&ctx.os.read(fstab)?).into_owned(),
        None => String::new(),
    };
    let mut out = Vec::new();
    let mut changed = false;
    let mut exists = false;
    for line in text.split_inclusive('\n') {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if line.trim().is_empty() || line.trim().starts_with('#') || !(4..=6).contains(&fields.len()) || fields[1] != name {
            out.push(line.to_string());
            continue;
        }
        exists = true;
        match want {
            None => changed = true,
            Some(w) => {
                let cur = Entry {
                    src: fields[0].into(),
                    name: fields[1].into(),
                    fstype: fields[2].into(),
                    opts: fields[3].into(),
                    dump: fields.get(4).unwrap_or(&"0").to_string(),
                    passno: fields.get(5).unwrap_or(&"0").to_string(),
                };
                let differs =
                    cur.src != w.src || cur.fstype != w.fstype || cur.opts != w.opts || cur.dump != w.dump || cur.passno != w.passno;
                if differs {
                    changed = true;
                    out.push(w.line());
                } else {
                    out.push(line.to_string());
                }
            }
        }
    }
    if !exists && let Some(w) = want {
        if let Some(last) = out.last_mut()
            && !last.ends_with('\n')
        {
            last.push('\n');
        }
        out.push(w.line());
        changed = true;
    }
    if changed && !ctx.check {
        if backup && ctx.os.metadata(fstab, true)?.is_some() {
            crate::files::backup_local(ctx, fstab)?;
        }
        ctx.os.write(fstab, out.concat().as_bytes(), None)?;
    }
    Ok(changed)
}

impl Module for Mount {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let path = super::super::files::path_arg(ctx, args, "path");
        let fstab = PathBuf::from(args.str("fstab").unwrap_or("/etc/fstab"));
        let state = args.string("state");
        let mut opts = args.str("opts").unwrap_or("defaults").to_string();
        if !args.bool("boot") && !opts.split(',').any(|o| o == "noauto") {
            opts = if opts == "defaults" { "noauto".into() } else { format!("{opts},noauto") };
        }
        let entry = Entry {
            src: escape(args.str("src").unwrap_or_default()),
            name: escape(&path.to_string_lossy()),
            fstype: args.string("fstype"),
            opts: opts.clone(),
            dump: args.string("dump"),
            passno: args.string("passno"),
        };
        let fstab_arg = |argv: &mut Vec<String>| {
            if fstab != Path::new("/etc/fstab") {
                argv.extend(["-T".into(), fstab.to_string_lossy().into_owned()]);
            }
        };
        let mounted = is_mounted(ctx, &path);
        let mut changed = false;
        match state.as_str() {
            "present" => changed = edit_fstab(ctx, &fstab, &entry.name, Some(&entry), args.bool("backup"))?,
            "absent" | "absent_from_fstab" => {
                changed = edit_fstab(ctx, &fstab, &entry.name, None, args.bool("backup"))?;
                if state == "absent" {
                    if mounted {
                        changed = true;
                        if !ctx.check {
                            run(ctx, vec!["umount".into(), path.to_string_lossy().into_owned()])?;
                        }
                    }
                    if !ctx.check && ctx.os.metadata(&path, false)?.is_some_and(|m| m.is_dir()) && ctx.os.read_dir(&path)?.is_empty() {
                        let _ = ctx.os.remove(&path);
                    }
                }
            }
            "unmounted" => {
                if mounted {
                    changed = true;
                    if !ctx.check {
                        run(ctx, vec!["umount".into(), path.to_string_lossy().into_owned()])?;
                    }
                }
            }
            "remounted" => {
                changed = true;
                if !ctx.check {
                    let mut argv = vec!["mount".into(), "-o".into(), format!("remount,{opts}")];
                    fstab_arg(&mut argv);
                    argv.push(path.to_string_lossy().into_owned());
                    run(ctx, argv)?;
                }
            }
            "ephemeral" => {
                if !mounted {
                    changed = true;
                    if !ctx.check {
                        ctx.os.create_dir_all(&path, None)?;
                        let argv = vec![
                            "mount".into(),
                            "-t".into(),
                            entry.fstype.clone(),
                            "-o".into(),
                            opts.clone(),
                            unescape(&entry.src),
                            path.to_string_lossy().into_owned(),
                        ];
                        run(ctx, argv)?;
                    }
                }
            }
            _ => {
                if ctx.os.metadata(&path, true)?.is_none() {
                    changed = true;
                    if !ctx.check {
                        ctx.os.create_dir_all(&path, None)?;
                    }
                }
                let fstab_changed = edit_fstab(ctx, &fstab, &entry.name, Some(&entry), args.bool("backup"))?;
                changed |= fstab_changed;
                if !mounted || fstab_changed {
                    changed = true;
                    if !ctx.check {
                        let mut argv = vec!["mount".to_string()];
                        if mounted {
                            argv.extend(["-o".into(), format!("remount,{opts}")]);
                        }
                        fstab_arg(&mut argv);
                        argv.push(path.to_string_lossy().into_owned());
                        run(ctx, argv)?;
                    }
                }
            }
        }
        Ok(ret! {
            "changed" => changed,
            "name" => path.to_string_lossy(),
            "src" => args.string("src"),
            "fstype" => args.string("fstype"),
            "opts" => opts,
            "dump" => args.string("dump"),
            "passno" => args.string("passno"),
            "fstab" => fstab.to_string_lossy(),
            "boot" => args.bool("boot"),
        })
    }
}
