# Shared by the bench scripts (sourced): a scratch directory, child processes
# stopped on exit, free loopback ports, timestamps, Mosquitto brokers.
work=$(mktemp -d)
pids=()
# The scratch directory goes once the children are gone (an agent stopping writes its
# status file: removed under it, rm fails on a directory that is no longer empty).
cleanup() {
    local p alive
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
        alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    rm -rf "$work" 2>/dev/null || { sleep 0.5; rm -rf "$work"; }
}
trap cleanup EXIT

# A free loopback port below the ephemeral range, which outgoing connections draw from.
# A port claimed the way the Swift tests claim theirs (Tests/Support/Ports.swift: a file
# made with O_EXCL in $TMPDIR/cairn-test-ports), so that a script run by a test never
# takes a port a test has claimed and closed for a moment (a reconfigured input).
free_port() { python3 -c '
import os, random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
claims = os.path.join(os.environ.get("TMPDIR", "/tmp"), "cairn-test-ports")
os.makedirs(claims, exist_ok=True)
while True:
    p = random.randrange(10000, low)
    try:
        os.close(os.open(os.path.join(claims, str(p)), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        os.unlink(os.path.join(claims, str(p)))
    finally:
        s.close()'; }
now() { date +%s.%N; }
# Drops an executable's pages from the page cache (written back first), so that it is
# mapped as a gateway maps it after a boot. A file just written (cross/build's objcopy)
# sits in the page cache in large folios, and mapping those counts up to 1 MB more
# RssFile in the agent's peak RSS (3,704 against 2,688 KiB, the same bytes).
cold_binary() { # path
    python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$1"
}
median() { # numbers... -> the middle one (the lower middle of an even count)
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
cpu_ms() { # pid -> its user + system CPU time so far, in ms (/proc/<pid>/stat)
    awk -v t="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / t}' "/proc/$1/stat"
}
with_matplotlib() { # script args... -> runs a Python script with whichever python3 has matplotlib; 1 if none has
    # Debian's python3-matplotlib is for /usr/bin/python3, which may not be the python3 first on PATH.
    local py
    for py in python3 /usr/bin/python3; do
        "$py" -c 'import matplotlib' 2>/dev/null || continue
        "$py" "$@"
        return
    done
    return 1
}
wait_drained() { # queue.db -> returns once no telemetry is left in it
    # One row probed, not counted: a count(*) every 0.1 s would read the whole file
    # and take the CPU the agent being measured needs.
    while [ "$(sqlite3 "$1" 'SELECT count(*) FROM (SELECT 1 FROM records WHERE stream = 2 LIMIT 1)' 2>/dev/null || echo 1)" != 0 ]; do
        sleep 0.1
    done
}
broker() { # port dir [extra config]
    mkdir -p "$2"
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nuser root\n%s\n' "$1" "${3:-}" > "$2/m.conf"
    mosquitto -c "$2/m.conf" > "$2/log" 2>&1 & pids+=($!)
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done
    echo "broker on $1 did not start" >&2; exit 1
}

# One row of bench/all's table, when bench/all runs this script (BENCH_SUMMARY names
# its file): benchmark, figure, Cairn's value, the baseline's name and value, the
# ratio (Cairn against the baseline, with "higher is better" or "lower is better"
# in the figure's name) and the goal, tab-separated. Run alone, a script writes none.
summary() { # bench figure cairn baseline-name baseline ratio goal
    if [ -n "${BENCH_SUMMARY:-}" ]; then printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_SUMMARY"; fi
}
