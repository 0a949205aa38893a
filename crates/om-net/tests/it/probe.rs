//! `om-net::probe` against the HTTP(S) test server: sizes, phases, redirects, timeouts, TLS.

use std::sync::Arc;
use std::time::Duration;

use om_net::probe::http::{self, HttpOptions};
use om_net::probe::{DnsCache, TlsRoots};

use crate::support;

async fn run(options: &HttpOptions) -> http::HttpReport {
    http::probe(options, &mut DnsCache::default()).await.unwrap()
}

#[tokio::test]
async fn a_fixed_body_gives_exact_sizes_and_ordered_phases() {
    let net = support::subnet();
    let seen = support::Seen::default();
    let at = support::http_server(support::addr(net, 1), 0, seen).await;
    let r = run(&HttpOptions::new(format!("http://{at}/fixed"))).await;
    assert_eq!((r.http_code, r.error.as_ref()), (200, None));
    assert_eq!(r.sizes.download, support::FIXED_BODY_LEN as u64);
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: text/html\r\n\r\n", support::FIXED_BODY_LEN);
    assert_eq!(r.sizes.header, head.len() as u64);
    assert_eq!(r.sizes.content_length_download, support::FIXED_BODY_LEN as i64);
    let t = r.timings_us;
    assert!(
        t.namelookup <= t.connect && t.connect <= t.pretransfer && t.pretransfer <= t.starttransfer && t.starttransfer <= t.total,
        "{t:?}"
    );
    assert_eq!(t.appconnect, 0);
    assert_eq!(r.primary_ip, Some(at.ip()));
}

#[tokio::test]
async fn status_redirects_and_loops() {
    let net = support::subnet();
    let at = support::http_server(support::addr(net, 1), 0, Default::default()).await;
    let r = run(&HttpOptions::new(format!("http://{at}/404"))).await;
    assert_eq!((r.http_code, r.error.as_ref().map(|e| (e.phase, e.kind))), (404, Some(("http", "status"))));
    let r = run(&HttpOptions::new(format!("http://{at}/redirect"))).await;
    assert_eq!((r.http_code, r.num_redirects), (301, 0));
    let mut follow = HttpOptions::new(format!("http://{at}/redirect"));
    follow.follow = true;
    let r = run(&follow).await;
    assert_eq!((r.http_code, r.num_redirects, r.attempts.len()), (200, 1, 2));
    assert!(r.effective_url.ends_with("/fixed"));
    assert!(r.timings_us.redirect > 0 && r.timings_us.redirect <= r.timings_us.total);
    let mut looping = HttpOptions::new(format!("http://{at}/loop"));
    (looping.follow, looping.max_redirs) = (true, 3);
    let r = run(&looping).await;
    assert_eq!(r.error.as_ref().map(|e| e.kind), Some("too_many_redirects"));
    assert_eq!(r.attempts.len(), 4);
}

#[tokio::test]
async fn slow_headers_move_starttransfer_and_slow_bodies_hit_the_timeout() {
    let net = support::subnet();
    let at = support::http_server(support::addr(net, 1), 0, Default::default()).await;
    let r = run(&HttpOptions::new(format!("http://{at}/slow-headers"))).await;
    assert!(r.timings_us.starttransfer >= 300_000, "{:?}", r.timings_us);
    let mut slow = HttpOptions::new(format!("http://{at}/slow-body"));
    slow.timeout = Some(Duration::from_millis(400));
    let r = run(&slow).await;
    let e = r.error.unwrap();
    assert_eq!((e.phase, e.kind), ("http", "total_timeout"));
    assert_eq!(r.http_code, 200, "partial results are kept");
    let r = run(&HttpOptions::new(format!("http://{at}/cut"))).await;
    assert_eq!(r.error.map(|e| e.kind), Some("malformed_response"));
    let r = run(&HttpOptions::new(format!("http://{at}/chunked"))).await;
    assert_eq!((r.sizes.download, r.error), (11, None));
}

#[tokio::test]
async fn refused_connections_and_unknown_names_are_fields() {
    let net = support::subnet();
    let r = run(&HttpOptions::new(format!("http://{}:9/", support::addr(net, 1)))).await;
    assert_eq!(r.error.map(|e| (e.phase, e.kind)), Some(("connect", "refused")));
    let (dns, _) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let mut o = HttpOptions::new("http://nope.example.test/");
    o.resolver = om_net::resolve::Resolver::with_server(dns);
    let r = run(&o).await;
    assert_eq!(r.error.map(|e| (e.phase, e.kind)), Some(("dns", "nxdomain")));
}

