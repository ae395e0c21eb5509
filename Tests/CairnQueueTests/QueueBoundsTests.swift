import Testing
import CairnCore
import CairnTestSupport
@testable import CairnQueue

@Suite struct QueueBoundsTests {
    func boundedQueue(_ dir: TemporaryDirectory, budget: Int64, overflow: QueueOptions.Overflow = .dropOldest) throws -> DurableQueue {
        var options = QueueOptions(path: dir.file("q.db"))
        options.budgetBytes = budget
        options.overflow = overflow
        return try DurableQueue(options: options)
    }

    @Test func staysWithinTheBudgetEvictingOldestTelemetryAndCountingIt() throws {
        let dir = TemporaryDirectory()
        let queue = try boundedQueue(dir, budget: 256 * 1024)
        try queue.append([event("keep-me")])
        var appended: Int64 = 1
        for chunk in 0..<60 {
            try queue.append(telemetry(100, from: chunk * 100, padding: 40))
            appended += 100
            #expect(try queue.usedBytes() <= 256 * 1024 + 32 * 1024, "over budget after chunk \(chunk)")
        }
        let evicted = queue.losses[.telemetry, .evicted]
        #expect(evicted > 0)
        // Every record is either still queued or counted: nothing disappears silently.
        #expect(try queue.count() + evicted == appended)
        #expect(queue.recordCount == (try queue.count()))
        // The oldest went first; the newest and the event are still there.
        let remaining = try queue.all(.telemetry).map(\.sequence)
        #expect(remaining.last == appended)
        #expect(remaining.first == 2 + evicted)
        #expect(try queue.all(.events).count == 1)
        #expect(queue.losses[.events, .evicted] == 0)
    }

    @Test func aNewBudgetAppliesToTheOpenQueueWithoutTouchingItsRecords() throws {
        let dir = TemporaryDirectory()
        let queue = try boundedQueue(dir, budget: 0)
        for chunk in 0..<20 { try queue.append(telemetry(100, from: chunk * 100, padding: 40)) }
        #expect(queue.recordCount == 2000 && queue.upcomingSequence == 2001)
        var smaller = queue.options
        // Below what 2,000 records take (about 200 KiB since the telemetry index went, schema 4).
        #expect(try queue.usedBytes() > 160 * 1024)
        smaller.budgetBytes = 128 * 1024
        smaller.durability = .full
        try queue.reconfigure(smaller)
        // Nothing is evicted by the change itself; the next append makes room, and counts it.
        #expect(queue.recordCount == 2000 && queue.losses.total == 0)
        try queue.append(telemetry(1, from: 5000))
        #expect(queue.losses[.telemetry, .evicted] > 0)
        #expect(try queue.usedBytes() <= 128 * 1024 + 32 * 1024)
        #expect(queue.upcomingSequence == 2002)
        // The file cannot change under an open queue.
        var elsewhere = queue.options
        elsewhere.path = dir.file("other.db")
        #expect(throws: QueueError.self) { try queue.reconfigure(elsewhere) }
        #expect(queue.options == smaller)
    }

    @Test func lossCountersSurviveRestarts() throws {
        let dir = TemporaryDirectory()
        var before: Int64 = 0
        do {
            let queue = try boundedQueue(dir, budget: 128 * 1024)
            for chunk in 0..<40 { try queue.append(telemetry(100, from: chunk * 100, padding: 40)) }
            before = queue.losses[.telemetry, .evicted]
            #expect(before > 0)
        }
        let reopened = try boundedQueue(dir, budget: 128 * 1024)
        #expect(reopened.losses[.telemetry, .evicted] == before)
    }

    @Test func downsamplePolicyThinsOldTelemetryBeforeDropping() throws {
        let dir = TemporaryDirectory()
        let queue = try boundedQueue(dir, budget: 192 * 1024, overflow: .downsample)
        var appended: Int64 = 0
        for chunk in 0..<50 {
            try queue.append(telemetry(100, from: chunk * 100, padding: 40))
            appended += 100
        }
        #expect(queue.losses[.telemetry, .downsampled] > 0)
        #expect(try queue.count() + queue.losses[.telemetry, .downsampled] + queue.losses[.telemetry, .evicted] == appended)
        // Thinned records are the even sequence numbers among the oldest.
        let remaining = try queue.all(.telemetry).map(\.sequence)
        #expect(remaining.prefix(10).allSatisfy { $0 % 2 == 1 })
    }

