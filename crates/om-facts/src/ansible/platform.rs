//! The small collectors: platform, pkg_mgr, service_mgr, user, env, date_time, dns, cmdline,
//! selinux, apparmor, fips, caps, ssh host keys and chroot.

use chrono::{Datelike, Local, Offset, Utc};
use serde_json::{Map, Value};

use super::{Facts, read_trim};
use crate::source::Source;

/// `socket.getfqdn()` answered from `/etc/hosts` (no resolver in a static agent): the name's
/// address, then the first line for that address; its first name with a dot, else its first.
pub fn fqdn(src: &dyn Source, name: &str) -> String {
    let hosts = src.read("/etc/hosts").unwrap_or_default();
    let lines: Vec<Vec<&str>> = hosts
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() > 1)
        .collect();
    let Some(addr) = lines.iter().find(|f| f[1..].contains(&name)).map(|f| f[0]) else {
        return name.to_string();
    };
    let Some(line) = lines.iter().find(|f| f[0] == addr) else { return name.to_string() };
    line[1..].iter().find(|n| n.contains('.')).unwrap_or(&line[1]).to_string()
}

pub(super) fn platform(src: &dyn Source, f: &mut Facts) {
    let u = src.uname();
    let node = u.nodename.clone();
    let fq = fqdn(src, &node);
    f.insert("system".into(), u.sysname.clone().into());
    f.insert("kernel".into(), u.release.clone().into());
    f.insert("kernel_version".into(), u.version.clone().into());
    f.insert("machine".into(), u.machine.clone().into());
    f.insert("nodename".into(), node.clone().into());
    f.insert("hostname".into(), node.split('.').next().unwrap_or_default().into());
    f.insert("domain".into(), fq.split_once('.').map(|(_, d)| d.to_string()).unwrap_or_default().into());
    f.insert("fqdn".into(), fq.into());
    let arch = match u.machine.as_str() {
        "i686" | "i586" | "i486" => "i386".to_string(),
        m => m.to_string(),
    };
    f.insert("architecture".into(), arch.clone().into());
    f.insert("userspace_architecture".into(), arch.into());
    f.insert("userspace_bits".into(), (usize::BITS.to_string()).into());
    let machine_id = read_trim(src, "/etc/machine-id").or_else(|| read_trim(src, "/var/lib/dbus/machine-id"));
    if let Some(id) = machine_id {
        f.insert("machine_id".into(), id.into());
    }
}

pub(super) fn pkg_mgr(src: &dyn Source, f: &mut Facts) {
    let known = [
        ("/usr/bin/apt-get", "apt"),
        ("/usr/bin/dnf5", "dnf5"),
        ("/usr/bin/dnf", "dnf"),
        ("/usr/bin/yum", "yum"),
        ("/usr/bin/zypper", "zypper"),
        ("/sbin/apk", "apk"),
        ("/usr/bin/pacman", "pacman"),
        ("/usr/bin/emerge", "portage"),
        ("/usr/sbin/swupd", "swupd"),
        ("/usr/bin/rpm-ostree", "atomic_container"),
        ("/usr/bin/installp", "installp"),
        ("/usr/sbin/pkgadd", "svr4pkg"),
        ("/usr/bin/urpmi", "urpmi"),
        ("/usr/bin/xbps-install", "xbps"),
        ("/usr/local/sbin/pkg", "pkgng"),
    ];
    let mgr = known.iter().find(|(p, _)| src.exists(p)).map(|(_, m)| *m).unwrap_or("unknown");
    f.insert("pkg_mgr".into(), mgr.into());
}

/// ansible-core's ServiceMgrFactCollector on Linux.
pub(super) fn service_mgr(src: &dyn Source, f: &mut Facts) {
    let mut proc_1 = read_trim(src, "/proc/1/comm");
    if proc_1.is_none()
        && let Ok(link) = src.read_link("/sbin/init")
    {
        proc_1 = Some(link);
    }
    let proc_1 = proc_1
        .map(|p| p.rsplit('/').next().unwrap_or_default().trim().to_string())
        .filter(|p| p != "init" && !p.ends_with("sh") && !p.is_empty());
    let systemctl = ["/usr/bin/systemctl", "/bin/systemctl"].iter().any(|p| src.exists(p));
    let name = if let Some(p) = proc_1 {
        match p.as_str() {
            "procd" => "openwrt_init".to_string(),
            "runit-init" => "runit".to_string(),
            "svscan" => "svc".to_string(),
            "openrc-init" => "openrc".to_string(),
            other => other.to_string(),
        }
    } else if systemctl && ["/run/systemd/system/", "/dev/.run/systemd/", "/dev/.systemd/"].iter().any(|p| src.exists(p)) {
        "systemd".into()
    } else if src.exists("/sbin/initctl") && src.exists("/etc/init/") {
        "upstart".into()
    } else if src.exists("/sbin/openrc") {
        "openrc".into()
    } else if systemctl && src.read_link("/sbin/init").is_ok_and(|l| l.ends_with("systemd")) {
        "systemd".into()
    } else if src.exists("/etc/init.d/") {
        "sysvinit".into()
    } else if src.exists("/etc/dinit.d/") {
        "dinit".into()
    } else {
        "service".into()
    };
    f.insert("service_mgr".into(), name.into());
}

