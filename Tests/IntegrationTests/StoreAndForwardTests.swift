import Foundation
import Testing
import CairnTestSupport

/// The first vertical slice end to end: the real agent binary reads a
/// sysfs-shaped tree, queues in SQLite, and delivers to a real Mosquitto
/// that goes away and comes back.
@Suite(.serialized) struct StoreAndForwardTests {
    struct Setup {
        let dir = TemporaryDirectory("cairn-it")
        let sysfs: FakeSysfs
        let broker: Broker
        let subscriber: Subscriber
        let device: String

        init(device: String) throws {
            self.device = device
            sysfs = FakeSysfs(dir)
            sysfs.hwmon(0, name: "testchip")
            sysfs.set(hwmon: 0, "temp1_input", "40000")
            sysfs.set(hwmon: 0, "temp1_label", "Board")
            sysfs.thermal(0, type: "cpu-thermal", milliCelsius: 50000)
            broker = try Broker()
            subscriber = try Subscriber(port: broker.port, topic: "cairn/\(device)/#", log: dir.file("sub.log"))
            // The persistent subscription must exist before the agent publishes.
            _ = waitUntil(timeout: 5) { Broker.clientCount(log: broker.process?.log ?? "") >= 1 }
        }

        func agent(interval: String = "0.2", extra: [String] = []) throws -> ChildProcess {
            try AgentBinary.start([
                "run", "--broker", broker.url, "--device-id", device, "--data-dir", dir.file("data"),
                "--sysfs-root", sysfs.path, "--interval", interval, "--log-level", "debug",
                "--reconnect-min", "0.2", "--reconnect-max", "1",
            ] + extra, log: dir.file("agent.log"))
        }

        var prefix: String { "cairn/\(device)" }
        var telemetryTopic: String { "\(prefix)/telemetry" }

        func status() -> [String: Any] {
            guard let data = FileManager.default.contents(atPath: dir.file("data/status.json")) else { return [:] }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        }

        /// Highest sequence number the agent assigned, read from the queue file itself.
        func highestSequence() throws -> Int {
            let output = try sqlite(dir.file("data/queue.db"), "SELECT seq FROM sqlite_sequence WHERE name='records';")
            return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }

