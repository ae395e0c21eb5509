import CairnCore

/// One entry of the config file's `"rules"` array: a threshold alarm on the
/// sensors matching `match` (after their pipeline), with local actions.
///
///     {"name": "cpu-hot", "match": "thermal/*", "above": 80, "clear": 75,
///      "duration": 30, "severity": "critical",
///      "actions": [{"run": ["/usr/sbin/fanctl", "max"], "on": "raised", "timeout": 10}]}
public struct RuleSettings: Equatable {
    public var name: String
    public var match: String
    /// True for "above", false for "below".
    public var above: Bool
    public var threshold: Double
    public var clear: Double?
    /// Seconds the breach must last before the alarm is raised.
    public var duration: Double = 0
    public var severity: AlarmSeverity = .warning
    public var actions: [ActionSettings] = []

    public init(name: String, match: String, above: Bool, threshold: Double) {
        self.name = name
        self.match = match
        self.above = above
        self.threshold = threshold
    }

    /// The rule the alarm runtime evaluates (actions are the runtime's).
    public var rule: AlarmRule {
        AlarmRule(name: name, pattern: SensorPattern(match), direction: above ? .above : .below,
                  threshold: threshold, clear: clear, minimumDuration: Int64(duration * 1000), severity: severity)
    }

    /// What a rule holds.
    public static let keys = [
        SectionKey("name", default: "required"),
        SectionKey("match", default: "required"),
        SectionKey("above", default: "one of above and below"),
        SectionKey("below", default: "one of above and below"),
        SectionKey("clear", default: "the threshold"),
        SectionKey("duration", default: "0"),
        SectionKey("severity", default: "warning"),
        SectionKey("actions", default: "none"),
    ]

    /// The members of a rule and of each kind of action, for docs/config.md.
    public static var sectionKeys: [SectionKeys] {
        [SectionKeys("Rule", keys), SectionKeys("Action type `command`", ActionSettings.commandKeys),
         SectionKeys("Action type `publish`", ActionSettings.publishKeys)]
    }

    /// Reads the section rule by rule and action by action: every one in
    /// error is named (the first error thrown carries the others).
    public static func parse(_ member: JSONMember, source: String) throws(ConfigError) -> [RuleSettings] {
        var out: [RuleSettings] = []
        var errors = ConfigErrors()
        var names = Set<String>()
        let path = JSONPath.member(JSONPath.root, member.key)
        for (index, item) in try SectionReader.items(member, source: source, path: path).enumerated() {
            errors.record { () throws(ConfigError) in
                out.append(try parse(item, index: index, of: member, source: source, path: path, names: &names))
            }
        }
        try errors.throwIfAny()
        return out
    }

    /// One rule of the section; `names` holds the names of the rules before it.
    static func parse(_ item: JSONValue, index: Int, of member: JSONMember, source: String, path: String,
                      names: inout Set<String>) throws(ConfigError) -> RuleSettings {
        let any = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        var r = try SectionReader(item, what: "rule \(index + 1)", source: source, at: member, path: JSONPath.element(path, index))
        r.declare(keys)
        let name = try r.requiredString("name")
        guard names.insert(name).inserted else { throw r.error("another rule is already named \"\(name)\"", at: r.member("name")!) }
        let match = try r.requiredString("match")
        let above = try r.number("above", in: any)
        let below = try r.number("below", in: any)
        guard (above == nil) != (below == nil) else { throw r.error("needs exactly one of \"above\" and \"below\"") }
        var rule = RuleSettings(name: name, match: match, above: above != nil, threshold: above ?? below!)
        if let clear = try r.number("clear", in: any) {
            if rule.above && clear > rule.threshold { throw r.error("must not be above the threshold of an \"above\" rule", at: r.member("clear")!) }
            if !rule.above && clear < rule.threshold { throw r.error("must not be below the threshold of a \"below\" rule", at: r.member("clear")!) }
            rule.clear = clear
        }
        rule.duration = try r.number("duration", in: 0...31_536_000) ?? 0
        if let name = try r.string("severity") {
            guard let severity = AlarmSeverity(rawValue: name) else {
                throw r.error("expected \"info\", \"warning\" or \"critical\"", at: r.member("severity")!)
            }
            rule.severity = severity
        }
        var actionErrors = ConfigErrors()
        if let actions = r.member("actions") {
            let actionsPath = r.memberPath("actions")
            for (actionIndex, action) in try SectionReader.items(actions, source: source, path: actionsPath).enumerated() {
                actionErrors.record { () throws(ConfigError) in
                    var a = try SectionReader(action, what: "rule \"\(name)\" action \(actionIndex + 1)", source: source, at: actions,
                                              path: JSONPath.element(actionsPath, actionIndex))
                    rule.actions.append(try ActionSettings.parse(&a))
                    try a.rejectUnknown()
                }
            }
        }
        actionErrors.record { () throws(ConfigError) in try r.rejectUnknown() }
        try actionErrors.throwIfAny()
        return rule
    }
}

