#!/usr/bin/env bash
# bench/scale: what the agent costs as its work grows, one run each.
#   sensors - S hwmon channels (SCALE_SENSORS, default "10 100 1000 10000", in chips of
#             at most 100) read every second and delivered to a Mosquitto on loopback;
#             after a 5 s warm-up, over SCALE_SECONDS (default 30): readings/s, CPU ms
#             per 1,000 readings (utime + stime from /proc) and RSS (VmRSS at the end,
#             VmHWM the peak), readings counted by the agent's own /metrics.
#   backlog - a queue file of B readings (SCALE_BACKLOGS, default "10000 100000 1000000
#             10000000", bench-queue fill) drained to a Mosquitto on loopback (QoS 1,
#             100 per message, uncompressed): wall time, readings/s, CPU ms per 1,000
#             readings and peak RSS.
# Flat is the goal: CPU per reading the same at every size, RSS not growing with the backlog.
# Prints two tables; with SCALE_PLOTS=DIR also writes DIR/scale-*.png (one per curve).
# Usage: bench/scale/run.sh   (CAIRN_BIN=dist/cairn-x86_64 to measure the static binary)
set -euo pipefail
source "$(dirname "$0")/../unmask.sh"
cd "$(dirname "$0")/../.."
BIN=${CAIRN_BIN:-.build/release/cairn}
SECONDS_EACH=${SCALE_SECONDS:-30}
scripts/install-deps >/dev/null
command -v /usr/bin/time >/dev/null || { source scripts/apt.sh; apt_install time; }
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
[ -z "${SCALE_BACKLOGS-x}" ] || swift build -c release --product bench-queue >/dev/null
source bench/lib.sh
cold_binary "$BIN"   # peak RSS as on a gateway, not as the page cache holds a fresh build

status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
taken() { curl -sf "http://127.0.0.1:$1/metrics" | awk '$1 == "cairn_readings_taken_total" {printf "%d\n", $2}'; }

tree() { # dir sensors: a sysfs-shaped tree of hwmon chips of up to 100 channels each
    local dir=$1 left=$2 chip=0 n
    while [ "$left" -gt 0 ]; do
        n=$(( left < 100 ? left : 100 ))
        mkdir -p "$dir/class/hwmon/hwmon$chip"
        echo "chip$chip" > "$dir/class/hwmon/hwmon$chip/name"
        for i in $(seq 1 "$n"); do echo $(( 30000 + i * 10 )) > "$dir/class/hwmon/hwmon$chip/temp${i}_input"; done
        left=$(( left - n )); chip=$(( chip + 1 ))
    done
}

port=$(free_port); broker "$port" "$work/broker"
echo "sensors,seconds,readings,readings_per_s,cpu_ms_per_1000,rss_kib,peak_rss_kib" > "$work/sensors.csv"
for s in ${SCALE_SENSORS:-10 100 1000 10000}; do
    tree "$work/sys-$s" "$s"
    printf '{"inputs": [{"type": "hwmon"}], "interval": 1}\n' > "$work/scale-$s.json"
    status=$(free_port)
    "$BIN" run --config "$work/scale-$s.json" --broker "mqtt://127.0.0.1:$port" --device-id "scale-$s" \
        --data-dir "$work/data-$s" --sysfs-root "$work/sys-$s" --health-interval 0 --status-listen "127.0.0.1:$status" \
        --log-level warning > "$work/agent-$s.log" 2>&1 & agent=$!
    pids+=("$agent")
    for _ in $(seq 100); do [ -n "$(taken "$status" 2>/dev/null)" ] && break; sleep 0.1; done
    sleep 5   # warm-up: the first reads, the connection, the history rings filling
    c0=$(cpu_ms "$agent"); r0=$(taken "$status"); t0=$(now)
    sleep "$SECONDS_EACH"
    c1=$(cpu_ms "$agent"); r1=$(taken "$status"); t1=$(now)
    rss=$(status_kib "$agent" VmRSS); hwm=$(status_kib "$agent" VmHWM)
    kill -TERM "$agent"; wait "$agent" || true
    python3 -c 'import sys; s, t, r, c = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
print(f"{s},{t:.1f},{r},{r / t:.0f},{c * 1000 / max(r, 1):.1f},{sys.argv[5]},{sys.argv[6]}")' \
        "$s" "$(echo "$t1 - $t0" | bc)" "$(( r1 - r0 ))" "$(echo "$c1 - $c0" | bc)" "$rss" "$hwm" >> "$work/sensors.csv"
    rm -rf "$work/data-$s" "$work/sys-$s"
done

echo "backlog,drain_s,readings_per_s,cpu_ms_per_1000,peak_rss_kib" > "$work/backlog.csv"
for b in ${SCALE_BACKLOGS-10000 100000 1000000 10000000}; do
    data="$work/backlog-$b"; mkdir -p "$data" "$work/sys-empty"
    .build/release/bench-queue fill "$b" "$data/queue.db" > /dev/null
    t0=$(now)
    /usr/bin/time -f "%M %U %S" -o "$work/time-$b" "$BIN" run --broker "mqtt://127.0.0.1:$port" --device-id "backlog-$b" \
        --data-dir "$data" --sysfs-root "$work/sys-empty" --interval 86400 --health-interval 0 --queue-budget-mb 4096 \
        --compress false --inflight-window 64 --status-listen off --log-level warning > "$work/drain-$b.log" 2>&1 & agent=$!
    pids+=("$agent")
    wait_drained "$data/queue.db"
    t=$(echo "$(now) - $t0" | bc)
    pkill -TERM -P "$agent"; wait "$agent" || true   # the agent is /usr/bin/time's child
    read -r peak user system < "$work/time-$b"
    python3 -c 'import sys; b, t, cpu = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]) + float(sys.argv[4])
print(f"{b},{t:.2f},{b / t:.0f},{cpu * 1e6 / b:.1f},{sys.argv[5]}")' "$b" "$t" "$user" "$system" "$peak" >> "$work/backlog.csv"
    rm -rf "$data"
done

echo "bench/scale: $(uname -m), $(nproc) cores, $BIN; sensors read every 1 s for ${SECONDS_EACH} s each"
column -s, -t < "$work/sensors.csv"
echo
echo "backlog drained to Mosquitto on loopback, QoS 1, 100 readings per message, uncompressed"
column -s, -t < "$work/backlog.csv"
if [ -n "${SCALE_PLOTS:-}" ]; then
    with_matplotlib bench/scale/plot.py "$work/sensors.csv" "$work/backlog.csv" "$SCALE_PLOTS" ||
        echo "bench/scale: no plots: no python3 with matplotlib (apt-get install python3-matplotlib)" >&2
fi
