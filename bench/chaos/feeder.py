#!/usr/bin/env python3
"""bench/chaos feeder: the bridge side's sensor script. Every INTERVAL seconds it
reads the same hwmon files as the agent, gives each reading the next number of
its own sequence and publishes the read as one QoS 1 message to the local
(bridged) Mosquitto with mosquitto_pub, which exits 0 only after the PUBACK.
Each read is logged as "<first> <last> ok|failed": a failed publish is known
to the producer (the bridge side's "rejected"), like the agent's rejected
readings. Stops on SIGTERM.
Usage: feeder.py PORT TOPIC INTERVAL HWMON_DIR LOG"""
import glob, json, os, signal, subprocess, sys, time

port, topic, interval, hwmon, log_path = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
running = True
signal.signal(signal.SIGTERM, lambda *_: globals().update(running=False))
seq = 0
log = open(log_path, "a", buffering=1)
next_read = time.monotonic()
while running:
    readings = []
    for path in sorted(glob.glob(os.path.join(hwmon, "*_input"))):
        try:
            value = int(open(path).read().strip()) / 1000
        except (OSError, ValueError):
            continue
        seq += 1
        readings.append({"seq": seq, "sensor": "hwmon/chaos/" + os.path.basename(path)[:-6],
                         "value": value, "unit": "C", "time": int(time.time() * 1000)})
    if readings:
        payload = json.dumps({"device": "bridge", "readings": readings})
        try:
            ok = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", "1", "-t", topic,
                                 "-i", "feeder", "-m", payload], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, timeout=5).returncode == 0
        except subprocess.TimeoutExpired:
            ok = False
        log.write(f"{readings[0]['seq']} {readings[-1]['seq']} {'ok' if ok else 'failed'}\n")
    next_read = max(next_read + interval, time.monotonic())
    time.sleep(max(0.0, next_read - time.monotonic()))
