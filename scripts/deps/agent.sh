# om-agent, om-modules and om-facts: psutil is the oracle for facts and processes,
# ansible-core (deps/lab.sh) for module results; cron gives `crontab`, util-linux `taskset`,
# procps `free`/`sysctl`, and the package tests build a .deb with dpkg-deb.
need_apt cron procps util-linux iproute2 dpkg-dev python3
need_pip 'psutil==7.*'
