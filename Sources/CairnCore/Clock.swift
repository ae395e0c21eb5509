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

    /// The inverse of `rfc3339` for the form it writes (UTC, "Z", milliseconds optional):
    /// wall ms, or nil for any other text.
    public static func parseRFC3339(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int64? {
            guard at + count <= b.count else { return nil }
            var value: Int64 = 0
            for byte in b[at..<(at + count)] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b.last == UInt8(ascii: "Z"),
              let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
              let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var millis: Int64 = 0
        if b.count == 24 {
            guard b[19] == UInt8(ascii: "."), let fraction = digits(20, 3) else { return nil }
            millis = fraction
        } else if b.count != 20 {
            return nil
        }
        // Days from the civil date (Howard Hinnant's algorithm), March-based years.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
    }
}
