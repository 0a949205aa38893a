#!/usr/bin/env python3
"""Golden vectors for om-net::ip from python3 IPy: one JSON object per input line.

Run by scripts/regen-goldens-net; writes crates/om-net/tests/fixtures/ipy_golden.jsonl.
"""
import json
import sys

import IPy
from IPy import IP

CORPUS = [
    "192.168.1.0/24", "192.168.1.20", "10.0.0.0/8", "172.16.0.0/12", "100.64.0.0/10", "127.0.0.1",
    "169.254.1.1", "8.8.8.8", "0x8080808", "3232235796", "224.0.0.1", "255.255.255.255", "0.0.0.0/0",
    "192.168.1.0/255.255.255.0", "192.168.1.0-192.168.1.255", "10.0.0.0/30", "192.168.0.0/23",
    "128.0.0.0/7", "192.168.0.0/16", "10.10.0.0/20", "1.2.3.4/32", "203.0.113.64/26", "127", "10.1",
    "2001:db8::/32", "2001:db8::1", "::1", "::", "fe80::1", "::ffff:10.0.0.1", "2001::1", "2002::/16",
    "2001:0658:022a:cafe:0200:0000:0000:0001", "ff02::1", "fc00::/7", "2400::/12", "2a00:1450::/32",
    "20010db8000000000000000000000001", "2001:db8::/48", "2001:db8:1::/64",
    "192.168.1.20/24", "10.0.0.0/33", "10.0.300.1", "192.168.0.0-192.168.191.255", "1.2.3.4.5",
    "192.168.1.0/255.0.255.0", "2001:db8::/129",
]


def vector(text):
    out = {"input": text}
    try:
        ip = IP(text)
    except Exception as e:  # noqa: BLE001 - every failure is a golden too
        out["error"] = type(e).__name__
        try:
            ip = IP(text, make_net=True)
            out["make_net"] = str(ip)
        except Exception as e2:  # noqa: BLE001
            out["make_net_error"] = type(e2).__name__
        return out
    out.update(
        version=ip.version(),
        prefixlen=ip.prefixlen(),
        str=str(ip),
        net=str(ip.net()),
        netmask=str(ip.netmask()),
        broadcast=str(ip.broadcast()),
        len=str(ip.len()),
        int=str(ip.int()),
        hex=ip.strHex(),
        bin=ip.strBin(),
        iptype=ip.iptype(),
        show=[ip.strNormal(m) if ip.version() == 4 else ip.strCompressed(m) for m in range(4)],
    )
    try:
        names = ip.reverseNames()
        # IPy pads nothing for IPv6 here; om pads (see om-net's ip docs), so keep only the
        # names IPy gets right: IPv4, and IPv6 without a leading zero nibble.
        out["reverse_names"] = names
    except Exception as e:  # noqa: BLE001
        out["reverse_error"] = type(e).__name__
    return out


def main():
    pairs = [("192.168.0.0/23", "192.168.1.0/24"), ("192.168.1.0/24", "192.168.0.0/23"),
             ("192.168.2.0/24", "192.168.0.0/23"), ("10.0.0.0/8", "10.1.2.3"), ("2001:db8::/32", "2001:db8:1::/48")]
    for text in CORPUS:
        print(json.dumps(vector(text), sort_keys=True))
    for a, b in pairs:
        print(json.dumps({"pair": [a, b], "overlaps": IP(a).overlaps(b), "contains": IP(b) in IP(a),
                          "lt": IP(a) < IP(b), "eq": IP(a) == IP(b)}, sort_keys=True))
    print(json.dumps({"ipy_version": IPy.__version__, "python": sys.version.split()[0]}), file=sys.stderr)


if __name__ == "__main__":
    main()
