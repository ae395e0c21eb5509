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
    public var duration = Key.duration.numberDefault
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
    public enum Key {
        public static let name = SectionKey.string("name")
        public static let match = SectionKey.string("match")
        public static let above = SectionKey.number("above", in: SectionKey.anyNumber, .described("one of above and below"))
        public static let below = SectionKey.number("below", in: SectionKey.anyNumber, .described("one of above and below"))
        public static let clear = SectionKey.number("clear", in: SectionKey.anyNumber, .described("the threshold"))
        public static let duration = SectionKey.number("duration", in: SectionKey.seconds, default: 0)
        public static let severity = SectionKey.choice("severity", ["info", "warning", "critical"], default: "warning")
        public static let actions = SectionKey.other("actions", "array", .none)
    }

    public static let keys = [Key.name, Key.match, Key.above, Key.below, Key.clear, Key.duration, Key.severity, Key.actions]

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
        var r = try SectionReader(item, what: "rule \(index + 1)", source: source, at: member, path: JSONPath.element(path, index))
        r.declare(keys)
        let name = try r.string(Key.name)
        guard names.insert(name).inserted else { throw r.error("another rule is already named \"\(name)\"", at: r.member(Key.name)!) }
        let match = try r.string(Key.match)
        // Every value first, then the checks that combine them (which see only valid values).
        let above = try r.optionalNumber(Key.above)
        let below = try r.optionalNumber(Key.below)
        let clear = try r.optionalNumber(Key.clear)
        let duration = try r.number(Key.duration)
        let severity = try r.choice(Key.severity, AlarmSeverity.init(rawValue:))
        guard (above == nil) != (below == nil) else { throw r.error("needs exactly one of \"above\" and \"below\"") }
        var rule = RuleSettings(name: name, match: match, above: above != nil, threshold: above ?? below!)
        if let clear {
            if rule.above && clear > rule.threshold { throw r.error("must not be above the threshold of an \"above\" rule", at: r.member(Key.clear)!) }
            if !rule.above && clear < rule.threshold { throw r.error("must not be below the threshold of a \"below\" rule", at: r.member(Key.clear)!) }
            rule.clear = clear
        }
        rule.duration = duration
        rule.severity = severity
        var actionErrors = ConfigErrors()
        if let actions = r.member(Key.actions) {
            let actionsPath = r.memberPath(Key.actions.name)
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
    public var timeout = Key.timeout.numberDefault
    /// publish: topic, payload template ({rule} {sensor} {state} {value} {threshold}
    /// {severity}; nil: the alarm as a JSON object), QoS and retain.
    public var topic: String = ""
    public var payload: String?
    public var qos = Key.qos.integerDefault
    public var retain = Key.retain.booleanDefault
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

    /// The members of the kinds of action, each declared once.
    public enum Key {
        public static let type = SectionKey.string("type", default: "command")
        public static let on = SectionKey.choice("on", ["raised", "cleared", "both"], default: "raised")
        public static let run = SectionKey.commandLine("run")
        public static let timeout = SectionKey.number("timeout", in: 0.1...3600, default: 10)
        public static let topic = SectionKey.string("topic")
        public static let payload = SectionKey.string("payload", .described("the alarm as a JSON object"), empty: true)
        public static let qos = SectionKey.integer("qos", in: 0...2, default: 1)
        public static let retain = SectionKey.boolean("retain", default: false)
    }

    /// The members of each kind of action (`type` and `on` in both).
    public static let commandKeys = [Key.type, Key.run, Key.on, Key.timeout]
    public static let publishKeys = [Key.type, Key.topic, Key.payload, Key.qos, Key.retain, Key.on]

    static func parse(_ r: inout SectionReader) throws(ConfigError) -> ActionSettings {
        r.declare([Key.type, Key.on])
        var action = try parseWhat(&r)
        action.position = r.position
        action.on = try r.choice(Key.on, When.init(rawValue:))
        return action
    }

    private static func parseWhat(_ r: inout SectionReader) throws(ConfigError) -> ActionSettings {
        let type = try r.string(Key.type)
        guard let kind = Kind(rawValue: type) else {
            throw r.error("unknown action type \"\(type)\" (expected command or publish)", at: r.member(Key.type)!)
        }
        r.declare(kind == .publish ? publishKeys : commandKeys)
        if kind == .publish {
            var action = ActionSettings(publish: try r.string(Key.topic))
            guard Topic.isValidName(action.topic) else { throw r.error("not a valid topic to publish to", at: r.member(Key.topic)!) }
            action.payload = try r.optionalString(Key.payload)
            action.qos = try r.integer(Key.qos)
            action.retain = try r.boolean(Key.retain)
            return action
        }
        var action = ActionSettings(run: try r.commandLine(Key.run))
        action.timeout = try r.number(Key.timeout)
        return action
    }
}
