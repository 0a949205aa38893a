//! The controller's side of the protocol: one [`Client`] per agent, many requests in flight
//! over any byte stream (an SSH channel, a child's pipes).
//!
//! A call sends a REQUEST and waits for its RESPONSE or ERROR, handing CHUNK frames to the
//! caller as they arrive. Dropping a call's future cancels it on the agent. When the stream
//! ends, every call in flight fails with [`ClientError::Disconnected`], and so does every
//! later call: the executor then reconnects.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{
    AgentError, Frame, FrameError, Hello, Kind, ModuleRequest, PROTOCOL_VERSION, Request, Response, join_payload, read_frame, split_payload,
};
use om_core::{Stream, Vars};

/// Why a call did not get an answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    #[error("the agent connection closed: {reason}")]
    Disconnected { reason: String },
    #[error("om-agent speaks protocol {agent}, this om speaks {expected}")]
    Version { agent: u32, expected: u32 },
    #[error("the agent said: {0}")]
    Agent(#[from] AgentError),
    #[error("the agent sent something that is not the om-agent protocol: {reason}")]
    Protocol { reason: String },
}

/// A finished call: the response and the bytes that came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub response: Response,
    pub blob: Vec<u8>,
}

/// Receives live output of a call.
pub type OnChunk<'a> = &'a (dyn Fn(Stream, &[u8]) + Sync);

type Done = oneshot::Sender<Result<Reply, ClientError>>;
type Chunks = mpsc::UnboundedSender<(Stream, Vec<u8>)>;

struct Pending {
    done: Done,
    chunks: Chunks,
}

struct Shared {
    pending: Mutex<HashMap<u32, Pending>>,
    closed: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A connection to one agent.
pub struct Client {
    tx: mpsc::UnboundedSender<Frame>,
    shared: Arc<Shared>,
    next_id: AtomicU32,
    hello: Hello,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("hello", &self.hello).finish_non_exhaustive()
    }
}

/// Cancels the call on the agent if the caller stops waiting.
struct CallGuard<'a> {
    client: &'a Client,
    id: u32,
    finished: bool,
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            lock(&self.client.shared.pending).remove(&self.id);
            let _ = self.client.tx.send(Frame::new(Kind::Cancel, self.id, Vec::new()));
        }
    }
}

