#!/usr/bin/env python3
"""bench/fleet: a PNG of reconnects per second. Usage: plot.py CSV PNG TITLE"""
import csv, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

rows = list(csv.DictReader(open(sys.argv[1])))
xs = [int(r["second"]) for r in rows]
ys = [int(r["agents"]) for r in rows]
fig, ax = plt.subplots(figsize=(8, 3.2))
ax.bar(xs, ys, width=1.0, color="#3b6ea5")
ax.set_xlabel("seconds after the broker came back")
ax.set_ylabel("agents reconnected in that second")
ax.set_title(sys.argv[3])
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print(f"plot: {sys.argv[2]}")
