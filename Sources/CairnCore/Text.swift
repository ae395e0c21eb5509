/// String helpers that stay inside the Embedded subset (no Foundation).
public enum Text {
    public static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    public static func trimmed<S: StringProtocol>(_ text: S) -> String {
        let bytes = Array(text.utf8)
        var start = 0
        var end = bytes.count
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Lower-case ASCII letters and digits; every other run becomes one "_".
    /// Makes hardware labels ("Core 0", "Package id 0") safe inside sensor ids and topics.
    public static func slug(_ text: String) -> String {
        var out: [UInt8] = []
        var pendingSeparator = false
        for byte in text.utf8 {
            let lower = (byte >= 0x41 && byte <= 0x5A) ? byte + 32 : byte
            let keep = (lower >= 0x61 && lower <= 0x7A) || (lower >= 0x30 && lower <= 0x39) || lower == 0x2D || lower == 0x2E
            if keep {
                if pendingSeparator && !out.isEmpty { out.append(0x5F) }
                out.append(lower)
                pendingSeparator = false
            } else {
                pendingSeparator = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `slug` for each '/'-separated level of a path ("Living Room/Temp" → "living_room/temp");
    /// a level with nothing left becomes "_", so no level is empty.
    public static func slugLevels(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { level -> String in
            let safe = slug(String(level))
            return safe.isEmpty ? "_" : safe
        }.joined(separator: "/")
    }

    /// Whether a substring occurs (String.contains(String) is missing in Embedded Swift).
    public static func contains(_ text: String, _ needle: String) -> Bool {
        let hay = Array(text.utf8), pin = Array(needle.utf8)
        if pin.isEmpty { return true }
        if pin.count > hay.count { return false }
        for start in 0...(hay.count - pin.count) where hay[start] == pin[0] {
            if Array(hay[start..<(start + pin.count)]) == pin { return true }
        }
        return false
    }
}

extension Text {
    /// Replaces each "{name}" in `template` with `value(name)`; names it returns nil for stay as they are.
    public static func fill(_ template: String, _ value: (Substring) -> String?) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = rest[rest.index(after: open)..<close]
            out += value(name) ?? String(rest[open...close])
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// MQTT topic names and filters as configured (subscriptions, publish actions).
public enum Topic {
    /// Levels split by '/'; '+' and '#' only as whole levels, '#' only last.
    public static func isValidFilter(_ filter: String) -> Bool {
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.utf8.contains(UInt8(ascii: "#")) && (level != "#" || index != levels.count - 1) { return false }
            if level.utf8.contains(UInt8(ascii: "+")) && level != "+" { return false }
        }
        return !filter.isEmpty && !filter.utf8.contains(0)
    }

    /// A topic to publish to: a valid filter without wildcards.
    public static func isValidName(_ topic: String) -> Bool {
        isValidFilter(topic) && !topic.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") })
    }
}
