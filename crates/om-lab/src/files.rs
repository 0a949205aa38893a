//! The files of a lab: keys, sshd configuration, inventory, ssh_config, known_hosts.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{LabConfig, LabError, LabHost};

pub(crate) const INVENTORY: &str = "inventory.ini";
pub(crate) const SSH_CONFIG: &str = "ssh_config";
pub(crate) const SSHD_CONFIG: &str = "sshd_config";
pub(crate) const KNOWN_HOSTS: &str = "known_hosts";
pub(crate) const HOST_KEY: &str = "ssh_host_ed25519_key";
pub(crate) const CLIENT_KEY: &str = "id_ed25519";
pub(crate) const AUTHORIZED_KEYS: &str = "authorized_keys";
pub(crate) const CONFIG: &str = "lab-config.json";
pub(crate) const STATE: &str = "lab.json";
pub(crate) const CONTROL: &str = "control.sock";
pub(crate) const LOG: &str = "supervisor.log";
pub(crate) const SSHD_LOG: &str = "sshd.log";

/// Where sshd is installed.
pub(crate) fn find_sshd() -> Result<PathBuf, LabError> {
    let sshd = find_program("sshd", &["/usr/sbin/sshd", "/usr/local/sbin/sshd"])
        .ok_or(LabError::Missing { program: "sshd", package: "openssh-server" })?;
    ensure_privsep_dir();
    Ok(sshd)
}

/// OpenSSH's privilege-separation directory: systemd's tmpfiles make it at boot, a machine
/// booted without systemd may lack it, and sshd started as root refuses to run without it.
/// Made when missing (which only root can do; others never need it).
fn ensure_privsep_dir() {
    use std::os::unix::fs::DirBuilderExt;
    let dir = std::path::Path::new("/run/sshd");
    if !dir.exists() {
        let _ = std::fs::DirBuilder::new().mode(0o755).create(dir);
    }
}

fn find_program(name: &str, known: &[&str]) -> Option<PathBuf> {
    let known = known.iter().map(PathBuf::from);
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|p| std::env::split_paths(&p).map(|d| d.join(name)).collect::<Vec<_>>());
    known.chain(on_path).find(|p| p.is_file())
}

/// Makes `config.dir` absolute, creating it.
pub(crate) fn absolute(config: &LabConfig) -> Result<PathBuf, LabError> {
    std::fs::create_dir_all(&config.dir).map_err(|source| LabError::io(&config.dir, source))?;
    std::fs::canonicalize(&config.dir).map_err(|source| LabError::io(&config.dir, source))
}

/// Writes every file the lab needs; keys are generated once and kept across restarts.
pub(crate) fn prepare(config: &LabConfig, hosts: &[LabHost]) -> Result<(), LabError> {
    let dir = &config.dir;
    for key in [HOST_KEY, CLIENT_KEY] {
        if !dir.join(key).exists() {
            keygen(&dir.join(key))?;
        }
    }
    let client_pub = read(&dir.join(format!("{CLIENT_KEY}.pub")))?;
    write(&dir.join(AUTHORIZED_KEYS), &client_pub)?;
    if config.user != crate::current_user() {
        // sshd reads authorized_keys as the user logging in.
        for (path, mode) in [(dir.as_path(), 0o755), (&dir.join(AUTHORIZED_KEYS), 0o644)] {
            std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode))
                .map_err(|source| LabError::io(path, source))?;
        }
    }
    write(&dir.join(SSHD_CONFIG), &sshd_config(dir))?;
    let host_pub = read(&dir.join(format!("{HOST_KEY}.pub")))?;
    let host_key: String = host_pub.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    write(&dir.join(KNOWN_HOSTS), &known_hosts(hosts, config.port, &host_key))?;
    write(&dir.join(INVENTORY), &inventory(config, hosts))?;
    write(&dir.join(SSH_CONFIG), &ssh_config(config, hosts))?;
    Ok(())
}

fn keygen(path: &Path) -> Result<(), LabError> {
    let output = Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", "om-lab", "-f"]).arg(path).output().map_err(
        |err| match err.kind() {
            std::io::ErrorKind::NotFound => LabError::Missing { program: "ssh-keygen", package: "openssh-client" },
            _ => LabError::Io { what: "run ssh-keygen".into(), source: err },
        },
    )?;
    if !output.status.success() {
        return Err(LabError::Command { command: "ssh-keygen".into(), stderr: String::from_utf8_lossy(&output.stderr).trim().to_string() });
    }
    Ok(())
}

