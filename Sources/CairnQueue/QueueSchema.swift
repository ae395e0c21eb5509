import CairnCore

/// The queue file's schema, versioned with PRAGMA user_version. Each step
/// migrates from the version before it, in one transaction, so a file from
/// any earlier release opens; tests build every earlier version and migrate it.
enum QueueSchema {
    static let current: Int64 = 5

    /// Version 1 (first release): records(seq, stream, time_ms, body) where body
    /// was the complete reading JSON including "seq" and "time".
    static let version1 = """
        CREATE TABLE records(
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            stream INTEGER NOT NULL,
            time_ms INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE INDEX records_stream ON records(stream, seq);
        PRAGMA user_version = 1;
        """

    /// Version 2: bodies are fragments (no seq/time, added at send time so a
    /// corrected clock can re-stamp waiting records); each record keeps its
    /// boot (a number into `boots`, not the 36-byte id: fewer bytes written
    /// per reading), monotonic time and whether the clock was trusted;
    /// per-stream counters of records lost to bounds, kept across restarts.
    static let version2 = """
        ALTER TABLE records ADD COLUMN mono_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE records ADD COLUMN boot INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE records ADD COLUMN clock_ok INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE boots(
            id INTEGER PRIMARY KEY,
            boot_id TEXT NOT NULL UNIQUE);
        CREATE TABLE counters(
            stream INTEGER NOT NULL,
            reason TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY(stream, reason));
        PRAGMA user_version = 2;
        """

    /// Version 3: settings the agent records about how it holds the file
    /// (`budget_bytes`), so that whoever opens it reads the same.
    static let version3 = """
        CREATE TABLE settings(
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL);
        PRAGMA user_version = 3;
        """

    /// Version 4: the (stream, seq) index covers events and metadata only. Telemetry,
    /// nearly every row, is read, evicted and deleted in `seq` order along the table's
    /// own key, so each telemetry insert and delete no longer writes an index entry.
    /// Queries that want the index carry its condition word for word (`QueueStream.sql`).
    static let version4 = """
        DROP INDEX records_stream;
        CREATE INDEX records_events_metadata ON records(stream, seq) WHERE stream < 2;
        PRAGMA user_version = 4;
        """

    /// Version 5: runs of records the broker acknowledged whose rows are not deleted yet
    /// (`DurableQueue.delivered`). While a backlog drains, a PUBACK costs one row here
    /// instead of deleting a hundred readings, which rewrites and re-balances their pages;
    /// the rows go when the uplink has nothing to send. Rows may overlap or touch: each
    /// is a run that was acknowledged, and a run whose records are gone means nothing.
    static let version5 = """
        CREATE TABLE delivered(
            first INTEGER NOT NULL,
            last INTEGER NOT NULL);
        PRAGMA user_version = 5;
        """

    /// A file written by a newer Cairn (its version above `current`) is refused before
    /// anything writes to it, so that it can be moved aside byte for byte and handed back
    /// to that version later.
    static func refuseNewer(_ database: SQLiteDatabase) throws(SQLiteError) {
        let version = try database.scalar("PRAGMA user_version")
        guard version > current else { return }
        throw SQLiteError(code: SQLiteError.newerSchema,
                          message: "written by a newer Cairn (queue schema \(version); cairn \(BuildInfo.version) reads schemas 1 to \(current))")
    }

    static func migrate(_ database: SQLiteDatabase) throws(SQLiteError) {
        var version = try database.scalar("PRAGMA user_version")
        if version == 0 {
            // A new file starts at the current version directly.
            let hasRecords = try database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'records'")
            if hasRecords == 0 {
                try database.transaction { () throws(SQLiteError) in
                    try database.execute(version1)
                    try database.execute(version2)
                    try database.execute(version3)
                    try database.execute(version4)
                    try database.execute(version5)
                }
                return
            }
        }
        if version == 1 {
            try database.transaction { () throws(SQLiteError) in
                try database.execute(version2)
                try rewriteVersion1Bodies(database)
            }
            version = 2
        }
        if version == 2 {
            try database.transaction { () throws(SQLiteError) in try database.execute(version3) }
            version = 3
        }
        if version == 3 {
            try database.transaction { () throws(SQLiteError) in try database.execute(version4) }
            version = 4
        }
        if version == 4 {
            try database.transaction { () throws(SQLiteError) in try database.execute(version5) }
            version = 5
        }
        guard version == current else {
            throw SQLiteError(code: SQLiteError.newerSchema, message: "queue schema \(version) is newer than this agent's (\(current))")
        }
    }

    /// Strips "seq" and "time" from version-1 bodies: `{"seq":1,"sensor":…,"time":5}` → `"sensor":…`.
    private static func rewriteVersion1Bodies(_ database: SQLiteDatabase) throws(SQLiteError) {
        let read = try database.prepare("SELECT seq, body FROM records")
        let write = try database.prepare("UPDATE records SET body = ? WHERE seq = ?")
        var rewrites: [(Int64, String)] = []
        while try read.step() {
            rewrites.append((read.int64(0), BodyFragment.strippingEnvelope(read.text(1))))
        }
        for (sequence, fragment) in rewrites {
            write.bind(1, fragment)
            write.bind(2, sequence)
            try write.run()
        }
    }
}
