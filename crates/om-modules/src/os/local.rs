//! [`LocalOs`]: the operations done directly with system calls, in this process.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Command, CommandOutput, FileKind, Meta, Os, Program, Watch, io_context};
use om_core::Stream;

/// The machine this process runs on.
#[derive(Debug, Default, Clone, Copy)]
pub struct LocalOs;

fn meta_of(m: &fs::Metadata) -> Meta {
    let ft = m.file_type();
    let kind = if ft.is_symlink() {
        FileKind::Symlink
    } else if ft.is_dir() {
        FileKind::Dir
    } else if ft.is_fifo() {
        FileKind::Fifo
    } else if ft.is_socket() {
        FileKind::Socket
    } else if ft.is_block_device() {
        FileKind::Block
    } else if ft.is_char_device() {
        FileKind::Char
    } else {
        FileKind::File
    };
    let time = |s: i64, ns: i64| s as f64 + ns as f64 / 1e9;
    Meta {
        kind,
        mode: m.mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
        size: m.size(),
        atime: time(m.atime(), m.atime_nsec()),
        mtime: time(m.mtime(), m.mtime_nsec()),
        ctime: time(m.ctime(), m.ctime_nsec()),
        inode: m.ino(),
        dev: m.dev(),
        nlink: m.nlink(),
        blocks: m.blocks(),
        blksize: m.blksize(),
    }
}

fn read_umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("Umask:")).and_then(|v| u32::from_str_radix(v.trim(), 8).ok()).unwrap_or(0o022)
}

fn temp_name(path: &Path) -> io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name =
        path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("`{}` names no file", path.display())))?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = format!(".{}.om-{}-{n}", name.to_string_lossy(), std::process::id());
    Ok(path.with_file_name(tmp))
}

impl Os for LocalOs {
    fn metadata(&self, path: &Path, follow: bool) -> io::Result<Option<Meta>> {
        let m = if follow { fs::metadata(path) } else { fs::symlink_metadata(path) };
        match m {
            Ok(m) => Ok(Some(meta_of(&m))),
            Err(e) if e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(20) => Ok(None),
            Err(e) => Err(io_context("stat", path, e)),
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path).map_err(|e| io_context("read", path, e))
    }

    fn write(&self, path: &Path, data: &[u8], mode: Option<u32>) -> io::Result<()> {
        let existing = fs::symlink_metadata(path).ok().filter(|m| m.file_type().is_file());
        let tmp = temp_name(path)?;
        let result = (|| {
            let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
            file.write_all(data)?;
            let perms = mode.or_else(|| existing.as_ref().map(|m| m.mode() & 0o7777)).unwrap_or(0o666 & !self.umask());
            if let Some(m) = &existing
                && (m.uid() != rustix::process::geteuid().as_raw() || m.gid() != rustix::process::getegid().as_raw())
            {
                // Only root may give a file away; others keep their own ownership, as Python does.
                let _ = std::os::unix::fs::fchown(&file, Some(m.uid()), Some(m.gid()));
            }
            file.set_permissions(fs::Permissions::from_mode(perms))?;
            drop(file);
            fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(|e| io_context("write", path, e))
    }

    fn create_dir(&self, path: &Path, mode: Option<u32>) -> io::Result<()> {
        let mut builder = fs::DirBuilder::new();
        builder.mode(0o777);
        builder.create(path).map_err(|e| io_context("create directory", path, e))?;
        if let Some(mode) = mode {
            self.set_mode(path, mode)?;
        }
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let meta = fs::symlink_metadata(path).map_err(|e| io_context("remove", path, e))?;
        let result = if meta.is_dir() { fs::remove_dir_all(path) } else { fs::remove_file(path) };
        result.map_err(|e| io_context("remove", path, e))
    }

    fn symlink(&self, target: &Path, link: &Path) -> io::Result<()> {
        std::os::unix::fs::symlink(target, link).map_err(|e| io_context("create link", link, e))
    }

    fn hard_link(&self, src: &Path, link: &Path) -> io::Result<()> {
        fs::hard_link(src, link).map_err(|e| io_context("create hard link", link, e))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to).map_err(|e| io_context("rename to", to, e))
    }

    fn set_mode(&self, path: &Path, mode: u32) -> io::Result<()> {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| io_context("change the mode of", path, e))
    }

    fn set_owner(&self, path: &Path, uid: Option<u32>, gid: Option<u32>, follow: bool) -> io::Result<()> {
        let result = if follow { std::os::unix::fs::chown(path, uid, gid) } else { std::os::unix::fs::lchown(path, uid, gid) };
        result.map_err(|e| io_context("change the owner of", path, e))
    }

