import Foundation
import Testing
import CairnTestSupport

/// The agent's status server, as a technician's laptop and a local Prometheus reach it:
/// `/metrics` checked by promtool, `/healthz` following the broker and the disk,
/// `/api/status` against `cairn status --json`, and the token.
@Suite(.serialized) struct StatusServerTests {
    /// An agent on a sysfs tree with a status port of its own.
    final class Rig {
        let dir = TemporaryDirectory("cairn-status-server")
        let sysfs: FakeSysfs
        let port = freeLoopbackPort()
        var agent: ChildProcess?

        init(chips: Int = 1, channels: Int = 2) {
            sysfs = FakeSysfs(dir)
            for chip in 0..<chips {
                sysfs.hwmon(chip, name: "chip\(chip)")
                for channel in 1...channels { sysfs.set(hwmon: chip, "temp\(channel)_input", "\(20_000 + channel * 1000)") }
            }
        }

        func start(_ extra: [String], dataDir: String? = nil) throws {
            agent = try AgentBinary.start(["run", "--device-id", "it-status", "--data-dir", dataDir ?? dir.file("data"),
                                           "--sysfs-root", sysfs.path, "--status-listen", "127.0.0.1:\(port)"] + extra,
                                          log: dir.file("agent.log"))
            #expect(waitUntil(timeout: 30) { Broker.accepts(port: self.port) }, "\(log)")
        }

        func get(_ path: String, token: String? = nil) -> (status: Int, headers: [String: String], body: String) {
            (try? LoopbackHTTP.get(port: port, path: path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:]))
                ?? (0, [:], "")
        }

