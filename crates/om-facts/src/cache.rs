//! The fact cache in ansible-core's `jsonfile` layout: one JSON file per host,
//! `<dir>/<inventory_hostname>`, holding the `ansible_*` facts, expiring after a timeout
//! (`fact_caching_timeout`, 0 = never). Compound targeting (`G@`) reads grains from it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

/// A jsonfile fact cache.
#[derive(Debug, Clone)]
pub struct FactCache {
    dir: PathBuf,
    timeout: Duration,
}

/// What went wrong with the cache directory.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot write the fact cache `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the fact cache `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("host name `{host}` cannot be a cache file name")]
    BadHost { host: String },
}

impl FactCache {
    /// `timeout` of zero means entries never expire (ansible-core's 0).
    pub fn new(dir: impl Into<PathBuf>, timeout: Duration) -> Self {
        Self { dir: dir.into(), timeout }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, host: &str) -> Result<PathBuf, CacheError> {
        if host.is_empty() || host.contains('/') || host == "." || host == ".." {
            return Err(CacheError::BadHost { host: host.to_string() });
        }
        Ok(self.dir.join(host))
    }

    /// The cached facts of `host`, unless missing or older than the timeout.
    pub fn get(&self, host: &str) -> Result<Option<Map<String, Value>>, CacheError> {
        let path = self.path(host)?;
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CacheError::Read { path, source }),
        };
        if !self.timeout.is_zero() {
            let age = meta.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok()).unwrap_or_default();
            if age > self.timeout {
                return Ok(None);
            }
        }
        let text = std::fs::read_to_string(&path).map_err(|source| CacheError::Read { path: path.clone(), source })?;
        match serde_json::from_str::<Value>(&text) {
            // A module result (`{"ansible_facts": {...}}`) is accepted too.
            Ok(Value::Object(map)) => match map.get("ansible_facts") {
                Some(Value::Object(facts)) if map.len() == 1 => Ok(Some(facts.clone())),
                _ => Ok(Some(map)),
            },
            Ok(_) => Ok(None),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "unreadable fact cache entry");
                Ok(None)
            }
        }
    }

    /// Stores `facts` for `host` (atomically: temporary file, then rename).
    pub fn set(&self, host: &str, facts: &Map<String, Value>) -> Result<(), CacheError> {
        let path = self.path(host)?;
        std::fs::create_dir_all(&self.dir).map_err(|source| CacheError::Write { path: self.dir.clone(), source })?;
        let tmp = self.dir.join(format!(".{host}.tmp-{}", std::process::id()));
        let body = serde_json::to_vec_pretty(facts).unwrap_or_default();
        std::fs::write(&tmp, body).and_then(|_| std::fs::rename(&tmp, &path)).map_err(|source| CacheError::Write { path, source })
    }

    /// Removes every cached host (`--flush-cache`).
    pub fn flush(&self) -> Result<(), CacheError> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Ok(()) };
        for e in entries.filter_map(Result::ok) {
            if e.path().is_file() {
                std::fs::remove_file(e.path()).map_err(|source| CacheError::Write { path: e.path(), source })?;
            }
        }
        Ok(())
    }

    /// Hosts with fresh entries, sorted.
    pub fn hosts(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str().map(str::to_string)).filter(|n| !n.starts_with('.')).collect())
            .unwrap_or_default();
        out.retain(|h| self.get(h).ok().flatten().is_some());
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_expire() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = FactCache::new(dir.path(), Duration::ZERO);
        let mut facts = Map::new();
        facts.insert("ansible_os_family".into(), "Debian".into());
        cache.set("web1", &facts).expect("stored");
        assert_eq!(cache.get("web1").expect("read"), Some(facts.clone()));
        assert_eq!(cache.hosts(), vec!["web1"]);
        let old = std::fs::File::options().write(true).open(dir.path().join("web1")).expect("open");
        old.set_modified(SystemTime::now() - Duration::from_secs(100)).expect("set mtime");
        let short = FactCache::new(dir.path(), Duration::from_secs(10));
        assert_eq!(short.get("web1").expect("read"), None);
        assert!(matches!(cache.set("../x", &facts), Err(CacheError::BadHost { .. })));
        cache.flush().expect("flushed");
        assert_eq!(cache.get("web1").expect("read"), None);
    }
}
