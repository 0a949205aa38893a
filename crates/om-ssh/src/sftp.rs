//! SFTP on a host's connection (SSH-30, SSH-31): one session per connection, opened on first
//! use; uploads are pipelined (32 requests of 64 KiB in flight), hashed with sha256 while
//! streaming, written to `<name>.om-tmp-<rand>` and renamed into place.

use std::sync::Arc;

use futures::StreamExt;
use om_core::HostError;
use russh_sftp::client::RawSftpSession;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::protocol::{FileAttributes, OpenFlags, Packet, StatusCode};
use sha2::{Digest, Sha256};

use crate::connection::SshConnection;
use crate::{ExecRequest, error};

const CHUNK: usize = 64 * 1024;
const IN_FLIGHT: usize = 32;

/// How to write a file.
#[derive(Debug, Clone, Copy, Default)]
pub struct PutOptions {
    /// Permission bits of the new file; the server's default (umask) when `None`.
    pub mode: Option<u32>,
    /// Check the sha256 of the renamed file on the host (one extra command).
    pub verify: bool,
}

/// What a finished upload wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutReport {
    pub size: u64,
    /// Hex sha256 of the bytes written.
    pub sha256: String,
}

/// A file's metadata as SFTP reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u32,
}

impl Metadata {
    pub fn is_dir(&self) -> bool {
        self.mode & 0o170000 == 0o040000
    }

    pub fn is_file(&self) -> bool {
        self.mode & 0o170000 == 0o100000
    }

    pub fn is_symlink(&self) -> bool {
        self.mode & 0o170000 == 0o120000
    }
}

/// Progress callback: `(bytes_done, bytes_total)`.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// The SFTP operations paramiko offers, on one host.
pub struct Sftp<'a> {
    conn: &'a SshConnection,
    session: Arc<RawSftpSession>,
}

impl SshConnection {
    /// The connection's SFTP session, opened on first use.
    pub async fn sftp(&self) -> Result<Sftp<'_>, HostError> {
        let mut slot = self.link.sftp.lock().await;
        if let Some(session) = slot.as_ref() {
            return Ok(Sftp { conn: self, session: Arc::clone(session) });
        }
        self.link.reserve().await;
        let channel = self.link.open_session(&self.name).await?;
        channel.request_subsystem(true, "sftp").await.map_err(|e| error::channel(&self.name, &e))?;
        let session = RawSftpSession::new(channel.into_stream());
        session.set_timeout(60);
        session.init().await.map_err(|e| error::transfer(&self.name, format!("cannot start sftp: {e}")))?;
        let session = Arc::new(session);
        *slot = Some(Arc::clone(&session));
        Ok(Sftp { conn: self, session })
    }
}

