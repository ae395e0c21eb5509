import Testing
import CairnCore
import CairnTestSupport
@testable import CairnControl

/// `ConfigLoader.check(file:flags:)` (`cairn config check`): every error of a
/// file, setting by setting and entry by entry, each with line, column and path.
@Suite struct ConfigCheckTests {
    /// Three independent mistakes at top level, two in inputs, one stage, one action, one unknown member.
    static let mistakes = """
    {
      "interval": 0,
      "colour": "blue",
      "inputs": [
        {"type": "hwmon"},
        {"type": "http", "port": 70000},
        {"type": "file", "name": "ups"}
      ],
      "pipelines": [
        {"match": "hwmon/*", "stages": [{"type": "scale"}, {"type": "smooth"}], "treshold": 2}
      ],
      "rules": [{"name": "hot", "match": "x", "above": 80, "actions": [{"run": "true", "on": "never"}]}],
      "batch_size": 0
    }
    """

    func check(_ text: String, flags: [String] = []) -> [String] {
        let dir = TemporaryDirectory()
        dir.write("c.json", text)
        switch ConfigLoader.check(file: dir.file("c.json"), flags: flags) {
        case .success: return []
        case .failure(let found):
            return found.errors.map { "\($0.line):\($0.column) \($0.path) \($0.message)" }
        }
    }

    @Test func everyErrorIsNamedWithItsLineColumnAndPath() {
        let errors = check(Self.mistakes)
        #expect(errors == [
            "2:3 $.interval interval: 0 is outside 0.01…86400",
            "3:3 $.colour unknown setting \"colour\"",
            "6:22 $.inputs[1].port input 2: port: 70000 is outside 1…65535",
            "7:6 $.inputs[2] input 3: \"path\" is required",
            "10:57 $.pipelines[0].stages[1].type pipeline 1 (\"hwmon/*\") stage 2: type: unknown type \"smooth\" (expected scale, range, deadband, rate_limit, window or spike)",
            "10:77 $.pipelines[0].treshold pipeline 1: unknown setting \"treshold\"",
            "12:84 $.rules[0].actions[0].on rule \"hot\" action 1: on: expected \"raised\", \"cleared\" or \"both\"",
            "13:3 $.batch_size batch_size: 0 is outside 1…10000",
        ], "\(errors)")
    }

    /// Inside one entry too: each bad value is named, and a check that combines
    /// members (a rule needs exactly one of above and below) does not judge the
    /// default standing in for a bad value.
    @Test func everyBadValueOfOneEntryIsNamedAndNoCheckJudgesADefault() {
        let errors = check("""
            {"inputs": [{"type": "http", "port": 70000, "max_body_bytes": "big", "bind": ""}],
             "rules": [{"name": "hot", "match": "x", "above": "80", "duration": -1, "severity": "loud"}]}
            """)
        #expect(errors == [
            "1:30 $.inputs[0].port input 1: port: 70000 is outside 1…65535",
            "1:45 $.inputs[0].max_body_bytes input 1: max_body_bytes: expected a number, found a string",
            "1:70 $.inputs[0].bind input 1: bind: expected a non-empty string, found an empty string",
            "2:42 $.rules[0].above rule 1: above: expected a number, found a string",
            "2:57 $.rules[0].duration rule 1: duration: -1 is outside 0…31536000",
            "2:73 $.rules[0].severity rule 1: severity: expected \"info\", \"warning\" or \"critical\"",
        ], "\(errors)")
    }

    @Test func aGoodFileHasNoErrorsAndFlagsAreCheckedToo() {
        #expect(check(#"{"interval": 5, "inputs": [{"type": "hwmon"}]}"#) == [])
        #expect(check(#"{"interval": 5}"#, flags: ["--batch-size", "0", "--keepalive=1"]) == [
            "0:0  --batch-size: 0 is outside 1…10000", "0:0  --keepalive: 1 is outside 5…3600",
        ])
    }

    @Test func jsonThatDoesNotParseIsOneErrorAndChecksAcrossSettingsWaitForValidSettings() {
        #expect(check("{\n  \"interval\": 5,\n  \"colour\" \"blue\"\n}") == ["3:12  expected ':' after key"])
        #expect(check(#"{"reconnect_min": 5, "reconnect_max": 2}"#) == ["0:0 $.reconnect_max reconnect_max must not be less than reconnect_min"])
        // An invalid reconnect_min is named on its own, not again as a clash with reconnect_max.
        #expect(check(#"{"reconnect_min": 0, "reconnect_max": 2}"#) == ["1:2 $.reconnect_min reconnect_min: 0 is outside 0.1…3600"])
    }

    /// `cairn run` (and a reload) still throw: the first error, carrying the others.
    @Test func loadThrowsTheFirstErrorCarryingTheOthers() {
        let dir = TemporaryDirectory()
        dir.write("c.json", Self.mistakes)
        do {
            _ = try ConfigLoader.load(["--config", dir.file("c.json")])
            Issue.record("loaded")
        } catch {
            #expect(error.description == "\(dir.file("c.json")):2:3: interval: 0 is outside 0.01…86400")
            #expect(error.all.count == 8)
        }
    }

    /// A pushed document is checked entry by entry too.
    @Test func aPushedDocumentNamesEveryBadEntry() throws {
        let pushed = PushedLayer(version: 3, config: try JSONParser.parse(#"{"inputs": [{"type": "nope"}, {"type": "hwmon", "x": 1, "y": 2}]}"#), signed: false)
        switch ConfigLoader.check([], pushed: pushed) {
        case .success: Issue.record("accepted")
        case .failure(let found):
            #expect(found.errors.map { $0.path } == ["$.inputs[0].type", "$.inputs[1].x", "$.inputs[1].y"])
        }
    }
}
