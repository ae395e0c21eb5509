import Foundation
import Testing
import CairnCore
import CairnTestSupport
@testable import CairnQueue

/// Every earlier schema version, built as that release wrote it, must open and migrate.
@Suite struct QueueMigrationTests {
    @Test func version1FilesMigrateKeepingRecordsAndSequence() throws {
        let dir = TemporaryDirectory()
        do {
            let database = try SQLiteDatabase(path: dir.file("q.db"))
            try database.execute("PRAGMA journal_mode=WAL")
            try database.execute(QueueSchema.version1)
            try database.execute("""
                INSERT INTO records(seq, stream, time_ms, body) VALUES
                (1, 2, 1800000000000, '{"seq":1,"sensor":"hwmon/chip/temp1","label":"Board","value":42,"unit":"C","time":1800000000000}'),
                (2, 2, 1800000000001, '{"seq":2,"sensor":"health/load1","value":0.5,"unit":"","time":1800000000001}');
                DELETE FROM records WHERE seq = 1;
                INSERT INTO records(seq, stream, time_ms, body) VALUES
                (3, 2, 1800000000002, '{"seq":3,"sensor":"thermal/cpu","value":51,"unit":"C","time":1800000000002}');
                """)
            #expect(try database.scalar("PRAGMA user_version") == 1)
        }
        let queue = try DurableQueue(path: dir.file("q.db"))
        #expect(queue.recovery == nil)
        let records = try queue.all(.telemetry)
        #expect(records.map(\.sequence) == [2, 3])
        #expect(records[0].fragment == #""sensor":"health/load1","value":0.5,"unit":"""#)
        #expect(records[0].time == 1_800_000_000_001)
        #expect(records[0].trusted)
        #expect(queue.upcomingSequence == 4)
        #expect(try queue.append(telemetry(1)) == 4...4)
    }

    @Test func version2FilesMigrateAndTheAgentRecordsItsBudget() throws {
        let dir = TemporaryDirectory()
        do {
            let database = try SQLiteDatabase(path: dir.file("q.db"))
            try database.execute(QueueSchema.version1)
            try database.execute(QueueSchema.version2)
        }
        // A technician's command on a file no agent has recorded a budget in: it says so.
        var inspect = QueueOptions(path: dir.file("q.db"))
        inspect.budgetBytes = 5 * 1024 * 1024
        #expect(try DurableQueue(options: inspect, recover: false).budgetBytes == nil)
        var options = QueueOptions(path: dir.file("q.db"))
        options.budgetBytes = 1024 * 1024
        let agent = try DurableQueue(options: options)
        #expect(agent.budgetBytes == Int64(1024 * 1024))
        #expect(try agent.stats().budgetBytes == Int64(1024 * 1024))
        // Whatever its own configuration says, the command reads the agent's.
        #expect(try DurableQueue(options: inspect, recover: false).stats().budgetBytes == Int64(1024 * 1024))
    }

    /// Version 3 had one (stream, seq) index over every row; version 4 keeps it for events
    /// and metadata only. The records, their order and the sequence carry over.
    @Test func version3FilesMigrateToThePartialIndex() throws {
        let dir = TemporaryDirectory()
        do {
            let database = try SQLiteDatabase(path: dir.file("q.db"))
            try database.execute(QueueSchema.version1)
            try database.execute(QueueSchema.version2)
            try database.execute(QueueSchema.version3)
            try database.execute("""
                INSERT INTO records(seq, stream, time_ms, body) VALUES (1, 0, 1800000000000, '"type":"e"'),
                (2, 2, 1800000000001, '"sensor":"a","value":1,"unit":""'), (3, 1, 1800000000002, '"m":1'),
                (4, 2, 1800000000003, '"sensor":"b","value":2,"unit":""');
                """)
        }
        let queue = try DurableQueue(path: dir.file("q.db"))
        #expect(queue.recovery == nil)
        #expect(try queue.all(.telemetry).map(\.sequence) == [2, 4])
        #expect(try queue.all(.events).map(\.sequence) == [1])
        #expect(try queue.all(.metadata).map(\.sequence) == [3])
        #expect(try queue.append(telemetry(1)) == 5...5)
        let database = try SQLiteDatabase(path: dir.file("q.db"))
        #expect(try database.scalar("PRAGMA user_version") == QueueSchema.current)
        #expect(try database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'records_stream'") == 0)
    }

