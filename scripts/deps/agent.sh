# om-agent, om-modules and om-facts: psutil is the oracle for facts and processes,
# ansible-core (deps/lab.sh) for module results; cron gives `crontab`, util-linux `taskset`,
# procps `free`/`sysctl`, and the package tests build a .deb with dpkg-deb and an RPM
# repository with rpmbuild and createrepo_c for the real dnf; systemd-nspawn boots a throwaway
# systemd container for the `systemd` module (the machine's own PID 1 need not be systemd).
need_apt cron procps util-linux iproute2 dpkg-dev python3 file rpm createrepo-c dnf systemd-container
need_pip 'psutil==7.*'