pub(super) fn user(src: &dyn Source, f: &mut Facts) {
    let (uid, euid, gid, _egid) = src.ids();
    let env: Map<String, Value> = src.env().into_iter().map(|(k, v)| (k, Value::from(v))).collect();
    let passwd = src.read("/etc/passwd").unwrap_or_default();
    let entries: Vec<Vec<&str>> = passwd.lines().map(|l| l.split(':').collect::<Vec<_>>()).filter(|e| e.len() >= 7).collect();
    let by_uid = entries.iter().find(|e| e[2].parse() == Ok(uid));
    let login = ["LOGNAME", "USER", "LNAME", "USERNAME"].iter().find_map(|k| env.get(*k).and_then(Value::as_str).map(str::to_string));
    let name = login.or_else(|| by_uid.map(|e| e[0].to_string())).unwrap_or_else(|| uid.to_string());
    let ent = entries.iter().find(|e| e[0] == name).or(by_uid);
    f.insert("user_id".into(), name.into());
    if let Some(e) = ent {
        f.insert("user_uid".into(), e[2].parse::<u64>().unwrap_or(0).into());
        f.insert("user_gid".into(), e[3].parse::<u64>().unwrap_or(0).into());
        f.insert("user_gecos".into(), e[4].into());
        f.insert("user_dir".into(), e[5].into());
        f.insert("user_shell".into(), e[6].into());
    }
    f.insert("real_user_id".into(), uid.into());
    f.insert("effective_user_id".into(), euid.into());
    f.insert("real_group_id".into(), gid.into());
    // ansible-core reports getgid() here too.
    f.insert("effective_group_id".into(), gid.into());
}

pub(super) fn env(src: &dyn Source, f: &mut Facts) {
    let mut vars: Vec<(String, String)> = src.env();
    vars.sort();
    f.insert("env".into(), Value::Object(vars.into_iter().map(|(k, v)| (k, Value::from(v))).collect()));
}

/// Standard and daylight abbreviations from the POSIX TZ string at the end of a TZif file
/// (`CET-1CEST,M3.5.0,M10.5.0/3` → `CET`, `CEST`).
fn tz_names(src: &dyn Source) -> Option<(String, Option<String>)> {
    let spec = match std::env::var("TZ") {
        Ok(tz) if !tz.is_empty() && !tz.starts_with(':') && !tz.contains('/') => tz,
        _ => {
            let data = src.read_bytes("/etc/localtime").ok()?;
            let text = String::from_utf8_lossy(&data);
            text.trim_end_matches('\n').rsplit('\n').next()?.to_string()
        }
    };
    let take_name = |s: &str| -> (String, usize) {
        if let Some(rest) = s.strip_prefix('<') {
            let end = rest.find('>').unwrap_or(rest.len());
            return (rest[..end].to_string(), end + 2);
        }
        let n = s.chars().take_while(char::is_ascii_alphabetic).count();
        (s[..n].to_string(), n)
    };
    let (std_name, used) = take_name(&spec);
    if std_name.is_empty() {
        return None;
    }
    let rest = &spec[used..];
    let skip = rest.chars().take_while(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ':')).count();
    let (dst, _) = take_name(&rest[skip..]);
    Some((std_name, (!dst.is_empty()).then_some(dst)))
}

pub(super) fn date_time(f: &mut Facts) {
    date_time_at(f, Utc::now(), None);
}

