#!/usr/bin/env python3
"""bench/fleet: the reconnect spread after the broker restart and the accounting of
every agent's sequence numbers. Exits 1 if any reading was lost.

Usage: analyze.py WORK N RESTART_AT BACK_AT (writes WORK/reconnects.csv)"""
import collections, os, re, sys

work, n, restart_at, back_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

# Reconnects: the first connection of each agent after the restart, by second.
first_back = {}
for entry in open(f"{work}/b/log", errors="replace"):
    m = re.match(r"(\d+): New client connected from \S+ as (fleet-\d+) ", entry)
    if m and int(m.group(1)) >= restart_at and m.group(2) not in first_back:
        first_back[m.group(2)] = int(m.group(1))
per_second = collections.Counter(t - back_at for t in first_back.values())
times = sorted(t - back_at for t in first_back.values())
def share(p):
    return times[max(0, int(len(times) * p) - 1)] if times else None
print(f"reconnected after the restart: {len(first_back)} of {n}; seconds after the broker was back "
      f"for 50 %: {share(0.5)}, 90 %: {share(0.9)}, 100 %: {share(1.0)}; "
      f"busiest second: {max(per_second.values()) if per_second else 0} connections")

# Accounting, agent by agent (bench/books.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from books import books, line
sums, losers = books(f"{work}/observed", {f"fleet-{i}": f"{work}/a/{i}/queue.db" for i in range(1, n + 1)})
print(line(sums, losers))
lost_all = sums["lost"]

# Reconnects per second, for bench/fleet/plot.py.
with open(f"{work}/reconnects.csv", "w") as out:
    out.write("second,agents\n")
    for x in range(0, (max(per_second) if per_second else 0) + 1):
        out.write(f"{x},{per_second.get(x, 0)}\n")
sys.exit(1 if lost_all else 0)
