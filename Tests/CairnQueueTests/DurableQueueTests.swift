import Foundation
import Testing
import CairnCore
import CairnTestSupport
@testable import CairnQueue

@Suite struct DurableQueueTests {
    @Test func appendReadAcknowledge() throws {
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        #expect(try queue.append(telemetry(5)) == 1...5)
        let first = try queue.records(stream: .telemetry, after: 0, limit: 3)
        #expect(first.map(\.sequence) == [1, 2, 3])
        #expect(first[0].fragment == #""sensor":"s0","value":0,"unit":"C""#)
        #expect(try queue.records(stream: .telemetry, after: 3, limit: 10).map(\.sequence) == [4, 5])
        try queue.acknowledge([1, 2, 3])
        #expect(queue.recordCount == 2)
        #expect(try queue.count() == 2)
        #expect(try queue.all(.telemetry).map(\.sequence) == [4, 5])
    }

    @Test func sequenceKeepsGrowingAcrossReopenEvenWhenEmpty() throws {
        let dir = TemporaryDirectory()
        do {
            let queue = try DurableQueue(path: dir.file("q.db"))
            try queue.append(telemetry(3))
            try queue.acknowledge([1, 2, 3])
        }
        let reopened = try DurableQueue(path: dir.file("q.db"))
        #expect(reopened.upcomingSequence == 4)
        #expect(try reopened.append(telemetry(1)) == 4...4)
    }

    @Test func sequenceContinuesAboveTheReservationWhenTheFileIsLost() throws {
        let dir = TemporaryDirectory()
        do {
            let queue = try DurableQueue(path: dir.file("q.db"))
            try queue.append(telemetry(7))
        }
        for suffix in ["", "-wal", "-shm"] { dir.remove("q.db" + suffix) }
        let fresh = try DurableQueue(path: dir.file("q.db"))
        #expect(fresh.upcomingSequence > 7)
    }

    @Test func unacknowledgedRecordsSurviveReopen() throws {
        let dir = TemporaryDirectory()
        do {
            let queue = try DurableQueue(path: dir.file("q.db"))
            try queue.append(telemetry(10))
            try queue.acknowledge([2, 4])
        }
        let reopened = try DurableQueue(path: dir.file("q.db"))
        #expect(try reopened.all(.telemetry).map(\.sequence) == [1, 3, 5, 6, 7, 8, 9, 10])
        #expect(reopened.recordCount == 8)
    }

    @Test func streamsAreSeparateAndShareOneSequence() throws {
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        try queue.append(telemetry(2))
        #expect(try queue.append([event("a")]) == 3...3)
        #expect(try queue.all(.events).map(\.sequence) == [3])
        #expect(try queue.count(stream: .telemetry) == 2)
        #expect(try queue.records(stream: .telemetry, after: 0, below: 2, limit: 10).map(\.sequence) == [1])
    }

    @Test func readsAreLazyWhateverTheBacklog() throws {
        let dir = TemporaryDirectory()
        var options = QueueOptions(path: dir.file("q.db"))
        options.budgetBytes = 0
        let queue = try DurableQueue(options: options)
        for chunk in 0..<20 { try queue.append(telemetry(5000, from: chunk * 5000)) }
        #expect(queue.recordCount == 100_000)
        let batch = try queue.records(stream: .telemetry, after: 50_000, limit: 100)
        #expect(batch.count == 100)
        #expect(batch.first?.sequence == 50_001)
    }

    @Test func aFileThatIsNotADatabaseIsMovedAsideAndAFreshOneStarts() throws {
        let dir = TemporaryDirectory()
        do {
            let queue = try DurableQueue(path: dir.file("q.db"))
            try queue.append(telemetry(3))
            queue.checkpoint()
        }
        for suffix in ["-wal", "-shm"] { dir.remove("q.db" + suffix) }
        dir.write("q.db", String(repeating: "not sqlite ", count: 500))
        let queue = try DurableQueue(path: dir.file("q.db"))
        let recovery = try #require(queue.recovery)
        #expect(recovery.movedTo.hasPrefix(dir.file("q.db.corrupt-")))
        #expect(Files.read(recovery.movedTo)?.hasPrefix("not sqlite") == true)
        #expect(queue.recordCount == 0)
        #expect(queue.upcomingSequence > 3, "sequence numbers must not restart after a lost file")
        #expect(try queue.append(telemetry(1)) != nil)
    }

