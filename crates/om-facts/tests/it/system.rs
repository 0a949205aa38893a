//! CPU, memory, disks, network, users, boot time.

use std::io::{Read, Write};

use om_facts::{Live, cpu, disk, host, memory, net, users};
use serde_json::{Value, json};

use crate::{bracket, psutil, sh, to_json};

const CPU_FIELDS: &[&str] = &["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"];

#[test]
fn cpu_times_bracket_psutil_and_are_seconds() {
    let before = to_json(&cpu::cpu_times().expect("times"));
    let p = psutil("print(json.dumps({'all': psutil.cpu_times()._asdict(), 'per': [t._asdict() for t in psutil.cpu_times(percpu=True)]}))");
    let after = to_json(&cpu::cpu_times().expect("times"));
    bracket("cpu_times", &before, &p["all"], &after, CPU_FIELDS);
    let per = cpu::per_cpu_times().expect("per cpu");
    assert_eq!(per.len(), p["per"].as_array().expect("per").len());
    let uptime = host::uptime(&Live).expect("uptime");
    let t = cpu::cpu_times().expect("times");
    assert!(t.idle / per.len() as f64 <= uptime + 1.0, "idle is seconds, not ticks: {} vs uptime {uptime}", t.idle);
}

#[test]
fn cpu_counts_match_psutil_nproc_and_lscpu() {
    let p = psutil("print(json.dumps([psutil.cpu_count(), psutil.cpu_count(logical=False)]))");
    assert_eq!(cpu::cpu_count(true), p[0].as_u64().map(|n| n as usize));
    assert_eq!(cpu::cpu_count(true), sh("getconf _NPROCESSORS_ONLN").trim().parse().ok());
    assert_eq!(cpu::cpu_count(false), p[1].as_u64().map(|n| n as usize));
    let lscpu = sh("lscpu -p=CORE,SOCKET");
    let pairs: std::collections::BTreeSet<&str> = lscpu.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(cpu::cpu_count(false), Some(pairs.len()));
}

#[test]
fn cpu_percent_is_between_0_and_100() {
    let (all, per) = cpu::cpu_percent(std::time::Duration::from_millis(200)).expect("percent");
    assert!((0.0..=100.0).contains(&all));
    assert!(per.iter().all(|p| (0.0..=100.0).contains(p)));
}

#[test]
fn virtual_memory_matches_psutil_and_free() {
    let m = memory::virtual_memory().expect("mem");
    let p = psutil("print(json.dumps(psutil.virtual_memory()._asdict()))");
    assert_eq!(m.total, p["total"].as_u64().expect("total"));
    let slack = 128 * 1024 * 1024;
    for (field, ours) in [
        ("available", m.available),
        ("free", m.free),
        ("buffers", m.buffers),
        ("cached", m.cached),
        ("shared", m.shared),
        ("slab", m.slab),
        ("active", m.active),
        ("inactive", m.inactive),
    ] {
        let theirs = p[field].as_u64().expect("number");
        assert!(ours.abs_diff(theirs) <= slack, "{field}: om {ours} vs psutil {theirs}");
    }
    assert!((m.percent - p["percent"].as_f64().expect("percent")).abs() <= 1.0);
    assert!(m.free <= m.total && (0.0..=100.0).contains(&m.percent));
    // om's documented `used` (psutil 5): total − free − buffers − cached.
    assert_eq!(m.used, m.total - m.free - m.buffers - m.cached);
    let free = sh("free -b");
    let line: Vec<u64> = free
        .lines()
        .find(|l| l.starts_with("Mem:"))
        .expect("Mem line")
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().expect("number"))
        .collect();
    assert_eq!(line[0], m.total);
}

#[test]
fn swap_matches_psutil() {
    let s = memory::swap_memory().expect("swap");
    let p = psutil("print(json.dumps(psutil.swap_memory()._asdict()))");
    assert_eq!(s.total, p["total"].as_u64().expect("total"));
    assert!(s.used.abs_diff(p["used"].as_u64().expect("used")) <= 64 * 1024 * 1024);
    assert!(s.sin >= p["sin"].as_u64().expect("sin") && s.sout >= p["sout"].as_u64().expect("sout"));
}

