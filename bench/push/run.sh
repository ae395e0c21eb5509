#!/usr/bin/env bash
# bench/push: time from publishing a desired document (retained, QoS 1, with
# mosquitto_pub) to seeing the agent's `applied` report on <prefix>/config/reported
# (one long-running mosquitto_sub), over N pushes (default 100) of each kind:
#   deadband  - only a pipeline stage changes (no reconnect);
#   reconnect - the keepalive changes: the uplink reconnects, and the push is
#               confirmed by the new CONNACK.
# Baseline, measured the same way in the same run: a retained message published on
# a topic the same subscriber reads (one broker hop, where a push takes two plus the
# agent's work): the floor of the method, mosquitto_pub's process start included.
# Also the agent's own figure from its log: receipt to "in force".
# Mosquitto's listener leaves Nagle on by default, which delays a small packet sent
# behind an unacknowledged one by up to 40 ms (the delayed ACK) on the broker's side:
# BROKER_EXTRA="set_tcp_nodelay true" measures without that.
# Usage: bench/push/run.sh [N]   (CAIRN_BIN=dist/cairn-x86_64 to measure the static binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100}
BIN=${CAIRN_BIN:-.build/release/cairn}
scripts/install-deps >/dev/null
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
source bench/lib.sh

port=$(free_port)
broker "$port" "$work/broker" "${BROKER_EXTRA:-}"
prefix=cairn/bench-push
echo 1 > "$work/a"
inputs='"inputs": [{"type": "file", "name": "a", "path": "'"$work/a"'"}]'
printf '{"broker": "mqtt://127.0.0.1:%s", "interval": 1, "health_interval": 0, %s}\n' "$port" "$inputs" > "$work/cairn.json"
"$BIN" run --config "$work/cairn.json" --device-id bench-push --data-dir "$work/data" --log-level info \
    > "$work/agent.log" 2>&1 & pids+=($!)
exec 3< <(exec mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -t "$prefix/config/reported" -t bench/floor 2>/dev/null)
pids+=($!)
for _ in $(seq 200); do grep -q "connected to mqtt" "$work/agent.log" && break; sleep 0.05; done
grep -q "connected to mqtt" "$work/agent.log" || { echo "the agent did not connect: $(tail -5 "$work/agent.log")" >&2; exit 1; }

ms() { echo "($2 - $1) / 1000000" | bc -l; }
# publish TOPIC PAYLOAD PATTERN: milliseconds from before mosquitto_pub to the first line matching PATTERN.
timed_publish() {
    local t0 line; t0=$(date +%s%N)
    mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -r -t "$1" -m "$2"
    while IFS= read -r -t 10 -u 3 line; do
        [[ $line == *$3* ]] && { ms "$t0" "$(date +%s%N)"; return; }
    done
    echo "no answer matching $3 within 10 s; agent log: $(tail -5 "$work/agent.log")" >&2; exit 1
}
stats() { sort -n | awk '{v[NR]=$1} END {printf "%.1f ms (min %.1f, max %.1f)", v[int((NR+1)/2)], v[1], v[NR]}'; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

floor=() deadband=() reconnect=()
for i in $(seq "$N"); do floor+=("$(timed_publish bench/floor "{\"n\": $i}" "\"n\": $i}")"); done
version=0
for i in $(seq "$N"); do
    version=$((version + 1))
    doc='{"version": '$version', "config": {'"$inputs"', "pipelines": [{"match": "a", "stages": [{"type": "deadband", "absolute": '$i'}]}]}}'
    deadband+=("$(timed_publish "$prefix/config/desired" "$doc" "\"version\":$version,\"status\":\"applied\"")")
done
for i in $(seq "$N"); do
    version=$((version + 1))
    doc='{"version": '$version', "config": {'"$inputs"', "keepalive": '$((30 + i % 2))'}}'
    reconnect+=("$(timed_publish "$prefix/config/desired" "$doc" "\"version\":$version,\"status\":\"applied\"")")
done
# The agent's own "in force after X ms" per push, in push order.
in_force=$(sed -n 's/.* in force after \([0-9.]*\) ms (.*/\1/p' "$work/agent.log")
agent_deadband=$(echo "$in_force" | head -n "$N" | median)
agent_reconnect=$(echo "$in_force" | tail -n "$N" | median)
f=$(printf '%s\n' "${floor[@]}" | median)
d=$(printf '%s\n' "${deadband[@]}" | median)
r=$(printf '%s\n' "${reconnect[@]}" | median)

echo "bench/push: $N pushes of each kind on loopback, $(nproc) cores, $BIN; median (min, max)"
printf '%-34s %-38s %s\n' "" "publish -> seen" "ratio to floor"
printf '%-34s %-38s %s\n' "floor: retained message, one hop" "$(printf '%s\n' "${floor[@]}" | stats)" "1.00"
printf '%-34s %-38s %.2f\n' "push, deadband only -> applied" "$(printf '%s\n' "${deadband[@]}" | stats)" "$(echo "$d / $f" | bc -l)"
printf '%-34s %-38s %.2f\n' "push, uplink reconnect -> applied" "$(printf '%s\n' "${reconnect[@]}" | stats)" "$(echo "$r / $f" | bc -l)"
summary push "push -> applied, deadband only: median (lower is better)" "$(printf '%.1f ms' "$d")" "retained message, one hop" "$(printf '%.1f ms' "$f")" "$(printf '%.2f' "$(echo "$d / $f" | bc -l)")" ""
summary push "push -> applied, uplink reconnect: median (lower is better)" "$(printf '%.1f ms' "$r")" "retained message, one hop" "$(printf '%.1f ms' "$f")" "$(printf '%.2f' "$(echo "$r / $f" | bc -l)")" ""
echo "agent, receipt to in force (its log): deadband only ${agent_deadband} ms, uplink reconnect ${agent_reconnect} ms"