        func queued() throws -> Int {
            Int(try sqlite(dir.file("data/queue.db"), "SELECT count(*) FROM records;").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
    }

    @Test func outageIsBufferedAndDrainedWithEverySequenceDelivered() throws {
        let setup = try Setup(device: "it-outage")
        let agent = try setup.agent()
        defer { agent.terminate() }

        #expect(waitUntil(timeout: 15) { setup.subscriber.sequences(topic: setup.telemetryTopic).count >= 6 }, "no telemetry before the outage:\n\(agent.log)")

        setup.broker.stop()
        // Readings taken while disconnected; values change underneath.
        setup.sysfs.set(hwmon: 0, "temp1_input", "77000")
        let before = try setup.highestSequence()
        #expect(waitUntil(timeout: 15) { ((try? setup.highestSequence()) ?? 0) >= before + 20 })
        #expect(waitUntil(timeout: 5) { (setup.status()["connection"] as? String) == "offline" })
        let duringOutage = try setup.queued()
        #expect(duringOutage >= 20, "readings were not buffered while the broker was down")
        #expect(agent.isRunning)

        try setup.broker.start()
        // Everything assigned so far must arrive, and the queue must empty.
        // New readings keep arriving every 0.2 s, so wait for the backlog to be gone, not for zero.
        #expect(waitUntil(timeout: 30) { ((try? setup.queued()) ?? Int.max) <= 20 })
        let status = agent.terminate()
        #expect(status == 0, "agent exit status \(status):\n\(agent.log)")
        #expect(try setup.queued() == 0, "queue not empty after drain:\n\(agent.log)")

        let highest = try setup.highestSequence()
        let received = Set(setup.subscriber.delivered(prefix: setup.prefix))
        #expect(waitUntil(timeout: 10) { Set(setup.subscriber.delivered(prefix: setup.prefix)).count >= highest })
        let all = Set(setup.subscriber.delivered(prefix: setup.prefix))
        let missing = (1...highest).filter { !all.contains($0) }
        #expect(missing.isEmpty, "missing sequences \(missing.prefix(20)) of \(highest); had \(received.count) before the final wait")
        // The outage values arrived too.
        let values = setup.subscriber.payloads(topic: setup.telemetryTopic).flatMap { ($0["readings"] as? [[String: Any]]) ?? [] }
            .filter { ($0["sensor"] as? String) == "hwmon/testchip/temp1" }.compactMap { $0["value"] as? Double }
        #expect(values.contains(40) && values.contains(77))
    }

    @Test func retainedStateGoesOnlineThenOfflineOnCleanStop() throws {
        let setup = try Setup(device: "it-state")
        let agent = try setup.agent(interval: "1")
        #expect(waitUntil(timeout: 10) { setup.subscriber.lines.contains { $0.hasPrefix("cairn/it-state/state {\"state\":\"online\"") } })
        #expect(agent.terminate() == 0)
        #expect(waitUntil(timeout: 5) { setup.subscriber.lines.contains { $0.hasPrefix("cairn/it-state/state {\"state\":\"offline\"") } })
        // Retained: a late subscriber sees the last state without the agent running.
        let late = try Subscriber(port: setup.broker.port, topic: "cairn/it-state/state", log: setup.dir.file("late.log"), extra: ["-C", "1"])
        #expect(waitUntil(timeout: 5) { !late.process.isRunning })
        #expect(late.lines.first?.hasPrefix("cairn/it-state/state {\"state\":\"offline\"") == true)
    }

    @Test func lastWillMarksAKilledAgentOffline() throws {
        let setup = try Setup(device: "it-will")
        let agent = try setup.agent(interval: "1", extra: ["--keepalive", "5"])
        #expect(waitUntil(timeout: 10) { setup.subscriber.lines.contains { $0.hasPrefix("cairn/it-will/state {\"state\":\"online\"") } })
        agent.killHard()
        // The broker publishes the Will when the socket closes without DISCONNECT.
        #expect(waitUntil(timeout: 10) { setup.subscriber.lines.contains { $0.hasPrefix("cairn/it-will/state {\"state\":\"offline\"") } })
    }

    @Test func sequenceNumbersContinueAcrossRestartsAndSIGKILL() throws {
        let setup = try Setup(device: "it-restart")
        setup.broker.stop()
        // Offline from the start: everything goes to the queue.
        var agent = try setup.agent()
        #expect(waitUntil(timeout: 10) { ((try? setup.highestSequence()) ?? 0) >= 10 })
        agent.killHard()
        let afterKill = try setup.highestSequence()
        #expect(try setup.queued() == afterKill, "a committed reading was lost by SIGKILL")

        agent = try setup.agent()
        #expect(waitUntil(timeout: 10) { ((try? setup.highestSequence()) ?? 0) >= afterKill + 10 })
        #expect(agent.terminate() == 0)
        agent = try setup.agent()
        try setup.broker.start()
        #expect(waitUntil(timeout: 30) { ((try? setup.queued()) ?? -1) == 0 })
        #expect(agent.terminate() == 0)
        let highest = try setup.highestSequence()
        #expect(waitUntil(timeout: 10) { Set(setup.subscriber.delivered(prefix: setup.prefix)).isSuperset(of: Set(1...highest)) },
                "not every sequence 1…\(highest) arrived; missing \(Set(1...highest).subtracting(setup.subscriber.delivered(prefix: setup.prefix)).sorted().prefix(30)):\n\(setup.subscriber.lines.prefix(3))\n\(agent.log.suffix(3000))")
        // Sequence numbers are unique per reading: no number was reused after a restart.
        let bodies = setup.subscriber.payloads(topic: setup.telemetryTopic).flatMap { ($0["readings"] as? [[String: Any]]) ?? [] }
        var timeBySeq: [Int: Double] = [:]
        for reading in bodies where (reading["sensor"] as? String) == "thermal/cpu-thermal" {
            if let seq = reading["seq"] as? Int, let time = reading["time"] as? Double {
                if let seen = timeBySeq[seq] { #expect(seen == time, "sequence \(seq) reused") }
                timeBySeq[seq] = time
            }
        }
    }
}

extension StoreAndForwardTests {
    /// CPU seconds (user + system) a process has used, from /proc/<pid>/stat.
    /// CPU time (user + system) of a process, nil when it cannot be read.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test func aFailingSensorRaisesAnEventAndItsRecoveryAnother() throws {
        let setup = try Setup(device: "it-sensor")
        let agent = try setup.agent(interval: "0.3")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 10) { !setup.subscriber.sequences(topic: setup.telemetryTopic).isEmpty })
        setup.sysfs.set(hwmon: 0, "temp1_input", "not a number")
        let events = { setup.subscriber.payloads(topic: "\(setup.prefix)/events") }
        #expect(waitUntil(timeout: 10) { events().contains { ($0["type"] as? String) == "io.cairn.sensor.failed" && ($0["subject"] as? String) == "hwmon/testchip/temp1" } },
                "\(agent.log.suffix(2000))")
        #expect(agent.isRunning)
        // The retained meta document is republished with the sensor's health.
        let health = { (payload: [String: Any]) -> String? in
            ((payload["sensors"] as? [[String: Any]]) ?? []).first { ($0["id"] as? String) == "hwmon/testchip/temp1" }?["health"] as? String
        }
        #expect(waitUntil(timeout: 5) { setup.subscriber.payloads(topic: "\(setup.prefix)/meta").last.flatMap(health) == "failing" })
        let metaCount = setup.subscriber.payloads(topic: "\(setup.prefix)/meta").count
        setup.sysfs.set(hwmon: 0, "temp1_input", "41000")
        #expect(waitUntil(timeout: 10) { events().contains { ($0["type"] as? String) == "io.cairn.sensor.recovered" && ($0["subject"] as? String) == "hwmon/testchip/temp1" } })
        // One failure episode, one event each way, however many reads it lasted.
        #expect(events().filter { ($0["type"] as? String) == "io.cairn.sensor.failed" }.count == 1)
        #expect(waitUntil(timeout: 5) { setup.subscriber.payloads(topic: "\(setup.prefix)/meta").last.flatMap(health) == "ok" })
        // Meta is published on change, not on every read: a few seconds of steady reads add nothing.
        // (Deliberately lets 2 s pass: nothing may happen during it.)
        Thread.sleep(forTimeInterval: 2)
        #expect(setup.subscriber.payloads(topic: "\(setup.prefix)/meta").count == metaCount + 1)
    }

    /// A clean stop frees the agent, which closes the queue: SQLite checkpoints and
    /// removes its -wal and -shm files when the last connection closes. (The event
    /// loop's closures used to keep the agent alive to the end of the process.)
    @Test func aCleanStopClosesTheQueue() throws {
        let setup = try Setup(device: "it-close")
        let agent = try setup.agent()
        #expect(waitUntil(timeout: 10) { ((try? setup.highestSequence()) ?? 0) >= 5 })
        #expect(FileManager.default.fileExists(atPath: setup.dir.file("data/queue.db-wal")))
        #expect(agent.terminate() == 0, "\(agent.log.suffix(2000))")
        for suffix in ["-wal", "-shm"] {
            #expect(!FileManager.default.fileExists(atPath: setup.dir.file("data/queue.db\(suffix)")), "queue.db\(suffix) left behind")
        }
    }

    /// An agent with nothing to do sleeps in poll(): no busy loop, online or offline.
    @Test func anIdleAgentSleeps() throws {
        let setup = try Setup(device: "it-idle")
        let agent = try setup.agent(interval: "2")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 10) { (setup.status()["connection"] as? String) == "online" })
        // The agent's CPU time must be readable: a test that cannot measure it fails.
        let before = try #require(StoreAndForwardTests.cpuSeconds(agent.pid), "cannot read /proc/\(agent.pid)/stat")
        // Deliberately lets 4 s pass: the CPU used over an interval is what is measured.
        Thread.sleep(forTimeInterval: 4)
        let online = try #require(StoreAndForwardTests.cpuSeconds(agent.pid)) - before
        // A spinning loop burns ~4 s of CPU here; an idle agent a few milliseconds.
        #expect(online >= 0 && online < 0.5, "idle agent used \(online) s of CPU in 4 s while online")
        setup.broker.stop()
        #expect(waitUntil(timeout: 10) { (setup.status()["connection"] as? String) == "offline" }, "\(agent.log.suffix(2000))")
        let offlineStart = try #require(StoreAndForwardTests.cpuSeconds(agent.pid))
        // Deliberately lets 4 s pass, as above.
        Thread.sleep(forTimeInterval: 4)
        let offline = try #require(StoreAndForwardTests.cpuSeconds(agent.pid)) - offlineStart
        #expect(offline >= 0 && offline < 0.5, "idle agent used \(offline) s of CPU in 4 s while offline")
    }
}

extension Broker {
    /// How many clients the broker has logged as connected (to wait for the subscriber).
    static func clientCount(log: String) -> Int {
        log.components(separatedBy: "New client connected").count - 1
    }
}

/// Runs the sqlite3 shell against a queue file (read-only use while the agent runs: WAL allows it).
func sqlite(_ path: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: which("sqlite3") ?? "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = Pipe()
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
