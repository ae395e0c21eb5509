/// A sensor-id pattern where `*` matches any run of characters (also across
/// `/`, so `hwmon/*` covers every hwmon channel); everything else is literal.
public struct SensorPattern: Equatable {
    public let text: String
    private let parts: [[UInt8]]

    public init(_ text: String) {
        self.text = text
        parts = text.utf8.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map { Array($0) }
    }

    public func matches(_ sensor: String) -> Bool {
        let s = Array(sensor.utf8)
        // No '*': the whole id must equal the pattern.
        guard parts.count > 1 else { return s == parts[0] }
        let head = parts[0], tail = parts[parts.count - 1]
        guard s.count >= head.count + tail.count,
              s.starts(with: head), s[(s.count - tail.count)...].elementsEqual(tail) else { return false }
        // Middle pieces in order, each at its leftmost place (greedy is enough for `*` only).
        var position = head.count
        let end = s.count - tail.count
        for part in parts[1..<(parts.count - 1)] where !part.isEmpty {
            guard let found = SensorPattern.find(part, in: s, from: position, before: end) else { return false }
            position = found + part.count
        }
        return true
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from start: Int, before end: Int) -> Int? {
        guard end - start >= needle.count else { return nil }
        for i in start...(end - needle.count) where hay[i] == needle[0] {
            if hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }
}
