//! `om serve` under TLS: a self-signed certificate made with `openssl req`, HTTPS checked
//! with curl (verifying against that certificate) and headless Chromium; plain HTTP to the
//! TLS port gets no answer; without TLS only loopback addresses are accepted.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use om_server::{Config, Platform, ServeError, StartOptions};
use serde_json::json;

use crate::browser::{Chromium, chromium_path};
use crate::support::TestPlatform;

/// `cert.pem` and `key.pem` in `dir`, for 127.0.0.1 and localhost.
fn self_signed(dir: &Path) {
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=om test", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "openssl req: {}", String::from_utf8_lossy(&out.stderr));
}

/// Runs curl with `args`; returns (exit success, stdout).
fn curl(args: &[&str]) -> (bool, String) {
    let out = Command::new("curl").args(["-sS", "--max-time", "10"]).args(args).output().expect("curl runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_serves_with_secure_cookies_and_plain_http_gets_nothing() {
    let certs = tempfile::tempdir().expect("a temporary directory");
    self_signed(certs.path());
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let p = TestPlatform::start_with(|c| {
        c.server.tls_cert = Some(cert.clone());
        c.server.tls_key = Some(key);
    })
    .await;
    let base = format!("https://127.0.0.1:{}", p.addr.port());
    let cacert = cert.display().to_string();
    let password = p.admin_password.clone();
    let (base_c, password_c) = (base.clone(), password.clone());
    tokio::task::spawn_blocking(move || {
        let (base, password) = (base_c, password_c);
        // curl verifies the server against the test's certificate.
        let (ok, body) = curl(&["--cacert", &cacert, &format!("{base}/healthz")]);
        assert!(ok, "HTTPS /healthz failed: {body}");
        assert_eq!(body.trim(), "ok");
        // Without the certificate, curl refuses the server: it really is the test's certificate.
        let (ok, _) = curl(&[&format!("{base}/healthz")]);
        assert!(!ok, "an unknown self-signed certificate must not verify");

        // The login over HTTPS sets a Secure, HttpOnly, SameSite=Strict session cookie.
        let login = json!({"username": "admin", "password": password}).to_string();
        let (ok, reply) = curl(&[
            "--cacert",
            &cacert,
            "-i",
            "-H",
            "content-type: application/json",
            "--data",
            &login,
            &format!("{base}/api/v1/auth/login"),
        ]);
        assert!(ok, "{reply}");
        let cookie = reply
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: om_session="))
            .unwrap_or_else(|| panic!("a session cookie: {reply}"))
            .to_string();
        let attributes: Vec<&str> = cookie.trim().split(';').map(str::trim).collect();
        for want in ["Secure", "HttpOnly", "SameSite=Strict"] {
            assert!(attributes.contains(&want), "{want} missing: {cookie}");
        }
        let pair = attributes[0].split_once(' ').map(|(_, v)| v).expect("name=value");
        let (ok, servers) =
            curl(&["--cacert", &cacert, "-o", "/dev/null", "-w", "%{http_code}", "-b", pair, &format!("{base}/api/v1/servers")]);
        assert_eq!((ok, servers.as_str()), (true, "200"), "the cookie signs in over HTTPS");

        // Plain HTTP to the TLS port gets no HTTP answer.
        let plain = base.replacen("https://", "http://", 1);
        let (ok, code) = curl(&["-o", "/dev/null", "-w", "%{http_code}", &format!("{plain}/healthz")]);
        assert!(!ok && code == "000", "plain HTTP to the TLS port answered: {code}");
    })
    .await
    .expect("the curl checks");

    if chromium_path().is_none() {
        eprintln!("skipping the Chromium part: chromium not found");
        return;
    }
    tokio::task::spawn_blocking(move || {
        let b = Chromium::start_with("--ignore-certificate-errors").expect("chromium starts");
        b.goto(&format!("{base}/login"));
        b.eval(&format!(
            "document.querySelector('#username').value = 'admin'; document.querySelector('#password').value = {}; document.querySelector('form').submit(); true",
            json!(password)
        ));
        b.wait("the dashboard over HTTPS", "location.protocol === 'https:' && !!document.querySelector('#whoami')");
        let cookies = b.call("Network.getCookies", json!({"urls": [base]}));
        let session =
            cookies["cookies"].as_array().expect("cookies").iter().find(|c| c["name"] == "om_session").expect("the session cookie").clone();
        assert_eq!(session["secure"], json!(true), "{session}");
        assert!(b.dialogs().is_empty(), "a JavaScript dialog opened: {:?}", b.dialogs());
    })
    .await
    .expect("the browser scenario");
}

#[tokio::test]
async fn without_tls_only_loopback_addresses_are_accepted() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut config = Config::default();
    config.server.data_dir = dir.path().join("data");
    config.server.listen = SocketAddr::from(([0, 0, 0, 0], om_test::free_port()));
    let err = Platform::start(config.clone(), StartOptions::default()).await.err().expect("a non-loopback plain listener is refused");
    assert!(matches!(err, ServeError::Config(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("refusing to listen on {} without TLS", config.server.listen)), "{text}");
    assert!(text.contains("tls_cert") && text.contains("127.0.0.1"), "the hint names the ways out: {text}");
    assert!(!config.server.data_dir.exists(), "nothing was initialised");
    // With a certificate configured, the same address passes the check.
    config.server.tls_cert = Some(dir.path().join("cert.pem"));
    config.server.tls_key = Some(dir.path().join("key.pem"));
    config.validate().expect("TLS may listen anywhere");
    // IPv6 loopback is loopback.
    config.server.tls_cert = None;
    config.server.tls_key = None;
    config.server.listen = "[::1]:8080".parse().expect("an address");
    config.validate().expect("::1 is loopback");
}
