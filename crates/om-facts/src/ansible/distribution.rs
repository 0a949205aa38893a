//! `distribution*`, `os_family` and `lsb`: ansible-core's Distribution collector, from
//! `/etc/os-release` and the distribution files it checks (`/etc/debian_version`,
//! `/etc/redhat-release`, `/etc/alpine-release`…).

use serde_json::{Map, Value};

use super::{Facts, key_values, read_trim};
use crate::source::Source;

/// ansible-core's `OS_FAMILY_MAP`, inverted.
const FAMILIES: &[(&str, &[&str])] = &[
    (
        "RedHat",
        &[
            "RedHat",
            "RHEL",
            "Fedora",
            "CentOS",
            "Scientific",
            "SLC",
            "Ascendos",
            "CloudLinux",
            "PSBM",
            "OracleLinux",
            "OVS",
            "OEL",
            "Amazon",
            "Amzn",
            "Virtuozzo",
            "XenServer",
            "Alibaba",
            "EulerOS",
            "openEuler",
            "AlmaLinux",
            "Rocky",
            "TencentOS",
            "EuroLinux",
            "Kylin Linux Advanced Server",
            "MIRACLE",
        ],
    ),
    (
        "Debian",
        &[
            "Debian",
            "Ubuntu",
            "Raspbian",
            "Neon",
            "KDE neon",
            "Linux Mint",
            "SteamOS",
            "Devuan",
            "Kali",
            "Cumulus-linux",
            "Pop!_OS",
            "Parrot",
            "Pardus GNU/Linux",
            "Uos",
            "Deepin",
            "OSMC",
            "Linuxmint",
        ],
    ),
    (
        "Suse",
        &[
            "SuSE",
            "SLES",
            "SLED",
            "openSUSE",
            "openSUSE Tumbleweed",
            "SLES_SAP",
            "SUSE_LINUX",
            "openSUSE Leap",
            "ALP-Dolomite",
            "SL-Micro",
            "openSUSE MicroOS",
        ],
    ),
    ("Archlinux", &["Archlinux", "Antergos", "Manjaro"]),
    ("Mandrake", &["Mandrake", "Mandriva", "Mageia"]),
    ("Solaris", &["Solaris", "Nexenta", "OmniOS", "OpenIndiana", "SmartOS"]),
    ("Slackware", &["Slackware"]),
    ("Altlinux", &["Altlinux"]),
    ("SMGL", &["SMGL"]),
    ("Gentoo", &["Gentoo", "Funtoo"]),
    ("Alpine", &["Alpine"]),
    ("AIX", &["AIX"]),
    ("HP-UX", &["HPUX"]),
    ("Darwin", &["MacOSX"]),
    ("FreeBSD", &["FreeBSD", "TrueOS"]),
    ("ClearLinux", &["Clear Linux OS", "Clear Linux Mix"]),
    ("DragonFly", &["DragonflyBSD", "DragonFlyBSD", "Gentoo/DragonflyBSD", "Gentoo/DragonFlyBSD"]),
    ("NetBSD", &["NetBSD"]),
];

/// The `os_family` for a `distribution`.
pub fn os_family(distribution: &str) -> String {
    FAMILIES
        .iter()
        .find(|(_, members)| members.contains(&distribution))
        .map(|(f, _)| f.to_string())
        .unwrap_or_else(|| distribution.to_string())
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c.flat_map(char::to_lowercase)).collect(),
        None => String::new(),
    }
}

fn get<'a>(m: &'a Map<String, Value>, k: &str) -> &'a str {
    m.get(k).and_then(Value::as_str).unwrap_or_default()
}

