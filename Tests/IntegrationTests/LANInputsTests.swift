import Foundation
import Testing
import CairnTestSupport

/// Readings that LAN devices push — through a southbound Mosquitto and through
/// the HTTP ingest endpoint — reaching the cloud broker, and alarm actions
/// published on the LAN broker while the cloud is unreachable.
@Suite(.serialized) struct LANInputsTests {
    let dir = TemporaryDirectory("cairn-lan")

    func status() -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: dir.file("data/status.json")) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// A series of the status document's `metrics` (named as on /metrics).
    func metric(_ name: String) -> Int? { (status()["metrics"] as? [String: Any])?[name] as? Int }

    func agent(cloud: Int, config: String, device: String) throws -> ChildProcess {
        dir.write("cairn.json", config)
        dir.write("nosys/.keep", "")
        return try AgentBinary.start([
            "run", "--config", dir.file("cairn.json"), "--broker", "mqtt://127.0.0.1:\(cloud)", "--device-id", device,
            "--data-dir", dir.file("data"), "--sysfs-root", dir.file("nosys"), "--interval", "0.5", "--log-level", "debug",
            "--reconnect-min", "0.2", "--reconnect-max", "1", "--health-interval", "0",
        ], log: dir.file("agent.log"))
    }

    func publish(port: Int, _ topic: String, _ payload: String) throws {
        let pub = try ChildProcess(which("mosquitto_pub")!, ["-h", "127.0.0.1", "-p", "\(port)", "-q", "1", "-t", topic, "-m", payload],
                                   log: dir.file("pub.log"))
        pub.process.waitUntilExit()
    }

    /// Readings in the cloud telemetry of `device` as "sensor=value".
    func telemetry(_ subscriber: Subscriber, device: String) -> [String] {
        subscriber.payloads(topic: "cairn/\(device)/telemetry").flatMap { batch in
            ((batch["readings"] as? [[String: Any]]) ?? []).map { reading in
                let quality = (reading["quality"] as? String).map { " (\($0))" } ?? ""
                return "\(reading["sensor"] as? String ?? "?")=\(reading["value"] as? Double ?? .nan)\(quality)"
            }
        }
    }

    @Test func lanReadingsAndOfflineAlarmActionsThroughTheSouthboundBroker() throws {
        let device = "it-lan"
        let lan = try Broker()
        let actions = try Subscriber(port: lan.port, topic: "lan/fan/set", log: dir.file("actions.log"))
        // The cloud subscriber's session is made first, then the cloud goes away: the agent starts offline.
        let cloud = try Broker()
        let subscriber = try Subscriber(port: cloud.port, topic: "cairn/\(device)/#", log: dir.file("cloud.log"))
        _ = waitUntil(timeout: 5) { Broker.clientCount(log: cloud.process?.log ?? "") >= 1 }
        cloud.stop()

        let agent = try agent(cloud: cloud.port, config: """
            {"southbound_broker": "\(lan.url)",
             "inputs": [{"type": "mqtt", "topic": "lan/+/state", "sensor": "lan/{1}", "fields": ["temp"], "unit": "C"}],
             "rules": [{"name": "hot", "match": "lan/*/temp", "above": 30, "clear": 28, "actions": [
               {"type": "publish", "topic": "lan/fan/set", "payload": "{state} {sensor} {value}", "on": "both"}]}]}
            """, device: device)
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 15) { (self.status()["southbound"] as? String) == "online" }, "\(agent.log)")

        // The cloud is down: the alarm still acts on the LAN, raised and cleared.
        try publish(port: lan.port, "lan/dev1/state", #"{"temp": 25}"#)
        try publish(port: lan.port, "lan/dev1/state", #"{"temp": 35.5}"#)
        try publish(port: lan.port, "lan/dev1/state", #"{"temp": 27}"#)
        #expect(waitUntil(timeout: 10) { actions.lines.count >= 2 }, "\(agent.log)")
        #expect(actions.lines == ["lan/fan/set raised lan/dev1/temp 35.5", "lan/fan/set cleared lan/dev1/temp 27"])

        // A bad message is a sensor failure in status, not a crash; the next good one recovers.
        try publish(port: lan.port, "lan/dev2/state", #"{"humidity": 40}"#)
        #expect(waitUntil(timeout: 10) { (self.status()["failing_sensors"] as? [String]) == ["lan/dev2/temp"] }, "\(self.status())")
        #expect(metric("cairn_southbound_messages_rejected_total") == 1)

        // The LAN broker restarts: the agent reconnects and subscribes again.
        lan.stop()
        #expect(waitUntil(timeout: 10) { (self.status()["southbound"] as? String) == "offline" })
        try lan.start()
        #expect(waitUntil(timeout: 15) { (self.status()["southbound"] as? String) == "online" }, "\(agent.log)")
        try publish(port: lan.port, "lan/dev2/state", #"{"temp": 12}"#)
        #expect(waitUntil(timeout: 10) { (self.status()["failing_sensors"] as? [String]) == [] }, "\(self.status())")

        // The cloud comes back: every reading and both alarm events arrive.
        try cloud.start()
        #expect(waitUntil(timeout: 20) { telemetry(subscriber, device: device).count >= 4 }, "\(agent.log)")
        #expect(telemetry(subscriber, device: device) == ["lan/dev1/temp=25.0", "lan/dev1/temp=35.5", "lan/dev1/temp=27.0", "lan/dev2/temp=12.0"])
        let events = subscriber.payloads(topic: "cairn/\(device)/events").compactMap { $0["type"] as? String }
        #expect(events.contains("io.cairn.alarm.raised") && events.contains("io.cairn.alarm.cleared"))
        #expect(metric("cairn_alarm_actions_published_total") == 2)
        #expect(agent.terminate() == 0)
    }

    @Test func httpIngestTakesReadingsWithATokenAndRefusesBadOnes() throws {
        let device = "it-http"
        let cloud = try Broker()
        let subscriber = try Subscriber(port: cloud.port, topic: "cairn/\(device)/#", log: dir.file("cloud.log"))
        _ = waitUntil(timeout: 5) { Broker.clientCount(log: cloud.process?.log ?? "") >= 1 }
        let port = freeLoopbackPort()
        let token = "s3cret-token-0123456789"
        let agent = try agent(cloud: cloud.port, config: """
            {"inputs": [{"type": "http", "port": \(port), "token": "\(token)", "max_body_bytes": 1024, "stale_after": 3}],
             "pipelines": [{"match": "http/tank/*", "stages": [{"type": "range", "min": 0, "max": 100, "action": "flag"}]}]}
            """, device: device)
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 10) { Broker.accepts(port: port) }, "\(agent.log)")

        let auth = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        let ok = try LoopbackHTTP.post(port: port, path: "/readings",
                                       body: #"[{"sensor": "tank/level", "value": 42, "unit": "%"}, {"sensor": "tank/temp", "value": 250}]"#, headers: auth)
        #expect(ok.status == 202 && ok.body == "{\"accepted\":2}\n")
        #expect(try LoopbackHTTP.post(port: port, path: "/readings", body: #"{"sensor": "a", "value": 1}"#).status == 401)
        let bad = try LoopbackHTTP.post(port: port, path: "/readings", body: #"{"sensor": "a", "value": }"#, headers: auth)
        #expect(bad.status == 400 && bad.body.contains("line 1, column 26"), "\(bad.body)")
        let big = try LoopbackHTTP.post(port: port, path: "/readings", body: String(repeating: " ", count: 2000), headers: auth)
        #expect(big.status == 413)

        #expect(waitUntil(timeout: 15) { telemetry(subscriber, device: device).count >= 2 }, "\(agent.log)")
        #expect(telemetry(subscriber, device: device) == ["http/tank/level=42.0", "http/tank/temp=250.0 (out_of_range)"])
        #expect(waitUntil(timeout: 10) { self.metric(#"cairn_http_ingest_requests_total{input="http",result="rejected"}"#) == 3 }, "\(self.status()["metrics"] ?? "none")")
        #expect(metric(#"cairn_http_ingest_requests_total{input="http",result="accepted"}"#) == 1)
        // Nothing more is posted: after stale_after the silent sensors fail, and the cloud hears of it.
        #expect(waitUntil(timeout: 15) { ((self.status()["failing_sensors"] as? [String]) ?? []).sorted() == ["http/tank/level", "http/tank/temp"] },
                "\(self.status())")
        #expect(waitUntil(timeout: 10) {
            subscriber.payloads(topic: "cairn/\(device)/events").contains { ($0["type"] as? String) == "io.cairn.sensor.failed" }
        })
        // The token never reaches the log.
        #expect(!agent.log.contains(token))
        #expect(agent.terminate() == 0)
    }

    @Test func readingsHeldForTheCommitIntervalAreCommittedWhenNoMoreArrive() throws {
        // Regression: held readings were committed only when the next reading came, so a
        // push input that went quiet kept its last readings in memory (lost in a crash).
        let port = freeLoopbackPort()
        let agent = try agent(cloud: freeLoopbackPort(), config: #"{"queue_commit_interval": 2, "inputs": [{"type": "http", "port": \#(port)}]}"#,
                              device: "it-commit")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 10) { Broker.accepts(port: port) }, "\(agent.log)")
        let queued = { (try? sqlite(self.dir.file("data/queue.db"), "SELECT count(*) FROM records WHERE stream = 2;"))?
            .trimmingCharacters(in: .whitespacesAndNewlines) }
        // The first reading is committed at once (nothing was committed yet); the second is held.
        #expect(try LoopbackHTTP.post(port: port, path: "/readings", body: #"{"sensor": "a", "value": 1}"#).status == 202)
        #expect(waitUntil(timeout: 5) { queued() == "1" }, "\(agent.log)")
        #expect(try LoopbackHTTP.post(port: port, path: "/readings", body: #"{"sensor": "a", "value": 2}"#).status == 202)
        // Deliberately lets 0.5 s pass: the second reading must not be committed meanwhile.
        Thread.sleep(forTimeInterval: 0.5)
        #expect(queued() == "1", "the second reading should be held for the commit interval")
        #expect(waitUntil(timeout: 10) { queued() == "2" }, "\(agent.log)")
        // Killed without a chance to flush: what was committed is still there.
        agent.killHard()
        #expect(queued() == "2")
    }

    @Test func cairnSensorsShowsHowLANSensorsWillBeNamed() throws {
        dir.write("nosys/.keep", "")
        dir.write("lan.json", """
            {"southbound_broker": "mqtt://127.0.0.1:1884",
             "inputs": [{"type": "mqtt", "topic": "tele/+/SENSOR", "sensor": "tasmota/{1}", "fields": ["AM2301.Temperature"]},
                        {"type": "http", "port": 8088, "name": "plc"}]}
            """)
        let (status, output) = try AgentBinary.run(["sensors", "--config", dir.file("lan.json"), "--sysfs-root", dir.file("nosys")], directory: dir)
        #expect(status == 0)
        #expect(output.contains("mqtt tele/+/SENSOR on mqtt://127.0.0.1:1884 -> tasmota/{1}[/<field>]  fields: AM2301.Temperature\n"), "\(output)")
        #expect(output.contains("http POST http://127.0.0.1:8088/readings -> plc/<sensor>\n"), "\(output)")
    }

    @Test func aPortInUseIsReportedAndRetriedWhileTheAgentRuns() throws {
        let cloud = try Broker()
        // The port is taken by a broker, so the endpoint cannot listen.
        let squatter = try Broker()
        let agent = try agent(cloud: cloud.port, config: #"{"inputs": [{"type": "health"}, {"type": "http", "port": \#(squatter.port)}]}"#,
                              device: "it-port")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 10) { ((self.status()["http_errors"] as? [String]) ?? []).count == 1 }, "\(agent.log)")
        #expect(((status()["http_errors"] as? [String]) ?? []).first?.contains("cannot listen on 127.0.0.1:\(squatter.port)") == true)
        #expect(waitUntil(timeout: 10) { (self.metric("cairn_readings_taken_total") ?? 0) > 0 })
        #expect(agent.isRunning)
        // The port is freed: the agent retries (every 30 s), the endpoint listens and takes readings, the error is gone.
        squatter.stop()
        #expect(waitUntil(timeout: 45) { Broker.accepts(port: squatter.port) }, "\(agent.log)")
        #expect(waitUntil(timeout: 10) {
            (try? LoopbackHTTP.post(port: squatter.port, path: "/readings", body: #"{"sensor": "a", "value": 1}"#).status) == 202
        }, "\(agent.log)")
        // (The status leaves out http_errors when there are none.)
        #expect(waitUntil(timeout: 15) { ((self.status()["http_errors"] as? [String]) ?? []).isEmpty }, "\(self.status()["http_errors"] ?? "no status")")
    }
}
