import CairnCore
import CairnMQTT

/// How messages that LAN devices publish on a broker become readings: which
/// topics, how each sensor is named, which JSON fields carry values.
///
/// A payload is a bare number (`21.5`, also `true`/`false` as 1/0) or a JSON
/// object whose numeric members are readings. Sensor ids come from the
/// `sensor` template: `{1}`…`{9}` are the topic levels matched by the filter's
/// wildcards in order, `{topic}` the whole topic, `{field}` the field path
/// ("a.b" → "a/b"). Without `{field}`, an object's fields are appended as
/// "/<field>". What comes from the device (levels, field names) is made
/// topic-safe; the device's own wording is kept as the reading's label.
public struct MQTTReadingMap: Equatable {
    public let filter: String
    public let sensor: String
    /// Dotted paths of the fields to read; empty reads every numeric top-level member.
    public let fields: [String]
    public let unit: String
    /// Per-field units, overriding `unit`.
    public let units: [String: String]
    /// Milliseconds without a message after which a sensor of this map counts as failing (0: never).
    public let staleAfter: Int64

    /// Largest payload read; LAN devices send readings, not files.
    public static let maxPayloadBytes = 64 * 1024

    public init(filter: String, sensor: String = "mqtt/{topic}", fields: [String] = [], unit: String = "", units: [String: String] = [:],
                staleAfter: Int64 = 0) {
        self.filter = filter
        self.sensor = sensor
        self.fields = fields
        self.unit = unit
        self.units = units
        self.staleAfter = staleAfter
    }

    public func matches(_ topic: String) -> Bool {
        MQTTSession.topic(topic, matches: filter)
    }

    /// Turns one message into readings, or failures naming what was wrong with it.
    public func read(topic: String, payload: [UInt8], now: Int64, into result: inout InputResult) {
        let captures = wildcardLevels(of: topic)
        let base = expand(topic: topic, captures: captures, field: nil).id
        guard payload.count <= MQTTReadingMap.maxPayloadBytes else {
            result.fail(base, "message of \(payload.count) bytes on \(topic) is larger than \(MQTTReadingMap.maxPayloadBytes)")
            return
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(String(decoding: payload, as: UTF8.self), maxBytes: MQTTReadingMap.maxPayloadBytes)
        } catch {
            result.fail(base, "message on \(topic) is not a number or JSON object: \(error)")
            return
        }
        if value.members == nil {
            guard let number = Reading.value(from: value) else {
                result.fail(base, "message on \(topic) is \(value.kindName), not a number or object")
                return
            }
            add(expand(topic: topic, captures: captures, field: fields.first ?? "value", bare: true), number, field: nil, now: now, into: &result)
            return
        }
        if fields.isEmpty {
            for member in value.members! {
                guard let number = Reading.value(from: member.value) else { continue }
                add(expand(topic: topic, captures: captures, field: member.key), number, field: member.key, now: now, into: &result)
            }
            return
        }
        for field in fields {
            let sensor = expand(topic: topic, captures: captures, field: field)
            guard let found = MQTTReadingMap.lookup(field, in: value) else {
                result.fail(sensor.id, "field \"\(field)\" missing in the message on \(topic)")
                continue
            }
            guard let number = Reading.value(from: found) else {
                result.fail(sensor.id, "field \"\(field)\" on \(topic) is \(found.kindName), not a number")
                continue
            }
            add(sensor, number, field: field, now: now, into: &result)
        }
    }

    private func add(_ sensor: SensorName, _ value: Double, field: String?, now: Int64, into result: inout InputResult) {
        guard Reading.isValidSensorID(sensor.id) else {
            result.fail(sensor.id, "sensor id \"\(sensor.id)\" made from the topic is not valid")
            return
        }
        result.readings.append(Reading(sensor: sensor.id, label: sensor.label, value: value,
                                       unit: field.flatMap { units[$0] } ?? unit, time: now))
    }

    /// The topic levels matched by `+` (one level each) and `#` (the rest, joined by '/').
    func wildcardLevels(of topic: String) -> [Substring] {
        let filterLevels = filter.split(separator: "/", omittingEmptySubsequences: false)
        let topicLevels = topic.split(separator: "/", omittingEmptySubsequences: false)
        var captures: [Substring] = []
        for (index, level) in filterLevels.enumerated() {
            if level == "+", index < topicLevels.count {
                captures.append(topicLevels[index])
            } else if level == "#" {
                captures.append(index < topicLevels.count ? topic.split(separator: "/", maxSplits: index, omittingEmptySubsequences: false).last! : "")
            }
        }
        return captures
    }

    /// A sensor's id, with the topic levels and field names in it made topic-safe
    /// (`Text.slugLevels`: lower case, other characters → "_"), and its label: the
    /// id as the device's own names would have made it, when that differs.
    struct SensorName {
        let id: String
        let label: String?
    }

    /// The sensor name for `field` (nil: the message as a whole, for failures).
    func expand(topic: String, captures: [Substring], field: String?, bare: Bool = false) -> SensorName {
        let id = fill(topic: topic, captures: captures, field: field, bare: bare, safe: Text.slugLevels)
        let original = fill(topic: topic, captures: captures, field: field, bare: bare) { $0 }
        return SensorName(id: id, label: original == id ? nil : original)
    }

    private func fill(topic: String, captures: [Substring], field: String?, bare: Bool, safe: (String) -> String) -> String {
        let fieldPath = field.map { safe(String(decoding: $0.utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: "/") : $0 }, as: UTF8.self)) } ?? ""
        var usedField = false
        let out = Text.fill(sensor) { name in
            if name == "topic" { return safe(topic) }
            if name == "field" {
                usedField = true
                return fieldPath
            }
            guard let number = Int(name), number >= 1, number <= captures.count else { return nil }
            return safe(String(captures[number - 1]))
        }
        return field != nil && !usedField && !bare ? out + "/" + fieldPath : out
    }

    static func lookup(_ path: String, in value: JSONValue) -> JSONValue? {
        var current: JSONValue? = value
        for key in path.split(separator: ".") { current = current?[String(key)] }
        return current
    }
}
