#!/usr/bin/env bash
# bench/cluster: Cairn against a real broker cluster. Three RabbitMQ nodes (Debian's
# rabbitmq-server with its MQTT plugin) on loopback, each with its own name and ports,
# joined with `rabbitmqctl join_cluster`. N agents (default 6) have the three nodes in
# their broker lists, most of them starting on node 2; a consumer holds a persistent
# QoS 1 session (a durable queue) on node 1. Under load, node 2 is SIGKILLed; its agents
# move on to the next node in their lists. Then the agents stop, each is started once
# more with no inputs to send what it still holds, and every sequence number of every
# agent is accounted for (bench/books.py): `readings lost: 0` is the pass condition.
#   bench/cluster/run.sh [N]   CLUSTER_BEFORE (10 s of load before the kill), CLUSTER_AFTER (15 s)
# CAIRN_BIN picks the binary (default: a release build). Needs rabbitmq-server.
set -euo pipefail
source "$(dirname "$0")/../unmask.sh"
cd "$(dirname "$0")/../.."
N=${1:-6}
BEFORE=${CLUSTER_BEFORE:-10}
AFTER=${CLUSTER_AFTER:-15}
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
BIN=$(realpath "${CAIRN_BIN:-.build/release/cairn}")
RABBIT=/usr/lib/rabbitmq/bin
[ -x "$RABBIT/rabbitmq-server" ] || { echo "bench/cluster needs rabbitmq-server" >&2; exit 2; }
source bench/lib.sh
here=$PWD
pids_file="$work/node-pids"
# The nodes, then epmd if this run started it (the first node starts one when none runs).
epmd_before=$(pgrep -x epmd || true)
stop_nodes() {
    for p in $(cat "$pids_file" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    [ -n "$epmd_before" ] || pkill -x epmd 2>/dev/null || true
}
trap 'stop_nodes; if [ -n "${CLUSTER_KEEP:-}" ]; then echo "kept: $work"; else cleanup; fi' EXIT

# The nodes' own Erlang cookie (in $HOME), names unique to this run, every listener
# and the Erlang distribution on 127.0.0.1 (epmd too, if this run starts it).
export HOME="$work" ERL_EPMD_ADDRESS=127.0.0.1
printf 'cairn-bench-%s' "$RANDOM$RANDOM" > "$HOME/.erlang.cookie"; chmod 400 "$HOME/.erlang.cookie"
run_id="cairn$$"
# rabbitmqctl's own Erlang node listens on a port of DIST_PORT+10000.. by default, in the
# range the tests claim theirs from: give it one claimed port instead.
RABBITMQ_CTL_DIST_PORT_MIN=$(free_port); export RABBITMQ_CTL_DIST_PORT_MIN
export RABBITMQ_CTL_DIST_PORT_MAX=$RABBITMQ_CTL_DIST_PORT_MIN
declare -A mqtt
ctl() { "$RABBIT/rabbitmqctl" -n "$1" "${@:2}"; }
node() { echo "$run_id-$1@localhost"; }
start_node() { # i
    local i=$1 base="$work/n$1" amqp dist
    amqp=$(free_port); dist=$(free_port); mqtt[$i]=$(free_port)
    mkdir -p "$base"
    cat > "$base/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$amqp
mqtt.listeners.tcp.1 = 127.0.0.1:${mqtt[$i]}
mqtt.allow_anonymous = true
mqtt.default_user = guest
mqtt.default_pass = guest
loopback_users = none
log.console = false
log.file.level = info
EOF
    echo '[rabbitmq_mqtt].' > "$base/enabled_plugins"
    # From its own directory: a node writes crash dumps (MnesiaCore.*) where it runs.
    cd "$base"
    RABBITMQ_NODENAME=$(node "$i") RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$amqp RABBITMQ_DIST_PORT=$dist \
    RABBITMQ_CONFIG_FILE=$base/rabbitmq RABBITMQ_ENABLED_PLUGINS_FILE=$base/enabled_plugins \
    RABBITMQ_ADVANCED_CONFIG_FILE=$base/advanced.config RABBITMQ_MNESIA_BASE=$base/mnesia \
    RABBITMQ_LOG_BASE=$base/log RABBITMQ_PID_FILE=$base/pid \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        "$RABBIT/rabbitmq-server" > "$base/out" 2>&1 &
    echo $! >> "$pids_file"
    cd "$here"
}
t0=$(now)
for i in 1 2 3; do start_node "$i"; done
# await_startup fails at once while the node has not yet registered with epmd: asked again.
for i in 1 2 3; do
    started=""
    for _ in $(seq 90); do
        if ctl "$(node "$i")" await_startup --timeout 20 > /dev/null 2>&1; then started=1; break; fi
        sleep 2
    done
    [ -n "$started" ] || { echo "node $i did not start in 180 s: $(tail -5 "$work/n$i/out")" >&2; exit 1; }
    echo "$(cat "$work/n$i/pid")" >> "$pids_file"   # the node's own pid (the file has no newline)
done
for i in 2 3; do
    ctl "$(node "$i")" stop_app > /dev/null
    ctl "$(node "$i")" join_cluster "$(node 1)" > /dev/null
    ctl "$(node "$i")" start_app > /dev/null
done
running=$(ctl "$(node 1)" cluster_status --formatter json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["running_nodes"]))')
[ "$running" = 3 ] || { echo "the cluster has $running running nodes, not 3" >&2; exit 1; }
version=$(ctl "$(node 1)" version 2>/dev/null || echo "?")
echo "bench/cluster: RabbitMQ $version, 3 nodes running in $(echo "$(now) - $t0" | bc) s (MQTT ports ${mqtt[1]} ${mqtt[2]} ${mqtt[3]}); $N agents"

