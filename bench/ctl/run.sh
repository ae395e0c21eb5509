#!/usr/bin/env bash
# bench/ctl: wall time of `cairn ctl push` to N simulated devices (default: 50 and 1000)
# on a local Mosquitto with its default per-client limits (max_queued_messages 1000,
# max_inflight_messages 20). One stand-in agent process answers for every device
# (Tests/IntegrationTests/python/responder.py: a wildcard subscription to
# cairn/+/config/desired, a retained report per device and document).
# Per N, RUNS times (default 5): a first push of a new version (publish to N devices,
# wait for N reports), the same file again (a no-op: nothing published, the retained
# reports answer), and `cairn ctl status` for the N devices. Prints the median and
# the range of each, in seconds, measured around the whole command (process start included).
# Usage: bench/ctl/run.sh [N ...]   (RUNS=10; CAIRN_BIN=dist/cairn-x86_64 to measure the static binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNTS=("${@:-50}")
[ $# -gt 0 ] || COUNTS=(50 1000)
RUNS=${RUNS:-5}
BIN=${CAIRN_BIN:-.build/release/cairn}
scripts/install-deps >/dev/null
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
source bench/lib.sh

port=$(free_port)
mkdir -p "$work/broker"
# Mosquitto's defaults for queues and inflight windows: what a real broker is likely to have.
printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser root\n' "$port" > "$work/broker/m.conf"
mosquitto -c "$work/broker/m.conf" > "$work/broker/log" 2>&1 & pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
python3 Tests/IntegrationTests/python/responder.py --port "$port" > "$work/responder.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do grep -q ready "$work/responder.log" && break; sleep 0.05; done
grep -q ready "$work/responder.log" || { echo "responder did not start: $(cat "$work/responder.log")" >&2; exit 1; }

timed() { # file-for-output command... ; prints the wall seconds, fails if the command does
    local out=$1; shift
    local t0; t0=$(now)
    "$@" > "$out" 2>&1 || { echo "failed: $* (see below)" >&2; tail -5 "$out" >&2; exit 1; }
    echo "$(now) - $t0" | bc
}
stats() { sort -n | awk '{v[NR]=$1} END {printf "%.3f s (%.3f-%.3f)", v[int((NR+1)/2)], v[1], v[NR]}'; }

echo "bench/ctl: cairn ctl push on loopback, Mosquitto with default queue limits, one stand-in agent process; $(nproc) cores; $BIN; median (min-max) of $RUNS runs"
printf '%-8s  %-26s  %-26s  %-26s\n' devices "first push" "same file again (no-op)" "ctl status"
version=0
for n in "${COUNTS[@]}"; do
    seq -f "bench-$n-%05g" 1 "$n" > "$work/devices-$n"
    first=() again=() status=()
    for _ in $(seq "$RUNS"); do
        version=$((version + 1))
        printf '{"version": %d, "config": {"interval": 5, "inputs": [{"type": "health"}]}}\n' "$version" > "$work/doc.json"
        first+=("$(timed "$work/push.out" "$BIN" ctl push --broker "mqtt://127.0.0.1:$port" --devices "$work/devices-$n" --timeout 120 "$work/doc.json")")
        grep -q ": $n applied$" "$work/push.out" || { echo "not all applied: $(tail -1 "$work/push.out")" >&2; exit 1; }
        again+=("$(timed "$work/again.out" "$BIN" ctl push --broker "mqtt://127.0.0.1:$port" --devices "$work/devices-$n" --timeout 120 "$work/doc.json")")
        grep -q ": $n applied ($n already desired" "$work/again.out" || { echo "not a no-op: $(tail -1 "$work/again.out")" >&2; exit 1; }
        status+=("$(timed "$work/status.out" "$BIN" ctl status --broker "mqtt://127.0.0.1:$port" --devices "$work/devices-$n" --timeout 120)")
        [ "$(grep -c " applied " "$work/status.out")" -eq "$n" ] || { echo "status does not show $n applied" >&2; exit 1; }
    done
    printf '%-8s  %-26s  %-26s  %-26s\n' "$n" "$(printf '%s\n' "${first[@]}" | stats)" \
        "$(printf '%s\n' "${again[@]}" | stats)" "$(printf '%s\n' "${status[@]}" | stats)"
done
