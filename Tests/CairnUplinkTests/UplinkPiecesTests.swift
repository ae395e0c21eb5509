import Testing
import CairnCore
import CairnMQTT
import CairnQueue
@testable import CairnUplink

@Suite struct UplinkPiecesTests {
    @Test func backoffGrowsWithJitterUnderTheCap() {
        // The n-th delay of a series is drawn from [0.1 s, min(1 s × 2ⁿ, 8 s)]. Over many
        // series each attempt's largest delay passes the previous attempt's ceiling
        // (p < 10⁻⁵⁰ of a false failure), none passes its own ceiling or the cap.
        var largest = [Int64](repeating: 0, count: 6)
        var spread = Set<Int64>()
        for _ in 0..<300 {
            var backoff = Backoff(minimum: 1, maximum: 8)
            for attempt in 0..<6 {
                let delay = backoff.nextDelayMilliseconds()
                #expect(delay >= 100 && delay <= min(1000 << attempt, 8000), "attempt \(attempt): \(delay) ms")
                largest[attempt] = max(largest[attempt], delay)
                spread.insert(delay)
            }
        }
        for attempt in 1..<4 {
            #expect(largest[attempt] > 1000 << (attempt - 1), "attempt \(attempt) never waited longer than attempt \(attempt - 1) could: \(largest)")
        }
        // Full jitter spreads the values.
        #expect(spread.count > 100)
        // reset() starts the same backoff over: its next delay is under the first ceiling again
        // (without the reset, 50 draws under 1 s out of up to 8 s: p ≈ 10⁻⁴⁸).
        var backoff = Backoff(minimum: 1, maximum: 8)
        for _ in 0..<50 {
            for _ in 0..<6 { _ = backoff.nextDelayMilliseconds() }
            backoff.reset()
            #expect(backoff.failures == 0)
            #expect(backoff.nextDelayMilliseconds() <= 1000)
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

    /// The concatenating encoder writes, byte for byte, what the JSON writer's envelope
    /// writes, trusted and unsynced records mixed, backfill or not.
    @Test func concatenatedBatchIsByteForByteTheWritersEnvelope() {
        var records: [QueuedRecord] = []
        for n in 0..<6 {
            let time: Int64 = n == 4 ? 5_000 : 1_800_000_000_000 + Int64(n)
            let label: String? = n == 2 ? "Ü \"x\"" : nil
            let reading = Reading(sensor: "s/\(n)", label: label, value: -Double(n) / 8, unit: "C", time: 0)
            records.append(QueuedRecord(sequence: Int64(n) * 1_000_003, stream: .telemetry, time: time, monotonic: Int64(n) * 7,
                                        bootID: "b\"\(n)", trusted: n % 3 != 1, fragment: reading.fragment))
        }
        for backfill in [false, true] {
            for count in [0, 1, records.count] {
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("device"); writer.string("gw\"1")
                if backfill { writer.key("backfill"); writer.bool(true) }
                writer.key("readings")
                writer.beginArray()
                for record in records.prefix(count) { TelemetryBatch.envelope(record, into: &writer) }
                writer.endArray()
                writer.endObject()
                #expect(TelemetryBatch.encode(device: "gw\"1", records: records.prefix(count), backfill: backfill) == writer.bytes)
            }
        }
    }

    /// A message stops before the reading that would take it past `maxBytes` (the first
    /// always goes in), and a builder handed the last message's allocation, longer or
    /// shorter than what it writes, writes the same bytes as a fresh one.
    @Test func aCappedMessageAndAReusedBufferWriteTheSameBytes() {
        let records = (1...40).map { n in
            QueuedRecord(sequence: Int64(n), stream: .telemetry, time: 1_800_000_000_000 + Int64(n),
                         fragment: Reading(sensor: "s/\(n)" + String(repeating: "x", count: n * 3), value: Double(n), unit: "C", time: 0).fragment)
        }
        var spare: [UInt8] = []
        for (cap, start) in [(Int.max, 0), (400, 5), (1, 7), (2_000, 0), (300, 20), (Int.max, 30)] {
            var batch = TelemetryBatch.Builder(device: "gw", maxBytes: cap, buffer: &spare)
            var taken = 0
            for record in records[start...] {
                guard batch.add(record) else { break }
                taken += 1
            }
            let expected = TelemetryBatch.encode(device: "gw", records: records[start..<(start + taken)])
            let payload = batch.finish()
            #expect(payload == expected, "cap \(cap) from \(start): \(taken) taken")
            #expect(taken >= 1)
            #expect(payload.count <= cap || taken == 1)
            if start + taken < records.count && cap != Int.max {
                let oneMore = TelemetryBatch.encode(device: "gw", records: records[start...(start + taken)])
                #expect(oneMore.count > cap, "stopped at \(taken) though \(taken + 1) fit in \(cap)")
            }
            spare = payload
        }
    }

    /// One stream for every message: each payload, large after small and small after large,
    /// comes back whole, and the result is no larger than its own bytes.
    @Test func oneDeflaterCompressesPayloadAfterPayload() throws {
        for level: Int32 in [1, 6, 9] {
            let deflater = Deflater(level: level)
            for size in [11_000, 40, 0, 250_000, 3, 11_000] {
                let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 % 251 &* 7 &+ $0 / 97) }
                let compressed = try #require(deflater.compress(payload), "level \(level), \(size) bytes")
                #expect(compressed.capacity < max(64, payload.count), "level \(level): \(compressed.capacity) bytes held for \(compressed.count)")
                #expect(Deflate.decompress(compressed, limit: size + 1) == payload, "level \(level), \(size) bytes")
            }
        }
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