    /// Events and metadata are found through the partial index, telemetry along the
    /// table's key: no read of the agent scans the table for a rare stream.
    @Test func eachStreamIsReadThroughAnIndexNotAScan() throws {
        let dir = TemporaryDirectory()
        _ = try DurableQueue(path: dir.file("q.db"))
        let database = try SQLiteDatabase(path: dir.file("q.db"))
        for stream in QueueStream.allCases {
            let plan = try database.prepare("EXPLAIN QUERY PLAN " + QueueStatements.selectSQL(stream))
            var details: [String] = []
            while try plan.step() { details.append(plan.text(3)) }
            let expected = stream == .telemetry ? "USING INTEGER PRIMARY KEY" : "USING INDEX records_events_metadata"
            #expect(details.contains { $0.hasPrefix("SEARCH records \(expected)") }, "\(stream.name): \(details)")
        }
    }

    @Test func aNewFileIsCreatedAtTheCurrentVersion() throws {
        let dir = TemporaryDirectory()
        _ = try DurableQueue(path: dir.file("q.db"))
        let database = try SQLiteDatabase(path: dir.file("q.db"))
        #expect(try database.scalar("PRAGMA user_version") == QueueSchema.current)
    }

    /// A downgrade: the file holds records a newer agent queued, at a schema above ours.
    /// It is moved aside byte for byte (nothing is written to it first), the reason and
    /// the message say a newer Cairn wrote it, where it went and how to get the records
    /// back, and the agent carries on with a fresh queue.
    @Test func aFileFromANewerAgentIsMovedAsideUnchangedWithAClearMessage() throws {
        let dir = TemporaryDirectory()
        do {
            let queue = try DurableQueue(path: dir.file("q.db"))
            _ = try queue.append(telemetry(5))
        }
        do {
            let database = try SQLiteDatabase(path: dir.file("q.db"))
            try database.execute("PRAGMA user_version = \(QueueSchema.current + 1)")
        }
        #expect(!Files.exists(dir.file("q.db-wal")), "the fixture was not closed cleanly")
        let before = try #require(FileManager.default.contents(atPath: dir.file("q.db")))

        let queue = try DurableQueue(path: dir.file("q.db"))
        let recovery = try #require(queue.recovery)
        #expect(recovery.movedTo.hasPrefix(dir.file("q.db.newer-")), "\(recovery.movedTo)")
        #expect(recovery.reason == "written by a newer Cairn (queue schema \(QueueSchema.current + 1); cairn \(BuildInfo.version) reads schemas 1 to \(QueueSchema.current))",
                "\(recovery.reason)")
        #expect(FileManager.default.contents(atPath: recovery.movedTo) == before, "the moved file changed")
        // A fresh queue, at our schema, that takes records.
        #expect(queue.recordCount == 0)
        #expect(try queue.append(telemetry(1)) != nil)
        #expect(try SQLiteDatabase(path: dir.file("q.db")).scalar("PRAGMA user_version") == QueueSchema.current)
        // The records are still in the moved file.
        #expect(try SQLiteDatabase(path: recovery.movedTo).scalar("SELECT count(*) FROM records") == 5)

        let message = QueueRecovery.newerMessage(dir.file("q.db"), SQLiteError(code: SQLiteError.newerSchema, message: recovery.reason), recovery.movedTo)
        for part in ["queue \(dir.file("q.db")) was written by a newer Cairn", "moved unchanged to \(recovery.movedTo)",
                     "starting a fresh queue", "install that newer Cairn again", "move the file back to \(dir.file("q.db"))"] {
            #expect(message.contains(part), "\(message) lacks \(part)")
        }
    }

    /// A technician's `cairn queue stats` (recover: false) on such a file says why and moves nothing.
    @Test func aFileFromANewerAgentIsReportedNotMovedByCommands() throws {
        let dir = TemporaryDirectory()
        do {
            let database = try SQLiteDatabase(path: dir.file("q.db"))
            try database.execute("CREATE TABLE records(seq INTEGER PRIMARY KEY); PRAGMA user_version = 99;")
        }
        #expect {
            try DurableQueue(options: QueueOptions(path: dir.file("q.db")), recover: false)
        } throws: { error in
            Text.contains("\(error)", "written by a newer Cairn (queue schema 99")
        }
        #expect(Files.exists(dir.file("q.db")))
    }
}
