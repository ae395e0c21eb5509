import CairnCore

/// A value for an option: from the config file (JSON), from a flag (text), or
/// the option's own default.
public enum OptionValue {
    case json(JSONValue)
    case text(String)
    /// A config-file member with the file's name: sections point inside it.
    case member(JSONMember, source: String)
    /// The option's default, as text. Not checked against the file system
    /// (the default sysfs root may be absent where `cairn --help` runs).
    case builtIn(String)

    public func string() throws(ConfigError) -> String {
        switch self {
        case .text(let s), .builtIn(let s): return s
        case .json(.string(let s)): return s
        case .json(let other): throw ConfigError("expected a string, found \(other.kindName)")
        case .member(let member, _): return try OptionValue.json(member.value).string()
        }
    }

    public func boolean() throws(ConfigError) -> Bool {
        switch self {
        case .text("true"), .text("yes"), .text("1"), .builtIn("true"): return true
        case .text("false"), .text("no"), .text("0"), .builtIn("false"): return false
        case .text(let s), .builtIn(let s): throw ConfigError("expected true or false, found \"\(s)\"")
        case .json(.bool(let b)): return b
        case .json(let other): throw ConfigError("expected true or false, found \(other.kindName)")
        case .member(let member, _): return try OptionValue.json(member.value).boolean()
        }
    }

    public func number(in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        let value: Double
        switch self {
        case .text(let s), .builtIn(let s):
            guard let parsed = Numbers.parseDouble(s) else { throw ConfigError("expected a number, found \"\(s)\"") }
            value = parsed
        case .json(.number(let n)): value = n
        case .json(let other): throw ConfigError("expected a number, found \(other.kindName)")
        case .member(let member, _): return try OptionValue.json(member.value).number(in: range)
        }
        guard range.contains(value) else {
            throw ConfigError(Numbers.outside(value, range))
        }
        return value
    }

    public func integer(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value = try number(in: Double(range.lowerBound)...Double(range.upperBound))
        guard value == value.rounded() else { throw ConfigError("expected a whole number, found \(Numbers.format(value))") }
        return Int(value)
    }

    /// A section (a JSON array) as a member to read entries from, with where it
    /// came from: the file, the flag ("--inputs", text parsed as JSON) or "default".
    public func section(_ key: String) throws(ConfigError) -> (member: JSONMember, source: String) {
        switch self {
        case .member(let member, let source): return (member, source)
        case .json(let value): return (JSONMember(key: key, value: value), "")
        case .text(let text), .builtIn(let text):
            let source = isBuiltIn ? "default \(key)" : "--\(key)"
            do {
                let value = try JSONParser.parse(text, maxBytes: ConfigLoader.maxConfigBytes)
                return (JSONMember(key: key, value: value, line: 1, column: 1), source)
            } catch {
                throw ConfigError(error.message, source: source, line: error.line, column: error.column)
            }
        }
    }

    /// Whether the value is the option's default (skips checks of the file system).
    var isBuiltIn: Bool {
        if case .builtIn = self { return true }
        return false
    }
}

/// An option's default, declared beside it in the table.
public enum OptionDefault {
    /// Unset unless given.
    case none
    /// Applied like a flag value (and validated the same way); `shown` replaces it in `--help`.
    case value(String, shown: String? = nil)
    /// Worked out when the agent starts (the machine id, the data directory).
    case computed(String, () -> String)
    /// Unset means this, decided where it is used (e.g. the system CA bundle).
    case described(String)

    var help: String {
        if case .none = self { return "" }
        return " (default: \(shownText))"
    }

    /// The default as `--help` and docs/config.md show it ("unset" for none).
    public var shownText: String {
        switch self {
        case .none: return "unset"
        case .value(let text, let shown): return shown ?? text
        case .computed(let text, _), .described(let text): return text
        }
    }
}
