#!/usr/bin/env bash
# bench/status: the status server's cost. An agent on a sysfs-shaped tree with 50
# sensors (5 hwmon chips of 10 channels, plus the 8 of the health input), reading
# every second and delivering to a Mosquitto on loopback:
#   - page size;
#   - latency of `/` and `/metrics` (wrk, one connection, keep-alive, 10 s each:
#     median and 99th percentile), against the same bytes served as a static file by
#     the same library (bench/status/static.c, libmicrohttpd) in the same run;
#   - the idle agent's RSS with the status server on, and with status_listen off.
# Usage: bench/status/run.sh   (CAIRN_BIN=dist/cairn-x86_64 to measure the static binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${CAIRN_BIN:-.build/release/cairn}
SECONDS_EACH=${SECONDS_EACH:-10}
scripts/install-deps >/dev/null
source scripts/apt.sh; apt_ensure wrk curl gcc
[ -n "${CAIRN_BIN:-}" ] || swift build -c release --product cairn >/dev/null
source bench/lib.sh

cc -O2 -o "$work/static" bench/status/static.c -lmicrohttpd
sys=$work/sys
for chip in 0 1 2 3 4; do
    d=$sys/class/hwmon/hwmon$chip; mkdir -p "$d"; echo "board$chip" > "$d/name"
    for ch in $(seq 1 10); do echo $((20000 + chip * 1000 + ch * 100)) > "$d/temp${ch}_input"; echo "Channel $ch of board $chip" > "$d/temp${ch}_label"; done
done

bport=$(free_port)
broker "$bport" "$work/broker"
agent() { # name port|off
    local listen=$2; [ "$2" = off ] || listen=127.0.0.1:$2
    "$BIN" run --device-id "bench-status-$1" --data-dir "$work/$1" --sysfs-root "$sys" --broker "mqtt://127.0.0.1:$bport" \
        --interval 1 --health-interval 0 --status-listen "$listen" --log-level warning > "$work/$1.log" 2>&1 &
    echo $!
}
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

port=$(free_port)
# (Called in $(…), a subshell: the pids are added to the list here, for the cleanup to stop them.)
on=$(agent on "$port"); pids+=("$on")
off=$(agent off off); pids+=("$off")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
# Two minutes of history: 120 points per sensor, the ring full.
echo "filling two minutes of history..." >&2
sleep 125
curl -sf "http://127.0.0.1:$port/" > "$work/page.html"
curl -sf "http://127.0.0.1:$port/metrics" > "$work/metrics.txt"
sensors=$(grep -o 'class="sensor' "$work/page.html" | wc -l)
echo "page: $(wc -c < "$work/page.html") bytes with $sensors sensors; /metrics: $(wc -c < "$work/metrics.txt") bytes"
echo "idle RSS: status server on $(rss "$on") KiB, off $(rss "$off") KiB"

median() { # url → "median_ms p99_ms requests"
    wrk -t1 -c1 -d"${SECONDS_EACH}s" --latency "$1" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        $1 == "50%" { m = ms($2) } $1 == "99%" { p = ms($2) } / requests in / { n = $1 }
        END { printf "%.3f %.3f %s\n", m, p, n }'
}
sport=$(free_port); "$work/static" "$sport" "$work/page.html" "text/html; charset=utf-8" & pids+=($!)
mport=$(free_port); "$work/static" "$mport" "$work/metrics.txt" "text/plain; version=0.0.4" & pids+=($!)
sleep 0.5
read -r page_m page_p page_n < <(median "http://127.0.0.1:$port/")
read -r spage_m spage_p spage_n < <(median "http://127.0.0.1:$sport/")
read -r met_m met_p met_n < <(median "http://127.0.0.1:$port/metrics")
read -r smet_m smet_p smet_n < <(median "http://127.0.0.1:$mport/metrics")
printf '%-28s %10s %10s %10s %8s\n' "" "median ms" "p99 ms" "requests" "ratio"
printf '%-28s %10s %10s %10s %8s\n' "/ (agent)" "$page_m" "$page_p" "$page_n" "$(echo "$page_m / $spage_m" | bc -l | xargs printf '%.1f')"
printf '%-28s %10s %10s %10s %8s\n' "/ (static, same bytes)" "$spage_m" "$spage_p" "$spage_n" "1.0"
printf '%-28s %10s %10s %10s %8s\n' "/metrics (agent)" "$met_m" "$met_p" "$met_n" "$(echo "$met_m / $smet_m" | bc -l | xargs printf '%.1f')"
printf '%-28s %10s %10s %10s %8s\n' "/metrics (static, same)" "$smet_m" "$smet_p" "$smet_n" "1.0"
echo "RSS after the load: status server on $(rss "$on") KiB, off $(rss "$off") KiB"
summary status "GET / latency, median (lower is better)" "$page_m ms" "static server, same bytes" "$spage_m ms" "$(echo "$page_m / $spage_m" | bc -l | xargs printf '%.1f')" ""
summary status "GET /metrics latency, median (lower is better)" "$met_m ms" "static server, same bytes" "$smet_m ms" "$(echo "$met_m / $smet_m" | bc -l | xargs printf '%.1f')" ""
