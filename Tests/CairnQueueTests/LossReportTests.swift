import Testing
import CairnCore
import CairnTestSupport
@testable import CairnQueue

/// What was reported in `queue.loss` events is kept in the file with the event
/// that reports it, so losses are reported once: not lost by a stop or a crash,
/// not repeated, and purges by another process included.
@Suite struct LossReportTests {
    @Test func theReportIsKeptWithItsEventAndSurvivesAReopen() throws {
        let dir = TemporaryDirectory()
        var options = QueueOptions(path: dir.file("q.db"))
        options.budgetBytes = 256 * 1024
        var reported = LossCounters()
        do {
            let queue = try DurableQueue(options: options)
            #expect(queue.reportedLosses == LossCounters())
            for chunk in 0..<40 { try queue.append(telemetry(100, from: chunk * 100, padding: 40)) }
            reported = queue.losses
            #expect(reported[.telemetry, .evicted] > 0)
            try queue.append([event("queue.loss")], reporting: reported)
            #expect(queue.reportedLosses == reported)
            // Losses after the report stay unreported until the next one, also across a reopen.
            for chunk in 40..<60 { try queue.append(telemetry(100, from: chunk * 100, padding: 40)) }
            #expect(queue.losses[.telemetry, .evicted] > reported[.telemetry, .evicted])
        }
        let reopened = try DurableQueue(options: options)
        #expect(reopened.reportedLosses == reported)
        #expect(reopened.losses.since(reopened.reportedLosses)[.telemetry, .evicted] > 0)
    }

    /// A corrupt file moved aside at open takes its counters table with it: the counts
    /// live on in `<queue>.losses`, reported and not yet reported alike (bench/chaos
    /// found 233 evictions unreported when a corrupt file went, and nowhere counted).
    @Test func theCountsOutliveAQueueFileMovedAsideAsCorrupt() throws {
        let dir = TemporaryDirectory()
        var options = QueueOptions(path: dir.file("q.db"))
        options.budgetBytes = 256 * 1024
        var counted = LossCounters()
        var reported = LossCounters()
        do {
            let queue = try DurableQueue(options: options)
            for chunk in 0..<40 { try queue.append(telemetry(100, from: chunk * 100, padding: 40)) }
            reported = queue.losses
            try queue.append([event("queue.loss")], reporting: reported)
            for chunk in 40..<60 { try queue.append(telemetry(100, from: chunk * 100, padding: 40)) }
            counted = queue.losses
            #expect(counted[.telemetry, .evicted] > reported[.telemetry, .evicted])
            queue.checkpoint()
        }
        let handle = try #require(FileHandleLite(path: dir.file("q.db")))
        handle.overwrite(at: 0, bytes: Array("this is not SQLite".utf8))
        let fresh = try DurableQueue(options: options)
        #expect(fresh.recovery != nil)
        #expect(fresh.recordCount == 0)
        #expect(fresh.losses == counted)
        #expect(fresh.reportedLosses == reported)
        // And the fresh file holds them itself: a reopen without the side file keeps them.
        Files.remove(dir.file("q.db.losses"))
        let reopened = try DurableQueue(options: options)
        #expect(reopened.losses == counted && reopened.reportedLosses == reported)
    }

    /// The side file is written in the transaction that changes the counts, so it
    /// holds what the queue holds after every append; one missing (a file from an
    /// older agent) is written at open.
    @Test func theSideFileFollowsEveryChangeAndIsWrittenAtOpen() throws {
        let dir = TemporaryDirectory()
        var options = QueueOptions(path: dir.file("q.db"))
        options.budgetBytes = 256 * 1024
        let queue = try DurableQueue(options: options)
        #expect(Files.read(dir.file("q.db.losses")) == "")
        for chunk in 0..<40 {
            try queue.append(telemetry(100, from: chunk * 100, padding: 40))
            #expect(LossLedger(path: dir.file("q.db.losses")).counted == queue.losses)
        }
        let evicted = queue.losses[.telemetry, .evicted]
        #expect(evicted > 0)
        #expect(Files.read(dir.file("q.db.losses")) == "telemetry.evicted \(evicted) 0\n")
        Files.remove(dir.file("q.db.losses"))
        _ = try DurableQueue(options: options)
        #expect(LossLedger(path: dir.file("q.db.losses")).counted[.telemetry, .evicted] == evicted)
    }

    /// A transaction that rolls back (a full disk) counts nothing, in memory or in
    /// the side file: the retry that evicts again counts its own deletions once.
    @Test func aTransactionThatRollsBackCountsNothing() throws {
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        try queue.append(telemetry(10))
        let before = queue.losses
        #expect(throws: SQLiteError.self) {
            try queue.counting { () throws(SQLiteError) in
                try queue.database.execute("DELETE FROM records WHERE seq <= 3")
                try queue.record(3, .telemetry, .evicted)
                try queue.database.execute("INSERT INTO no_such_table VALUES (1)")
            }
        }
        #expect(queue.losses == before && queue.recordCount == 10)
        #expect(LossLedger(path: dir.file("q.db.losses")).counted == before)
        #expect(try queue.count() == 10)
    }

    @Test func aPurgeByAnotherProcessIsSeenAfterARefresh() throws {
        let dir = TemporaryDirectory()
        let agent = try DurableQueue(path: dir.file("q.db"))
        try agent.append(telemetry(10))
        // Its own commits do not make it read the file again (a count reads every page).
        let opened = agent.countedDataVersion
        try agent.refreshLosses()
        #expect(agent.countedDataVersion == opened && agent.recordCount == 10)
        let technician = try DurableQueue(options: QueueOptions(path: dir.file("q.db")), recover: false)
        #expect(try technician.purge(stream: .telemetry) == 10)
        #expect(agent.losses[.telemetry, .purged] == 0)
        try agent.refreshLosses()
        #expect(agent.countedDataVersion != opened)
        #expect(agent.losses[.telemetry, .purged] == 10)
        #expect(agent.recordCount == 0)
    }

    @Test func aFileFromBeforeReportsWereKeptCountsItsHistoryAsReported() throws {
        let dir = TemporaryDirectory()
        do {
            let database = try SQLiteDatabase(path: dir.file("q.db"))
            try database.execute(QueueSchema.version1)
            try database.execute(QueueSchema.version2)
            try database.execute("INSERT INTO counters(stream, reason, count) VALUES (2, 'evicted', 7)")
        }
        let queue = try DurableQueue(path: dir.file("q.db"))
        #expect(queue.losses[.telemetry, .evicted] == 7)
        #expect(queue.reportedLosses == queue.losses)
    }
}
