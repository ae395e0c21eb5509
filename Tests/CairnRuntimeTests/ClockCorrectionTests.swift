import Testing
import CairnCore
import CairnPipeline
import CairnQueue
import CairnTestSupport
@testable import CairnInputs

/// A clock correction moves only times that came from the agent's own clock:
/// a window aggregate keeps its window (moved by the step), a device's own time is left alone.
@Suite struct ClockCorrectionTests {
    /// 2027-01-15T08:00:00Z, on a minute boundary.
    static let base: Int64 = 1_800_000_000_000

    @Test func aCorrectionMovesOnlyTimesTakenFromTheUntrustedClock() throws {
        let base = ClockCorrectionTests.base
        // fake-hwclock: a plausible but stale time, untrusted until the sync file appears.
        var clock = ClockTracker(bootID: "b1", syncFile: "/run/sync", wall: base, monotonic: 10_000, syncFileExists: false)
        #expect(!clock.trusted)

        // A 60 s window of readings taken at base+1 s and base+30 s closes at the poll of base+60 s.
        var window = WindowAggregate(length: 60_000, functions: [.mean])
        var aggregates: [Reading] = []
        for time in [base + 1_000, base + 30_000, base + 60_000] {
            window.process(Reading(sensor: "t", value: 20, unit: "C", time: time)) { aggregates.append($0) }
        }
        #expect(aggregates.map(\.time) == [base])
        // A device posts a reading carrying its own (correct) time.
        let deviceTime = base + 3_600_000 + 42_000
        let ingest = HTTPIngest(name: "dev", token: nil, maxBodyBytes: 4096)
        guard case .readings(let posted) = ingest.parse(Array("{\"sensor\":\"x\",\"value\":1,\"time\":\(deviceTime)}".utf8), now: base + 60_000) else {
            Issue.record("the ingest refused the reading")
            return
        }
        let plain = Reading(sensor: "t", value: 20, unit: "C", time: base + 60_000)
        let stamp = clock.stamp(wall: base + 60_000, monotonic: 70_000)

        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        try queue.append([plain, aggregates[0], posted[0]].map { PendingRecord(telemetry: $0, stamp: stamp) })
        // The device's time is not the agent's: it is not held for a correction.
        #expect(try queue.records(stream: .telemetry, after: 0, limit: 10, holdBoot: "b1").map(\.sequence) == [3])

        // NTP syncs: the clock steps an hour ahead.
        let step: Int64 = 3_600_000
        guard case .corrected(let offset, _) = clock.observe(wall: base + 65_000 + step, monotonic: 75_000, syncFileExists: true) else {
            Issue.record("no correction reported")
            return
        }
        try queue.correctClock(bootID: "b1", offset: offset)
        let records = try queue.records(stream: .telemetry, after: 0, limit: 10, holdBoot: "b1")
        #expect(records.map(\.time) == [base + 60_000 + step, base + step, deviceTime])
        #expect(records.map(\.trusted) == [true, true, true])
    }

    @Test func aStepOfATrustedClockLeavesADevicesOwnTimeAlone() throws {
        let base = ClockCorrectionTests.base
        var clock = ClockTracker(bootID: "b1", syncFile: nil, wall: base, monotonic: 10_000, syncFileExists: false)
        #expect(clock.trusted)
        let ingest = HTTPIngest(name: "dev", token: nil, maxBodyBytes: 4096)
        guard case .readings(let posted) = ingest.parse(Array("{\"sensor\":\"x\",\"value\":1,\"time\":\(base - 5_000)}".utf8), now: base) else {
            Issue.record("the ingest refused the reading")
            return
        }
        let stamp = clock.stamp(wall: base, monotonic: 10_000)
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        try queue.append([Reading(sensor: "t", value: 1, unit: "", time: base), posted[0]].map { PendingRecord(telemetry: $0, stamp: stamp) })
        // NTP fixes the stale clock by two hours.
        guard case .corrected(let offset, _) = clock.observe(wall: base + 1_000 + 7_200_000, monotonic: 11_000, syncFileExists: false) else {
            Issue.record("no correction reported")
            return
        }
        try queue.correctClock(bootID: "b1", offset: offset)
        let records = try queue.records(stream: .telemetry, after: 0, limit: 10)
        #expect(records.map(\.time) == [base + 7_200_000, base - 5_000])
    }
}
