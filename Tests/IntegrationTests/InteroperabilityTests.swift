import Foundation
import Testing
import CairnTestSupport

/// What leaves the agent, read back with other people's tools: the
/// CloudEvents SDK for Python, and Python's zlib for compressed telemetry.
@Suite struct InteroperabilityTests {
    func python(_ arguments: [String]) throws -> (Int32, String) {
        let (status, output) = try runTool(which("python3") ?? "/usr/bin/python3", arguments)
        return (status, output)
    }

    @Test func eventsAreValidCloudEventsAndTelemetryInflatesWithPythonZlib() throws {
        let setup = try StoreAndForwardTests.Setup(device: "it-interop")
        // Stop the broker so the agent also produces lost/connected events.
        let agent = try setup.agent(interval: "0.3")
        #expect(waitUntil(timeout: 10) { !setup.subscriber.payloads(topic: "\(setup.prefix)/events").isEmpty })
        setup.broker.stop()
        #expect(waitUntil(timeout: 10) { (setup.status()["connection"] as? String) == "offline" }, "\(agent.log.suffix(2000))")
        // Deliberately lets time pass: the outage must last over a second (offline_ms > 1000 below).
        Thread.sleep(forTimeInterval: 1.2)
        try setup.broker.start()
        #expect(waitUntil(timeout: 20) { setup.subscriber.payloads(topic: "\(setup.prefix)/events").contains { ($0["type"] as? String) == "io.cairn.uplink.connected" && ((($0["data"] as? [String: Any])?["offline_ms"] as? Int) ?? 0) > 1000 } },
                "no reconnect event:\n\(agent.log.suffix(3000))")
        #expect(agent.terminate() == 0)
        #expect(waitUntil(timeout: 5) { setup.subscriber.payloads(topic: "\(setup.prefix)/events").contains { ($0["type"] as? String) == "io.cairn.agent.stopped" } })

        let events = setup.subscriber.messages.filter { $0.topic == "\(setup.prefix)/events" }
        let types = Set(setup.subscriber.payloads(topic: "\(setup.prefix)/events").compactMap { $0["type"] as? String })
        #expect(types.isSuperset(of: ["io.cairn.agent.started", "io.cairn.uplink.lost", "io.cairn.uplink.connected", "io.cairn.agent.stopped"]), "\(types)")
        let eventsFile = setup.dir.file("events.jsonl")
        try Data(events.flatMap { $0.payload + [0x0A] }).write(to: URL(fileURLWithPath: eventsFile))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/validate_cloudevents.py").path
        let (status, output) = try python([script, eventsFile])
        #expect(status == 0, "CloudEvents validation failed: \(output)")
        #expect(output.contains("\(events.count) events valid"))

        // Telemetry is compressed by default; Python's zlib must read it as documented.
        let compressed = try #require(setup.subscriber.messages.first { $0.topic == setup.telemetryTopic && $0.payload.first == 0x78 })
        let payloadFile = setup.dir.file("telemetry.z")
        try Data(compressed.payload).write(to: URL(fileURLWithPath: payloadFile))
        let (zstatus, zoutput) = try python(["-c", "import json, sys, zlib; d = json.loads(zlib.decompress(open(sys.argv[1], 'rb').read())); print(d['device'], len(d['readings']))", payloadFile])
        #expect(zstatus == 0, "\(zoutput)")
        #expect(zoutput.hasPrefix("it-interop "))
    }
}
