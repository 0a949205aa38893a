//! Signed job grants (WEB-13). When a job is queued, the platform signs what may run with a
//! dedicated Ed25519 key (`<data>/keys/job-signing.key`, used for nothing else): job id,
//! action id, version and hash of its definition, the validated parameters (secrets
//! redacted: they are never stored, so the database cannot alter them), the resolved targets
//! (name and a hash of their connection variables), the requesting user, issue time, a
//! 5-minute claim deadline and a nonce. The grant travels with the job (in its target spec);
//! a runner — `om worker` or the in-process pool — checks it against the job it was handed
//! before anything runs, and a job whose grant does not hold fails every host with
//! `grant_invalid`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::{ActionDef, Values};
use crate::exec::{HostSpec, JobSpec};

/// How long a queued job's grant may be claimed.
pub const CLAIM_WINDOW_MS: i64 = 5 * 60 * 1000;

/// The host status of every host of a job whose grant does not hold.
pub const GRANT_INVALID: &str = "grant_invalid";

/// What a grant says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantPayload {
    pub job_id: i64,
    pub action_id: i64,
    pub action_version_id: i64,
    /// SHA-256 of the action definition's canonical JSON.
    pub action_hash: String,
    /// The validated parameters, secrets as `****`.
    pub params: Value,
    pub targets: Vec<GrantTarget>,
    pub user_id: i64,
    pub username: String,
    /// Milliseconds since the epoch.
    pub issued_at: i64,
    pub claim_deadline: i64,
    /// 128 random bits, hex: a grant runs once.
    pub nonce: String,
}

/// One resolved target: its name and the hash of its connection variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantTarget {
    pub name: String,
    pub vars_hash: String,
}

/// A payload as signed (its exact JSON text) with its signature and the signing key's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedGrant {
    pub payload: String,
    /// Ed25519 signature over `payload`'s bytes, hex.
    pub signature: String,
    /// The first 16 hex digits of SHA-256 of the public key.
    pub key_id: String,
}

/// Why a grant was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("the job carries no grant")]
    Missing,
    #[error("the grant is not signed by the platform's job-signing key")]
    BadSignature,
    #[error("the grant cannot be read: {0}")]
    Malformed(String),
    #[error("the grant is for job {granted}, not job {job}")]
    WrongJob { granted: i64, job: i64 },
    #[error("the grant's claim deadline passed {0} ms ago")]
    Expired(i64),
    #[error("the grant was already used (nonce {0})")]
    Replayed(String),
    #[error("the action definition differs from the one signed")]
    ActionChanged,
    #[error("the targets differ from those signed")]
    TargetsChanged,
    #[error("the parameters differ from those signed")]
    ParamsChanged,
    #[error("the parameters do not validate against the signed action: {0}")]
    ParamsInvalid(String),
    #[error("{targets} targets exceed the action's limit of {limit}")]
    TooManyTargets { targets: usize, limit: usize },
    #[error("cannot record the grant's nonce, so it does not run: {0}")]
    Journal(String),
}

/// The platform's job-signing key.
pub struct JobSigner {
    key: SigningKey,
}

/// A key file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the job-signing key `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the job-signing key `{}` is not 64 hex digits", path.display())]
    Format { path: PathBuf },
}

impl JobSigner {
    /// Loads `<data>/keys/job-signing.key`, creating it (0600, in a 0700 directory) on first
    /// start.
    pub fn load_or_create(data_dir: &Path) -> Result<JobSigner, KeyError> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let dir = data_dir.join("keys");
        let path = dir.join("job-signing.key");
        let io = |source| KeyError::Io { path: path.clone(), source };
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let seed = unhex(text.trim()).and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or(KeyError::Format { path: path.clone() })?;
                Ok(JobSigner { key: SigningKey::from_bytes(&seed) })
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let seed: [u8; 32] = om_store::random_bytes(32).try_into().map_err(|_| KeyError::Format { path: path.clone() })?;
                let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).map_err(io)?;
                std::io::Write::write_all(&mut file, format!("{}\n", om_store::hex(&seed)).as_bytes()).map_err(io)?;
                Ok(JobSigner { key: SigningKey::from_bytes(&seed) })
            }
            Err(err) => Err(io(err)),
        }
    }

    /// The public key, hex (what workers get at enrolment).
    pub fn public_hex(&self) -> String {
        om_store::hex(self.key.verifying_key().as_bytes())
    }

    pub fn sign(&self, payload: &GrantPayload) -> SignedGrant {
        let text = serde_json::to_string(payload).unwrap_or_default();
        let signature = self.key.sign(text.as_bytes());
        SignedGrant { payload: text, signature: om_store::hex(&signature.to_bytes()), key_id: key_id(&self.key.verifying_key()) }
    }

    pub fn verifier(&self) -> GrantVerifier {
        GrantVerifier { key: self.key.verifying_key(), used: Mutex::default(), journal: None }
    }
}

