import Foundation
import Testing
import CairnTestSupport

/// Issue 15: a list of brokers tried in turn (real Mosquitto brokers), and MQTT
/// version negotiation against a 3.1.1-only peer (python/mqtt311_peer.py).
@Suite(.serialized) struct BrokerFailoverTests {
    static let peerScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/mqtt311_peer.py").path

    struct Rig {
        let dir = TemporaryDirectory("cairn-failover")
        let sysfs: FakeSysfs
        let device: String

        init(device: String) {
            self.device = device
            sysfs = FakeSysfs(dir)
            sysfs.hwmon(0, name: "testchip")
            sysfs.set(hwmon: 0, "temp1_input", "40000")
        }

        var prefix: String { "cairn/\(device)" }

        func agent(broker: String, extra: [String] = []) throws -> ChildProcess {
            try AgentBinary.start([
                "run", "--broker", broker, "--device-id", device, "--data-dir", dir.file("data"),
                "--sysfs-root", sysfs.path, "--interval", "0.05", "--log-level", "debug", "--health-interval", "0",
                "--reconnect-min", "0.2", "--reconnect-max", "1", "--status-listen", "off",
            ] + extra, log: dir.file("agent.log"))
        }

        func status() -> [String: Any] {
            guard let data = FileManager.default.contents(atPath: dir.file("data/status.json")) else { return [:] }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        }

        func subscriber(_ broker: Broker, _ name: String) throws -> Subscriber {
            let subscriber = try Subscriber(port: broker.port, topic: "\(prefix)/#", log: dir.file("\(name).log"))
            _ = waitUntil(timeout: 5) { Broker.clientCount(log: broker.process?.log ?? "") >= 1 }
            return subscriber
        }
    }

