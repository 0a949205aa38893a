//! TLS for the probes: rustls with the system roots or an injected PEM bundle, an explicit
//! `insecure` mode, error kinds for the taxonomy, and a certificate's `notAfter` from its DER.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::pem::PemObject;

/// Which certificate authorities a probe trusts.
#[derive(Debug, Clone, Default)]
pub enum TlsRoots {
    /// `/etc/ssl/certs/ca-certificates.crt` (Debian's bundle).
    #[default]
    System,
    /// PEM certificates (a test CA, `--cacert`).
    Pem(Vec<u8>),
}

const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Builds the client configuration; `insecure` accepts any certificate (explicit, warned).
pub fn client_config(roots: &TlsRoots, insecure: bool) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions");
    let config = if insecure {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(AcceptAny(provider))).with_no_client_auth()
    } else {
        let mut store = rustls::RootCertStore::empty();
        let pem = match roots {
            TlsRoots::System => std::fs::read(SYSTEM_BUNDLE).unwrap_or_default(),
            TlsRoots::Pem(pem) => pem.clone(),
        };
        for cert in CertificateDer::pem_slice_iter(&pem).flatten() {
            let _ = store.add(cert);
        }
        builder.with_root_certificates(store).with_no_client_auth()
    };
    Arc::new(config)
}

#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The taxonomy kind of a handshake failure.
pub fn error_kind(err: &std::io::Error) -> &'static str {
    let Some(inner) = err.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) else {
        return "handshake";
    };
    match inner {
        rustls::Error::InvalidCertificate(cert) => match cert {
            rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. } => "cert_expired",
            rustls::CertificateError::NotValidYet | rustls::CertificateError::NotValidYetContext { .. } => "cert_not_yet_valid",
            rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. } => "name_mismatch",
            rustls::CertificateError::UnknownIssuer => "untrusted",
            _ => "untrusted",
        },
        rustls::Error::PeerIncompatible(_) | rustls::Error::PeerMisbehaved(_) | rustls::Error::InvalidMessage(_) => "protocol",
        rustls::Error::AlertReceived(_) => "handshake",
        _ => "handshake",
    }
}

/// `notAfter` of a DER certificate as epoch seconds (a small DER walk: tbsCertificate →
/// validity).
pub fn not_after(der: &[u8]) -> Option<i64> {
    fn tlv(buf: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let tag = *buf.first()?;
        let first = *buf.get(1)?;
        let (len, head) = if first & 0x80 == 0 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return None;
            }
            (buf.get(2..2 + n)?.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b)), 2 + n)
        };
        let body = buf.get(head..head + len)?;
        Some((tag, body, &buf[head + len..]))
    }
    let (_, cert, _) = tlv(der)?;
    let (_, tbs, _) = tlv(cert)?;
    let mut rest = tbs;
    // [0] version (optional), serial, signature, issuer, then validity.
    let (tag, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    for _ in 0..3 {
        rest = tlv(rest)?.2;
    }
    let (_, validity, _) = tlv(rest)?;
    let (_, _, after_nb) = tlv(validity)?;
    let (tag, time, _) = tlv(after_nb)?;
    let text = std::str::from_utf8(time).ok()?;
    let full = match tag {
        0x17 => {
            let yy: i32 = text.get(0..2)?.parse().ok()?;
            format!("{}{}", if yy >= 50 { 19 } else { 20 }, text)
        }
        0x18 => text.to_owned(),
        _ => return None,
    };
    chrono::NaiveDateTime::parse_from_str(full.trim_end_matches('Z'), "%Y%m%d%H%M%S").ok().map(|t| t.and_utc().timestamp())
}
