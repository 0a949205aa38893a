//! `environment:` for native modules: the task's variables on every program a module runs
//! (ansible-core sets them on the module's process), and in what the module reads of its
//! environment (`$VAR` expansion in `command`; `PATH` for finding programs, through the
//! default [`Os::which`], which reads `env_var`).

use std::io;
use std::path::{Path, PathBuf};

use super::{Command, CommandOutput, Meta, Os, Watch};

/// `inner` with `env` added to every command it runs; a command's own settings (`LC_ALL=C`
/// for parsed output) still win.
pub struct WithEnv<'a> {
    inner: &'a dyn Os,
    env: &'a [(String, String)],
}

impl<'a> WithEnv<'a> {
    pub fn new(inner: &'a dyn Os, env: &'a [(String, String)]) -> Self {
        Self { inner, env }
    }
}

impl Os for WithEnv<'_> {
    fn metadata(&self, path: &Path, follow: bool) -> io::Result<Option<Meta>> {
        self.inner.metadata(path, follow)
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.inner.read(path)
    }
    fn write(&self, path: &Path, data: &[u8], mode: Option<u32>) -> io::Result<()> {
        self.inner.write(path, data, mode)
    }
    fn create_dir(&self, path: &Path, mode: Option<u32>) -> io::Result<()> {
        self.inner.create_dir(path, mode)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        self.inner.remove(path)
    }
    fn symlink(&self, target: &Path, link: &Path) -> io::Result<()> {
        self.inner.symlink(target, link)
    }
    fn hard_link(&self, src: &Path, link: &Path) -> io::Result<()> {
        self.inner.hard_link(src, link)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.inner.rename(from, to)
    }
    fn set_mode(&self, path: &Path, mode: u32) -> io::Result<()> {
        self.inner.set_mode(path, mode)
    }
    fn set_owner(&self, path: &Path, uid: Option<u32>, gid: Option<u32>, follow: bool) -> io::Result<()> {
        self.inner.set_owner(path, uid, gid, follow)
    }
    fn set_times(&self, path: &Path, atime: Option<f64>, mtime: Option<f64>) -> io::Result<()> {
        self.inner.set_times(path, atime, mtime)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        self.inner.read_dir(path)
    }
    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.read_link(path)
    }
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.real_path(path)
    }
    fn checksum(&self, path: &Path, algorithm: &str) -> io::Result<String> {
        self.inner.checksum(path, algorithm)
    }
    fn run(&self, command: &Command, watch: Watch<'_>) -> io::Result<CommandOutput> {
        let mut with = command.clone();
        with.env = self.env.iter().cloned().chain(command.env.iter().cloned()).collect();
        self.inner.run(&with, watch)
    }
    fn umask(&self) -> u32 {
        self.inner.umask()
    }
    fn uid(&self) -> u32 {
        self.inner.uid()
    }
    fn env_var(&self, name: &str) -> Option<String> {
        match self.env.iter().rev().find(|(k, _)| k == name) {
            Some((_, v)) => Some(v.clone()),
            None => self.inner.env_var(name),
        }
    }
    fn live_facts(&self) -> Option<&'static om_facts::Live> {
        self.inner.live_facts()
    }
}
