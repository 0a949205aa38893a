# om-agent, om-modules and om-facts: psutil is the oracle for facts and processes,
# ansible-core (deps/lab.sh) for module results; cron gives `crontab`, util-linux `taskset`,
# procps `free`/`sysctl`, and the package tests build a .deb with dpkg-deb and an RPM
# repository with rpmbuild and createrepo_c for the real dnf.
need_apt cron procps util-linux iproute2 dpkg-dev python3 file rpm createrepo-c dnf
need_pip 'psutil==7.*'
