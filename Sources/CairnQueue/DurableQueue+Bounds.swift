import CairnCore

/// Keeping the queue inside its disk budget and age limits, counting every
/// record that leaves without being delivered.
extension DurableQueue {
    /// Bytes of pages in use (the file minus its free list), the measure of the budget.
    public func usedBytes() throws(QueueError) -> Int64 {
        do {
            return try usedBytesRaw()
        } catch {
            throw QueueError("size", error)
        }
    }

    /// The time (wall ms) of the oldest record still waiting in `stream`, nil when none
    /// waits: one index step, cheap at any depth.
    public func oldestTime(stream: QueueStream) throws(QueueError) -> Int64? {
        do {
            let select = try database.prepare("SELECT time_ms FROM records WHERE stream = ? ORDER BY seq LIMIT 1")
            select.bind(1, stream.rawValue)
            return try select.step() ? select.int64(0) : nil
        } catch {
            throw QueueError("oldest record", error)
        }
    }

    func usedBytesRaw() throws(SQLiteError) -> Int64 {
        let pages = try database.scalar("PRAGMA page_count") - database.scalar("PRAGMA freelist_count")
        return pages * (try database.scalar("PRAGMA page_size"))
    }

    /// Inside an append transaction: evicts by policy until `incoming` bytes fit
    /// under the budget, leaving 10% headroom so eviction runs in batches.
    func makeRoom(incoming: Int64) throws(SQLiteError) {
        guard options.budgetBytes > 0 else { return }
        let used = try usedBytesRaw()
        guard used + incoming > options.budgetBytes, recordCount > 0 else { return }
        let target = options.budgetBytes - options.budgetBytes / 10 - incoming
        let perRecord = max(1, used / max(1, recordCount))
        var toFree = (used - max(0, target) + perRecord - 1) / perRecord
        if options.overflow == .downsample {
            toFree -= try thinOldestTelemetry(toFree)
        }
        // Oldest telemetry first, then metadata; events last of all.
        for stream in [QueueStream.telemetry, .metadata, .events] where toFree > 0 {
            let removed = try deleteOldest(stream, count: toFree, reason: .evicted)
            toFree -= removed
        }
    }

    private func deleteOldest(_ stream: QueueStream, count: Int64, reason: LossReason) throws(SQLiteError) -> Int64 {
        try database.execute("""
            DELETE FROM records WHERE seq IN
            (SELECT seq FROM records WHERE stream = \(stream.rawValue) ORDER BY seq LIMIT \(count))
            """)
        let removed = Int64(database.changes)
        try record(removed, stream, reason)
        return removed
    }

    /// Deletes every other record among the oldest 2×count telemetry records.
    private func thinOldestTelemetry(_ count: Int64) throws(SQLiteError) -> Int64 {
        try database.execute("""
            DELETE FROM records WHERE seq IN
            (SELECT seq FROM records WHERE stream = \(QueueStream.telemetry.rawValue) ORDER BY seq LIMIT \(count * 2))
            AND seq % 2 = 0
            """)
        let removed = Int64(database.changes)
        try record(removed, .telemetry, .downsampled)
        return removed
    }

    /// Deletes records older than their stream's maximum age (trusted times only).
    @discardableResult
    public func expire(now: Int64) throws(QueueError) -> Int64 {
        var total: Int64 = 0
        do {
            try database.transaction { () throws(SQLiteError) in
                for stream in QueueStream.allCases {
                    let age = options.maxAge[Int(stream.rawValue)]
                    guard age > 0 else { continue }
                    try database.execute(
                        "DELETE FROM records WHERE stream = \(stream.rawValue) AND clock_ok = 1 AND time_ms < \(now - age)")
                    let removed = Int64(database.changes)
                    try record(removed, stream, .expired)
                    total += removed
                }
            }
        } catch {
            throw QueueError("expire", error)
        }
        return total
    }

    /// Counts a loss in memory and in the counters table (same transaction as the delete).
    func record(_ count: Int64, _ stream: QueueStream, _ reason: LossReason) throws(SQLiteError) {
        guard count > 0 else { return }
        var delta = LossCounters()
        delta[stream, reason] = count
        try saveLosses(delta)
        losses[stream, reason] += count
        recordCount -= count
    }

    func saveLosses(_ delta: LossCounters) throws(SQLiteError) {
        for (stream, reason, count) in delta.entries {
            try database.execute("""
                INSERT INTO counters(stream, reason, count) VALUES (\(stream.rawValue), '\(reason.rawValue)', \(count))
                ON CONFLICT(stream, reason) DO UPDATE SET count = count + excluded.count
                """)
        }
    }

    static func loadLosses(_ database: SQLiteDatabase) throws(SQLiteError) -> LossCounters {
        var losses = LossCounters()
        let select = try database.prepare("SELECT stream, reason, count FROM counters")
        while try select.step() {
            guard let stream = QueueStream(rawValue: select.int64(0)),
                  let reason = LossReason(rawValue: select.text(1)) else { continue }
            losses[stream, reason] = select.int64(2)
        }
        return losses
    }
}
