#!/usr/bin/env bash
# bench/lan: N readings (default 200,000) published by LAN devices on a local
# Mosquitto, taken in by the agent's southbound MQTT input and committed to its
# queue (the cloud broker is unreachable, so everything stays queued). Compared in
# the same run with the baseline:
#   baseline - mosquitto_sub (libmosquitto, subscribed at QoS 1) receiving the same messages and
#              discarding them: what the broker and client library deliver at most;
#   agent    - the agent, with queue_commit_interval 0 (a transaction per poll turn)
#              and 1 s (grouped commits, the setting for flash).
# Reports wall time, messages/s, the ratio to the baseline, and the agent's CPU time
# per 1,000 messages (user+system from /proc, including JSON parsing, the pipeline
# and SQLite).
# Usage: bench/lan/run.sh [messages]   (CAIRN_BIN=dist/cairn-x86_64 to measure the static binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-200000}
BIN=${CAIRN_BIN:-.build/release/cairn}
scripts/install-deps >/dev/null
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
source bench/lib.sh
# What a device sends: a small JSON object, as Tasmota or an ESP32 sketch would.
python3 -c "
import sys
for i in range($N): print('{\"temp\": %.2f, \"rh\": %d}' % (20 + (i % 500) / 100, 40 + i % 20))" > "$work/messages"
# QoS 0, as most devices publish (and mosquitto_pub -l at QoS 1 overruns the broker's
# inflight limit for 100,000 messages and is disconnected).
publish() { # port
    mosquitto_pub -h 127.0.0.1 -p "$1" -q 0 -t lan/dev1/state -l < "$work/messages"
}

# 1. Baseline: mosquitto_sub takes every message and drops it.
port=$(free_port); broker "$port" "$work/base"
mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -t 'lan/+/state' -C "$N" -W 900 > /dev/null & waiter=$!
sleep 0.3
t0=$(now); publish "$port"; wait "$waiter"
t_base=$(echo "$(now) - $t0" | bc)

# 2. The agent: each message → 2 readings (temp, rh) → pipeline → queue.
run_agent() { # label commit-interval
    local port data cloud
    port=$(free_port); cloud=$(free_port); broker "$port" "$work/lan-$1"
    data="$work/data-$1"; mkdir -p "$data" "$work/sys"
    printf '{"southbound_broker": "mqtt://127.0.0.1:%s", "inputs": [{"type": "mqtt", "topic": "lan/+/state", "sensor": "lan/{1}"}]}\n' \
        "$port" > "$work/lan-$1.json"
    "$BIN" run --config "$work/lan-$1.json" --broker "mqtt://127.0.0.1:$cloud" --device-id bench --data-dir "$data" \
        --sysfs-root "$work/sys" --health-interval 0 --queue-budget-mb 1024 --queue-commit-interval "$2" \
        --log-level info > "$work/agent-$1.log" 2>&1 & agent=$!; pids+=($agent)
    for _ in $(seq 100); do grep -q "connected to the southbound broker" "$work/agent-$1.log" 2>/dev/null && break; sleep 0.05; done
    sleep 0.3
    local cpu0; cpu0=$(cpu_ms "$agent")
    t0=$(now); publish "$port"
    local want=$((2 * N)) got=0 give_up=$((SECONDS + 600))
    while [ "$got" -lt "$want" ] && [ $SECONDS -lt $give_up ]; do
        got=$(sqlite3 "$data/queue.db" 'SELECT count(*) FROM records WHERE stream = 2' 2>/dev/null || echo 0); sleep 0.05
    done
    local t; t=$(echo "$(now) - $t0" | bc)
    [ "$got" -ge "$want" ] || echo "agent (commit $2 s): only $got of $want readings queued after $t s" >&2
    local cpu; cpu=$(echo "$(cpu_ms "$agent") - $cpu0" | bc)
    kill "$agent"; wait "$agent" 2>/dev/null || true
    printf '%-22s %8.2f s %10.0f msg/s  ratio %.2f  CPU %.1f ms per 1000 messages\n' \
        "agent (commit $2 s)" "$t" "$(echo "$N / $t" | bc -l)" "$(echo "$t_base / $t" | bc -l)" "$(echo "$cpu * 1000 / $N" | bc -l)"
    summary lan "$N LAN messages taken in, commit $2 s: speed (higher is better)" "$(printf '%.2f s' "$t")" "mosquitto_sub" \
        "$(printf '%.2f s' "$t_base")" "$(printf '%.2f' "$(echo "$t_base / $t" | bc -l)")" ""
}

echo "bench/lan: $N messages of 2 readings each, published at QoS 0, subscribed at QoS 1, loopback; $(nproc) cores; $BIN"
printf '%-22s %8.2f s %10.0f msg/s\n' "baseline mosquitto_sub" "$t_base" "$(echo "$N / $t_base" | bc -l)"
run_agent c0 0
run_agent c1 1
