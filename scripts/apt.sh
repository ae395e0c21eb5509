# Installing Debian packages, for every script that does (sourced, not run):
# scripts/install-deps, cross/deps, cross/build, cross/test, bench/.
#
# A package mirror is sometimes mid-sync: one index comes back with the wrong size
# ("File has unexpected size ... Mirror sync in progress?") and `apt-get update` exits
# 100, while every package we need still installs from the indexes already on the
# machine. So a failed update is a warning, retried with a growing wait (about a minute
# in all); then the install is tried with whatever indexes exist, and only a failed
# install fails, naming the packages.

# Seconds to wait before each retry of a failed update (5+10+20+30 = 65 s in all).
# Tests set CAIRN_APT_RETRY_WAITS="0 0" to run the same path without the waiting.
APT_RETRY_WAITS=${CAIRN_APT_RETRY_WAITS:-5 10 20 30}
APT_SUDO=""
[ "$(id -u)" -eq 0 ] || APT_SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

apt_say() { printf '\033[1m[apt]\033[0m %s\n' "$*" >&2; }

# apt_update [apt-get option...]: refreshes the package indexes; never fails the caller.
# Options (e.g. cross/deps' own -o Dir::... configuration) go before the command.
apt_update() {
    local log wait tries=1
    log=$(mktemp "${TMPDIR:-/tmp}/cairn-apt-update.XXXXXX")
    for wait in $APT_RETRY_WAITS; do
        if $APT_SUDO apt-get -q "$@" update >"$log" 2>&1; then
            rm -f "$log"
            return 0
        fi
        apt_say "warning: apt-get update failed (try $tries); retrying in $wait s:"
        grep -E '^(E|W|Err):' "$log" | head -5 >&2 || true
        sleep "$wait"
        tries=$((tries + 1))
    done
    if $APT_SUDO apt-get -q "$@" update >"$log" 2>&1; then
        rm -f "$log"
        return 0
    fi
    apt_say "warning: apt-get update failed $tries times; going on with the package indexes already on this machine:"
    grep -E '^(E|W|Err):' "$log" | head -5 >&2 || true
    rm -f "$log"
    return 0
}

# apt_install PACKAGE...: updates (tolerantly), then installs; fails naming the packages.
apt_install() {
    [ $# -gt 0 ] || return 0
    local log
    apt_update
    log=$(mktemp "${TMPDIR:-/tmp}/cairn-apt-install.XXXXXX")
    if ! $APT_SUDO apt-get -q install -y --no-install-recommends "$@" >"$log" 2>&1; then
        grep -E '^(E|W|Err):' "$log" >&2 || tail -20 "$log" >&2
        rm -f "$log"
        apt_say "error: could not install the Debian packages: $*"
        return 1
    fi
    rm -f "$log"
}

# apt_missing PACKAGE...: prints those of the packages that are not installed.
apt_missing() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

# apt_ensure PACKAGE...: installs those that are missing; does nothing (no apt) otherwise.
apt_ensure() {
    local missing
    missing=$(apt_missing "$@")
    [ -z "$missing" ] || { apt_say "installing: $(echo $missing)"; apt_install $missing; }
}