#[test]
fn partitions_match_psutil_and_usage_matches_df() {
    let ours: Vec<Value> = disk::disk_partitions(false).expect("partitions").iter().map(to_json).collect();
    let p = psutil("print(json.dumps([x._asdict() for x in psutil.disk_partitions(all=False)]))");
    let key = |v: &Value| {
        (
            v["device"].as_str().unwrap_or_default().to_string(),
            v["mountpoint"].as_str().unwrap_or_default().to_string(),
            v["fstype"].as_str().unwrap_or_default().to_string(),
        )
    };
    let mut a: Vec<_> = ours.iter().map(key).collect();
    let mut b: Vec<_> = p.as_array().expect("list").iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    for (o, t) in ours.iter().zip(p.as_array().expect("list")) {
        if key(o) == key(t) {
            assert_eq!(o["opts"], t["opts"], "opts of {}", o["mountpoint"]);
        }
    }
    let u = disk::disk_usage("/").expect("usage");
    let pu = psutil("print(json.dumps(psutil.disk_usage('/')._asdict()))");
    assert_eq!(u.total, pu["total"].as_u64().expect("total"));
    let df = sh("df -B1 --output=size,used,avail,pcent / | tail -1");
    let f: Vec<&str> = df.split_whitespace().collect();
    assert_eq!(u.total, f[0].parse::<u64>().expect("size"));
    let df_pct: f64 = f[3].trim_end_matches('%').parse().expect("pcent");
    assert!(df_pct - 1.0 <= u.percent && u.percent <= df_pct, "om {} vs df {df_pct}% (df rounds up)", u.percent);
}

#[test]
fn disk_io_brackets_psutil_and_sums_whole_devices() {
    let b = disk::disk_io_counters_per_disk(&Live).expect("io");
    let p = psutil(
        "print(json.dumps({'per': {k: v._asdict() for k, v in psutil.disk_io_counters(perdisk=True).items()}, 'all': psutil.disk_io_counters()._asdict()}))",
    );
    let a = disk::disk_io_counters_per_disk(&Live).expect("io");
    let fields = [
        "read_count",
        "write_count",
        "read_bytes",
        "write_bytes",
        "read_time",
        "write_time",
        "read_merged_count",
        "write_merged_count",
        "busy_time",
    ];
    for (name, theirs) in p["per"].as_object().expect("per") {
        bracket(&format!("disk {name}"), &to_json(&b[name]), theirs, &to_json(&a[name]), &fields);
    }
    let before = disk::disk_io_counters(&Live).expect("all");
    let theirs = psutil("print(json.dumps(psutil.disk_io_counters()._asdict()))");
    let after = disk::disk_io_counters(&Live).expect("all");
    bracket("disk total", &to_json(&before), &theirs, &to_json(&after), &fields);
}

#[test]
fn net_io_brackets_psutil_and_counts_loopback_traffic() {
    let before = net::net_io_counters_per_nic(&Live).expect("net");
    let p = psutil("print(json.dumps({k: v._asdict() for k, v in psutil.net_io_counters(pernic=True).items()}))");
    let after = net::net_io_counters_per_nic(&Live).expect("net");
    let fields = ["bytes_sent", "bytes_recv", "packets_sent", "packets_recv", "errin", "errout", "dropin", "dropout"];
    for (nic, theirs) in p.as_object().expect("map") {
        bracket(&format!("nic {nic}"), &to_json(&before[nic]), theirs, &to_json(&after[nic]), &fields);
    }
    let lo_before = net::net_io_counters_per_nic(&Live).expect("net")["lo"];
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let n = 1_000_000usize;
    let sender = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.write_all(&vec![7u8; n]).expect("send");
    });
    let (mut conn, _) = listener.accept().expect("accept");
    let mut got = Vec::new();
    conn.read_to_end(&mut got).expect("read");
    sender.join().expect("sender");
    assert_eq!(got.len(), n);
    let lo_after = net::net_io_counters_per_nic(&Live).expect("net")["lo"];
    assert!(lo_after.bytes_sent - lo_before.bytes_sent >= n as u64);
    assert!(lo_after.bytes_recv - lo_before.bytes_recv >= n as u64);
}

#[test]
fn interface_addresses_match_psutil() {
    let ours = net::net_if_addrs(&Live);
    let p = psutil("print(json.dumps({k: [[int(a.family), a.address, a.netmask] for a in v] for k, v in psutil.net_if_addrs().items()}))");
    for (nic, addrs) in p.as_object().expect("map") {
        let mine = ours.get(nic).unwrap_or_else(|| panic!("om has no interface {nic}"));
        for a in addrs.as_array().expect("list") {
            let fam = a[0].as_u64().expect("family") as u32;
            let addr = a[1].as_str().expect("addr").split('%').next().expect("addr");
            let found = mine.iter().find(|m| m.family.number() == fam && m.address.eq_ignore_ascii_case(addr));
            let found = found.unwrap_or_else(|| panic!("{nic}: om lacks {a}: {mine:?}"));
            if fam != 17 {
                assert_eq!(found.netmask.as_deref(), a[2].as_str(), "{nic} {addr} netmask");
            }
        }
    }
}

