import CairnCore
import CairnInputs

/// The command output parser (`CommandOutputParser.parse(_:prefix:unit:now:)`,
/// what a `command` input makes of its program's output) on arbitrary text,
/// as `Subprocess` gives it (bytes that are not UTF-8 become U+FFFD). Beyond
/// not crashing:
/// - every reading's id is `<prefix>/<key>` with the key made topic-safe (non-empty,
///   only lower-case letters, digits, `-`, `.` and `_`), a finite value, the time
///   of the run, and the line's unit or the input's;
/// - every failure names a sensor of this input and gives a reason;
/// - at most one reading or failure per line; for a JSON object exactly one per
///   member, and one failure for output that starts with `{` and is not JSON.
public enum CommandOutputTarget {
    static let now: Int64 = 1_790_000_000_000
    static let prefix = "plant"
    static let unit = "bar"

    public static func check(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let result = CommandOutputParser.parse(text, prefix: prefix, unit: unit, now: now)
        for reading in result.readings {
            if let problem = FuzzCheck.readingProblem(reading, now: now, maxBytes: nil) { return problem }
            if reading.label == reading.sensor { return "reading \(reading.sensor) has its id as its label (a label is kept only when it differs)" }
            let key = reading.sensor.utf8.dropFirst(prefix.utf8.count + 1)
            guard reading.sensor.hasPrefix(prefix + "/"), !key.isEmpty, key.allSatisfy(isSlugByte) else {
                return "sensor \"\(reading.sensor)\" is not \(prefix)/<a topic-safe key>"
            }
            if reading.unit.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                return "unit \"\(reading.unit)\" holds white space"
            }
        }
        if let problem = FuzzCheck.failureProblem(result.failures) { return problem }
        for failure in result.failures where failure.sensor != prefix && !failure.sensor.hasPrefix(prefix + "/") {
            return "failure of \"\(failure.sensor)\", not a sensor of input \(prefix)"
        }
        let produced = result.readings.count + result.failures.count
        if Text.trimmed(text).hasPrefix("{") {
            guard let document = try? JSONParser.parse(Text.trimmed(text), maxBytes: Subprocess.outputLimit) else {
                return produced == 1 ? nil : "output that is not JSON gave \(produced) readings and failures, not 1"
            }
            let members = document.members?.count ?? 0
            return produced == members ? nil : "an object of \(members) members gave \(produced) readings and failures"
        }
        let lines = text.utf8.filter { $0 == 0x0A }.count + 1
        if produced > lines { return "\(lines) line(s) gave \(produced) readings and failures" }
        return nil
    }

    static func isSlugByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E || byte == 0x5F
    }
}
