import CSystem

public enum LogLevel: Int, Comparable, Sendable {
    case debug = 0, info, warning, error

    public init?(name: String) {
        switch name {
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warning: return "warning"
        case .error: return "error"
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// One line per event on stderr (journald and procd pick it up), UTC-stamped.
/// Secrets never reach here: callers log names of credentials, never values.
public enum Log {
    nonisolated(unsafe) public static var level: LogLevel = .info

    public static func debug(_ message: @autoclosure () -> String) { write(.debug, message) }
    public static func info(_ message: @autoclosure () -> String) { write(.info, message) }
    public static func warning(_ message: @autoclosure () -> String) { write(.warning, message) }
    public static func error(_ message: @autoclosure () -> String) { write(.error, message) }

    private static func write(_ at: LogLevel, _ message: () -> String) {
        guard at >= level else { return }
        let line = "\(Clock.rfc3339(Clock.wallMilliseconds())) \(at.name) \(message())\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { Glue.writeAll(2, $0.baseAddress!, $0.count) }
    }
}
