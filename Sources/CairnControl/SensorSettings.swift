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

    /// The first setting that needs `southbound_broker` (an mqtt input, a publish
    /// action), as "what", line, column; nil when none does.
    public var southboundUse: (what: String, line: Int, column: Int)? {
        if let input = inputs.first(where: { $0.kind == .mqtt }) { return ("an \"mqtt\" input", input.position.line, input.position.column) }
        for rule in rules {
            if let action = rule.actions.first(where: { $0.kind == .publish }) {
                return ("rule \"\(rule.name)\" has a \"publish\" action that", action.position.line, action.position.column)
            }
        }
        return nil
    }

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
