import Foundation
import Testing
import CairnTestSupport

/// SIGHUP re-reads the config file and applies it to the running agent
/// (same pid): only what changed is rebuilt, a bad file changes nothing, and
/// the queue's sequence goes on without a gap or a duplicate.
@Suite(.serialized) struct ReloadTests {
    final class Rig {
        let dir = TemporaryDirectory("cairn-reload")
        let sysfs: FakeSysfs
        let device: String
        private(set) var agent: ChildProcess?

        init(device: String) {
            self.device = device
            sysfs = FakeSysfs(dir)
            sysfs.hwmon(0, name: "testchip")
            sysfs.set(hwmon: 0, "temp1_input", "40000")
        }

        var configPath: String { dir.file("cairn.json") }
        var prefix: String { "cairn/\(device)" }

        /// Starts the agent on the config file (the broker is in the file: a flag would win over it).
        func start(_ config: String, extra: [String] = []) throws -> ChildProcess {
            dir.write("cairn.json", config)
            let child = try AgentBinary.start([
                "run", "--config", configPath, "--device-id", device, "--data-dir", dir.file("data"),
                "--sysfs-root", sysfs.path, "--log-level", "debug", "--reconnect-min", "0.2", "--reconnect-max", "1",
            ] + extra, log: dir.file("agent.log"))
            agent = child
            // Its signal handlers are in place once it says it is starting: a SIGHUP before
            // that would end it, and a file rewritten before it read it would be half a file.
            _ = waitUntil(timeout: 30, interval: 0.02) { child.log.contains(" starting as ") || !child.isRunning }
            return child
        }

        /// Writes the file as an editor or a deployment tool would (a new file renamed
        /// over the old: the agent never reads half of it) and sends SIGHUP.
        func hangUp(_ config: String) {
            try! config.write(toFile: configPath, atomically: true, encoding: .utf8)
            agent?.signal(SIGHUP)
        }

        /// Writes the file, sends SIGHUP and waits until the status counts `applied` reloads.
        @discardableResult
        func reload(_ config: String, applied: Int) -> Bool {
            hangUp(config)
            return waitUntil(timeout: 10, interval: 0.02) { self.metric(#"cairn_config_reloads_total{result="applied"}"#) == applied }
        }

        func status() -> [String: Any] {
            guard let data = FileManager.default.contents(atPath: dir.file("data/status.json")) else { return [:] }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        }

        func int(_ key: String) -> Int? { status()[key] as? Int }
        /// A series of the status document's `metrics` (named as on /metrics).
        func metric(_ name: String) -> Int? { (status()["metrics"] as? [String: Any])?[name] as? Int }
        func text(_ key: String) -> String? { status()[key] as? String }

        var log: String { agent?.log ?? "" }
    }

    /// "sensor=value" of every reading received.
    static func readings(_ subscriber: Subscriber, _ rig: Rig) -> [String] {
        subscriber.payloads(topic: "\(rig.prefix)/telemetry").flatMap { ($0["readings"] as? [[String: Any]]) ?? [] }
            .map { "\($0["sensor"] as? String ?? "?")=\(Int(($0["value"] as? Double) ?? -1))" }
    }

    static func events(_ subscriber: Subscriber, _ rig: Rig, _ type: String) -> [[String: Any]] {
        subscriber.payloads(topic: "\(rig.prefix)/events").filter { ($0["type"] as? String) == "io.cairn.\(type)" }
    }

    static func data(_ event: [String: Any]) -> [String: Any] { event["data"] as? [String: Any] ?? [:] }

    /// FNV-1a 64 of the file, as the agent names a configuration.
    static func version(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return "file:" + String(format: "%016llx", hash)
    }

    static func subscribe(_ broker: Broker, _ rig: Rig, _ name: String = "sub") throws -> Subscriber {
        let subscriber = try Subscriber(port: broker.port, topic: "\(rig.prefix)/#", log: rig.dir.file("\(name).log"))
        let before = Broker.clientCount(log: broker.process?.log ?? "")
        _ = waitUntil(timeout: 5) { Broker.clientCount(log: broker.process?.log ?? "") > before }
        return subscriber
    }

    @Test func anInputAddedByAReloadReadsWithoutARestart() throws {
        let broker = try Broker()
        let rig = Rig(device: "it-reload-add")
        let subscriber = try ReloadTests.subscribe(broker, rig)
        let agent = try rig.start(#"{"broker": "\#(broker.url)", "interval": 0.3, "inputs": [{"type": "hwmon"}]}"#)
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 15) { ReloadTests.readings(subscriber, rig).contains("hwmon/testchip/temp1=40") }, "\(rig.log)")

        rig.dir.write("level", "42\n")
        let added = #"{"broker": "\#(broker.url)", "interval": 0.3, "inputs": [{"type": "hwmon"}, {"type": "file", "name": "tank", "path": "\#(rig.dir.file("level"))"}]}"#
        let pid = agent.pid
        #expect(rig.reload(added, applied: 1), "\(rig.log)")
        #expect(waitUntil(timeout: 10) { ReloadTests.readings(subscriber, rig).contains("tank=42") }, "\(rig.log)")
        #expect(agent.isRunning && agent.pid == pid)
        #expect(rig.text("config_version") == ReloadTests.version(added))
        // The event names the new configuration and what was built for it: the new input only.
        #expect(waitUntil(timeout: 10) { ReloadTests.events(subscriber, rig, "config.applied").count >= 2 })
        let applied = ReloadTests.data(ReloadTests.events(subscriber, rig, "config.applied").last ?? [:])
        #expect(applied["config_version"] as? String == ReloadTests.version(added))
        #expect(applied["reason"] as? String == "reload")
        #expect(applied["rebuilt"] as? [String] == ["input:file:tank"], "\(applied)")
        #expect(agent.terminate() == 0)
    }