fn key_id(key: &VerifyingKey) -> String {
    om_store::sha256_hex(key.as_bytes()).chars().take(16).collect()
}

/// What a runner checks grants with: the platform's public key and the nonces it has
/// already run (kept until their claim deadline passes; in a journal file too when the
/// runner has one, so a restart does not forget them).
pub struct GrantVerifier {
    key: VerifyingKey,
    used: Mutex<HashMap<String, i64>>,
    journal: Option<Mutex<NonceJournal>>,
}

/// The spent nonces of a runner on disk: one `NONCE DEADLINE_MS` line per grant, appended
/// and fsynced before the job runs. Opening it drops expired entries and a torn last line
/// (one without its newline: the write a crash interrupted) and rewrites the file
/// atomically; it is compacted the same way when it holds mostly expired lines.
pub struct NonceJournal {
    path: PathBuf,
    file: std::fs::File,
    lines: usize,
}

impl NonceJournal {
    /// Opens (creating) the journal at `path`; returns it with the nonces still live at `now`.
    pub fn open(path: &Path, now: i64) -> std::io::Result<(NonceJournal, HashMap<String, i64>)> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(err) => return Err(err),
        };
        let mut live = HashMap::new();
        // Only newline-terminated lines count; a torn last line is ignored.
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        for line in complete.lines() {
            let mut parts = line.split_whitespace();
            if let (Some(nonce), Some(Ok(deadline)), None) = (parts.next(), parts.next().map(str::parse::<i64>), parts.next())
                && deadline >= now
            {
                live.insert(nonce.to_string(), deadline);
            }
        }
        let file = Self::rewrite(path, &live)?;
        Ok((NonceJournal { path: path.to_path_buf(), file, lines: live.len() }, live))
    }

    /// Writes `live` to a temporary file, fsyncs it, renames it over `path`, fsyncs the
    /// directory and returns the new file open for appending.
    fn rewrite(path: &Path, live: &HashMap<String, i64>) -> std::io::Result<std::fs::File> {
        use std::io::Write;
        let tmp = path.with_extension("tmp");
        let mut out = std::fs::File::create(&tmp)?;
        let mut text = String::new();
        for (nonce, deadline) in live {
            text.push_str(&format!("{nonce} {deadline}\n"));
        }
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        std::fs::OpenOptions::new().append(true).open(path)
    }

    /// Appends one spent nonce, durably; compacts first when most lines have expired.
    fn record(&mut self, nonce: &str, deadline: i64, live: &HashMap<String, i64>) -> std::io::Result<()> {
        use std::io::Write;
        if self.lines >= 256 && self.lines > 2 * live.len() {
            self.file = Self::rewrite(&self.path, live)?;
            self.lines = live.len();
        }
        self.file.write_all(format!("{nonce} {deadline}\n").as_bytes())?;
        self.file.sync_data()?;
        self.lines += 1;
        Ok(())
    }
}

impl GrantVerifier {
    /// From the hex public key a worker got at enrolment.
    pub fn from_hex(public: &str) -> Option<GrantVerifier> {
        let bytes: [u8; 32] = unhex(public.trim())?.try_into().ok()?;
        Some(GrantVerifier { key: VerifyingKey::from_bytes(&bytes).ok()?, used: Mutex::default(), journal: None })
    }

    /// Keeps the spent nonces in the journal at `path` too, starting from those it holds.
    pub fn with_journal(mut self, path: &Path, now: i64) -> std::io::Result<GrantVerifier> {
        let (journal, live) = NonceJournal::open(path, now)?;
        self.used = Mutex::new(live);
        self.journal = Some(Mutex::new(journal));
        Ok(self)
    }