/// `date_time` for a given instant (the tests fix the clock).
pub fn date_time_at(f: &mut Facts, now_utc: chrono::DateTime<Utc>, names: Option<(String, Option<String>)>) {
    let now = now_utc.with_timezone(&Local);
    let offset = now.offset().fix().local_minus_utc();
    let names = names.or_else(|| tz_names(&crate::Live));
    let (tz, tz_dst) = match names {
        Some((std, dst)) => {
            let in_dst = dst.is_some() && {
                let jan = now.with_month(1).and_then(|d| d.with_day(1)).map(|d| d.offset().fix().local_minus_utc());
                let jul = now.with_month(7).and_then(|d| d.with_day(1)).map(|d| d.offset().fix().local_minus_utc());
                let std_off = jan.zip(jul).map(|(a, b)| a.min(b)).unwrap_or(offset);
                offset != std_off
            };
            let current = if in_dst { dst.clone().unwrap_or(std.clone()) } else { std.clone() };
            (current, dst.unwrap_or(std))
        }
        None if offset == 0 => ("UTC".into(), "UTC".into()),
        None => (now.format("%:z").to_string(), now.format("%:z").to_string()),
    };
    let s = |fmt: &str| Value::from(now.format(fmt).to_string());
    let d = serde_json::json!({
        "year": s("%Y"),
        "month": s("%m"),
        "weekday": s("%A"),
        "weekday_number": s("%w"),
        "weeknumber": s("%W"),
        "day": s("%d"),
        "hour": s("%H"),
        "minute": s("%M"),
        "second": s("%S"),
        "epoch": now_utc.timestamp().to_string(),
        "epoch_int": now_utc.timestamp().to_string(),
        "date": s("%Y-%m-%d"),
        "time": s("%H:%M:%S"),
        "iso8601_micro": now_utc.format("%Y-%m-%dT%H:%M:%S.%6fZ").to_string(),
        "iso8601": now_utc.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "iso8601_basic": s("%Y%m%dT%H%M%S%6f"),
        "iso8601_basic_short": s("%Y%m%dT%H%M%S"),
        "tz": tz,
        "tz_dst": tz_dst,
        "tz_offset": s("%z"),
    });
    f.insert("date_time".into(), d);
}

pub(super) fn dns(src: &dyn Source, f: &mut Facts) {
    let mut d = Map::new();
    for line in src.read("/etc/resolv.conf").unwrap_or_default().lines() {
        if line.starts_with('#') || line.starts_with(';') || line.trim().is_empty() {
            continue;
        }
        let mut tokens = line.split_whitespace();
        let Some(key) = tokens.next() else { continue };
        let rest: Vec<&str> = tokens.collect();
        match key {
            "nameserver" => {
                if let Some(ns) = rest.first()
                    && let Value::Array(list) = d.entry("nameservers").or_insert_with(|| Value::Array(Vec::new()))
                {
                    list.push((*ns).into());
                }
            }
            "domain" => {
                if let Some(v) = rest.first() {
                    d.insert("domain".into(), (*v).into());
                }
            }
            "search" | "sortlist" => {
                d.insert(key.into(), Value::Array(rest.iter().map(|s| Value::from(*s)).collect()));
            }
            "options" => {
                let opts = d.entry("options").or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(o) = opts {
                    for opt in rest {
                        match opt.split_once(':') {
                            Some((k, v)) => o.insert(k.into(), v.into()),
                            None => o.insert((*opt).into(), true.into()),
                        };
                    }
                }
            }
            _ => {}
        }
    }
    f.insert("dns".into(), Value::Object(d));
}

