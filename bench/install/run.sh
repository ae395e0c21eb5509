#!/usr/bin/env bash
# bench/install: wall time from the start of `dpkg -i` of the amd64 .deb into a fresh
# `dpkg --root` to the first reading a subscriber receives on a loopback Mosquitto.
# There is no systemd in a dpkg root (postinst starts nothing there), so the script
# starts the installed /usr/bin/cairn itself the moment dpkg returns, as cairn.service
# would (`run --config <root>/etc/cairn/cairn.json --data-dir <root>/var/lib/cairn`, plus
# the broker URL and a one-sensor sysfs tree). debootstrap is not used: it is not
# installed here, and a full Debian root costs minutes of download per run.
# Prints min/median/max of RUNS runs (default 5).
# Usage: bench/install/run.sh   (RUNS=3; CAIRN_BIN=dist/cairn-x86_64, default: it if present, else .build/release/cairn)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
BIN=${CAIRN_BIN:-}
if [ -z "$BIN" ]; then
    if [ -x dist/cairn-x86_64 ]; then BIN=dist/cairn-x86_64
    else swift build -c release --product cairn >/dev/null; BIN=.build/release/cairn; fi
fi
source bench/lib.sh
DIST=$work/dist packaging/build-deb x86_64 "$BIN" 2>/dev/null
deb=$(ls "$work"/dist/cairn_*_amd64.deb)

mkdir -p "$work/sys/class/hwmon/hwmon0"
echo benchchip > "$work/sys/class/hwmon/hwmon0/name"
echo 40000 > "$work/sys/class/hwmon/hwmon0/temp1_input"
port=$(free_port); broker "$port" "$work/broker"

times=()
for run in $(seq "$RUNS"); do
    root=$work/root-$run
    mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"; : > "$root/var/lib/dpkg/status"
    mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -t "cairn/bench-$run/telemetry" -C 1 -W 60 > "$work/first-$run" & waiter=$!
    sleep 0.3   # the subscription is in place before the clock starts (not part of the figure)
    t0=$(now)
    dpkg --root="$root" --force-not-root --force-script-chrootless --log=/dev/null -i "$deb" > "$work/dpkg-$run.log" 2>&1
    "$root/usr/bin/cairn" run --config "$root/etc/cairn/cairn.json" --data-dir "$root/var/lib/cairn" \
        --broker "mqtt://127.0.0.1:$port" --device-id "bench-$run" --sysfs-root "$work/sys" \
        --status-listen "127.0.0.1:$(free_port)" > "$work/agent-$run.log" 2>&1 & agent=$!; pids+=($agent)
    wait "$waiter" || { echo "no reading within 60 s; agent log:" >&2; tail -5 "$work/agent-$run.log" >&2; exit 1; }
    times+=("$(echo "$(now) - $t0" | bc)")
    kill "$agent"; wait "$agent" 2>/dev/null || true
done
echo "bench/install: dpkg -i into a fresh dpkg --root → first reading received on loopback Mosquitto; $(nproc) cores; $BIN ($(stat -c %s "$deb") byte .deb); $RUNS runs"
printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR]=$1} END {printf "min %.3f s  median %.3f s  max %.3f s\n", v[1], v[int((NR+1)/2)], v[NR]}'
