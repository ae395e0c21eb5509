#!/usr/bin/env bash
# bench/fleet: N agents (default 1000) on this machine, each with its own data
# directory, against one Mosquitto on loopback. Measures their memory (RSS and PSS,
# which counts the shared text once) and CPU while steady, how fast they connect at
# start, and, after a broker restart (down FLEET_DOWN seconds, default 10), how the
# reconnects spread over time under the agents' default jittered backoff
# (reconnect_min 1 s, reconnect_max 60 s). Then every agent stops, and each one's
# sequence numbers are accounted for: delivered to an observer (a persistent QoS 1
# session on a broker with persistence, restarted gracefully), still queued, or
# counted lost; the rest are lost readings (must be 0).
#   bench/fleet/run.sh [N]      FLEET_INTERVAL (2 s), FLEET_STEADY (30 s), FLEET_AFTER (60 s)
# CAIRN_BIN picks the binary (default: a release build); FLEET_PLOT=FILE writes a PNG
# of reconnects per second (bench/fleet/plot.py; needs python3-matplotlib).
set -euo pipefail
source "$(dirname "$0")/../unmask.sh"
cd "$(dirname "$0")/../.."
N=${1:-1000}
INTERVAL=${FLEET_INTERVAL:-2}
STEADY=${FLEET_STEADY:-30}
DOWN=${FLEET_DOWN:-10}
AFTER=${FLEET_AFTER:-60}
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
BIN=$(realpath "${CAIRN_BIN:-.build/release/cairn}")
source bench/lib.sh
# Each agent holds a few descriptors, the broker one per agent.
ulimit -n "$(( N * 2 + 1024 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

port=$(free_port)
mkdir -p "$work/b"
cat > "$work/b/m.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
max_queued_messages 0
max_connections -1
user root
persistence true
persistence_location $work/b/
autosave_interval 5
log_timestamp true
log_timestamp_format %s
log_type notice
log_type error
log_type warning
EOF
start_broker() {
    mosquitto -c "$work/b/m.conf" >> "$work/b/log" 2>&1 & bpid=$!
    for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.05; done
    echo "broker did not start" >&2; exit 1
}
start_broker
stdbuf -oL mosquitto_sub -p "$port" -i fleet-observer -c -q 1 -t 'cairn/+/telemetry' -t 'cairn/+/events' -t 'cairn/+/health' \
    -F '%t %x' > "$work/observed" 2>"$work/observer.err" & obs=$!
sleep 0.5

hw="$work/sys/class/hwmon/hwmon0"; mkdir -p "$hw"; echo fleet > "$hw/name"
echo 41000 > "$hw/temp1_input"; echo 42000 > "$hw/temp2_input"
agents=()
echo "bench/fleet: $N agents, interval $INTERVAL s, binary $BIN"
t0=$(now)
for i in $(seq "$N"); do
    "$BIN" run --broker "mqtt://127.0.0.1:$port" --device-id "fleet-$i" --data-dir "$work/a/$i" \
        --sysfs-root "$work/sys" --inputs '[{"type":"hwmon"}]' --interval "$INTERVAL" --health-interval 0 \
        --status-listen off --log-level warning > /dev/null 2>> "$work/agents.err" &
    agents+=($!)
done
spawned=$(now)
connected() { grep -c 'New client connected .* as fleet-[0-9]' "$work/b/log" || true; }
for _ in $(seq 1200); do [ "$(connected)" -ge "$N" ] && break; sleep 0.1; done
up=$(now)
echo "started $N agents in $(echo "$spawned - $t0" | bc) s; all connected after $(echo "$up - $t0" | bc) s"

# Steady: memory and CPU of the agents over FLEET_STEADY seconds.
cpu_ticks() { local total=0 p; for p in "${agents[@]}"; do
    [ -r "/proc/$p/stat" ] && total=$(( total + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done; echo "$total"; }
sleep 5
c1=$(cpu_ticks); s1=$(now)
sleep "$STEADY"
c2=$(cpu_ticks); s2=$(now)
rss=0; pss=0; alive=0
for p in "${agents[@]}"; do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    alive=$((alive + 1))
    rss=$(( rss + $(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup") ))
    pss=$(( pss + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup") ))
done
hz=$(getconf CLK_TCK)
brss=$(awk '/^VmRSS:/ {print $2}' "/proc/$bpid/status")
echo "steady ($STEADY s, $alive agents alive): agents' RSS $((rss / 1024)) MiB in all, $((rss / alive)) KiB each;" \
     "PSS $((pss / 1024)) MiB in all, $((pss / alive)) KiB each; broker RSS $((brss / 1024)) MiB"
echo "steady CPU: $(echo "scale=4; ($c2 - $c1) / $hz / ($s2 - $s1)" | bc) CPU-seconds per second for all agents," \
     "$(echo "scale=3; ($c2 - $c1) * 1000 / $hz / ($s2 - $s1) / $alive" | bc) ms per second each"

# The broker restarts: down FLEET_DOWN seconds (a graceful stop: it saves its sessions).
restart_at=$(date +%s)
kill -TERM "$bpid"; while kill -0 "$bpid" 2>/dev/null; do sleep 0.05; done
echo "broker stopped at $restart_at, down $DOWN s"
sleep "$DOWN"
start_broker
back_at=$(date +%s)
sleep "$AFTER"

# Every agent stops (SIGTERM), then the observer takes what is left.
for p in "${agents[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${agents[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
prev=-1; for _ in $(seq 60); do n=$(wc -l < "$work/observed"); [ "$n" = "$prev" ] && break; prev=$n; sleep 1; done
kill -INT "$obs" 2>/dev/null || true; wait "$obs" 2>/dev/null || true
status=0
python3 bench/fleet/analyze.py "$work" "$N" "$restart_at" "$back_at" || status=$?
if [ -n "${FLEET_PLOT:-}" ]; then
    with_matplotlib bench/fleet/plot.py "$work/reconnects.csv" "$FLEET_PLOT" "$N agents reconnecting after a $DOWN s broker outage" ||
        echo "bench/fleet: no plot: no python3 with matplotlib (apt-get install python3-matplotlib)" >&2
fi
exit "$status"