#[test]
fn boot_time_matches_psutil_and_uptime() {
    let b = host::boot_time().expect("boot");
    let p = psutil("print(json.dumps(psutil.boot_time()))");
    assert_eq!(b as f64, p.as_f64().expect("float").floor());
    let up = sh("uptime -s");
    let t = chrono::NaiveDateTime::parse_from_str(up.trim(), "%Y-%m-%d %H:%M:%S")
        .expect("uptime -s")
        .and_local_timezone(chrono::Local)
        .single()
        .expect("local");
    assert!((t.timestamp() - b as i64).abs() <= 2, "uptime -s {} vs btime {b}", up.trim());
    assert_eq!(
        om_facts::report::format_time(1_700_000_000, "%Y-%m-%d %H:%M:%S", Some(chrono::FixedOffset::east_opt(0).expect("utc"))),
        "2023-11-14 22:13:20"
    );
}

#[test]
fn users_parse_a_utmp_fixture_made_by_utmpdump() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("utmp.txt");
    std::fs::write(
        &dump,
        "[7] [04242] [ts/0] [alice   ] [pts/0       ] [10.0.0.9            ] [10.0.0.9       ] [2023-11-14T22:13:20,500000+00:00]\n\
         [8] [00000] [ts/1] [        ] [pts/1       ] [                    ] [0.0.0.0        ] [2023-11-14T22:13:21,000000+00:00]\n\
         [7] [00777] [tty1] [bob     ] [tty1        ] [:0                  ] [0.0.0.0        ] [2023-11-14T22:14:00,000000+00:00]\n",
    )
    .expect("dump");
    let utmp = dir.path().join("utmp");
    let ok = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("utmpdump -r < {} > {}", dump.display(), utmp.display()))
        .status()
        .expect("utmpdump");
    assert!(ok.success());
    let u = users::users(&utmp).expect("users");
    assert_eq!(u.len(), 2);
    assert_eq!((u[0].name.as_str(), u[0].terminal.as_str(), u[0].host.as_str(), u[0].pid), ("alice", "pts/0", "10.0.0.9", 4242));
    assert_eq!(u[0].started, 1_700_000_000.5);
    assert_eq!(u[1].host, "localhost", "`:0` is shown as localhost, as psutil does");
    let live: Vec<Value> =
        users::users(std::path::Path::new(users::UTMP)).expect("live users").iter().map(|u| json!([u.name, u.terminal, u.pid])).collect();
    let p = psutil("print(json.dumps([[u.name, u.terminal, u.pid] for u in psutil.users()]))");
    assert_eq!(Value::Array(live), p, "this machine's utmp reads as psutil reads it");
}

#[test]
fn cpu_freq_and_system_cpu_percent_agree_with_psutil() {
    let ours = to_json(&cpu::cpu_freq(&Live).expect("a frequency (cpufreq or /proc/cpuinfo)"));
    let ours_per: Vec<Value> = cpu::cpu_freq_per_cpu(&Live).iter().map(to_json).collect();
    let p = psutil("print(json.dumps({'f': psutil.cpu_freq()._asdict(), 'per': [f._asdict() for f in psutil.cpu_freq(percpu=True)]}))");
    for f in ["min", "max"] {
        assert_eq!(ours[f], p["f"][f], "cpu_freq.{f}");
    }
    // `current` moves under cpufreq scaling; on a fixed clock both read the same number.
    let (a, b) = (ours["current"].as_f64().expect("current"), p["f"]["current"].as_f64().expect("current"));
    assert!((a - b).abs() / b < 0.25, "om {a} MHz vs psutil {b} MHz");
    assert_eq!(ours_per.len(), p["per"].as_array().expect("list").len(), "one entry per CPU");
    // System-wide percent over the same second, side by side.
    let theirs = std::thread::spawn(|| psutil("psutil.cpu_percent(None); print(json.dumps(psutil.cpu_percent(1.0)))"));
    let (ours, _) = cpu::cpu_percent(std::time::Duration::from_secs(1)).expect("percent");
    let theirs = theirs.join().expect("psutil").as_f64().expect("percent");
    assert!((ours - theirs).abs() <= 25.0, "om {ours}% vs psutil {theirs}%");
    assert!((0.0..=100.0).contains(&ours));
}
