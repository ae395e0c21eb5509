#!/usr/bin/env bash
# bench/drain: deliver a backlog of N readings (default 1,000,000) to a Mosquitto
# on loopback, QoS 1, and compare in the same run with
#   ceiling - the same bytes published by mosquitto_pub (libmosquitto, QoS 1) in a loop;
#   bridge  - a local Mosquitto with persistence holding the same messages for a
#             bridge to a second broker that comes up (store-and-forward by a broker).
# Reports wall time, readings/s, ratios, payload bytes per reading with and
# without compression, and the agent's peak RSS during the drain.
# Each of the ceiling and the two agent drains runs DRAIN_RUNS times (default 3); the
# medians are compared (one run each swung the ratio by a tenth), the peak RSS is the largest.
# Usage: bench/drain/run.sh [readings]    (CAIRN_BIN=dist/cairn-x86_64 to measure the static binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
BIN=${CAIRN_BIN:-.build/release/cairn}
MESSAGES=$(( (N + 99) / 100 ))
RUNS=${DRAIN_RUNS:-3}
scripts/install-deps >/dev/null
command -v /usr/bin/time >/dev/null || { source scripts/apt.sh; apt_install time; }
# One product per build: given several --product flags, SwiftPM builds only the last.
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
swift build -c release --product bench-queue >/dev/null
source bench/lib.sh
cold_binary "$BIN"   # peak RSS as on a gateway, not as the page cache holds a fresh build
sub_count() { # port topic count -> waits until count messages arrived
    mosquitto_sub -h 127.0.0.1 -p "$1" -q 1 -t "$2" -C "$3" -W 900 > /dev/null
}

python3 bench/drain/make_payloads.py "$N" > "$work/payloads.jsonl"
json_bytes=$(( $(stat -c %s "$work/payloads.jsonl") - MESSAGES ))

# 1. Ceiling: mosquitto_pub -l publishes each line as a QoS 1 message.
port=$(free_port); broker "$port" "$work/ceiling"
ceilings=()
for run in $(seq "$RUNS"); do
    sub_count "$port" bench/t "$MESSAGES" & waiter=$!
    sleep 0.3   # the subscriber's SUBSCRIBE before the first message
    t0=$(now)
    mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t bench/t -l < "$work/payloads.jsonl"
    wait "$waiter"
    ceilings+=("$(echo "$(now) - $t0" | bc)")
done
t_ceiling=$(median "${ceilings[@]}")
echo "mosquitto_pub -l, each run: ${ceilings[*]} s"

# 2. The agent draining its queue, uncompressed and compressed.
run_agent() { # label compress -> t_<label> (median), rss-<label> (largest), bytes-<label>
    local port data run times=() cleanups=() rss=0 t1
    for run in $(seq "$RUNS"); do
        port=$(free_port); broker "$port" "$work/agent-$1-$run"
        data="$work/data-$1-$run"; mkdir -p "$data"
        .build/release/bench-queue fill "$N" "$data/queue.db" > /dev/null
        mkdir -p "$work/sys"
        # The end is when a subscriber has every message, as for the ceiling (the queue's
        # last row, polled every 0.1 s, rounded the agent's time up by up to 0.1 s).
        sub_count "$port" cairn/bench/telemetry "$MESSAGES" & waiter=$!
        sleep 0.3   # the subscriber's SUBSCRIBE before the first message
        t0=$(now)
        /usr/bin/time -f "%M" -o "$work/rss-$1-$run" "$BIN" run --broker "mqtt://127.0.0.1:$port" --device-id bench \
            --data-dir "$data" --sysfs-root "$work/sys" --interval 86400 --health-interval 0 --queue-budget-mb 1024 \
            --compress "$2" --inflight-window 64 --log-level warning > "$work/agent-$1-$run.log" 2>&1 & agent=$!
        wait "$waiter"
        t1=$(now)
        times+=("$(echo "$t1 - $t0" | bc)")
        # Every message arrived (100 readings each at the default batch_size), as for the
        # ceiling. The queue must then empty too: the records acknowledged during the drain
        # were marked delivered and are deleted once nothing waits to be sent (docs/queue.md).
        # Reported beside the drain, not in it (polled every 0.1 s).
        wait_drained "$data/queue.db"
        cleanups+=("$(echo "$(now) - $t1" | bc)")
        pkill -TERM -P "$agent"; wait "$agent" || true   # the agent is /usr/bin/time's child
        rss=$(( $(cat "$work/rss-$1-$run") > rss ? $(cat "$work/rss-$1-$run") : rss ))
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["metrics"]; print(m["cairn_uplink_payload_json_bytes_total"], m["cairn_uplink_payload_sent_bytes_total"])' "$data/status.json" > "$work/bytes-$1"
        rm -rf "$data"
    done
    eval "t_$1=$(median "${times[@]}")"
    echo "$rss" > "$work/rss-$1"
    echo "cairn drain, $1, each run: ${times[*]} s; queue empty after a further ${cleanups[*]} s; peak RSS of the largest: $rss KiB"
}
run_agent plain false
run_agent deflate true

