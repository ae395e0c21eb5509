import Testing
import CairnCore
import CairnMQTT
import CairnQueue
@testable import CairnUplink

@Suite struct UplinkPiecesTests {
    @Test func backoffGrowsWithJitterUnderTheCap() {
        var backoff = Backoff(minimum: 1, maximum: 8)
        var ceilings: [Int64] = []
        for _ in 0..<8 {
            let delay = backoff.nextDelayMilliseconds()
            #expect(delay >= 100 && delay <= 8000)
            ceilings.append(delay)
        }
        // Over many draws, full jitter spreads values: not all equal.
        var spread = Set<Int64>()
        for _ in 0..<50 { spread.insert(backoff.nextDelayMilliseconds()) }
        #expect(spread.count > 10)
        backoff.reset()
        for _ in 0..<20 {
            var fresh = Backoff(minimum: 1, maximum: 8)
            #expect(fresh.nextDelayMilliseconds() <= 1000)
        }
    }

    @Test func batchWrapsFragmentsInTheirEnvelope() throws {
        let records = (1...3).map { QueuedRecord(sequence: Int64($0), stream: .telemetry, time: 1_800_000_000_000 + Int64($0),
                                                  fragment: Reading(sensor: "s", value: Double($0), unit: "C", time: 0).fragment) }
        let payload = String(decoding: TelemetryBatch.encode(device: "gw\"1", records: records), as: UTF8.self)
        let parsed = try JSONParser.parse(payload)
        #expect(parsed["device"] == JSONValue.string("gw\"1"))
        #expect(parsed["backfill"] == nil)
        let readings = try #require(parsed["readings"]?.array)
        #expect(readings.compactMap { $0["seq"]?.integer } == [1, 2, 3])
        #expect(readings[0]["time"]?.integer == 1_800_000_000_001)
        #expect(readings[0]["sensor"] == JSONValue.string("s"))
        #expect(readings[0]["clock"] == nil)
    }

    @Test func backfillAndUnsyncedRecordsAreMarked() throws {
        let unsynced = QueuedRecord(sequence: 9, stream: .telemetry, time: 5_000, monotonic: 5_000, bootID: "b0",
                                    trusted: false, fragment: #""sensor":"s","value":1,"unit":"C""#)
        let parsed = try JSONParser.parse(String(decoding: TelemetryBatch.encode(device: "d", records: [unsynced], backfill: true), as: UTF8.self))
        #expect(parsed["backfill"] == JSONValue.bool(true))
        let reading = try #require(parsed["readings"]?.array?.first)
        // Never a 1970 time: an uncorrectable record carries boot and uptime instead.
        #expect(reading["time"] == nil)
        #expect(reading["clock"] == JSONValue.string("unsynced"))
        #expect(reading["boot"] == JSONValue.string("b0"))
        #expect(reading["uptime_ms"]?.integer == 5_000)
    }

    @Test func pacerSpacesBacklogMessages() {
        var pacer = Pacer(perSecond: 4)
        #expect(pacer.allows(now: 0))
        pacer.spend(now: 0)
        #expect(!pacer.allows(now: 249))
        #expect(pacer.allows(now: 250))
        var unpaced = Pacer(perSecond: 0)
        unpaced.spend(now: 0)
        #expect(unpaced.allows(now: 0))
    }
}
