"""Writes N/100 telemetry batches, one JSON document per line, shaped and sized
like the agent's (same sensors, labels, values and envelope as bench-queue fill)."""
import json
import sys

count = int(sys.argv[1])
start = 1_800_000_000_000
out = sys.stdout
for first in range(0, count, 100):
    readings = []
    for n in range(first, min(first + 100, count)):
        readings.append({"seq": n + 1, "time": start + (n // 20) * 1000, "sensor": f"hwmon/nct6775/temp{n % 20 + 1}",
                         "label": f"Core {n % 20}", "value": 40 + (n % 173) / 8, "unit": "C"})
    out.write(json.dumps({"device": "bench", "readings": readings}, separators=(",", ":")) + "\n")