        var log: String { agent?.log ?? "" }
        deinit { _ = agent?.terminate() }
    }

    /// `name{labels} value` lines of an exposition, sample name with labels → value.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }

    @Test func metricsPassPromtoolAfterAlarmsLossesAndAnOutageAndCountersOnlyGrow() throws {
        let rig = Rig(chips: 4, channels: 8)
        let broker = try Broker()
        broker.stop()
        // Offline with a small budget and fast reads: telemetry is evicted (counted losses); an alarm is raised.
        rig.dir.write("cairn.json", #"{"rules": [{"name": "hot", "match": "hwmon/chip0/temp1", "above": 20, "clear": 19}]}"#)
        try rig.start(["--config", rig.dir.file("cairn.json"), "--broker", broker.url, "--interval", "0.02",
                       "--queue-budget-mb", "0.0625", "--reconnect-min", "0.1", "--reconnect-max", "0.5"])
        #expect(waitUntil(timeout: 60) {
            let sample = StatusServerTests.samples(rig.get("/metrics").body)
            return (sample[#"cairn_queue_lost_records_total{stream="telemetry",reason="evicted"}"#] ?? 0) > 0
        }, "\(rig.get("/metrics").body)\n\(rig.log)")
        try broker.start()
        #expect(waitUntil(timeout: 30) { (StatusServerTests.samples(rig.get("/metrics").body)["cairn_uplink_puback_seconds_count"] ?? 0) > 0 },
                "\(rig.log)")
        let first = rig.get("/metrics")
        #expect(first.status == 200)
        #expect(first.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let (code, printed) = try promtoolCheckMetrics(first.body)
        #expect(code == 0 && printed.isEmpty, "promtool check metrics: \(printed)\n\(first.body)")
        let before = StatusServerTests.samples(first.body)
        #expect(before.first { $0.key.hasPrefix("cairn_build_info{") }?.value == 1, "\(first.body)")
        #expect(before["cairn_alarms_active"] == 1)
        #expect((before["cairn_uplink_records_delivered_total"] ?? 0) > 0)
        #expect(before.keys.contains { $0.hasPrefix(#"cairn_sensor_value{sensor="hwmon/chip0/temp1""#) })

        #expect(waitUntil(timeout: 30) { (StatusServerTests.samples(rig.get("/metrics").body)["cairn_readings_taken_total"] ?? 0) > (before["cairn_readings_taken_total"] ?? 0) })
        // Every metric the agent exposes is in the table of docs/status.md.
        let doc = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                                .deletingLastPathComponent().appendingPathComponent("docs/status.md").path, encoding: .utf8)
        for line in first.body.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let name = line.split(separator: " ")[2]
            #expect(doc.contains("| `\(name)` |"), "docs/status.md does not list \(name)")
        }
        let after = StatusServerTests.samples(rig.get("/metrics").body)
        for (name, value) in before where name.contains("_total") || name.hasSuffix("_count") || name.contains("_bucket{") {
            #expect((after[name] ?? -1) >= value, "\(name) went from \(value) to \(after[name] ?? -1)")
        }
    }

    @Test func healthzTurnsUnhealthyWhenTheBrokerIsGonePastTheLimitAndHealthyAgain() throws {
        let rig = Rig()
        let broker = try Broker()
        try rig.start(["--broker", broker.url, "--interval", "0.2", "--health-offline-limit", "1", "--reconnect-min", "0.1", "--reconnect-max", "0.5"])
        #expect(waitUntil(timeout: 30) { rig.get("/healthz").status == 200 }, "\(rig.get("/healthz"))\n\(rig.log)")
        broker.stop()
        #expect(waitUntil(timeout: 30) { rig.get("/healthz").status == 503 })
        let unhealthy = rig.get("/healthz")
        #expect(unhealthy.body.contains("no broker connection for"), "\(unhealthy.body)")
        try broker.start()
        #expect(waitUntil(timeout: 30) { rig.get("/healthz").status == 200 }, "\(rig.get("/healthz").body)\n\(rig.log)")
    }

    @Test(.enabled(if: geteuid() == 0, "mounting a small tmpfs needs root"))
    func healthzReportsAFullDiskAndRecoversWhenSpaceReturns() throws {
        let rig = Rig(chips: 2, channels: 8)
        let broker = try Broker()
        broker.stop()
        let small = rig.dir.file("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        #expect((try? runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", small]))?.status == 0)
        defer { _ = try? runTool("/bin/umount", ["-l", small]) }
        try rig.start(["--broker", broker.url, "--interval", "0.02", "--health-offline-limit", "3600"], dataDir: small + "/data")
        #expect(waitUntil(timeout: 30) { rig.get("/healthz").status == 200 }, "\(rig.get("/healthz").body)\n\(rig.log)")
        // Something else on the card takes the rest of the space.
        let filler = small + "/filler"
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        while (try? handle.write(contentsOf: Data(count: 64 * 1024))) != nil {}
        try handle.close()
        #expect(waitUntil(timeout: 60) { rig.get("/healthz").body.contains("storage failing") }, "\(rig.get("/healthz").body)\n\(rig.log)")
        #expect(rig.get("/healthz").status == 503)
        try FileManager.default.removeItem(atPath: filler)
        #expect(waitUntil(timeout: 30) { rig.get("/healthz").status == 200 }, "\(rig.get("/healthz").body)\n\(rig.log)")
    }


    @Test func aTokenGuardsEveryPathAndAnOpenAddressNeedsOne() throws {
        let rig = Rig()
        let token = "tok-status-0123456789abcdef"
        try rig.start(["--broker", "mqtt://127.0.0.1:9", "--status-token", token])
        for path in ["/", "/metrics", "/healthz", "/api/status"] {
            #expect(rig.get(path).status == 401, "\(path) without a token")
            #expect(rig.get(path, token: token + "x").status == 401, "\(path) with a wrong token")
            #expect(rig.get(path, token: token).status != 401, "\(path) with the token")
        }
        #expect(!rig.log.contains(token))
        let (code, output) = try AgentBinary.run(["run", "--data-dir", rig.dir.file("other"), "--status-listen", "0.0.0.0:\(freeLoopbackPort())"],
                                                 directory: rig.dir)
        #expect(code == 2 && output.contains("status_token"), "\(output)")
        let (short, shortOutput) = try AgentBinary.run(["run", "--data-dir", rig.dir.file("other"), "--status-token", "short"], directory: rig.dir)
        #expect(short == 2 && shortOutput.contains("at least 16 characters"), "\(shortOutput)")
    }

    @Test func apiStatusServesTheDocumentOfStatusJSON() throws {
        let rig = Rig()
        try rig.start(["--broker", "mqtt://127.0.0.1:9", "--interval", "0.2"])
        #expect(waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: rig.dir.file("data/status.json")) })
        let served = try #require(try JSONSerialization.jsonObject(with: Data(rig.get("/api/status").body.utf8)) as? [String: Any])
        let (code, printed) = try AgentBinary.run(["status", "--json", "--data-dir", rig.dir.file("data")], directory: rig.dir)
        #expect(code == 0)
        let file = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any], "\(printed)")
        #expect(Set(served.keys) == Set(file.keys))
        #expect(file["running"] as? Bool == true && served["device"] as? String == "it-status")
        let sensors = try #require(served["sensors"] as? [[String: Any]])
        #expect(sensors.contains { $0["id"] as? String == "hwmon/chip0/temp1" && $0["value"] as? Double == 21 }, "\(sensors)")
        _ = rig.agent?.terminate()
        let (_, stopped) = try AgentBinary.run(["status", "--json", "--data-dir", rig.dir.file("data")], directory: rig.dir)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(stopped.utf8)) as? [String: Any], "\(stopped)")
        #expect(last["running"] as? Bool == false)
    }
}

