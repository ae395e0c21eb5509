import CairnCore

/// Reads a file another program keeps up to date: either one number (sensor
/// id = `name`) or `key=value` lines (sensor ids `name/key`; blank lines and
/// `#` comments skipped).
public final class FileInput {
    public let name: String
    public let path: String
    public let unit: String

    public init(name: String, path: String, unit: String = "") {
        self.name = name
        self.path = path
        self.unit = unit
    }

    public func read(now: Int64, into result: inout InputResult) {
        guard let text = Files.read(path, limit: 64 * 1024) else {
            result.fail(name, "cannot read \(path)")
            return
        }
        let trimmed = Text.trimmed(text)
        if let value = Numbers.parseDouble(trimmed) {
            result.readings.append(Reading(sensor: name, value: value, unit: unit, time: now))
            return
        }
        var found = false
        let failuresBefore = result.failures.count
        for line in trimmed.split(separator: "\n") {
            let content = Text.trimmed(line)
            if content.isEmpty || content.hasPrefix("#") { continue }
            guard let equals = content.firstIndex(of: "=") else {
                result.fail(name, "\(path): expected a number or key=value lines")
                return
            }
            let key = Text.trimmed(content[..<equals])
            let slug = Text.slug(key)
            let sensor = "\(name)/\(slug.isEmpty ? "value" : slug)"
            guard let value = Numbers.parseDouble(Text.trimmed(content[content.index(after: equals)...])) else {
                result.fail(sensor, "\(path): \(key) is not a number")
                continue
            }
            found = true
            result.readings.append(Reading(sensor: sensor, label: slug == key ? nil : key, value: value, unit: unit, time: now))
        }
        if !found && result.failures.count == failuresBefore { result.fail(name, "\(path) holds no value") }
    }
}

/// `{"type": "file", "name": "ups", "path": "/run/ups.env", "unit": "%"}`
extension FileInput: InputPlugin {
    public struct Settings: Equatable {
        public var name: String
        public var path: String
    }

    public static let typeName = "file"

    public enum Key {
        public static let name = SectionKey.string("name")
        public static let path = SectionKey.string("path")
    }

    public static let keys = [Key.name, Key.path]

    public static func settings(_ r: inout SectionReader, common: InputSettings) throws(ConfigError) -> Settings {
        let name = try r.sensorPrefix(Key.name)
        return Settings(name: name, path: try r.string(Key.path))
    }

    public convenience init(settings: Settings, common: InputSettings, context: InputContext) {
        self.init(name: settings.name, path: settings.path, unit: common.unit)
    }

    public static func label(_ settings: Settings) -> String? { settings.name }

    public func read(nowWall: Int64, nowMonotonic: Int64) -> InputResult? {
        var result = InputResult()
        read(now: nowWall, into: &result)
        return result
    }
}
