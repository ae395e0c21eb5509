import CairnCore

/// One entry of the config file's `"pipelines"` array: the stages applied,
/// in order, to every sensor whose id matches `match` (first match wins).
public struct PipelineSettings: Equatable {
    public var match: String
    public var stages: [StageSettings]

    public init(match: String, stages: [StageSettings]) {
        self.match = match
        self.stages = stages
    }

    /// What a pipeline holds.
    public enum Key {
        public static let match = SectionKey.string("match")
        public static let stages = SectionKey.other("stages", "array", .required)
    }

    public static let keys = [Key.match, Key.stages]

    /// The members of a pipeline and of each stage type, for docs/config.md.
    public static var sectionKeys: [SectionKeys] {
        [SectionKeys("Pipeline", keys)] + StageSettings.keys.map { SectionKeys("Stage type `\($0.title)`", $0.keys) }
    }

    /// Reads the section pipeline by pipeline and stage by stage: every one in
    /// error is named (the first error thrown carries the others).
    public static func parse(_ member: JSONMember, source: String) throws(ConfigError) -> [PipelineSettings] {
        var out: [PipelineSettings] = []
        var errors = ConfigErrors()
        let path = JSONPath.member(JSONPath.root, member.key)
        for (index, item) in try SectionReader.items(member, source: source, path: path).enumerated() {
            errors.record { () throws(ConfigError) in
                var r = try SectionReader(item, what: "pipeline \(index + 1)", source: source, at: member, path: JSONPath.element(path, index))
                r.declare(keys)
                let match = try r.string(Key.match)
                guard let stagesMember = r.member(Key.stages) else { throw r.error("\"stages\" is required") }
                var stages: [StageSettings] = []
                var stageErrors = ConfigErrors()
                let stagesPath = r.memberPath(Key.stages.name)
                for (stageIndex, stage) in try SectionReader.items(stagesMember, source: source, path: stagesPath).enumerated() {
                    stageErrors.record { () throws(ConfigError) in
                        var s = try SectionReader(stage, what: "pipeline \(index + 1) (\"\(match)\") stage \(stageIndex + 1)",
                                                  source: source, at: stagesMember, path: JSONPath.element(stagesPath, stageIndex))
                        stages.append(try StageSettings.parse(&s))
                        try s.rejectUnknown()
                    }
                }
                stageErrors.record { () throws(ConfigError) in try r.rejectUnknown() }
                try stageErrors.throwIfAny()
                out.append(PipelineSettings(match: match, stages: stages))
            }
        }
        try errors.throwIfAny()
        return out
    }

    /// The declaration the pipeline runtime matches sensors against.
    public var declaration: SensorPipelines.Declaration {
        SensorPipelines.Declaration(pattern: SensorPattern(match), settings: stages)
    }
}

/// A stage as declared; durations in seconds, as everywhere in the config file.
public enum StageSettings: Equatable {
    case scale(factor: Double, offset: Double)
    case range(minimum: Double?, maximum: Double?, action: RangeCheck.Action)
    case deadband(absolute: Double, percent: Double, heartbeat: Double)
    case rateLimit(period: Double)
    case window(length: Double, functions: AggregateFunctions)
    case spike(maxRate: Double, confirmations: Int)

    /// A fresh stage (no state yet) as declared.
    public func makeStage() -> PipelineStage {
        switch self {
        case .scale(let factor, let offset):
            return .scale(ScaleOffset(factor: factor, offset: offset))
        case .range(let minimum, let maximum, let action):
            return .range(RangeCheck(minimum: minimum ?? -.infinity, maximum: maximum ?? .infinity, action: action))
        case .deadband(let absolute, let percent, let heartbeat):
            return .deadband(Deadband(absolute: absolute, percent: percent, heartbeat: Int64(heartbeat * 1000)))
        case .rateLimit(let period):
            return .rateLimit(RateLimit(period: Int64(period * 1000)))
        case .window(let length, let functions):
            return .window(WindowAggregate(length: Int64(length * 1000), functions: functions))
        case .spike(let maxRate, let confirmations):
            return .spike(SpikeFilter(maxRate: maxRate, confirmations: confirmations))
        }
    }

