import Testing
import CairnCore
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

    @Test func batchIsValidJSONWithRecordsInOrder() throws {
        let records = (1...3).map { QueuedRecord(sequence: Int64($0), stream: .telemetry, time: 0,
                                                  body: Reading(sensor: "s", value: Double($0), unit: "C", time: 0).json(sequence: Int64($0))) }
        let payload = String(decoding: TelemetryBatch.encode(device: "gw\"1", records: records), as: UTF8.self)
        let parsed = try JSONParser.parse(payload)
        #expect(parsed["device"] == .string("gw\"1"))
        #expect(parsed["readings"]?.array?.compactMap { $0["seq"]?.integer } == [1, 2, 3])
    }
}
