//! `virtualization_*`: ansible-core's LinuxVirtual checks, in its order (containers first,
//! then Xen, DMI vendors, CPU models, kernel modules, `/dev/kvm`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Facts, read_trim};
use crate::source::Source;

struct Found {
    kind: Option<String>,
    role: Option<String>,
    done: bool,
    guest: BTreeSet<String>,
    host: BTreeSet<String>,
}

impl Found {
    fn guest(&mut self, tech: &str, kind: &str, role: Option<&str>) {
        self.guest.insert(tech.to_string());
        if !self.done {
            self.kind = Some(kind.to_string());
            if let Some(r) = role {
                self.role = Some(r.to_string());
            }
            self.done = true;
        }
    }
}

pub(super) fn virtual_facts(src: &dyn Source, f: &mut Facts) {
    let mut v = Found { kind: None, role: None, done: false, guest: BTreeSet::new(), host: BTreeSet::new() };
    let docker_re = regex_lite_docker;
    for line in src.read("/proc/1/cgroup").unwrap_or_default().lines() {
        if docker_re(line) {
            v.guest("docker", "docker", Some("guest"));
        }
        if line.contains("/lxc/") || line.contains("/machine.slice/machine-lxc") {
            v.guest("lxc", "lxc", Some("guest"));
        }
        if line.contains("/system.slice/containerd.service") {
            v.guest("containerd", "containerd", Some("guest"));
        }
    }
    for var in src.read_bytes("/proc/1/environ").map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default().split('\0') {
        if var.contains("container=lxc") {
            v.guest("lxc", "lxc", Some("guest"));
        }
        if var.contains("container=podman") {
            v.guest("podman", "podman", Some("guest"));
        }
        if var.starts_with("container=") && var.len() > 10 {
            v.guest("container", "container", Some("guest"));
        }
    }
    if src.exists("/proc/vz") && !src.exists("/proc/lve") {
        v.kind = Some("openvz".into());
        if src.exists("/proc/bc") {
            v.host.insert("openvz".into());
            if !v.done {
                v.role = Some("host".into());
            }
        } else {
            v.guest.insert("openvz".into());
            if !v.done {
                v.role = Some("guest".into());
            }
        }
        v.done = true;
    }
    let systemd_container = read_trim(src, "/run/systemd/container").filter(|s| !s.is_empty());
    if let Some(c) = &systemd_container {
        v.guest(c, c, Some("guest"));
    }
    if src.exists("/.dockerenv") || src.exists("/.dockerinit") {
        v.guest("docker", "docker", Some("guest"));
    }
    if ["docker", "lxc", "podman", "openvz", "containerd"].iter().any(|t| v.guest.contains(*t)) || systemd_container.is_some() {
        v.guest.insert("container".into());
    }
    if src.exists("/proc/xen") {
        let host = src.read("/proc/xen/capabilities").unwrap_or_default().contains("control_d");
        if host {
            v.host.insert("xen".into());
        }
        if !v.done {
            v.kind = Some("xen".into());
            v.role = Some(if host { "host" } else { "guest" }.into());
        }
        v.done = true;
    }
    if !v.done {
        v.role = Some("guest".into());
    }
    let dmi = |k: &str| read_trim(src, &format!("/sys/devices/virtual/dmi/id/{k}"));
    let (product, vendor, family, bios) = (dmi("product_name"), dmi("sys_vendor"), dmi("product_family"), dmi("bios_vendor"));
    let p = product.as_deref().unwrap_or_default();
    let s = vendor.as_deref().unwrap_or_default();
    let b = bios.as_deref().unwrap_or_default();
    if ["KVM", "KVM Server", "Bochs", "AHV", "CloudStack KVM Hypervisor"].contains(&p) {
        v.guest("kvm", "kvm", None);
    }
    if s == "oVirt" {
        v.guest("oVirt", "oVirt", None);
    }
    if s == "Red Hat" {
        if family.as_deref() == Some("RHV") {
            v.guest("RHV", "RHV", None);
        } else if p == "RHEV Hypervisor" {
            v.guest("RHEV", "RHEV", None);
        }
    }
    if p.starts_with("VMware") {
        v.guest("VMware", "VMware", None);
    }
    if ["OpenStack Compute", "OpenStack Nova"].contains(&p) {
        v.guest("openstack", "openstack", None);
    }
    if b == "Xen" {
        v.guest("xen", "xen", None);
    }
    if b == "innotek GmbH" {
        v.guest("virtualbox", "virtualbox", None);
    }
    if ["Amazon EC2", "DigitalOcean", "Hetzner", "Linode"].contains(&b) {
        v.guest("kvm", "kvm", None);
    }
    if ["QEMU", "Amazon EC2", "DigitalOcean", "Google", "Scaleway", "Nutanix"].contains(&s) {
        v.guest("kvm", "kvm", None);
    }
    for (vendor_name, tech) in [
        ("KubeVirt", "KubeVirt"),
        ("Microsoft Corporation", "VirtualPC"),
        ("Parallels Software International Inc.", "parallels"),
        ("OpenStack Foundation", "openstack"),
    ] {
        if s == vendor_name {
            v.guest(tech, tech, None);
        }
    }
    if !v.done {
        v.role = None;
    }
    for line in src.read("/proc/cpuinfo").unwrap_or_default().lines() {
        let tech = if line.starts_with("model name") && line.contains("QEMU Virtual CPU") {
            "kvm"
        } else if line.starts_with("vendor_id") && line.contains("User Mode Linux")
            || line.starts_with("model name") && line.contains("UML")
        {
            "uml"
        } else if line.starts_with("vendor_id") && line.contains("PowerVM Lx86") {
            "powervm_lx86"
        } else {
            continue;
        };
        v.guest(tech, tech, Some("guest"));
    }
    let modules: Vec<String> =
        src.read("/proc/modules").unwrap_or_default().lines().filter_map(|l| l.split(' ').next().map(str::to_string)).collect();
    if modules.iter().any(|m| m == "kvm") {
        v.host.insert("kvm".into());
        if !v.done {
            v.kind = Some("kvm".into());
            v.role = Some("host".into());
        }
        v.done = true;
    }
    if modules.iter().any(|m| m == "vboxdrv") {
        v.host.insert("virtualbox".into());
        if !v.done {
            v.kind = Some("virtualbox".into());
            v.role = Some("host".into());
            v.done = true;
        }
    }
    if modules.iter().any(|m| m == "virtio") {
        v.host.insert("kvm".into());
        if !v.done {
            v.kind = Some("kvm".into());
            v.role = Some("guest".into());
            v.done = true;
        }
    }
    if src.exists("/dev/kvm") {
        v.host.insert("kvm".into());
        if !v.done {
            v.kind = Some("kvm".into());
            v.role = Some("host".into());
            v.done = true;
        }
    }
    if !v.done {
        v.kind = Some("NA".into());
        v.role = Some("NA".into());
    }
    f.insert("virtualization_type".into(), v.kind.unwrap_or_else(|| "NA".into()).into());
    f.insert("virtualization_role".into(), v.role.unwrap_or_else(|| "NA".into()).into());
    f.insert("virtualization_tech_guest".into(), Value::Array(v.guest.into_iter().map(Value::from).collect()));
    f.insert("virtualization_tech_host".into(), Value::Array(v.host.into_iter().map(Value::from).collect()));
}

/// `re.search(r'/docker(/|-[0-9a-f]+\.scope)', line)` without a regex engine.
fn regex_lite_docker(line: &str) -> bool {
    line.match_indices("/docker").any(|(i, _)| {
        let rest = &line[i + 7..];
        rest.starts_with('/')
            || rest.strip_prefix('-').is_some_and(|r| {
                let hex = r.bytes().take_while(u8::is_ascii_hexdigit).count();
                hex > 0 && r[hex..].starts_with(".scope")
            })
    })
}
