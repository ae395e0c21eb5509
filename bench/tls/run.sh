#!/usr/bin/env bash
# bench/tls: the cost of one full TLS handshake (no session reuse) for the OpenSSL that the
# static binaries link, counted in instructions by callgrind (stable on a busy machine), and
# in wall and CPU time. A static musl client (handshake.c) linked against the cross cache's
# libssl/libcrypto connects to `openssl s_server` on loopback, once with an RSA-2048 and once
# with an ECDSA P-256 server certificate. cross/README.md has the figures with and without
# OpenSSL's assembler on x86_64.
# Usage: bench/tls/run.sh [arch]   (x86_64 runs natively; others need qemu-user, no callgrind)
set -euo pipefail
cd "$(dirname "$0")/../.."
source cross/common.sh
parse_arches "${1:-x86_64}"
arch_vars "${ARCHES[0]}"
[ -f "$DEPS_LIB/libssl.a" ] || die "no OpenSSL built for $ARCH in $ARCH_DIR: run cross/deps $ARCH"
command -v valgrind >/dev/null || { source scripts/apt.sh; apt_install valgrind; }
source bench/lib.sh

"$CLANG" --target="$C_TRIPLE" "${ARCH_CFLAGS[@]}" -nostdinc -isystem "$CLANG_RESOURCE_INCLUDE" -isystem "$MUSL_INCLUDE" \
    -idirafter "$LINUX_INCLUDE" -idirafter "$LINUX_INCLUDE/$GNU_TRIPLET" -I"$DEPS_INCLUDE" -Os \
    -c bench/tls/handshake.c -o "$work/handshake.o"
"$CLANG" --target="$C_TRIPLE" -fuse-ld=lld --sysroot="$SYSROOT" -static -nostdlib "$MUSL_LIB/crt1.o" "$MUSL_LIB/crti.o" \
    "$work/handshake.o" -L"$DEPS_LIB" -lssl -lcrypto -L"$MUSL_LIB" -lc "$LIBGCC" "$MUSL_LIB/crtn.o" -o "$work/handshake"

cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=CA -keyout ca.key -out ca.pem 2>/dev/null
printf "subjectAltName=DNS:localhost\n" > ext
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout rsa.key -out rsa.csr 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -keyout ec.key -out ec.csr 2>/dev/null
for k in rsa ec; do
    openssl x509 -req -in $k.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out $k.pem 2>/dev/null
done
declare -A PORT
for k in rsa ec; do
    PORT[$k]=$(free_port)
    openssl s_server -accept "${PORT[$k]}" -cert $k.pem -key $k.key -www -quiet >/dev/null 2>&1 & pids+=($!)
done
for k in rsa ec; do
    for _ in $(seq 1 50); do (echo > "/dev/tcp/127.0.0.1/${PORT[$k]}") 2>/dev/null && break; sleep 0.1; done
done

count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null ./handshake 127.0.0.1 "$1" ca.pem "$2" 2>&1 | awk '/Collected/ {print $4}'; }
echo "bench/tls: $ARCH, OpenSSL from $DEPS_LIB"
for k in rsa ec; do
    one=$(count "${PORT[$k]}" 1); many=$(count "${PORT[$k]}" 21)
    printf "%-28s %12s instructions per handshake; %s\n" "$k server certificate" "$(( (many - one) / 20 ))" \
        "$(./handshake 127.0.0.1 "${PORT[$k]}" ca.pem 200)"
done
