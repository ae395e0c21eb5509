#!/usr/bin/env python3
"""bench/scale: one PNG per curve. Usage: plot.py SENSORS_CSV BACKLOG_CSV DIR"""
import csv, os, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

sensors = list(csv.DictReader(open(sys.argv[1])))
backlog = list(csv.DictReader(open(sys.argv[2])))
out = sys.argv[3]
os.makedirs(out, exist_ok=True)

curves = [
    (sensors, "sensors", "cpu_ms_per_1000", "sensors read every second", "CPU ms per 1,000 readings", "scale-sensors-cpu.png"),
    (sensors, "sensors", "peak_rss_kib", "sensors read every second", "peak RSS (KiB)", "scale-sensors-rss.png"),
    (backlog, "backlog", "readings_per_s", "readings in the backlog", "drain rate (readings/s)", "scale-backlog-rate.png"),
    (backlog, "backlog", "peak_rss_kib", "readings in the backlog", "peak RSS while draining (KiB)", "scale-backlog-rss.png"),
]
for rows, x, y, xlabel, ylabel, name in curves:
    xs = [int(r[x]) for r in rows]
    ys = [float(r[y]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(xs, ys, marker="o", color="#3b6ea5")
    ax.set_xscale("log")
    ax.set_ylim(bottom=0, top=max(ys) * 1.25 if ys else 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    for a, b in zip(xs, ys):
        ax.annotate(f"{b:,.0f}" if b >= 100 else f"{b:.1f}", (a, b), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, name), dpi=100)
    plt.close(fig)
    print(f"plot: {os.path.join(out, name)}")
