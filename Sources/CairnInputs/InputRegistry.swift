import CairnCore

/// Every input type the agent knows, in the order `--help` and errors list
/// them. A new type is one file with its `InputPlugin`, and one line here.
public enum InputRegistry {
    public static let types: [InputType] = [
        InputType(HwmonInput.self),
        InputType(ThermalInput.self),
        InputType(HealthInput.self),
        InputType(IIOInput.self),
        InputType(W1Input.self),
        InputType(CommandInput.self),
        InputType(FileInput.self),
        InputType(MQTTInput.self),
        InputType(HTTPInput.self),
    ]

    public static func type(named name: String) -> InputType? {
        types.first { $0.name == name }
    }

    /// The members of an input of each type, for docs/config.md: those every input has, then each type's own.
    public static var sectionKeys: [SectionKeys] {
        [SectionKeys("Every input", InputSettings.commonKeys)] + types.map { SectionKeys("Input type `\($0.name)`", $0.keys) }
    }

    /// "hwmon, thermal, … or http", for error messages.
    static var names: String {
        let all = types.map { $0.name }
        return all.dropLast().joined(separator: ", ") + " or " + (all.last ?? "")
    }
}

/// A registered type: its name, and how its own settings are read.
public struct InputType {
    public let name: String
    public let pushed: Bool
    public let keys: [SectionKey]
    let read: (inout SectionReader, InputSettings) throws(ConfigError) -> InputOptions

    public init<P: InputPlugin>(_ plugin: P.Type) {
        name = P.typeName
        pushed = P.pushed
        keys = P.keys
        read = { r, common throws(ConfigError) in TypedInputOptions<P>(try P.settings(&r, common: common)) }
    }
}