    @Test func theFirstBrokerDownReadingsArriveOnTheSecond() throws {
        let rig = Rig(device: "fo-first-down")
        let down = freeLoopbackPort()
        let second = try Broker()
        let subscriber = try rig.subscriber(second, "second")
        let agent = try rig.agent(broker: "mqtt://127.0.0.1:\(down),\(second.url)")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 20) { subscriber.sequences(topic: "\(rig.prefix)/telemetry").count >= 5 }, "\(agent.log)")
        #expect(waitUntil(timeout: 10) { (rig.status()["broker"] as? String) == second.url }, "\(rig.status())")
        #expect(rig.status()["mqtt_version"] as? String == "5")
        let meta = subscriber.payloads(topic: "\(rig.prefix)/meta").last
        #expect(meta?["broker"] as? String == second.url, "\(String(describing: meta))")
        #expect(meta?["mqtt_version"] as? String == "5")
    }

    @Test func killingTheCurrentBrokerMovesOnWithoutAGap() throws {
        let rig = Rig(device: "fo-kill")
        let first = try Broker()
        let second = try Broker()
        let onFirst = try rig.subscriber(first, "first")
        let onSecond = try rig.subscriber(second, "second")
        let window = 4
        let agent = try rig.agent(broker: "\(first.url),\(second.url)",
                                  extra: ["--batch-size", "1", "--inflight-window", "\(window)"])
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 20) { onFirst.delivered(prefix: rig.prefix).count >= 20 }, "\(agent.log)")
        first.stop()
        #expect(waitUntil(timeout: 20) { onSecond.delivered(prefix: rig.prefix).count >= 20 }, "\(agent.log)")
        #expect(waitUntil(timeout: 10) { (rig.status()["broker"] as? String) == second.url }, "\(rig.status())")
        // Live readings go ahead of the backlog after a reconnect (docs/protocol.md), so a gap
        // may be open for a while; none may stay open.
        let gaps = { () -> [Int] in
            let distinct = Set(onFirst.delivered(prefix: rig.prefix) + onSecond.delivered(prefix: rig.prefix))
            return (1...max(1, distinct.max() ?? 1)).filter { !distinct.contains($0) }
        }
        #expect(waitUntil(timeout: 30) { gaps().isEmpty }, "sequence numbers lost at the switch: \(gaps())\n\(agent.log)")
        #expect(agent.terminate() == 0, "\(agent.log)")

        let all = onFirst.delivered(prefix: rig.prefix) + onSecond.delivered(prefix: rig.prefix)
        let distinct = Set(all)
        let highest = distinct.max() ?? 0
        // Duplicates only for messages unacknowledged at the switch: at most the window (one reading each).
        let duplicates = all.count - distinct.count
        #expect(duplicates <= window, "\(duplicates) duplicates, window \(window)")
        print("failover kill: \(highest) sequence numbers, \(duplicates) duplicates (window \(window))")
    }

    @Test func aHostNameIsTriedAddressByAddress() throws {
        // Here `localhost` resolves to 127.0.0.1 only (no ::1 in /etc/hosts, which a test may not
        // change); the broker listens on 127.0.0.1 alone, reached through the name's resolved address.
        let rig = Rig(device: "fo-name")
        let broker = try Broker()
        let subscriber = try rig.subscriber(broker, "sub")
        let agent = try rig.agent(broker: "mqtt://localhost:\(broker.port)")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 20) { subscriber.sequences(topic: "\(rig.prefix)/telemetry").count >= 3 }, "\(agent.log)")
        #expect(waitUntil(timeout: 10) { (rig.status()["broker"] as? String) == "mqtt://localhost:\(broker.port)" }, "\(rig.status())")
    }

    func peer(_ rig: Rig, drop: Bool = false) throws -> (ChildProcess, Int) {
        let port = freeLoopbackPort()
        let process = try ChildProcess(which("python3") ?? "/usr/bin/python3",
                                       [BrokerFailoverTests.peerScript, "\(port)"] + (drop ? ["--drop"] : []), log: rig.dir.file("peer.log"))
        _ = waitUntil(timeout: 10) { process.log.contains("listening") }
        return (process, port)
    }

    @Test func unsetVersionFallsBackTo311OnceAndSaysSo() throws {
        let rig = Rig(device: "fo-v311")
        let (peer, port) = try peer(rig)
        defer { peer.terminate() }
        let agent = try rig.agent(broker: "mqtt://127.0.0.1:\(port)")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 20) { peer.log.contains("PUBLISH \(rig.prefix)/telemetry") }, "\(peer.log)\n\(agent.log)")
        #expect(waitUntil(timeout: 10) { (rig.status()["mqtt_version"] as? String) == "3.1.1 (the broker refused MQTT 5)" }, "\(rig.status())")
        let notices = agent.log.components(separatedBy: "refused MQTT 5 as an unsupported protocol version").count - 1
        #expect(notices == 1, "\(agent.log)")
        #expect(peer.log.components(separatedBy: "CONNECT level 5").count - 1 == 1, "\(peer.log)")
        #expect(agent.log.contains("(MQTT 3.1.1)"))
    }

    /// RabbitMQ's MQTT plugin before 3.13 (Debian 12 ships 3.10) closes an MQTT 5 connection
    /// without a CONNACK: the agent tries 3.1.1 on it, and keeps 3.1.1 once that is answered.
    @Test func aBrokerThatDropsMQTT5WithoutAnswerIsSpoken311() throws {
        let rig = Rig(device: "fo-v311-drop")
        let (peer, port) = try peer(rig, drop: true)
        defer { peer.terminate() }
        let agent = try rig.agent(broker: "mqtt://127.0.0.1:\(port)")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 20) { peer.log.contains("PUBLISH \(rig.prefix)/telemetry") }, "\(peer.log)\n\(agent.log)")
        #expect(waitUntil(timeout: 10) { (rig.status()["mqtt_version"] as? String) == "3.1.1 (the broker refused MQTT 5)" }, "\(rig.status())")
        #expect(agent.log.components(separatedBy: "closed MQTT 5 connections without a CONNACK and accepts MQTT 3.1.1").count - 1 == 1, "\(agent.log)")
        #expect(peer.log.components(separatedBy: "CONNECT level 5").count - 1 == 1, "\(peer.log)")
    }

    /// A broker that closes every connection before its CONNACK is not taken for a 3.1.1
    /// one: after the 3.1.1 try fails too, the agent goes back to MQTT 5.
    @Test func aBrokerThatDropsEveryVersionIsAskedIn5Again() throws {
        let rig = Rig(device: "fo-drop-all")
        let port = freeLoopbackPort()
        let script = #"""
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); print("listening", flush=True)
            while True:
                c, _ = s.accept(); data = c.recv(64); i = 1
                while i < len(data) and data[i] & 0x80: i += 1   # the remaining length's bytes
                if len(data) > i + 7: print("CONNECT level", data[i + 7], flush=True)
                c.close()
            """#
        let closer = try ChildProcess(which("python3") ?? "/usr/bin/python3", ["-c", script, "\(port)"], log: rig.dir.file("closer.log"))
        defer { closer.terminate() }
        _ = waitUntil(timeout: 10) { closer.log.contains("listening") }
        let agent = try rig.agent(broker: "mqtt://127.0.0.1:\(port)")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 20) { closer.log.components(separatedBy: "CONNECT level 5").count - 1 >= 2 }, "\(closer.log)\n\(agent.log)")
        #expect(closer.log.contains("CONNECT level 4"), "\(closer.log)")
        #expect(!agent.log.contains("accepts MQTT 3.1.1"), "\(agent.log)")
    }

    @Test func anExplicitVersion5IsNeverOverridden() throws {
        let rig = Rig(device: "fo-v5")
        let (peer, port) = try peer(rig)
        defer { peer.terminate() }
        let agent = try rig.agent(broker: "mqtt://127.0.0.1:\(port)", extra: ["--mqtt-version", "5"])
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 20) { peer.log.components(separatedBy: "CONNECT level 5").count - 1 >= 3 }, "\(peer.log)")
        #expect(!peer.log.contains("CONNECT level 4"), "\(peer.log)")
        #expect(waitUntil(timeout: 10) { ((rig.status()["last_error"] as? String) ?? "").contains("mqtt_version is set to 5") }, "\(rig.status())")
        #expect(rig.status()["connection"] as? String == "offline")
    }
}
