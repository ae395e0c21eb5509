/// The disk budget lives in the queue file: the agent, which holds the file to
/// it, records it at every open, and whoever else opens the file (`cairn queue
/// stats`) reads it there instead of assuming its own configuration's.
extension DurableQueue {
    static let budgetKey = "budget_bytes"

    func recordBudget() throws(SQLiteError) {
        try database.execute("""
            INSERT INTO settings(key, value) VALUES ('\(DurableQueue.budgetKey)', \(options.budgetBytes))
            ON CONFLICT(key) DO UPDATE SET value = excluded.value
            """)
    }

    /// The budget the agent recorded; nil if no agent has opened the file since it had a place for it.
    func recordedBudget() throws(SQLiteError) -> Int64? {
        let select = try database.prepare("SELECT value FROM settings WHERE key = ?")
        select.bind(1, DurableQueue.budgetKey)
        return try select.step() ? select.int64(0) : nil
    }
}

/// Losses already reported (in a `queue.loss` event) are kept in the file too,
/// written in the transaction that queues the report: losses that a stop, a
/// crash or another process (`cairn queue purge`) left unreported are reported
/// by the next report, and none twice.
extension DurableQueue {
    static func reportedKey(_ stream: QueueStream, _ reason: LossReason) -> String {
        "reported.\(stream.name).\(reason.rawValue)"
    }

    func saveReported(_ counters: LossCounters) throws(SQLiteError) {
        for stream in QueueStream.allCases {
            for reason in LossReason.allCases {
                try database.execute("""
                    INSERT INTO settings(key, value) VALUES ('\(DurableQueue.reportedKey(stream, reason))', \(counters[stream, reason]))
                    ON CONFLICT(key) DO UPDATE SET value = excluded.value
                    """)
            }
        }
    }

    /// nil when nothing was ever recorded (a file from before reports were kept).
    func loadReported() throws(SQLiteError) -> LossCounters? {
        let select = try database.prepare("SELECT value FROM settings WHERE key = ?")
        var counters = LossCounters()
        var found = false
        for stream in QueueStream.allCases {
            for reason in LossReason.allCases {
                select.bind(1, DurableQueue.reportedKey(stream, reason))
                if try select.step() {
                    counters[stream, reason] = select.int64(0)
                    found = true
                }
                select.reset()
            }
        }
        return found ? counters : nil
    }

    /// Re-reads the loss counters and the record count from the file, which
    /// another process (`cairn queue purge`) may have changed; only when one did:
    /// the count reads every page of the table (a million readings: 24,000 pages,
    /// at every start and every minute before).
    public func refreshLosses() throws(QueueError) {
        do {
            let version = try database.scalar("PRAGMA data_version")
            guard version != countedDataVersion else { return }
            countedDataVersion = version
            var fresh = try DurableQueue.loadLosses(database)
            for (stream, reason, count) in unsavedLosses.entries { fresh[stream, reason] += count }
            losses = fresh
            recordCount = try database.scalar("SELECT count(*) FROM records") - deliveredRowsPresent()
        } catch {
            throw QueueError("read counters", error)
        }
    }
}
