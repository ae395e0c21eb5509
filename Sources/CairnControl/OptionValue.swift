import CairnCore

/// A value for an option, from the config file (JSON) or from a flag (text).
public enum OptionValue {
    case json(JSONValue)
    case text(String)

    public func string() throws(ConfigError) -> String {
        switch self {
        case .text(let s): return s
        case .json(.string(let s)): return s
        case .json(let other): throw ConfigError("expected a string, found \(other.kindName)")
        }
    }

    public func boolean() throws(ConfigError) -> Bool {
        switch self {
        case .text("true"), .text("yes"), .text("1"): return true
        case .text("false"), .text("no"), .text("0"): return false
        case .text(let s): throw ConfigError("expected true or false, found \"\(s)\"")
        case .json(.bool(let b)): return b
        case .json(let other): throw ConfigError("expected true or false, found \(other.kindName)")
        }
    }

    public func number(in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        let value: Double
        switch self {
        case .text(let s):
            guard let parsed = Numbers.parseDouble(s) else { throw ConfigError("expected a number, found \"\(s)\"") }
            value = parsed
        case .json(.number(let n)): value = n
        case .json(let other): throw ConfigError("expected a number, found \(other.kindName)")
        }
        guard range.contains(value) else {
            throw ConfigError("\(Numbers.format(value)) is outside \(Numbers.format(range.lowerBound))…\(Numbers.format(range.upperBound))")
        }
        return value
    }

    public func integer(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value = try number(in: Double(range.lowerBound)...Double(range.upperBound))
        guard value == value.rounded() else { throw ConfigError("expected a whole number, found \(Numbers.format(value))") }
        return Int(value)
    }
}
