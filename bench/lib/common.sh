# Shared by bench/*/run: build om in release mode, name the results directory, start a lab.
#
#   source "$(dirname "$0")/../lib/common.sh"
#   build_om                      # sets OM to the release binary
#   results_dir <topic>           # sets RESULTS to bench/<topic>/runs/<date>-<machine>
#   lab_up <dir> <hosts>          # starts a lab, sets LAB_PID (supervisor) for server CPU
set -euo pipefail
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$BENCH_ROOT/.." && pwd)"
MEASURE="$BENCH_ROOT/lib/measure.py"
OM_VENV="${OM_VENV:-$HOME/.cache/om/venv}"

# OM_BIN=path: measure that binary instead of building one (a release build takes minutes).
build_om() {
  if [ -n "${OM_BIN:-}" ]; then OM=$OM_BIN; return; fi
  (cd "$REPO_ROOT" && cargo build --release --quiet -p om)
  OM="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/om"
}

machine_tag() {
  local cpu
  cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //; s/([^)]*)//g; s/CPU//; s/Processor//' | tr -s ' ' | tr ' ' '-' | tr -cd 'A-Za-z0-9-' | cut -c1-32 | sed 's/-*$//')
  echo "$(nproc)c-${cpu:-cpu}"
}

results_dir() {
  RESULTS="$BENCH_ROOT/$1/runs/$(date -u +%Y-%m-%d)-$(machine_tag)"
  mkdir -p "$RESULTS"
  : > "$RESULTS/results.md"
}

# As root, lab hosts log in as a plain user with a clean home, like a real host, rather than
# as root with this machine's shell start-up files.
LAB_USER="${LAB_USER:-$(if [ "$(id -u)" = 0 ]; then echo ombench; else id -un; fi)}"

lab_up() {
  if [ "$LAB_USER" = ombench ] && ! id ombench >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh -p '*' ombench  # '*': no password, not locked
  fi
  "$OM" lab down --dir "$1" >/dev/null 2>&1 || true
  "$OM" lab up --dir "$1" --hosts "$2" --port "${LAB_PORT:-2299}" --base "${LAB_BASE:-127.0.30.1}" --user "$LAB_USER" >/dev/null
  LAB_PID=$("$OM" lab status --dir "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["lab"]["pid"])')
  trap '"$OM" lab down --dir "'"$1"'" >/dev/null 2>&1 || true' EXIT
}
