# Shared by cross/deps, cross/build and cross/test (sourced, not run).
# One table of per-architecture facts, so the three scripts cannot disagree.
# A change here also invalidates the dependency cache (cross/deps hashes this file).

CROSS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$CROSS_DIR/.." && pwd)
CACHE_ROOT=${CAIRN_CROSS_CACHE:-${HOME:-/root}/.cache/cairn-cross}
ALL_ARCHES=(x86_64 armv7 aarch64)

# The Swift toolchain's usr/ folder: its clang, ld.lld, llvm-ar, llvm-objcopy and
# the Embedded stdlib are what every cross step uses (never the host's gcc/binutils).
swift_usr() {
    local swift
    swift=$(command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
    dirname "$(dirname "$(readlink -f "$swift")")"
}
TOOLCHAIN=$(swift_usr)
CLANG=$TOOLCHAIN/bin/clang
CLANG_RESOURCE_INCLUDE=$("$CLANG" -print-resource-dir)/include

log() { printf '\033[1m[cross]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[cross] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Sets the per-arch variables for $1:
#   DEB_ARCH      Debian architecture the sysroot packages come from
#   C_TRIPLE      clang target for the C libraries (a real Linux/musl triple)
#   MUSL_TRIPLET  folder name of musl-dev's headers and libraries
#   GNU_TRIPLET   folder name of linux-libc-dev's asm/ headers and libgcc
#   SWIFT_TRIPLE  Embedded Swift target (the toolchain ships only these stdlibs)
#   OPENSSL_TARGET  OpenSSL ./Configure target
#   ARCH_CFLAGS   ABI flags that must match between C libraries and Swift code
#   QEMU          user-mode emulator that runs the binary on an x86_64 host ("" = native)
#   ARCH_DIR, SYSROOT, MUSL_INCLUDE, MUSL_LIB, LINUX_INCLUDE, LIBGCC, DEPS_INCLUDE, DEPS_LIB
arch_vars() {
    ARCH=$1
    case "$ARCH" in
        x86_64)
            DEB_ARCH=amd64; C_TRIPLE=x86_64-linux-musl
            MUSL_TRIPLET=x86_64-linux-musl; GNU_TRIPLET=x86_64-linux-gnu
            SWIFT_TRIPLE=x86_64-unknown-linux-gnu; OPENSSL_TARGET=linux-x86_64
            ARCH_CFLAGS=(); QEMU="" ;;
        armv7)
            # Hard-float armv7 with VFPv3-D16 = Debian armhf's baseline (Cortex-A7/A8/A9 gateways).
            # Thumb-2 like Debian's armhf: the binary shrinks by about a third. Through -Xcc
            # this reaches Swift's code generation too (its objects hold only $t code).
            DEB_ARCH=armhf; C_TRIPLE=armv7-linux-musleabihf
            MUSL_TRIPLET=arm-linux-musleabihf; GNU_TRIPLET=arm-linux-gnueabihf
            SWIFT_TRIPLE=armv7-none-none-eabi; OPENSSL_TARGET=linux-armv4
            ARCH_CFLAGS=(-march=armv7-a -mthumb -mfloat-abi=hard -mfpu=vfpv3-d16); QEMU=qemu-arm ;;
        aarch64)
            DEB_ARCH=arm64; C_TRIPLE=aarch64-linux-musl
            MUSL_TRIPLET=aarch64-linux-musl; GNU_TRIPLET=aarch64-linux-gnu
            SWIFT_TRIPLE=aarch64-none-none-elf; OPENSSL_TARGET=linux-aarch64
            ARCH_CFLAGS=(); QEMU=qemu-aarch64 ;;
        *) die "unknown arch '$ARCH' (expected one of: ${ALL_ARCHES[*]})" ;;
    esac
    ARCH_DIR=$CACHE_ROOT/$ARCH
    SYSROOT=$ARCH_DIR/sysroot
    MUSL_INCLUDE=$SYSROOT/usr/include/$MUSL_TRIPLET
    MUSL_LIB=$SYSROOT/usr/lib/$MUSL_TRIPLET
    LINUX_INCLUDE=$SYSROOT/usr/include
    LIBGCC=$SYSROOT/usr/lib/gcc/$GNU_TRIPLET/12/libgcc.a
    DEPS_INCLUDE=$ARCH_DIR/include
    DEPS_LIB=$ARCH_DIR/lib
}

# Sets ARCHES from the command line, expanding "all"; stops on an unknown name.
# (Runs in the calling shell, not a subshell, so that die really stops the script.)
parse_arches() {
    local a
    ARCHES=()
    [ $# -gt 0 ] || die "no arch given (expected one of: ${ALL_ARCHES[*]} or all)"
    for a in "$@"; do
        if [ "$a" = all ]; then ARCHES+=("${ALL_ARCHES[@]}"); else arch_vars "$a"; ARCHES+=("$a"); fi
    done
}
