import Testing
@testable import CairnCore

@Suite struct CoreTests {
    @Test func rfc3339TimesReadBackToTheSameMilliseconds() {
        for ms: Int64 in [0, 951_782_400_000 /* 2000-02-29 */, 1_764_460_800_123, 4_102_444_799_999 /* 2099-12-31T23:59:59.999 */] {
            #expect(Clock.parseRFC3339(Clock.rfc3339(ms)) == ms, "\(Clock.rfc3339(ms))")
        }
        #expect(Clock.parseRFC3339("2026-11-30T18:00:00Z") == 1_796_061_600_000)
        for bad in ["", "2026-11-30", "2026-13-01T00:00:00Z", "2026-11-30T18:00:00+01:00", "2026-11-30T18:00:00.12Z", "yyyy-11-30T18:00:00Z"] {
            #expect(Clock.parseRFC3339(bad) == nil, "\(bad)")
        }
    }

    @Test func brokerURLs() {
        #expect(BrokerURL.parse("mqtt://127.0.0.1") == BrokerURL(tls: false, host: "127.0.0.1", port: 1883))
        #expect(BrokerURL.parse("mqtts://broker.example:8884") == BrokerURL(tls: true, host: "broker.example", port: 8884))
        #expect(BrokerURL.parse("mqtts://localhost") == BrokerURL(tls: true, host: "localhost", port: 8883))
        #expect(BrokerURL.parse("mqtt://[::1]:1884") == BrokerURL(tls: false, host: "::1", port: 1884))
        #expect(BrokerURL.parse("mqtt://[::1]:1884")?.description == "mqtt://[::1]:1884")
        for bad in ["http://x", "mqtt://", "mqtt://host:0", "mqtt://host:99999", "mqtt://host:abc", "mqtt://host/path", "127.0.0.1:1883"] {
            #expect(BrokerURL.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func slugsAndTrimming() {
        #expect(Text.slug("Core 0") == "core_0")
        #expect(Text.slug("  Package id 0 ") == "package_id_0")
        #expect(Text.slug("cpu-thermal") == "cpu-thermal")
        #expect(Text.trimmed("  42000\n") == "42000")
        #expect(Text.contains("hello world", "o w"))
        #expect(!Text.contains("hello", "hello!"))
        #expect(Text.slugLevels("Living Room/Sensor #2") == "living_room/sensor_2")
        #expect(Text.slugLevels("a//!!") == "a/_/_")
    }

    @Test func byteCountsInBinaryUnits() {
        #expect(Numbers.bytes(0) == "0 B")
        #expect(Numbers.bytes(1023) == "1023 B")
        #expect(Numbers.bytes(512 * 1024) == "512 KiB")
        #expect(Numbers.bytes(1_048_576) == "1 MiB")
        #expect(Numbers.bytes(67_108_864) == "64 MiB")
        #expect(Numbers.bytes(1_572_864) == "1.5 MiB")
        #expect(Numbers.bytes(1_048_575) == "1 MiB")
        #expect(Numbers.bytes(3 * 1024 * 1024 * 1024) == "3 GiB")
        #expect(Numbers.bytes(-1) == "-1 B")
    }

    @Test func rfc3339() {
        #expect(Clock.rfc3339(0) == "1970-01-01T00:00:00.000Z")
        #expect(Clock.rfc3339(1_795_493_772_712) == "2026-11-24T04:16:12.712Z")
    }

    @Test func readingFragmentIsCompactJSONMembers() throws {
        let reading = Reading(sensor: "hwmon/chip/temp1", label: "Board", value: 42.5, unit: "C", time: 1000)
        #expect(reading.fragment == #""sensor":"hwmon/chip/temp1","label":"Board","value":42.5,"unit":"C""#)
        let unlabeled = Reading(sensor: "health/load1", value: 0.25, unit: "", time: 5)
        #expect(try JSONParser.parse("{" + unlabeled.fragment + "}")["label"] == nil)
    }

    @Test func cloudEventRendersRequiredAttributes() throws {
        let event = CloudEvent(type: "io.cairn.alarm.raised", source: "cairn/gw", id: "17", time: 1_795_493_772_712,
                               subject: "hwmon/chip/temp1", data: .object([JSONMember(key: "value", value: .number(81))]))
        let parsed = try JSONParser.parse(event.json())
        #expect(parsed["specversion"] == .string("1.0"))
        #expect(parsed["id"] == .string("17"))
        #expect(parsed["time"] == .string("2026-11-24T04:16:12.712Z"))
        #expect(parsed["source"] == .string("cairn/gw"))
        #expect(parsed["type"] == .string("io.cairn.alarm.raised"))
        #expect(parsed["subject"] == .string("hwmon/chip/temp1"))
        #expect(parsed["data"]?["value"] == .number(81))
    }
}
