import Testing
import CairnCore
import CairnTestSupport
@testable import CairnControl

@Suite struct ConfigTests {
    func load(_ arguments: [String]) throws(ConfigError) -> Configuration {
        var config = ConfigLoader.defaults()
        config.agent.deviceID = "default-id"
        try ConfigLoader.apply(arguments: arguments, to: &config)
        return config
    }

    @Test func flagsOverrideDefaults() throws {
        let dir = TemporaryDirectory()
        let config = try load(["--broker", "mqtts://localhost:8884", "--device-id", "gw-7", "--data-dir=\(dir.path)",
                               "--interval", "2.5", "--log-level", "debug", "--sysfs-root", dir.path])
        #expect(config.uplink.broker == BrokerURL(tls: true, host: "localhost", port: 8884))
        #expect(config.agent.deviceID == "gw-7")
        #expect(config.agent.topicPrefix == "cairn/gw-7")
        #expect(config.agent.dataDirectory == dir.path)
        #expect(config.agent.interval == 2.5)
        #expect(config.agent.logLevel == .debug)
        #expect(config.agent.sysfsRoot == dir.path)
    }

    @Test func fileIsReadThenFlagsWin() throws {
        let dir = TemporaryDirectory()
        dir.write("cairn.json", #"{"device_id": "from-file", "interval": 30, "topic_prefix": "site/a"}"#)
        let config = try load(["--interval", "5", "--config", dir.file("cairn.json")])
        #expect(config.agent.deviceID == "from-file")
        #expect(config.agent.interval == 5)
        #expect(config.agent.topicPrefix == "site/a")
    }

    func error(_ arguments: [String]) -> String {
        do {
            _ = try load(arguments)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func theConfigVersionFollowsTheFileContent() throws {
        let dir = TemporaryDirectory()
        dir.write("a.json", #"{"interval": 5}"#)
        dir.write("b.json", #"{"interval": 6}"#)
        let a = try load(["--config", dir.file("a.json")]).origin.version
        #expect(a.hasPrefix("file:") && a.count == 21)
        #expect(a == (try load(["--config", dir.file("a.json")]).origin.version))
        #expect(a != (try load(["--config", dir.file("b.json")]).origin.version))
        #expect(try load([]).origin.version == "defaults")
        // FNV-1a 64 of "" and "a", the published test vectors.
        #expect(ConfigLoader.fingerprint("") == "cbf29ce484222325")
        #expect(ConfigLoader.fingerprint("a") == "af63dc4c8601ec8c")
    }

    @Test func malformedFileNamesLineAndColumn() {
        let dir = TemporaryDirectory()
        dir.write("bad.json", "{\n  \"interval\": 5,\n  \"broker\": \"mqtt://x\"\n  \"device_id\": \"a\"\n}\n")
        #expect(error(["--config", dir.file("bad.json")]) == "\(dir.file("bad.json")):4:3: expected ',' or '}'")
    }

    @Test func invalidValuesNameTheSettingAndItsPosition() {
        let dir = TemporaryDirectory()
        dir.write("c.json", "{\n  \"interval\": \"often\"\n}")
        #expect(error(["--config", dir.file("c.json")]) == "\(dir.file("c.json")):2:3: interval: expected a number, found a string")
        dir.write("u.json", "{\"interval\": 1,\n \"brokr\": \"mqtt://x\"}")
        #expect(error(["--config", dir.file("u.json")]) == "\(dir.file("u.json")):2:2: unknown setting \"brokr\"")
        dir.write("a.json", "[1]")
        #expect(error(["--config", dir.file("a.json")]) == "\(dir.file("a.json")):1:1: the config file must hold a JSON object, not an array")
    }

    @Test func lanSettingsNeedTheSouthboundBroker() throws {
        let dir = TemporaryDirectory()
        dir.write("lan.json", "{\n  \"inputs\": [\n    {\"type\": \"mqtt\", \"topic\": \"lan/#\"}\n  ]\n}")
        #expect(error(["--config", dir.file("lan.json")]) ==
                "\(dir.file("lan.json")):3:6: an \"mqtt\" input needs southbound_broker (the LAN broker), which is not set")
        let config = try load(["--config", dir.file("lan.json"), "--southbound-broker", "mqtt://127.0.0.1:1884"])
        #expect(config.southbound.broker == BrokerURL(tls: false, host: "127.0.0.1", port: 1884))
        dir.write("act.json", #"{"southbound_broker": "mqtt://127.0.0.1", "rules": [{"name": "r", "match": "*", "above": 1, "actions": [{"type": "publish", "topic": "a/b"}]}]}"#)
        #expect(try load(["--config", dir.file("act.json")]).southbound.broker?.port == 1883)
        dir.write("noact.json", #"{"rules": [{"name": "r", "match": "*", "above": 1, "actions": [{"type": "publish", "topic": "a/b"}]}]}"#)
        #expect(error(["--config", dir.file("noact.json")]) ==
                "\(dir.file("noact.json")):1:65: rule \"r\" has a \"publish\" action that needs southbound_broker (the LAN broker), which is not set")
    }

    @Test func badFlagsGiveOneLineErrors() {
        #expect(error(["--broker", "http://x"]) == "--broker: \"http://x\" is not an mqtt:// or mqtts:// URL")
        #expect(error(["--interval", "0"]) == "--interval: 0 is outside 0.01…86400")
        #expect(error(["--nope", "1"]) == "unknown flag --nope (see cairn --help)")
        // Last on the line, an unknown flag is still unknown, not one that "needs a value".
        #expect(error(["--interval", "5", "--nope"]) == "unknown flag --nope (see cairn --help)")
        #expect(error(["--broker"]) == "--broker needs a value")
        #expect(error(["--device-id", "a/b"]) == "--device-id: device id must be 1-128 characters without '/', '+', '#' or spaces")
        #expect(error(["--sysfs-root", "/nonexistent/dir"]) == "--sysfs-root: /nonexistent/dir is not a directory")
        #expect(error(["--config", "/nonexistent.json"]) == "/nonexistent.json: cannot read the config file")
        #expect(error(["--ca-file", "/nonexistent.pem"]) == "--ca-file: cannot read /nonexistent.pem")
        #expect(error(["--batch-size", "2.5"]) == "--batch-size: expected a whole number, found 2.5")
    }

    @Test func defaultsComeFromTheOptionTableAndShowInHelp() throws {
        let config = ConfigLoader.defaults()
        #expect(config.agent.interval == 10 && config.agent.healthInterval == 60 && config.agent.sysfsRoot == "/sys")
        #expect(config.uplink.broker == BrokerURL(tls: false, host: "127.0.0.1", port: 1883))
        #expect(config.uplink.batchSize == 100 && config.uplink.window == 16 && config.uplink.version == nil && config.uplink.compress)
        #expect(config.queue.budgetBytes == 64 * 1024 * 1024 && config.queue.overflow == .dropOldest && config.queue.durability == .normal)
        #expect(config.inputs.map(\.type) == ["hwmon", "thermal", "health"] && config.pipelines.isEmpty && config.rules.isEmpty)
        #expect(!config.agent.deviceID.isEmpty && !config.agent.dataDirectory.isEmpty)
        #expect(OptionTable.option(forKey: "interval")?.help == "seconds between sensor reads (default: 10)")
        #expect(OptionTable.option(forKey: "health_interval")?.help.hasSuffix("(default: 60, 0 = none)") == true)
        #expect(OptionTable.option(forKey: "username")?.help == "MQTT user name")
    }

    @Test func sectionsAreOptionsTooAndAFlagWinsOverTheFile() throws {
        let dir = TemporaryDirectory()
        dir.write("c.json", #"{"inputs": [{"type": "hwmon"}], "rules": [{"name": "r", "match": "*", "above": 1}]}"#)
        let config = try load(["--config", dir.file("c.json"), "--inputs", #"[{"type": "file", "name": "ups", "path": "/run/ups"}]"#])
        #expect(config.inputs.map(\.label) == ["file:ups"])
        #expect(config.rules.map(\.name) == ["r"])
        #expect(error(["--inputs", #"[{"type": "file"}]"#]) == "--inputs:1:3: input 1: \"name\" is required")
        #expect(error(["--pipelines", "[1,"]) == "--pipelines:1:4: unexpected end of document")
        #expect(error(["--rules", "{}"]) == "--rules:1:1: rules must be an array, not an object")
    }

    @Test func everyOptionHasAFlagAndHelp() {
        var flags = Set<String>()
        for option in OptionTable.all {
            #expect(!option.help.isEmpty)
            #expect(flags.insert(option.flag).inserted, "duplicate flag \(option.flag)")
            #expect(OptionTable.option(forFlag: option.flag)?.key == option.key)
        }
    }
}
