# om-net (om ip, dns, http probe, scan, trace): reference tools for cross-checks and benches.
need_apt nmap curl bind9-dnsutils iproute2 nftables traceroute time
need_pip 'IPy==1.2' 'python-nmap==0.7.1'