    fn set_times(&self, path: &Path, atime: Option<f64>, mtime: Option<f64>) -> io::Result<()> {
        use rustix::fs::{AtFlags, CWD, Timespec, Timestamps, UTIME_NOW};
        let spec = |t: Option<f64>| match t {
            Some(t) => Timespec { tv_sec: t.floor() as i64, tv_nsec: ((t - t.floor()) * 1e9) as _ },
            None => Timespec { tv_sec: 0, tv_nsec: UTIME_NOW },
        };
        let times = Timestamps { last_access: spec(atime), last_modification: spec(mtime) };
        rustix::fs::utimensat(CWD, path, &times, AtFlags::SYMLINK_NOFOLLOW).map_err(|e| io_context("set the times of", path, e.into()))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = fs::read_dir(path)
            .map_err(|e| io_context("list", path, e))?
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        Ok(names)
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        fs::read_link(path).map_err(|e| io_context("read link", path, e))
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        match fs::canonicalize(path) {
            Ok(p) => Ok(p),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else { return Ok(path.to_path_buf()) };
                if parent.as_os_str().is_empty() {
                    return Ok(path.to_path_buf());
                }
                Ok(self.real_path(parent)?.join(name))
            }
            Err(e) => Err(io_context("resolve", path, e)),
        }
    }

    fn checksum(&self, path: &Path, algorithm: &str) -> io::Result<String> {
        let mut file = fs::File::open(path).map_err(|e| io_context("read", path, e))?;
        let mut hasher = crate::checksum::Hasher::new(algorithm)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("unsupported hash algorithm `{algorithm}`")))?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).map_err(|e| io_context("read", path, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hasher.finish())
    }

    fn run(&self, command: &Command, watch: Watch<'_>) -> io::Result<CommandOutput> {
        run_local(command, watch)
    }

    fn umask(&self) -> u32 {
        static UMASK: OnceLock<u32> = OnceLock::new();
        *UMASK.get_or_init(read_umask)
    }

    fn uid(&self) -> u32 {
        rustix::process::geteuid().as_raw()
    }

    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn live_facts(&self) -> Option<&'static om_facts::Live> {
        Some(&om_facts::Live)
    }
}

enum Piece {
    Data(Stream, Vec<u8>),
    Closed,
}

fn run_local(command: &Command, watch: Watch<'_>) -> io::Result<CommandOutput> {
    let mut cmd = match &command.program {
        Program::Argv(argv) => {
            let (program, rest) = argv.split_first().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no command given"))?;
            let mut cmd = std::process::Command::new(program);
            cmd.args(rest);
            cmd
        }
        Program::Shell { executable, script } => {
            let mut cmd = std::process::Command::new(executable);
            cmd.arg("-c").arg(script);
            cmd
        }
    };
    if let Some(cwd) = &command.cwd {
        cmd.current_dir(cwd);
    }
    for (k, v) in &command.env {
        cmd.env(k, v);
    }
    cmd.stdin(if command.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    // Its own process group, so cancelling kills what a shell started too.
    cmd.process_group(0);
    let mut child = cmd.spawn().map_err(|e| io::Error::new(e.kind(), format!("cannot run `{}`: {e}", command.display())))?;
    let (tx, rx) = mpsc::channel::<Piece>();
    let mut readers = Vec::new();
    for (stream, pipe) in [
        (Stream::Stdout, child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
        (Stream::Stderr, child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
    ] {
        let Some(mut pipe) = pipe else { continue };
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(Piece::Data(stream, buf[..n].to_vec())).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = tx.send(Piece::Closed);
        }));
    }
    drop(tx);
    if let (Some(data), Some(mut stdin)) = (command.stdin.clone(), child.stdin.take()) {
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
    }
    let started = Instant::now();
    let mut out = CommandOutput::default();
    let mut open = readers.len();
    let mut killed = false;
    while open > 0 {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Piece::Data(stream, data)) => {
                if let Some(f) = watch.output {
                    f(stream, &data);
                }
                match stream {
                    Stream::Stdout => out.stdout.extend_from_slice(&data),
                    Stream::Stderr => out.stderr.extend_from_slice(&data),
                }
            }
            Ok(Piece::Closed) => open -= 1,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let cancelled = watch.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
        let expired = command.timeout.is_some_and(|t| started.elapsed() > t);
        if (cancelled || expired) && !killed {
            killed = true;
            if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
            let _ = child.kill();
        }
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child.wait()?;
    if killed && watch.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
    }
    if killed {
        return Err(io::Error::new(io::ErrorKind::TimedOut, format!("`{}` did not finish in time", command.display())));
    }
    out.rc = status.code().unwrap_or_else(|| -status.signal().unwrap_or(0));
    Ok(out)
}
