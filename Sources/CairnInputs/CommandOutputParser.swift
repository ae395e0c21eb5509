import CairnCore

/// Reads what a command input's program printed: either lines of
/// `name value [unit]` (blank lines and `#` comments skipped), or one flat
/// JSON object of numbers (`{"flow": 1.5, "pressure": 2.25}`).
/// Each name becomes `<prefix>/<name>`, made topic-safe.
public enum CommandOutputParser {
    public static func parse(_ text: String, prefix: String, unit defaultUnit: String, now: Int64) -> InputResult {
        let trimmed = Text.trimmed(text)
        if trimmed.hasPrefix("{") { return parseJSON(trimmed, prefix: prefix, unit: defaultUnit, now: now) }
        var result = InputResult()
        var lineNumber = 0
        // Split by bytes: as Characters, "\r\n" (and a space before a combining mark) is one, equal
        // neither to "\n" nor to " ", and CRLF lines ran together (fuzzing found it, docs/fuzzing.md).
        for line in trimmed.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }).map { String(decoding: $0, as: UTF8.self) }
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            // strtod also reads "nan", "inf" and "infinity": not a measurement (fuzzing found them).
            guard fields.count == 2 || fields.count == 3, let value = Numbers.parseDouble(fields[1]), value.isFinite else {
                result.fail(prefix, "line \(lineNumber): expected \"name value [unit]\"")
                continue
            }
            let unit = fields.count == 3 ? fields[2] : defaultUnit
            result.readings.append(reading(fields[0], value, unit, prefix: prefix, now: now))
        }
        return result
    }

    static func parseJSON(_ text: String, prefix: String, unit: String, now: Int64) -> InputResult {
        var result = InputResult()
        let document: JSONValue
        do {
            document = try JSONParser.parse(text, maxBytes: Subprocess.outputLimit)
        } catch {
            result.fail(prefix, "output is not JSON: \(error)")
            return result
        }
        for member in document.members ?? [] {
            if let value = member.value.number {
                result.readings.append(reading(member.key, value, unit, prefix: prefix, now: now))
            } else {
                result.fail(sensorID(member.key, prefix: prefix), "\(member.value.kindName), not a number")
            }
        }
        return result
    }

    static func reading(_ name: String, _ value: Double, _ unit: String, prefix: String, now: Int64) -> Reading {
        let id = sensorID(name, prefix: prefix)
        return Reading(sensor: id, label: Text.slug(name) == name ? nil : name, value: value, unit: unit, time: now)
    }

    static func sensorID(_ name: String, prefix: String) -> String {
        let slug = Text.slug(name)
        return "\(prefix)/\(slug.isEmpty ? "value" : slug)"
    }
}
