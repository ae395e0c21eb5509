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

    @Test func aPurgeByAnotherProcessIsSeenAfterARefresh() throws {
        let dir = TemporaryDirectory()
        let agent = try DurableQueue(path: dir.file("q.db"))
        try agent.append(telemetry(10))
        let technician = try DurableQueue(options: QueueOptions(path: dir.file("q.db")), recover: false)
        #expect(try technician.purge(stream: .telemetry) == 10)
        #expect(agent.losses[.telemetry, .purged] == 0)
        try agent.refreshLosses()
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
