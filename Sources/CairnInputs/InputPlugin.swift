import CairnCore

/// An input type: its name in the config file, its own typed settings, how
/// they are read and checked, and how an input is made from them. A new type
/// is one file conforming to this, and one line in `InputRegistry.types`.
public protocol InputPlugin: Input {
    associatedtype Settings: Equatable
    static var typeName: String { get }
    /// Delivers by itself (mqtt, http): no interval, no include/exclude.
    static var pushed: Bool { get }
    /// The type's own members and their defaults (beside `InputSettings.commonKeys`); docs/config.md lists them.
    static var keys: [SectionKey] { get }
    /// Reads the type's own members; `common` holds the interval, unit,
    /// include and exclude, read already. Errors point at the member.
    static func settings(_ r: inout SectionReader, common: InputSettings) throws(ConfigError) -> Settings
    init(settings: Settings, common: InputSettings, context: InputContext)
    /// A short name for logs and the `config.applied` event ("file:tank"); nil: the type alone.
    static func label(_ settings: Settings) -> String?
    /// Something no two inputs may share (a listening address); nil: nothing.
    static func exclusive(_ settings: Settings) -> String?
    /// How `cairn sensors` lists an input whose sensors appear only when devices send.
    static func plan(_ settings: Settings, southbound: String?) -> String?
}

extension InputPlugin {
    public static var pushed: Bool { false }
    public static var keys: [SectionKey] { [] }
    public static func label(_ settings: Settings) -> String? { nil }
    public static func exclusive(_ settings: Settings) -> String? { nil }
    public static func plan(_ settings: Settings, southbound: String?) -> String? { nil }
}

/// The settings of an input that discovers its channels: nothing to configure
/// but the interval and selection every input has.
public struct NoSettings: Equatable {
    public init() {}
}

/// An input that discovers its channels (hwmon, thermal, iio, w1, health): its
/// plugin is a type name, how it is built from the context, and one read.
public protocol DiscoveryInput: InputPlugin where Settings == NoSettings {
    init(context: InputContext)
    func read(now: Int64, into result: inout InputResult)
}

extension DiscoveryInput {
    public static func settings(_ r: inout SectionReader, common: InputSettings) throws(ConfigError) -> NoSettings { NoSettings() }

    public init(settings: NoSettings, common: InputSettings, context: InputContext) {
        self.init(context: context)
    }

    public func read(nowWall: Int64, nowMonotonic: Int64) -> InputResult? {
        var result = InputResult()
        read(now: nowWall, into: &result)
        return result
    }
}

/// An input type's own settings, typed, behind a class: a list of inputs of
/// different types needs no existential of a non-class protocol.
public class InputOptions {
    public let typeName: String

    init(typeName: String) {
        self.typeName = typeName
    }

    func isEqual(to other: InputOptions) -> Bool { false }
    func make(_ common: InputSettings, _ context: InputContext) -> any Input { fatalError("abstract") }
    var label: String? { nil }
    var exclusive: String? { nil }
    func plan(southbound: String?) -> String? { nil }

    /// The typed settings, when these are the settings of a `P` input.
    public final func settings<P: InputPlugin>(of type: P.Type) -> P.Settings? {
        guard typeName == P.typeName else { return nil }
        return TypedInputOptions<P>.same(self).settings
    }
}

final class TypedInputOptions<P: InputPlugin>: InputOptions {
    let settings: P.Settings

    init(_ settings: P.Settings) {
        self.settings = settings
        super.init(typeName: P.typeName)
    }

    /// Type names are unique in the registry, so options of P's name are this class.
    static func same(_ options: InputOptions) -> TypedInputOptions<P> {
        Unmanaged<TypedInputOptions<P>>.fromOpaque(Unmanaged.passUnretained(options).toOpaque()).takeUnretainedValue()
    }

    override func isEqual(to other: InputOptions) -> Bool {
        other.typeName == typeName && TypedInputOptions<P>.same(other).settings == settings
    }

    override func make(_ common: InputSettings, _ context: InputContext) -> any Input {
        P(settings: settings, common: common, context: context)
    }

    override var label: String? { P.label(settings) }
    override var exclusive: String? { P.exclusive(settings) }
    override func plan(southbound: String?) -> String? { P.plan(settings, southbound: southbound) }
}