    @Test func eventsAreEvictedOnlyWhenNothingElseIsLeft() throws {
        let dir = TemporaryDirectory()
        let queue = try boundedQueue(dir, budget: 96 * 1024)
        for i in 0..<400 { try queue.append([event("e\(i)" + String(repeating: "y", count: 200))]) }
        #expect(queue.losses[.events, .evicted] > 0)
        #expect(try queue.count(stream: .events) + queue.losses[.events, .evicted] == 400)
    }

    @Test func expiryRemovesOldRecordsOfBoundedStreamsOnly() throws {
        let dir = TemporaryDirectory()
        var options = QueueOptions(path: dir.file("q.db"))
        options.maxAge = [0, 0, 60_000]
        let queue = try DurableQueue(options: options)
        let now: Int64 = 1_800_000_000_000
        try queue.append(telemetry(3, stamp: stamp(now - 120_000)))
        try queue.append(telemetry(2, from: 3, stamp: stamp(now - 1_000)))
        try queue.append([event("old", stamp: stamp(now - 120_000))])
        // An untrusted time is not evidence of age.
        try queue.append(telemetry(1, from: 9, stamp: stamp(5, trusted: false)))
        #expect(try queue.expire(now: now) == 3)
        #expect(queue.losses[.telemetry, .expired] == 3)
        #expect(try queue.count(stream: .telemetry) == 3)
        #expect(try queue.count(stream: .events) == 1)
    }

    /// A record published and not yet acknowledged may arrive: eviction, thinning and expiry
    /// pass over it (counting it lost would count a reading that arrives); once the broker
    /// refuses it, or acknowledges it, it is an ordinary record again (bench/chaos/overcount.sh).
    @Test func recordsThatMayHaveArrivedAreNeitherEvictedNorCounted() throws {
        let dir = TemporaryDirectory()
        let queue = try boundedQueue(dir, budget: 256 * 1024)
        try queue.append(telemetry(100, from: 0, padding: 40))
        let sent = Array(Int64(1)...Int64(40))
        queue.sent(sent)
        var appended: Int64 = 100
        for chunk in 1..<60 {
            try queue.append(telemetry(100, from: chunk * 100, padding: 40))
            appended += 100
        }
        let evicted = queue.losses[.telemetry, .evicted]
        #expect(evicted > 0)
        let remaining = try queue.all(.telemetry).map(\.sequence)
        // The sent ones are all still queued, and eviction went on behind them.
        #expect(Array(remaining.prefix(40)) == sent)
        #expect(remaining[40] == 41 + evicted)
        #expect(try queue.count() + evicted == appended)
        // Acknowledged: deleted, and no longer spared; refused: evictable again.
        try queue.acknowledge(Array(sent.prefix(20)))
        queue.refused(Array(sent.suffix(20)))
        #expect(queue.unacknowledged.isEmpty)
        for chunk in 60..<70 { try queue.append(telemetry(100, from: chunk * 100, padding: 40)) }
        #expect(try queue.all(.telemetry).first.map { $0.sequence > 40 } == true)
        #expect(try queue.count() + queue.losses[.telemetry, .evicted] + 20 == appended + 1000)
    }

    @Test func thinningAndExpirySpareRecordsThatMayHaveArrived() throws {
        let dir = TemporaryDirectory()
        let thinned = try boundedQueue(dir, budget: 192 * 1024, overflow: .downsample)
        try thinned.append(telemetry(100, from: 0, padding: 40))
        thinned.sent(Array(Int64(1)...Int64(100)))
        for chunk in 1..<50 { try thinned.append(telemetry(100, from: chunk * 100, padding: 40)) }
        #expect(thinned.losses[.telemetry, .downsampled] > 0)
        #expect(try thinned.all(.telemetry).prefix(100).map(\.sequence) == Array(Int64(1)...Int64(100)))

        var options = QueueOptions(path: dir.file("expiring.db"))
        options.maxAge = [0, 0, 60_000]
        let expiring = try DurableQueue(options: options)
        let now: Int64 = 1_800_000_000_000
        try expiring.append(telemetry(4, stamp: stamp(now - 120_000)))
        expiring.sent([2, 3])
        #expect(try expiring.expire(now: now) == 2)
        #expect(try expiring.all(.telemetry).map(\.sequence) == [2, 3])
        #expect(expiring.losses[.telemetry, .expired] == 2)
    }

    @Test func purgeIsCounted() throws {
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        try queue.append(telemetry(4))
        try queue.append([event("x")])
        #expect(try queue.purge(stream: .telemetry) == 4)
        #expect(queue.losses[.telemetry, .purged] == 4)
        #expect(try queue.count() == 1)
        let stats = try queue.stats()
        #expect(stats.records == 1)
        #expect(stats.streams.first { $0.stream == .events }?.records == 1)
    }
}
