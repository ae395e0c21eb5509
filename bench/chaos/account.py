#!/usr/bin/env python3
"""bench/chaos accounting: every number ever assigned, on each side, is delivered,
or lost with a cause the producer counted and reported; the rest is unexplained.

Cairn's books (docs/protocol.md, "Sequence numbers"): the numbers assigned are
1..M in the first queue file and C+1..M' in each fresh file after a corrupt one was
moved aside (C: the ceiling reserved in queue.db.seq when the fresh file opened;
numbers in between were never given). A missing number is explained by the counts
(the `total` of the latest queue.loss event received) (evicted, expired, downsampled, purged; "rejected"
readings never had a number), by the moved-aside file (the records it held, read
from a copy taken before the run corrupted it) when a queue.recovered event naming
that file was received, or by still being in the final queue file.
The bridge's books: every number the feeder assigned is delivered at the remote
broker or was in a publish the feeder was told failed ("rejected"); the rest is
unexplained: a broker bridge reports no losses.

Usage: account.py FACTS_JSON   (written by run.sh)"""
import collections, json, os, sqlite3, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from books import messages   # mosquitto_sub -F '%t %x' lines: topic, document

facts = json.load(open(sys.argv[1]))

def seqs_in(db, where=""):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {row[0] for row in con.execute("SELECT seq FROM records " + where)}
    finally:
        con.close()

# --- Cairn ---
received = collections.Counter()
deltas = collections.Counter()         # the sum of every distinct report's deltas
latest = (0, None)                     # (id, total) of the report with the highest id
loss_events = set()
recovered = []
for topic, doc in messages(facts["cairn_observed"]):
    if topic.endswith("/telemetry"):
        received.update(r["seq"] for r in doc.get("readings", []))
    elif topic.endswith("/health"):
        received[doc["seq"]] += 1
    elif topic.endswith("/events"):
        number = int(doc["id"])
        received[number] += 1
        if doc["type"] == "io.cairn.queue.loss" and number not in loss_events:
            loss_events.add(number)
            data = dict(doc["data"])
            total = data.pop("total", None)
            deltas.update(data)
            if total is not None and number > latest[0]:
                latest = (number, total)
        if doc["type"] == "io.cairn.queue.recovered":
            recovered.append(doc["data"]["moved_to"])

# The books of docs/protocol.md: the totals of the latest report (they include what a
# report lost with a corrupt file or evicted carried); the deltas, for a producer
# that sends no totals.
losses = collections.Counter(latest[1]) if latest[1] is not None else deltas
lost_reports = {key: losses[key] - deltas[key] for key in losses if losses[key] != deltas[key]}

assigned = set()
previous = 0
for epoch in facts["epochs"]:          # [first, last] per queue file
    assigned.update(range(epoch[0], epoch[1] + 1))
delivered = assigned & set(received)
duplicates = sum(received[n] - 1 for n in delivered)
stray = set(received) - assigned       # received but never assigned: a bug in the books
moved = set()
moved_unreported = set()
for snapshot, moved_to in facts["moved_aside"]:
    held = seqs_in(snapshot) - delivered
    if any(moved_to.startswith(name) or name.startswith(moved_to) for name in recovered):
        moved |= held
    else:
        moved_unreported |= held
still_queued = seqs_in(facts["final_queue"]) - delivered - moved
missing = assigned - delivered - moved - still_queued
def reason_sum(reason):
    return sum(count for key, count in losses.items() if key.endswith("." + reason))
evicted, expired = reason_sum("evicted"), reason_sum("expired")
downsampled, purged, rejected = reason_sum("downsampled"), reason_sum("purged"), reason_sum("rejected")
counted = evicted + expired + downsampled + purged
cairn_unexplained = max(0, len(missing) - counted)
# More counted than missing: records counted as lost (evicted while in flight,
# awaiting their PUBACK) that reached the broker all the same. Every number is still
# accounted for, but the books of docs/protocol.md go negative by this much.
over_counted = max(0, counted - len(missing))
unreported = facts.get("unreported_counts", {})

# --- bridge ---
bridge_assigned, bridge_failed = set(), set()
for line in open(facts["feeder_log"]):
    first, last, outcome = line.split()
    numbers = range(int(first), int(last) + 1)
    bridge_assigned.update(numbers)
    if outcome == "failed":
        bridge_failed.update(numbers)
bridge_received = collections.Counter()
for topic, doc in messages(facts["bridge_observed"]):
    bridge_received.update(r["seq"] for r in doc.get("readings", []))
bridge_delivered = bridge_assigned & set(bridge_received)
bridge_rejected = bridge_failed - bridge_delivered
bridge_unexplained = len(bridge_assigned - bridge_delivered - bridge_rejected)

rows = [
    ("assigned (numbers given)", len(assigned), len(bridge_assigned)),
    ("delivered (unique)", len(delivered), len(bridge_delivered)),
    ("duplicates (extra copies)", duplicates, sum(bridge_received[n] - 1 for n in bridge_delivered)),
    ("evicted (queue.loss)", evicted, "-"),
    ("expired (queue.loss)", expired, "-"),
    ("downsampled + purged (queue.loss)", downsampled + purged, "-"),
    ("rejected, no number (queue.loss) / publish failed", rejected, len(bridge_rejected)),
    ("moved aside with the corrupt file (queue.recovered)", len(moved), "-"),
    ("still queued at the end", len(still_queued), "-"),
    ("missing (assigned - delivered - moved aside - queued)", len(missing), len(bridge_assigned - bridge_delivered)),
    ("counted lost, yet delivered (over-count)", over_counted, "-"),
    ("unexplained", cairn_unexplained, bridge_unexplained),
]
print(f"{'':52} {'cairn':>10} {'bridge':>10}")
for name, cairn, bridge in rows:
    print(f"{name:52} {cairn:>10} {bridge:>10}")
notes = []
if moved_unreported:
    notes.append(f"{len(moved_unreported)} numbers went with a moved-aside file that no queue.recovered event named (counted unexplained)")
    cairn_unexplained += len(moved_unreported)
if stray:
    notes.append(f"{len(stray)} numbers received that were never assigned: {sorted(stray)[:10]}")
    cairn_unexplained += len(stray)
if over_counted:
    notes.append(f"{over_counted} numbers counted as lost were delivered (evicted while in flight): "
                 f"counts cannot say which, so as many unexplained losses could hide behind them")
if lost_reports:
    notes.append(f"the latest report's totals exceed the sum of the reports received (reports lost, their counts "
                 f"carried by the totals): {lost_reports}")
if any(unreported.values()):
    notes.append(f"counted by the agent but not (yet) reported in a queue.loss event: {unreported}")
for note in notes:
    print("note:", note)
print(f"queue.loss events received: {len(loss_events)}, totals {dict(losses)}; queue.recovered: {sorted(set(recovered))}")
print(f"unexplained: {cairn_unexplained}")
sys.exit(1 if cairn_unexplained else 0)
