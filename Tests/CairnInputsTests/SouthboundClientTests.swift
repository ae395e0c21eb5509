import Foundation
import Testing
import CairnCore
import CairnMQTT
import CairnTestSupport
@testable import CairnInputs

/// The southbound client against a real Mosquitto, driven the way the agent's
/// poll loop drives it.
@Suite(.serialized) struct SouthboundClientTests {
    let dir = TemporaryDirectory("cairn-south")

    func client(_ port: Int, maps: [MQTTReadingMap] = []) -> SouthboundClient {
        var settings = MQTTLinkSettings(broker: BrokerURL(tls: false, host: "127.0.0.1", port: port), clientID: "south-\(UInt32.random(in: 0...UInt32.max))")
        settings.reconnectMin = 0.1
        settings.reconnectMax = 0.3
        return SouthboundClient(settings: settings, maps: maps)
    }

    /// Runs the client's poll loop until `done` or the timeout; returns whether `done` held.
    @discardableResult
    func drive(_ client: SouthboundClient, seconds: Double, until done: () -> Bool = { false }) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            let now = Clock.monotonicMilliseconds()
            if let request = client.pollRequest {
                var fd = pollfd(fd: request.fd, events: request.events, revents: 0)
                let wait = Int32(max(0, min(50, client.nextDeadline(now: now) - now)))
                if poll(&fd, 1, wait) > 0 { client.handle(revents: fd.revents, now: Clock.monotonicMilliseconds()) }
            } else {
                // Pacing: no socket to wait on yet (between connection attempts).
                Thread.sleep(forTimeInterval: 0.02)
            }
            client.tick(now: Clock.monotonicMilliseconds())
            if done() { return true }
        }
        return done()
    }

    @Test func messagesBecomeReadingsAndHealthFailures() throws {
        // The broker logs everything, its SUBACKs too: the test waits for the subscription there.
        let broker = try Broker(extraConfig: "allow_anonymous true\nlog_type all\n")
        let south = client(broker.port, maps: [MQTTReadingMap(filter: "lan/+/state", sensor: "lan/{1}", fields: ["t"], unit: "C")])
        defer { south.stop() }
        #expect(drive(south, seconds: 10) { south.isOnline })
        // Publish from a device once the broker has the subscription.
        #expect(drive(south, seconds: 10) { broker.process?.log.contains("Sending SUBACK to south-") == true }, "\(broker.process?.log ?? "")")
        for payload in [#"{"t": 20.5}"#, #"{"x": 1}"#, "not json"] {
            let pub = try ChildProcess(which("mosquitto_pub")!, ["-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1", "-t", "lan/d1/state", "-m", payload],
                                       log: dir.file("pub.log"))
            pub.process.waitUntilExit()
        }
        var result = InputResult()
        drive(south, seconds: 10) {
            let taken = south.take(nowMonotonic: Clock.monotonicMilliseconds())
            result.readings += taken.readings
            result.failures += taken.failures
            return result.readings.count + result.failures.count >= 3
        }
        #expect(result.readings.map { "\($0.sensor) \($0.value) \($0.unit)" } == ["lan/d1/t 20.5 C"])
        #expect(result.failures.map(\.sensor) == ["lan/d1/t", "lan/d1"])
        #expect(south.counters.messagesReceived == 3 && south.counters.messagesRejected == 2)
    }

    @Test func actionsWaitForTheBrokerAndOnlyTheLatestPerTopicIsSent() throws {
        let port = freeLoopbackPort()
        let south = client(port)
        defer { south.stop() }
        // The LAN broker is not there: actions wait, the older one for a topic is replaced.
        // (Deliberately drives for 0.5 s: a connection attempt fails meanwhile.)
        drive(south, seconds: 0.5)
        #expect(!south.isOnline)
        south.publish(topic: "lan/fan/set", payload: Array("on 1".utf8), qos: 1, retain: true)
        south.publish(topic: "lan/fan/set", payload: Array("on 2".utf8), qos: 1, retain: true)
        south.publish(topic: "lan/siren/set", payload: Array("off".utf8), qos: 1, retain: true)
        #expect(south.counters.actionsSuperseded == 1 && south.counters.actionsPublished == 0)

        let broker = try Broker(port: port)
        #expect(drive(south, seconds: 10) { south.counters.actionsPublished == 2 })
        // Retained, so a subscriber arriving now sees what the actuators would have.
        let subscriber = try Subscriber(port: broker.port, topic: "lan/#", log: dir.file("sub.log"))
        #expect(waitUntil(timeout: 5) { subscriber.lines.count >= 2 })
        #expect(subscriber.lines.sorted() == ["lan/fan/set on 2", "lan/siren/set off"])
    }
}
