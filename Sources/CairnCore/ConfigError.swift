/// A configuration problem, pointing at where it is: file, line and column for
/// the config file, the flag for the command line.
public struct ConfigError: Error, CustomStringConvertible {
    public let message: String
    public let source: String
    public let line: Int
    public let column: Int

    public init(_ message: String, source: String = "", line: Int = 0, column: Int = 0) {
        self.message = message
        self.source = source
        self.line = line
        self.column = column
    }

    public var description: String {
        if line > 0 { return "\(source):\(line):\(column): \(message)" }
        return source.isEmpty ? message : "\(source): \(message)"
    }
}
