# Helpers for scripts/test and scripts/deps/*.sh: collect what the tests need, install only
# what is missing, in one apt-get and one pip call.
#
#   need_apt openssh-server iproute2     Debian packages
#   need_pip ansible-core==2.19.*        Python packages, in the venv at $OM_VENV
#   need_start name command...           a service to start after installing (e.g. a database)

OM_VENV="${OM_VENV:-$HOME/.cache/om/venv}"
export OM_VENV
_apt=()
_pip=()
_start=()

step() { printf '\n==> %s\n' "$*" >&2; }
need_apt() { _apt+=("$@"); }
need_pip() { _pip+=("$@"); }
need_start() { _start+=("$*"); }

_sudo() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_needed() {
  local missing=()
  local p
  for p in "${_apt[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing Debian packages: ${missing[*]}"
    _sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive _sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ ${#_pip[@]} -gt 0 ]; then
    if [ ! -x "$OM_VENV/bin/python" ]; then
      step "creating the Python venv for reference tools in $OM_VENV"
      python3 -m venv "$OM_VENV"
    fi
    local stamp="$OM_VENV/.om-requirements"
    local wanted
    wanted=$(printf '%s\n' "${_pip[@]}" | sort)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
      step "installing Python packages: ${_pip[*]}"
      "$OM_VENV/bin/pip" install -q --disable-pip-version-check "${_pip[@]}"
      printf '%s\n' "$wanted" > "$stamp"
    fi
  fi
  local s
  for s in "${_start[@]}"; do
    step "starting: $s"
    eval "$s"
  done
}
