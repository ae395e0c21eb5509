import Testing
import CairnCore
import CairnTestSupport
@testable import CairnControl

/// `broker` as one URL, a JSON array or a comma-separated flag; `mqtt_version` unset means auto.
@Suite struct BrokerListTests {
    func load(_ arguments: [String]) throws(ConfigError) -> Configuration { try ConfigTests().load(arguments) }

    func loadFile(_ json: String) throws(ConfigError) -> Configuration {
        let dir = TemporaryDirectory()
        dir.write("cairn.json", json)
        return try load(["--config", dir.file("cairn.json")])
    }

    func error(_ body: () throws(ConfigError) -> Configuration) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error.path) \(error.description)"
        }
    }

    @Test func oneURLStaysOneBroker() throws {
        let config = try loadFile(#"{"broker": "mqtt://10.0.0.2"}"#)
        #expect(config.uplink.brokers == [BrokerURL(tls: false, host: "10.0.0.2", port: 1883)])
        #expect(config.uplink.broker == BrokerURL(tls: false, host: "10.0.0.2", port: 1883))
        #expect(try load([]).uplink.brokers == [BrokerURL(tls: false, host: "127.0.0.1", port: 1883)])
    }

    @Test func aJSONArrayKeepsItsOrder() throws {
        let config = try loadFile(#"{"broker": ["mqtts://a.example:8884", "mqtt://[::1]:1884", "mqtt://b"]}"#)
        #expect(config.uplink.brokers == [BrokerURL(tls: true, host: "a.example", port: 8884),
                                          BrokerURL(tls: false, host: "::1", port: 1884),
                                          BrokerURL(tls: false, host: "b", port: 1883)])
        #expect(config.uplink.broker == config.uplink.brokers[0])
        #expect(config.uplink.tls != nil, "one mqtts:// entry needs the TLS material")
    }

    @Test func aFlagTakesCommaSeparatedURLs() throws {
        let config = try load(["--broker", "mqtt://127.0.0.1:1001,mqtt://127.0.0.1:1002"])
        #expect(config.uplink.brokers.map(\.port) == [1001, 1002])
        #expect(error { () throws(ConfigError) in try load(["--broker", "mqtt://a,"]) }.contains("broker 2: \"\" is not an mqtt:// or mqtts:// URL"))
    }

    @Test func errorsNameTheArrayIndex() {
        let bad = error { () throws(ConfigError) in try loadFile(#"{"broker": ["mqtt://a", "http://b"]}"#) }
        #expect(bad.contains("$.broker[1]") && bad.contains("broker 2: \"http://b\" is not an mqtt:// or mqtts:// URL"), "\(bad)")
        let number = error { () throws(ConfigError) in try loadFile(#"{"broker": ["mqtt://a", 7]}"#) }
        #expect(number.contains("$.broker[1]") && number.contains("expected a string, found"), "\(number)")
        let empty = error { () throws(ConfigError) in try loadFile(#"{"broker": []}"#) }
        #expect(empty.contains("$.broker") && empty.contains("empty array"), "\(empty)")
        let single = error { () throws(ConfigError) in try loadFile(#"{"broker": "tcp://x"}"#) }
        #expect(single.hasPrefix("$.broker ") && single.contains("\"tcp://x\" is not an mqtt://"), "\(single)")
    }

    @Test func aChangedListReconnects() throws {
        let one = try loadFile(#"{"broker": ["mqtt://a", "mqtt://b"]}"#).uplink
        let other = try loadFile(#"{"broker": ["mqtt://b", "mqtt://a"]}"#).uplink
        #expect(!one.sameConnection(as: other))
        #expect(one.sameConnection(as: one))
    }

    @Test func mqttVersionIsAutoUnlessSet() throws {
        #expect(try load([]).uplink.version == nil)
        #expect(try load(["--mqtt-version", "auto"]).uplink.version == nil)
        #expect(try load(["--mqtt-version", "5"]).uplink.version == .v5)
        #expect(try loadFile(#"{"mqtt_version": "3.1.1"}"#).uplink.version == .v311)
        #expect(error { () throws(ConfigError) in try load(["--mqtt-version", "4"]) }.contains("is not 5, 3.1.1 or auto"))
        #expect(OptionTable.option(forKey: "mqtt_version")!.help.contains("(default: unset: auto)"))
    }
}
