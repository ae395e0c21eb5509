#!/usr/bin/env bash
# bench/chaos/overcount.sh: eviction of records in flight counts them as lost though
# they reach the broker, so the books of docs/protocol.md go negative. An agent on a
# 64 KiB budget reads 20 sensors every 10 ms; its broker is SIGSTOPped for 15 s with
# up to 64 messages of 20 readings in flight (in its socket buffer); eviction deletes
# them, counts them, and the broker, resumed, delivers them. Prints
# N - received - counted, which protocol.md says is never negative.
set -euo pipefail
cd "$(dirname "$0")/../.."; source bench/lib.sh
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
BIN=$(realpath "${CAIRN_BIN:-.build/release/cairn}")
port=$(free_port); broker "$port" "$work/b" "persistence true
persistence_location $work/b/"
bpid=${pids[-1]}
stdbuf -oL mosquitto_sub -p "$port" -i obs -c -q 1 -t 'cairn/oc/#' -F '%t %x' > "$work/obs" & pids+=($!)
sleep 0.5; mkdir -p "$work/sys/class/hwmon/hwmon0"; echo x > "$work/sys/class/hwmon/hwmon0/name"
for i in $(seq 20); do echo 40000 > "$work/sys/class/hwmon/hwmon0/temp${i}_input"; done
flags=(--broker "mqtt://127.0.0.1:$port" --device-id oc --data-dir "$work/data" --sysfs-root "$work/sys" --inputs '[{"type":"hwmon"}]'
  --status-listen off --log-level warning --health-interval 0 --queue-budget-mb 0.0625 --inflight-window 64 --batch-size 20 --keepalive 60)
"$BIN" run "${flags[@]}" --interval 0.01 > "$work/agent.log" 2>&1 & a=$!
sleep 2; kill -STOP "$bpid"; sleep 15; kill -CONT "$bpid"; sleep 5
tail -5 "$work/agent.log"; kill -TERM $a 2>/dev/null; st=0; wait $a || st=$?; echo "agent exit status $st"
mkdir -p "$work/empty"; "$BIN" run "${flags[@]}" --interval 3600 --sysfs-root "$work/empty" >> "$work/agent.log" 2>&1 & a=$!
for _ in $(seq 100); do [ "$(sqlite3 "$work/data/queue.db" 'select count(*) from records')" = 0 ] && break; sleep 0.1; done
sleep 2; kill -KILL $a; tail -3 "$work/agent.log"
high=$(sqlite3 "$work/data/queue.db" "SELECT seq FROM sqlite_sequence")
python3 - "$work/obs" "$high" <<'PY'
import json, sys, zlib
got, counted = set(), 0
for line in open(sys.argv[1]):
    t, h = line.split(); p = bytes.fromhex(h); p = zlib.decompress(p) if p[:1] == b"\x78" else p; d = json.loads(p)
    if t.endswith("telemetry"): got.update(r["seq"] for r in d["readings"])
    elif t.endswith("events"):
        got.add(int(d["id"]))
        if d["type"] == "io.cairn.queue.loss": counted += sum(v for k, v in d["data"].items() if not k.endswith(".rejected"))
high = int(sys.argv[2])
print(f"N={high} received={len(got)} counted lost={counted} books N-received-counted={high - len(got) - counted}")
PY
