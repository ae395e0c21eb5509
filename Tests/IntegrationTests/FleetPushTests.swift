import Foundation
import Testing
import CairnTestSupport

/// Issue 11: `cairn ctl push` to 50 real agents on one broker, the table checked.
/// Unlike the responder-based tests beside it, every device here is a `cairn run`
/// process (the static binary under qemu-user too, with scripts/test-binary), each
/// with its own data directory and device id, idling on a long interval.
extension ControllerTests {
    /// One agent of the fleet: its local file, data directory and process.
    final class FleetAgent {
        let id: String
        let dir: TemporaryDirectory
        let sysfs: String
        let process: ChildProcess

        init(id: String, broker: QuickBroker, sysfs: String, in dir: TemporaryDirectory, extra: String = "") throws {
            self.id = id
            self.dir = dir
            self.sysfs = sysfs
            // reconnect_* in the file (not flags, which a push could not override): see the third push.
            dir.write("\(id)/cairn.json", #"{"broker": "\#(broker.url)", "interval": 3600, "inputs": [{"type": "hwmon"}], "#
                + (extra.isEmpty ? #""reconnect_min": 0.2, "reconnect_max": 1"# : extra) + "}\n")
            process = try AgentBinary.start(["run"] + FleetAgent.arguments(id, dir, sysfs), log: dir.file("\(id)/agent.log"))
        }

        static func arguments(_ id: String, _ dir: TemporaryDirectory, _ sysfs: String) -> [String] {
            ["--config", dir.file("\(id)/cairn.json"), "--device-id", id, "--data-dir", dir.file("\(id)/data"), "--sysfs-root", sysfs]
        }

        var log: String { process.log }

        func status() -> [String: Any] {
            guard let data = FileManager.default.contents(atPath: dir.file("\(id)/data/status.json")) else { return [:] }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        }

        /// `cairn config show` on this device's file and data directory.
        func configShow() throws -> (Int32, String) {
            try AgentBinary.run(["config", "show"] + FleetAgent.arguments(id, dir, sysfs), directory: dir)
        }

        /// How many times the log says a pushed version was applied and confirmed.
        func confirmations(_ version: Int) -> Int {
            log.components(separatedBy: "pushed configuration version \(version) applied and confirmed").count - 1
        }
    }

    /// The latest retained/live `state` per device seen by a `cairn/+/state` subscriber.
    static func presence(_ subscriber: Subscriber) -> [String: String] {
        var states: [String: String] = [:]
        for line in subscriber.lines {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].hasSuffix("/state"), parts[0].hasPrefix("cairn/") else { continue }
            let device = String(parts[0].dropFirst(6).dropLast(6))
            let json = (try? JSONSerialization.jsonObject(with: Data(parts[1].utf8))) as? [String: Any]
            states[device] = json?["state"] as? String ?? "?"
        }
        return states
    }