/// A local action of a rule, taken when the alarm is raised and/or cleared,
/// with or without the cloud: a program run with CAIRN_ALARM_* variables
/// describing the alarm (killed at its timeout), or a message published on the
/// southbound (LAN) broker.
///
///     {"run": ["/usr/sbin/fanctl", "max"], "on": "raised"}
///     {"type": "publish", "topic": "lan/fan/set", "payload": "{\"speed\": \"max\"}", "on": "both", "retain": true}
public struct ActionSettings: Equatable {
    public enum When: String, Equatable {
        case raised, cleared, both
    }

    public enum Kind: String, Equatable {
        case command, publish
    }

    public var kind: Kind = .command
    public var run: [String]
    public var on: When = .raised
    public var timeout: Double = 10
    /// publish: topic, payload template ({rule} {sensor} {state} {value} {threshold}
    /// {severity}; nil: the alarm as a JSON object), QoS and retain.
    public var topic: String = ""
    public var payload: String?
    public var qos: Int = 1
    public var retain: Bool = false
    public var position = SourcePosition()

    public init(run: [String]) {
        self.run = run
    }

    public init(publish topic: String) {
        self.kind = .publish
        self.run = []
        self.topic = topic
    }

    /// Whether the action is taken on this transition.
    public func wanted(raised: Bool) -> Bool {
        on == .both || (on == .raised) == raised
    }

    /// The members of each kind of action (`type` and `on` in both).
    public static let commandKeys = [
        SectionKey("type", default: "command"),
        SectionKey("run", default: "required"),
        SectionKey("on", default: "raised"),
        SectionKey("timeout", default: "10"),
    ]
    public static let publishKeys = [
        SectionKey("type", default: "command"),
        SectionKey("topic", default: "required"),
        SectionKey("payload", default: "the alarm as a JSON object"),
        SectionKey("qos", default: "1"),
        SectionKey("retain", default: "false"),
        SectionKey("on", default: "raised"),
    ]

    static func parse(_ r: inout SectionReader) throws(ConfigError) -> ActionSettings {
        r.declare([SectionKey("type", default: "command"), SectionKey("on", default: "raised")])
        var action = try parseWhat(&r)
        action.position = r.position
        if let on = try r.string("on") {
            guard let when = When(rawValue: on) else { throw r.error("expected \"raised\", \"cleared\" or \"both\"", at: r.member("on")!) }
            action.on = when
        }
        return action
    }

    private static func parseWhat(_ r: inout SectionReader) throws(ConfigError) -> ActionSettings {
        let type = try r.string("type") ?? "command"
        guard let kind = Kind(rawValue: type) else {
            throw r.error("unknown action type \"\(type)\" (expected command or publish)", at: r.member("type")!)
        }
        r.declare(kind == .publish ? publishKeys : commandKeys)
        if kind == .publish {
            var action = ActionSettings(publish: try r.requiredString("topic"))
            guard Topic.isValidName(action.topic) else { throw r.error("not a valid topic to publish to", at: r.member("topic")!) }
            if let payload = r.member("payload") {
                guard let text = payload.value.string else { throw r.error("expected a string, found \(payload.value.kindName)", at: payload) }
                action.payload = text
            }
            action.qos = try r.integer("qos", in: 0...2) ?? 1
            action.retain = try r.boolean("retain") ?? false
            return action
        }
        var action = ActionSettings(run: try r.commandLine("run"))
        action.timeout = try r.number("timeout", in: 0.1...3600) ?? 10
        return action
    }
}
