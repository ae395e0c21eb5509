"""Validates Cairn's events with an independent CloudEvents implementation.

Usage: validate_cloudevents.py FILE  (one structured-mode JSON event per line)
Exits non-zero naming the first event that is not a valid CloudEvents 1.0 event.
Delivery is at least once: the same event may arrive twice (a resend after a
reconnect), which CloudEvents marks by the same source and id. Two different
events under one source and id are an error.
"""
import datetime
import json
import sys

from cloudevents.http import from_json

seen = {}
count = 0
with open(sys.argv[1], "rb") as f:
    for number, line in enumerate(f, 1):
        if not line.strip():
            continue
        event = from_json(line)  # raises on a malformed or incomplete event
        attributes = event.get_attributes()
        for required in ("specversion", "id", "source", "type"):
            if not attributes.get(required):
                sys.exit(f"line {number}: missing {required}")
        if attributes["specversion"] != "1.0":
            sys.exit(f"line {number}: specversion {attributes['specversion']}")
        time = attributes.get("time")
        parsed = datetime.datetime.fromisoformat(time.replace("Z", "+00:00"))
        if parsed.tzinfo is None or parsed.year < 2026:
            sys.exit(f"line {number}: implausible time {time}")
        if attributes.get("datacontenttype") != "application/json" or not isinstance(event.data, dict):
            sys.exit(f"line {number}: data is not a JSON object")
        key = (attributes["source"], attributes["id"])
        raw = json.loads(line)
        if key in seen and seen[key] != raw:
            sys.exit(f"line {number}: id {key} names two different events for one source")
        seen[key] = raw
        if set(raw) - {"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"}:
            sys.exit(f"line {number}: unexpected attributes {set(raw)}")
        count += 1
print(f"{count} events valid")
