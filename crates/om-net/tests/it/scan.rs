//! `om-net::scan` against listeners on a loopback address of its own.

use std::net::{SocketAddr, TcpListener};

use om_net::scan::{self, Discovery, PortState, ScanOptions, render};

use crate::support;

fn listeners(ip: std::net::IpAddr, n: usize) -> (Vec<TcpListener>, Vec<u16>) {
    let ls: Vec<TcpListener> = (0..n).map(|_| TcpListener::bind(SocketAddr::new(ip, 0)).unwrap()).collect();
    let mut ports: Vec<u16> = ls.iter().map(|l| l.local_addr().unwrap().port()).collect();
    ports.sort();
    (ls, ports)
}

fn options(target: &str, ports: &str) -> ScanOptions {
    let mut o = ScanOptions::new(scan::parse_targets(target).unwrap(), scan::parse_ports(ports).unwrap());
    o.resolve_names = false;
    o.discovery = Discovery::Skip;
    o
}

#[tokio::test]
async fn open_and_closed_ports_are_found_with_reasons() {
    let net = support::subnet();
    let ip = support::addr(net, 2);
    let (_ls, open) = listeners(ip, 3);
    let list = format!("1-30,{}", open.iter().map(u16::to_string).collect::<Vec<_>>().join(","));
    let r = scan::scan(&options(&ip.to_string(), &list)).await.unwrap();
    let h = &r.hosts[0];
    assert_eq!(h.open_ports(), open);
    assert_eq!(h.extraports.len(), 1);
    assert_eq!((h.extraports[0].state, h.extraports[0].count, h.extraports[0].reason), (PortState::Closed, 30, "conn-refused"));
    assert!(h.ports.iter().all(|p| p.reason == "syn-ack"));
    let text = render::normal(&r, false);
    assert!(text.contains(&format!("Nmap scan report for {ip}\n")), "{text}");
    assert!(text.contains("Not shown: 30 closed tcp ports (conn-refused)\n"), "{text}");
    assert!(text.contains(&format!("{}/tcp open  ", open[0])), "{text}");
}

#[tokio::test]
async fn book_format_lists_ports_under_each_host() {
    let net = support::subnet();
    let ip = support::addr(net, 2);
    let (_ls, open) = listeners(ip, 1);
    let r = scan::scan(&options(&ip.to_string(), &format!("9,{}", open[0]))).await.unwrap();
    assert_eq!(
        render::book(&r),
        format!(
            "----------------------------------------------------\nHost : {ip} ()\nState : up\n----------\nProtocol : tcp\n\
             port : 9\tstate : closed\nport : {}\tstate : open\n",
            open[0]
        )
    );
}

#[tokio::test]
async fn several_hosts_come_out_in_numeric_order_with_exclusions() {
    let net = support::subnet();
    let spec = format!("{}.{}.{}.10,2,9-11", net[0], net[1], net[2]);
    let mut o = options(&spec, "7");
    o.exclude = scan::parse_targets(&format!("{}.{}.{}.9", net[0], net[1], net[2])).unwrap();
    let r = scan::scan(&o).await.unwrap();
    let hosts: Vec<u8> = r
        .hosts
        .iter()
        .map(|h| match h.address {
            std::net::IpAddr::V4(a) => a.octets()[3],
            _ => 0,
        })
        .collect();
    assert_eq!(hosts, [2, 10, 11]);
}

#[tokio::test]
async fn default_discovery_finds_loopback_hosts_up() {
    let net = support::subnet();
    let mut o = options(&support::addr(net, 3).to_string(), "7");
    o.discovery = Discovery::Default;
    o.discovery_only = true;
    let r = scan::scan(&o).await.unwrap();
    // With raw sockets (root, as in CI) the ICMP echo answers first; without, the refusal.
    let want = if scan::syn::available() { "echo-reply" } else { "conn-refused" };
    assert_eq!((r.hosts_up, r.hosts[0].reason), (1, want));
}

#[tokio::test]
async fn unresolvable_names_are_results_not_crashes() {
    let net = support::subnet();
    let (dns, _) = support::dns_server(support::addr(net, 53), support::zone(net)).await;
    let mut o = options("nope.example.test web.example.test", "7");
    o.resolver = om_net::resolve::Resolver::with_server(dns);
    let r = scan::scan(&o).await.unwrap();
    assert_eq!(r.unresolved.len(), 1);
    assert_eq!(r.hosts[0].hostname.as_deref(), Some("web.example.test"));
    assert!(render::normal(&r, false).contains("Failed to resolve \"nope.example.test\"."));
}