    /// A page that goes bad after the open (flash wearing out under a running agent) is
    /// met by the reads that send: the file is moved aside there and then, a fresh one
    /// started, and the queue goes on (before, every read failed until a restart).
    @Test func aPageDamagedWhileRunningIsMetByAReadAndTheQueueGoesOn() throws {
        let dir = TemporaryDirectory()
        var options = QueueOptions(path: dir.file("q.db"))
        options.budgetBytes = 0
        do {
            let queue = try DurableQueue(options: options)
            // About 8 MB: more than SQLite's page cache (1 MB), so the first pages are
            // not in it once the open has read the rest (counting the records).
            for chunk in 0..<8 { try queue.append(telemetry(5000, from: chunk * 5000, padding: 150)) }
            queue.checkpoint()
        }
        let queue = try DurableQueue(options: options)
        #expect(queue.recovery == nil && queue.recordCount == 40_000)
        queue.sent([1, 2, 3])
        let handle = try #require(FileHandleLite(path: dir.file("q.db")))
        handle.overwrite(at: 8 * 4096, bytes: [UInt8](repeating: 0xA5, count: 32 * 4096))   // pages 9 to 40
        var after: Int64 = 0
        var reads = 0
        while queue.recovery == nil && reads < 1000 {
            let batch = try queue.records(stream: .telemetry, after: after, limit: 500)
            guard let last = batch.last else { break }
            after = last.sequence
            reads += 1
        }
        let recovery = try #require(queue.recovery, "no read met the damaged pages")
        #expect(recovery.movedTo.hasPrefix(dir.file("q.db.corrupt-")))
        #expect(queue.recordCount == 0 && queue.unacknowledged.isEmpty)
        #expect(try queue.records(stream: .telemetry, after: 0, limit: 10).isEmpty)
        let next = try #require(try queue.append(telemetry(1)))
        #expect(next.lowerBound > 40_000, "sequence numbers must not restart after a lost file")
        #expect(try queue.records(stream: .telemetry, after: 0, limit: 10).map(\.sequence) == [next.lowerBound])
    }

    @Test func aDamagedPageIsFoundAtOpen() throws {
        let dir = TemporaryDirectory()
        do {
            var options = QueueOptions(path: dir.file("q.db"))
            options.budgetBytes = 0
            let queue = try DurableQueue(options: options)
            for chunk in 0..<5 { try queue.append(telemetry(2000, from: chunk * 2000, padding: 50)) }
            queue.checkpoint()
        }
        // Overwrite a page in the middle of the file with garbage, as a bad flash block would.
        let path = dir.file("q.db")
        let handle = try #require(FileHandleLite(path: path))
        handle.overwrite(at: 40 * 4096, bytes: [UInt8](repeating: 0xA5, count: 4096))
        let queue = try DurableQueue(path: path)
        #expect(queue.recovery != nil, "counting the records at open should have met the damaged page")
        #expect(queue.recordCount == 0)
    }

    /// quick_check reads the whole file, so the agent runs it only when the file was not
    /// closed (a write-ahead log left behind: a crash, a kill, a power cut). Damage that
    /// counting the records cannot see (the events index) is found at such an open; after
    /// a clean stop the file opens, and the damage is met by the first read through that
    /// index and handled the same way.
    @Test func theFullCheckRunsAtAnOpenAfterACrashAndTheReadsFindDamageAfterACleanStop() throws {
        let dir = TemporaryDirectory()
        var options = QueueOptions(path: dir.file("q.db"))
        options.budgetBytes = 0
        var indexPage: Int64 = 0
        do {
            let queue = try DurableQueue(options: options)
            for chunk in 0..<5 { try queue.append(telemetry(2000, from: chunk * 2000, padding: 50) + [event("e\(chunk)")]) }
            queue.checkpoint()
            indexPage = try queue.database.scalar("SELECT rootpage FROM sqlite_master WHERE name = 'records_events_metadata'")
            // The files as a kill leaves them: copied while the queue is open, the log beside.
            for suffix in ["", "-wal"] {
                #expect(FileManager.default.fileExists(atPath: dir.file("q.db" + suffix)))
                try FileManager.default.copyItem(atPath: dir.file("q.db" + suffix), toPath: dir.file("crashed.db" + suffix))
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("q.db-wal")), "a clean close removes the log")
        let damage = { (path: String) in
            let handle = try #require(FileHandleLite(path: path))
            handle.overwrite(at: UInt64(indexPage - 1) * 4096, bytes: [UInt8](repeating: 0xA5, count: 4096))
        }
        try damage(dir.file("crashed.db"))
        let crashed = try DurableQueue(options: QueueOptions(path: dir.file("crashed.db")))
        #expect(crashed.recovery?.reason.contains("quick_check") == true, "\(String(describing: crashed.recovery))")
        #expect(crashed.recordCount == 0)

        try damage(dir.file("q.db"))
        let reopened = try DurableQueue(options: options)
        #expect(reopened.recovery == nil && reopened.recordCount == 10_005)
        // The telemetry is read along the table; the events through the damaged index.
        #expect(try reopened.records(stream: .telemetry, after: 0, limit: 10).count == 10)
        #expect(try reopened.records(stream: .events, after: 0, limit: 10).isEmpty)
        #expect(reopened.recovery?.movedTo.hasPrefix(dir.file("q.db.corrupt-")) == true)
        #expect(reopened.recordCount == 0)
    }

    @Test func technicianCommandsDoNotMoveABadFile() throws {
        let dir = TemporaryDirectory()
        dir.write("q.db", String(repeating: "garbage ", count: 600))
        #expect(throws: QueueError.self) { try DurableQueue(options: QueueOptions(path: dir.file("q.db")), recover: false) }
        #expect(Files.exists(dir.file("q.db")))
    }
}
