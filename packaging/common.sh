# Shared by packaging/build-* (sourced, not run): the repository root, the version,
# the architecture names each package format uses, and the default binary per arch.
PKG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$PKG_DIR")
DIST=${DIST:-$REPO_ROOT/dist}
ALL_ARCHES=(x86_64 armv7 aarch64)

# The version `cairn --version` prints, read from the source so no binary has to run.
# CAIRN_VERSION overrides the package's version only (the binary prints its own): the
# upgrade tests build a "newer" package of the same binary with it (e.g. 0.9.0+test1).
VERSION=${CAIRN_VERSION:-$(sed -n 's/.*static let version = "\([^"]*\)".*/\1/p' "$REPO_ROOT/Sources/CairnCore/BuildInfo.swift")}
[ -n "$VERSION" ] || { echo "cannot read the version from Sources/CairnCore/BuildInfo.swift" >&2; exit 1; }

pkg_say() { printf '\033[1m[pkg]\033[0m %s\n' "$*" >&2; }
pkg_die() { printf '\033[1m[pkg]\033[0m error: %s\n' "$*" >&2; exit 1; }

deb_arch() {
    case $1 in
        x86_64) echo amd64 ;; armv7) echo armhf ;; aarch64) echo arm64 ;;
        *) pkg_die "unknown arch '$1' (x86_64, armv7, aarch64, all)" ;;
    esac
}

# OpenWrt package architectures (see packaging/README.md for the choice).
ipk_arch() {
    case $1 in
        x86_64) echo x86_64 ;; armv7) echo arm_cortex-a7_neon-vfpv4 ;; aarch64) echo aarch64_generic ;;
        *) pkg_die "unknown arch '$1' (x86_64, armv7, aarch64, all)" ;;
    esac
}

# The default config installed as /etc/cairn/cairn.json: valid as it stands (checked
# with `cairn config check` by the tests), unlike cairn.example.json, which names a CA
# file that only exists once the operator has put it there.
DEFAULT_CONFIG=$PKG_DIR/cairn.default.json

# pkg_args "$@": sets ARCHES (all → every arch) and BINARY (only with one arch).
pkg_args() {
    [ $# -ge 1 ] && [ $# -le 2 ] || pkg_die "usage: $(basename "$0") x86_64|armv7|aarch64|all [BINARY]"
    if [ "$1" = all ]; then
        [ $# -eq 1 ] || pkg_die "a BINARY goes with one arch, not 'all'"
        ARCHES=("${ALL_ARCHES[@]}")
    else
        deb_arch "$1" >/dev/null
        ARCHES=("$1")
    fi
    BINARY=${2:-}
}

# binary_for ARCH: the given BINARY, else dist/cairn-ARCH; fails when it is missing.
binary_for() {
    local bin=${BINARY:-$DIST/cairn-$1}
    [ -f "$bin" ] || pkg_die "no binary for $1: $bin (build it with cross/build $1)"
    echo "$bin"
}