#[tokio::test]
async fn baseline_reports_unexpected_denied_and_missing_ports() {
    let net = support::subnet();
    let ip = support::addr(net, 2);
    let (_ls, open) = listeners(ip, 2);
    let r = scan::scan(&options(&ip.to_string(), &format!("22,{},{}", open[0], open[1]))).await.unwrap();
    let policy = format!("allow = [\"22/tcp\", \"{}/tcp\"]\ndeny = [{}]\n", open[0], open[1]);
    let policy = scan::baseline::Policy::parse(std::path::Path::new("policy.toml"), &policy).unwrap();
    let previous: scan::baseline::State = [(ip.to_string(), vec![open[0], 22])].into_iter().collect();
    let d = scan::baseline::check(&r, Some(&policy), Some(&previous));
    let h = &d.deviations[0];
    assert_eq!((h.denied_open.as_slice(), h.expected_closed.as_slice()), ([open[1]].as_slice(), [22].as_slice()));
    assert_eq!((h.opened_since_last.as_slice(), h.closed_since_last.as_slice()), ([open[1]].as_slice(), [22].as_slice()));
    assert!(h.unexpected_open.is_empty());
}

#[test]
fn nmap_finds_the_same_states_and_python_nmap_reads_our_xml_like_nmaps() {
    let python = format!(
        "{}/bin/python",
        std::env::var("OM_VENV").unwrap_or_else(|_| format!("{}/.cache/om/venv", std::env::var("HOME").unwrap_or_default()))
    );
    let has_nmap = std::process::Command::new("nmap").arg("--version").output().is_ok();
    let has_pynmap = std::process::Command::new(&python).args(["-c", "import nmap"]).output().is_ok_and(|o| o.status.success());
    if !has_nmap || !has_pynmap {
        eprintln!("skipped: needs nmap and python-nmap in $OM_VENV (scripts/deps/net.sh)");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let net = support::subnet();
    let ip = support::addr(net, 2);
    let (_ls, open) = listeners(ip, 3);
    let ports = format!("1-40,{}", open.iter().map(u16::to_string).collect::<Vec<_>>().join(","));
    let ours = rt.block_on(scan::scan(&options(&ip.to_string(), &ports))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let our_xml = dir.path().join("om.xml");
    std::fs::write(&our_xml, render::xml(&ours)).unwrap();
    let nmap_xml = dir.path().join("nmap.xml");
    let status = std::process::Command::new("nmap")
        .args(["-sT", "-Pn", "-n", "-p", &ports, "-oX"])
        .arg(&nmap_xml)
        .arg(ip.to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let script = "import json,sys,nmap\nout=[]\nfor f in sys.argv[1:]:\n  s=nmap.PortScanner(); r=s.analyse_nmap_xml_scan(open(f).read())\n  \
                  out.append({h:{str(p):(v['state'],v['reason'],v['name']) for p,v in d.get('tcp',{}).items()} for h,d in r['scan'].items()})\n\
                  print(json.dumps(out))";
    let parsed = std::process::Command::new(&python).args(["-c", script]).arg(&our_xml).arg(&nmap_xml).output().unwrap();
    assert!(parsed.status.success(), "{}", String::from_utf8_lossy(&parsed.stderr));
    let both: Vec<serde_json::Value> = serde_json::from_slice(&parsed.stdout).unwrap();
    // States and reasons match port for port; service names come from each tool's own table.
    let strip = |v: &serde_json::Value| -> Vec<(String, String, String)> {
        let mut ports: Vec<(String, String, String)> = v[ip.to_string()]
            .as_object()
            .unwrap()
            .iter()
            .map(|(p, s)| (p.clone(), s[0].as_str().unwrap().to_owned(), s[1].as_str().unwrap().to_owned()))
            .collect();
        ports.sort();
        ports
    };
    assert_eq!(strip(&both[0]), strip(&both[1]));
}

/// A listener whose accept queue is full drops SYNs: its connects stay pending (the engine's
/// epoll and timeout path), the port ends `filtered` after the retries, as nmap says too;
/// closed and open ports around it keep their synchronous answers.
#[test]
fn a_port_that_drops_syns_is_filtered_after_retries_as_nmap_says() {
    let net = support::subnet();
    let ip = support::addr(net, 2);
    let (_ls, open) = listeners(ip, 2);
    // backlog 0: one connection fills the queue; later SYNs are dropped.
    let full = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    full.bind(&SocketAddr::new(ip, 0).into()).unwrap();
    full.listen(0).unwrap();
    let silent = full.local_addr().unwrap().as_socket().unwrap().port();
    let filler = std::net::TcpStream::connect((ip, silent)).unwrap();
    let ports = format!("1-30,{},{},{silent}", open[0], open[1]);
    let mut o = options(&ip.to_string(), &ports);
    o.timing = scan::Timing { max_retries: 1, initial_rtt: std::time::Duration::from_millis(200), ..scan::Timing::template(4) };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt.block_on(scan::scan(&o)).unwrap();
    let h = &r.hosts[0];
    assert_eq!(h.open_ports(), open);
    let s = h.ports.iter().find(|p| p.port == silent).unwrap();
    assert_eq!((s.state, s.reason), (PortState::Filtered, "no-response"));
    assert_eq!((h.extraports[0].state, h.extraports[0].count), (PortState::Closed, 30));
    assert_eq!(r.probes_sent, 34, "33 ports and one resend of the silent one");
    if std::process::Command::new("nmap").arg("--version").output().is_ok() {
        let out = std::process::Command::new("nmap")
            .args(["-sT", "-Pn", "-n", "-T4", "--max-retries", "1", "-p", &silent.to_string(), &ip.to_string()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&format!("{silent}/tcp filtered")), "nmap says otherwise: {text}");
    }
    drop(filler);
}

/// Thousands of ports on several threads: every port answered once, the same open set.
#[tokio::test]
async fn a_wide_connect_scan_answers_every_port_once() {
    let net = support::subnet();
    let ip = support::addr(net, 3);
    let (_ls, open) = listeners(ip, 5);
    let mut o = options(&ip.to_string(), "1-20000");
    o.ports.extend(open.iter().filter(|p| **p > 20000));
    let r = scan::scan(&o).await.unwrap();
    let h = &r.hosts[0];
    let want: Vec<u16> = open.clone();
    let got: Vec<u16> = h.open_ports().into_iter().filter(|p| open.contains(p)).collect();
    assert_eq!(got, want);
    let listed = h.ports.len() + h.extraports.iter().map(|e| e.count).sum::<usize>();
    assert_eq!(listed, o.ports.len());
    assert_eq!(r.probes_sent as usize, o.ports.len());
    assert!(h.extraports.iter().all(|e| e.state == PortState::Closed && e.reason == "conn-refused"), "{:?}", h.extraports);
}

/// A SYN dropped by a full accept queue is resent by the kernel a second later; once the
/// queue has room the connect completes in the background and epoll reports it: `open`.
#[test]
fn a_connect_that_completes_late_is_reaped_as_open() {
    let net = support::subnet();
    let ip = support::addr(net, 4);
    let full = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    full.bind(&SocketAddr::new(ip, 0).into()).unwrap();
    full.listen(0).unwrap();
    let late = full.local_addr().unwrap().as_socket().unwrap().port();
    let filler = std::net::TcpStream::connect((ip, late)).unwrap();
    let drain = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let _ = full.accept();
        full
    });
    let mut o = options(&ip.to_string(), &format!("1-5,{late}"));
    let four = std::time::Duration::from_secs(4);
    o.timing = scan::Timing { max_retries: 0, initial_rtt: four, min_rtt: four, max_rtt: four, ..scan::Timing::template(3) };
    let started = std::time::Instant::now();
    let r = tokio::runtime::Runtime::new().unwrap().block_on(scan::scan(&o)).unwrap();
    let h = &r.hosts[0];
    assert_eq!(h.open_ports(), [late], "{:?}", h.ports);
    // The kernel's SYN retransmission (about 1 s), not our 4 s timeout, ended the wait.
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(r.probes_sent, 6);
    drop((filler, drain.join().unwrap()));
}

/// -T2 waits 400 ms between probes; `--min-rate` (nmap's meaning) overrides that delay.
#[test]
fn min_rate_overrides_the_polite_templates_scan_delay() {
    let net = support::subnet();
    let ip = support::addr(net, 5);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut o = options(&ip.to_string(), "1-4");
    o.timing = scan::Timing::template(2);
    let started = std::time::Instant::now();
    let r = rt.block_on(scan::scan(&o)).unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(1200), "three delays of 400 ms: {:?}", started.elapsed());
    assert_eq!(r.hosts[0].ports.len(), 4);
    let mut o = options(&ip.to_string(), "1-60");
    o.timing = scan::Timing::template(2);
    o.min_rate = Some(200.0);
    let started = std::time::Instant::now();
    let r = rt.block_on(scan::scan(&o)).unwrap();
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(2), "60 probes at 200/s, not 24 s: {took:?}");
    assert!(took >= std::time::Duration::from_millis(250), "no faster than the rate asks for: {took:?}");
    assert_eq!((r.hosts[0].extraports[0].state, r.hosts[0].extraports[0].count), (PortState::Closed, 60));
    o.max_rate = Some(100.0);
    assert!(matches!(rt.block_on(scan::scan(&o)), Err(scan::ScanError::Rates { .. })));
}
