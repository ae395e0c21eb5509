import CSystem

/// Number text in both directions through C, because Embedded Swift's
/// `Double(String)` needs a runtime hook that musl builds lack.
public enum Numbers {
    public static func parseDouble<S: StringProtocol>(_ text: S) -> Double? {
        var ok: Int32 = 0
        let value = String(text).withCString { cairn_parse_double($0, &ok) }
        return ok != 0 ? value : nil
    }

    /// Shortest text that reads back to the same value; integers print without ".0".
    public static func format(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return "null" }
        if value == value.rounded(), value.magnitude < 1e15 { return String(Int64(value)) }
        var buffer = [CChar](repeating: 0, count: 40)
        let count = cairn_format_double(value, &buffer, Int32(buffer.count))
        guard count > 0 else { return "null" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

extension Numbers {
    /// "70000 is outside 1…65535": how a setting out of its range is reported
    /// (options and section members alike).
    public static func outside(_ value: Double, _ range: ClosedRange<Double>) -> String {
        "\(format(value)) is outside \(format(range.lowerBound))…\(format(range.upperBound))"
    }

    /// A byte count for people: "512 B", "512 KiB", "64 MiB", "1.5 GiB"
    /// (binary units, at most one decimal; exact sizes without one).
    public static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var unit = 0
        var scale: Int64 = 1
        while unit + 1 < units.count && count.magnitude >= UInt64(scale) * 1024 {
            unit += 1
            scale *= 1024
        }
        var tenths = (Double(count) / Double(scale) * 10).rounded()
        if tenths.magnitude >= 10240 && unit + 1 < units.count {
            unit += 1
            tenths = (tenths / 1024).rounded()
        }
        return "\(format(tenths / 10)) \(units[unit])"
    }
}
