/// The queue's prepared statements, compiled once per connection.
struct QueueStatements {
    /// Bytes a row costs beyond its body (keys, columns, index entries), for budget estimates.
    static let rowOverhead: Int64 = 64
    /// A boot number no record has: "hold nothing".
    static let noBoot: Int64 = -1
    /// The boot of a record whose time is not from the agent's clock (and of
    /// rows migrated from version 1): boot numbers start at 1, so no correction matches it.
    static let noClock: Int64 = 0

    let insert: SQLiteStatement
    /// `insertChunk` rows in one statement: an AUTOINCREMENT table rewrites its
    /// `sqlite_sequence` row once per statement, so a batch costs that once per chunk.
    let insertMany: SQLiteStatement
    static let insertChunk = 32
    static let insertColumns: Int32 = 7
    let removeRange: SQLiteStatement
    /// A run of sequence numbers the broker acknowledged (`DurableQueue.delivered`).
    let markDelivered: SQLiteStatement
    /// One per stream (index = raw value): each carries its stream's condition (`QueueStream.sql`).
    let select: [SQLiteStatement]

    /// Up to ?5 records of `stream` with ?2 < seq < ?3, leaving out boot ?4's untrusted ones.
    static func selectSQL(_ stream: QueueStream) -> String {
        """
        SELECT seq, time_ms, mono_ms, boot, clock_ok, body FROM records
        WHERE \(stream.sql) AND seq > ?2 AND seq < ?3 AND NOT (clock_ok = 0 AND boot = ?4)
        ORDER BY seq LIMIT ?5
        """
    }

    init(_ database: SQLiteDatabase) throws(SQLiteError) {
        insert = try database.prepare("""
            INSERT INTO records(seq, stream, time_ms, body, mono_ms, boot, clock_ok)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        let row = "(" + Array(repeating: "?", count: Int(QueueStatements.insertColumns)).joined(separator: ", ") + ")"
        insertMany = try database.prepare("""
            INSERT INTO records(seq, stream, time_ms, body, mono_ms, boot, clock_ok)
            VALUES \(Array(repeating: row, count: QueueStatements.insertChunk).joined(separator: ", "))
            """)
        removeRange = try database.prepare("DELETE FROM records WHERE seq BETWEEN ?1 AND ?2")
        markDelivered = try database.prepare("INSERT INTO delivered(first, last) VALUES (?1, ?2)")
        var select: [SQLiteStatement] = []
        for stream in QueueStream.allCases {
            select.append(try database.prepare(QueueStatements.selectSQL(stream)))
        }
        self.select = select
    }
}
