import CairnCore

/// `{"type": "mqtt", "topic": "lan/+/state", "sensor": "lan/{1}", "fields": ["temp"], "units": {"temp": "°C"}}`:
/// readings LAN devices publish on the southbound broker. The `SouthboundClient`
/// (one link for every mqtt input) hands each message to the inputs whose filter matches.
public final class MQTTInput: InputPlugin {
    public struct Settings: Equatable {
        /// The subscription filter, the sensor id template, the JSON fields
        /// (dotted paths; empty: every numeric member) and per-field units.
        public var topic: String
        public var sensor = Key.sensor.stringDefault
        public var fields = Key.fields.stringsDefault
        public var units: [String: String] = [:]
        /// Seconds without a reading after which a sensor seen before counts as failing (0: never).
        public var staleAfter = Key.staleAfter.numberDefault
    }

    public static let typeName = "mqtt"
    public static var pushed: Bool { true }

    public let map: MQTTReadingMap
    /// Sensors that stopped arriving.
    private var silence: SilenceWatch
    /// Readings and failures from messages since `collect` last took them.
    private var received = InputResult()
    /// The client serving it while it is in force.
    private var client: SouthboundClient?

    public init(map: MQTTReadingMap) {
        self.map = map
        silence = SilenceWatch(limit: map.staleAfter)
    }

    public convenience init(settings: Settings, common: InputSettings, context: InputContext) {
        self.init(map: MQTTReadingMap(filter: settings.topic, sensor: settings.sensor, fields: settings.fields, unit: common.unit,
                                      units: settings.units, staleAfter: Int64(settings.staleAfter * 1000)))
    }

    public func start(_ context: InputContext) {
        client = context.southbound
        client?.attach(self)
    }

    public func stop() {
        client?.detach(self)
        client = nil
    }

    /// One message on a matching topic: its readings (or why it has none), kept until `collect`.
    func receive(topic: String, payload: [UInt8], wall: Int64, nowMonotonic: Int64) -> InputResult {
        var result = InputResult()
        map.read(topic: topic, payload: payload, now: wall, into: &result)
        for reading in result.readings { silence.heard(reading.sensor, nowMonotonic: nowMonotonic) }
        received.readings += result.readings
        received.failures += result.failures
        return result
    }

    public func collect(nowWall: Int64, nowMonotonic: Int64) -> InputResult? {
        var taken = received
        received = InputResult()
        silence.check(nowMonotonic: nowMonotonic, into: &taken)
        return taken
    }

    public func nextDeadline(nowMonotonic: Int64) -> Int64 { silence.nextDeadline }

    public enum Key {
        public static let topic = SectionKey.string("topic")
        public static let sensor = SectionKey.string("sensor", default: "mqtt/{topic}")
        public static let fields = SectionKey.strings("fields", default: [], shown: "every top-level number")
        public static let units = SectionKey.other("units", "object", .none)
        public static let staleAfter = SectionKey.number("stale_after", in: SectionKey.seconds, default: 0)
    }

    public static let keys = [Key.topic, Key.sensor, Key.fields, Key.units, Key.staleAfter]

    public static func settings(_ r: inout SectionReader, common: InputSettings) throws(ConfigError) -> Settings {
        try r.rejectSelection("mqtt", chosenBy: "topic and fields")
        var settings = Settings(topic: try r.string(Key.topic))
        guard Topic.isValidFilter(settings.topic) else {
            throw r.error("not a valid MQTT topic filter ('+' and '#' must be whole levels, '#' last)", at: r.member(Key.topic)!)
        }
        settings.sensor = try r.wildcardFree(Key.sensor)
        settings.fields = try r.strings(Key.fields)
        if let units = r.member(Key.units) {
            guard let members = units.value.members else { throw r.error("expected an object of field: unit", at: units) }
            for member in members {
                guard let unit = member.value.string else { throw r.error("the unit of \"\(member.key)\" must be a string", at: member) }
                settings.units[member.key] = unit
            }
        }
        if common.interval != nil { throw r.error("an mqtt input has no interval: devices publish when they do", at: r.member(InputSettings.Key.interval)!) }
        settings.staleAfter = try r.number(Key.staleAfter)
        return settings
    }

    public static func label(_ settings: Settings) -> String? { settings.topic }

    public static func plan(_ settings: Settings, southbound: String?) -> String? {
        // An object's fields are appended unless the template places them.
        let named = Text.contains(settings.sensor, "{field}") ? settings.sensor : settings.sensor + "[/<field>]"
        var fields = ""
        for field in settings.fields { fields += (fields.isEmpty ? "  fields: " : ", ") + field }
        return "mqtt \(settings.topic) on \(southbound ?? "(no southbound_broker)") -> \(named)\(fields)"
    }
}
