//! The state every handler shares.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use om_store::{EventWriter, Store};
use tokio::sync::{Notify, watch};

use crate::auth::Throttle;
use crate::catalog::Values;
use crate::config::Config;
use crate::grant::{GrantVerifier, JobSigner};
use crate::live::LiveHub;
use crate::ui::Templates;

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub events: AtomicU64,
    pub jobs_launched: AtomicU64,
    pub logins_failed: AtomicU64,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub data_dir: PathBuf,
    pub writer: EventWriter,
    pub live: Arc<LiveHub>,
    pub throttle: Arc<Throttle>,
    pub templates: Arc<Templates>,
    pub metrics: Arc<Metrics>,
    /// Wakes the in-process runners when a job is queued.
    pub queued: Arc<Notify>,
    /// Secret parameter values of jobs not yet claimed: kept in memory only, never stored.
    pub secrets: Arc<Mutex<HashMap<i64, Values>>>,
    /// Cancel switches of the jobs this process runs.
    pub cancels: Arc<Mutex<HashMap<i64, watch::Sender<bool>>>>,
    /// Whether the session cookie gets `Secure` (TLS).
    pub secure_cookies: bool,
    pub started_at: std::time::Instant,
    /// Recorders of jobs that remote workers run, by job id.
    pub remote_recorders: Arc<tokio::sync::Mutex<HashMap<i64, crate::jobs::Recorder>>>,
    /// Signs job grants (WEB-13).
    pub signer: Arc<JobSigner>,
    /// Checks grants for the in-process runners.
    pub grants: Arc<GrantVerifier>,
}

impl AppState {
    /// State over an open store; starts the event writer on the current runtime.
    pub fn new(store: Store, config: Config, data_dir: PathBuf, signer: JobSigner) -> AppState {
        let writer = EventWriter::start(store.clone(), 8192);
        let secure_cookies = config.server.tls_cert.is_some();
        let throttle_after = config.auth.throttle_after;
        AppState {
            store,
            config: Arc::new(config),
            data_dir,
            writer,
            live: Arc::default(),
            throttle: Arc::new(Throttle::new(throttle_after)),
            templates: Arc::new(Templates::new()),
            metrics: Arc::default(),
            queued: Arc::default(),
            secrets: Arc::default(),
            cancels: Arc::default(),
            secure_cookies,
            started_at: std::time::Instant::now(),
            remote_recorders: Arc::default(),
            grants: Arc::new(signer.verifier()),
            signer: Arc::new(signer),
        }
    }
}
