//! `om serve`'s configuration: one TOML file (WEB-01), flags override it. Unknown keys are
//! errors that name the file, line and key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use om_store::Retention;

/// The whole file. Sections other features own are accepted and kept for them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub workers: WorkersConfig,
    pub retention: Retention,
    pub cmdaudit: toml::Table,
    pub monitor: toml::Table,
    pub notify: toml::Table,
    pub legacy: toml::Table,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Where to listen; without TLS only loopback addresses are allowed.
    pub listen: SocketAddr,
    /// Holds the SQLite database, the action repository and the platform's keys.
    pub data_dir: PathBuf,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Listen on a non-loopback address without TLS (behind a TLS proxy).
    pub allow_plain_http: bool,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// Install the example actions on first start.
    pub examples: bool,
    /// The most targets any job may have.
    pub max_targets: usize,
    /// Run the scheduler (schedules launch jobs at their times).
    pub scheduler: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("/var/lib/om"),
            tls_cert: None,
            tls_key: None,
            allow_plain_http: false,
            trusted_proxies: Vec::new(),
            examples: true,
            max_targets: 10_000,
            scheduler: true,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…`, `postgres://…` or `mysql://…`; default SQLite in the data directory.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    /// Failures before the exponential login delay starts.
    pub throttle_after: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { session_idle_minutes: 120, session_max_hours: 12, throttle_after: 5 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkersConfig {
    /// In-process runners; 0 leaves every job to `om worker` processes.
    pub local: usize,
    /// Zones the in-process runners serve.
    pub zones: Vec<String>,
    /// Hosts run at once per job unless the action says otherwise.
    pub forks: usize,
    /// A claimed job's lease; renewed every third of it.
    pub lease_seconds: i64,
    /// The key and user for SSH when a server's variables name none.
    pub ssh_key: Option<PathBuf>,
    pub ssh_user: Option<String>,
    pub known_hosts: Option<PathBuf>,
    /// How long a cancelled job's commands get between SIGTERM and SIGKILL (WEB-54).
    pub cancel_grace_ms: u64,
}

impl Default for WorkersConfig {
    fn default() -> Self {
        WorkersConfig {
            local: 4,
            zones: vec!["default".into()],
            forks: 20,
            lease_seconds: 30,
            ssh_key: None,
            ssh_user: None,
            known_hosts: None,
            cancel_grace_ms: 10_000,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error(
        "refusing to listen on {listen} without TLS\n  hint: set [server] tls_cert and tls_key, listen on 127.0.0.1, or set allow_plain_http behind a TLS proxy"
    )]
    PlainHttp { listen: SocketAddr },
    #[error("[server] tls_cert and tls_key go together")]
    HalfTls,
}

impl Config {
    /// Reads `path`; a missing default file is an empty configuration.
    pub fn load(path: &Path, must_exist: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !must_exist => return Ok(Config::default()),
            Err(source) => return Err(ConfigError::Read { path: path.to_path_buf(), source }),
        };
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text)
            .map_err(|err| ConfigError::Parse { path: path.to_path_buf(), message: err.to_string().trim().replace('\n', "\n  ") })
    }

    /// The database URL: the configured one, else SQLite in the data directory.
    pub fn database_url(&self) -> String {
        self.database.url.clone().unwrap_or_else(|| format!("sqlite://{}", self.server.data_dir.join("om.db").display()))
    }

    pub fn tls(&self) -> Result<Option<(&Path, &Path)>, ConfigError> {
        match (&self.server.tls_cert, &self.server.tls_key) {
            (Some(c), Some(k)) => Ok(Some((c, k))),
            (None, None) => Ok(None),
            _ => Err(ConfigError::HalfTls),
        }
    }

    /// Checks what only makes sense as a whole: plain HTTP stays on loopback.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let tls = self.tls()?;
        if tls.is_none() && !self.server.listen.ip().is_loopback() && !self.server.allow_plain_http {
            return Err(ConfigError::PlainHttp { listen: self.server.listen });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_file_line_and_key() {
        let err = Config::parse("[server]\nlisten = \"127.0.0.1:9000\"\nlisen = 1\n", Path::new("om.toml")).expect_err("unknown key");
        let text = err.to_string();
        assert!(text.starts_with("om.toml: "), "{text}");
        assert!(text.contains("line 3") && text.contains("lisen"), "{text}");
    }

    #[test]
    fn plain_http_stays_on_loopback() {
        let mut config = Config::parse("[server]\nlisten = \"0.0.0.0:8080\"\n", Path::new("om.toml")).expect("parses");
        assert!(matches!(config.validate(), Err(ConfigError::PlainHttp { .. })));
        config.server.allow_plain_http = true;
        config.validate().expect("allowed behind a proxy");
    }
}