# 3. A Mosquitto bridge doing store-and-forward: the local broker holds the
# messages (persistence) while the remote is down, then drains them to it.
rport=$(free_port); lport=$(free_port)
broker "$lport" "$work/local" "persistence true
persistence_location $work/local/
connection cloud
address 127.0.0.1:$rport
topic bench/# out 1
cleansession false
restart_timeout 1
max_inflight_messages 64"
mosquitto_pub -h 127.0.0.1 -p "$lport" -q 1 -t bench/t -l < "$work/payloads.jsonl"
broker "$rport" "$work/remote"
t0=$(now)
sub_count "$rport" bench/t "$MESSAGES" & waiter=$!
wait "$waiter"
t_bridge=$(echo "$(now) - $t0" | bc)

rate() { echo "scale=0; $N / $1" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
echo "bench/drain: $N readings in $MESSAGES messages of 100, QoS 1, loopback; agent $BIN; medians of $RUNS runs"
printf "%-42s %8.2f s %10s readings/s\n" "mosquitto_pub -l (ceiling, uncompressed)" "$t_ceiling" "$(rate "$t_ceiling")"
printf "%-42s %8.2f s %10s readings/s  ceiling/agent time %s\n" "cairn drain, uncompressed" "$t_plain" "$(rate "$t_plain")" "$(ratio "$t_ceiling" "$t_plain")"
printf "%-42s %8.2f s %10s readings/s  ceiling/agent time %s\n" "cairn drain, deflate" "$t_deflate" "$(rate "$t_deflate")" "$(ratio "$t_ceiling" "$t_deflate")"
printf "%-42s %8.2f s %10s readings/s  (bridge start to last message; %s s of it reconnect delay)\n" "mosquitto bridge store-and-forward" "$t_bridge" "$(rate "$t_bridge")" "≤1"
read -r plain_json plain_sent < "$work/bytes-plain"
read -r deflate_json deflate_sent < "$work/bytes-deflate"
echo "payload bytes per reading: mosquitto_pub lines $(( json_bytes / N )); cairn uncompressed $(( plain_sent / N )); cairn deflate $(( deflate_sent / N )) (from $(( deflate_json / N )) of JSON)"
echo "agent peak RSS: uncompressed $(cat "$work/rss-plain") KiB, deflate $(cat "$work/rss-deflate") KiB"
secs() { printf "%.2f s" "$1"; }
two() { printf "%.2f" "$1"; }
summary drain "drain $N, uncompressed: speed (higher is better)" "$(secs "$t_plain")" "mosquitto_pub -l" "$(secs "$t_ceiling")" "$(two "$(ratio "$t_ceiling" "$t_plain")")" ">= 0.50"
summary drain "drain $N, deflate: speed (higher is better)" "$(secs "$t_deflate")" "mosquitto_pub -l" "$(secs "$t_ceiling")" "$(two "$(ratio "$t_ceiling" "$t_deflate")")" ">= 0.40"
summary drain "drain $N, uncompressed: speed (higher is better)" "$(secs "$t_plain")" "mosquitto bridge" "$(secs "$t_bridge")" "$(two "$(ratio "$t_bridge" "$t_plain")")" ""
summary drain "drain $N: wire bytes per reading, deflate (lower is better)" "$(( deflate_sent / N ))" "mosquitto_pub lines" "$(( json_bytes / N ))" "$(two "$(ratio "$deflate_sent" "$json_bytes")")" ""
summary drain "drain $N: agent peak RSS, KiB (lower is better)" "$(cat "$work/rss-plain")" "" "" "" "<= 6144"
