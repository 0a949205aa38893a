//! Starting the platform: the data directory (0700), the store and its migrations, a first
//! admin with a one-time password, the example catalog, actions from `<data>/actions/*.toml`,
//! recovery of jobs the previous process left running, and the listener (rustls when
//! configured, loopback-only without TLS).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use om_store::{AuditRecord, Store, StoreError};

use crate::auth::{hash_password, random_password};
use crate::catalog::{ActionDef, builtin_actions, install_examples};
use crate::config::{Config, ConfigError};
use crate::error::ApiError;
use crate::state::AppState;

/// Why the platform could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot prepare the data directory `{}`", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot initialise the platform: {0}")]
    Init(String),
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot load the TLS certificate or key `{}`: {message}", path.display())]
    Tls { path: PathBuf, message: String },
}

impl From<ApiError> for ServeError {
    fn from(e: ApiError) -> Self {
        ServeError::Init(crate::error::error_chain(&e))
    }
}

/// Start-up switches (`om serve` flags).
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Skip the migrations (`--no-migrate`); the schema must be current.
    pub no_migrate: bool,
}

/// What a start did that the operator must know.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Started {
    pub url: String,
    pub database: String,
    pub data_dir: PathBuf,
    /// Set on the first start: printed once, never stored.
    pub admin_password: Option<String>,
    pub examples_installed: usize,
    pub actions_loaded: usize,
    pub interrupted_jobs: Vec<i64>,
}

/// A started platform: its state (for tests and `om serve --demo`) and what start did.
pub struct Platform {
    pub state: AppState,
    pub started: Started,
}

impl Platform {
    pub async fn start(config: Config, options: StartOptions) -> Result<Platform, ServeError> {
        config.validate()?;
        let data_dir = config.server.data_dir.clone();
        prepare_data_dir(&data_dir)?;
        let url = config.database_url();
        let store = if options.no_migrate { Store::connect(&url).await? } else { Store::open(&url).await? };
        let interrupted: Vec<i64> = store.interrupt_local_jobs().await?.iter().map(|j| j.id).collect();
        for id in &interrupted {
            tracing::warn!(job = id, "job interrupted by the previous stop of om serve");
        }
        let mut started = Started {
            url: format!("{}://{}", if config.server.tls_cert.is_some() { "https" } else { "http" }, config.server.listen),
            database: om_store::Backend::from_url(&url)?.as_str().to_string(),
            data_dir: data_dir.clone(),
            interrupted_jobs: interrupted,
            ..Default::default()
        };
        if store.user_count().await? == 0 {
            let password = random_password();
            let phc = hash_password(password.clone()).await?;
            let admin = store.create_user("admin", "Administrator", &phc, "admin", true).await?;
            store
                .append_audit(AuditRecord {
                    actor_kind: "system".into(),
                    actor_name: "om serve".into(),
                    verb: "user.create".into(),
                    object_kind: "user".into(),
                    object_id: admin.id.to_string(),
                    details: serde_json::json!({"username": "admin", "roles": ["admin"], "first_start": true}),
                    ..Default::default()
                })
                .await?;
            started.admin_password = Some(password);
        }
        if config.server.examples && store.actions().await?.is_empty() {
            install_examples(&data_dir)?;
            for (id, def) in builtin_actions() {
                let value = serde_json::to_value(&def).map_err(|e| ServeError::Init(e.to_string()))?;
                store.create_action(Some(id), &def.name, &def.group, &def.caption, &value, "om").await?;
                started.examples_installed += 1;
            }
        }
        started.actions_loaded = load_action_files(&store, &data_dir.join("actions")).await?;
        let signer = crate::grant::JobSigner::load_or_create(&data_dir).map_err(|e| ServeError::Init(crate::error::error_chain(&e)))?;
        let state = AppState::new(store, config, data_dir, signer);
        crate::jobs::start_background(&state);
        if state.config.server.scheduler {
            crate::schedule::start(&state);
        }
        Ok(Platform { state, started })
    }

    /// Listens until Ctrl-C or SIGTERM.
    pub async fn serve(self) -> Result<(), ServeError> {
        let config = Arc::clone(&self.state.config);
        let addr = config.server.listen;
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| ServeError::Listen { addr, source })?;
        tracing::info!(%addr, "listening");
        let app = crate::router(self.state.clone());
        match config.tls()? {
            None => {
                axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                    .with_graceful_shutdown(shutdown())
                    .await
                    .map_err(|source| ServeError::Listen { addr, source })?;
            }
            Some((cert, key)) => serve_tls(listener, app, cert, key).await?,
        }
        self.state.writer.flush().await.ok();
        Ok(())
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

fn prepare_data_dir(dir: &Path) -> Result<(), ServeError> {
    use std::os::unix::fs::PermissionsExt;
    let err = |source| ServeError::DataDir { path: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(err)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    for sub in ["actions", "files", "playbooks"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(err)?;
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct ActionFile {
    action: Vec<toml::Table>,
}

/// Creates or updates the actions defined in `<data>/actions/*.toml` (`[[action]]` tables,
/// with an optional `id`), matched by name.
pub async fn load_action_files(store: &Store, dir: &Path) -> Result<usize, ServeError> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(0) };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
    paths.sort();
    let mut count = 0;
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| ServeError::DataDir { path: path.clone(), source })?;
        let file: ActionFile = toml::from_str(&text).map_err(|e| ServeError::Init(format!("{}: {e}", path.display())))?;
        for mut table in file.action {
            let id = table.remove("id").and_then(|v| v.as_integer());
            let value = serde_json::to_value(&table).map_err(|e| ServeError::Init(e.to_string()))?;
            let def = ActionDef::parse(&value).map_err(|e| ServeError::Init(format!("{}: {}", path.display(), e.detail())))?;
            let canonical = serde_json::to_value(&def).map_err(|e| ServeError::Init(e.to_string()))?;
            match store.action_by_name(&def.name).await? {
                Some(row) => {
                    store.update_action(row.id, &def.name, &def.group, &def.caption, &canonical, row.enabled, "file").await?;
                }
                None => {
                    store.create_action(id, &def.name, &def.group, &def.caption, &canonical, "file").await?;
                }
            }
            count += 1;
        }
    }
    Ok(count)
}

async fn serve_tls(listener: tokio::net::TcpListener, app: axum::Router, cert: &Path, key: &Path) -> Result<(), ServeError> {
    let tls_err = |path: &Path, message: String| ServeError::Tls { path: path.to_path_buf(), message };
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(std::fs::File::open(cert).map_err(|e| tls_err(cert, e.to_string()))?))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_err(cert, e.to_string()))?;
    let key_der =
        rustls_pemfile::private_key(&mut std::io::BufReader::new(std::fs::File::open(key).map_err(|e| tls_err(key, e.to_string()))?))
            .map_err(|e| tls_err(key, e.to_string()))?
            .ok_or_else(|| tls_err(key, "no private key found".into()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| tls_err(cert, e.to_string()))?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let shutdown = shutdown();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(err) => { tracing::warn!(error = %err, "accept failed"); continue; }
            },
            _ = &mut shutdown => return Ok(()),
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(tcp).await else { return };
            let service = tower::ServiceExt::map_request(app, move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
            let hyper_service = hyper_util::service::TowerToHyperService::new(service);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), hyper_service)
                .with_upgrades()
                .await;
        });
    }
}