/// Clients that misbehave on purpose: an oversized head, a burst of 1,000 requests,
/// and slowloris connections from several addresses holding every slot. The agent
/// keeps reading and delivering (every sequence number arrives), its memory stays
/// bounded, and the page is served again once the idle timeout frees the slots.
@Suite(.serialized) struct StatusServerHostileClientTests {
    static func rssKiB(_ pid: Int32) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    @Test func burstsOversizedHeadsAndSlowClientsStopNeitherReadingNorDelivery() throws {
        let setup = try StoreAndForwardTests.Setup(device: "it-hostile")
        let port = freeLoopbackPort()
        let agent = try setup.agent(interval: "0.1", extra: ["--status-listen", "127.0.0.1:\(port)", "--health-interval", "0"])
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 30) { Broker.accepts(port: port) && !setup.subscriber.delivered(prefix: setup.prefix).isEmpty }, "\(agent.log)")
        // Warm up, so the first scrape's allocations are not counted as growth.
        for _ in 0..<20 { _ = try? LoopbackHTTP.get(port: port, path: "/") }
        let rssBefore = StatusServerHostileClientTests.rssKiB(agent.pid)
        let deliveredBefore = setup.subscriber.delivered(prefix: setup.prefix).count

        let oversized = LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: port, [
            "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: \(String(repeating: "a", count: 16 * 1024))\r\n\r\n"]))
        #expect(oversized.status == 431, "\(oversized.status) \(oversized.body)")
        let posted = try LoopbackHTTP.post(port: port, path: "/metrics", body: String(repeating: "x", count: 100_000))
        #expect(posted.status == 405 || posted.status == 413, "\(posted.status)")

        // 1,000 requests from 8 clients at once: each is answered or, past the
        // per-address limit, closed at once; none is left hanging.
        let lock = NSLock()
        var answered = 0, refused = 0
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<125 {
                let status = (try? LoopbackHTTP.get(port: port, path: "/metrics").status) ?? 0
                lock.lock()
                if status == 200 { answered += 1 } else { refused += 1 }
                lock.unlock()
            }
        }
        #expect(answered + refused == 1000 && answered > 0, "answered \(answered), refused \(refused)")

        // Slowloris: 8 connections from each of 5 loopback addresses, each with half a request head.
        var slow: [Int32] = []
        for source in 2...6 {
            for _ in 0..<8 {
                guard let fd = try? LoopbackHTTP.connection(port: port, from: "127.0.0.\(source)") else { continue }
                _ = Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                slow.append(fd)
            }
        }
        defer { for fd in slow { close(fd) } }
        #expect(slow.count >= 16, "\(slow.count) slow connections")
        // Readings go on while every slot is held; the page is served again once the idle timeout (10 s) frees them.
        #expect(waitUntil(timeout: 30) { setup.subscriber.delivered(prefix: setup.prefix).count > deliveredBefore + 50 })
        #expect(waitUntil(timeout: 40, interval: 1) { (try? LoopbackHTTP.get(port: port, path: "/healthz").status) == 200 }, "\(agent.log.suffix(2000))")

        // Under AddressSanitizer (scripts/sanitize) freed memory is held in quarantine, so RSS says
        // nothing about the agent there; LeakSanitizer checks that run for leaks instead.
        if ProcessInfo.processInfo.environment["ASAN_OPTIONS"] == nil {
            let rssAfter = StatusServerHostileClientTests.rssKiB(agent.pid)
            #expect(rssAfter - rssBefore < 4096, "RSS grew from \(rssBefore) KiB to \(rssAfter) KiB")
        }
        #expect(agent.terminate() == 0)
        // Nothing was lost on the way: every number up to the highest arrived (or is still queued).
        let highest = try setup.highestSequence()
        let stillQueued = Set(try sqlite(setup.dir.file("data/queue.db"), "SELECT seq FROM records;").split(separator: "\n").compactMap { Int($0) })
        _ = waitUntil(timeout: 10) { Set(setup.subscriber.delivered(prefix: setup.prefix)).union(stillQueued).count >= highest }
        let missing = Set(1...highest).subtracting(setup.subscriber.delivered(prefix: setup.prefix)).subtracting(stillQueued)
        #expect(missing.isEmpty, "\(missing.count) sequence numbers missing: \(missing.sorted().prefix(20))")
    }
}
