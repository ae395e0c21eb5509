import CairnCore

/// One entry of the config file's `"inputs"` array.
public struct InputSettings: Equatable {
    public enum Kind: String, Equatable {
        case hwmon, thermal, health, iio, w1, command, file, mqtt, http
    }

    public var position = SourcePosition()

    public var kind: Kind
    /// Seconds between reads; nil: the agent's `interval`.
    public var interval: Double?
    /// Sensor id prefix of command and file inputs ("ups" → "ups/charge").
    public var name: String = ""
    /// The file a file input reads.
    public var path: String = ""
    /// The program and arguments of a command input (a string runs through /bin/sh -c).
    public var run: [String] = []
    /// Seconds a command may run before it is killed.
    public var timeout: Double = 10
    /// Unit given to readings that do not carry their own.
    public var unit: String = ""
    /// Sensor-id patterns (`*` wildcards) to keep, and to drop; empty include keeps all.
    public var include: [String] = []
    public var exclude: [String] = []
    /// mqtt: the subscription filter, the sensor id template, the JSON fields
    /// (dotted paths; empty: every numeric member) and per-field units.
    public var topic: String = ""
    public var sensor: String = "mqtt/{topic}"
    public var fields: [String] = []
    public var units: [String: String] = [:]
    /// http: where to listen, the bearer token (required off loopback), the largest body.
    public var bind: String = "127.0.0.1"
    public var port: Int = 8080
    public var token: String?
    public var maxBodyBytes: Int = 64 * 1024
    /// mqtt, http: seconds without a reading after which a sensor seen before counts as failing (0: never).
    public var staleAfter: Double = 0

    public init(kind: Kind, interval: Double? = nil) {
        self.kind = kind
        self.interval = interval
    }

    /// Today's inputs when the config has no "inputs" section.
    public static let defaults = [InputSettings(kind: .hwmon), InputSettings(kind: .thermal), InputSettings(kind: .health)]

    static func parse(_ member: JSONMember, source: String) throws(ConfigError) -> [InputSettings] {
        var out: [InputSettings] = []
        for (index, item) in try sectionItems(member, source: source).enumerated() {
            var r = try SectionReader(item, what: "input \(index + 1)", source: source, at: member)
            let typeName = try r.requiredString("type")
            guard let kind = Kind(rawValue: typeName) else {
                throw r.error("unknown type \"\(typeName)\" (expected hwmon, thermal, health, iio, w1, command, file, mqtt or http)", at: r.member("type")!)
            }
            var input = InputSettings(kind: kind, interval: try r.number("interval", in: 0.01...86_400))
            input.position = SourcePosition(line: r.line, column: r.column)
            input.unit = try r.string("unit") ?? ""
            input.include = try r.strings("include") ?? []
            input.exclude = try r.strings("exclude") ?? []
            switch kind {
            case .command:
                input.name = try sensorPrefix(&r)
                guard let run = r.member("run") else { throw r.error("\"run\" is required") }
                if let line = run.value.string, !line.isEmpty {
                    input.run = ["/bin/sh", "-c", line]
                } else {
                    guard let list = try r.strings("run"), !list.isEmpty else { throw r.error("expected a command line or a non-empty array", at: run) }
                    input.run = list
                }
                input.timeout = try r.number("timeout", in: 0.1...3600) ?? 10
            case .file:
                input.name = try sensorPrefix(&r)
                input.path = try r.requiredString("path")
            case .mqtt, .http:
                if let selection = r.member("include") ?? r.member("exclude") {
                    throw r.error("not for \(typeName) inputs: their readings are chosen by \(kind == .mqtt ? "topic and fields" : "the client")", at: selection)
                }
                if kind == .mqtt { try parseMQTT(&r, into: &input) } else { try parseHTTP(&r, into: &input) }
                input.staleAfter = try r.number("stale_after", in: 0...31_536_000) ?? 0
            default:
                break
            }
            try r.rejectUnknown()
            out.append(input)
        }
        return out
    }