    /// The members of the stage types, each declared once.
    public enum Key {
        public static let type = SectionKey.string("type")
        public static let factor = SectionKey.number("factor", in: SectionKey.anyNumber, default: 1)
        public static let offset = SectionKey.number("offset", in: SectionKey.anyNumber, default: 0)
        public static let min = SectionKey.number("min", in: SectionKey.anyNumber, .none)
        public static let max = SectionKey.number("max", in: SectionKey.anyNumber, .none)
        public static let action = SectionKey.choice("action", ["drop", "clamp", "flag"], default: "drop")
        public static let absolute = SectionKey.number("absolute", in: 0...Double.greatestFiniteMagnitude, default: 0)
        public static let percent = SectionKey.number("percent", in: 0...1000, default: 0)
        public static let heartbeat = SectionKey.number("heartbeat", in: SectionKey.seconds, default: 0)
        public static let period = SectionKey.number("period", in: 0.001...SectionKey.seconds.upperBound)
        public static let length = SectionKey.number("length", in: 0.001...SectionKey.seconds.upperBound)
        public static let functions = SectionKey.strings("functions", default: AggregateFunctions.ordered.map { $0.name })
        public static let maxRate = SectionKey.number("max_rate", in: 0...Double.greatestFiniteMagnitude)
        public static let confirmations = SectionKey.integer("confirmations", in: 1...1000, default: 3)
    }

    /// Each stage type's members (`type` included), in the order docs/config.md lists them.
    public static let keys = [
        SectionKeys("scale", [Key.type, Key.factor, Key.offset]),
        SectionKeys("range", [Key.type, Key.min, Key.max, Key.action]),
        SectionKeys("deadband", [Key.type, Key.absolute, Key.percent, Key.heartbeat]),
        SectionKeys("rate_limit", [Key.type, Key.period]),
        SectionKeys("window", [Key.type, Key.length, Key.functions]),
        SectionKeys("spike", [Key.type, Key.maxRate, Key.confirmations]),
    ]

    static func parse(_ r: inout SectionReader) throws(ConfigError) -> StageSettings {
        r.declare([Key.type])
        let type = try r.string(Key.type)
        // "downsample" is the older name of rate_limit.
        if let declared = keys.first(where: { $0.title == (type == "downsample" ? "rate_limit" : type) }) { r.declare(declared.keys) }
        switch type {
        case "scale":
            return .scale(factor: try r.number(Key.factor), offset: try r.number(Key.offset))
        case "range":
            let minimum = try r.optionalNumber(Key.min)
            let maximum = try r.optionalNumber(Key.max)
            guard minimum != nil || maximum != nil else { throw r.error("needs \"min\", \"max\" or both") }
            if let minimum, let maximum, minimum > maximum { throw r.error("\"min\" is greater than \"max\"") }
            let action = try r.choice(Key.action, RangeCheck.Action.init(name:))
            return .range(minimum: minimum, maximum: maximum, action: action)
        case "deadband":
            let absolute = try r.number(Key.absolute)
            let percent = try r.number(Key.percent)
            guard absolute > 0 || percent > 0 else { throw r.error("needs \"absolute\" or \"percent\" greater than 0") }
            return .deadband(absolute: absolute, percent: percent, heartbeat: try r.number(Key.heartbeat))
        case "rate_limit", "downsample":
            return .rateLimit(period: try r.number(Key.period))
        case "window":
            let length = try r.number(Key.length)
            var functions: AggregateFunctions = []
            for name in try r.strings(Key.functions) {
                guard let function = AggregateFunctions.named(name) else {
                    throw r.error("unknown function \"\(name)\" (expected min, max, mean, count or last)", at: r.member(Key.functions)!)
                }
                functions.insert(function)
            }
            guard !functions.isEmpty else { throw r.error("needs at least one function", at: r.member(Key.functions)!) }
            return .window(length: length, functions: functions)
        case "spike":
            return .spike(maxRate: try r.number(Key.maxRate), confirmations: try r.integer(Key.confirmations))
        default:
            throw r.error("unknown type \"\(type)\" (expected scale, range, deadband, rate_limit, window or spike)", at: r.member(Key.type)!)
        }
    }
}

extension RangeCheck.Action {
    /// "drop", "clamp" or "flag", as in the config file.
    public init?(name: String) {
        switch name {
        case "drop": self = .drop
        case "clamp": self = .clamp
        case "flag": self = .flag
        default: return nil
        }
    }
}
