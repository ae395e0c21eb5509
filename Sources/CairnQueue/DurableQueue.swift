import CairnCore

/// Store-and-forward queue in one SQLite file (WAL). Records are appended
/// with a sequence number that only grows, across restarts and even across a
/// lost queue file, and are deleted only when the uplink acknowledges them
/// (the broker's PUBACK), so a crash or power cut at any point loses nothing
/// that was committed. Reads are lazy (LIMIT), so a backlog of any size costs
/// the memory of one batch.
public final class DurableQueue {
    public internal(set) var options: QueueOptions
    var database: SQLiteDatabase
    var statements: QueueStatements
    var nextSequence: Int64
    var reservation: SequenceReservation
    /// Records in the file, kept in memory so bounds checks need no count(*).
    public internal(set) var recordCount: Int64
    /// Everything lost to bounds or errors, persisted plus not yet persisted.
    public internal(set) var losses = LossCounters()
    /// The part of `losses` already reported in a `queue.loss` event (kept in the file).
    public internal(set) var reportedLosses = LossCounters()
    /// Rejections not yet written to the counters table (the disk was full).
    var unsavedLosses = LossCounters()
    /// The counts again, beside the file, so they outlive it (the agent's only: nil
    /// for technician commands, `recover: false`).
    var ledger: LossLedger?
    /// Boot ids → their number in the `boots` table.
    var boots: [String: Int64] = [:]
    /// And back: boot numbers read from rows → their ids. Both are emptied together.
    var bootIDs: [Int64: String] = [:]
    /// Records published to the broker whose PUBACK has not arrived (in flight, or sent in a
    /// session that ended before it came): they may have reached the broker, so eviction,
    /// downsampling and expiry leave them alone — a loss is counted only for a record that
    /// cannot arrive (docs/queue.md). Filled by the uplink (`sent(_:)`), emptied as
    /// acknowledgements delete the records or a refusal says they did not arrive.
    public internal(set) var unacknowledged = SequenceSet()
    /// Records the broker acknowledged whose rows are still in the file (kept in the
    /// `delivered` table, so they are neither sent again nor counted after a crash):
    /// reads skip them, counts leave them out, eviction deletes them first, and
    /// `purgeDelivered` deletes them when the sender has nothing to send.
    public internal(set) var delivered = SequenceSet()
    /// Set when a corrupt or unreadable file was moved aside at open.
    public internal(set) var recovery: QueueRecovery?

    /// The disk budget the file is held to (0: unbounded), as the agent recorded
    /// it; nil when no agent has recorded one yet.
    public internal(set) var budgetBytes: Int64?
    /// `PRAGMA data_version` when the counts were last read from the file: it moves only
    /// when another connection commits (a technician's `cairn queue purge`).
    var countedDataVersion: Int64 = -1

    /// `recover: true` is the agent, which owns the file: it moves a bad file
    /// aside and records its budget. `recover: false` (technician commands while
    /// the agent runs) reports a bad file and reads the budget the agent recorded.
    public init(options: QueueOptions, recover: Bool = true) throws(QueueError) {
        self.options = options
        reservation = SequenceReservation(path: options.path + ".seq")
        let opened = try QueueRecovery.open(options, recover: recover)
        database = opened.database
        recovery = opened.recovery
        do {
            statements = try QueueStatements(database)
            let last = try database.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'records'")
            // A fresh file after a lost one continues above the reserved ceiling.
            nextSequence = max(last, last == 0 ? reservation.ceiling : 0) + 1
            recordCount = opened.records
            delivered = try DurableQueue.loadDelivered(database)
            recordCount -= try deliveredRowsPresent()
            losses = try DurableQueue.loadLosses(database)
            if recover { try recordBudget() }
            if let reported = try loadReported() {
                reportedLosses = reported
            } else {
                // A file from before reports were kept: its history counts as reported.
                reportedLosses = losses
                if recover { try saveReported(losses) }
            }
            budgetBytes = try recordedBudget()
            if recover { try mergeLedger(fresh: last == 0) }
            countedDataVersion = try database.scalar("PRAGMA data_version")
        } catch {
            throw QueueError("open \(options.path)", error)
        }
    }

    /// A file that was ever written holds the true counts, and the ledger follows it
    /// (it may hold more: a transaction killed or failed after writing it). A fresh
    /// file (no record ever appended: after a corrupt one was moved aside, or the
    /// file was deleted) starts from the ledger, entry by entry the larger.
    private func mergeLedger(fresh: Bool) throws(SQLiteError) {
        var ledger = LossLedger(path: options.path + ".losses")
        let counted = fresh ? LossLedger.larger(losses, ledger.counted) : losses
        let reported = fresh ? LossLedger.larger(reportedLosses, ledger.reported) : reportedLosses
        if counted != losses {
            try saveLosses(counted.since(losses))
            losses = counted
        }
        if reported != reportedLosses {
            try saveReported(reported)
            reportedLosses = reported
        }
        ledger.keep(losses, reportedLosses)
        self.ledger = ledger
    }

