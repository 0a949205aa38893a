//! [`ShellOs`]: every operation as one POSIX shell command, for hosts where `om-agent` cannot
//! run (another architecture, `noexec` everywhere). The module logic then runs on the
//! controller, and each file operation is a round trip: slower, but the same results.
//!
//! Only POSIX `sh` and coreutils-or-busybox tools are used (`stat -c`, `cat`, `mv`, `ln`,
//! `readlink`, `sha1sum`…).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{Command, CommandOutput, FileKind, Meta, Os, Program, Watch};

/// What a shell command left behind.
#[derive(Debug, Clone, Default)]
pub struct ShellOutput {
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs a script with `sh -c` on the host (the transport's exec channel).
pub trait Shell: Send + Sync {
    fn sh(&self, script: &str, stdin: Option<&[u8]>) -> io::Result<ShellOutput>;
}

/// Quotes a word for `sh`: `it's` → `'it'\''s'`.
pub fn quote(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(&b)) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn q(path: &Path) -> String {
    quote(&path.to_string_lossy())
}

/// The file and process operations over a [`Shell`].
pub struct ShellOs<S> {
    shell: S,
    umask: OnceLock<u32>,
    uid: OnceLock<u32>,
}

impl<S: Shell> ShellOs<S> {
    pub fn new(shell: S) -> Self {
        Self { shell, umask: OnceLock::new(), uid: OnceLock::new() }
    }

    /// Runs `script`; a non-zero exit becomes an error carrying stderr.
    fn ok(&self, what: &str, path: &Path, script: &str, stdin: Option<&[u8]>) -> io::Result<Vec<u8>> {
        let out = self.shell.sh(script, stdin)?;
        if out.rc != 0 {
            let msg = String::from_utf8_lossy(&out.stderr).trim().to_string();
            let kind = if msg.contains("No such file") { io::ErrorKind::NotFound } else { io::ErrorKind::Other };
            return Err(io::Error::new(kind, format!("cannot {what} `{}`: {msg}", path.display())));
        }
        Ok(out.stdout)
    }

    fn text(&self, script: &str) -> String {
        self.shell.sh(script, None).map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default()
    }
}

fn parse_stat(line: &str) -> Option<Meta> {
    // %f %u %g %s %X %Y %Z %i %d %h %b %B
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 12 {
        return None;
    }
    let raw = u32::from_str_radix(f[0], 16).ok()?;
    let kind = match raw & 0o170000 {
        0o040000 => FileKind::Dir,
        0o120000 => FileKind::Symlink,
        0o010000 => FileKind::Fifo,
        0o140000 => FileKind::Socket,
        0o060000 => FileKind::Block,
        0o020000 => FileKind::Char,
        _ => FileKind::File,
    };
    let n = |i: usize| f[i].parse::<u64>().ok();
    let blocks_512 = n(10)? * n(11)? / 512;
    Some(Meta {
        kind,
        mode: raw & 0o7777,
        uid: n(1)? as u32,
        gid: n(2)? as u32,
        size: n(3)?,
        atime: n(4)? as f64,
        mtime: n(5)? as f64,
        ctime: n(6)? as f64,
        inode: n(7)?,
        dev: n(8)?,
        nlink: n(9)?,
        blocks: blocks_512,
        blksize: 4096,
    })
}

fn epoch(t: f64) -> String {
    chrono::DateTime::from_timestamp(t.floor() as i64, 0).map(|d| d.format("%Y%m%d%H%M.%S").to_string()).unwrap_or_default()
}

impl<S: Shell> Os for ShellOs<S> {
    fn metadata(&self, path: &Path, follow: bool) -> io::Result<Option<Meta>> {
        let p = q(path);
        let flag = if follow { "-L " } else { "" };
        let script = format!("[ -e {p} ] || [ -L {p} ] || exit 3; stat {flag}-c '%f %u %g %s %X %Y %Z %i %d %h %b %B' -- {p}");
        let out = self.shell.sh(&script, None)?;
        match out.rc {
            3 => Ok(None),
            0 => parse_stat(&String::from_utf8_lossy(&out.stdout))
                .map(Some)
                .ok_or_else(|| io::Error::other(format!("cannot read `stat` output for `{}`", path.display()))),
            _ if follow => Ok(None),
            _ => Err(io::Error::other(format!("cannot stat `{}`: {}", path.display(), String::from_utf8_lossy(&out.stderr).trim()))),
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.ok("read", path, &format!("cat -- {}", q(path)), None)
    }

    fn write(&self, path: &Path, data: &[u8], mode: Option<u32>) -> io::Result<()> {
        let p = q(path);
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let tmp = format!("{}/.om-sh.$$", q(dir));
        let chmod = match mode {
            Some(m) => format!("chmod {m:o} \"$t\""),
            None => format!(
                "if [ -f {p} ] && [ ! -L {p} ]; then chmod \"$(stat -c %a -- {p})\" \"$t\"; chown \"$(stat -c %u:%g -- {p})\" \"$t\" 2>/dev/null; fi"
            ),
        };
        let script = format!("t={tmp}; cat > \"$t\" && {{ {chmod}; }} && mv -f -- \"$t\" {p} || {{ rm -f \"$t\"; exit 1; }}");
        self.ok("write", path, &script, Some(data)).map(drop)
    }

    fn create_dir(&self, path: &Path, mode: Option<u32>) -> io::Result<()> {
        let m = mode.map(|m| format!(" -m {m:o}")).unwrap_or_default();
        self.ok("create directory", path, &format!("mkdir{m} -- {}", q(path)), None).map(drop)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        self.ok("remove", path, &format!("rm -rf -- {}", q(path)), None).map(drop)
    }

    fn symlink(&self, target: &Path, link: &Path) -> io::Result<()> {
        self.ok("create link", link, &format!("ln -s -- {} {}", q(target), q(link)), None).map(drop)
    }

    fn hard_link(&self, src: &Path, link: &Path) -> io::Result<()> {
        self.ok("create hard link", link, &format!("ln -- {} {}", q(src), q(link)), None).map(drop)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.ok("rename to", to, &format!("mv -f -- {} {}", q(from), q(to)), None).map(drop)
    }

    fn set_mode(&self, path: &Path, mode: u32) -> io::Result<()> {
        self.ok("change the mode of", path, &format!("chmod {mode:o} -- {}", q(path)), None).map(drop)
    }

    fn set_owner(&self, path: &Path, uid: Option<u32>, gid: Option<u32>, follow: bool) -> io::Result<()> {
        let spec = match (uid, gid) {
            (Some(u), Some(g)) => format!("{u}:{g}"),
            (Some(u), None) => u.to_string(),
            (None, Some(g)) => format!(":{g}"),
            (None, None) => return Ok(()),
        };
        let h = if follow { "" } else { "-h " };
        self.ok("change the owner of", path, &format!("chown {h}{spec} -- {}", q(path)), None).map(drop)
    }

    fn set_times(&self, path: &Path, atime: Option<f64>, mtime: Option<f64>) -> io::Result<()> {
        let p = q(path);
        let script = match (atime, mtime) {
            (None, None) => format!("touch -h -c -- {p}"),
            (a, m) => {
                let mut s = String::new();
                if let Some(a) = a {
                    s.push_str(&format!("touch -h -c -a -t {} -- {p}; ", epoch(a)));
                }
                if let Some(m) = m {
                    s.push_str(&format!("touch -h -c -m -t {} -- {p}", epoch(m)));
                }
                s
            }
        };
        self.ok("set the times of", path, &script, None).map(drop)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let out = self.ok("list", path, &format!("cd -- {} && ls -A1", q(path)), None)?;
        let mut names: Vec<String> = String::from_utf8_lossy(&out).lines().map(str::to_string).collect();
        names.sort();
        Ok(names)
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        let out = self.ok("read link", path, &format!("readlink -- {}", q(path)), None)?;
        Ok(PathBuf::from(String::from_utf8_lossy(&out).trim_end_matches('\n')))
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        let out = self.ok("resolve", path, &format!("readlink -m -- {}", q(path)), None)?;
        Ok(PathBuf::from(String::from_utf8_lossy(&out).trim_end_matches('\n')))
    }

    fn checksum(&self, path: &Path, algorithm: &str) -> io::Result<String> {
        let tool = match algorithm {
            "sha1" | "sha224" | "sha256" | "sha384" | "sha512" | "md5" => format!("{algorithm}sum"),
            other => return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unsupported hash algorithm `{other}`"))),
        };
        let out = self.ok("checksum", path, &format!("{tool} -- {}", q(path)), None)?;
        Ok(String::from_utf8_lossy(&out).split_whitespace().next().unwrap_or_default().to_string())
    }

    fn run(&self, command: &Command, _watch: Watch<'_>) -> io::Result<CommandOutput> {
        let mut script = String::new();
        if let Some(cwd) = &command.cwd {
            script.push_str(&format!("cd -- {} || exit 1; ", q(cwd)));
        }
        for (k, v) in &command.env {
            script.push_str(&format!("{k}={} ", quote(v)));
        }
        match &command.program {
            Program::Argv(argv) => {
                script.push_str("exec ");
                script.push_str(&argv.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" "));
            }
            Program::Shell { executable, script: body } => script.push_str(&format!("exec {} -c {}", quote(executable), quote(body))),
        }
        let out = self.shell.sh(&script, command.stdin.as_deref())?;
        Ok(CommandOutput { rc: out.rc, stdout: out.stdout, stderr: out.stderr })
    }

    fn umask(&self) -> u32 {
        *self.umask.get_or_init(|| u32::from_str_radix(&self.text("umask"), 8).unwrap_or(0o022))
    }

    fn uid(&self) -> u32 {
        *self.uid.get_or_init(|| self.text("id -u").parse().unwrap_or(u32::MAX))
    }

    fn env_var(&self, name: &str) -> Option<String> {
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        let out = self.shell.sh(&format!("[ -n \"${{{name}+x}}\" ] && printf %s \"${name}\""), None).ok()?;
        (out.rc == 0).then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_plain_words_and_escapes_quotes() {
        assert_eq!(quote("/etc/hosts"), "/etc/hosts");
        assert_eq!(quote("it's here"), r"'it'\''s here'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn stat_lines_parse() {
        let m = parse_stat("81a4 0 0 12 1700000000 1700000001 1700000002 42 2049 1 8 512").expect("parses");
        assert_eq!((m.kind, m.mode, m.size, m.inode), (FileKind::File, 0o644, 12, 42));
    }
}
