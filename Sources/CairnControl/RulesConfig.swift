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
    public var severity: String = "warning"
    public var actions: [ActionSettings] = []

    public init(name: String, match: String, above: Bool, threshold: Double) {
        self.name = name
        self.match = match
        self.above = above
        self.threshold = threshold
    }

    static func parse(_ member: JSONMember, source: String) throws(ConfigError) -> [RuleSettings] {
        let any = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        var out: [RuleSettings] = []
        var names = Set<String>()
        for (index, item) in try sectionItems(member, source: source).enumerated() {
            var r = try SectionReader(item, what: "rule \(index + 1)", source: source, at: member)
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
            if let severity = try r.string("severity") {
                guard ["info", "warning", "critical"].contains(severity) else {
                    throw r.error("expected \"info\", \"warning\" or \"critical\"", at: r.member("severity")!)
                }
                rule.severity = severity
            }
            if let actions = r.member("actions") {
                for (actionIndex, action) in try sectionItems(actions, source: source).enumerated() {
                    var a = try SectionReader(action, what: "rule \"\(name)\" action \(actionIndex + 1)", source: source, at: actions)
                    rule.actions.append(try ActionSettings.parse(&a))
                    try a.rejectUnknown()
                }
            }
            try r.rejectUnknown()
            out.append(rule)
        }
        return out
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

    static func parse(_ r: inout SectionReader) throws(ConfigError) -> ActionSettings {
        var action = try parseWhat(&r)
        action.position = SourcePosition(line: r.line, column: r.column)
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
        if kind == .publish {
            var action = ActionSettings(publish: try r.requiredString("topic"))
            if !InputSettings.isValidFilter(action.topic) || action.topic.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) {
                throw r.error("not a valid topic to publish to", at: r.member("topic")!)
            }
            if let payload = r.member("payload") {
                guard let text = payload.value.string else { throw r.error("expected a string, found \(payload.value.kindName)", at: payload) }
                action.payload = text
            }
            action.qos = try r.integer("qos", in: 0...2) ?? 1
            if let retain = r.member("retain") {
                guard let flag = retain.value.bool else { throw r.error("expected true or false", at: retain) }
                action.retain = flag
            }
            return action
        }
        guard let run = r.member("run") else { throw r.error("\"run\" is required") }
        var action: ActionSettings
        if let line = run.value.string, !line.isEmpty {
            action = ActionSettings(run: ["/bin/sh", "-c", line])
        } else {
            guard let list = try r.strings("run"), !list.isEmpty else { throw r.error("expected a command line or a non-empty array", at: run) }
            action = ActionSettings(run: list)
        }
        action.timeout = try r.number("timeout", in: 0.1...3600) ?? 10
        return action
    }
}