#[tokio::test]
async fn https_times_the_handshake_and_names_certificate_errors() {
    let net = support::subnet();
    let good = support::pki(&["web.example.test"], false);
    let at = support::https_server(support::addr(net, 1), 0, good.server.clone(), Default::default()).await;
    let (dns, _) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let mut o = HttpOptions::new(format!("https://web.example.test:{}/fixed", at.port()));
    o.resolver = om_net::resolve::Resolver::with_server(dns);
    o.tls_roots = TlsRoots::Pem(good.ca_pem.clone().into_bytes());
    let r = run(&o).await;
    assert_eq!(r.error, None);
    assert!(r.timings_us.appconnect > r.timings_us.connect, "{:?}", r.timings_us);
    assert!(r.tls.as_ref().and_then(|t| t.cert_not_after).is_some());
    // Untrusted CA, wrong name, expired certificate.
    let mut untrusted = o.clone();
    untrusted.tls_roots = TlsRoots::Pem(support::pki(&["x"], false).ca_pem.into_bytes());
    assert_eq!(run(&untrusted).await.error.map(|e| e.kind), Some("untrusted"));
    let wrong = support::pki(&["other.example.test"], false);
    let at2 = support::https_server(support::addr(net, 1), 0, wrong.server.clone(), Default::default()).await;
    let mut mismatch = o.clone();
    mismatch.url = format!("https://web.example.test:{}/fixed", at2.port());
    mismatch.tls_roots = TlsRoots::Pem(wrong.ca_pem.into_bytes());
    assert_eq!(run(&mismatch).await.error.map(|e| e.kind), Some("name_mismatch"));
    let old = support::pki(&["web.example.test"], true);
    let at3 = support::https_server(support::addr(net, 1), 0, old.server.clone(), Default::default()).await;
    let mut expired = o.clone();
    expired.url = format!("https://web.example.test:{}/fixed", at3.port());
    expired.tls_roots = TlsRoots::Pem(old.ca_pem.into_bytes());
    assert_eq!(run(&expired).await.error.map(|e| e.kind), Some("cert_expired"));
}

#[tokio::test]
async fn header_and_body_callbacks_stream_in_arrival_order() {
    let net = support::subnet();
    let at = support::http_server(support::addr(net, 1), 0, Default::default()).await;
    let sink = Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let mut o = HttpOptions::new(format!("http://{at}/chunked"));
    let (s1, s2) = (sink.clone(), sink.clone());
    o.on_header = Some(Arc::new(move |b: &[u8]| s1.lock().unwrap().extend_from_slice(b)));
    o.on_body = Some(Arc::new(move |b: &[u8]| s2.lock().unwrap().extend_from_slice(b)));
    run(&o).await;
    let text = String::from_utf8(sink.lock().unwrap().clone()).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("\r\n\r\nhello world"), "{text:?}");
}

#[test]
fn timings_agree_with_curl_on_the_same_server() {
    if std::process::Command::new("curl").arg("--version").output().is_err() {
        eprintln!("skipped: curl is not installed");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let net = support::subnet();
    let at = rt.block_on(support::http_server(support::addr(net, 1), 0, Default::default()));
    let url = format!("http://{at}/slow-headers");
    let curl = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{size_header} %{size_download} %{time_starttransfer}", &url])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&curl.stdout).into_owned();
    let fields: Vec<&str> = out.split_whitespace().collect();
    let r = rt.block_on(run(&HttpOptions::new(url)));
    assert_eq!(r.sizes.header.to_string(), fields[0]);
    assert_eq!(r.sizes.download.to_string(), fields[1]);
    // Both wait for the same 300 ms delay before the first byte (no tight timing bound).
    let curl_start: f64 = fields[2].parse().unwrap();
    assert!(curl_start >= 0.3 && r.timings_us.starttransfer >= 300_000);
}

#[tokio::test]
async fn a_full_backlog_gives_a_connect_timeout_within_connecttimeout() {
    let net = support::subnet();
    // A listener that never accepts, with a backlog of one already taken.
    let listener = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener.bind(&std::net::SocketAddr::new(support::addr(net, 1), 0).into()).unwrap();
    listener.listen(0).unwrap();
    let at = listener.local_addr().unwrap().as_socket().unwrap();
    let _filler = std::net::TcpStream::connect_timeout(&at, Duration::from_secs(1)).unwrap();
    let mut o = HttpOptions::new(format!("http://{at}/"));
    o.connect_timeout = Duration::from_millis(300);
    let r = run(&o).await;
    assert_eq!(r.error.as_ref().map(|e| (e.phase, e.kind)), Some(("connect", "timeout")), "{:?}", r.error);
    assert!(r.timings_us.connect == 0 && r.timings_us.namelookup > 0, "partial timings: {:?}", r.timings_us);
}

#[tokio::test]
async fn reused_connections_report_zero_lookup_and_connect_like_curl() {
    let net = support::subnet();
    let listener = tokio::net::TcpListener::bind((support::addr(net, 1), 0)).await.unwrap();
    let at = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let mut o = HttpOptions::new(format!("http://{at}/"));
    o.forbid_reuse = false;
    let mut cache = DnsCache::default();
    let first = http::probe(&o, &mut cache).await.unwrap();
    let second = http::probe(&o, &mut cache).await.unwrap();
    assert!(first.timings_us.connect > 0);
    assert_eq!((second.timings_us.namelookup, second.timings_us.connect, second.error), (0, 0, None));
    assert_eq!(accepted.load(std::sync::atomic::Ordering::Relaxed), 1, "one connection for both probes");
    // FORBID_REUSE (the default) opens a new connection each time.
    o.forbid_reuse = true;
    let third = http::probe(&o, &mut cache).await.unwrap();
    assert!(third.timings_us.connect > 0);
    assert_eq!(accepted.load(std::sync::atomic::Ordering::Relaxed), 2);
}
