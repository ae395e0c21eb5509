import Testing
import CairnCore
import CairnInputs
import CairnPipeline
@testable import CairnControl

/// Each section key's typed default is what its parser gives a member left
/// out: an entry without the member is parsed, and the setting it fills is
/// compared with the key's default (which docs/config.md shows). A parser
/// with a default of its own (`?? 5`) fails here.
@Suite struct SectionDefaultTests {
    /// The member `key` of the entries under `titles`, left out of `entry`,
    /// and what the parser made of it.
    struct Case {
        let titles: [String]
        let key: String
        let parsed: () throws -> SectionKey.Value
    }

    static func config(_ text: String) throws -> Configuration {
        var config = ConfigLoader.defaults()
        try ConfigLoader.apply(text: text, source: "c.json", to: &config)
        return config
    }

    static func input(_ entry: String) throws -> InputSettings { try #require(try config(#"{"inputs": [\#(entry)]}"#).inputs.first) }

    static func stage(_ entry: String) throws -> StageSettings {
        try #require(try config(#"{"pipelines": [{"match": "*", "stages": [\#(entry)]}]}"#).pipelines.first?.stages.first)
    }

    static func rule(_ entry: String = "") throws -> RuleSettings {
        try #require(try config(#"{"rules": [{"name": "r", "match": "*", "above": 1\#(entry)}]}"#).rules.first)
    }

    static func action(_ entry: String) throws -> ActionSettings { try #require(try rule(#", "actions": [\#(entry)]"#).actions.first) }

    static let http = #"{"type": "http"}"#
    static let mqtt = #"{"type": "mqtt", "topic": "lan/+"}"#
    static let command = #"{"run": "true"}"#
    static let publish = #"{"type": "publish", "topic": "lan/fan"}"#

    static let cases: [Case] = [
        Case(titles: ["Every input"], key: "unit") { .string(try input(#"{"type": "hwmon"}"#).unit) },
        Case(titles: ["Every input"], key: "include") { .strings(try input(#"{"type": "hwmon"}"#).include) },
        Case(titles: ["Every input"], key: "exclude") { .strings(try input(#"{"type": "hwmon"}"#).exclude) },
        Case(titles: ["Input type `command`"], key: "timeout") {
            .number(try #require(try input(#"{"type": "command", "name": "x", "run": "true"}"#).settings(of: CommandInput.self)).timeout)
        },
        Case(titles: ["Input type `http`"], key: "name") { .string(try #require(try input(http).settings(of: HTTPInput.self)).name) },
        Case(titles: ["Input type `http`"], key: "bind") { .string(try #require(try input(http).settings(of: HTTPInput.self)).bind) },
        Case(titles: ["Input type `http`"], key: "port") { .integer(try #require(try input(http).settings(of: HTTPInput.self)).port) },
        Case(titles: ["Input type `http`"], key: "max_body_bytes") {
            .integer(try #require(try input(http).settings(of: HTTPInput.self)).maxBodyBytes)
        },
        Case(titles: ["Input type `http`"], key: "stale_after") { .number(try #require(try input(http).settings(of: HTTPInput.self)).staleAfter) },
        Case(titles: ["Input type `mqtt`"], key: "sensor") { .string(try #require(try input(mqtt).settings(of: MQTTInput.self)).sensor) },
        Case(titles: ["Input type `mqtt`"], key: "fields") { .strings(try #require(try input(mqtt).settings(of: MQTTInput.self)).fields) },
        Case(titles: ["Input type `mqtt`"], key: "stale_after") { .number(try #require(try input(mqtt).settings(of: MQTTInput.self)).staleAfter) },
        Case(titles: ["Stage type `scale`"], key: "factor") {
            guard case .scale(let factor, _) = try stage(#"{"type": "scale", "offset": 2}"#) else { throw Unexpected() }
            return .number(factor)
        },
        Case(titles: ["Stage type `scale`"], key: "offset") {
            guard case .scale(_, let offset) = try stage(#"{"type": "scale", "factor": 2}"#) else { throw Unexpected() }
            return .number(offset)
        },
        Case(titles: ["Stage type `range`"], key: "action") {
            guard case .range(_, _, let action) = try stage(#"{"type": "range", "min": 0}"#) else { throw Unexpected() }
            return .string(action == .drop ? "drop" : action == .clamp ? "clamp" : "flag")
        },
        Case(titles: ["Stage type `deadband`"], key: "absolute") {
            guard case .deadband(let absolute, _, _) = try stage(#"{"type": "deadband", "percent": 5}"#) else { throw Unexpected() }
            return .number(absolute)
        },
        Case(titles: ["Stage type `deadband`"], key: "percent") {
            guard case .deadband(_, let percent, _) = try stage(#"{"type": "deadband", "absolute": 1}"#) else { throw Unexpected() }
            return .number(percent)
        },
        Case(titles: ["Stage type `deadband`"], key: "heartbeat") {
            guard case .deadband(_, _, let heartbeat) = try stage(#"{"type": "deadband", "absolute": 1}"#) else { throw Unexpected() }
            return .number(heartbeat)
        },
        Case(titles: ["Stage type `window`"], key: "functions") {
            guard case .window(_, let functions) = try stage(#"{"type": "window", "length": 60}"#) else { throw Unexpected() }
            return .strings(AggregateFunctions.ordered.filter { functions.contains($0.flag) }.map { $0.name })
        },
        Case(titles: ["Stage type `spike`"], key: "confirmations") {
            guard case .spike(_, let confirmations) = try stage(#"{"type": "spike", "max_rate": 1}"#) else { throw Unexpected() }
            return .integer(confirmations)
        },
        Case(titles: ["Rule"], key: "duration") { .number(try rule().duration) },
        Case(titles: ["Rule"], key: "severity") { .string(try rule().severity.rawValue) },
        Case(titles: ["Action type `command`", "Action type `publish`"], key: "type") { .string(try action(command).kind.rawValue) },
        Case(titles: ["Action type `command`"], key: "on") { .string(try action(command).on.rawValue) },
        Case(titles: ["Action type `publish`"], key: "on") { .string(try action(publish).on.rawValue) },
        Case(titles: ["Action type `command`"], key: "timeout") { .number(try action(command).timeout) },
        Case(titles: ["Action type `publish`"], key: "qos") { .integer(try action(publish).qos) },
        Case(titles: ["Action type `publish`"], key: "retain") { .boolean(try action(publish).retain) },
    ]

    struct Unexpected: Error {}

    @Test func aMemberLeftOutIsItsKeysDefault() throws {
        for group in OptionTable.sectionKeys {
            for key in group.keys {
                guard let value = key.defaultValue else { continue }
                guard let check = Self.cases.first(where: { $0.key == key.name && $0.titles.contains(group.title) }) else {
                    Issue.record("\(group.title): \(key.name) has a default (\(key.defaultText)) that no case here checks")
                    continue
                }
                let parsed = try check.parsed()
                #expect(parsed == value, "\(group.title): \(key.name) left out parses as \(parsed.text), its key's default is \(value.text)")
            }
        }
    }

    /// The settings built in code start from the same defaults as the file.
    @Test func settingsBuiltInCodeStartFromTheKeysDefaults() {
        let action = ActionSettings(run: ["true"])
        #expect(action.timeout == ActionSettings.Key.timeout.numberDefault && action.qos == ActionSettings.Key.qos.integerDefault)
        #expect(action.on.rawValue == ActionSettings.Key.on.stringDefault)
        #expect(RuleSettings(name: "r", match: "*", above: true, threshold: 1).severity.rawValue == RuleSettings.Key.severity.stringDefault)
    }

    @Test func theDocsShowTheTypedDefault() {
        #expect(CommandInput.Key.timeout.defaultText == "10")
        #expect(HTTPInput.Key.maxBodyBytes.defaultText == "65536")
        #expect(StageSettings.Key.functions.defaultText == "min, max, mean, count, last")
        #expect(InputSettings.Key.unit.defaultText == "none")
        #expect(SectionKey.number("x", in: 0...1, default: 0.25).defaultText == "0.25")
        #expect(SectionKey.number("x", in: SectionKey.anyNumber, .none).allowedText == "any")
        #expect(StageSettings.Key.maxRate.allowedText == "≥ 0")
        #expect(SectionKey.number("x", in: 0.1...3600, .required).allowedText == "0.1–3600")
    }
}
