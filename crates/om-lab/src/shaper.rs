//! Delay and loss for loopback hosts, emulated in the supervisor where the kernel has no
//! netem: each chunk read from one side is written to the other `delay` (± jitter) later,
//! and a "lost" chunk waits one more minimum TCP retransmission timeout (200 ms), which is
//! what loss does to a TCP stream. Order is kept: a chunk never overtakes the one before it.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::Netem;

const RETRANSMIT: Duration = Duration::from_millis(200);

/// Relays `client` ↔ `server` until either side closes.
pub(crate) async fn relay(client: tokio::net::TcpStream, server: tokio::net::UnixStream, netem: Netem) {
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let seed = Instant::now().elapsed().as_nanos() as u64 ^ std::process::id() as u64;
    tokio::join!(
        direction(client_read, server_write, netem, seed | 1),
        direction(server_read, client_write, netem, seed.rotate_left(17) | 1),
    );
}

async fn direction(mut from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin + Send + 'static, netem: Netem, seed: u64) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut random = XorShift(seed);
    let mut last_due = Instant::now();
    let mut buf = vec![0u8; 32 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let jitter = if netem.jitter_ms > 0 { random.below(2 * netem.jitter_ms + 1) as i64 - netem.jitter_ms as i64 } else { 0 };
        let delay_ms = (netem.delay_ms as i64 + jitter).max(0) as u64;
        let mut due = Instant::now() + Duration::from_millis(delay_ms);
        if netem.loss_percent > 0.0 && (random.below(1_000_000) as f64) < netem.loss_percent * 10_000.0 {
            due += RETRANSMIT;
        }
        last_due = last_due.max(due);
        if tx.send((last_due, buf[..n].to_vec())).is_err() {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

/// A small deterministic generator; the lab needs variety, not cryptography.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}