    public convenience init(path: String) throws(QueueError) {
        try self.init(options: QueueOptions(path: path))
    }

    /// The sequence number the next appended record will get.
    public var upcomingSequence: Int64 { nextSequence }

    /// Appends records in one transaction (one fsync at most), making room
    /// within the budget first; returns the sequence numbers given.
    /// `reporting`: the records report these losses (a `queue.loss` event);
    /// they become `reportedLosses` in the same transaction.
    @discardableResult
    public func append(_ records: [PendingRecord], reporting: LossCounters? = nil) throws(QueueError) -> ClosedRange<Int64>? {
        guard !records.isEmpty else { return nil }
        var incoming: Int64 = 0
        for record in records { incoming += Int64(record.fragment.utf8.count) + QueueStatements.rowOverhead }
        reservation.reserve(upTo: nextSequence + Int64(records.count))
        var attempt = 0
        while true {
            do {
                try insert(records, incoming: incoming, evictHarder: attempt > 0, reporting: reporting)
                break
            } catch {
                // A rolled-back transaction may have added a boot row the cache now names.
                boots.removeAll()
                bootIDs.removeAll()
                attempt += 1
                if error.isCorruption && attempt == 1 {
                    try recoverFromCorruption(error)
                    continue
                }
                // Full: evict harder and try once more before giving up on these records.
                if error.isDiskFull && attempt == 1 { continue }
                for record in records {
                    losses[record.stream, .rejected] += 1
                    unsavedLosses[record.stream, .rejected] += 1
                }
                throw QueueError("append", error)
            }
        }
        if let reporting { reportedLosses = reporting }
        let first = nextSequence
        nextSequence += Int64(records.count)
        recordCount += Int64(records.count)
        return first...(nextSequence - 1)
    }

    private func insert(_ records: [PendingRecord], incoming: Int64, evictHarder: Bool, reporting: LossCounters?) throws(SQLiteError) {
        try counting(reported: reporting) { () throws(SQLiteError) in
            try makeRoom(incoming: evictHarder ? incoming * 4 + 64 * 1024 : incoming)
            var sequence = nextSequence
            var lastBoot: (id: String, number: Int64)?
            var index = 0
            while index < records.count {
                let many = records.count - index >= QueueStatements.insertChunk
                let insert = many ? statements.insertMany : statements.insert
                for slot in 0..<(many ? QueueStatements.insertChunk : 1) {
                    let record = records[index + slot]
                    // Records of one append nearly always share a boot: skip the hashing.
                    let boot: Int64
                    if let last = lastBoot, last.id == record.stamp.bootID {
                        boot = last.number
                    } else if let bootID = record.stamp.bootID {
                        boot = try bootNumber(bootID)
                        lastBoot = (bootID, boot)
                    } else {
                        // A device's own time: on no boot, so no clock correction touches it.
                        boot = QueueStatements.noClock
                    }
                    let base = Int32(slot) * QueueStatements.insertColumns
                    insert.bind(base + 1, sequence)
                    insert.bind(base + 2, record.stream.rawValue)
                    insert.bind(base + 3, record.stamp.wall)
                    insert.bind(base + 4, record.fragment)
                    insert.bind(base + 5, record.stamp.monotonic)
                    insert.bind(base + 6, boot)
                    insert.bind(base + 7, Int64(record.stamp.trusted ? 1 : 0))
                    sequence += 1
                }
                try insert.run()
                index += many ? QueueStatements.insertChunk : 1
            }
            try saveLosses(unsavedLosses)
            if let reporting { try saveReported(reporting) }
        }
        unsavedLosses = LossCounters()
    }

    /// The number standing for a boot id in this file, added on first use.
    func bootNumber(_ bootID: String) throws(SQLiteError) -> Int64 {
        if let known = boots[bootID] { return known }
        let find = try database.prepare("SELECT id FROM boots WHERE boot_id = ?")
        find.bind(1, bootID)
        if try find.step() {
            boots[bootID] = find.int64(0)
            return find.int64(0)
        }
        let add = try database.prepare("INSERT INTO boots(boot_id) VALUES (?)")
        add.bind(1, bootID)
        try add.run()
        let number = try database.scalar("SELECT last_insert_rowid()")
        boots[bootID] = number
        return number
    }

    /// The boot id a boot number stands for ("" for none).
    func bootID(_ number: Int64) throws(SQLiteError) -> String {
        if let known = bootIDs[number] { return known }
        let find = try database.prepare("SELECT boot_id FROM boots WHERE id = ?")
        find.bind(1, number)
        let id = try find.step() ? find.text(0) : ""
        bootIDs[number] = id
        return id
    }

