import Testing
import CairnCore
@testable import CairnMQTT

/// The order of failover targets: addresses of a host, then the next broker; backoff only after a full pass.
@Suite struct BrokerRotationTests {
    let a = BrokerURL(tls: false, host: "a.test", port: 1883)
    let b = BrokerURL(tls: false, host: "b.test", port: 1884)

    func rotation(_ brokers: [BrokerURL], _ table: [String: [String]]) -> BrokerRotation {
        BrokerRotation(brokers: brokers) { host in .success(table[host] ?? []) }
    }

    func host(_ rotation: inout BrokerRotation) -> String {
        guard case .success(let target) = rotation.target() else { return "failed" }
        return "\(target.broker.host)/\(target.host)"
    }

    @Test func addressesThenBrokersThenBackoff() {
        var r = rotation([a, b], ["a.test": ["::1", "127.0.0.1"], "b.test": ["127.0.0.2"]])
        #expect(host(&r) == "a.test/::1")
        #expect(r.advance() == false)
        #expect(host(&r) == "a.test/127.0.0.1")
        #expect(r.advance() == false)
        #expect(host(&r) == "b.test/127.0.0.2")
        #expect(r.advance() == true, "every broker failed once: back off")
        #expect(host(&r) == "a.test/::1")
    }

    @Test func theWorkingBrokerIsKeptAndTheNextFailureGoesOn() {
        var r = rotation([a, b], ["a.test": ["127.0.0.1"], "b.test": ["127.0.0.2"]])
        #expect(r.advance() == false)
        #expect(host(&r) == "b.test/127.0.0.2")
        r.connected()
        #expect(host(&r) == "b.test/127.0.0.2", "stays on the broker that works")
        #expect(r.advance() == false, "lost: on to the next, at once")
        #expect(host(&r) == "a.test/127.0.0.1")
        #expect(r.advance() == true)
    }

    @Test func oneBrokerBacksOffAfterEachFailureAsBefore() {
        var r = rotation([a], ["a.test": ["127.0.0.1"]])
        #expect(r.advance() == true)
        r.connected()
        #expect(r.advance() == true)
    }

    @Test func tlsKeepsTheHostNameAndUnresolvedNamesAreTheBrokersFailure() {
        let secure = BrokerURL(tls: true, host: "s.test", port: 8883)
        var r = BrokerRotation(brokers: [secure, a]) { host in
            host == "a.test" ? .failure(MQTTError(code: 15, message: "cannot resolve a.test")) : .success(["10.0.0.1"])
        }
        #expect(host(&r) == "s.test/s.test")
        #expect(r.advance() == false)
        guard case .failure(let error) = r.target() else { Issue.record("resolved"); return }
        #expect(error.message == "cannot resolve a.test")
    }

    @Test func theSystemResolverGivesNumericAddresses() throws {
        let found = try BrokerRotation.resolveHost("localhost").get()
        #expect(found.contains("127.0.0.1"), "\(found)")
        #expect(try BrokerRotation.resolveHost("192.0.2.7").get() == ["192.0.2.7"])
        guard case .failure = BrokerRotation.resolveHost("no-such-host.invalid") else { Issue.record("resolved .invalid"); return }
    }
}
