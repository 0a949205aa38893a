//! Frames on the wire.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest frame either side accepts (a file copied in one call must fit).
pub const MAX_FRAME: usize = 512 * 1024 * 1024;

/// What a frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Hello = 1,
    Request = 2,
    Response = 3,
    Chunk = 4,
    Cancel = 5,
    Error = 6,
}

impl Kind {
    fn from_u8(b: u8) -> Option<Self> {
        Some(match b {
            1 => Kind::Hello,
            2 => Kind::Request,
            3 => Kind::Response,
            4 => Kind::Chunk,
            5 => Kind::Cancel,
            6 => Kind::Error,
            _ => return None,
        })
    }
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub kind: Kind,
    pub id: u32,
    pub payload: Vec<u8>,
}

impl Frame {
    pub fn new(kind: Kind, id: u32, payload: Vec<u8>) -> Self {
        Self { kind, id, payload }
    }

    /// The frame as bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + self.payload.len());
        out.extend_from_slice(&((5 + self.payload.len()) as u32).to_be_bytes());
        out.push(self.kind as u8);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.payload);
        out
    }

    /// Parses one frame from the start of `data`; returns it and the bytes it used, or `None`
    /// when more bytes are needed.
    pub fn decode(data: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
        if data.len() < 4 {
            return Ok(None);
        }
        let len = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
        if !(5..=MAX_FRAME).contains(&len) {
            return Err(FrameError::BadLength { len });
        }
        if data.len() < 4 + len {
            return Ok(None);
        }
        let kind = Kind::from_u8(data[4]).ok_or(FrameError::BadKind { kind: data[4] })?;
        let id = u32::from_be_bytes([data[5], data[6], data[7], data[8]]);
        Ok(Some((Frame { kind, id, payload: data[9..4 + len].to_vec() }, 4 + len)))
    }
}

/// A byte stream that is not speaking the protocol.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame length {len} is out of range (5..={MAX_FRAME})")]
    BadLength { len: usize },
    #[error("unknown frame kind {kind}")]
    BadKind { kind: u8 },
    #[error("frame payload is truncated")]
    Truncated,
    #[error("bad JSON in a frame: {source}")]
    Json {
        #[from]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
pub async fn read_frame<R: AsyncRead + Unpin + ?Sized>(reader: &mut R) -> Result<Option<Frame>, FrameError> {
    let mut len_bytes = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        let n = reader.read(&mut len_bytes[got..]).await?;
        if n == 0 {
            return if got == 0 { Ok(None) } else { Err(FrameError::Truncated) };
        }
        got += n;
    }
    let len = u32::from_be_bytes(len_bytes) as usize;
    if !(5..=MAX_FRAME).contains(&len) {
        return Err(FrameError::BadLength { len });
    }
    let mut rest = vec![0u8; len];
    reader
        .read_exact(&mut rest)
        .await
        .map_err(|e| if e.kind() == std::io::ErrorKind::UnexpectedEof { FrameError::Truncated } else { e.into() })?;
    let kind = Kind::from_u8(rest[0]).ok_or(FrameError::BadKind { kind: rest[0] })?;
    let id = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]);
    rest.drain(..5);
    Ok(Some(Frame { kind, id, payload: rest }))
}

/// Writes one frame (not flushed).
pub async fn write_frame<W: AsyncWrite + Unpin + ?Sized>(writer: &mut W, frame: &Frame) -> std::io::Result<()> {
    writer.write_all(&frame.encode()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_wait_for_more_bytes() {
        let f = Frame::new(Kind::Chunk, 7, b"\x01hello".to_vec());
        let bytes = f.encode();
        assert_eq!(Frame::decode(&bytes[..6]).expect("ok"), None);
        let (back, used) = Frame::decode(&bytes).expect("ok").expect("complete");
        assert_eq!((back, used), (f, bytes.len()));
    }

    #[test]
    fn garbage_is_refused() {
        assert!(matches!(Frame::decode(&[0, 0, 0, 1, 2]), Err(FrameError::BadLength { len: 1 })));
        assert!(matches!(Frame::decode(&[0, 0, 0, 5, 99, 0, 0, 0, 0]), Err(FrameError::BadKind { kind: 99 })));
        assert!(matches!(Frame::decode(&[0xff, 0xff, 0xff, 0xff]), Err(FrameError::BadLength { .. })));
    }
}
