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