/// Python's `shlex.split(posix=False)`: whitespace-separated, quotes kept.
fn split_non_posix(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                cur.push(c);
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            None => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `cmdline` (last value wins; bare flags are `true`) and `proc_cmdline` (repeated keys
/// collect into lists).
pub fn parse_cmdline(data: &str) -> (Map<String, Value>, Map<String, Value>) {
    let mut cmd = Map::new();
    let mut proc_ = Map::new();
    for piece in split_non_posix(data) {
        match piece.split_once('=') {
            None => {
                cmd.insert(piece.clone(), true.into());
                proc_.insert(piece, true.into());
            }
            Some((k, v)) => {
                cmd.insert(k.into(), v.into());
                match proc_.get_mut(k) {
                    Some(Value::Array(list)) => list.push(v.into()),
                    Some(existing) => {
                        let old = existing.take();
                        *existing = Value::Array(vec![old, v.into()]);
                    }
                    None => {
                        proc_.insert(k.into(), v.into());
                    }
                }
            }
        }
    }
    (cmd, proc_)
}

pub(super) fn cmdline(src: &dyn Source, f: &mut Facts) {
    if let Ok(data) = src.read("/proc/cmdline") {
        let (cmd, proc_) = parse_cmdline(&data);
        f.insert("cmdline".into(), Value::Object(cmd));
        f.insert("proc_cmdline".into(), Value::Object(proc_));
    }
}

pub(super) fn selinux(src: &dyn Source, f: &mut Facts) {
    let mut s = Map::new();
    match read_trim(src, "/sys/fs/selinux/enforce") {
        None => {
            s.insert("status".into(), "disabled".into());
        }
        Some(enforce) => {
            s.insert("status".into(), "enabled".into());
            s.insert("mode".into(), if enforce == "1" { "enforcing" } else { "permissive" }.into());
            if let Some(v) = read_trim(src, "/sys/fs/selinux/policyvers") {
                s.insert("policyvers".into(), v.parse::<u64>().map(Value::from).unwrap_or(Value::from(v)));
            }
            let config = src.read("/etc/selinux/config").unwrap_or_default();
            let kv = super::key_values(&config);
            if let Some(m) = kv.get("SELINUX") {
                s.insert("config_mode".into(), m.clone());
            }
            if let Some(t) = kv.get("SELINUXTYPE") {
                s.insert("type".into(), t.clone());
            }
        }
    }
    f.insert("selinux".into(), Value::Object(s));
    f.insert("selinux_python_present".into(), true.into());
}

pub(super) fn apparmor(src: &dyn Source, f: &mut Facts) {
    let status = if src.exists("/sys/kernel/security/apparmor") { "enabled" } else { "disabled" };
    f.insert("apparmor".into(), serde_json::json!({ "status": status }));
}

pub(super) fn fips(src: &dyn Source, f: &mut Facts) {
    f.insert("fips".into(), (read_trim(src, "/proc/sys/crypto/fips_enabled").as_deref() == Some("1")).into());
}

/// Capabilities of the gathering process, from `/proc/self/status` (ansible-core runs `capsh`).
pub(super) fn caps(src: &dyn Source, f: &mut Facts) {
    let status = src.read("/proc/self/status").unwrap_or_default();
    let eff = status.lines().find_map(|l| l.strip_prefix("CapEff:")).map(|v| v.trim().to_string());
    let Some(eff) = eff else {
        f.insert("system_capabilities_enforced".into(), "N/A".into());
        f.insert("system_capabilities".into(), "N/A".into());
        return;
    };
    let bits = u64::from_str_radix(&eff, 16).unwrap_or(0);
    f.insert("system_capabilities_enforced".into(), "True".into());
    let caps: Vec<Value> = if bits == 0 { Vec::new() } else { vec![Value::from(format!("cap_eff={eff}"))] };
    f.insert("system_capabilities".into(), Value::Array(caps));
}

pub(super) fn ssh_pub_keys(src: &dyn Source, f: &mut Facts) {
    for dir in ["/etc/ssh", "/etc/openssh", "/etc"] {
        let mut found = false;
        for algo in ["dsa", "rsa", "ecdsa", "ed25519"] {
            let Some(text) = read_trim(src, &format!("{dir}/ssh_host_{algo}_key.pub")) else { continue };
            let mut parts = text.split_whitespace();
            let (Some(kind), Some(key)) = (parts.next(), parts.next()) else { continue };
            f.insert(format!("ssh_host_key_{algo}_public"), key.into());
            f.insert(format!("ssh_host_key_{algo}_public_keytype"), kind.into());
            found = true;
        }
        if found {
            break;
        }
    }
}

pub(super) fn chroot(src: &dyn Source, f: &mut Facts) {
    let env_chroot = src.env().iter().any(|(k, v)| k == "debian_chroot" && !v.is_empty());
    let differs = match (src.read_link("/proc/1/root"), src.read_link("/proc/self/root")) {
        (Ok(a), Ok(b)) => a != b,
        _ => false,
    };
    f.insert("is_chroot".into(), (env_chroot || differs).into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_command_lines_parse_like_ansible() {
        let (cmd, proc_) = parse_cmdline("BOOT_IMAGE=/vmlinuz ro quiet console=tty0 console=ttyS0 root=\"UUID=x y\"\n");
        assert_eq!(cmd["ro"], true);
        assert_eq!(cmd["console"], "ttyS0");
        assert_eq!(proc_["console"], serde_json::json!(["tty0", "ttyS0"]));
        assert_eq!(cmd["root"], "\"UUID=x y\"");
    }

    #[test]
    fn date_time_fields_are_strings() {
        let mut f = Facts::new();
        let t = chrono::DateTime::from_timestamp(1_700_000_000, 123_456_000).expect("valid");
        date_time_at(&mut f, t, Some(("UTC".into(), None)));
        let d = &f["date_time"];
        assert_eq!(d["epoch"], "1700000000");
        assert_eq!(d["iso8601"], "2023-11-14T22:13:20Z");
        assert_eq!(d["iso8601_micro"], "2023-11-14T22:13:20.123456Z");
    }
}
