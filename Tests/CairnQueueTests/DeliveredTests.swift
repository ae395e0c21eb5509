import Testing
import CairnCore
import CairnTestSupport
@testable import CairnQueue

/// Records acknowledged while a backlog drains are marked delivered and deleted later
/// (docs/queue.md, "Delivered, deleted later"): until then no read returns them, no count
/// holds them, no bound counts them lost, and a restart does not send them again.
@Suite struct DeliveredTests {
    @Test func deliveredRecordsAreNeitherReadNorCountedAndStaySoAfterAReopen() throws {
        let dir = TemporaryDirectory()
        do {
            let queue = try DurableQueue(path: dir.file("q.db"))
            try queue.append(telemetry(10))
            queue.sent(Array(Int64(1)...Int64(4)))
            try queue.acknowledge([3, 1, 2, 4], deferringDeletes: true)
            #expect(queue.unacknowledged.isEmpty)
            #expect(queue.deliveredPending == 4)
            #expect(try queue.all(.telemetry).map(\.sequence) == Array(Int64(5)...Int64(10)))
            #expect(queue.recordCount == 6)
            #expect(try queue.count() == 6)
            #expect(try queue.count(stream: .telemetry) == 6)
            // The rows are still in the file, and so are the marks.
            let file = try SQLiteDatabase(path: dir.file("q.db"))
            #expect(try file.scalar("SELECT count(*) FROM records") == 10)
            #expect(try file.scalar("SELECT count(*) FROM delivered") == 1)
        }
        // As after a kill: the marks were committed with the acknowledgement.
        let reopened = try DurableQueue(path: dir.file("q.db"))
        #expect(reopened.deliveredPending == 4)
        #expect(reopened.recordCount == 6)
        #expect(try reopened.all(.telemetry).map(\.sequence) == Array(Int64(5)...Int64(10)))
        #expect(try reopened.purgeDelivered() == 4)
        #expect(reopened.deliveredPending == 0)
        #expect(reopened.losses.total == 0)
        let file = try SQLiteDatabase(path: dir.file("q.db"))
        #expect(try file.scalar("SELECT count(*) FROM records") == 6)
        #expect(try file.scalar("SELECT count(*) FROM delivered") == 0)
    }

    /// A reconnect reads again from the oldest record: a delivered run after a gap (its
    /// first number already deleted), or between waiting records, is stepped over, and a
    /// read still returns as many records as asked for.
    @Test func aReadStepsOverDeliveredRunsWhereverTheyLie() throws {
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        try queue.append(telemetry(20))
        try queue.acknowledge([1, 2])
        try queue.acknowledge([3, 4, 5, 6], deferringDeletes: true)
        try queue.acknowledge([9, 10, 14], deferringDeletes: true)
        #expect(try queue.records(stream: .telemetry, after: 0, limit: 5).map(\.sequence) == [7, 8, 11, 12, 13])
        #expect(try queue.records(stream: .telemetry, after: 8, limit: 3).map(\.sequence) == [11, 12, 13])
        #expect(try queue.records(stream: .telemetry, after: 13, limit: 10).map(\.sequence) == [15, 16, 17, 18, 19, 20])
        #expect(try queue.records(stream: .telemetry, after: 0, below: 11, limit: 10).map(\.sequence) == [7, 8])
        // Part of the marks deleted (the lowest numbers first): the rest still stepped over.
        #expect(try queue.purgeDelivered(limit: 5) == 5)
        #expect(queue.delivered.runs == [10...10, 14...14])
        #expect(try queue.all(.telemetry).map(\.sequence) == [7, 8, 11, 12, 13, 15, 16, 17, 18, 19, 20])
        #expect(queue.recordCount == 11)
        #expect(try queue.count() == 11)
    }

    @Test func theOldestWaitingRecordIsTheFirstNotDelivered() throws {
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        for wall in [Int64(1_800_000_000_000), 1_800_000_001_000, 1_800_000_002_000] {
            try queue.append([event("e", stamp: stamp(wall))])
        }
        try queue.acknowledge([1, 2], deferringDeletes: true)
        #expect(try queue.oldestTime(stream: .events) == 1_800_000_002_000)
        try queue.acknowledge([3], deferringDeletes: true)
        #expect(try queue.oldestTime(stream: .events) == nil)
    }