    @Test func anInvalidFileKeepsTheRunningConfiguration() throws {
        let broker = try Broker()
        let rig = Rig(device: "it-reload-bad")
        let subscriber = try ReloadTests.subscribe(broker, rig)
        let good = #"{"broker": "\#(broker.url)", "interval": 0.2}"#
        let agent = try rig.start(good)
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 10) { (rig.metric("cairn_readings_taken_total") ?? 0) > 0 }, "\(rig.log)")

        rig.hangUp("{\n  \"interval\": 5\n  \"broker\": \"\(broker.url)\"\n}\n")
        #expect(waitUntil(timeout: 10, interval: 0.02) { rig.metric(#"cairn_config_reloads_total{result="refused"}"#) == 1 }, "\(rig.log)")
        #expect(rig.text("config_last_error") == "\(rig.configPath):3:3: expected ',' or '}'")
        #expect(rig.text("config_version") == ReloadTests.version(good))
        #expect(rig.metric(#"cairn_config_reloads_total{result="applied"}"#) == 0)
        // Still reading every 0.2 s, not every 5 s.
        let taken = rig.metric("cairn_readings_taken_total") ?? 0
        #expect(waitUntil(timeout: 10) { (rig.metric("cairn_readings_taken_total") ?? 0) >= taken + 10 })
        #expect(agent.isRunning)
        #expect(waitUntil(timeout: 10) { !ReloadTests.events(subscriber, rig, "config.failed").isEmpty })
        #expect((ReloadTests.data(ReloadTests.events(subscriber, rig, "config.failed")[0])["error"] as? String)?.hasSuffix(":3:3: expected ',' or '}'") == true)

        // A valid setting that cannot be made (a port in use) is refused whole too.
        let squatter = try Broker()
        rig.hangUp(#"{"broker": "\#(broker.url)", "interval": 0.2, "inputs": [{"type": "hwmon"}, {"type": "http", "port": \#(squatter.port)}]}"#)
        #expect(waitUntil(timeout: 10, interval: 0.02) { rig.metric(#"cairn_config_reloads_total{result="refused"}"#) == 2 }, "\(rig.log)")
        #expect(rig.metric(#"cairn_config_reloads_total{result="applied"}"#) == 0)
        #expect(rig.text("config_last_error")?.contains("cannot listen on 127.0.0.1:\(squatter.port)") == true, "\(rig.status())")
        #expect(rig.reload(#"{"broker": "\#(broker.url)", "interval": 0.25}"#, applied: 1), "\(rig.log)")
        #expect(agent.terminate() == 0)
    }

