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

    // The message is built at the call site only when its level is on; `write`
    // takes a finished String, so the optimizer does not make a copy of it per
    // call site (closure specialization cost about 100 KB of the static binary).
    @inlinable public static func debug(_ message: @autoclosure () -> String) { if level <= .debug { write(.debug, message()) } }
    @inlinable public static func info(_ message: @autoclosure () -> String) { if level <= .info { write(.info, message()) } }
    @inlinable public static func warning(_ message: @autoclosure () -> String) { if level <= .warning { write(.warning, message()) } }
    @inlinable public static func error(_ message: @autoclosure () -> String) { write(.error, message()) }

    @inline(never) @usableFromInline
    static func write(_ at: LogLevel, _ message: String) {
        var bytes = line(at, message, time: Clock.wallMilliseconds())
        _ = bytes.withUnsafeMutableBytes { Glue.writeAll(2, $0.baseAddress!, $0.count) }
    }

    /// `2026-11-30T15:00:51.707Z info message` and one newline: a line break inside
    /// the message (a library's multi-line error text) is written as `\n`, so one
    /// event stays one line for journald, logread and grep.
    public static func line(_ at: LogLevel, _ message: String, time: Int64) -> [UInt8] {
        var bytes = Array("\(Clock.rfc3339(time)) \(at.name) ".utf8)
        bytes.reserveCapacity(bytes.count + message.utf8.count + 1)
        for byte in message.utf8 {
            switch byte {
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
