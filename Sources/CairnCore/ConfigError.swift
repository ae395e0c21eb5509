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
}
