//! The round-robin check: 127.x.y.1 healthy, .2 returns 500, .3 refuses, .4 stalls.

use std::time::Duration;

use om_net::dns::rr_check::{self, RrCheckOptions, RrState};
use om_net::resolve::Resolver;

use crate::support;

async fn setup(https: bool) -> (RrCheckOptions, support::Seen, Option<String>) {
    let net = support::subnet();
    let (dns, _) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let seen = support::Seen::default();
    let pki = https.then(|| support::pki(&["rr.example.test"], false));
    let mut port = 0;
    for host in [1, 2, 4] {
        let at = match &pki {
            Some(p) => support::https_server(support::addr(net, host), port, p.server.clone(), seen.clone()).await,
            None => support::http_server(support::addr(net, host), port, seen.clone()).await,
        };
        port = at.port();
    }
    let mut o = RrCheckOptions::new("rr.example.test");
    o.resolver = Resolver::with_server(dns);
    o.port = Some(port);
    o.https = https;
    o.timeout = Duration::from_millis(700);
    (o, seen, pki.map(|p| p.ca_pem))
}

#[tokio::test]
async fn every_address_is_checked_and_one_failure_never_stops_the_others() {
    let (o, seen, _) = setup(false).await;
    let r = rr_check::rr_check(&o).await;
    assert_eq!(r.state, RrState::Degraded);
    let lines: Vec<String> = rr_check::render(&r, true).lines().map(|l| l.split_once(' ').unwrap().1.to_owned()).collect();
    assert_eq!(lines, ["[OK]", "[Error] status 500", "[Error] connect: refused", "[Error] timeout after 0.7 s"]);
    let seen = seen.lock().unwrap();
    assert!(seen.iter().all(|(_, host, _)| host.starts_with("rr.example.test:")), "{seen:?}");
    assert_eq!(seen.len(), 3);
}

#[tokio::test]
async fn the_book_check_ignores_status_and_reads_the_prefix() {
    let (mut o, _, _) = setup(false).await;
    let port = o.port;
    o = o.book();
    o.port = port;
    o.timeout = Duration::from_millis(700);
    let r = rr_check::rr_check(&o).await;
    let marks: Vec<bool> = r.addresses.iter().map(|a| a.ok).collect();
    assert_eq!(marks, [true, false, false, false]);
}

#[tokio::test]
async fn https_pins_sni_and_verifies_the_certificate_for_the_name() {
    let (mut o, _, ca) = setup(true).await;
    o.tls_roots = om_net::probe::TlsRoots::Pem(ca.unwrap().into_bytes());
    let r = rr_check::rr_check(&o).await;
    assert!(r.addresses[0].ok, "{:?}", r.addresses[0]);
    assert_eq!(r.state, RrState::Degraded);
}

#[tokio::test]
async fn dns_failures_keep_the_books_text() {
    let (mut o, _, _) = setup(false).await;
    o.domain = "nope.example.test".into();
    let r = rr_check::rr_check(&o).await;
    assert_eq!(r.state, RrState::DnsError);
    assert!(rr_check::render(&r, false).starts_with("dns resolver error:nxdomain"));
    o.domain = "example.test".into();
    let r = rr_check::rr_check(&o).await;
    assert_eq!(rr_check::render(&r, false), "dns resolver error.\n");
}
