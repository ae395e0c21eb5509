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
