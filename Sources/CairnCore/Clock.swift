import CSystem

/// Wall time (for stamping readings) and monotonic time (for scheduling), in milliseconds.
public enum Clock {
    public static func wallMilliseconds() -> Int64 { cairn_wall_ms() }
    public static func monotonicMilliseconds() -> Int64 { cairn_monotonic_ms() }
    /// For measuring short work (an apply), not for scheduling.
    public static func monotonicMicroseconds() -> Int64 { cairn_monotonic_us() }

    /// RFC 3339 UTC with milliseconds, e.g. 2026-11-24T04:07:48.123Z.
    public static func rfc3339(_ wallMilliseconds: Int64) -> String {
        var buffer = [CChar](repeating: 0, count: 40)
        let count = cairn_format_rfc3339(wallMilliseconds, &buffer, Int32(buffer.count))
        guard count > 0 else { return "" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
