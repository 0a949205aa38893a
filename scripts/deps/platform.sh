# om serve and om-store: PostgreSQL and MariaDB for the store suite (started from Debian's
# packages in throwaway data directories on loopback ports when not already running), and
# Chromium for the browser end-to-end tests. Tests find the databases through
# OM_TEST_POSTGRES_URL and OM_TEST_MYSQL_URL and skip, saying why, when they are unset.
need_apt postgresql mariadb-server chromium curl
need_start om_start_postgres
need_start om_start_mariadb

om_wait() { # om_wait SECONDS COMMAND...: until COMMAND succeeds, or fail
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for: $*" >&2; return 1; fi
    sleep 0.2
  done
}

om_start_postgres() {
  [ -n "${OM_TEST_POSTGRES_URL:-}" ] && return 0
  local dir=/tmp/om-test-postgres port=55432 bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p $port; then
    rm -rf "$dir" && mkdir -p "$dir" && chown postgres:postgres "$dir"
    runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U om -A trust --no-sync >/dev/null
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -s \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start
    om_wait 60 "$bin/pg_isready" -q -h 127.0.0.1 -p $port
  fi
  export OM_TEST_POSTGRES_URL="postgres://om@127.0.0.1:$port/postgres"
}

om_start_mariadb() {
  [ -n "${OM_TEST_MYSQL_URL:-}" ] && return 0
  local dir=/tmp/om-test-mariadb port=53306
  if ! mariadb-admin --socket="$dir/sock" ping >/dev/null 2>&1; then
    rm -rf "$dir" && mkdir -p "$dir" && chown mysql:mysql "$dir"
    mariadb-install-db --no-defaults --datadir="$dir/data" --user=mysql --auth-root-authentication-method=socket >/dev/null
    setsid mariadbd --no-defaults --datadir="$dir/data" --user=mysql --port=$port --bind-address=127.0.0.1 \
      --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/err.log" --innodb-flush-log-at-trx-commit=0 \
      --max-connections=300 </dev/null >/dev/null 2>&1 &
    om_wait 60 mariadb-admin --socket="$dir/sock" ping
    mariadb --socket="$dir/sock" -uroot -e \
      "CREATE USER IF NOT EXISTS 'om'@'127.0.0.1' IDENTIFIED BY 'om'; GRANT ALL ON *.* TO 'om'@'127.0.0.1' WITH GRANT OPTION;"
  fi
  export OM_TEST_MYSQL_URL="mysql://om:om@127.0.0.1:$port/mysql"
}