impl Client {
    /// Reads the agent's hello from `reader`, checks its protocol version, and starts the
    /// reader and writer tasks.
    pub async fn connect<R, W>(reader: R, writer: W) -> Result<Client, ClientError>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let mut reader = BufReader::with_capacity(64 * 1024, reader);
        let first = read_frame(&mut reader).await.map_err(|e| ClientError::Protocol { reason: e.to_string() })?;
        let hello: Hello = match first {
            Some(f) if f.kind == Kind::Hello => {
                serde_json::from_slice(&f.payload).map_err(|e| ClientError::Protocol { reason: format!("bad hello: {e}") })?
            }
            Some(f) => return Err(ClientError::Protocol { reason: format!("expected a hello, got a {:?} frame", f.kind) }),
            None => return Err(ClientError::Disconnected { reason: "the agent exited before saying hello".into() }),
        };
        if hello.protocol != PROTOCOL_VERSION {
            return Err(ClientError::Version { agent: hello.protocol, expected: PROTOCOL_VERSION });
        }
        let (tx, mut rx) = mpsc::unbounded_channel::<Frame>();
        let shared = Arc::new(Shared { pending: Mutex::new(HashMap::new()), closed: Mutex::new(None) });
        let writer_shared = shared.clone();
        tokio::spawn(async move {
            let mut w = BufWriter::with_capacity(64 * 1024, writer);
            while let Some(frame) = rx.recv().await {
                let mut ok = w.write_all(&frame.encode()).await.is_ok();
                while ok && let Ok(more) = rx.try_recv() {
                    ok = w.write_all(&more.encode()).await.is_ok();
                }
                if !ok || w.flush().await.is_err() {
                    lock(&writer_shared.closed).get_or_insert_with(|| "the agent stopped reading".into());
                    break;
                }
            }
            let _ = w.shutdown().await;
        });
        let reader_shared = shared.clone();
        tokio::spawn(async move {
            let reason = loop {
                match read_frame(&mut reader).await {
                    Ok(Some(frame)) => deliver(&reader_shared, frame),
                    Ok(None) => break "end of stream".to_string(),
                    Err(FrameError::Io(e)) => break e.to_string(),
                    Err(e) => break format!("protocol error: {e}"),
                }
            };
            lock(&reader_shared.closed).get_or_insert_with(|| reason.clone());
            for (_, p) in lock(&reader_shared.pending).drain() {
                let _ = p.done.send(Err(ClientError::Disconnected { reason: reason.clone() }));
            }
        });
        Ok(Client { tx, shared, next_id: AtomicU32::new(1), hello })
    }

    /// What the agent said when it started.
    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// Whether the stream has ended.
    pub fn is_closed(&self) -> bool {
        lock(&self.shared.closed).is_some() || self.tx.is_closed()
    }

    /// Sends `request` with `blob`, calls `on_chunk` for live output, and returns the reply.
    pub async fn call(&self, request: &Request, blob: &[u8], on_chunk: Option<OnChunk<'_>>) -> Result<Reply, ClientError> {
        if let Some(reason) = lock(&self.shared.closed).clone() {
            return Err(ClientError::Disconnected { reason });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (done_tx, mut done_rx) = oneshot::channel();
        let (chunk_tx, mut chunk_rx) = mpsc::unbounded_channel();
        lock(&self.shared.pending).insert(id, Pending { done: done_tx, chunks: chunk_tx });
        let mut guard = CallGuard { client: self, id, finished: false };
        let json = serde_json::to_vec(request).map_err(|e| ClientError::Protocol { reason: e.to_string() })?;
        if self.tx.send(Frame::new(Kind::Request, id, join_payload(&json, blob))).is_err() {
            guard.finished = true;
            lock(&self.shared.pending).remove(&id);
            return Err(ClientError::Disconnected { reason: "the writer stopped".into() });
        }
        let result = loop {
            tokio::select! {
                biased;
                Some((stream, data)) = chunk_rx.recv() => {
                    if let Some(f) = on_chunk { f(stream, &data) }
                }
                r = &mut done_rx => {
                    while let Ok((stream, data)) = chunk_rx.try_recv() {
                        if let Some(f) = on_chunk { f(stream, &data) }
                    }
                    break r.unwrap_or_else(|_| Err(ClientError::Disconnected { reason: "the reader stopped".into() }));
                }
            }
        };
        guard.finished = true;
        result
    }

    /// Runs a native module; `input` is its content blob, `on_chunk` gets live output.
    pub async fn module(
        &self,
        module: &str,
        args: &Vars,
        check: bool,
        diff: bool,
        input: &[u8],
        on_chunk: Option<OnChunk<'_>>,
    ) -> Result<om_modules::ModuleOutput, ClientError> {
        self.module_job(module, args, check, diff, &[], input, on_chunk, None).await
    }

    /// As [`Client::module`], with `environment:` variables (`env`) for the programs the
    /// module runs; with `job`, the module starts as that background job and the answer is the
    /// started job (`ansible_job_id`, `started`, `finished: 0`).
    #[allow(clippy::too_many_arguments)]
    pub async fn module_job(
        &self,
        module: &str,
        args: &Vars,
        check: bool,
        diff: bool,
        env: &[(String, String)],
        input: &[u8],
        on_chunk: Option<OnChunk<'_>>,
        job: Option<&om_core::ModuleJob>,
    ) -> Result<om_modules::ModuleOutput, ClientError> {
        let call = ModuleRequest { module: module.to_string(), args: args.clone(), check, diff, env: env.to_vec() };
        let request = Request::Module { call, job: job.cloned() };
        let reply = self.call(&request, input, on_chunk).await?;
        match reply.response {
            Response::Module { result } => Ok(om_modules::ModuleOutput { result, data: (!reply.blob.is_empty()).then_some(reply.blob) }),
            other => Err(ClientError::Protocol { reason: format!("expected a module response, got {other:?}") }),
        }
    }

    /// Asks the agent to exit once the calls in flight are answered.
    pub async fn shutdown(&self) -> Result<(), ClientError> {
        self.call(&Request::Shutdown, &[], None).await.map(drop)
    }
}

fn deliver(shared: &Shared, frame: Frame) {
    match frame.kind {
        Kind::Chunk => {
            let pending = lock(&shared.pending);
            if let (Some(p), Some((tag, data))) = (pending.get(&frame.id), frame.payload.split_first()) {
                let stream = if *tag == 2 { Stream::Stderr } else { Stream::Stdout };
                let _ = p.chunks.send((stream, data.to_vec()));
            }
        }
        Kind::Response => {
            let Some(p) = lock(&shared.pending).remove(&frame.id) else { return };
            let reply =
                split_payload(&frame.payload).map_err(|e| ClientError::Protocol { reason: e.to_string() }).and_then(|(json, blob)| {
                    let response: Response =
                        serde_json::from_slice(json).map_err(|e| ClientError::Protocol { reason: format!("bad response: {e}") })?;
                    Ok(Reply { response, blob: blob.to_vec() })
                });
            let _ = p.done.send(reply);
        }
        Kind::Error => {
            let Some(p) = lock(&shared.pending).remove(&frame.id) else { return };
            let err = serde_json::from_slice::<AgentError>(&frame.payload)
                .map(ClientError::Agent)
                .unwrap_or_else(|e| ClientError::Protocol { reason: format!("bad error frame: {e}") });
            let _ = p.done.send(Err(err));
        }
        _ => {}
    }
}
