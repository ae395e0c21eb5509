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

    @Test func aNewFileIsCreatedAtTheCurrentVersion() throws {
        let dir = TemporaryDirectory()
        _ = try DurableQueue(path: dir.file("q.db"))
        let database = try SQLiteDatabase(path: dir.file("q.db"))
        #expect(try database.scalar("PRAGMA user_version") == QueueSchema.current)
    }

    @Test func aFileFromANewerAgentIsMovedAsideNotDestroyed() throws {
        let dir = TemporaryDirectory()
        do {
            let database = try SQLiteDatabase(path: dir.file("q.db"))
            try database.execute("CREATE TABLE records(seq INTEGER PRIMARY KEY); PRAGMA user_version = 99;")
        }
        let queue = try DurableQueue(path: dir.file("q.db"))
        let recovery = try #require(queue.recovery)
        #expect(Text.contains(recovery.reason, "newer"))
        #expect(Files.exists(recovery.movedTo))
    }
}
