/// One member a section entry may hold (an input, a stage, a rule, an
/// action), declared beside the code that reads it: its name, how its value is
/// checked, and what holds when it is absent. The section's reader reads
/// through it (`SectionReader.number(_:)` and the like), so the range and the
/// default live here only; docs/config.md shows `defaultText` and
/// `allowedText`, and a test compares them.
public struct SectionKey {
    public let name: String
    public let kind: Kind
    public let absent: Absent
    /// A credential (an HTTP token): `cairn config show` prints "(set, not shown)" for it.
    public private(set) var isSecret = false

    public init(_ name: String, _ kind: Kind, _ absent: Absent) {
        self.name = name
        self.kind = kind
        self.absent = absent
    }

    /// The same key, marked as a credential.
    public var secret: SectionKey {
        var copy = self
        copy.isSecret = true
        return copy
    }

    /// What a member's value must be.
    public enum Kind {
        case number(ClosedRange<Double>)
        case integer(ClosedRange<Int>)
        /// A non-empty string, or (`empty: true`) any string.
        case string(empty: Bool)
        /// One of these names (a string).
        case choice([String])
        case boolean
        /// A string or an array of non-empty strings.
        case strings
        /// A string (run through /bin/sh -c) or a non-empty array of strings.
        case commandLine
        /// Read by the parser itself ("object", "array").
        case other(String)
    }

    /// What holds when the member is absent.
    public enum Absent {
        case required
        /// Nothing: the setting is unset (docs: "none").
        case none
        /// Unset here; what that means is decided where it is used ("the agent's interval").
        case described(String)
        /// This value; `shown` replaces its text in the docs ("none" for an empty unit).
        case value(Value, shown: String?)
    }

    /// A typed default.
    public enum Value: Equatable {
        case number(Double)
        case integer(Int)
        case string(String)
        case boolean(Bool)
        case strings([String])

        /// As docs/config.md shows it: `10`, `0.5`, `drop`, `min, max`.
        public var text: String {
            switch self {
            case .number(let n): return Numbers.format(n)
            case .integer(let n): return String(n)
            case .string(let s): return s
            case .boolean(let b): return b ? "true" : "false"
            case .strings(let list): return list.joined(separator: ", ")
            }
        }
    }

    /// The default as docs/config.md shows it: "10", "none", "required", ….
    public var defaultText: String {
        switch absent {
        case .required: return "required"
        case .none: return "none"
        case .described(let text): return text
        case .value(let value, let shown): return shown ?? value.text
        }
    }

    /// The typed default; nil when the member is required or unset when absent.
    public var defaultValue: Value? {
        if case .value(let value, _) = absent { return value }
        return nil
    }

    /// What docs/config.md's "Allowed values" column starts with, for the
    /// kinds whose check is all here: "0.1–3600", "≥ 0", "any", "drop, clamp, flag".
    public var allowedText: String? {
        switch kind {
        case .number(let range): return Self.rangeText(range.lowerBound, range.upperBound)
        case .integer(let range): return Self.rangeText(Double(range.lowerBound), Double(range.upperBound))
        case .choice(let names): return names.joined(separator: ", ")
        case .boolean: return "true, false"
        case .string, .strings, .commandLine, .other: return nil
        }
    }

    static func rangeText(_ low: Double, _ high: Double) -> String {
        if high == .greatestFiniteMagnitude {
            return low == -.greatestFiniteMagnitude ? "any" : "≥ \(Numbers.format(low))"
        }
        return "\(Numbers.format(low))–\(Numbers.format(high))"
    }
}

/// The typed default, for a setting's initial value in code
/// (`var port = Key.port.integerDefault`), so code and file agree.
extension SectionKey {
    public var numberDefault: Double {
        guard case .number(let n)? = defaultValue else { fatalError("\(name) has no number default") }
        return n
    }

    public var integerDefault: Int {
        guard case .integer(let n)? = defaultValue else { fatalError("\(name) has no integer default") }
        return n
    }

    public var stringDefault: String {
        guard case .string(let s)? = defaultValue else { fatalError("\(name) has no string default") }
        return s
    }

    public var booleanDefault: Bool {
        guard case .boolean(let b)? = defaultValue else { fatalError("\(name) has no boolean default") }
        return b
    }

    public var stringsDefault: [String] {
        guard case .strings(let list)? = defaultValue else { fatalError("\(name) has no strings default") }
        return list
    }
}

/// The declarations, by kind, in the form the key tables use.
extension SectionKey {
    /// Every finite number.
    public static let anyNumber = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
    /// Up to a year of seconds.
    public static let seconds: ClosedRange<Double> = 0...31_536_000

    public static func number(_ name: String, in range: ClosedRange<Double>, default value: Double) -> SectionKey {
        SectionKey(name, .number(range), .value(.number(value), shown: nil))
    }

    public static func number(_ name: String, in range: ClosedRange<Double>, _ absent: Absent = .required) -> SectionKey {
        SectionKey(name, .number(range), absent)
    }

    public static func integer(_ name: String, in range: ClosedRange<Int>, default value: Int) -> SectionKey {
        SectionKey(name, .integer(range), .value(.integer(value), shown: nil))
    }

    public static func string(_ name: String, default value: String, shown: String? = nil) -> SectionKey {
        SectionKey(name, .string(empty: false), .value(.string(value), shown: shown))
    }

    public static func string(_ name: String, _ absent: Absent = .required, empty: Bool = false) -> SectionKey {
        SectionKey(name, .string(empty: empty), absent)
    }

    public static func choice(_ name: String, _ names: [String], default value: String) -> SectionKey {
        SectionKey(name, .choice(names), .value(.string(value), shown: nil))
    }

    public static func boolean(_ name: String, default value: Bool) -> SectionKey {
        SectionKey(name, .boolean, .value(.boolean(value), shown: nil))
    }

    public static func strings(_ name: String, default value: [String], shown: String? = nil) -> SectionKey {
        SectionKey(name, .strings, .value(.strings(value), shown: shown))
    }

    public static func commandLine(_ name: String) -> SectionKey {
        SectionKey(name, .commandLine, .required)
    }

    public static func other(_ name: String, _ what: String, _ absent: Absent) -> SectionKey {
        SectionKey(name, .other(what), absent)
    }
}

/// The keys of one kind of section entry, under the title docs/config.md
/// gives them ("Input type `file`").
public struct SectionKeys {
    public let title: String
    public let keys: [SectionKey]

    public init(_ title: String, _ keys: [SectionKey]) {
        self.title = title
        self.keys = keys
    }
}