    /// Checks `grant` against the job a runner was handed, at `now` (ms); on success the
    /// nonce is spent.
    pub fn verify(&self, spec: &JobSpec, grant: Option<&SignedGrant>, now: i64) -> Result<GrantPayload, GrantError> {
        let grant = grant.ok_or(GrantError::Missing)?;
        let signature = unhex(&grant.signature)
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b))
            .ok_or(GrantError::BadSignature)?;
        self.key.verify_strict(grant.payload.as_bytes(), &signature).map_err(|_| GrantError::BadSignature)?;
        let payload: GrantPayload = serde_json::from_str(&grant.payload).map_err(|e| GrantError::Malformed(e.to_string()))?;
        if payload.job_id != spec.job_id {
            return Err(GrantError::WrongJob { granted: payload.job_id, job: spec.job_id });
        }
        if now > payload.claim_deadline {
            return Err(GrantError::Expired(now - payload.claim_deadline));
        }
        if action_hash(&spec.action) != payload.action_hash {
            return Err(GrantError::ActionChanged);
        }
        if targets(&spec.hosts) != payload.targets {
            return Err(GrantError::TargetsChanged);
        }
        if spec.hosts.len() > spec.action.max_targets {
            return Err(GrantError::TooManyTargets { targets: spec.hosts.len(), limit: spec.action.max_targets });
        }
        let input: serde_json::Map<String, Value> = spec.values.0.clone().into_iter().collect();
        let values = spec.action.validate(&input).map_err(|e| GrantError::ParamsInvalid(e.detail()))?;
        if values != spec.values || canonical(&spec.action.redact(&values)) != canonical(&payload.params) {
            return Err(GrantError::ParamsChanged);
        }
        let mut used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        used.retain(|_, deadline| *deadline >= now);
        if used.contains_key(&payload.nonce) {
            return Err(GrantError::Replayed(payload.nonce));
        }
        if let Some(journal) = &self.journal {
            let mut journal = journal.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            journal.record(&payload.nonce, payload.claim_deadline, &used).map_err(|e| GrantError::Journal(e.to_string()))?;
        }
        used.insert(payload.nonce.clone(), payload.claim_deadline);
        Ok(payload)
    }
}

/// Everything a grant says about a job but its id, user and time.
pub struct GrantSubject<'a> {
    pub action_id: i64,
    pub action_version_id: i64,
    pub action: &'a ActionDef,
    pub values: &'a Values,
    pub hosts: &'a [HostSpec],
    pub user_id: i64,
    pub username: &'a str,
}

impl GrantSubject<'_> {
    pub fn payload(&self, job_id: i64, now: i64) -> GrantPayload {
        GrantPayload {
            job_id,
            action_id: self.action_id,
            action_version_id: self.action_version_id,
            action_hash: action_hash(self.action),
            params: self.action.redact(self.values),
            targets: targets(self.hosts),
            user_id: self.user_id,
            username: self.username.to_string(),
            issued_at: now,
            claim_deadline: now + CLAIM_WINDOW_MS,
            nonce: om_store::hex(&om_store::random_bytes(16)),
        }
    }
}

/// SHA-256 of the canonical JSON of an action definition.
pub fn action_hash(action: &ActionDef) -> String {
    om_store::sha256_hex(canonical(&serde_json::to_value(action).unwrap_or_default()).as_bytes())
}

/// The targets by name (databases sort names by their own collations).
fn targets(hosts: &[HostSpec]) -> Vec<GrantTarget> {
    let mut out: Vec<GrantTarget> = hosts
        .iter()
        .map(|h| GrantTarget {
            name: h.name.clone(),
            vars_hash: om_store::sha256_hex(canonical(&Value::Object(h.vars.clone())).as_bytes()),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// JSON with object keys sorted at every level, so equal values hash alike whatever order
/// their keys were built in.
pub fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_ignores_key_order() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"d":[1,{"z":1,"y":2}],"c":2}}"#).expect("json");
        let b: Value = serde_json::from_str(r#"{"a":{"c":2,"d":[1,{"y":2,"z":1}]},"b":1}"#).expect("json");
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":{"c":2,"d":[1,{"y":2,"z":1}]},"b":1}"#);
    }

    #[test]
    fn the_nonce_journal_survives_reopening_drops_expired_and_torn_lines() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("state").join("grant-nonces");
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&path, "live 100\nold 50\ngarbage\ntorn 100").expect("write");
        let (mut journal, mut live) = NonceJournal::open(&path, 60).expect("opens");
        assert_eq!(live, HashMap::from([("live".to_string(), 100)]));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "live 100\n", "rewritten without the dead lines");
        journal.record("next", 200, &live).expect("appends");
        live.insert("next".into(), 200);
        drop(journal);
        let (_, reopened) = NonceJournal::open(&path, 150).expect("reopens");
        assert_eq!(reopened, HashMap::from([("next".to_string(), 200)]), "`live` expired at 150");
    }

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        assert_eq!(unhex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("é1"), None);
    }
}
