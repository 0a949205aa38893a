//! `om-net::dns` against the in-process authoritative server for `example.test`.

use std::time::Duration;

use om_net::dns::{self, DnsError, QueryOptions, RecordType, Status, render_query};

use crate::support;

async fn ask(server: std::net::SocketAddr, name: &str, rtype: RecordType) -> Result<dns::QueryReport, DnsError> {
    let mut o = QueryOptions::new(name, rtype);
    o.servers = vec![server];
    o.timeout = Duration::from_millis(300);
    o.lifetime = Duration::from_secs(1);
    dns::query(&o).await
}

#[tokio::test]
async fn mx_lines_keep_answer_order_in_the_books_format() {
    let net = support::subnet();
    let (server, _) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let r = ask(server, "example.test", RecordType::MX).await.unwrap();
    assert_eq!(
        render_query(&r, false),
        "MX preference = 10 mail exchanger = mx1.example.test.\nMX preference = 50 mail exchanger = mx2.example.test.\n\
         MX preference = 10 mail exchanger = mx3.example.test.\nMX preference = 10 mail exchanger = mx4.example.test.\n"
    );
}

#[tokio::test]
async fn every_record_type_prints_its_text_form() {
    let net = support::subnet();
    let (server, _) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let text = |r: dns::QueryReport| render_query(&r, false);
    assert_eq!(text(ask(server, "rr.example.test", RecordType::A).await.unwrap()).lines().count(), 4);
    assert_eq!(text(ask(server, "web.example.test", RecordType::AAAA).await.unwrap()), "::1\n");
    assert_eq!(text(ask(server, "example.test", RecordType::NS).await.unwrap()), "ns1.example.test.\n");
    assert_eq!(text(ask(server, "www.example.test", RecordType::CNAME).await.unwrap()), "web.example.test.\n");
    assert_eq!(
        text(ask(server, "example.test", RecordType::SOA).await.unwrap()),
        "ns1.example.test. hostmaster.example.test. 2024010101 3600 600 86400 60\n"
    );
    assert_eq!(text(ask(server, "example.test", RecordType::TXT).await.unwrap()), "\"v=spf1 -all\" \"say \\\"hi\\\"\"\n");
    assert_eq!(text(ask(server, "_http._tcp.example.test", RecordType::SRV).await.unwrap()), "10 60 8080 web.example.test.\n");
    let ptr = dns::reverse_name("127.0.0.10".parse().unwrap());
    assert_eq!(text(ask(server, &ptr, RecordType::PTR).await.unwrap()), "web.example.test.\n");
}

#[tokio::test]
async fn a_cname_in_the_answer_never_breaks_a_output() {
    let net = support::subnet();
    let (server, _) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let r = ask(server, "www.example.test", RecordType::A).await.unwrap();
    assert_eq!(r.answers.len(), 2, "the CNAME and the A record");
    assert_eq!(render_query(&r, false), format!("{}\n", support::addr(net, 1)));
    let full = render_query(&r, true);
    assert!(full.starts_with("www.example.test.\t300\tIN\tCNAME\tweb.example.test.\n"), "{full}");
}

#[tokio::test]
async fn negative_answers_are_reported_not_errors() {
    let net = support::subnet();
    let (server, _) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let nx = ask(server, "nope.example.test", RecordType::A).await.unwrap();
    assert_eq!((nx.status, nx.rcode), (Status::NxDomain, "NXDOMAIN"));
    let empty = ask(server, "rr.example.test", RecordType::MX).await.unwrap();
    assert_eq!(empty.status, Status::NoAnswer);
    assert!(render_query(&empty, false).starts_with("no answer: rr.example.test. has no MX records"));
    // NS below the apex: no answer, and the enclosing zone from the SOA.
    let sub = ask(server, "rr.example.test", RecordType::NS).await.unwrap();
    assert_eq!((sub.status, sub.zone.as_deref()), (Status::NoAnswer, Some("example.test.")));
}

#[tokio::test]
async fn servfail_and_silence_are_errors_naming_server_and_attempt() {
    let net = support::subnet();
    let (server, _) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let e = ask(server, "servfail.example.test", RecordType::A).await.unwrap_err();
    assert!(matches!(e, DnsError::Rcode { rcode: "SERVFAIL", attempt: 2, .. }), "{e}");
    let e = ask(server, "timeout.example.test", RecordType::A).await.unwrap_err();
    assert!(matches!(&e, DnsError::Timeout { .. }), "{e}");
    assert!(e.to_string().contains(&server.to_string()), "{e}");
}

#[tokio::test]
async fn a_truncated_udp_answer_is_retried_over_tcp() {
    let net = support::subnet();
    let (server, log) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let r = ask(server, "big.example.test", RecordType::TXT).await.unwrap();
    assert_eq!((r.transport, r.answers.len()), ("tcp", 40));
    assert_eq!(log.tcp.load(std::sync::atomic::Ordering::Relaxed), 1);
    let mut o = QueryOptions::new("example.test", RecordType::MX);
    o.servers = vec![server];
    o.tcp = true;
    assert_eq!(dns::query(&o).await.unwrap().transport, "tcp");
}

#[test]
fn dig_reads_the_same_zone_from_the_test_server() {
    if std::process::Command::new("dig").arg("-v").output().is_err() {
        eprintln!("skipped: dig is not installed (scripts/deps/net.sh installs bind9-dnsutils)");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let net = support::subnet();
    let (server, _) = rt.block_on(support::dns_server(support::addr(net, 53), support::zone(net)));
    let dig = std::process::Command::new("dig")
        .args([format!("@{}", server.ip()), "-p".into(), server.port().to_string(), "+short".into(), "example.test".into(), "MX".into()])
        .output()
        .unwrap();
    let ours = rt.block_on(ask(server, "example.test", RecordType::MX)).unwrap();
    let mine: Vec<String> = ours.selected().iter().map(|r| r.data.to_text()).collect();
    let theirs: Vec<String> = String::from_utf8_lossy(&dig.stdout).lines().map(str::to_owned).collect();
    assert_eq!(mine, theirs);
}