    @Test func pushTo50RealAgentsAppliesOnceAgainIsANoOpAndARejectionShows() throws {
        let broker = try quickBroker()
        let fleetDir = TemporaryDirectory("cairn-fleet")
        let sysfs = FakeSysfs(fleetDir)
        sysfs.hwmon(0, name: "testchip")
        sysfs.set(hwmon: 0, "temp1_input", "40000")
        let subscriber = try Subscriber(port: broker.port, topic: "cairn/+/state", log: fleetDir.file("state.log"))
        let ids = (1...50).map { String(format: "fleet-%02d", $0) }
        // The last one cannot take the third push: its reconnect_min is above that document's reconnect_max.
        let strict = ids[49]
        let file = fleetDir.file("devices.txt")
        fleetDir.write("devices.txt", "# 50 real agents\n" + ids.joined(separator: "\n") + "\n")

        var agents: [FleetAgent] = []
        // Every agent is stopped, whatever happens: SIGTERM to all first (they stop in parallel), then each waited for.
        defer {
            for agent in agents where agent.process.isRunning { agent.process.signal(SIGTERM) }
            for agent in agents { agent.process.terminate(timeout: 30) }
        }
        let startClock = Date()
        for id in ids {
            agents.append(try FleetAgent(id: id, broker: broker, sysfs: sysfs.path, in: fleetDir,
                                         extra: id == strict ? #""reconnect_min": 2, "reconnect_max": 10"# : ""))
        }
        // 50 processes (qemu-user ones, with the static ARM binaries) on a shared 2-core machine: a generous bound.
        let allOnline = waitUntil(timeout: 240, interval: 0.5) {
            let states = Self.presence(subscriber)
            return ids.allSatisfy { states[$0] == "online" } || agents.contains { !$0.process.isRunning }
        }
        let states = Self.presence(subscriber)
        let offline = ids.filter { states[$0] != "online" }
        try #require(allOnline && offline.isEmpty,
                     "not online: \(offline); exited: \(agents.filter { !$0.process.isRunning }.map { "\($0.id): \($0.log.suffix(500))" })")
        print("50 real agents online in \(String(format: "%.1f", Date().timeIntervalSince(startClock))) s")

        // 1. A document that changes the interval (3600 → 1800 s): every device applies it.
        dir.write("v1.json", #"{"version": 1, "config": {"interval": 1800}}"# + "\n")
        let pushStarted = Date()
        let (status, output) = try ctl(["push", "--broker", broker.url, "--devices", file, "--timeout", "180", dir.file("v1.json")])
        let pushSeconds = Date().timeIntervalSince(pushStarted)
        print("ctl push to 50 real agents: \(String(format: "%.2f", pushSeconds)) s wall (binary \(AgentBinary.path)"
              + "\(AgentBinary.wrapper.map { " under \($0)" } ?? "")); ctl says: \(output.split(separator: "\n").last ?? "")")
        #expect(status == 0, "\(output)")
        var rows = table(output)
        #expect(rows.count == 50, "\(output)")
        for id in ids { #expect(rows[id] == ["1", "applied"], "\(id): \(rows[id] ?? [])") }
        #expect(output.hasPrefix("DEVICE "), "\(output)")
        #expect(output.contains("\nversion 1 to 50 devices in ") && output.hasSuffix(": 50 applied\n"), "\(output)")
        // Rows in the file's order.
        #expect(output.split(separator: "\n").dropFirst().prefix(50).map { String($0.prefix(8)) } == ids, "\(output)")
        // The devices run it: status.json is written again a second after the status period changes.
        let sample = [agents[0], agents[17], agents[33], agents[49]]
        for agent in sample {
            #expect(waitUntil(timeout: 30) { agent.status()["config_pushed_version"] as? Int == 1 }, "\(agent.id): \(agent.status())\n\(agent.log.suffix(1500))")
            #expect((agent.status()["config_version"] as? String)?.hasPrefix("push:1:") == true, "\(agent.id): \(agent.status())")
        }
        #expect(waitUntil(timeout: 30) { agents.allSatisfy { $0.confirmations(1) == 1 } },
                "\(agents.filter { $0.confirmations(1) != 1 }.map(\.id))")

        // 2. The same file again: nothing is published, every device already reports version 1 applied.
        let reported = try retained(broker, "cairn/\(ids[5])/config/reported")
        let againStarted = Date()
        let (again, second) = try ctl(["push", "--broker", broker.url, "--devices", file, "--timeout", "180", dir.file("v1.json")])
        print("ctl push again (a no-op) to 50 real agents: \(String(format: "%.2f", Date().timeIntervalSince(againStarted))) s wall")
        #expect(again == 0, "\(second)")
        rows = table(second)
        #expect(rows.count == 50 && ids.allSatisfy { rows[$0] == ["1", "applied"] }, "\(second)")
        #expect(second.hasSuffix(": 50 applied (50 already desired: not published again)\n"), "\(second)")
        #expect(try retained(broker, "cairn/\(ids[5])/config/reported") == reported)

        // 3. Version 2 lowers reconnect_max to 1 (what 49 files say already) and the interval to 1200 s:
        //    the strict device's reconnect_min (2) is above it, so it rejects the document and keeps version 1.
        dir.write("v2.json", #"{"version": 2, "config": {"interval": 1200, "reconnect_max": 1}}"# + "\n")
        let (third, output3) = try ctl(["push", "--broker", broker.url, "--devices", file, "--timeout", "180", dir.file("v2.json")])
        #expect(third == 1, "\(output3)")
        rows = table(output3)
        #expect(rows.count == 50, "\(output3)")
        for id in ids where id != strict { #expect(rows[id] == ["2", "applied"], "\(id): \(rows[id] ?? [])") }
        #expect(rows[strict]?.prefix(2) == ["2", "rejected"], "\(output3)")
        #expect(rows[strict]?.last?.contains("reconnect_max must not be less than reconnect_min") == true, "\(output3)")
        #expect(output3.hasSuffix(": 49 applied, 1 rejected\n"), "\(output3)")
        #expect(waitUntil(timeout: 30) { agents[0].status()["config_pushed_version"] as? Int == 2 }, "\(agents[0].status())")
        #expect(agents.allSatisfy { $0.process.isRunning }, "\(agents.filter { !$0.process.isRunning }.map(\.id))")

        // Stopped (SIGTERM, all at once): each exits cleanly and writes its final status.
        for agent in agents { agent.process.signal(SIGTERM) }
        for agent in agents {
            let code = agent.process.terminate(timeout: 30)
            #expect(code == 0, "\(agent.id) exited with \(code): \(agent.log.suffix(1000))")
        }
        #expect(agents[49].status()["config_pushed_version"] as? Int == 1, "\(agents[49].status())")
        #expect((agents[49].status()["config_last_error"] as? String)?.contains("reconnect_max must not be less than reconnect_min") == true,
                "\(agents[49].status())")
        for agent in [agents[0], agents[33]] {
            #expect(agent.status()["config_pushed_version"] as? Int == 2, "\(agent.id): \(agent.status())")
        }
        // `cairn config show`: the interval in force comes from the pushed layer (version 2, or 1 on the strict device).
        for (agent, expected) in [(agents[0], "push version 2 1200"), (agents[33], "push version 2 1200"), (agents[49], "push version 1 1800")] {
            let (code, shown) = try agent.configShow()
            #expect(code == 0, "\(shown)")
            let interval = shown.split(separator: "\n").first { $0.hasPrefix("interval ") }
                .map { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().prefix(4).joined(separator: " ") }
            #expect(interval == expected, "\(agent.id): \(shown)")
        }
    }
}
