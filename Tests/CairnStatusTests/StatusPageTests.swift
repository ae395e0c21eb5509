import Testing
import CairnCore
@testable import CairnStatus

@Suite struct StatusPageTests {
    func member(_ key: String, _ value: JSONValue) -> JSONMember { JSONMember(key: key, value: value) }

    func sensor(_ id: String, label: String? = nil, unit: String = "°C", value: JSONValue = .number(21.5), failing: Bool = false) -> JSONValue {
        .object([member("id", .string(id))] + (label.map { [member("label", .string($0))] } ?? [])
                + [member("unit", .string(unit)), member("value", value), member("failing", .bool(failing))])
    }

    func fullDocument(sensors: [JSONValue]) -> JSONValue {
        .object([
            member("device", .string("gw-basement-01")),
            member("version", .string("1.4.0")),
            member("updated_at", .string("2026-11-30T17:50:00.000Z")),
            member("connection", .string("offline")),
            member("connection_since", .string("2026-11-30T16:02:11.000Z")),
            member("last_error", .string("broker refused the connection: not authorised")),
            member("health", .object([member("healthy", .bool(false)), member("reasons", .array([.string("offline for 108 min"), .string("queue 91% full")]))])),
            member("queue_depth", .number(48211)),
            member("queue_used_bytes", .number(61_203_456)),
            member("queue_budget_bytes", .number(67_108_864)),
            member("queue_oldest_unsent_seconds", .object([member("telemetry", .number(6480)), member("events", .number(12.5))])),
            member("queue_losses", .object([member("telemetry.budget", .number(120))])),
            member("clock", .string("trusted")),
            member("active_alarms", .array([.string("hot thermal/cpu")])),
            member("failing_sensors", .array([])),
            member("config_version", .string("file:9f2c")),
            member("config_pushed_version", .number(8)),
            member("config_push_report", .string("applied 8")),
            member("disk_free_bytes", .number(1_572_864_000)),
            member("tls_certificate_expires", .string("2027-03-01T00:00:00Z")),
            member("sensors", .array(sensors)),
        ])
    }

    @Test func aFullDocument() {
        let history = SensorHistory()
        for i in 0..<10 {
            history.record(sensor: "thermal/cpu", time: Int64(i) * 1000, value: 40 + Double(i))
            history.record(sensor: "queue", time: Int64(i) * 1000, value: Double(i * 100))
        }
        let page = StatusPage.html(document: fullDocument(sensors: [
            sensor("thermal/cpu", value: .number(49.123)), sensor("door", unit: "", value: .null, failing: true),
        ]), history: history, refreshSeconds: 15)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.hasSuffix("</html>\n"))
        #expect(page.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        #expect(page.contains("<meta http-equiv=\"refresh\" content=\"15\">"))
        #expect(page.contains("<style>"))
        for external in ["<script", "<link", "src=", "@import", "url("] { #expect(!page.contains(external), "\(external)") }
        #expect(page.contains("<section id=\"health\" class=\"bad\">"))
        #expect(page.contains("<li>queue 91% full</li>"))
        #expect(page.contains("broker refused the connection: not authorised"))
        #expect(page.contains("58.4 MiB of 64 MiB"))
        #expect(page.contains("telemetry 1 h 48 min, events 12.5 s"))
        #expect(page.contains("telemetry.budget 120"))
        #expect(page.contains("1.5 GiB"))
        #expect(page.contains("<section class=\"sensor\" data-sensor=\"thermal/cpu\">"))
        #expect(page.contains("<span class=\"value\">49.12</span> °C"))
        #expect(page.contains("<section class=\"sensor failing\" data-sensor=\"door\">"))
        #expect(page.contains("<span class=\"value\">-</span>"))
        #expect(page.contains("data-sensor=\"queue\""))
        #expect(page.contains(">max 900 records<"))
        #expect(page.contains(">no data<"))   // the door has no history
    }

    @Test func sensorNamesAndValuesAreEscaped() {
        let evil = "<script>alert('x')</script>\"&"
        var doc = fullDocument(sensors: [sensor(evil, unit: "<i>")])
        if case .object(var members) = doc {
            members[0] = member("device", .string("<b>gw</b>"))
            members.append(member("health", .object([member("healthy", .bool(true)), member("reasons", .array([.string("<img src=x>")]))])))
            doc = .object(members)
        }
        let history = SensorHistory()
        history.record(sensor: evil, time: 0, value: 1)
        history.record(sensor: evil, time: 1000, value: 2)
        let page = StatusPage.html(document: doc, history: history)
        #expect(!page.contains("<script"))
        #expect(!page.contains("<b>gw"))
        #expect(!page.contains("<i>"))
        #expect(!page.contains("<img"))
        let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;"
        #expect(page.contains("<section class=\"sensor\" data-sensor=\"\(escaped)\"><h3>\(escaped)</h3>"))
        #expect(page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 320 80\" font-size=\"10\" data-sensor=\"\(escaped)\"><path"))
        #expect(page.contains("<title>cairn &lt;b&gt;gw&lt;/b&gt;</title>"))
    }

    @Test func aDocumentWithMissingKeysStillRenders() {
        let history = SensorHistory()
        for doc: JSONValue in [.object([]), .null, .array([]), .object([member("sensors", .array([.object([]), .number(3), sensor("x")])), member("health", .string("?"))])] {
            let page = StatusPage.html(document: doc, history: history, refreshSeconds: 0)
            #expect(page.hasSuffix("</html>\n"))
            #expect(page.contains("<section id=\"health\" class=\"unknown\">"))
            #expect(page.contains("<dt>clock</dt><dd>-</dd>"))
            #expect(page.contains("content=\"1\""))
            #expect(!page.contains("id=\"last-error\""))
        }
    }

    @Test func fiftySensorsWithFullHistoriesFitIn64KiB() {
        let history = SensorHistory()
        var sensors: [JSONValue] = []
        for s in 0..<50 {
            var id = "modbus/boiler-room-east/temperature-\(s)"
            while id.utf8.count < 40 { id += "x" }
            #expect(id.utf8.count == 40)
            // A hardware label of 32 characters too ("Channel 10 of board 4" is typical).
            sensors.append(sensor(id, label: "Boiler room east, return pipe \(s % 10)", value: .number(-1021.123456), failing: s % 7 == 0))
            // 420 readings leave the ring exactly full (120, then merged to 90 and refilled 10 times);
            // negative values with decimals make the longest labels.
            for i in 0..<420 { history.record(sensor: id, time: Int64(i) * 5000, value: -1000 - Double((i * 37 + s) % 101) / 7) }
            #expect(history.points(id).count == 120)
        }
        for i in 0..<420 { history.record(sensor: "queue", time: Int64(i) * 5000, value: Double(100_000 + i * 1237)) }
        let page = StatusPage.html(document: fullDocument(sensors: sensors), history: history)
        let size = page.utf8.count
        print("status page with 50 sensors: \(size) bytes")
        #expect(size < 64 * 1024)
        #expect(page.ranges(of: "<section class=\"sensor").count == 50)
        #expect(page.ranges(of: "<p class=\"label\">").count == 50)
    }
}
