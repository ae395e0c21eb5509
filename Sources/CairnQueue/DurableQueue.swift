import CairnCore

/// Store-and-forward queue in one SQLite file (WAL). Records are appended
/// with a sequence number that only grows, across restarts, and are deleted
/// only when the uplink acknowledges them (the broker's PUBACK), so a crash
/// or a power cut at any point loses nothing that was committed.
public final class DurableQueue {
    public static let schemaVersion: Int64 = 1

    private let database: SQLiteDatabase
    private let insert: SQLiteStatement
    private let remove: SQLiteStatement
    private let select: SQLiteStatement
    private var nextSequence: Int64

    public init(path: String) throws(QueueError) {
        do {
            database = try SQLiteDatabase(path: path)
            // WAL keeps readers (cairn queue stats) off the writer's back; NORMAL
            // syncs at checkpoints: a process crash loses nothing committed.
            try database.execute("PRAGMA journal_mode=WAL")
            try database.execute("PRAGMA synchronous=NORMAL")
            try DurableQueue.migrate(database)
            insert = try database.prepare("INSERT INTO records(seq, stream, time_ms, body) VALUES (?, ?, ?, ?)")
            remove = try database.prepare("DELETE FROM records WHERE seq = ?")
            select = try database.prepare(
                "SELECT seq, stream, time_ms, body FROM records WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?")
            nextSequence = try database.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'records'") + 1
        } catch {
            throw QueueError("open \(path)", error)
        }
    }

    private static func migrate(_ database: SQLiteDatabase) throws(SQLiteError) {
        let version = try database.scalar("PRAGMA user_version")
        if version < 1 {
            try database.transaction { () throws(SQLiteError) in
                try database.execute("""
                    CREATE TABLE IF NOT EXISTS records(
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        stream INTEGER NOT NULL,
                        time_ms INTEGER NOT NULL,
                        body TEXT NOT NULL);
                    CREATE INDEX IF NOT EXISTS records_stream ON records(stream, seq);
                    PRAGMA user_version = 1;
                    """)
            }
        }
    }

    /// The sequence number the next appended record will get.
    public var upcomingSequence: Int64 { nextSequence }

    /// Appends readings to the telemetry stream in one transaction; returns their sequence numbers.
    @discardableResult
    public func append(readings: [Reading]) throws(QueueError) -> ClosedRange<Int64>? {
        guard !readings.isEmpty else { return nil }
        let first = nextSequence
        do {
            try database.transaction { () throws(SQLiteError) in
                var sequence = first
                for reading in readings {
                    try insertRow(sequence, .telemetry, reading.time, reading.json(sequence: sequence))
                    sequence += 1
                }
            }
        } catch {
            throw QueueError("append", error)
        }
        nextSequence = first + Int64(readings.count)
        return first...(nextSequence - 1)
    }

    /// Appends one record whose body is built from its sequence number.
    @discardableResult
    public func append(stream: QueueStream, time: Int64, body: (Int64) -> String) throws(QueueError) -> Int64 {
        let sequence = nextSequence
        do {
            try insertRow(sequence, stream, time, body(sequence))
        } catch {
            throw QueueError("append", error)
        }
        nextSequence += 1
        return sequence
    }

    private func insertRow(_ sequence: Int64, _ stream: QueueStream, _ time: Int64, _ body: String) throws(SQLiteError) {
        insert.bind(1, sequence)
        insert.bind(2, stream.rawValue)
        insert.bind(3, time)
        insert.bind(4, body)
        try insert.run()
    }

    /// Up to `limit` records of a stream after `sequence`, oldest first; only
    /// those rows are read, whatever the size of the backlog.
    public func records(stream: QueueStream, after sequence: Int64, limit: Int) throws(QueueError) -> [QueuedRecord] {
        var result: [QueuedRecord] = []
        select.bind(1, stream.rawValue)
        select.bind(2, sequence)
        select.bind(3, Int64(limit))
        defer { select.reset() }
        do {
            while try select.step() {
                result.append(QueuedRecord(
                    sequence: select.int64(0), stream: QueueStream(rawValue: select.int64(1)) ?? stream,
                    time: select.int64(2), body: select.text(3)))
            }
        } catch {
            throw QueueError("read", error)
        }
        return result
    }

    /// Deletes acknowledged records in one transaction.
    public func acknowledge(_ sequences: [Int64]) throws(QueueError) {
        guard !sequences.isEmpty else { return }
        do {
            try database.transaction { () throws(SQLiteError) in
                for sequence in sequences {
                    remove.bind(1, sequence)
                    try remove.run()
                }
            }
        } catch {
            throw QueueError("acknowledge", error)
        }
    }

    public func count(stream: QueueStream? = nil) throws(QueueError) -> Int64 {
        do {
            if let stream {
                return try database.scalar("SELECT count(*) FROM records WHERE stream = \(stream.rawValue)")
            }
            return try database.scalar("SELECT count(*) FROM records")
        } catch {
            throw QueueError("count", error)
        }
    }
}
