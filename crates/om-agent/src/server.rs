//! The agent's side of the protocol: reads requests from one stream, runs each in its own
//! task (modules on blocking threads), streams their output and answers in any order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::mpsc;

use crate::handler;
use crate::protocol::{AgentError, ErrorKind, Frame, FrameError, Hello, Kind, Request, read_frame, split_payload, write_frame};

/// Cancellation flags of the requests in flight.
pub(crate) type InFlight = Arc<Mutex<HashMap<u32, Arc<AtomicBool>>>>;

/// Sends frames to the controller.
#[derive(Clone)]
pub(crate) struct Outbox {
    tx: mpsc::UnboundedSender<Frame>,
}

impl Outbox {
    pub(crate) fn send(&self, frame: Frame) {
        let _ = self.tx.send(frame);
    }

    pub(crate) fn error(&self, id: u32, err: AgentError) {
        let body = serde_json::to_vec(&err).unwrap_or_default();
        self.send(Frame::new(Kind::Error, id, body));
    }
}

/// Serves one controller until the stream ends or it asks to shut down. Requests still
/// running when the stream ends are cancelled.
pub async fn serve<R, W>(reader: R, writer: W) -> Result<(), FrameError>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Frame>();
    let out = Outbox { tx };
    let writer_task = tokio::spawn(async move {
        let mut w = BufWriter::with_capacity(64 * 1024, writer);
        while let Some(frame) = rx.recv().await {
            if write_frame(&mut w, &frame).await.is_err() {
                return;
            }
            while let Ok(more) = rx.try_recv() {
                if write_frame(&mut w, &more).await.is_err() {
                    return;
                }
            }
            if w.flush().await.is_err() {
                return;
            }
        }
        let _ = w.flush().await;
    });
    out.send(Frame::new(Kind::Hello, 0, serde_json::to_vec(&Hello::current()).unwrap_or_default()));
    let in_flight: InFlight = Arc::new(Mutex::new(HashMap::new()));
    let mut tasks = tokio::task::JoinSet::new();
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut result = Ok(());
    let mut shutdown = false;
    loop {
        let frame = match read_frame(&mut reader).await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        while tasks.try_join_next().is_some() {}
        match frame.kind {
            Kind::Request => {
                let id = frame.id;
                let parsed =
                    split_payload(&frame.payload).and_then(|(json, blob)| Ok((serde_json::from_slice::<Request>(json)?, blob.to_vec())));
                let (request, blob) = match parsed {
                    Ok(p) => p,
                    Err(e) => {
                        out.error(id, AgentError::new(ErrorKind::BadRequest, e.to_string()));
                        continue;
                    }
                };
                if matches!(request, Request::Shutdown) {
                    handler::shutdown::handle(id, &out);
                    shutdown = true;
                    break;
                }
                let cancel = Arc::new(AtomicBool::new(false));
                lock(&in_flight).insert(id, cancel.clone());
                let (out, in_flight) = (out.clone(), in_flight.clone());
                tasks.spawn(async move {
                    handler::dispatch(id, request, blob, &out, cancel).await;
                    lock(&in_flight).remove(&id);
                });
            }
            Kind::Cancel => {
                if let Some(flag) = lock(&in_flight).get(&frame.id) {
                    flag.store(true, Ordering::Relaxed);
                }
            }
            Kind::Hello => {}
            other => {
                out.error(frame.id, AgentError::new(ErrorKind::BadRequest, format!("unexpected {other:?} frame from the controller")));
            }
        }
    }
    // The controller is gone: stop what is running. After a shutdown request, let it finish.
    if !shutdown {
        for flag in lock(&in_flight).values() {
            flag.store(true, Ordering::Relaxed);
        }
    }
    while tasks.join_next().await.is_some() {}
    drop(out);
    let _ = writer_task.await;
    result
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