    /// A status port busy since the start (the agent runs, and retries it) does not refuse
    /// a change that leaves status_listen alone. cross/test's push step was refused for it
    /// while another agent held the port.
    @Test func aBusyStatusPortDoesNotRefuseAChangeThatLeavesItAlone() throws {
        let broker = try Broker()
        let squatter = try Broker()
        let rig = Rig(device: "it-reload-busy")
        let config = { (interval: String) in #"{"broker": "\#(broker.url)", "interval": \#(interval)}"# }
        let agent = try rig.start(config("0.2"), extra: ["--status-listen", "127.0.0.1:\(squatter.port)"])
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 10) { rig.log.contains("cannot listen on 127.0.0.1:\(squatter.port)") }, "\(rig.log)")
        #expect(rig.reload(config("0.25"), applied: 1), "\(rig.log)")
        #expect(rig.metric(#"cairn_config_reloads_total{result="refused"}"#) == 0, "\(rig.status())")
        #expect(agent.terminate() == 0)
    }

    @Test func anAlarmWhoseRuleIsRemovedIsClearedWithAnEvent() throws {
        let broker = try Broker()
        let rig = Rig(device: "it-reload-alarm")
        let subscriber = try ReloadTests.subscribe(broker, rig)
        rig.dir.write("level", "90\n")
        let input = #"{"broker": "\#(broker.url)", "interval": 0.3, "inputs": [{"type": "file", "name": "tank", "path": "\#(rig.dir.file("level"))"}]"#
        let agent = try rig.start(input + #", "rules": [{"name": "overflow", "match": "tank", "above": 80, "severity": "critical"}]}"#)
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 10) { !ReloadTests.events(subscriber, rig, "alarm.raised").isEmpty }, "\(rig.log)")
        #expect(rig.reload(input + "}", applied: 1), "\(rig.log)")
        #expect(waitUntil(timeout: 10) { !ReloadTests.events(subscriber, rig, "alarm.cleared").isEmpty }, "\(rig.log)")
        let cleared = ReloadTests.events(subscriber, rig, "alarm.cleared")[0]
        #expect(cleared["subject"] as? String == "tank")
        #expect(ReloadTests.data(cleared)["rule"] as? String == "overflow")
        #expect(ReloadTests.data(cleared)["reason"] as? String == "rule removed")
        #expect((rig.status()["active_alarms"] as? [String]) == [])
        #expect(agent.terminate() == 0)
    }

    @Test func aNewBrokerReconnectsTheUplinkAndANewIntervalDoesNot() throws {
        let first = try Broker(), second = try Broker()
        let rig = Rig(device: "it-reload-broker")
        let onFirst = try ReloadTests.subscribe(first, rig, "first")
        let onSecond = try ReloadTests.subscribe(second, rig, "second")
        let agent = try rig.start(#"{"broker": "\#(first.url)", "interval": 0.5}"#)
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 10) { rig.text("connection") == "online" && rig.metric("cairn_uplink_connections_total") == 1 }, "\(rig.log)")

        #expect(rig.reload(#"{"broker": "\#(first.url)", "interval": 0.3}"#, applied: 1), "\(rig.log)")
        #expect(waitUntil(timeout: 10) { ReloadTests.events(onFirst, rig, "config.applied").count >= 2 })
        let rebuilt = ReloadTests.data(ReloadTests.events(onFirst, rig, "config.applied").last ?? [:])["rebuilt"] as? [String] ?? []
        #expect(rebuilt == ["interval:hwmon", "interval:thermal", "interval:health"], "\(rebuilt)")
        let readings = ReloadTests.readings(onFirst, rig).count
        #expect(waitUntil(timeout: 10) { ReloadTests.readings(onFirst, rig).count >= readings + 6 })
        #expect(rig.metric("cairn_uplink_connections_total") == 1 && rig.text("connection") == "online", "\(rig.status())")

        #expect(rig.reload(#"{"broker": "\#(second.url)", "interval": 0.3}"#, applied: 2), "\(rig.log)")
        #expect(waitUntil(timeout: 10) { rig.text("connection") == "online" && rig.metric("cairn_uplink_connections_total") == 2 }, "\(rig.status())")
        #expect(rig.text("broker") == second.url)
        #expect(waitUntil(timeout: 10) { !ReloadTests.readings(onSecond, rig).isEmpty }, "\(rig.log)")
        #expect(waitUntil(timeout: 10) { !ReloadTests.events(onSecond, rig, "config.applied").isEmpty })
        let moved = ReloadTests.data(ReloadTests.events(onSecond, rig, "config.applied").last ?? [:])["rebuilt"] as? [String] ?? []
        #expect(moved == ["uplink"], "\(moved)")
        // The first broker was left cleanly: its retained state says offline.
        #expect(waitUntil(timeout: 5) { onFirst.lines.contains { $0.hasPrefix("\(rig.prefix)/state {\"state\":\"offline\"") } })
        #expect(agent.terminate() == 0)
    }
}
