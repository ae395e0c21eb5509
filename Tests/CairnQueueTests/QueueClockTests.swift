import Testing
import CairnCore
import CairnTestSupport
@testable import CairnQueue

@Suite struct QueueClockTests {
    @Test func untrustedRecordsAreHeldAndThenCorrectedFromMonotonicTime() throws {
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        // Booted at "1970": wall = monotonic.
        try queue.append(telemetry(2, stamp: stamp(5_000, mono: 5_000, boot: "b1", trusted: false)))
        try queue.append(telemetry(1, from: 2, stamp: stamp(6_000, mono: 6_000, boot: "b1", trusted: false)))
        // A record from an earlier boot that can never be corrected.
        try queue.append(telemetry(1, from: 3, stamp: stamp(7_000, mono: 7_000, boot: "b0", trusted: false)))
        #expect(try queue.records(stream: .telemetry, after: 0, limit: 10, holdBoot: "b1").map(\.sequence) == [4])

        // NTP: the true time is 1.8e12 at monotonic 10 000.
        let offset: Int64 = 1_800_000_000_000 - 10_000
        #expect(try queue.correctClock(bootID: "b1", offset: offset) == 3)
        let records = try queue.records(stream: .telemetry, after: 0, limit: 10, holdBoot: "b1")
        #expect(records.map(\.sequence) == [1, 2, 3, 4])
        #expect(records[0].time == offset + 5_000)
        #expect(records[2].time == offset + 6_000)
        #expect(records[0].trusted)
        #expect(!records[3].trusted)
        #expect(try queue.stats().streams.first { $0.stream == .telemetry }?.unsynced == 1)
    }

    @Test func trackerTrustsAPlausibleClockAndReportsSteps() {
        var tracker = ClockTracker(bootID: "b", syncFile: nil, wall: 10_000, monotonic: 10_000, syncFileExists: false)
        #expect(!tracker.trusted)
        #expect(tracker.observe(wall: 11_000, monotonic: 11_000, syncFileExists: false) == nil)
        // NTP steps the clock to 2027.
        let real: Int64 = 1_800_000_000_000
        #expect(tracker.observe(wall: real, monotonic: 12_000, syncFileExists: false) == .corrected(offset: real - 12_000, step: real - 12_000 - 0))
        #expect(tracker.trusted)
        // Drift of a few seconds is not a step.
        #expect(tracker.observe(wall: real + 5_000 + 2_000, monotonic: 17_000, syncFileExists: false) == nil)
        // A stale-but-plausible clock corrected by NTP is a step.
        #expect(tracker.observe(wall: real + 3_600_000, monotonic: 18_000, syncFileExists: false) != nil)
    }

    @Test func trackerWaitsForTheSyncFileWhenConfigured() {
        let real: Int64 = 1_800_000_000_000
        var tracker = ClockTracker(bootID: "b", syncFile: "/run/x", wall: real, monotonic: 1_000, syncFileExists: false)
        #expect(!tracker.trusted)
        #expect(tracker.observe(wall: real + 1_000, monotonic: 2_000, syncFileExists: false) == nil)
        #expect(tracker.observe(wall: real + 2_000, monotonic: 3_000, syncFileExists: true) == .corrected(offset: real - 1_000, step: 0))
        #expect(tracker.trusted)
    }
}
