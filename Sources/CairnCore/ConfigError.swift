/// A configuration problem, pointing at where it is: file, line and column for
/// the config file, the flag for the command line, and the JSON path
/// (`$.inputs[2].port`) for a document without a file (a pushed configuration).
public struct ConfigError: Error, CustomStringConvertible {
    public let message: String
    public let source: String
    public let line: Int
    public let column: Int
    /// Where in the configuration document, e.g. `$.inputs[2].port`; empty for flags.
    public var path: String
    /// Errors found beside this one in the same setting (other entries of a
    /// section), so that a check can name them all; `description` is this one's.
    public var others: [ConfigError] = []

    public init(_ message: String, source: String = "", line: Int = 0, column: Int = 0, path: String = "") {
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.path = path
    }

    public var description: String {
        if line > 0 { return "\(source):\(line):\(column): \(message)" }
        return source.isEmpty ? message : "\(source): \(message)"
    }

    /// The same error, with `path` when it has none yet.
    public func at(_ path: String) -> ConfigError {
        var copy = self
        if copy.path.isEmpty { copy.path = path }
        return copy
    }

    /// This error, carrying `more` after those it carries already.
    public func carrying(_ more: [ConfigError]) -> ConfigError {
        var copy = self
        copy.others += more
        return copy
    }

    /// This error and those it carries, each on its own.
    public var all: [ConfigError] {
        var first = self
        first.others = []
        return [first] + others.flatMap { $0.all }
    }
}

/// Every error found in a configuration (a file being checked, a pushed
/// document), gathered setting by setting and entry by entry.
public struct ConfigErrors: Error {
    public private(set) var errors: [ConfigError]

    public init(errors: [ConfigError] = []) { self.errors = errors }

    public var isEmpty: Bool { errors.isEmpty }

    /// Adds the error and those it carries.
    public mutating func append(_ error: ConfigError) { errors.append(contentsOf: error.all) }

    /// Runs `body`; what it throws is added and nil returned.
    public mutating func record<T>(_ body: () throws(ConfigError) -> T) -> T? {
        do {
            return try body()
        } catch {
            append(error)
            return nil
        }
    }

    /// Throws the first error carrying the others; nothing when there are none.
    public func throwIfAny() throws(ConfigError) {
        guard var first = errors.first else { return }
        first.others = Array(errors.dropFirst())
        throw first
    }
}
