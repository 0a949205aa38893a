//! `ansible_*` facts against ansible-core's `setup` on this machine.

use serde_json::{Value, json};

use crate::venv_bin;

fn ansible_setup() -> serde_json::Map<String, Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(venv_bin("ansible"))
        .args(["localhost", "-c", "local", "-m", "setup", "-o", "-e"])
        .arg(format!("ansible_python_interpreter={}", venv_bin("python").display()))
        .env("ANSIBLE_LOCALHOST_WARNING", "false")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_HOME", dir.path().join(".ansible"))
        .output()
        .expect("ansible runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.find('{').unwrap_or_else(|| panic!("no JSON from ansible: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    let v: Value = serde_json::from_str(text[start..].trim()).expect("setup JSON");
    v["ansible_facts"].as_object().expect("facts").clone()
}

fn sorted(v: &Value) -> Value {
    let mut items = v.as_array().cloned().unwrap_or_default();
    items.sort_by_key(|x| x.to_string());
    Value::Array(items)
}

#[test]
fn facts_playbooks_read_match_ansible_core() {
    let theirs = ansible_setup();
    let (ours, _) = om_facts::ansible::gather(&om_facts::Live, &Default::default()).expect("facts");
    let same = [
        "ansible_hostname",
        "ansible_nodename",
        "ansible_fqdn",
        "ansible_domain",
        "ansible_system",
        "ansible_kernel",
        "ansible_kernel_version",
        "ansible_machine",
        "ansible_architecture",
        "ansible_userspace_bits",
        "ansible_userspace_architecture",
        "ansible_machine_id",
        "ansible_distribution",
        "ansible_distribution_version",
        "ansible_distribution_release",
        "ansible_distribution_major_version",
        "ansible_distribution_minor_version",
        "ansible_distribution_file_path",
        "ansible_distribution_file_variety",
        "ansible_os_family",
        "ansible_lsb",
        "ansible_pkg_mgr",
        "ansible_service_mgr",
        "ansible_processor",
        "ansible_processor_count",
        "ansible_processor_cores",
        "ansible_processor_threads_per_core",
        "ansible_processor_vcpus",
        "ansible_processor_nproc",
        "ansible_memtotal_mb",
        "ansible_swaptotal_mb",
        "ansible_default_ipv4",
        "ansible_default_ipv6",
        "ansible_dns",
        "ansible_cmdline",
        "ansible_proc_cmdline",
        "ansible_selinux",
        "ansible_apparmor",
        "ansible_fips",
        "ansible_virtualization_type",
        "ansible_virtualization_role",
        "ansible_user_id",
        "ansible_user_uid",
        "ansible_user_gid",
        "ansible_user_dir",
        "ansible_user_shell",
        "ansible_user_gecos",
        "ansible_real_user_id",
        "ansible_effective_user_id",
        "ansible_is_chroot",
        "ansible_locally_reachable_ips",
        "ansible_device_links",
        "ansible_lvm",
        "ansible_hostnqn",
        "ansible_iscsi_iqn",
        "ansible_fibre_channel_wwn",
        "ansible_flags",
        "ansible_bios_date",
        "ansible_bios_version",
        "ansible_product_name",
        "ansible_system_vendor",
        "ansible_form_factor",
        "ansible_ssh_host_key_ed25519_public",
        "ansible_ssh_host_key_rsa_public",
    ];
    let mut mismatches = Vec::new();
    for k in same {
        if theirs.get(k) != ours.get(k) {
            mismatches.push(format!(
                "{k}: ansible {} / om {}",
                theirs.get(k).cloned().unwrap_or(Value::Null),
                ours.get(k).cloned().unwrap_or(Value::Null)
            ));
        }
    }
    for k in [
        "ansible_all_ipv4_addresses",
        "ansible_all_ipv6_addresses",
        "ansible_interfaces",
        "ansible_virtualization_tech_guest",
        "ansible_virtualization_tech_host",
    ] {
        if sorted(&theirs[k]) != sorted(&ours[k]) {
            mismatches.push(format!("{k}: ansible {} / om {}", theirs[k], ours[k]));
        }
    }
    for iface in theirs["ansible_interfaces"].as_array().expect("interfaces") {
        let k = format!("ansible_{}", iface.as_str().expect("name").replace(['-', '.'], "_"));
        if theirs.get(&k) != ours.get(&k) {
            mismatches.push(format!("{k}: ansible {} / om {}", theirs[&k], ours.get(&k).cloned().unwrap_or(Value::Null)));
        }
    }
    let mounts = |v: &Value| {
        let mut m: Vec<Value> = v
            .as_array()
            .expect("mounts")
            .iter()
            .map(|x| json!([x["mount"], x["device"], x["fstype"], x["options"], x["size_total"], x["block_size"], x["inode_total"]]))
            .collect();
        m.sort_by_key(|x| x.to_string());
        m
    };
    if mounts(&theirs["ansible_mounts"]) != mounts(&ours["ansible_mounts"]) {
        mismatches.push(format!(
            "ansible_mounts: ansible {:?} / om {:?}",
            mounts(&theirs["ansible_mounts"]),
            mounts(&ours["ansible_mounts"])
        ));
    }
    let devs = |v: &Value| v.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    if devs(&theirs["ansible_devices"]) != devs(&ours["ansible_devices"]) {
        mismatches.push(format!(
            "ansible_devices: ansible {:?} / om {:?}",
            devs(&theirs["ansible_devices"]),
            devs(&ours["ansible_devices"])
        ));
    }
    for (name, dev) in theirs["ansible_devices"].as_object().expect("devices") {
        for f in [
            "sectors",
            "sectorsize",
            "size",
            "removable",
            "rotational",
            "scheduler_mode",
            "partitions",
            "holders",
            "model",
            "vendor",
            "virtual",
        ] {
            if dev.get(f) != ours["ansible_devices"][name].get(f) {
                mismatches.push(format!("ansible_devices.{name}.{f}: ansible {} / om {}", dev[f], ours["ansible_devices"][name][f]));
            }
        }
    }
    let tz = |v: &Value| json!([v["ansible_date_time"]["tz"], v["ansible_date_time"]["tz_dst"], v["ansible_date_time"]["tz_offset"]]);
    if tz(&Value::Object(theirs.clone())) != tz(&Value::Object(ours.clone())) {
        mismatches.push(format!("date_time tz: ansible {} / om {}", tz(&Value::Object(theirs.clone())), tz(&Value::Object(ours.clone()))));
    }
    let env_keys = |v: &Value| v.as_object().map(|m| m.contains_key("PATH") && m.contains_key("HOME")).unwrap_or(false);
    assert!(env_keys(&ours["ansible_env"]));
    let mt = (theirs["ansible_memfree_mb"].as_i64().expect("free") - ours["ansible_memfree_mb"].as_i64().expect("free")).abs();
    assert!(mt <= 256, "memfree_mb differs by {mt}");
    assert!(mismatches.is_empty(), "facts differ from ansible-core:\n{}", mismatches.join("\n"));
}
