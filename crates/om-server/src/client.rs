//! A small HTTP/1.1 client for the platform's APIs, used by `om worker` and the `om jobs` /
//! `om action` commands: bearer auth, JSON bodies, problem+json errors, SSE streams. One
//! connection per request; `https://` with the system's roots is not built in, so TLS needs
//! the server's CA file (`OM_CA_FILE`).

use std::path::Path;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;

/// What went wrong talking to the platform.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("`{url}` is not an http:// or https:// URL")]
    BadUrl { url: String },
    #[error("cannot reach {authority}")]
    Connect {
        authority: String,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP exchange with {authority} failed: {message}")]
    Http { authority: String, message: String },
    #[error("{status}: {detail}")]
    Status { status: u16, detail: String },
    #[error("the server's answer is not the JSON expected: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("cannot use the worker's state file `{}`", path.display())]
    State {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A client for one platform URL, with an optional bearer token.
#[derive(Clone)]
pub struct ApiClient {
    host: String,
    port: u16,
    authority: String,
    token: Option<String>,
    tls: Option<tokio_rustls::TlsConnector>,
}

impl ApiClient {
    /// `url` is the platform's base (`http://127.0.0.1:8080`).
    pub fn new(url: &str, token: Option<String>) -> Result<ApiClient, ClientError> {
        let bad = || ClientError::BadUrl { url: url.to_string() };
        let (https, rest) = if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else {
            return Err(bad());
        };
        let authority = rest.split('/').next().filter(|a| !a.is_empty()).ok_or_else(bad)?.to_string();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                (h.trim_matches(['[', ']']).to_string(), p.parse().map_err(|_| bad())?)
            }
            _ => (authority.trim_matches(['[', ']']).to_string(), if https { 443 } else { 80 }),
        };
        let tls = if https { Some(tls_connector(std::env::var_os("OM_CA_FILE").as_deref().map(Path::new))?) } else { None };
        Ok(ApiClient { host, port, authority, token, tls })
    }

    pub fn with_token(mut self, token: String) -> ApiClient {
        self.token = Some(token);
        self
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        accept: &str,
        last_id: Option<i64>,
    ) -> Result<hyper::Response<hyper::body::Incoming>, ClientError> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|source| ClientError::Connect { authority: self.authority.clone(), source })?;
        let _ = tcp.set_nodelay(true);
        let http = |e: hyper::Error| ClientError::Http { authority: self.authority.clone(), message: e.to_string() };
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.authority)
            .header("accept", accept)
            .header("user-agent", concat!("om/", env!("CARGO_PKG_VERSION")));
        if let Some(t) = &self.token {
            builder = builder.header("authorization", format!("Bearer {t}"));
        }
        if let Some(id) = last_id {
            builder = builder.header("last-event-id", id.to_string());
        }
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| ClientError::Http { authority: self.authority.clone(), message: e.to_string() })?;
        macro_rules! exchange {
            ($io:expr) => {{
                let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new($io)).await.map_err(http)?;
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                sender.send_request(request).await.map_err(http)?
            }};
        }
        let response = match &self.tls {
            None => exchange!(tcp),
            Some(tls) => {
                let name = rustls::pki_types::ServerName::try_from(self.host.clone()).map_err(|e| ClientError::Tls(e.to_string()))?;
                let stream =
                    tls.connect(name, tcp).await.map_err(|source| ClientError::Connect { authority: self.authority.clone(), source })?;
                exchange!(stream)
            }
        };
        Ok(response)
    }

    /// Sends a request and returns status and body.
    pub async fn raw(&self, method: Method, path: &str, body: Option<&impl Serialize>) -> Result<(u16, Vec<u8>), ClientError> {
        let body = body.map(serde_json::to_vec).transpose()?;
        let response = self.send(method, path, body, "application/json", None).await?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| ClientError::Http { authority: self.authority.clone(), message: e.to_string() })?
            .to_bytes();
        Ok((status, bytes.to_vec()))
    }

    /// A JSON request; non-2xx answers become [`ClientError::Status`] with the problem's detail.
    pub async fn json<T: DeserializeOwned>(&self, method: Method, path: &str, body: Option<&impl Serialize>) -> Result<T, ClientError> {
        let (status, bytes) = self.raw(method, path, body).await?;
        if !(200..300).contains(&status) {
            return Err(status_error(status, &bytes));
        }
        let bytes = if bytes.is_empty() { b"null".to_vec() } else { bytes };
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Reads an SSE stream, calling `on_event(id, kind, data)` for each event until it
    /// returns false or the stream ends.
    pub async fn sse(
        &self,
        path: &str,
        last_id: Option<i64>,
        mut on_event: impl FnMut(i64, &str, &str) -> bool,
    ) -> Result<(), ClientError> {
        let response = self.send(Method::GET, path, None, "text/event-stream", last_id).await?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        if !(200..300).contains(&status) {
            let bytes = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
            return Err(status_error(status, &bytes));
        }
        let mut buffer = String::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| ClientError::Http { authority: self.authority.clone(), message: e.to_string() })?;
            let Ok(data) = frame.into_data() else { continue };
            buffer.push_str(&String::from_utf8_lossy(&data));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let (mut id, mut kind, mut data) = (0, "message".to_string(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().unwrap_or(0);
                    } else if let Some(v) = line.strip_prefix("event:") {
                        kind = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        if !data.is_empty() {
                            data.push('\n');
                        }
                        data.push_str(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                if !data.is_empty() && !on_event(id, &kind, &data) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

fn status_error(status: u16, body: &[u8]) -> ClientError {
    let detail = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().chars().take(300).collect());
    ClientError::Status { status, detail }
}

fn tls_connector(ca: Option<&Path>) -> Result<tokio_rustls::TlsConnector, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    let ca = ca.ok_or_else(|| ClientError::Tls("set OM_CA_FILE to the platform's CA certificate (PEM)".into()))?;
    let file = std::fs::File::open(ca).map_err(|e| ClientError::Tls(format!("{}: {e}", ca.display())))?;
    for cert in rustls_pemfile::certs(&mut std::io::BufReader::new(file)) {
        roots.add(cert.map_err(|e| ClientError::Tls(e.to_string()))?).map_err(|e| ClientError::Tls(e.to_string()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}
