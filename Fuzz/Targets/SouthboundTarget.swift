import CairnCore
import CairnInputs

/// The southbound payload mapping (`MQTTReadingMap.read(topic:payload:now:into:)`,
/// what an `mqtt` input does with each message a LAN device publishes) under a
/// few maps shaped like the documented ones. An input is a topic, a newline,
/// then the payload; a topic a broker could not deliver (empty, with a wildcard
/// or NUL) is skipped. Every map whose filter matches the topic reads it (the
/// first, filter `#`, matches all). Beyond not crashing:
/// - every reading has a valid sensor id (`FuzzCheck.sensorIDProblem`) with no
///   empty level, a finite value, the arrival time, and the map's unit for its field;
/// - every failure names a sensor and gives a reason;
/// - a message is at most one reading or failure per field read (one for a bare
///   value or a bad message); without `fields`, every number or boolean among an
///   object's top-level members is a reading or a failure.
public enum SouthboundTarget {
    static let now: Int64 = 1_790_000_000_000

    static let maps: [MQTTReadingMap] = [
        MQTTReadingMap(filter: "#", unit: "C"),
        MQTTReadingMap(filter: "tele/+/SENSOR", sensor: "tasmota/{1}/{field}", fields: ["AM2301.Temperature", "AM2301.Humidity"], unit: "C",
                       units: ["AM2301.Humidity": "%"]),
        MQTTReadingMap(filter: "site/+/+/#", sensor: "{2}-{1}/{3}"),
        MQTTReadingMap(filter: "zigbee2mqtt/#", sensor: "z2m/{1}", units: ["humidity": "%", "temperature": "C"]),
        MQTTReadingMap(filter: "lan/+/state", sensor: "lan/{1}/{field}", fields: ["value", "env.rh"]),
    ]

    public static func check(_ bytes: [UInt8]) -> String? {
        let split = bytes.firstIndex(of: 0x0A) ?? bytes.count
        let topic = String(decoding: bytes[..<split], as: UTF8.self)
        let payload = split < bytes.count ? Array(bytes[(split + 1)...]) : []
        if topic.isEmpty || topic.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) { return nil }
        for map in maps where map.matches(topic) {
            var result = InputResult()
            map.read(topic: topic, payload: payload, now: now, into: &result)
            if let problem = problem(result, map: map, payload: payload) { return "map \(map.filter) → \(map.sensor), topic \"\(topic)\": \(problem)" }
        }
        return nil
    }

    static func problem(_ result: InputResult, map: MQTTReadingMap, payload: [UInt8]) -> String? {
        for reading in result.readings {
            if let problem = FuzzCheck.readingProblem(reading, now: now) { return problem }
            if reading.label == reading.sensor { return "reading \(reading.sensor) has its id as its label (a label is kept only when it differs)" }
            if reading.unit != map.unit && !map.units.values.contains(reading.unit) { return "reading \(reading.sensor) has unit \"\(reading.unit)\", not the map's" }
        }
        if let problem = FuzzCheck.failureProblem(result.failures) { return problem }
        let produced = result.readings.count + result.failures.count
        let document = try? JSONParser.parse(String(decoding: payload, as: UTF8.self), maxBytes: MQTTReadingMap.maxPayloadBytes)
        guard let members = document?.members else {
            return produced == 1 ? nil : "a message that is not an object gave \(produced) readings and failures, not 1"
        }
        if !map.fields.isEmpty {
            return produced == map.fields.count ? nil : "\(map.fields.count) fields read gave \(produced) readings and failures"
        }
        let numbers = members.filter { $0.value.number != nil || $0.value.bool != nil }.count
        return produced == numbers ? nil : "an object with \(numbers) numeric members gave \(produced) readings and failures"
    }
}
