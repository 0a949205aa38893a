# om-net (om ip, dns, http probe, scan, trace): reference tools the tests cross-check with
# (nmap, dig, curl, traceroute, python-nmap, IPy for the goldens), nftables and iproute2 for the
# privileged namespace tests, python3 for their small HTTP servers.
need_apt nmap curl bind9-dnsutils iproute2 nftables traceroute time python3 python3-venv
need_pip 'IPy==1.2' 'python-nmap==0.7.1'
