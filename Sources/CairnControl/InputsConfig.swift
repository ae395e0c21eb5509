import CairnCore

/// One entry of the config file's `"inputs"` array.
public struct InputSettings: Equatable {
    public enum Kind: String, Equatable {
        case hwmon, thermal, health, iio, w1, command, file
    }

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
                throw r.error("unknown type \"\(typeName)\" (expected hwmon, thermal, health, iio, w1, command or file)", at: r.member("type")!)
            }
            var input = InputSettings(kind: kind, interval: try r.number("interval", in: 0.01...86_400))
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
            default:
                break
            }
            try r.rejectUnknown()
            out.append(input)
        }
        return out
    }

    /// `name`: the sensor id prefix, topic-safe except for inner '/'.
    static func sensorPrefix(_ r: inout SectionReader) throws(ConfigError) -> String {
        let name = try r.requiredString("name")
        for byte in name.utf8 where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#") || byte <= 0x20 {
            throw r.error("must not contain '+', '#' or spaces", at: r.member("name")!)
        }
        guard !name.hasPrefix("/"), !name.hasSuffix("/") else { throw r.error("must not begin or end with '/'", at: r.member("name")!) }
        return name
    }
}
