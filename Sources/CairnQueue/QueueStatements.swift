/// The queue's prepared statements, compiled once per connection.
struct QueueStatements {
    /// Bytes a row costs beyond its body (keys, columns, index entries), for budget estimates.
    static let rowOverhead: Int64 = 64
    /// A boot id no record has: "hold nothing".
    static let noBoot = "\u{1}none"

    let insert: SQLiteStatement
    let remove: SQLiteStatement
    let select: SQLiteStatement

    init(_ database: SQLiteDatabase) throws(SQLiteError) {
        insert = try database.prepare("""
            INSERT INTO records(seq, stream, time_ms, body, mono_ms, boot_id, clock_ok, bytes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        remove = try database.prepare("DELETE FROM records WHERE seq = ?")
        select = try database.prepare("""
            SELECT seq, time_ms, mono_ms, boot_id, clock_ok, body FROM records
            WHERE stream = ?1 AND seq > ?2 AND seq < ?3 AND NOT (clock_ok = 0 AND boot_id = ?4)
            ORDER BY seq LIMIT ?5
            """)
    }
}
