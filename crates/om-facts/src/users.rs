//! Logged-in users from utmp `USER_PROCESS` records (glibc's x86_64/aarch64 layout, 384
//! bytes per record). The path is a parameter so tests can read a fixture made with
//! `utmpdump -r`.

use std::path::Path;

use serde::Serialize;

use crate::FactsError;

/// Where glibc keeps utmp.
pub const UTMP: &str = "/var/run/utmp";

const RECORD: usize = 384;
const USER_PROCESS: i16 = 7;

/// psutil's `suser`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserSession {
    pub name: String,
    pub terminal: String,
    pub host: String,
    /// Login time, epoch seconds.
    pub started: f64,
    pub pid: i32,
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Parses utmp records.
pub fn parse_utmp(data: &[u8]) -> Vec<UserSession> {
    data.chunks_exact(RECORD)
        .filter(|r| i16::from_ne_bytes([r[0], r[1]]) == USER_PROCESS)
        .map(|r| {
            let i32_at = |i: usize| i32::from_ne_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
            let mut host = cstr(&r[76..332]);
            if host == ":0" || host == ":0.0" {
                host = "localhost".into();
            }
            UserSession {
                name: cstr(&r[44..76]),
                terminal: cstr(&r[8..40]),
                host,
                started: i32_at(340) as f64 + i32_at(344) as f64 / 1e6,
                pid: i32_at(4),
            }
        })
        .collect()
}

/// Users logged in according to the utmp file at `path` (an absent file means nobody).
pub fn users(path: &Path) -> Result<Vec<UserSession>, FactsError> {
    match std::fs::read(path) {
        Ok(data) => Ok(parse_utmp(&data)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(FactsError::Utmp { path: path.to_path_buf(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_process_records_parse() {
        let mut rec = vec![0u8; RECORD];
        rec[0..2].copy_from_slice(&7i16.to_ne_bytes());
        rec[4..8].copy_from_slice(&4242i32.to_ne_bytes());
        rec[8..13].copy_from_slice(b"pts/0");
        rec[44..49].copy_from_slice(b"alice");
        rec[76..85].copy_from_slice(b"10.0.0.9\0");
        rec[340..344].copy_from_slice(&1_700_000_000i32.to_ne_bytes());
        rec[344..348].copy_from_slice(&500_000i32.to_ne_bytes());
        let mut dead = vec![0u8; RECORD];
        dead[0..2].copy_from_slice(&8i16.to_ne_bytes());
        rec.extend(dead);
        let u = parse_utmp(&rec);
        assert_eq!(
            u,
            vec![UserSession {
                name: "alice".into(),
                terminal: "pts/0".into(),
                host: "10.0.0.9".into(),
                started: 1_700_000_000.5,
                pid: 4242
            }]
        );
    }
}
