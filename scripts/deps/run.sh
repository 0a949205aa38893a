# om run's tests: a local user with a password and a sudo rule (useradd, chpasswd, sudo),
# GNU timeout and setsid for background jobs; ansible-core (deps/lab.sh) is the oracle.
need_apt passwd sudo coreutils util-linux