    /// Up to `limit` records of a stream with after < seq < below, oldest first.
    /// Records of `holdBoot` taken while the clock was untrusted are held back
    /// (their time may still be corrected); pass nil to release them.
    public func records(stream: QueueStream, after: Int64, below: Int64 = Int64.max, limit: Int,
                        holdBoot: String? = nil) throws(QueueError) -> [QueuedRecord] {
        var result: [QueuedRecord] = []
        result.reserveCapacity(limit)
        let whole = try read(stream: stream, after: after, below: below, limit: limit, holdBoot: holdBoot) { row in
            result.append(QueuedRecord(sequence: row.sequence, stream: stream, time: row.time, monotonic: row.monotonic,
                                       bootID: row.bootID, trusted: row.trusted,
                                       fragment: String(decoding: row.fragment, as: UTF8.self)))
            return true
        }
        return whole ? result : []
    }

    /// The same rows as `records`, each handed to `body` where SQLite holds it (no copy):
    /// the sender writes a message straight from them. `body` returns false to stop early.
    /// Returns false when a corrupt page was met and the file moved aside: rows already
    /// handed over belong to that file and are not to be sent.
    @discardableResult
    public func read(stream: QueueStream, after: Int64, below: Int64 = Int64.max, limit: Int, holdBoot: String? = nil,
                     _ body: (QueuedRow) -> Bool) throws(QueueError) -> Bool {
        let select = statements.select[Int(stream.rawValue)]
        let held = holdBoot.flatMap { boots[$0] } ?? QueueStatements.noBoot
        defer { select.reset() }
        // Rows of one read nearly always share a boot: its id is looked up once.
        var boot: (number: Int64, id: String) = (QueueStatements.noClock, "")
        var after = after
        var wanted = limit
        do {
            query: while wanted > 0 {
                // Bound anew for each query: a reset clears the bindings.
                select.bind(2, after)
                select.bind(3, below)
                select.bind(4, held)
                select.bind(5, Int64(wanted))
                while try select.step() {
                    let sequence = select.int64(0)
                    // Delivered (a session before this one sent it): the read goes on past its run.
                    if let run = delivered.run(containing: sequence) {
                        after = run.upperBound
                        select.reset()
                        continue query
                    }
                    let number = select.int64(3)
                    if number != boot.number { boot = (number, try bootID(number)) }
                    let more = select.bytes(5) { fragment in
                        body(QueuedRow(sequence: sequence, time: select.int64(1), monotonic: select.int64(2),
                                       bootID: boot.id, trusted: select.int64(4) != 0, fragment: fragment))
                    }
                    wanted -= 1
                    if !more { break query }
                }
                break
            }
        } catch {
            // A corrupt page met while sending: the same as at open or on an append (the
            // file is moved aside, a fresh one started); nothing of the old file is left to send.
            guard error.isCorruption else { throw QueueError("read", error) }
            try recoverFromCorruption(error)
            return false
        }
        return true
    }

    /// Deletes acknowledged records in one transaction. Sequence numbers are
    /// unique across streams, so a run of consecutive numbers holds nothing
    /// else and goes in one range DELETE. `deferringDeletes`: marks them delivered
    /// instead (a row per run), to be deleted later by `purgeDelivered`.
    public func acknowledge(_ sequences: [Int64], deferringDeletes: Bool = false) throws(QueueError) {
        guard !sequences.isEmpty else { return }
        let sorted = sequences.sorted()
        var removed: Int64 = 0
        do {
            try database.transaction { () throws(SQLiteError) in
                if deferringDeletes {
                    try markDelivered(sorted)
                } else {
                    removed = try delete(sorted)
                }
            }
        } catch {
            guard error.isCorruption else { throw QueueError("acknowledge", error) }
            try recoverFromCorruption(error)   // the records went with the old file
            return
        }
        unacknowledged.subtract(sorted)
        if deferringDeletes {
            let before = delivered.count
            delivered.formUnion(sorted)
            // Acknowledged records are those sent, which are in the file (a purge by a
            // technician meanwhile is counted again at `refreshLosses`).
            removed = Int64(delivered.count - before)
        }
        recordCount = max(0, recordCount - removed)
    }

    /// Records just published: until acknowledged they may reach the broker (`unacknowledged`).
    public func sent(_ sequences: [Int64]) {
        unacknowledged.formUnion(sequences)
    }

    /// Records the broker refused (a PUBACK reason code ≥ 0x80): they did not arrive.
    public func refused(_ sequences: [Int64]) {
        unacknowledged.subtract(sequences)
    }

    /// Deletes `sorted` sequence numbers, one statement per run of consecutive ones;
    /// returns how many rows went. Inside the caller's transaction.
    func delete(_ sorted: [Int64]) throws(SQLiteError) -> Int64 {
        var removed: Int64 = 0
        let remove = statements.removeRange
        for run in DurableQueue.runs(sorted) {
            remove.bind(1, run.lowerBound)
            remove.bind(2, run.upperBound)
            try remove.run()
            removed += Int64(database.changes)
        }
        return removed
    }

    public func count(stream: QueueStream? = nil) throws(QueueError) -> Int64 {
        do {
            let all = try database.scalar("SELECT count(*) FROM records" + (stream.map { " WHERE " + $0.sql } ?? ""))
            return all - (try deliveredRowsPresent(stream))
        } catch {
            throw QueueError("count", error)
        }
    }
}