# Retained messages: is one published on node 1 seen by a subscriber on node 3?
mosquitto_pub -V mqttv311 -p "${mqtt[1]}" -q 1 -r -t cairn/cluster-check/state -m online
seen=$(mosquitto_sub -V mqttv311 -p "${mqtt[3]}" -q 1 -t cairn/cluster-check/state -C 1 -W 3 2>/dev/null || true)
here=$(mosquitto_sub -V mqttv311 -p "${mqtt[1]}" -q 1 -t cairn/cluster-check/state -C 1 -W 3 2>/dev/null || true)
echo "a retained message published on node 1: seen on node 1: ${here:-no}; seen on node 3: ${seen:-no}"

# The consumer: a persistent session (a durable queue) on node 1, which survives.
stdbuf -oL mosquitto_sub -V mqttv311 -p "${mqtt[1]}" -i cluster-consumer -c -q 1 \
    -t 'cairn/+/telemetry' -t 'cairn/+/events' -t 'cairn/+/health' -F '%t %x' > "$work/observed" 2> "$work/consumer.err" &
consumer=$!
for _ in $(seq 100); do grep -q 'cluster-consumer' <(ctl "$(node 1)" list_queues name 2>/dev/null) && break; sleep 0.1; done

hw="$work/sys/class/hwmon/hwmon0"; mkdir -p "$hw" "$work/empty"; echo cluster > "$hw/name"
for c in 1 2 3 4; do echo $(( 40000 + c * 1000 )) > "$hw/temp${c}_input"; done
url() { echo "mqtt://127.0.0.1:${mqtt[$1]}"; }
agent_pids=()
agent() { # i sysroot interval: node 2 first for two agents in three, node 3 first for the rest
    local first=$(( $1 % 3 == 0 ? 3 : 2 )) second
    second=$(( first == 2 ? 3 : 2 ))
    "$BIN" run --broker "$(url $first),$(url $second),$(url 1)" --device-id "cluster-$1" --data-dir "$work/a/$1" \
        --sysfs-root "$2" --inputs '[{"type":"hwmon"}]' --interval "$3" --health-interval 5 --status-listen off \
        --reconnect-min 0.2 --reconnect-max 2 --log-level info >> "$work/a/$1.log" 2>&1 &
    agent_pids[$1]=$!
}
mkdir -p "$work/a"
for i in $(seq "$N"); do agent "$i" "$work/sys" 0.1; done
sleep "$BEFORE"
on2=$(grep -l "connected to $(url 2) " "$work"/a/*.log | wc -l)
echo "under load ($N agents, 4 readings every 0.1 s each): $on2 agents on node 2; SIGKILL to node 2"
kill -KILL "$(cat "$work/n2/pid")"
killed=$(date +%s.%N)
sleep "$AFTER"
moved=0
for i in $(seq "$N"); do
    grep -q "connected to $(url 2) " "$work/a/$i.log" && grep -q "connected to $(url 3) \|connected to $(url 1) " "$work/a/$i.log" && moved=$((moved + 1))
done
echo "after the kill: $moved agents moved from node 2 to another node"

# Stop, then send what is left: each agent again with no readings, until its queue is empty.
for i in $(seq "$N"); do kill -TERM "${agent_pids[$i]}"; done
for i in $(seq "$N"); do while kill -0 "${agent_pids[$i]}" 2>/dev/null; do sleep 0.05; done; done
for i in $(seq "$N"); do agent "$i" "$work/empty" 3600; done
for i in $(seq "$N"); do
    for _ in $(seq 300); do
        [ "$(sqlite3 "$work/a/$i/queue.db" 'SELECT count(*) FROM records' 2>/dev/null || echo 1)" = 0 ] && break; sleep 0.1
    done
done
sleep 2
for i in $(seq "$N"); do kill -KILL "${agent_pids[$i]}" 2>/dev/null || true; done
prev=-1; for _ in $(seq 60); do n=$(wc -l < "$work/observed"); [ "$n" = "$prev" ] && break; prev=$n; sleep 1; done
kill -INT "$consumer" 2>/dev/null || true
grep -h 'speaking MQTT 3.1.1' "$work"/a/*.log | sed 's/^[^ ]* //' | sort | uniq -c | head -3
python3 - "$work" "$N" "$killed" "$(url 2)" <<'EOF'
import datetime, re, sys
sys.path.insert(0, "bench")
from books import books, line
work, n, killed, node2 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
# How long each agent that was on node 2 took to be connected to another node.
gaps = []
for i in range(1, n + 1):
    text = open(f"{work}/a/{i}.log").read()
    if f"connected to {node2} " not in text:
        continue
    for stamp, where in re.findall(r"^(\S+) info connected to (\S+) ", text, re.M):
        at = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
        if at > killed and where != node2:
            gaps.append(at - killed)
            break
if gaps:
    print(f"agents on node 2 connected to another node {min(gaps) * 1000:.0f} to {max(gaps) * 1000:.0f} ms after the SIGKILL")
sums, losers = books(f"{work}/observed", {f"cluster-{i}": f"{work}/a/{i}/queue.db" for i in range(1, n + 1)})
print(line(sums, losers))
sys.exit(1 if sums["lost"] or not sums["delivered"] else 0)
EOF
