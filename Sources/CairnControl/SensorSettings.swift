import CairnCore

/// The sensor part of the config file: `"inputs"`, `"pipelines"` and `"rules"`.
/// Without these sections the agent reads hwmon, thermal zones and health at
/// its interval and sends every reading unchanged, as before they existed.
public struct SensorSettings: Equatable {
    public var inputs: [InputSettings]
    public var pipelines: [PipelineSettings]
    public var rules: [RuleSettings]

    public init(inputs: [InputSettings] = InputSettings.defaults, pipelines: [PipelineSettings] = [], rules: [RuleSettings] = []) {
        self.inputs = inputs
        self.pipelines = pipelines
        self.rules = rules
    }

    public static let defaults = SensorSettings()

    /// The top-level keys this type reads; the config loader leaves them to it.
    public static let keys = ["inputs", "pipelines", "rules"]

    /// Reads the sensor sections out of the config file's top-level members
    /// (other members are ignored); errors carry `source`, line and column.
    public static func parse(_ members: [JSONMember], source: String) throws(ConfigError) -> SensorSettings {
        var settings = SensorSettings()
        for member in members {
            switch member.key {
            case "inputs": settings.inputs = try InputSettings.parse(member, source: source)
            case "pipelines": settings.pipelines = try PipelineSettings.parse(member, source: source)
            case "rules": settings.rules = try RuleSettings.parse(member, source: source)
            default: continue
            }
        }
        return settings
    }
}
