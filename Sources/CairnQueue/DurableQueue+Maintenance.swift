import CairnCore

/// Clock correction, statistics and technician commands.
extension DurableQueue {
    /// Re-stamps this boot's records as monotonic + offset once the clock is
    /// trusted (or stepped); returns how many records were corrected. Only
    /// times read from the agent's clock are on a boot (`PendingRecord` pairs
    /// each with its monotonic time, a window's start too); a device's own time is not.
    @discardableResult
    public func correctClock(bootID: String, offset: Int64) throws(QueueError) -> Int64 {
        do {
            let boot = try bootNumber(bootID)
            try database.execute("UPDATE records SET time_ms = mono_ms + \(offset), clock_ok = 1 WHERE boot = \(boot)")
            return Int64(database.changes)
        } catch {
            throw QueueError("correct clock", error)
        }
    }

    public func stats() throws(QueueError) -> QueueStats {
        do {
            var streams: [QueueStats.Stream] = []
            for stream in QueueStream.allCases {
                let select = try database.prepare(
                    "SELECT count(*), coalesce(sum(length(body)), 0), coalesce(min(time_ms), 0), coalesce(min(seq), 0), coalesce(sum(clock_ok = 0), 0) FROM records WHERE \(stream.sql) AND \(DurableQueue.notDelivered)")
                _ = try select.step()
                streams.append(QueueStats.Stream(stream: stream, records: select.int64(0), bytes: select.int64(1),
                                                 oldestTime: select.int64(2), oldestSequence: select.int64(3),
                                                 unsynced: select.int64(4)))
            }
            let fileBytes = try database.scalar("PRAGMA page_count") * database.scalar("PRAGMA page_size")
            return QueueStats(streams: streams, usedBytes: try usedBytesRaw(), fileBytes: fileBytes,
                              budgetBytes: budgetBytes, nextSequence: nextSequence, losses: losses)
        } catch {
            throw QueueError("stats", error)
        }
    }

    /// Deletes every record of a stream (or all), counted as purged.
    @discardableResult
    public func purge(stream: QueueStream?) throws(QueueError) -> Int64 {
        var total: Int64 = 0
        do {
            try counting { () throws(SQLiteError) in
                // Delivered records are no loss: they go first, uncounted (this connection
                // may be a technician's, beside the agent that marked them).
                delivered = try DurableQueue.loadDelivered(database)
                _ = try deleteDelivered()
                for s in QueueStream.allCases where stream == nil || stream == s {
                    try database.execute("DELETE FROM records WHERE \(s.sql)")
                    let removed = Int64(database.changes)
                    try record(removed, s, .purged)
                    total += removed
                }
            }
        } catch {
            throw QueueError("purge", error)
        }
        return total
    }

    /// Folds the WAL into the main file and truncates it (clean shutdown).
    public func checkpoint() {
        try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}

/// What `cairn queue stats` shows.
public struct QueueStats {
    public struct Stream {
        public let stream: QueueStream
        public let records: Int64
        public let bytes: Int64
        public let oldestTime: Int64
        public let oldestSequence: Int64
        public let unsynced: Int64
    }

    public let streams: [Stream]
    public let usedBytes: Int64
    public let fileBytes: Int64
    /// As the agent recorded it (0: unbounded; nil: not recorded yet).
    public let budgetBytes: Int64?
    public let nextSequence: Int64
    public let losses: LossCounters

    public var records: Int64 { streams.reduce(0) { $0 + $1.records } }
}

extension DurableQueue {
    /// New bounds and durability for the open queue: connection settings and
    /// limits only; the file, its records and the sequence are not touched. A
    /// smaller budget or age takes effect at the next append or expiry.
    public func reconfigure(_ new: QueueOptions) throws(QueueError) {
        guard new.path == options.path else { throw QueueError("reconfigure", SQLiteError(code: 21, message: "the queue file cannot change while open")) }
        let old = options
        do {
            try QueueRecovery.configure(database, new)
            try QueueRecovery.limit(database, new)
            options = new
            // The file records the budget it is held to (`cairn queue stats` reads it there).
            try recordBudget()
            budgetBytes = new.budgetBytes
        } catch {
            // Back to what was in force: half a change is worse than none.
            options = old
            try? QueueRecovery.configure(database, old)
            try? QueueRecovery.limit(database, old)
            try? recordBudget()
            throw QueueError("reconfigure", error)
        }
    }
}
