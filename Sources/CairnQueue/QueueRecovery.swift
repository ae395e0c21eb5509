import CSystem
import CairnCore

/// Opening the queue file so that the agent always starts: a file that is
/// corrupt, unreadable or from a newer agent (a downgrade) is moved aside with a
/// timestamp (kept for forensics, or for that newer agent) and a fresh one is started.
public struct QueueRecovery: Equatable {
    /// Where the old file now is.
    public let movedTo: String
    /// Why it was moved.
    public let reason: String

    /// The open file, the records it holds, and why an unusable one was moved aside.
    static func open(_ options: QueueOptions, recover: Bool) throws(QueueError)
        -> (database: SQLiteDatabase, records: Int64, recovery: QueueRecovery?) {
        do throws(SQLiteError) {
            // Technician commands always check: they are there to report.
            let database = try openChecked(options, check: !recover || !closedCleanly(options.path))
            do throws(SQLiteError) {
                // Counting visits every page of the table: after a clean stop, the check there is.
                return (database, try database.scalar("SELECT count(*) FROM records"), nil)
            } catch {
                database.close()
                throw error
            }
        } catch {
            guard recover else { throw QueueError("open \(options.path)", error) }
            let movedTo = moveAside(options.path, as: error.isNewerSchema ? "newer" : "corrupt")
            Log.error(error.isNewerSchema ? newerMessage(options.path, error, movedTo)
                      : "queue \(options.path) unusable (\(error)); moved to \(movedTo), starting a fresh queue")
            do {
                let reason = error.isNewerSchema ? error.message : "\(error)"
                return (try openChecked(options), 0, QueueRecovery(movedTo: movedTo, reason: reason))
            } catch {
                throw QueueError("open \(options.path)", error)
            }
        }
    }

    /// A downgrade: the file is whole, only not ours to read. Say where it went and how
    /// its records get sent after all.
    static func newerMessage(_ path: String, _ error: SQLiteError, _ movedTo: String) -> String {
        "queue \(path) was \(error.message): moved unchanged to \(movedTo), starting a fresh queue. "
            + "Its undelivered records are still in that file; to send them, install that newer Cairn again, "
            + "stop it, move the file back to \(path) and start it"
    }

    /// Whether the last connection to the file closed it: SQLite removes the write-ahead
    /// log then. One left behind means a crash, a kill or a power cut while it was open
    /// (or another process has it open now).
    static func closedCleanly(_ path: String) -> Bool {
        !Files.exists(path + "-wal")
    }

    /// Opens, configures, verifies (`check`: quick_check, which reads the whole file) and migrates.
    ///
    /// The agent checks only after a stop that did not close the file: quick_check's cost
    /// grows with the backlog (0.16 s for a million readings on a desktop, many times that
    /// on an SD card), every start after a clean stop paid it, and a page that went bad
    /// since is met by the reads and the deletes and handled the same way (moved aside,
    /// a fresh file started). A file that is not a database at all fails at the first read.
    static func openChecked(_ options: QueueOptions, check: Bool = true) throws(SQLiteError) -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: options.path)
        try QueueSchema.refuseNewer(database)
        try database.execute("PRAGMA journal_mode=WAL")
        try configure(database, options)
        if check {
            let statement = try database.prepare("PRAGMA quick_check(1)")
            let verdict = try statement.step() ? statement.text(0) : ""
            // Done with: a statement left running would lock the schema a migration changes.
            statement.reset()
            guard verdict == "ok" else {
                throw SQLiteError(code: SQLiteError.corrupt, message: "quick_check: \(verdict)")
            }
        }
        try QueueSchema.migrate(database)
        if options.budgetBytes > 0 { try limit(database, options) }
        return database
    }

    /// Durability and checkpointing: connection settings, changed at any time.
    static func configure(_ database: SQLiteDatabase, _ options: QueueOptions) throws(SQLiteError) {
        try database.execute("PRAGMA synchronous=\(options.durability == .full ? "FULL" : "NORMAL")")
        try database.execute("PRAGMA wal_autocheckpoint=\(options.checkpointPages)")
        // SQLite's page cache: 1 MiB, not its default 2 MiB. The queue reads and deletes in
        // sequence order, so beyond the b-tree's inner pages a cache buys little, and the
        // memory is the gateway's (peak RSS draining a backlog, issue 14).
        try database.execute("PRAGMA cache_size=-\(QueueOptions.cacheKiB)")
        // Keep a checkpointed WAL from lingering at its largest size.
        try database.execute("PRAGMA journal_size_limit=\(options.checkpointPages * 4096)")
    }

    /// A hard ceiling for SQLite itself, above the soft budget eviction keeps to
    /// (never below what the file holds now, so a smaller budget evicts instead of failing).
    static func limit(_ database: SQLiteDatabase, _ options: QueueOptions) throws(SQLiteError) {
        let pageSize = try database.scalar("PRAGMA page_size")
        var pages: Int64 = 0xFFFF_FFFE
        if options.budgetBytes > 0 {
            pages = max(options.budgetBytes / pageSize + options.budgetBytes / pageSize / 4 + 256, try database.scalar("PRAGMA page_count"))
        }
        try database.execute("PRAGMA max_page_count=\(pages)")
    }

    /// Renames the file and its WAL/SHM to `<path>.<kind>-<UTC time>` (kind: `corrupt`,
    /// or `newer` for a file from a newer agent); returns the new name.
    static func moveAside(_ path: String, as kind: String = "corrupt") -> String {
        var stamp = Clock.rfc3339(Clock.wallMilliseconds())
        stamp = String(decoding: stamp.utf8.filter { $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: "-") }, as: UTF8.self)
        let target = "\(path).\(kind)-\(stamp)"
        for suffix in ["", "-wal", "-shm"] where Files.exists(path + suffix) {
            _ = (path + suffix).withCString { from in (target + suffix).withCString { rename(from, $0) } }
        }
        return target
    }
}

extension DurableQueue {
    /// A corrupt page found while running (an append, a read, an acknowledgement): move the
    /// file aside and continue on a fresh one. `recovery` names it; the agent reports it.
    func recoverFromCorruption(_ error: SQLiteError) throws(QueueError) {
        database.close()
        let movedTo = QueueRecovery.moveAside(options.path)
        Log.error("queue corrupt while running (\(error)); moved to \(movedTo), starting a fresh queue")
        do {
            database = try QueueRecovery.openChecked(options)
            statements = try QueueStatements(database)
            try recordBudget()
            // The old file's counts went with it: the new one starts from those in memory.
            try saveLosses(losses.since(unsavedLosses))
            try saveReported(reportedLosses)
        } catch {
            throw QueueError("reopen \(options.path)", error)
        }
        recovery = QueueRecovery(movedTo: movedTo, reason: "\(error)")
        recordCount = 0
        countedDataVersion = (try? database.scalar("PRAGMA data_version")) ?? -1
        boots.removeAll()
        bootIDs.removeAll()
        unacknowledged.removeAll()
        delivered.removeAll()
        nextSequence = max(nextSequence, reservation.ceiling + 1)
    }
}
