import CairnCore

/// One entry of the config file's `"inputs"` array: what every input has
/// (type, interval, unit, selection), and its type's own settings, typed.
public struct InputSettings: Equatable {
    public var type: String
    /// Seconds between reads; nil: the agent's `interval` (pushed inputs have none).
    public var interval: Double?
    /// Unit given to readings that do not carry their own.
    public var unit = Key.unit.stringDefault
    /// Sensor-id patterns (`*` wildcards) to keep, and to drop; empty include keeps all.
    public var include = Key.include.stringsDefault
    public var exclude = Key.exclude.stringsDefault
    public var position = SourcePosition()
    /// The type's own settings.
    public var options: InputOptions

    /// An input of a plugin type with its settings (built in code, e.g. tests).
    public init<P: InputPlugin>(_ plugin: P.Type, _ settings: P.Settings, interval: Double? = nil) {
        type = P.typeName
        self.interval = interval
        options = TypedInputOptions<P>(settings)
    }

    init(type: String, interval: Double?, options: InputOptions) {
        self.type = type
        self.interval = interval
        self.options = options
    }

    public static func == (a: InputSettings, b: InputSettings) -> Bool {
        a.interval == b.interval && a.sameSource(as: b)
    }

    /// The same input apart from its interval (a new interval reschedules it, the input stays).
    public func sameSource(as other: InputSettings) -> Bool {
        type == other.type && unit == other.unit && include == other.include && exclude == other.exclude
            && options.isEqual(to: other.options)
    }

    /// "file:tank", "hwmon": how logs and the `config.applied` event name the input.
    public var label: String { options.label.map { "\(type):\($0)" } ?? type }

    /// A fresh input as configured (nothing opened yet).
    public func makeInput(_ context: InputContext) -> any Input { options.make(self, context) }

    /// The typed settings of a `P` input; nil for another type.
    public func settings<P: InputPlugin>(of type: P.Type) -> P.Settings? { options.settings(of: type) }

    /// How `cairn sensors` lists this input when its sensors appear only when devices send.
    public func plan(southbound: String?) -> String? { options.plan(southbound: southbound) }

    /// What every input may hold, whatever its type.
    public enum Key {
        public static let type = SectionKey.string("type")
        public static let interval = SectionKey.number("interval", in: 0.01...86_400, .described("the agent's interval"))
        public static let unit = SectionKey.string("unit", default: "", shown: "none")
        public static let include = SectionKey.strings("include", default: [], shown: "all sensors")
        public static let exclude = SectionKey.strings("exclude", default: [], shown: "none")
    }

    public static let commonKeys = [Key.type, Key.interval, Key.unit, Key.include, Key.exclude]

    /// Reads the section, input by input: every input in error is named (the
    /// first error thrown carries the others); errors carry `source`, line and column.
    public static func parse(_ member: JSONMember, source: String) throws(ConfigError) -> [InputSettings] {
        var out: [InputSettings] = []
        var errors = ConfigErrors()
        var taken: [String: Int] = [:]
        let path = JSONPath.member(JSONPath.root, member.key)
        for (index, item) in try SectionReader.items(member, source: source, path: path).enumerated() {
            errors.record { () throws(ConfigError) in
                out.append(try parse(item, index: index, of: member, source: source, path: path, taken: &taken))
            }
        }
        try errors.throwIfAny()
        return out
    }

    /// One input of the section; `taken` holds what other inputs use exclusively.
    static func parse(_ item: JSONValue, index: Int, of member: JSONMember, source: String, path: String,
                      taken: inout [String: Int]) throws(ConfigError) -> InputSettings {
        var r = try SectionReader(item, what: "input \(index + 1)", source: source, at: member, path: JSONPath.element(path, index))
        r.declare(commonKeys)
        let typeName = try r.string(Key.type)
        guard let type = InputRegistry.type(named: typeName) else {
            throw r.error("unknown type \"\(typeName)\" (expected \(InputRegistry.names))", at: r.member(Key.type)!)
        }
        r.declare(type.keys)
        var common = InputSettings(type: typeName, interval: try r.optionalNumber(Key.interval), options: InputOptions(typeName: ""))
        common.position = r.position
        common.unit = try r.string(Key.unit)
        common.include = try r.strings(Key.include)
        common.exclude = try r.strings(Key.exclude)
        common.options = try type.read(&r, common)
        try r.rejectUnknown()
        if let key = common.options.exclusive {
            if let other = taken[key] { throw r.error("\(key) is already used by input \(other)") }
            taken[key] = index + 1
        }
        return common
    }
}

/// Checks the input types share.
extension SectionReader {
    /// A string member that names sensors: no MQTT wildcards, spaces or control characters.
    public mutating func wildcardFree(_ key: SectionKey) throws(ConfigError) -> String {
        let text = try string(key)
        for byte in text.utf8 where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#") || byte <= 0x20 {
            throw error("must not contain '+', '#' or spaces", at: member(key)!)
        }
        return text
    }

    /// A sensor id prefix (`name`): topic-safe except for inner '/'.
    public mutating func sensorPrefix(_ key: SectionKey) throws(ConfigError) -> String {
        let name = try wildcardFree(key)
        guard !name.hasPrefix("/"), !name.hasSuffix("/") else { throw error("must not begin or end with '/'", at: member(key)!) }
        return name
    }

    /// Pushed inputs: readings are chosen by the device or the mapping, not by include/exclude.
    mutating func rejectSelection(_ type: String, chosenBy: String) throws(ConfigError) {
        if let selection = member(InputSettings.Key.include) ?? member(InputSettings.Key.exclude) {
            throw error("not for \(type) inputs: their readings are chosen by \(chosenBy)", at: selection)
        }
    }
}
