import CairnCore

/// Text put into the status page's markup: escaped, and numbers rounded for reading.
enum HTML {
    /// Safe in element content and in double- or single-quoted attribute values.
    static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// At most two decimals ("21.33", "1013", "-0.5"); "-" when not finite.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let hundredths = (value * 100).rounded()
        return Numbers.format(hundredths.isFinite ? hundredths / 100 : value)
    }

    /// A value with its unit, escaped: bytes in binary units ("77.6 GiB"), others rounded ("21.33 °C").
    static func quantity(_ value: Double, unit: String) -> String {
        if unit == "B" && value.isFinite && value.magnitude < 9e18 { return Numbers.bytes(Int64(value)) }
        return number(value) + (unit.isEmpty ? "" : " " + escape(unit))
    }

    /// A span of time in the largest fitting unit: "12.5 s", "3 min", "2 h 5 min", "4 d".
    static func duration(seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        guard seconds >= 60 else { return "\(number((seconds * 10).rounded() / 10)) s" }
        let minutes = seconds < 1e12 ? Int64(seconds / 60) : Int64(1e10)
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 48 * 60 { return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min" }
        return "\(minutes / (24 * 60)) d"
    }
}