    /// Over the budget, delivered records go first, as many as eviction would take, and they
    /// are no loss; expiry passes over them.
    @Test func boundsDeleteDeliveredRecordsFirstAndCountNoLoss() throws {
        let dir = TemporaryDirectory()
        var options = QueueOptions(path: dir.file("q.db"))
        options.budgetBytes = 1024 * 1024
        let queue = try DurableQueue(options: options)
        var appended: Int64 = 0
        while try queue.usedBytes() < 800 * 1024 {
            try queue.append(telemetry(100, from: Int(appended), padding: 40))
            appended += 100
        }
        let marked = appended / 2
        try queue.acknowledge(Array(Int64(1)...marked), deferringDeletes: true)
        for chunk in 0..<40 { try queue.append(telemetry(100, from: Int(appended) + chunk * 100, padding: 40)) }
        #expect(queue.losses.total == 0)
        #expect(queue.deliveredPending > 0 && queue.deliveredPending < marked, "\(queue.deliveredPending) of \(marked) still marked")
        #expect(try queue.usedBytes() <= 1024 * 1024)
        #expect(try queue.count() == appended - marked + 4000)
        #expect(queue.recordCount == appended - marked + 4000)

        var aging = QueueOptions(path: dir.file("aging.db"))
        aging.maxAge = [0, 0, 60_000]
        let expiring = try DurableQueue(options: aging)
        let now: Int64 = 1_800_000_000_000
        try expiring.append(telemetry(4, stamp: stamp(now - 120_000)))
        try expiring.acknowledge([1, 2], deferringDeletes: true)
        #expect(try expiring.expire(now: now) == 2)
        #expect(expiring.losses[.telemetry, .expired] == 2)
        #expect(expiring.deliveredPending == 2)
    }

    /// A technician's view beside the running agent: statistics leave delivered records
    /// out, and a purge deletes them without counting them purged.
    @Test func technicianStatisticsAndPurgeLeaveDeliveredRecordsOut() throws {
        let dir = TemporaryDirectory()
        let agent = try DurableQueue(path: dir.file("q.db"))
        try agent.append(telemetry(10))
        try agent.append([event("x")])
        try agent.acknowledge(Array(Int64(1)...Int64(6)), deferringDeletes: true)
        let technician = try DurableQueue(options: QueueOptions(path: dir.file("q.db")), recover: false)
        let stats = try technician.stats()
        #expect(stats.streams.first { $0.stream == .telemetry }?.records == 4)
        #expect(stats.streams.first { $0.stream == .telemetry }?.oldestSequence == 7)
        #expect(try technician.purge(stream: .telemetry) == 4)
        #expect(technician.losses[.telemetry, .purged] == 4)
        // The agent sees the other connection's commit and counts again.
        try agent.refreshLosses()
        #expect(agent.recordCount == 1)
        #expect(agent.losses[.telemetry, .purged] == 4)
        #expect(try agent.all(.telemetry).isEmpty)
        #expect(try agent.all(.events).map(\.sequence) == [11])
    }

    @Test func version4FilesMigrateWithNothingMarkedDelivered() throws {
        let dir = TemporaryDirectory()
        do {
            let database = try SQLiteDatabase(path: dir.file("q.db"))
            for step in [QueueSchema.version1, QueueSchema.version2, QueueSchema.version3, QueueSchema.version4] {
                try database.execute(step)
            }
            try database.execute("INSERT INTO records(seq, stream, time_ms, body) VALUES (1, 2, 1800000000000, '\"sensor\":\"a\",\"value\":1,\"unit\":\"\"')")
        }
        let queue = try DurableQueue(path: dir.file("q.db"))
        #expect(queue.recovery == nil)
        #expect(queue.deliveredPending == 0)
        #expect(try queue.all(.telemetry).map(\.sequence) == [1])
        #expect(try SQLiteDatabase(path: dir.file("q.db")).scalar("PRAGMA user_version") == 5)
    }
}
