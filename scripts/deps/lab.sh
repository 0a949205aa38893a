# om lab and everything that runs on it: the real OpenSSH server, ip/tc for namespaces,
# ansible-core as the reference for inventories and runs.
need_apt openssh-server openssh-client iproute2 sudo
need_pip 'ansible-core==2.19.*'
