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
    /// waits: one index step, cheap at any depth, and one more past each delivered run.
    public func oldestTime(stream: QueueStream) throws(QueueError) -> Int64? {
        do {
            let select = try database.prepare("SELECT seq, time_ms FROM records WHERE \(stream.sql) AND seq > ? ORDER BY seq LIMIT 1")
            var after = Int64.min
            while true {
                select.bind(1, after)
                guard try select.step() else { return nil }
                guard let run = delivered.run(containing: select.int64(0)) else { return select.int64(1) }
                after = run.upperBound
                select.reset()
            }
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
        var used = try usedBytesRaw()
        let target = options.budgetBytes - options.budgetBytes / 10 - incoming
        // Records that reached the broker go first, and are no loss: as many as eviction
        // would take (not all at once: a paced drain may have marked hundreds of thousands).
        while used + incoming > options.budgetBytes && !delivered.isEmpty {
            let perRecord = max(1, used / max(1, recordCount + deliveredPending))
            _ = try deleteDelivered(limit: max(1024, (used - max(0, target) + perRecord - 1) / perRecord))
            used = try usedBytesRaw()
        }
        guard used + incoming > options.budgetBytes, recordCount > 0 else { return }
        let perRecord = max(1, used / max(1, recordCount))
        var toFree = (used - max(0, target) + perRecord - 1) / perRecord
        if options.overflow == .downsample {
            toFree -= try thinOldestTelemetry(toFree)
        }
        // Oldest telemetry first, then metadata; events last of all.
        for stream in [QueueStream.telemetry, .metadata, .events] where toFree > 0 {
            let removed = try deleteOldest(stream, count: toFree, reason: .evicted)
            toFree -= removed
            // What is left of this stream may have reached the broker: wait for its PUBACKs
            // (the file stays above the budget meanwhile, below SQLite's hard ceiling) rather
            // than evict a later stream, whose events include the loss reports themselves.
            if toFree > 0 && !unacknowledged.isEmpty {
                let spared = try database.scalar("SELECT count(*) FROM (SELECT 1 FROM records WHERE \(stream.sql) LIMIT 1)")
                if spared > 0 { return }
            }
        }
    }

    private func deleteOldest(_ stream: QueueStream, count: Int64, reason: LossReason) throws(SQLiteError) -> Int64 {
        let removed = try deleteSelected(
            "SELECT seq FROM records WHERE \(stream.sql) ORDER BY seq LIMIT \(count + Int64(unacknowledged.count) + deliveredPending)",
            limit: count)
        try record(removed, stream, reason)
        return removed
    }

    /// Deletes every other record among the oldest 2×count telemetry records.
    private func thinOldestTelemetry(_ count: Int64) throws(SQLiteError) -> Int64 {
        let removed = try deleteSelected("""
            SELECT seq FROM (SELECT seq FROM records WHERE \(QueueStream.telemetry.sql) ORDER BY seq LIMIT \(count * 2))
            WHERE seq % 2 = 0
            """)
        try record(removed, .telemetry, .downsampled)
        return removed
    }

    /// Deletes what `select` names (sequence numbers, ascending), at most `limit`, except
    /// records that may have reached the broker (`unacknowledged`) or did (`delivered`):
    /// counting those as lost would count a reading that arrives. Returns how many rows went.
    func deleteSelected(_ select: String, limit: Int64 = Int64.max) throws(SQLiteError) -> Int64 {
        guard !unacknowledged.isEmpty || !delivered.isEmpty else {
            // Nothing to spare (`select` then holds `limit` itself): one statement, no list in memory.
            try database.execute("DELETE FROM records WHERE seq IN (\(select))")
            return Int64(database.changes)
        }
        let statement = try database.prepare(select)
        var chosen: [Int64] = []
        while Int64(chosen.count) < limit, try statement.step() {
            let sequence = statement.int64(0)
            if !unacknowledged.contains(sequence) && !delivered.contains(sequence) { chosen.append(sequence) }
        }
        return try delete(chosen)
    }

    /// Deletes records older than their stream's maximum age (trusted times only).
    @discardableResult
    public func expire(now: Int64) throws(QueueError) -> Int64 {
        var total: Int64 = 0
        do {
            try counting { () throws(SQLiteError) in
                for stream in QueueStream.allCases {
                    let age = options.maxAge[Int(stream.rawValue)]
                    guard age > 0 else { continue }
                    let removed = try deleteSelected(
                        "SELECT seq FROM records WHERE \(stream.sql) AND clock_ok = 1 AND time_ms < \(now - age) ORDER BY seq")
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
