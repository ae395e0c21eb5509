import CairnCore

/// The loss counts, kept beside the queue file (`<queue>.losses`) as well as in it,
/// so that they outlive the file: a corrupt queue file moved aside takes its
/// `counters` table with it, and with it every loss counted but not yet reported
/// (or reported in an event still queued in that file). The agent writes this
/// file inside the transaction that changes the counts, just before its COMMIT,
/// so it never holds less than the file (more only if that COMMIT then fails or
/// is killed: it is put right by the next write, or at the next open, where a
/// file that holds records wins; a fresh file takes these counts). One line per
/// non-zero entry: `<stream>.<reason> <counted> <reported>`.
struct LossLedger {
    let path: String
    /// What the file holds now.
    private(set) var counted = LossCounters()
    private(set) var reported = LossCounters()
    private(set) var present = false
    private var warned = false

    init(path: String) {
        self.path = path
        guard let text = Files.read(path, limit: 64 * 1024) else { return }
        present = true
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let key = LossLedger.key(String(fields[0])),
                  let count = Int64(fields[1]), let done = Int64(fields[2]) else { continue }
            counted[key.stream, key.reason] = count
            reported[key.stream, key.reason] = done
        }
    }

    static func key(_ name: String) -> (stream: QueueStream, reason: LossReason)? {
        for stream in QueueStream.allCases {
            for reason in LossReason.allCases where name == "\(stream.name).\(reason.rawValue)" {
                return (stream, reason)
            }
        }
        return nil
    }

    /// Writes the counts (durably) when they differ from what the file holds. A
    /// failure (the disk is full) is logged once per episode; the queue file still
    /// holds the counts, and the next change writes them all.
    mutating func keep(_ counted: LossCounters, _ reported: LossCounters) {
        guard !present || counted != self.counted || reported != self.reported else { return }
        var text = ""
        for stream in QueueStream.allCases {
            for reason in LossReason.allCases where counted[stream, reason] != 0 || reported[stream, reason] != 0 {
                text += "\(stream.name).\(reason.rawValue) \(counted[stream, reason]) \(reported[stream, reason])\n"
            }
        }
        do {
            try Files.writeAtomically(path, text)
            self.counted = counted
            self.reported = reported
            present = true
            warned = false
        } catch {
            if !warned { Log.warning("cannot write the loss counts beside the queue: \(error)") }
            warned = true
        }
    }

    /// Entry by entry, the larger of the two.
    static func larger(_ a: LossCounters, _ b: LossCounters) -> LossCounters {
        var out = a
        for stream in QueueStream.allCases {
            for reason in LossReason.allCases where b[stream, reason] > a[stream, reason] {
                out[stream, reason] = b[stream, reason]
            }
        }
        return out
    }
}

extension DurableQueue {
    /// A transaction that may count losses: the counts in memory (and the record
    /// count) are put back if it rolls back, so a failed attempt (a full disk) counts
    /// nothing, and the ledger is written just before COMMIT with `reported`, the
    /// reported counts this transaction saves (nil: unchanged).
    func counting<T>(reported: LossCounters? = nil, _ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        let before = (losses: losses, records: recordCount, delivered: delivered)
        do {
            return try database.transaction { () throws(SQLiteError) -> T in
                let result = try body()
                ledger?.keep(losses, reported ?? reportedLosses)
                return result
            }
        } catch {
            losses = before.losses
            recordCount = before.records
            delivered = before.delivered
            throw error
        }
    }
}