fn sshd_config(dir: &Path) -> String {
    let d = dir.display();
    // StrictModes is off because the lab directory may live anywhere; UsePAM is off so that
    // the lab needs no PAM stack. MaxStartups matters for the namespaced daemons, which see
    // every connection of a big run at once.
    format!(
        "# om lab: loopback-only sshd configuration, generated\n\
         HostKey {d}/{HOST_KEY}\n\
         AuthorizedKeysFile {d}/{AUTHORIZED_KEYS}\n\
         PidFile none\n\
         UsePAM no\n\
         StrictModes no\n\
         PermitRootLogin yes\n\
         PubkeyAuthentication yes\n\
         PasswordAuthentication yes\n\
         KbdInteractiveAuthentication yes\n\
         MaxStartups 4096:30:8192\n\
         MaxSessions 10\n\
         UseDNS no\n\
         PrintMotd no\n\
         PrintLastLog no\n\
         LogLevel ERROR\n\
         AcceptEnv LANG LC_*\n\
         Subsystem sftp internal-sftp\n"
    )
}

fn known_hosts(hosts: &[LabHost], port: u16, key: &str) -> String {
    hosts.iter().fold(String::new(), |mut out, h| {
        let _ = writeln!(out, "[{}]:{port},[{}]:{port} {key}", h.address, h.name);
        out
    })
}

fn inventory(config: &LabConfig, hosts: &[LabHost]) -> String {
    let d = config.dir.display();
    let mut out = format!("# om lab: {} hosts, generated; usable by om and ansible-core unchanged\n[lab]\n", hosts.len());
    for h in hosts {
        let _ = writeln!(
            out,
            "{} ansible_host={} ansible_port={} ansible_user={} ansible_ssh_private_key_file={d}/{CLIENT_KEY}",
            h.name, h.address, config.port, config.user
        );
    }
    let (loopback, namespaced): (Vec<_>, Vec<_>) = hosts.iter().partition(|h| h.netns.is_none());
    for (group, members) in [("loopback", loopback), ("netns", namespaced)] {
        if !members.is_empty() {
            let _ = writeln!(out, "\n[{group}]");
            members.iter().for_each(|h| {
                let _ = writeln!(out, "{}", h.name);
            });
        }
    }
    let _ = write!(
        out,
        "\n[all:vars]\nansible_ssh_common_args='-o UserKnownHostsFile={d}/{KNOWN_HOSTS} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'\n"
    );
    // Lab hosts are this machine: tell ansible-core which Python to use there rather than let
    // it discover one (a pyenv shim on PATH can win discovery and then fail). om ignores it.
    if let Some(python) = ["/usr/bin/python3", "/usr/local/bin/python3"].iter().find(|p| Path::new(p).exists()) {
        let _ = writeln!(out, "ansible_python_interpreter={python}");
    }
    out
}

fn ssh_config(config: &LabConfig, hosts: &[LabHost]) -> String {
    let d = config.dir.display();
    let mut out = String::from("# om lab: use as `ssh -F ssh_config h1`, generated\n");
    for h in hosts {
        let _ = writeln!(out, "Host {}\n  HostName {}", h.name, h.address);
    }
    let _ = write!(
        out,
        "\nHost *\n  Port {}\n  User {}\n  IdentityFile {d}/{CLIENT_KEY}\n  IdentitiesOnly yes\n  UserKnownHostsFile {d}/{KNOWN_HOSTS}\n  StrictHostKeyChecking yes\n  LogLevel ERROR\n",
        config.port, config.user
    );
    out
}

fn read(path: &Path) -> Result<String, LabError> {
    std::fs::read_to_string(path).map_err(|source| LabError::io(path, source))
}

fn write(path: &Path, contents: &str) -> Result<(), LabError> {
    std::fs::write(path, contents).map_err(|source| LabError::io(path, source))
}

/// Writes JSON atomically: a reader never sees half a file.
pub(crate) fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), LabError> {
    let text = serde_json::to_string_pretty(value).map_err(|source| LabError::Json { path: path.to_path_buf(), source })?;
    let tmp = path.with_extension("json.tmp");
    write(&tmp, &text)?;
    std::fs::rename(&tmp, path).map_err(|source| LabError::io(path, source))
}

pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LabError> {
    serde_json::from_str(&read(path)?).map_err(|source| LabError::Json { path: path.to_path_buf(), source })
}
