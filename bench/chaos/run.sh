#!/usr/bin/env bash
# bench/chaos: faults at random for CAIRN_CHAOS_SECONDS (default 600), then the
# books: every sequence number ever assigned is delivered, or lost with a cause the
# producer counted and reported. Two sides fed the same readings through the same
# faults, at the same moments:
#   cairn  - the agent (hwmon tree read every 0.2 s) -> Mosquitto B (persistence);
#   bridge - a feeder script with its own numbers -> local Mosquitto L (persistence
#            on a tmpfs) bridged to a remote Mosquitto R (persistence).
# Faults, in four lanes that run at once (so faults overlap), each lane a random gap
# then a random fault:                    cairn side          bridge side
#   kill     SIGKILL, restart after       the agent           L
#            0.2-3 s
#   restart  broker down 1-45 s           B                   R
#   stop     SIGSTOP 1-30 s, SIGCONT      B                   R
#   disk     8 MiB tmpfs filled 2-20 s    agent's data dir    L's persistence dir
#   clock    clock_sync_file gone 5-30 s  agent               (nothing: no clock)
#   corrupt  once (kill lane, 30-70 % of  queue.db            mosquitto.db
#            the run): SIGKILL, header
#            overwritten, restart
# The agent runs with a 0.1 MiB queue budget, a 30 s maximum age for telemetry and
# a 15 s clock hold, so that outages end in evictions, expiries and unsynced times.
# Observers: mosquitto_sub, persistent session (clean start off, QoS 1), on brokers
# with persistence and autosave_interval 1, restarted only gracefully, so a
# message the broker acknowledged reaches the observer even across restarts.
# Prints a table per side and "unexplained: N" for cairn; exits 1 if N > 0.
# CAIRN_CHAOS_SEED replays a run's faults; CAIRN_BIN picks the binary (needs root
# for the tmpfs mounts); CAIRN_CHAOS_KEEP=1 keeps the scratch directory (logs,
# observed messages, facts.json for bench/chaos/account.py).
set -euo pipefail
source "$(dirname "$0")/../unmask.sh"
cd "$(dirname "$0")/../.."
SECONDS_TOTAL=${CAIRN_CHAOS_SECONDS:-600}
SEED=${CAIRN_CHAOS_SEED:-$(( $(date +%s) % 32768 ))}
[ "$(id -u)" = 0 ] || { echo "bench/chaos needs root (tmpfs mounts)" >&2; exit 2; }
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
BIN=$(realpath "${CAIRN_BIN:-.build/release/cairn}")
here=$PWD
source bench/lib.sh
mounts=()
finish() {
    for p in $(cat "$work"/*.pid 2>/dev/null); do kill -CONT "$p" 2>/dev/null || true; kill -KILL "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    sleep 0.2
    for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done
    if [ -n "${CAIRN_CHAOS_KEEP:-}" ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap finish EXIT
echo "bench/chaos: $SECONDS_TOTAL s, CAIRN_CHAOS_SEED=$SEED, agent $BIN"
rand() { r=$(( $1 + RANDOM % ($2 - $1 + 1) )); }   # r: an integer in [a, b] (no subshell: replayable)
gone() { while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; }   # a process not our child
log() { echo "$(date -u +%T) $*" >> "$work/faults.log"; }

tmpfs() { mkdir -p "$1"; mount -t tmpfs -o size=8m tmpfs "$1"; mounts+=("$1"); }
tmpfs "$work/data"; tmpfs "$work/local"

# A hwmon tree: 8 temperatures, read by the agent and the feeder alike.
hw="$work/sys/class/hwmon/hwmon0"; mkdir -p "$hw"; echo chaos > "$hw/name"
for i in 1 2 3 4 5 6 7 8; do echo $(( 40000 + i * 1000 )) > "$hw/temp${i}_input"; done

pB=$(free_port); pL=$(free_port); pR=$(free_port)
conf() { # name port [extra]
    mkdir -p "$work/$1"
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nuser root\npersistence true\npersistence_location %s/\nautosave_interval 1\n%s\n' \
        "$2" "$work/$1" "${3:-}" > "$work/$1.conf"
}
conf b "$pB"; conf r "$pR"
conf local "$pL" "connection cloud
address 127.0.0.1:$pR
topic feed/# out 1
cleansession false
restart_timeout 1"
up() { # name port: starts the broker; 1 if it did not come up in 5 s
    mosquitto -c "$work/$1.conf" >> "$work/$1.log" 2>&1 & echo $! > "$work/$1.pid"; disown
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
        kill -0 "$(cat "$work/$1.pid")" 2>/dev/null || return 1; sleep 0.05
    done
    return 1
}
down() { # name [signal]
    local p; p=$(cat "$work/$1.pid"); kill -CONT "$p" 2>/dev/null || true; kill "-${2:-TERM}" "$p" 2>/dev/null || true
    while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
}
up b "$pB"; up r "$pR"; up local "$pL"

# Observers: persistent sessions, restarted if mosquitto_sub ever exits.
observe() { # name port topic... ; output: topic and hex payload per line
    local name=$1 port=$2; shift 2
    local topics=(); for t in "$@"; do topics+=(-t "$t"); done
    ( while [ ! -e "$work/$name.stop" ]; do
        stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$port" -i "$name" -c -q 1 "${topics[@]}" -F '%t %x' >> "$work/$name.out" 2>>"$work/$name.err" || true
        sleep 0.2
      done ) & pids+=($!); disown
    echo "$!" > "$work/$name.loop"
}
observe obs-cairn "$pB" 'cairn/chaos/telemetry' 'cairn/chaos/events' 'cairn/chaos/health'
observe obs-bridge "$pR" 'feed/#'
sleep 1

sysroot="$work/sys"; sync_file="$work/clock-synced"; touch "$sync_file"
agent_flags=(--broker "mqtt://127.0.0.1:$pB" --device-id chaos --data-dir "$work/data"
    --inputs '[{"type":"hwmon"}]' --status-listen off --log-level warning --keepalive 5 --reconnect-max 3
    --queue-budget-mb 0.1 --queue-max-age-telemetry 30 --clock-sync-file "$sync_file" --clock-hold 15)
agent() { # start the agent with the chaos settings or the given ones
    "$BIN" run "${agent_flags[@]}" --sysfs-root "$sysroot" "$@" >> "$work/agent.log" 2>&1 & echo $! > "$work/agent.pid"; disown
}
agent --interval 0.2 --health-interval 5
python3 bench/chaos/feeder.py "$pL" feed/chaos 0.2 "$hw" "$work/feeder.log" & echo $! > "$work/feeder.pid"; disown

echo 1 > "$work/epoch-first"; : > "$work/epochs"; echo '[]' > "$work/moved.json"
# L restarted as a service manager would (Restart=always, 1 s apart): it may refuse
# to start while its disk is full.
# A SIGKILL during a full disk can leave mosquitto.db cut short, and Mosquitto then never
# starts ("Couldn't open database"): after 3 failed starts with room on the disk, the file
# is moved aside by hand, as an operator would (what it held is the bridge's loss).
restart_local() {
    local tries=0
    until up local "$pL"; do
        tries=$((tries + 1))
        if [ "$tries" -ge 3 ] && [ ! -e "$work/local/fill" ] && [ -e "$work/local/mosquitto.db" ]; then
            log "(restart) the local broker does not start on its mosquitto.db ($(grep -h 'Error' "$work/local.log" | tail -1 | cut -d' ' -f2-)): moved aside by hand"
            mv "$work/local/mosquitto.db" "$work/local/mosquitto.db.unreadable-$(date +%s%N)"
        fi
        sleep 1
    done
    [ "$tries" = 0 ] || log "(restart) the local broker started after $tries failed starts"
}
# An agent that exited on its own (a crash) would be hidden by the next restart: say so.
alive() { kill -0 "$(cat "$work/agent.pid")" 2>/dev/null || log "(agent) exited on its own before this fault: see agent.log"; }
fill() { dd if=/dev/zero of="$1/fill" bs=64k 2>/dev/null || true; }
fault() {
    local kind=$1 d
    case $kind in
    kill) rand 2 30; d=$(echo "$r / 10" | bc -l | sed "s/0*$//;s/\.$//"); log "kill: agent and local broker SIGKILLed, restarted after $d s"
        alive; kill -KILL "$(cat "$work/agent.pid")"; down local KILL; sleep "$d"
        agent --interval 0.2 --health-interval 5; restart_local;;
    restart) rand 1 45; d=$r; log "restart: brokers B and R down for $d s"
        down b; down r; sleep "$d"; up b "$pB"; up r "$pR";;
    stop) rand 1 30; d=$r; log "stop: brokers B and R SIGSTOPped for $d s"
        kill -STOP "$(cat "$work/b.pid")" "$(cat "$work/r.pid")"; sleep "$d"
        kill -CONT "$(cat "$work/b.pid")" "$(cat "$work/r.pid")";;
    disk) rand 2 20; d=$r; log "disk: data tmpfs of the agent and of the local broker full for $d s"
        ( flock 9; fill "$work/data"; fill "$work/local"; sleep "$d"; rm -f "$work/data/fill" "$work/local/fill" ) 9> "$work/disk.lock";;
    clock) rand 5 30; d=$r; log "clock: untrusted for $d s (agent only)"
        rm -f "$sync_file"; sleep "$d"; touch "$sync_file";;
    corrupt) log "corrupt: agent and local broker SIGKILLed, headers of queue.db and mosquitto.db overwritten"
        exec 9> "$work/disk.lock"; flock 9   # not while the disk is full: the checkpoint needs room
        alive; kill -KILL "$(cat "$work/agent.pid")"; down local KILL
        # Into the main file what the WAL holds (else SQLite reads page 1 from the WAL and
        # never sees the damage), then a copy of what the file holds: its records and the
        # highest number it gave.
        sqlite3 "$work/data/queue.db" 'PRAGMA wal_checkpoint(TRUNCATE);' > /dev/null
        cp "$work/data/queue.db" "$work/snapshot.db"
        last=$(sqlite3 "$work/snapshot.db" "SELECT seq FROM sqlite_sequence WHERE name = 'records'")
        echo "[$(cat "$work/epoch-first"), $last]" >> "$work/epochs"
        echo $(( $(cat "$work/data/queue.db.seq") + 1 )) > "$work/epoch-first"   # a fresh file starts above it
        printf 'this is not SQLite' | dd of="$work/data/queue.db" conv=notrunc 2>/dev/null
        printf 'this is not mosquitto' | dd of="$work/local/mosquitto.db" conv=notrunc 2>/dev/null
        agent --interval 0.2 --health-interval 5
        if ! up local "$pL"; then
            log "(corrupt) the local broker does not start on its corrupt mosquitto.db: moved aside by hand, as an operator would"
            mv "$work/local/mosquitto.db" "$work/local/mosquitto.db.corrupt"; restart_local
        fi
        flock -u 9; exec 9>&-
        for _ in $(seq 100); do moved_to=$(ls -d "$work"/data/queue.db.corrupt-* 2>/dev/null | grep -v -- '-wal$\|-shm$' | head -1) && [ -n "$moved_to" ] && break; sleep 0.1; done
        echo "[[\"$work/snapshot.db\", \"${moved_to:-none}\"]]" > "$work/moved.json";;
    esac
}
# Independent lanes, so that faults overlap (a kill during an outage, a full disk
# during a backlog); each lane draws from its own seeded sequence, so a seed replays
# the same faults in each lane (their interleaving varies with timing).
lane() { # number min-gap max-gap kind...
    local number=$1 low=$2 high=$3; shift 3
    RANDOM=$(( SEED * 8 + number ))
    local kinds=("$@")
    while :; do
        rand "$low" "$high"; sleep "$r"
        [ ! -e "$work/stop" ] || break
        if [ "$number" = 0 ] && [ ! -e "$work/corrupted" ] && [ "$(date +%s)" -ge "$corrupt_at" ]; then
            touch "$work/corrupted"; fault corrupt; continue
        fi
        rand 0 $(( ${#kinds[@]} - 1 )); fault "${kinds[$r]}"
    done
}
RANDOM=$SEED; rand 30 70; corrupt_at=$(( $(date +%s) + SECONDS_TOTAL * r / 100 ))
lanes=()
lane 0 3 20 kill & lanes+=($!)
lane 1 3 20 restart stop & lanes+=($!)
lane 2 5 30 disk & lanes+=($!)
lane 3 5 30 clock & lanes+=($!)
sleep "$SECONDS_TOTAL"
touch "$work/stop"
wait "${lanes[@]}"
[ -e "$work/corrupted" ] || log "(corrupt) not reached: the run was too short"
log "(end) of faults: draining"
kill -TERM "$(cat "$work/feeder.pid")"; gone "$(cat "$work/feeder.pid")"

# The end: what was queued at the end of the faults leaves (delivered, or
# expired/evicted and counted), a clean stop reports the losses, and an agent
# that takes no readings sends what is left and is killed once the queue is empty.
queued_below() { sqlite3 "$work/data/queue.db" "SELECT count(*) FROM records WHERE seq <= $1" 2>/dev/null || echo 1; }
high=$(sqlite3 "$work/data/queue.db" "SELECT seq FROM sqlite_sequence WHERE name = 'records'")
for _ in $(seq 1200); do [ "$(queued_below "$high")" = 0 ] && break; sleep 0.1; done
alive; kill -TERM "$(cat "$work/agent.pid")"; gone "$(cat "$work/agent.pid")"
mkdir -p "$work/empty"
sysroot="$work/empty"
agent --interval 3600 --health-interval 0
for _ in $(seq 1200); do
    [ "$(sqlite3 "$work/data/queue.db" 'SELECT count(*) FROM records' 2>/dev/null || echo 1)" = 0 ] && break; sleep 0.1
done
sleep 2   # the observers take the last PUBLISHes
kill -KILL "$(cat "$work/agent.pid")"
high=$(sqlite3 "$work/data/queue.db" "SELECT seq FROM sqlite_sequence WHERE name = 'records'")
echo "[$(cat "$work/epoch-first"), $high]" >> "$work/epochs"
# Wait for both observers to stop receiving, then stop them.
for name in obs-cairn obs-bridge; do
    prev=-1; for _ in $(seq 60); do n=$(wc -l < "$work/$name.out"); [ "$n" = "$prev" ] && break; prev=$n; sleep 1; done
    touch "$work/$name.stop"
done
pkill -INT -P "$(cat "$work/obs-cairn.loop")" || true; pkill -INT -P "$(cat "$work/obs-bridge.loop")" || true
sleep 0.5
unreported=$(sqlite3 "$work/data/queue.db" "SELECT (SELECT coalesce(sum(count), 0) FROM counters WHERE reason != 'rejected') - (SELECT coalesce(sum(value), 0) FROM settings WHERE key LIKE 'reported.%' AND key NOT LIKE '%.rejected')")
cp "$work/data/queue.db" "$work/final.db"
[ -e "$work/data/queue.db-wal" ] && cp "$work/data/queue.db-wal" "$work/final.db-wal"
sqlite3 "$work/final.db" 'PRAGMA wal_checkpoint(TRUNCATE);' > /dev/null
printf '{"cairn_observed": "%s", "bridge_observed": "%s", "feeder_log": "%s", "epochs": [%s], "moved_aside": %s, "final_queue": "%s", "unreported_counts": {"numbered": %s}}\n' \
    "$work/obs-cairn.out" "$work/obs-bridge.out" "$work/feeder.log" "$(paste -sd, "$work/epochs")" "$(cat "$work/moved.json")" "$work/final.db" "$unreported" > "$work/facts.json"

echo "faults (CAIRN_CHAOS_SEED=$SEED):"
awk '$2 !~ /^\(/ {print $2}' "$work/faults.log" | sort | uniq -c | sed 's/:$//' | awk '{printf "  %s %s", $2, $1} END {print ""}'
grep -h '(agent)\|moved aside by hand' "$work/faults.log" || true
grep -h 'Error\|error' "$work/local.log" | sort | uniq -c | head -5 | sed 's/^/  bridge local broker log: /' || true
python3 bench/chaos/account.py "$work/facts.json"
