//! The operating system a module acts on: files, links, owners, modes and commands.
//!
//! Modules never call `std::fs` directly; they go through [`Os`], so the same module code runs
//! in-process ([`LocalOs`], for the local transport and inside `om-agent`) and, where the
//! agent cannot run on a host, on the controller against [`ShellOs`], which performs each
//! operation as one small POSIX shell command over the transport (the shell fallback).

mod accounts;
mod env;
mod facts_source;
mod local;
mod shell;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

pub use accounts::{Accounts, Group, User};
pub use env::WithEnv;
pub use facts_source::OsSource;
pub use local::LocalOs;
pub use shell::{Shell, ShellOs, ShellOutput, quote};

use om_core::Stream;

/// What kind of file a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Fifo,
    Socket,
    Block,
    Char,
}

/// What `lstat`/`stat` says about a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub kind: FileKind,
    /// Permission bits, set-id and sticky bits included (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub atime: f64,
    pub mtime: f64,
    pub ctime: f64,
    pub inode: u64,
    pub dev: u64,
    pub nlink: u64,
    pub blocks: u64,
    pub blksize: u64,
}

impl Meta {
    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Dir
    }
    pub fn is_file(&self) -> bool {
        self.kind == FileKind::File
    }
    pub fn is_symlink(&self) -> bool {
        self.kind == FileKind::Symlink
    }
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// An argument vector, run without a shell.
    Argv(Vec<String>),
    /// A script for `executable -c`.
    Shell { executable: String, script: String },
}

/// A command for [`Os::run`].
#[derive(Debug, Clone)]
pub struct Command {
    pub program: Program,
    pub cwd: Option<PathBuf>,
    pub stdin: Option<Vec<u8>>,
    pub env: Vec<(String, String)>,
    pub timeout: Option<Duration>,
}

impl Command {
    pub fn argv<I, S>(argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self { program: Program::Argv(argv.into_iter().map(Into::into).collect()), cwd: None, stdin: None, env: Vec::new(), timeout: None }
    }

    pub fn shell(script: impl Into<String>) -> Self {
        Self {
            program: Program::Shell { executable: "/bin/sh".into(), script: script.into() },
            cwd: None,
            stdin: None,
            env: Vec::new(),
            timeout: None,
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// The command as one line for messages.
    pub fn display(&self) -> String {
        match &self.program {
            Program::Argv(argv) => argv.join(" "),
            Program::Shell { script, .. } => script.clone(),
        }
    }
}

/// How a command ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// The exit status; `-N` when killed by signal N, as Python's subprocess reports it.
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl CommandOutput {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Receives live output of a running command.
pub type OutputFn<'a> = dyn Fn(Stream, &[u8]) + Send + Sync + 'a;

/// Live output and cancellation for a running command.
#[derive(Clone, Copy, Default)]
pub struct Watch<'a> {
    pub output: Option<&'a OutputFn<'a>>,
    pub cancel: Option<&'a AtomicBool>,
}

/// The file and process operations modules are written against.
///
/// Paths are absolute or relative to the agent's working directory (the login user's home).
/// `metadata` returns `Ok(None)` for a path that does not exist; every other error is an
/// `io::Error` whose message says what failed.
pub trait Os: Send + Sync {
    /// `lstat` (`follow = false`) or `stat`.
    fn metadata(&self, path: &Path, follow: bool) -> io::Result<Option<Meta>>;
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Replaces `path` atomically (temporary file and rename). An existing file keeps its
    /// owner and mode unless `mode` is given; a new one gets `mode` or `0666 & !umask`.
    fn write(&self, path: &Path, data: &[u8], mode: Option<u32>) -> io::Result<()>;
    /// `mkdir` of one level with `mode` (default `0777 & !umask`).
    fn create_dir(&self, path: &Path, mode: Option<u32>) -> io::Result<()>;
    /// Removes a file, a link, or a directory with everything in it.
    fn remove(&self, path: &Path) -> io::Result<()>;
    fn symlink(&self, target: &Path, link: &Path) -> io::Result<()>;
    fn hard_link(&self, src: &Path, link: &Path) -> io::Result<()>;
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    fn set_mode(&self, path: &Path, mode: u32) -> io::Result<()>;
    /// `chown` (`follow`) or `lchown`; `None` leaves that id unchanged.
    fn set_owner(&self, path: &Path, uid: Option<u32>, gid: Option<u32>, follow: bool) -> io::Result<()>;
    /// Sets access and modification times (`None` = now).
    fn set_times(&self, path: &Path, atime: Option<f64>, mtime: Option<f64>) -> io::Result<()>;
    /// Names in a directory, sorted, without `.` and `..`.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>>;
    fn read_link(&self, path: &Path) -> io::Result<PathBuf>;
    /// The path with every link resolved (`realpath`); the last part may be missing.
    fn real_path(&self, path: &Path) -> io::Result<PathBuf>;
    /// The hex digest of a file's content with `algorithm` (`sha1`, `sha256`, `md5`…).
    fn checksum(&self, path: &Path, algorithm: &str) -> io::Result<String> {
        let data = self.read(path)?;
        crate::checksum::digest(algorithm, &data)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("unsupported hash algorithm `{algorithm}`")))
    }
    fn run(&self, command: &Command, watch: Watch<'_>) -> io::Result<CommandOutput>;
    /// The process umask.
    fn umask(&self) -> u32;
    /// The user the modules run as.
    fn uid(&self) -> u32;
    /// An environment variable of the module process (`HOME` for `~`).
    fn env_var(&self, name: &str) -> Option<String>;

    /// Facts read directly from the kernel, when this is the machine the module runs on;
    /// `None` for remote shells (facts are then read through [`OsSource`]).
    fn live_facts(&self) -> Option<&'static om_facts::Live> {
        None
    }

    /// Whether a program is on `PATH` (or is an existing absolute path).
    fn which(&self, program: &str) -> Option<PathBuf> {
        if program.starts_with('/') {
            return self.metadata(Path::new(program), true).ok().flatten().map(|_| PathBuf::from(program));
        }
        let path = self.env_var("PATH").unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
        path.split(':')
            .chain(["/usr/sbin", "/sbin"])
            .map(|dir| Path::new(dir).join(program))
            .find(|p| self.metadata(p, true).ok().flatten().is_some_and(|m| m.is_file() && m.mode & 0o111 != 0))
    }

    /// `mkdir -p`, each new level with `mode`; returns the directories it created.
    fn create_dir_all(&self, path: &Path, mode: Option<u32>) -> io::Result<Vec<PathBuf>> {
        let mut missing = Vec::new();
        let mut cur = Some(path);
        while let Some(p) = cur {
            if p.as_os_str().is_empty() || self.metadata(p, true)?.is_some() {
                break;
            }
            missing.push(p.to_path_buf());
            cur = p.parent();
        }
        missing.reverse();
        for p in &missing {
            match self.create_dir(p, mode) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                other => other?,
            }
        }
        Ok(missing)
    }
}

/// Adds the path to an I/O error's message: `cannot read `/etc/x`: permission denied`.
pub fn io_context(what: &str, path: &Path, err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("cannot {what} `{}`: {err}", path.display()))
}
