use super::*;

fn net(s: &str) -> IpNet {
    IpNet::parse(s, MakeNet::Strict).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn book_network_example_line_by_line() {
    let ip = net("192.168.1.0/24");
    assert_eq!(
        render_info(&info("192.168.1.0/24", &ip)),
        "net: 192.168.1.0\nnetmask: 255.255.255.0\nbroadcast: 192.168.1.255\nreverse address: 1.168.192.in-addr.arpa.\n\
         subnet: 256\nhexadecimal: 0xc0a80100\nbinary ip: 11000000101010000000000100000000\niptype: PRIVATE\n"
    );
}

#[test]
fn book_single_address_example() {
    let ip = net("192.168.1.20");
    assert_eq!(
        render_info(&info("192.168.1.20", &ip)),
        "reverse address: 20.1.168.192.in-addr.arpa.\nhexadecimal: 0xc0a80114\nbinary ip: 11000000101010000000000100010100\niptype: PRIVATE\n"
    );
}

#[test]
fn five_input_forms_give_the_same_network() {
    let want = net("192.168.1.0/24");
    assert_eq!(net("192.168.1.0/255.255.255.0"), want);
    assert_eq!(net("192.168.1.0-192.168.1.255"), want);
    assert_eq!(net("0x8080808").to_string(), "8.8.8.8");
    assert_eq!(net("3232235796").to_string(), "192.168.1.20");
    assert_eq!(net("::1").to_string(), "::1");
    assert_eq!(net("127").to_string(), "127.0.0.0", "IPy reads a number below 256 as the first octet");
}

#[test]
fn strict_mode_rejects_host_bits_with_a_hint() {
    let err = IpNet::parse("192.168.1.20/24", MakeNet::Strict).unwrap_err().to_string();
    assert!(err.contains("host bits") && err.contains("--make-net") && err.contains("192.168.1.0/24"), "{err}");
    assert_eq!(IpNet::parse("192.168.1.20/24", MakeNet::Lenient).unwrap().to_string(), "192.168.1.0/24");
}

#[test]
fn ranges_off_a_prefix_are_errors_in_both_modes() {
    for mode in [MakeNet::Strict, MakeNet::Lenient] {
        let err = IpNet::parse("192.168.0.0-192.168.191.255", mode).unwrap_err().to_string();
        assert!(err.contains("network boundary"), "{err}");
    }
}

#[test]
fn parse_errors_name_the_token_and_position() {
    let err = IpNet::parse("10.0.0.0/33", MakeNet::Strict).unwrap_err();
    assert!(matches!(&err, IpError::Parse { position: 10, token, .. } if token == "33"), "{err:?}");
    let err = IpNet::parse("10.0.300.1", MakeNet::Strict).unwrap_err();
    assert!(matches!(&err, IpError::Parse { position: 6, token, .. } if token == "300"), "{err:?}");
}

#[test]
fn hex_is_unpadded_and_bin_is_padded() {
    assert_eq!(net("8.8.8.8").to_hex(), "0x8080808");
    assert_eq!(net("0.0.0.1").to_bin().len(), 32);
    assert_eq!(net("::1").to_bin().len(), 128);
}

#[test]
fn show_modes_follow_ipy_str_normal() {
    let ip = net("192.168.1.0/24");
    assert_eq!(ip.to_string_mode(ShowMode::Address), "192.168.1.0");
    assert_eq!(ip.to_string_mode(ShowMode::Prefix), "192.168.1.0/24");
    assert_eq!(ip.to_string_mode(ShowMode::Netmask), "192.168.1.0/255.255.255.0");
    assert_eq!(ip.to_string_mode(ShowMode::Range), "192.168.1.0-192.168.1.255");
    assert_eq!(net("10.0.0.1").to_string_mode(ShowMode::Range), "10.0.0.1");
}

#[test]
fn reverse_names_follow_ipy() {
    assert_eq!(net("192.168.0.0/23").reverse_names().unwrap(), ["0.168.192.in-addr.arpa.", "1.168.192.in-addr.arpa."]);
    assert_eq!(net("192.168.0.0/16").reverse_names().unwrap(), ["168.192.in-addr.arpa."]);
    assert_eq!(net("128.0.0.0/7").reverse_names().unwrap(), ["128.in-addr.arpa.", "129.in-addr.arpa."]);
    assert_eq!(net("2001::/16").reverse_names().unwrap(), ["1.0.0.2.ip6.arpa."]);
    assert!(net("2001::/33").reverse_names().is_err());
    assert_eq!(net("::ffff:10.0.0.1").reverse_names().unwrap(), ["1.0.0.10.in-addr.arpa."]);
}

#[test]
fn iptype_table_longest_match() {
    for (a, t) in [
        ("100.64.0.1", "CARRIER_GRADE_NAT"),
        ("127.0.0.1", "LOOPBACK"),
        ("8.8.8.8", "PUBLIC"),
        ("224.0.0.1", "RESERVED"),
        ("::1", "LOOPBACK"),
        ("::", "UNSPECIFIED"),
        ("2001:db8::1", "DOCUMENTATION"),
        ("2001::1", "TEREDO"),
        ("fe80::1", "LINKLOCAL"),
        ("::ffff:1.2.3.4", "IPV4MAP"),
    ] {
        assert_eq!(net(a).iptype(), t, "{a}");
    }
}

#[test]
fn ordering_equality_containment_and_overlap() {
    assert_ne!(net("10.0.0.0/16"), net("10.0.0.0/24"));
    assert!(net("10.0.0.0/16") < net("10.0.0.0/24"));
    assert!(net("10.0.0.0/8") < net("::/0"));
    assert!(net("10.0.0.0/8").contains(&net("10.1.0.0/16")));
    assert!(!net("10.1.0.0/16").contains(&net("10.0.0.0/8")));
    assert_eq!(net("192.168.0.0/23").overlaps(&net("192.168.1.0/24")), 1);
    assert_eq!(net("192.168.1.0/24").overlaps(&net("192.168.0.0/23")), -1);
    assert_eq!(net("192.168.2.0/24").overlaps(&net("192.168.0.0/23")), 0);
}

#[test]
fn iteration_includes_network_and_broadcast() {
    let all: Vec<String> = net("10.0.0.0/30").iter().map(|a| a.to_string()).collect();
    assert_eq!(all, ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    assert_eq!(net("::/0").len_text(), "340282366920938463463374607431768211456");
}

#[test]
fn show_output_parses_back_to_the_same_value() {
    for s in ["10.0.0.0/8", "192.168.4.0/22", "2001:db8::/48", "1.2.3.4"] {
        let ip = net(s);
        for mode in [ShowMode::Prefix, ShowMode::Netmask, ShowMode::Range] {
            if ip.version() == Version::V6 && mode == ShowMode::Netmask {
                continue;
            }
            assert_eq!(net(&ip.to_string_mode(mode)), ip, "{s} mode {mode:?}");
        }
    }
}

#[test]
fn usable_hosts_split_and_summarize() {
    assert_eq!((net("10.0.0.0/24").usable_hosts(), net("10.0.0.0/31").usable_hosts(), net("10.0.0.1").usable_hosts()), (254, 2, 1));
    let parts: Vec<String> = net("192.168.1.0/24").split(26).unwrap().map(|n| n.to_string()).collect();
    assert_eq!(parts, ["192.168.1.0/26", "192.168.1.64/26", "192.168.1.128/26", "192.168.1.192/26"]);
    assert!(net("192.168.1.0/24").split(23).is_err());
    let merged: Vec<String> = summarize(&[net("10.0.1.0/24"), net("10.0.0.0/24"), net("10.0.2.0/23"), net("10.0.0.128/25")])
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(merged, ["10.0.0.0/22"]);
    let cidrs: Vec<String> =
        range_to_cidrs(net("10.0.0.1").int(), net("10.0.0.6").int(), Version::V4).iter().map(|n| n.to_string()).collect();
    assert_eq!(cidrs, ["10.0.0.1", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6"]);
    assert_eq!(summarize(&[net("::/0")]).len(), 1);
}