pub(super) fn distribution(src: &dyn Source, f: &mut Facts) {
    let os_release = src.read("/etc/os-release").or_else(|_| src.read("/usr/lib/os-release")).unwrap_or_default();
    let osr = key_values(&os_release);
    let id = get(&osr, "ID");
    let mut name = match id {
        "amzn" => "Amazon".to_string(),
        "rhel" => "RedHat".to_string(),
        "" => "OtherLinux".to_string(),
        "opensuse-leap" => "openSUSE Leap".to_string(),
        "opensuse-tumbleweed" => "openSUSE Tumbleweed".to_string(),
        "sles" => "SLES".to_string(),
        "arch" => "Archlinux".to_string(),
        "almalinux" => "AlmaLinux".to_string(),
        "ol" => "OracleLinux".to_string(),
        "centos" => "CentOS".to_string(),
        "linuxmint" => "Linux Mint".to_string(),
        other => capitalize(other),
    };
    let mut version = get(&osr, "VERSION_ID").to_string();
    let mut release = get(&osr, "VERSION_CODENAME").to_string();
    if release.is_empty() {
        release = get(&osr, "UBUNTU_CODENAME").to_string();
    }
    let mut file_path = "/etc/os-release".to_string();
    let mut variety = name.clone();
    let mut minor: Option<String> = None;
    if let Some(data) = read_trim(src, "/etc/redhat-release").filter(|_| !matches!(id, "debian" | "ubuntu")) {
        file_path = "/etc/redhat-release".into();
        variety = "RedHat".into();
        if data.contains("Red Hat") {
            name = "RedHat".into();
        } else if let Some(first) = data.split_whitespace().next() {
            name = if first == "CentOS" || first == "Fedora" || first == "Rocky" || first == "AlmaLinux" { first.into() } else { name };
        }
        if let Some(code) = data.split('(').nth(1).and_then(|r| r.split(')').next()) {
            release = code.to_string();
        }
        if let Some(v) = data.split_whitespace().find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit())) {
            version = v.to_string();
        }
    } else if let Some(data) = read_trim(src, "/etc/alpine-release") {
        name = "Alpine".into();
        variety = "Alpine".into();
        file_path = "/etc/alpine-release".into();
        version = data;
        release = "NA".into();
    } else if src.exists("/etc/arch-release") && id == "arch" {
        variety = "Archlinux".into();
        file_path = "/etc/arch-release".into();
    } else if let Some(data) = read_trim(src, "/etc/gentoo-release") {
        name = "Gentoo".into();
        variety = "Gentoo".into();
        file_path = "/etc/gentoo-release".into();
        version = data.split_whitespace().last().unwrap_or_default().to_string();
    } else if ["Debian", "Ubuntu", "Raspbian", "Devuan", "Kali", "Linux Mint", "Pop", "Neon"].iter().any(|d| os_release.contains(d)) {
        variety = "Debian".into();
        if os_release.contains("Debian") || os_release.contains("Raspbian") {
            if let Some(code) = get(&osr, "PRETTY_NAME").split('(').nth(1).and_then(|r| r.split(')').next()) {
                release = code.to_string();
            }
            if let Some(dv) = read_trim(src, "/etc/debian_version")
                && dv.chars().next().is_some_and(|c| c.is_ascii_digit())
            {
                if let Some((_, m)) = dv.split_once('.') {
                    minor = Some(m.to_string());
                }
                version = dv;
            }
        }
    }
    if minor.is_none()
        && variety != "Debian"
        && let Some((_, m)) = version.split_once('.')
    {
        minor = Some(m.split('.').next().unwrap_or_default().to_string());
    }
    let major = version.split('.').next().unwrap_or_default().to_string();
    f.insert("distribution".into(), name.clone().into());
    f.insert("distribution_version".into(), version.into());
    f.insert("distribution_release".into(), if release.is_empty() { "NA".into() } else { release.into() });
    f.insert("distribution_major_version".into(), major.into());
    if let Some(m) = minor {
        f.insert("distribution_minor_version".into(), m.into());
    }
    f.insert("distribution_file_path".into(), file_path.into());
    f.insert("distribution_file_variety".into(), variety.into());
    f.insert("distribution_file_parsed".into(), true.into());
    f.insert("os_family".into(), os_family(&name).into());
}

/// `lsb`: from `lsb_release -a`, else `/etc/lsb-release`, else the os-release fields.
pub(super) fn lsb(src: &dyn Source, f: &mut Facts) {
    let mut lsb = Map::new();
    if let Some(out) = src.command(&["lsb_release", "-a"]) {
        for line in out.lines() {
            let Some((k, v)) = line.split_once(':') else { continue };
            let v = Value::from(v.trim());
            match k.trim() {
                "LSB Version" => lsb.insert("release".into(), v),
                "Distributor ID" => lsb.insert("id".into(), v),
                "Description" => lsb.insert("description".into(), v),
                "Release" => lsb.insert("release".into(), v),
                "Codename" => lsb.insert("codename".into(), v),
                _ => None,
            };
        }
    } else if let Ok(text) = src.read("/etc/lsb-release") {
        let kv = key_values(&text);
        for (from, to) in
            [("DISTRIB_ID", "id"), ("DISTRIB_RELEASE", "release"), ("DISTRIB_DESCRIPTION", "description"), ("DISTRIB_CODENAME", "codename")]
        {
            if let Some(v) = kv.get(from) {
                lsb.insert(to.into(), v.clone());
            }
        }
    } else if let Ok(text) = src.read("/etc/os-release") {
        let kv = key_values(&text);
        let name = get(&kv, "NAME");
        if !name.is_empty() {
            lsb.insert("id".into(), name.split_whitespace().next().unwrap_or(name).into());
            lsb.insert("description".into(), get(&kv, "PRETTY_NAME").into());
            lsb.insert("release".into(), get(&kv, "VERSION_ID").into());
            let code = get(&kv, "VERSION_CODENAME");
            if !code.is_empty() {
                lsb.insert("codename".into(), code.into());
            }
        }
    }
    if let Some(r) = lsb.get("release").and_then(Value::as_str).map(str::to_string) {
        lsb.insert("major_release".into(), r.split('.').next().unwrap_or_default().into());
    }
    f.insert("lsb".into(), Value::Object(lsb));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_follow_ansible() {
        assert_eq!(os_family("Ubuntu"), "Debian");
        assert_eq!(os_family("Rocky"), "RedHat");
        assert_eq!(os_family("Archlinux"), "Archlinux");
        assert_eq!(os_family("Plan9"), "Plan9");
    }
}
