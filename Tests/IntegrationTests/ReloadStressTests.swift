import Foundation
import Testing
import CairnTestSupport

/// Many reloads in a row against a running agent: nothing leaks, nothing is
/// skipped or stored twice.
@Suite(.serialized) struct ReloadStressTests {
    static func descriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// The count once it holds still (a probe connection to an endpoint closes a moment later).
    static func settledDescriptors(_ pid: Int32) -> Int {
        var last = -1, now = -2
        _ = waitUntil(timeout: 5, interval: 0.3) {
            (last, now) = (now, descriptors(pid))
            return last == now
        }
        return now
    }

    static func loopCounts(_ rig: ReloadTests.Rig) -> [String: Int] {
        // cairn_event_loop_registrations{kind="sources"} … in the status document's metrics.
        ((rig.status()["metrics"] as? [String: Any]) ?? [:]).filter { $0.key.hasPrefix("cairn_event_loop_registrations{") }
            .compactMapValues { $0 as? Int }
    }

    @Test func aHundredReloadsLeaveDescriptorsAndLoopRegistrationsAsTheyWere() throws {
        let cloud = try Broker(), lan = try Broker()
        let rig = ReloadTests.Rig(device: "it-reload-100")
        rig.dir.write("v", "3\n")
        let ports = [freeLoopbackPort(), freeLoopbackPort()]
        // Every reload changes inputs (an http port, an mqtt topic: a new southbound link), a pipeline, a rule and both timers.
        func config(_ i: Int) -> String {
            """
            {"broker": "\(cloud.url)", "southbound_broker": "\(lan.url)", "interval": \(i == 0 ? 6 : 7), "health_interval": \(30 + i),
             "batch_size": \(50 + i),
             "inputs": [{"type": "hwmon"}, {"type": "file", "name": "v\(i)", "path": "\(rig.dir.file("v"))", "interval": 0.5},
                        {"type": "http", "port": \(ports[i])}, {"type": "mqtt", "topic": "lan/\(i)/+"}],
             "pipelines": [{"match": "v*", "stages": [{"type": "deadband", "absolute": \(i + 1)}]}],
             "rules": [{"name": "r\(i)", "match": "v*", "above": 100}]}
            """
        }
        let agent = try rig.start(config(0))
        defer { agent.terminate() }
        let steady = {
            rig.text("connection") == "online" && rig.text("southbound") == "online" && Broker.accepts(port: ports[0]) && !Broker.accepts(port: ports[1])
        }
        // One full cycle first, so both configurations have been built once.
        #expect(rig.reload(config(1), applied: 1) && rig.reload(config(0), applied: 2), "\(rig.log.suffix(3000))")
        #expect(waitUntil(timeout: 15) { steady() }, "\(rig.status())")
        let loop = ReloadStressTests.loopCounts(rig)
        let descriptors = ReloadStressTests.settledDescriptors(agent.pid)
        #expect(descriptors > 0 && !loop.isEmpty)

        for n in 3...102 {
            // Odd reloads go to config(1), even ones back to config(0), where it ends.
            guard rig.reload(config(n % 2), applied: n) else {
                Issue.record("reload \(n) not applied: \(rig.status())\n\(rig.log.suffix(3000))")
                return
            }
        }
        #expect(waitUntil(timeout: 15) { steady() }, "\(rig.status())")
        #expect(rig.metric(#"cairn_config_reloads_total{result="refused"}"#) == 0)
        #expect(ReloadStressTests.loopCounts(rig) == loop)
        #expect(waitUntil(timeout: 5) { ReloadStressTests.settledDescriptors(agent.pid) == descriptors },
                "descriptors \(descriptors) → \(ReloadStressTests.descriptors(agent.pid))")
        #expect(agent.isRunning)
        #expect(agent.terminate() == 0)
    }

    @Test func readingsEvery50msThroughTwentyReloadsKeepEachSequenceNumberOnce() throws {
        let rig = ReloadTests.Rig(device: "it-reload-seq")
        rig.dir.write("a", "1\n")
        // No broker: everything stays in the queue, to be read back from the file.
        let offline = "mqtt://127.0.0.1:\(freeLoopbackPort())"
        func config(_ i: Int) -> String {
            """
            {"broker": "\(offline)", "interval": 0.05, "queue_commit_interval": 0.2,
             "inputs": [{"type": "hwmon"}, {"type": "file", "name": "f\(i)", "path": "\(rig.dir.file("a"))"}],
             "pipelines": [{"match": "hwmon/*", "stages": [{"type": "scale", "factor": \(i + 1)}]}]}
            """
        }
        let agent = try rig.start(config(0))
        defer { agent.terminate() }
        let stored = { Int((try? sqlite(rig.dir.file("data/queue.db"), "SELECT count(*) FROM records;"))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0 }
        #expect(waitUntil(timeout: 10) { stored() >= 20 }, "\(rig.log)")
        for n in 1...20 {
            #expect(rig.reload(config(n % 2), applied: n), "\(rig.log.suffix(2000))")
        }
        let before = stored()
        #expect(waitUntil(timeout: 10) { stored() >= before + 20 })
        #expect(agent.terminate() == 0)

        let bodies = try expectEverySequenceOnce(rig.dir.file("data/queue.db"), atLeast: 60, log: rig.log)
        #expect(bodies.contains("\"f0\"") && bodies.contains("\"f1\""))
        #expect(rig.metric(#"cairn_config_reloads_total{result="refused"}"#) == 0)
    }
}
