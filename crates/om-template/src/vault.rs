//! Ansible Vault 1.1/1.2 (AES256): what `ansible-vault encrypt` and `encrypt_string` write,
//! decrypted with the vault password (`--vault-password-file`).
//!
//! ```text
//! $ANSIBLE_VAULT;1.1;AES256            (1.2 adds ;<vault id>)
//! hex( hex(salt) \n hex(hmac) \n hex(ciphertext) )
//! ```
//!
//! PBKDF2-HMAC-SHA256 (10,000 rounds) turns the password and salt into an AES-256 key, an
//! HMAC-SHA256 key and the CTR counter; the HMAC of the ciphertext is checked before
//! anything is decrypted.

use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{KeyInit, Mac};
use om_core::Secret;
use sha2::Sha256;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

/// One vault password, with the vault id it was given for (`--vault-id label@file`).
#[derive(Debug, Clone)]
pub struct VaultSecret {
    pub id: Option<String>,
    pub password: Secret<String>,
}

impl VaultSecret {
    pub fn new(password: impl Into<String>) -> Self {
        Self { id: None, password: Secret::new(password.into()) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("found vaulted data but no vault password was given\n  hint: pass --vault-password-file FILE (or --ask-vault-pass)")]
    NoSecret,
    #[error("not vault data: the first line must be `$ANSIBLE_VAULT;1.1;AES256` or `$ANSIBLE_VAULT;1.2;AES256;<id>`")]
    Header,
    #[error("unsupported vault cipher `{0}`; only AES256 is supported")]
    Cipher(String),
    #[error("the vault body is not valid hexadecimal data")]
    Body,
    #[error("decryption failed: no vault password matched (HMAC mismatch)\n  hint: check --vault-password-file")]
    WrongPassword,
    #[error("the decrypted vault data is not valid UTF-8 text")]
    NotText,
}

/// Whether `text` is vault data.
pub fn is_vault(text: &str) -> bool {
    text.trim_start().starts_with("$ANSIBLE_VAULT;")
}

/// Decrypts vault data with the first secret that fits.
pub fn decrypt(text: &str, secrets: &[VaultSecret]) -> Result<Vec<u8>, VaultError> {
    let text = text.trim_start();
    let (header, body) = text.split_once('\n').ok_or(VaultError::Header)?;
    let fields: Vec<&str> = header.trim().split(';').collect();
    if fields.len() < 3 || fields[0] != "$ANSIBLE_VAULT" || !matches!(fields[1], "1.1" | "1.2") {
        return Err(VaultError::Header);
    }
    if fields[2].trim() != "AES256" {
        return Err(VaultError::Cipher(fields[2].to_string()));
    }
    if secrets.is_empty() {
        return Err(VaultError::NoSecret);
    }
    let hex: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let inner = unhex(&hex).ok_or(VaultError::Body)?;
    let inner = String::from_utf8(inner).map_err(|_| VaultError::Body)?;
    let mut parts = inner.split('\n');
    let (Some(salt), Some(mac), Some(cipher)) = (parts.next(), parts.next(), parts.next()) else { return Err(VaultError::Body) };
    let (salt, mac, mut data) =
        (unhex(salt).ok_or(VaultError::Body)?, unhex(mac).ok_or(VaultError::Body)?, unhex(cipher).ok_or(VaultError::Body)?);
    let wanted_id = fields.get(3).map(|s| s.trim());
    let ordered = secrets.iter().filter(|s| wanted_id.is_some() && s.id.as_deref() == wanted_id).chain(secrets.iter());
    for secret in ordered {
        let mut keys = [0u8; 80];
        pbkdf2::pbkdf2_hmac::<Sha256>(secret.password.expose().as_bytes(), &salt, 10_000, &mut keys);
        let Ok(mut check) = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&keys[32..64]) else { continue };
        check.update(&data);
        if check.verify_slice(&mac).is_err() {
            continue;
        }
        let Ok(mut cipher) = Aes256Ctr::new_from_slices(&keys[..32], &keys[64..80]) else { continue };
        cipher.apply_keystream(&mut data);
        let pad = *data.last().unwrap_or(&0) as usize;
        if pad == 0 || pad > 16 || pad > data.len() {
            return Err(VaultError::Body);
        }
        data.truncate(data.len() - pad);
        return Ok(data);
    }
    Err(VaultError::WrongPassword)
}

/// Decrypts vault data that holds text.
pub fn decrypt_str(text: &str, secrets: &[VaultSecret]) -> Result<String, VaultError> {
    String::from_utf8(decrypt(text, secrets)?).map_err(|_| VaultError::NotText)
}

/// Encrypts `plain` as vault 1.1 data (for tests and `om` helpers).
pub fn encrypt(plain: &[u8], secret: &VaultSecret) -> String {
    let salt: [u8; 32] = rand::random();
    let mut keys = [0u8; 80];
    pbkdf2::pbkdf2_hmac::<Sha256>(secret.password.expose().as_bytes(), &salt, 10_000, &mut keys);
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    let mut cipher = Aes256Ctr::new_from_slices(&keys[..32], &keys[64..80]).expect("80 bytes of key material hold a key and an IV");
    cipher.apply_keystream(&mut data);
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&keys[32..64]).expect("HMAC takes keys of any length");
    mac.update(&data);
    let inner = format!("{}\n{}\n{}", hex(&salt), hex(&mac.finalize().into_bytes()), hex(&data));
    let body = hex(inner.as_bytes());
    let lines: Vec<&str> = body.as_bytes().chunks(80).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    format!("$ANSIBLE_VAULT;1.1;AES256\n{}\n", lines.join("\n"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    data_encoding::HEXLOWER_PERMISSIVE.decode(text.trim().as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_password() {
        let secret = VaultSecret::new("s3cret");
        let data = encrypt(b"db_password: hunter2\n", &secret);
        assert!(is_vault(&data));
        assert_eq!(decrypt_str(&data, &[secret]).unwrap(), "db_password: hunter2\n");
        assert_eq!(decrypt(&data, &[VaultSecret::new("nope")]), Err(VaultError::WrongPassword));
        assert_eq!(decrypt(&data, &[]), Err(VaultError::NoSecret));
    }

    #[test]
    fn reads_ansible_vault_output() {
        // `echo -n 'hello' | ansible-vault encrypt_string --vault-password-file <(echo pw)`
        let data = "$ANSIBLE_VAULT;1.1;AES256
61636636633931623535326661623766313932353139366332396264636637313961653062363639
3730386233343862326565323339633834643566356439620a623964663632653233643865363163
61373563626630616438623965663438383735633639366331313563346531386434616563366666
6130636637376439660a383533663861346236353166623234383631376363333362666630363238
3636
";
        assert_eq!(decrypt_str(data, &[VaultSecret::new("pw")]).unwrap(), "hello");
    }
}