    /// A string member that names sensors: no MQTT wildcards, spaces or control characters.
    static func wildcardFree(_ r: inout SectionReader, _ key: String, required: Bool = true) throws(ConfigError) -> String? {
        guard let text = required ? try r.requiredString(key) : try r.string(key) else { return nil }
        for byte in text.utf8 where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#") || byte <= 0x20 {
            throw r.error("must not contain '+', '#' or spaces", at: r.member(key)!)
        }
        return text
    }

    /// `name`: the sensor id prefix, topic-safe except for inner '/'.
    static func sensorPrefix(_ r: inout SectionReader) throws(ConfigError) -> String {
        let name = try wildcardFree(&r, "name")!
        guard !name.hasPrefix("/"), !name.hasSuffix("/") else { throw r.error("must not begin or end with '/'", at: r.member("name")!) }
        return name
    }
}

extension InputSettings {
    /// `{"type": "mqtt", "topic": "lan/+/state", "sensor": "lan/{1}", "fields": ["temp"], "units": {"temp": "°C"}}`
    static func parseMQTT(_ r: inout SectionReader, into input: inout InputSettings) throws(ConfigError) {
        input.topic = try r.requiredString("topic")
        guard isValidFilter(input.topic) else {
            throw r.error("not a valid MQTT topic filter ('+' and '#' must be whole levels, '#' last)", at: r.member("topic")!)
        }
        if let sensor = try wildcardFree(&r, "sensor", required: false) { input.sensor = sensor }
        input.fields = try r.strings("fields") ?? []
        if let units = r.member("units") {
            guard let members = units.value.members else { throw r.error("expected an object of field: unit", at: units) }
            for member in members {
                guard let unit = member.value.string else { throw r.error("the unit of \"\(member.key)\" must be a string", at: member) }
                input.units[member.key] = unit
            }
        }
        if input.interval != nil { throw r.error("an mqtt input has no interval: devices publish when they do", at: r.member("interval")!) }
    }

    /// `{"type": "http", "bind": "127.0.0.1", "port": 8080, "token": "…", "max_body_bytes": 65536, "name": "http"}`
    static func parseHTTP(_ r: inout SectionReader, into input: inout InputSettings) throws(ConfigError) {
        input.name = r.member("name") == nil ? "http" : try sensorPrefix(&r)
        input.bind = try r.string("bind") ?? "127.0.0.1"
        guard isIPAddress(input.bind) else { throw r.error("expected an IPv4 or IPv6 address such as 127.0.0.1 or ::1", at: r.member("bind")!) }
        input.port = try r.integer("port", in: 1...65_535) ?? 8080
        input.token = try r.string("token")
        if let token = input.token, token.utf8.count < 16 {
            throw r.error("must be at least 16 characters", at: r.member("token")!)
        }
        // Security by default: a port reachable from the network needs a token.
        if input.token == nil && !isLoopback(input.bind) {
            throw r.error("listening on \(input.bind) needs a \"token\"; without one, bind to 127.0.0.1 or ::1", at: r.member("bind")!)
        }
        input.maxBodyBytes = try r.integer("max_body_bytes", in: 256...16 * 1024 * 1024) ?? 64 * 1024
        if input.interval != nil { throw r.error("an http input has no interval: readings arrive when they are posted", at: r.member("interval")!) }
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.")
    }

    /// Dotted-quad IPv4, or IPv6 (hex digits, ':' and '.' only); the server checks it properly.
    static func isIPAddress(_ text: String) -> Bool {
        if text.utf8.contains(UInt8(ascii: ":")) {
            return text.utf8.allSatisfy { ($0 >= 48 && $0 <= 58) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) || $0 == 46 }
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard let n = Int(part), !part.isEmpty, part.utf8.count <= 3 else { return false }
            return n >= 0 && n <= 255
        }
    }

    /// Levels split by '/'; '+' and '#' only as whole levels, '#' only last.
    static func isValidFilter(_ filter: String) -> Bool {
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.utf8.contains(UInt8(ascii: "#")) && (level != "#" || index != levels.count - 1) { return false }
            if level.utf8.contains(UInt8(ascii: "+")) && level != "+" { return false }
        }
        return !filter.isEmpty && !filter.utf8.contains(0)
    }
}
