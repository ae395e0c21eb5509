import Testing
import CairnCore
import CairnTestSupport
@testable import CairnControl

/// The pushed layer: between the local file and the flags, refused keys by
/// path, every error of a pushed document with its JSON path.
@Suite struct PushedLayerTests {
    func layer(_ json: String, version: Int64 = 7, signed: Bool = false) throws -> PushedLayer {
        PushedLayer(version: version, config: try JSONParser.parse(json), signed: signed)
    }

    func errors(_ arguments: [String], _ json: String, signed: Bool = false) throws -> [String] {
        switch ConfigLoader.check(arguments, pushed: try layer(json, signed: signed)) {
        case .success: return []
        case .failure(let failure): return failure.errors.map { "\($0.path) \($0.message)" }
        }
    }

    @Test func defaultsThenFileThenPushThenFlags() throws {
        let dir = TemporaryDirectory()
        dir.write("c.json", #"{"interval": 30, "batch_size": 7, "log_level": "warning", "device_id": "gw-1"}"#)
        let arguments = ["--config", dir.file("c.json"), "--log-level", "error"]
        let config = try ConfigLoader.load(arguments, pushed: try layer(#"{"interval": 2, "log_level": "debug", "health_interval": 5}"#))
        #expect(config.agent.interval == 2)              // push over file
        #expect(config.uplink.batchSize == 7)            // file, untouched by the push
        #expect(config.agent.healthInterval == 5)        // push over default
        #expect(config.agent.logLevel == .error)         // flag over push
        #expect(config.agent.deviceID == "gw-1")
        #expect(config.origin.pushedVersion == 7)
        let fileOnly = try ConfigLoader.load(arguments)
        #expect(config.origin.version.hasPrefix("push:7:") && config.origin.version.count == "push:7:".count + 16)
        #expect(fileOnly.origin.version.hasPrefix("file:"))
        // The same file and document give the same version; another document another one.
        #expect(try ConfigLoader.load(arguments, pushed: try layer(#"{"interval": 2, "log_level": "debug", "health_interval": 5}"#)).origin.version
                == config.origin.version)
        #expect(try ConfigLoader.load(arguments, pushed: try layer(#"{"interval": 3}"#)).origin.version != config.origin.version)
    }

    @Test func everyTopLevelErrorIsNamedByItsPath() throws {
        let found = try errors([], """
            {"device_id": "other", "data_dir": "/tmp/x", "intervall": 5, "interval": 0, "batch_size": "many",
             "inputs": [{"type": "hwmon"}, {"type": "http", "port": 70000}],
             "pipelines": [{"match": "a", "stages": [{"type": "deadband", "absolute": 1}, {"type": "deadband"}]}],
             "rules": [{"name": "r", "match": "*", "above": 1, "actions": [{"run": "x", "on": "sometimes"}]}],
             "config_public_keys": []}
            """)
        #expect(found == [
            "$.device_id device_id cannot be set by a push: it is set by the local file or the command line only",
            "$.data_dir data_dir cannot be set by a push: it is set by the local file or the command line only",
            "$.intervall unknown setting \"intervall\"",
            "$.interval interval: 0 is outside 0.01…86400",
            "$.batch_size batch_size: expected a number, found a string",
            "$.inputs[1].port input 2: port: 70000 is outside 1…65535",
            "$.pipelines[0].stages[1] pipeline 1 (\"a\") stage 2: needs \"absolute\" or \"percent\" greater than 0",
            found.count > 7 ? found[7] : "missing rule error",
            "$.config_public_keys config_public_keys can change only in a document signed with a key the device already trusts",
        ], "\(found)")
        #expect(found.count > 7 && found[7].hasPrefix("$.rules[0].actions[0].on "), "\(found)")
    }

    @Test func checksThatSpanSettingsNameAPath() throws {
        #expect(try errors([], #"{"reconnect_min": 10, "reconnect_max": 5}"#) == ["$.reconnect_max reconnect_max must not be less than reconnect_min"])
        let lan = try errors([], #"{"inputs": [{"type": "hwmon"}, {"type": "mqtt", "topic": "a/+"}]}"#)
        #expect(lan == ["$.inputs[1] an \"mqtt\" input needs southbound_broker (the LAN broker), which is not set"], "\(lan)")
        #expect(try errors([], "[1]") == ["$ the configuration must be a JSON object, not an array"])
        // A valid document has none.
        #expect(try errors([], #"{"interval": 1, "inputs": [{"type": "hwmon"}]}"#).isEmpty)
        // A signed document may change the trusted keys.
        #expect(try errors([], #"{"config_public_keys": []}"#, signed: true).isEmpty)
    }

    @Test func theLocalFileKeepsItsLineAndColumnAndGainsAPath() throws {
        let dir = TemporaryDirectory()
        dir.write("c.json", "{\n  \"inputs\": [{\"type\": \"hwmon\"}, {\"type\": \"file\", \"name\": \"x\", \"path\": \"/p\", \"bogus\": 1}]\n}")
        do {
            _ = try ConfigLoader.load(["--config", dir.file("c.json")])
            Issue.record("loaded")
        } catch {
            #expect(error.description == "\(dir.file("c.json")):2:77: input 2: unknown setting \"bogus\"")
            #expect(error.path == "$.inputs[1].bogus")
        }
    }

    @Test func controlOptionsHaveDefaultsAndChecks() throws {
        let config = ConfigLoader.defaults()
        #expect(config.control.publicKeys.isEmpty && config.control.maxDocumentBytes == 262_144 && config.control.confirmTimeout == 300)
        let dir = TemporaryDirectory()
        dir.write("k.pem", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n")
        var loaded = try ConfigLoader.load(["--config-public-keys", dir.file("k.pem"), "--config-max-bytes", "4096", "--config-confirm-timeout", "3"])
        #expect(loaded.control.publicKeys == [dir.file("k.pem")] && loaded.control.maxDocumentBytes == 4096 && loaded.control.confirmTimeout == 3)
        loaded = try ConfigLoader.load(["--config-public-keys", #"["-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----"]"#])
        #expect(loaded.control.publicKeys.count == 1)
        #expect(throws: ConfigError.self) { try ConfigLoader.load(["--config-public-keys", dir.file("missing.pem")]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(["--config-public-keys", #"["-----BEGIN PRIVATE KEY-----"]"#]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(["--config-max-bytes", "100"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(["--config-confirm-timeout", "0"]) }
    }
}
