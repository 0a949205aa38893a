//! Content digests (`sha1` is Ansible's `checksum`; `md5`, `sha224`…`sha512` for `get_url`
//! and `stat`'s `checksum_algorithm`).

use sha1::Digest;

/// An incremental hasher for one of the supported algorithms.
pub enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(algorithm: &str) -> Option<Self> {
        Some(match algorithm.to_ascii_lowercase().as_str() {
            "md5" => Self::Md5(md5::Md5::new()),
            "sha1" => Self::Sha1(sha1::Sha1::new()),
            "sha224" => Self::Sha224(sha2::Sha224::new()),
            "sha256" => Self::Sha256(sha2::Sha256::new()),
            "sha384" => Self::Sha384(sha2::Sha384::new()),
            "sha512" => Self::Sha512(sha2::Sha512::new()),
            _ => return None,
        })
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Md5(h) => h.update(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha224(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    pub fn finish(self) -> String {
        match self {
            Self::Md5(h) => hex(&h.finalize()),
            Self::Sha1(h) => hex(&h.finalize()),
            Self::Sha224(h) => hex(&h.finalize()),
            Self::Sha256(h) => hex(&h.finalize()),
            Self::Sha384(h) => hex(&h.finalize()),
            Self::Sha512(h) => hex(&h.finalize()),
        }
    }
}

/// The names `get_url` and `stat` accept.
pub const ALGORITHMS: &[&str] = &["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// The hex digest of `data`, or `None` for an unknown algorithm.
pub fn digest(algorithm: &str, data: &[u8]) -> Option<String> {
    let mut h = Hasher::new(algorithm)?;
    h.update(data);
    Some(h.finish())
}

/// Ansible's `checksum`: the sha1 of the content.
pub fn sha1(data: &[u8]) -> String {
    let mut h = sha1::Sha1::new();
    h.update(data);
    hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_coreutils() {
        assert_eq!(sha1(b"hello\n"), "f572d396fae9206628714fb2ce00f72e94f2258f");
        assert_eq!(digest("md5", b"hello\n").as_deref(), Some("b1946ac92492d2347c6235b4d2611184"));
        assert_eq!(digest("sha256", b"").as_deref(), Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        assert!(digest("crc32", b"").is_none());
    }
}
