//! Questions the transport may need to ask the person running om: a key's passphrase, or
//! whether to trust a new host key (`ask`). The binary answers them on the terminal.

use std::path::Path;

use om_core::Secret;

pub trait Prompter: Send + Sync {
    /// The passphrase of an encrypted key, or `None` to skip the key.
    fn passphrase(&self, key: &Path) -> Option<Secret<String>>;

    /// Whether to trust `fingerprint` for `host` (`address`); the answer is written to
    /// known_hosts.
    fn confirm_host_key(&self, host: &str, address: &str, fingerprint: &str) -> bool;
}

/// Answers nothing: encrypted keys are skipped and unknown host keys refused.
pub struct NoPrompt;

impl Prompter for NoPrompt {
    fn passphrase(&self, _key: &Path) -> Option<Secret<String>> {
        None
    }

    fn confirm_host_key(&self, _host: &str, _address: &str, _fingerprint: &str) -> bool {
        false
    }
}
