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
    let removeRange: SQLiteStatement
    let select: SQLiteStatement

    init(_ database: SQLiteDatabase) throws(SQLiteError) {
        insert = try database.prepare("""
            INSERT INTO records(seq, stream, time_ms, body, mono_ms, boot, clock_ok)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        removeRange = try database.prepare("DELETE FROM records WHERE seq BETWEEN ?1 AND ?2")
        select = try database.prepare("""
            SELECT r.seq, r.time_ms, r.mono_ms, coalesce(b.boot_id, ''), r.clock_ok, r.body
            FROM records r LEFT JOIN boots b ON b.id = r.boot
            WHERE r.stream = ?1 AND r.seq > ?2 AND r.seq < ?3 AND NOT (r.clock_ok = 0 AND r.boot = ?4)
            ORDER BY r.seq LIMIT ?5
            """)
    }
}
