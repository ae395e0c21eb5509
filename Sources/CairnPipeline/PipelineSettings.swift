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
    public static let keys = [
        SectionKey("match", default: "required"),
        SectionKey("stages", default: "required"),
    ]

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
                let match = try r.requiredString("match")
                guard let stagesMember = r.member("stages") else { throw r.error("\"stages\" is required") }
                var stages: [StageSettings] = []
                var stageErrors = ConfigErrors()
                let stagesPath = r.memberPath("stages")
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

    /// Each stage type's members (`type` included), in the order docs/config.md lists them.
    public static let keys = [
        SectionKeys("scale", [SectionKey("type", default: "required"), SectionKey("factor", default: "1"), SectionKey("offset", default: "0")]),
        SectionKeys("range", [SectionKey("type", default: "required"), SectionKey("min", default: "none"), SectionKey("max", default: "none"),
                              SectionKey("action", default: "drop")]),
        SectionKeys("deadband", [SectionKey("type", default: "required"), SectionKey("absolute", default: "0"), SectionKey("percent", default: "0"),
                                 SectionKey("heartbeat", default: "0")]),
        SectionKeys("rate_limit", [SectionKey("type", default: "required"), SectionKey("period", default: "required")]),
        SectionKeys("window", [SectionKey("type", default: "required"), SectionKey("length", default: "required"),
                               SectionKey("functions", default: "min, max, mean, count, last")]),
        SectionKeys("spike", [SectionKey("type", default: "required"), SectionKey("max_rate", default: "required"),
                              SectionKey("confirmations", default: "3")]),
    ]

    static func parse(_ r: inout SectionReader) throws(ConfigError) -> StageSettings {
        let any = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        r.declare([SectionKey("type", default: "required")])
        let type = try r.requiredString("type")
        // "downsample" is the older name of rate_limit.
        if let declared = keys.first(where: { $0.title == (type == "downsample" ? "rate_limit" : type) }) { r.declare(declared.keys) }
        switch type {
        case "scale":
            let factor = try r.number("factor", in: any) ?? 1
            let offset = try r.number("offset", in: any) ?? 0
            return .scale(factor: factor, offset: offset)
        case "range":
            let minimum = try r.number("min", in: any)
            let maximum = try r.number("max", in: any)
            guard minimum != nil || maximum != nil else { throw r.error("needs \"min\", \"max\" or both") }
            if let minimum, let maximum, minimum > maximum { throw r.error("\"min\" is greater than \"max\"") }
            let name = try r.string("action") ?? "drop"
            guard let action = RangeCheck.Action(name: name) else {
                throw r.error("expected \"drop\", \"clamp\" or \"flag\"", at: r.member("action")!)
            }
            return .range(minimum: minimum, maximum: maximum, action: action)
        case "deadband":
            let absolute = try r.number("absolute", in: 0...Double.greatestFiniteMagnitude) ?? 0
            let percent = try r.number("percent", in: 0...1000) ?? 0
            guard absolute > 0 || percent > 0 else { throw r.error("needs \"absolute\" or \"percent\" greater than 0") }
            return .deadband(absolute: absolute, percent: percent, heartbeat: try r.number("heartbeat", in: 0...31_536_000) ?? 0)
        case "rate_limit", "downsample":
            guard let period = try r.number("period", in: 0.001...31_536_000) else { throw r.error("\"period\" is required") }
            return .rateLimit(period: period)
        case "window":
            guard let length = try r.number("length", in: 0.001...31_536_000) else { throw r.error("\"length\" is required") }
            var functions: AggregateFunctions = []
            for name in try r.strings("functions") ?? AggregateFunctions.ordered.map({ $0.name }) {
                guard let function = AggregateFunctions.named(name) else {
                    throw r.error("unknown function \"\(name)\" (expected min, max, mean, count or last)", at: r.member("functions")!)
                }
                functions.insert(function)
            }
            guard !functions.isEmpty else { throw r.error("needs at least one function", at: r.member("functions")!) }
            return .window(length: length, functions: functions)
        case "spike":
            guard let rate = try r.number("max_rate", in: 0...Double.greatestFiniteMagnitude) else { throw r.error("\"max_rate\" is required") }
            return .spike(maxRate: rate, confirmations: try r.integer("confirmations", in: 1...1000) ?? 3)
        default:
            throw r.error("unknown type \"\(type)\" (expected scale, range, deadband, rate_limit, window or spike)", at: r.member("type")!)
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
