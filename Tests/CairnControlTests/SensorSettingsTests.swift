import Testing
import CairnCore
import CairnInputs
import CairnPipeline
@testable import CairnControl

@Suite struct SensorSettingsTests {
    /// The sections of a config text over the option table's defaults.
    func parse(_ text: String) throws -> Configuration {
        var config = ConfigLoader.defaults()
        try ConfigLoader.apply(text: text, source: "c.json", to: &config)
        return config
    }

    func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch let error as ConfigError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    @Test func withoutSectionsTheDefaultsAreTodaysBehaviour() throws {
        let settings = try parse(#"{"interval": 5, "broker": "mqtt://127.0.0.1"}"#)
        #expect(settings.inputs == ConfigLoader.defaults().inputs)
        #expect(settings.inputs.map(\.type) == ["hwmon", "thermal", "health"])
        #expect(settings.inputs.allSatisfy { $0.interval == nil })
        #expect(settings.pipelines.isEmpty && settings.rules.isEmpty)
    }

    @Test func everySectionParses() throws {
        let settings = try parse("""
            {
              "inputs": [
                {"type": "hwmon", "interval": 30, "include": "hwmon/*/temp*", "exclude": ["hwmon/nvme*"]},
                {"type": "w1"},
                {"type": "command", "name": "plant", "run": ["/usr/local/bin/poll", "--json"], "timeout": 5, "interval": 60, "unit": "bar"},
                {"type": "command", "name": "uptime", "run": "cut -d' ' -f1 /proc/uptime | sed 's/^/up /'"},
                {"type": "file", "name": "ups", "path": "/run/ups.env"}
              ],
              "pipelines": [
                {"match": "hwmon/*/temp*", "stages": [
                  {"type": "scale", "factor": 1.8, "offset": 32},
                  {"type": "range", "min": -40, "max": 250, "action": "clamp"},
                  {"type": "spike", "max_rate": 5},
                  {"type": "deadband", "absolute": 0.5, "heartbeat": 300},
                  {"type": "rate_limit", "period": 10},
                  {"type": "window", "length": 60, "functions": ["min", "max", "mean"]}
                ]},
                {"match": "*", "stages": []}
              ],
              "rules": [
                {"name": "cpu-hot", "match": "thermal/*", "above": 80, "clear": 75, "duration": 30, "severity": "critical",
                 "actions": [{"run": ["/usr/sbin/fanctl", "max"], "on": "both", "timeout": 2}]},
                {"name": "freezing", "match": "w1/*", "below": 2}
              ]
            }
            """)
        #expect(settings.inputs.count == 5)
        #expect(settings.inputs[0].interval == 30)
        #expect(settings.inputs[0].include == ["hwmon/*/temp*"])
        #expect(settings.inputs[0].exclude == ["hwmon/nvme*"])
        #expect(settings.inputs[2].settings(of: CommandInput.self)?.run == ["/usr/local/bin/poll", "--json"])
        #expect(settings.inputs[2].settings(of: CommandInput.self)?.timeout == 5)
        #expect(settings.inputs[2].unit == "bar")
        #expect(settings.inputs[3].settings(of: CommandInput.self)?.run == ["/bin/sh", "-c", "cut -d' ' -f1 /proc/uptime | sed 's/^/up /'"])
        #expect(settings.inputs[3].settings(of: CommandInput.self)?.timeout == 10)
        #expect(settings.inputs[4].settings(of: FileInput.self)?.path == "/run/ups.env")
        #expect(settings.inputs[4].settings(of: CommandInput.self) == nil)
        #expect(settings.pipelines[0].stages == [
            .scale(factor: 1.8, offset: 32),
            .range(minimum: -40, maximum: 250, action: .clamp),
            .spike(maxRate: 5, confirmations: 3),
            .deadband(absolute: 0.5, percent: 0, heartbeat: 300),
            .rateLimit(period: 10),
            .window(length: 60, functions: [.min, .max, .mean]),
        ])
        #expect(settings.pipelines[1] == PipelineSettings(match: "*", stages: []))
        var hot = RuleSettings(name: "cpu-hot", match: "thermal/*", above: true, threshold: 80)
        hot.clear = 75
        hot.duration = 30
        hot.severity = .critical
        var action = ActionSettings(run: ["/usr/sbin/fanctl", "max"])
        action.on = .both
        action.timeout = 2
        hot.actions = [action]
        #expect(settings.rules == [hot, RuleSettings(name: "freezing", match: "w1/*", above: false, threshold: 2)])
    }

    @Test func explicitlyEmptyInputsMeanNoInputs() throws {
        #expect(try parse(#"{"inputs": []}"#).inputs.isEmpty)
    }

    @Test func errorsPointAtTheMember() {
        #expect(error("{\n  \"inputs\": [\n    {\"type\": \"hwmon\",\n     \"intreval\": 5}\n  ]\n}") ==
                "c.json:4:6: input 1: unknown setting \"intreval\"")
        #expect(error("{\"inputs\": [{\"type\": \"modbus\"}]}") ==
                "c.json:1:14: input 1: type: unknown type \"modbus\" (expected hwmon, thermal, health, iio, w1, command, file, mqtt or http)")
        #expect(error("{\"inputs\": [{\"type\": \"command\", \"name\": \"x\"}]}") == "c.json:1:14: input 1: \"run\" is required")
        #expect(error("{\"inputs\": [{\"type\": \"hwmon\", \"interval\": 0}]}") == "c.json:1:31: input 1: interval: 0 is outside 0.01…86400")
        #expect(error("{\"inputs\": {\"type\": \"hwmon\"}}") == "c.json:1:2: inputs must be an array, not an object")
        #expect(error("{\"inputs\": [3]}") == "c.json:1:2: input 1 must be an object, not a number")
        #expect(error("{\"inputs\": [{\"type\": \"file\", \"name\": \"a b\", \"path\": \"/x\"}]}") ==
                "c.json:1:30: input 1: name: must not contain '+', '#' or spaces")
    }

    @Test func stageErrorsNameThePipelineAndStage() {
        let text = """
            {"pipelines": [
              {"match": "hwmon/*", "stages": [
                {"type": "scale", "factor": 2},
                {"type": "deadband", "absolute": "half"}
              ]}
            ]}
            """
        #expect(error(text) == "c.json:4:26: pipeline 1 (\"hwmon/*\") stage 2: absolute: expected a number, found a string")
        #expect(error(#"{"pipelines": [{"match": "*", "stages": [{"type": "median"}]}]}"#) ==
                "c.json:1:43: pipeline 1 (\"*\") stage 1: type: unknown type \"median\" (expected scale, range, deadband, rate_limit, window or spike)")
        #expect(error(#"{"pipelines": [{"match": "*", "stages": [{"type": "window", "length": 60, "functions": ["avg"]}]}]}"#) ==
                "c.json:1:75: pipeline 1 (\"*\") stage 1: functions: unknown function \"avg\" (expected min, max, mean, count or last)")
        #expect(error(#"{"pipelines": [{"match": "*", "stages": [{"type": "range", "min": 5, "max": 1}]}]}"#) ==
                "c.json:1:43: pipeline 1 (\"*\") stage 1: \"min\" is greater than \"max\"")
        #expect(error(#"{"pipelines": [{"match": "*", "stages": [{"type": "deadband"}]}]}"#) ==
                "c.json:1:43: pipeline 1 (\"*\") stage 1: needs \"absolute\" or \"percent\" greater than 0")
        #expect(error(#"{"pipelines": [{"stages": []}]}"#) == "c.json:1:17: pipeline 1: \"match\" is required")
    }

    @Test func ruleErrors() {
        #expect(error(#"{"rules": [{"name": "r", "match": "*", "above": 1, "below": 0}]}"#) ==
                "c.json:1:13: rule 1: needs exactly one of \"above\" and \"below\"")
        #expect(error(#"{"rules": [{"name": "r", "match": "*", "above": 80, "clear": 85}]}"#) ==
                "c.json:1:53: rule 1: clear: must not be above the threshold of an \"above\" rule")
        #expect(error(#"{"rules": [{"name": "r", "match": "*", "below": 0, "clear": -1}]}"#) ==
                "c.json:1:52: rule 1: clear: must not be below the threshold of a \"below\" rule")
        #expect(error(#"{"rules": [{"name": "r", "match": "*", "above": 1}, {"name": "r", "match": "*", "above": 2}]}"#) ==
                "c.json:1:54: rule 2: name: another rule is already named \"r\"")
        #expect(error(#"{"rules": [{"name": "r", "match": "*", "above": 1, "severity": "urgent"}]}"#) ==
                "c.json:1:52: rule 1: severity: expected \"info\", \"warning\" or \"critical\"")
        #expect(error(#"{"rules": [{"name": "r", "match": "*", "above": 1, "actions": [{"on": "raised"}]}]}"#) ==
                "c.json:1:65: rule \"r\" action 1: \"run\" is required")
        #expect(error(#"{"rules": [{"name": "r", "match": "*", "above": 1, "actions": [{"type": "mail", "run": "x"}]}]}"#) ==
                "c.json:1:65: rule \"r\" action 1: type: unknown action type \"mail\" (expected command or publish)")
        #expect(error(#"{"rules": [{"name": "r", "match": "*", "above": 1, "actions": [{"type": "publish", "topic": "lan/+/set"}]}]}"#) ==
                "c.json:1:84: rule \"r\" action 1: topic: not a valid topic to publish to")
        #expect(error(#"{"rules": [{"name": "r", "match": "*", "above": 1, "actions": [{"type": "publish", "topic": "a", "qos": 3}]}]}"#) ==
                "c.json:1:98: rule \"r\" action 1: qos: 3 is outside 0…2")
    }

    @Test func lanInputsAndPublishActionsParse() throws {
        let settings = try parse("""
            {
              "inputs": [
                {"type": "mqtt", "topic": "lan/+/state", "sensor": "lan/{1}", "fields": ["temp", "env.rh"], "unit": "C", "units": {"env.rh": "%"}, "stale_after": 300},
                {"type": "http", "port": 8088, "token": "0123456789abcdef", "bind": "0.0.0.0", "max_body_bytes": 4096, "name": "plc"}
              ],
              "rules": [{"name": "hot", "match": "lan/*/temp", "above": 30, "clear": 28, "actions": [
                {"type": "publish", "topic": "lan/fan/set", "payload": "{state} {value}", "on": "both", "qos": 0, "retain": true}
              ]}]
            }
            """)
        #expect(settings.inputs[0].type == "mqtt" && settings.inputs[0].unit == "C")
        let mqtt = try #require(settings.inputs[0].settings(of: MQTTInput.self))
        #expect(mqtt.topic == "lan/+/state" && mqtt.sensor == "lan/{1}")
        #expect(mqtt.fields == ["temp", "env.rh"] && mqtt.units == ["env.rh": "%"] && mqtt.staleAfter == 300)
        let http = try #require(settings.inputs[1].settings(of: HTTPInput.self))
        #expect(settings.inputs[1].type == "http" && http.port == 8088 && http.bind == "0.0.0.0" && http.maxBodyBytes == 4096 && http.name == "plc")
        #expect(http.token == "0123456789abcdef")
        let action = settings.rules[0].actions[0]
        #expect(action.kind == .publish && action.topic == "lan/fan/set" && action.payload == "{state} {value}")
        #expect(action.on == .both && action.qos == 0 && action.retain)
        #expect(settings.southboundUse?.line == 3)
        #expect(try parse(#"{"inputs": [{"type": "http"}]}"#).inputs[0].settings(of: HTTPInput.self)?.bind == "127.0.0.1")
        #expect(try parse(#"{"inputs": [{"type": "hwmon"}]}"#).southboundUse == nil)
    }

    @Test func lanInputErrors() {
        #expect(error(#"{"inputs": [{"type": "http", "bind": "0.0.0.0"}]}"#) ==
                "c.json:1:30: input 1: bind: listening on 0.0.0.0 needs a \"token\"; without one, bind to 127.0.0.1 or ::1")
        #expect(error(#"{"inputs": [{"type": "http", "token": "short"}]}"#) ==
                "c.json:1:30: input 1: token: must be at least 16 characters")
        #expect(error(#"{"inputs": [{"type": "http", "bind": "gateway.local"}]}"#) ==
                "c.json:1:30: input 1: bind: expected an IPv4 or IPv6 address such as 127.0.0.1 or ::1")
        #expect(error(#"{"inputs": [{"type": "mqtt", "topic": "lan/#/x"}]}"#) ==
                "c.json:1:30: input 1: topic: not a valid MQTT topic filter ('+' and '#' must be whole levels, '#' last)")
        #expect(error(#"{"inputs": [{"type": "mqtt", "topic": "a", "interval": 5}]}"#) ==
                "c.json:1:44: input 1: interval: an mqtt input has no interval: devices publish when they do")
        #expect(error(#"{"inputs": [{"type": "mqtt", "topic": "a", "include": "x"}]}"#) ==
                "c.json:1:44: input 1: include: not for mqtt inputs: their readings are chosen by topic and fields")
        #expect(error(#"{"pipelines": [{"match": "*", "stages": [{"type": "range", "max": 1, "action": "mark"}]}]}"#) ==
                "c.json:1:70: pipeline 1 (\"*\") stage 1: action: expected \"drop\", \"clamp\" or \"flag\"")
    }
}
