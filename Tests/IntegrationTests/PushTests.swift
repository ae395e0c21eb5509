import Foundation
import Testing
import CairnTestSupport

/// Pushed configurations over MQTT, end to end: a real Mosquitto, the real
/// agent process, documents published retained on <prefix>/config/desired
/// with mosquitto_pub, answers read on <prefix>/config/reported.
@Suite(.serialized) struct PushTests {
    final class Rig {
        let broker: Broker
        let dir = TemporaryDirectory("cairn-push")
        let sysfs: FakeSysfs
        let device: String
        let subscriber: Subscriber
        private(set) var agent: ChildProcess?
        private var logs = 0

        init(device: String, broker: Broker? = nil) throws {
            self.device = device
            self.broker = try broker ?? Broker()
            sysfs = FakeSysfs(dir)
            sysfs.hwmon(0, name: "testchip")
            sysfs.set(hwmon: 0, "temp1_input", "40000")
            subscriber = try Subscriber(port: self.broker.port, topic: "cairn/\(device)/#", log: dir.file("sub.log"))
            let broker = self.broker
            _ = waitUntil(timeout: 5) { Broker.clientCount(log: broker.process?.log ?? "") > 0 }
        }

        var prefix: String { "cairn/\(device)" }
        var configPath: String { dir.file("cairn.json") }

        /// Starts the agent on the local file `config` (the broker is in the file, so a push can change it).
        @discardableResult
        func start(_ config: String? = nil, extra: [String] = []) throws -> ChildProcess {
            if let config { dir.write("cairn.json", config) }
            logs += 1
            let child = try AgentBinary.start([
                "run", "--config", configPath, "--device-id", device, "--data-dir", dir.file("data"),
                "--sysfs-root", sysfs.path, "--log-level", "debug", "--reconnect-min", "0.2", "--reconnect-max", "1",
            ] + extra, log: dir.file("agent-\(logs).log"))
            agent = child
            return child
        }

        var log: String { agent?.log ?? "" }

        /// Publishes `payload` retained on the desired topic (an empty payload clears it).
        func publish(_ payload: [UInt8]) throws {
            let file = dir.file("desired-\(UInt32.random(in: 0...UInt32.max)).bin")
            FileManager.default.createFile(atPath: file, contents: Data(payload))
            let arguments = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "\(prefix)/config/desired", "-r", "-q", "1"]
                + (payload.isEmpty ? ["-n"] : ["-f", file])
            let pub = try ChildProcess(which("mosquitto_pub")!, arguments, log: dir.file("pub.log"))
            pub.process.waitUntilExit()
            #expect(pub.process.terminationStatus == 0, "mosquitto_pub: \(pub.log)")
        }

        func publish(_ text: String) throws { try publish(Array(text.utf8)) }

        /// A full document: `{"version": v, "config": config}`.
        func push(_ version: Int, _ config: String) throws {
            try publish(#"{"version": \#(version), "config": \#(config)}"#)
        }

        /// Every reported document received, oldest first.
        var reports: [[String: Any]] { subscriber.payloads(topic: "\(prefix)/config/reported") }

        /// Waits for a report about `version` with `status`, received after the first `after` reports; returns it.
        @discardableResult
        func report(_ version: Int, _ status: String, after: Int = 0, timeout: TimeInterval = 15) -> [String: Any]? {
            var found: [String: Any]?
            _ = waitUntil(timeout: timeout, interval: 0.01) {
                found = reports.dropFirst(after).last { ($0["version"] as? Int) == version && ($0["status"] as? String) == status }
                return found != nil
            }
            return found
        }

        func events(_ type: String) -> [[String: Any]] {
            subscriber.payloads(topic: "\(prefix)/events").filter { ($0["type"] as? String) == "io.cairn.\(type)" }
        }

        /// "sensor=value" of every reading received.
        func readings() -> [String] {
            subscriber.payloads(topic: "\(prefix)/telemetry").flatMap { ($0["readings"] as? [[String: Any]]) ?? [] }
                .map { "\($0["sensor"] as? String ?? "?")=\(Int(($0["value"] as? Double) ?? -1))" }
        }

        func status() -> [String: Any] {
            guard let data = FileManager.default.contents(atPath: dir.file("data/status.json")) else { return [:] }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        }

        func file(_ name: String) -> [String: Any]? {
            guard let data = FileManager.default.contents(atPath: dir.file("data/config/\(name)")) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }

        func online() -> Bool { (status()["connection"] as? String) == "online" }
    }

    static func errors(_ report: [String: Any]?) -> [String] {
        ((report?["errors"] as? [[String: Any]]) ?? []).map { "\($0["path"] as? String ?? "?") \($0["message"] as? String ?? "?")" }
    }

    static func base(_ rig: Rig, interval: Double = 0.3) -> String {
        #"{"broker": "\#(rig.broker.url)", "interval": \#(interval), "inputs": [{"type": "hwmon"}]}"#
    }

    // 1. A valid full document applies live.
    @Test func aFullDocumentAppliesLiveAndIsReportedApplied() throws {
        let rig = try Rig(device: "it-push-full")
        let agent = try rig.start(PushTests.base(rig))
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 15) { rig.readings().contains("hwmon/testchip/temp1=40") }, "\(rig.log)")
        let pid = agent.pid

        rig.dir.write("level", "42\n")
        try rig.push(1, #"{"inputs": [{"type": "hwmon"}, {"type": "file", "name": "tank", "path": "\#(rig.dir.file("level"))"}]}"#)
        let applied = rig.report(1, "applied")
        #expect(applied != nil, "\(rig.reports)\n\(rig.log)")
        #expect(applied?["in_force"] as? Int == 1)
        #expect(PushTests.errors(applied).isEmpty)
        #expect((applied?["config_version"] as? String)?.hasPrefix("push:1:") == true)
        #expect((applied?["time"] as? Int ?? 0) > 1_700_000_000_000)
        // The new input's sensor reads, in the same process.
        #expect(waitUntil(timeout: 10) { rig.readings().contains("tank=42") }, "\(rig.log)")
        #expect(agent.isRunning && agent.pid == pid)
        // Meta shows the same configuration version; an event says so, through the queue.
        #expect(waitUntil(timeout: 10) {
            rig.subscriber.payloads(topic: "\(rig.prefix)/meta").last?["config_version"] as? String == applied?["config_version"] as? String
        })
        #expect(waitUntil(timeout: 10) { rig.events("config.applied").contains { ReloadTests.data($0)["reason"] as? String == "push" } })
        let event = ReloadTests.data(rig.events("config.applied").last { ReloadTests.data($0)["reason"] as? String == "push" } ?? [:])
        #expect(event["version"] as? Int == 1 && event["rebuilt"] as? [String] == ["input:file:tank"], "\(event)")
        // Kept as the last-known-good, with nothing pending.
        #expect(rig.file("lkg.json")?["version"] as? Int == 1)
        #expect(rig.file("pending.json") == nil)
        #expect(agent.terminate() == 0)

        // A restart runs it again, broker or not (here: with the broker), and reports it unchanged.
        let reportsBefore = rig.reports.count
        let again = try rig.start()
        defer { again.terminate() }
        #expect(waitUntil(timeout: 10) { (rig.status()["config_pushed_version"] as? Int) == 1 }, "\(rig.log)")
        #expect(rig.report(1, "applied", after: reportsBefore) != nil)
        #expect(again.terminate() == 0)
    }
}