impl Sftp<'_> {
    fn fail(&self, doing: &str, path: &str, err: SftpError) -> HostError {
        let why = match &err {
            SftpError::Status(s) => match s.status_code {
                StatusCode::NoSuchFile => "no such file or directory".to_string(),
                StatusCode::PermissionDenied => "permission denied".to_string(),
                _ if !s.error_message.is_empty() => s.error_message.to_lowercase(),
                code => code.to_string().to_lowercase(),
            },
            other => other.to_string(),
        };
        let hint = match &err {
            SftpError::Status(s) if s.status_code == StatusCode::PermissionDenied => Some("use -b to become a user who may write there"),
            SftpError::Status(s) if s.status_code == StatusCode::NoSuchFile => Some("check the path; parent directories are not created"),
            _ => None,
        };
        let e = error::transfer(&self.conn.name, format!("cannot {doing} `{path}`: {why}"));
        match hint {
            Some(h) => e.with_hint(h),
            None => e,
        }
    }

    /// Writes `data` to `dest` atomically. When `dest` is an existing directory the caller
    /// must give the file name; use [`Sftp::put_file`] for the Fabric rule.
    pub async fn put(&self, data: &[u8], dest: &str, options: PutOptions, progress: Progress<'_>) -> Result<PutReport, HostError> {
        let (dir, base) = match dest.rsplit_once('/') {
            Some((d, b)) => (if d.is_empty() { "/" } else { d }, b),
            None => (".", dest),
        };
        let suffix: u32 = rand::random();
        let tmp = format!("{}/{base}.om-tmp-{suffix:08x}", dir.trim_end_matches('/'));
        let attrs = FileAttributes { permissions: Some(options.mode.unwrap_or(0o644)), ..FileAttributes::empty() };
        let handle = self
            .session
            .open(&tmp, OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE, attrs)
            .await
            .map_err(|e| self.fail("write", dest, e))?
            .handle;
        let total = data.len() as u64;
        let sha256 = hex(&Sha256::digest(data));
        let done = std::sync::atomic::AtomicU64::new(0);
        let chunks = data.len().div_ceil(CHUNK);
        let writes = futures::stream::iter((0..chunks).map(|i| {
            let chunk = data[i * CHUNK..((i + 1) * CHUNK).min(data.len())].to_vec();
            let session = Arc::clone(&self.session);
            let handle = handle.clone();
            let done = &done;
            async move {
                let len = chunk.len() as u64;
                session.write(handle, (i * CHUNK) as u64, chunk).await?;
                let now = done.fetch_add(len, std::sync::atomic::Ordering::Relaxed) + len;
                progress(now, total);
                Ok::<(), SftpError>(())
            }
        }))
        .buffer_unordered(IN_FLIGHT);
        let results: Vec<Result<(), SftpError>> = writes.collect().await;
        let written = results.into_iter().collect::<Result<(), _>>();
        let size = self.session.fstat(&handle).await.map(|a| a.attrs.size.unwrap_or(0));
        let _ = self.session.close(&handle).await;
        if let Err(err) = written {
            let _ = self.session.remove(&tmp).await;
            return Err(self.fail("write", dest, err));
        }
        match size {
            Ok(size) if size == total => {}
            Ok(size) => {
                let _ = self.session.remove(&tmp).await;
                return Err(error::transfer(&self.conn.name, format!("short write to `{dest}`: {size} of {total} bytes")));
            }
            Err(err) => return Err(self.fail("stat", &tmp, err)),
        }
        if let Some(mode) = options.mode {
            // The server applies its umask to the open; set the bits exactly.
            let attrs = FileAttributes { permissions: Some(mode), ..FileAttributes::empty() };
            if let Err(err) = self.session.setstat(&tmp, attrs).await {
                let _ = self.session.remove(&tmp).await;
                return Err(self.fail("chmod", dest, err));
            }
        }
        if let Err(err) = self.rename(&tmp, dest).await {
            let _ = self.session.remove(&tmp).await;
            return Err(err);
        }
        if options.verify {
            self.verify(dest, &sha256).await?;
        }
        Ok(PutReport { size: total, sha256 })
    }

    async fn verify(&self, dest: &str, sha256: &str) -> Result<(), HostError> {
        let out =
            om_core::Connection::exec(self.conn, ExecRequest::new(format!("sha256sum -- {}", crate::escalation::quote(dest))), &|_| {})
                .await?;
        let remote = String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or_default().to_string();
        if out.rc == Some(0) && remote != sha256 {
            return Err(error::transfer(&self.conn.name, format!("`{dest}` on the host has sha256 {remote}, expected {sha256}"))
                .with_hint("the file changed during the upload, or the disk is failing; run again"));
        }
        Ok(())
    }

    /// Uploads a local file; when `remote` is an existing directory, the file goes inside it
    /// under its own name (Fabric's rule, not paramiko's).
    pub async fn put_file(
        &self,
        local: &std::path::Path,
        remote: &str,
        options: PutOptions,
        progress: Progress<'_>,
    ) -> Result<PutReport, HostError> {
        let data = tokio::fs::read(local)
            .await
            .map_err(|e| error::transfer(&self.conn.name, format!("cannot read `{}`: {e}", local.display())))?;
        let mut dest = remote.to_string();
        if remote.ends_with('/') || self.stat(remote).await.is_ok_and(|m| m.is_dir()) {
            let name = local.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            dest = format!("{}/{name}", remote.trim_end_matches('/'));
        }
        self.put(&data, &dest, options, progress).await
    }

    /// Reads a whole file with pipelined reads.
    pub async fn get(&self, src: &str, progress: Progress<'_>) -> Result<Vec<u8>, HostError> {
        let handle = self.session.open(src, OpenFlags::READ, FileAttributes::empty()).await.map_err(|e| self.fail("read", src, e))?.handle;
        let total = self.session.fstat(&handle).await.map(|a| a.attrs.size.unwrap_or(0)).unwrap_or(0);
        let result = self.read_all(&handle, total, progress).await;
        let _ = self.session.close(&handle).await;
        result.map_err(|e| self.fail("read", src, e))
    }

    async fn read_all(&self, handle: &str, total: u64, progress: Progress<'_>) -> Result<Vec<u8>, SftpError> {
        let chunks = (total as usize).div_ceil(CHUNK);
        let reads = futures::stream::iter((0..chunks).map(|i| {
            let session = Arc::clone(&self.session);
            let handle = handle.to_string();
            async move { read_fully(&session, &handle, (i * CHUNK) as u64, CHUNK).await }
        }))
        .buffered(IN_FLIGHT);
        let mut out = Vec::with_capacity(total as usize);
        let mut reads = std::pin::pin!(reads);
        while let Some(chunk) = reads.next().await {
            out.extend_from_slice(&chunk?);
            progress(out.len() as u64, total);
        }
        // The file may have grown since fstat: read on until EOF.
        loop {
            let more = read_fully(&self.session, handle, out.len() as u64, CHUNK).await?;
            if more.is_empty() {
                break;
            }
            out.extend_from_slice(&more);
        }
        Ok(out)
    }

    pub async fn stat(&self, path: &str) -> Result<Metadata, HostError> {
        self.session.stat(path).await.map(|a| metadata(&a.attrs)).map_err(|e| self.fail("stat", path, e))
    }

    pub async fn lstat(&self, path: &str) -> Result<Metadata, HostError> {
        self.session.lstat(path).await.map(|a| metadata(&a.attrs)).map_err(|e| self.fail("lstat", path, e))
    }

    /// The names in a directory, without `.` and `..`, sorted.
    pub async fn listdir(&self, path: &str) -> Result<Vec<String>, HostError> {
        let handle = self.session.opendir(path).await.map_err(|e| self.fail("list", path, e))?.handle;
        let mut names = Vec::new();
        loop {
            match self.session.readdir(&handle).await {
                Ok(batch) => names.extend(batch.files.into_iter().map(|f| f.filename).filter(|n| n != "." && n != "..")),
                Err(SftpError::Status(s)) if s.status_code == StatusCode::Eof => break,
                Err(e) => {
                    let _ = self.session.close(&handle).await;
                    return Err(self.fail("list", path, e));
                }
            }
        }
        let _ = self.session.close(&handle).await;
        names.sort();
        Ok(names)
    }

    pub async fn mkdir(&self, path: &str, mode: u32) -> Result<(), HostError> {
        let attrs = FileAttributes { permissions: Some(mode), ..FileAttributes::empty() };
        self.session.mkdir(path, attrs).await.map(drop).map_err(|e| self.fail("create directory", path, e))
    }

    /// `mkdir -p`: creates missing parents; existing directories are fine.
    pub async fn mkdir_p(&self, path: &str, mode: u32) -> Result<(), HostError> {
        let mut current = if path.starts_with('/') { String::from("/") } else { String::new() };
        for part in path.split('/').filter(|p| !p.is_empty()) {
            if !current.is_empty() && !current.ends_with('/') {
                current.push('/');
            }
            current.push_str(part);
            match self.stat(&current).await {
                Ok(m) if m.is_dir() => continue,
                Ok(_) => {
                    return Err(error::transfer(&self.conn.name, format!("cannot create directory `{current}`: a file is in the way")));
                }
                Err(_) => self.mkdir(&current, mode).await?,
            }
        }
        Ok(())
    }

    pub async fn rmdir(&self, path: &str) -> Result<(), HostError> {
        self.session.rmdir(path).await.map(drop).map_err(|e| self.fail("remove directory", path, e))
    }

    /// Removes a file (never a directory: the book is wrong about that).
    pub async fn remove(&self, path: &str) -> Result<(), HostError> {
        self.session.remove(path).await.map(drop).map_err(|e| self.fail("remove", path, e))
    }

    /// Renames with `posix-rename@openssh.com` (replacing `to`) when the server has it.
    pub async fn rename(&self, from: &str, to: &str) -> Result<(), HostError> {
        let mut data = Vec::new();
        for s in [from, to] {
            data.extend_from_slice(&(s.len() as u32).to_be_bytes());
            data.extend_from_slice(s.as_bytes());
        }
        match self.session.extended("posix-rename@openssh.com", data).await {
            Ok(Packet::Status(s)) if s.status_code == StatusCode::Ok => Ok(()),
            Ok(Packet::Status(s)) if s.status_code != StatusCode::OpUnsupported => Err(self.fail("rename to", to, SftpError::Status(s))),
            _ => {
                let _ = self.session.remove(to).await;
                self.session.rename(from, to).await.map(drop).map_err(|e| self.fail("rename to", to, e))
            }
        }
    }

    pub async fn readlink(&self, path: &str) -> Result<String, HostError> {
        let name = self.session.readlink(path).await.map_err(|e| self.fail("read link", path, e))?;
        Ok(name.files.into_iter().next().map(|f| f.filename).unwrap_or_default())
    }

    pub async fn symlink(&self, target: &str, link: &str) -> Result<(), HostError> {
        // OpenSSH's sftp-server takes the arguments in the opposite order of the draft.
        self.session.symlink(target, link).await.map(drop).map_err(|e| self.fail("create link", link, e))
    }

    pub async fn chmod(&self, path: &str, mode: u32) -> Result<(), HostError> {
        let attrs = FileAttributes { permissions: Some(mode), ..FileAttributes::empty() };
        self.session.setstat(path, attrs).await.map(drop).map_err(|e| self.fail("chmod", path, e))
    }

    pub async fn chown(&self, path: &str, uid: u32, gid: u32) -> Result<(), HostError> {
        let attrs = FileAttributes { uid: Some(uid), gid: Some(gid), ..FileAttributes::empty() };
        self.session.setstat(path, attrs).await.map(drop).map_err(|e| self.fail("chown", path, e))
    }

    pub async fn utime(&self, path: &str, atime: u32, mtime: u32) -> Result<(), HostError> {
        let attrs = FileAttributes { atime: Some(atime), mtime: Some(mtime), ..FileAttributes::empty() };
        self.session.setstat(path, attrs).await.map(drop).map_err(|e| self.fail("set times of", path, e))
    }
}

/// Reads `len` bytes at `offset`, or fewer at end of file.
async fn read_fully(session: &RawSftpSession, handle: &str, offset: u64, len: usize) -> Result<Vec<u8>, SftpError> {
    let mut out = Vec::new();
    while out.len() < len {
        match session.read(handle, offset + out.len() as u64, (len - out.len()) as u32).await {
            Ok(data) if data.data.is_empty() => break,
            Ok(data) => out.extend_from_slice(&data.data),
            Err(SftpError::Status(s)) if s.status_code == StatusCode::Eof => break,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn metadata(a: &FileAttributes) -> Metadata {
    Metadata {
        size: a.size.unwrap_or(0),
        mode: a.permissions.unwrap_or(0),
        uid: a.uid.unwrap_or(0),
        gid: a.gid.unwrap_or(0),
        mtime: a.mtime.unwrap_or(0),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
