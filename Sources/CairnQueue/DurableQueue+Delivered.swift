import CairnCore

/// Records the broker acknowledged while a backlog drains: marked delivered, one row per
/// run of sequence numbers, never read or counted again, and deleted later, when the
/// uplink has nothing to send. Deleting a hundred readings per PUBACK rewrites and
/// re-balances their pages, and that was half the time of a drain (docs/queue.md,
/// "Delivered, deleted later").
extension DurableQueue {
    /// Records marked delivered whose rows are not deleted yet.
    public var deliveredPending: Int64 { Int64(delivered.count) }

    /// Deletes up to `limit` sequence numbers' worth of delivered records, lowest first, in
    /// one transaction; returns how many rows went. No loss: they reached the broker.
    @discardableResult
    public func purgeDelivered(limit: Int64 = Int64.max) throws(QueueError) -> Int64 {
        guard !delivered.isEmpty else { return 0 }
        do {
            return try counting { () throws(SQLiteError) in try deleteDelivered(limit: limit) }
        } catch {
            guard error.isCorruption else { throw QueueError("delete delivered records", error) }
            try recoverFromCorruption(error)   // the records went with the old file
            return 0
        }
    }

    /// Marks `sorted` sequence numbers delivered. Inside the caller's transaction.
    func markDelivered(_ sorted: [Int64]) throws(SQLiteError) {
        try saveDelivered(DurableQueue.runs(sorted))
    }

    private func saveDelivered(_ runs: [ClosedRange<Int64>]) throws(SQLiteError) {
        let insert = statements.markDelivered
        for run in runs {
            insert.bind(1, run.lowerBound)
            insert.bind(2, run.upperBound)
            try insert.run()
        }
    }

    /// Deletes delivered records, lowest runs first, up to `limit` sequence numbers, and
    /// writes what is left back to the table. Inside the caller's transaction.
    func deleteDelivered(limit: Int64 = Int64.max) throws(SQLiteError) -> Int64 {
        var left = limit
        var removed: Int64 = 0
        let remove = statements.removeRange
        for run in delivered.runs where left > 0 {
            let last = run.upperBound - run.lowerBound >= left ? run.lowerBound + left - 1 : run.upperBound
            remove.bind(1, run.lowerBound)
            remove.bind(2, last)
            try remove.run()
            removed += Int64(database.changes)
            delivered.remove(run.lowerBound...last)
            left -= last - run.lowerBound + 1
        }
        // A handful of runs: the table is written anew rather than trimmed row by row.
        try database.execute("DELETE FROM delivered")
        try saveDelivered(delivered.runs)
        return removed
    }

    /// Rows still in the file among the delivered runs, of `stream` or of all.
    func deliveredRowsPresent(_ stream: QueueStream? = nil) throws(SQLiteError) -> Int64 {
        var present: Int64 = 0
        let condition = stream.map { $0.sql + " AND " } ?? ""
        for run in delivered.runs {
            present += try database.scalar(
                "SELECT count(*) FROM records WHERE \(condition)seq BETWEEN \(run.lowerBound) AND \(run.upperBound)")
        }
        return present
    }

    static func loadDelivered(_ database: SQLiteDatabase) throws(SQLiteError) -> SequenceSet {
        var set = SequenceSet()
        let select = try database.prepare("SELECT first, last FROM delivered")
        while try select.step() {
            let first = select.int64(0), last = select.int64(1)
            if first <= last { set.insert(first...last) }
        }
        return set
    }

    /// SQL: the row of `records` at hand is not among the delivered (what the file says).
    static let notDelivered = "NOT EXISTS (SELECT 1 FROM delivered WHERE first <= records.seq AND last >= records.seq)"

    /// Runs of consecutive numbers in `sorted`.
    static func runs(_ sorted: [Int64]) -> [ClosedRange<Int64>] {
        var runs: [ClosedRange<Int64>] = []
        SequenceSet.forEachRun(sorted) { runs.append($0) }
        return runs
    }
}
