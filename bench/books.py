"""The books of docs/protocol.md, device by device, for the bench scripts: every number
1..highest a device's queue file gave is delivered (seen by an observer that printed
`mosquitto_sub -F '%t %x'` lines for <prefix>/telemetry, /events and /health), still
queued, or counted lost in the `total` of the device's latest queue.loss event; the
rest are lost readings."""
import collections, json, sqlite3, zlib


def messages(path):
    """(topic, document) for each `mosquitto_sub -F '%t %x'` line; inflated when deflated."""
    for line in open(path, errors="replace"):
        parts = line.split()
        if len(parts) != 2:
            continue
        try:
            payload = bytes.fromhex(parts[1])
            if payload[:1] == b"\x78":
                payload = zlib.decompress(payload)
            yield parts[0], json.loads(payload)
        except (ValueError, zlib.error):
            continue


def observed(path):
    """(device, topic kind, document) for each message an observer printed."""
    for topic, doc in messages(path):
        levels = topic.split("/")
        yield levels[1], levels[-1], doc


def books(observer_output, queue_files):
    """queue_files: device -> queue.db path. Returns the totals and [(device, lost)]."""
    received = collections.defaultdict(set)
    copies = collections.Counter()
    latest = {}
    for device, kind, doc in observed(observer_output):
        if kind == "telemetry":
            numbers = [r["seq"] for r in doc.get("readings", [])]
        elif kind == "health":
            numbers = [doc["seq"]]
        elif kind == "events":
            numbers = [int(doc["id"])]
        else:
            continue
        copies[device] += len(numbers)
        received[device].update(numbers)
        if kind == "events":
            number = numbers[0]
            if doc["type"] == "io.cairn.queue.loss" and number >= latest.get(device, (0, {}))[0]:
                latest[device] = (number, doc["data"].get("total", {}))
    sums = collections.Counter()
    losers = []
    for device, path in sorted(queue_files.items()):
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        highest = (con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone() or (0,))[0]
        queued = {row[0] for row in con.execute("SELECT seq FROM records")}
        con.close()
        delivered = {s for s in received[device] if s <= highest}
        counted = sum(v for k, v in latest.get(device, (0, {}))[1].items() if not k.endswith(".rejected"))
        lost = max(0, highest - len(delivered | queued) - counted)
        sums.update(assigned=highest, delivered=len(delivered), queued=len(queued - delivered), counted=counted, lost=lost,
                    duplicates=copies[device] - len(received[device]))
        if lost:
            losers.append((device, lost))
    return sums, losers


def line(sums, losers):
    return (f"numbers assigned {sums['assigned']}, delivered {sums['delivered']} (and {sums['duplicates']} duplicates), "
            f"still queued {sums['queued']}, "
            f"counted lost {sums['counted']}; readings lost: {sums['lost']}" + (f" {losers[:5]}" if losers else ""))
