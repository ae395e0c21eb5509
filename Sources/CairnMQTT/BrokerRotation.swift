import CMosquitto
import CSystem
import CairnCore

/// Which broker, and which of its addresses, the next connection attempt goes to.
/// The list is walked in order: a failed or lost connection moves to the next
/// address of the same host, then to the next broker; only after every broker
/// failed once in a row (a full pass, wherever it started) does the caller back
/// off. A broker that works is kept: nothing moves back to the first one while
/// the connection holds, and the next failure goes on down the list from there.
public struct BrokerRotation {
    public struct Target: Equatable {
        public let broker: BrokerURL
        /// What to connect to: a numeric address of the broker's host, or the host
        /// name itself (mqtts://, where the certificate is checked against the name
        /// libmosquitto was given, or when resolution gave nothing).
        public let host: String
    }

    public let brokers: [BrokerURL]
    public private(set) var brokerIndex = 0
    private var addresses: [String] = []
    private var addressIndex = 0
    /// Brokers that failed in a row since the last connection or backoff.
    private var failedBrokers = 0
    private let resolve: (String) -> Result<[String], MQTTError>

    /// `resolve` turns a host name into numeric addresses (tests inject their own).
    public init(brokers: [BrokerURL], resolve: @escaping (String) -> Result<[String], MQTTError> = BrokerRotation.resolveHost) {
        self.brokers = brokers.isEmpty ? [BrokerURL(tls: false, host: "127.0.0.1", port: 1883)] : brokers
        self.resolve = resolve
    }

    public var broker: BrokerURL { brokers[brokerIndex] }

    /// The target of the next attempt; resolves the host on arrival at a broker (so a
    /// changed DNS answer is seen on every pass). A failed resolution is the broker's failure.
    public mutating func target() -> Result<Target, MQTTError> {
        let broker = self.broker
        if broker.tls { return .success(Target(broker: broker, host: broker.host)) }
        if addresses.isEmpty {
            switch resolve(broker.host) {
            case .success(let found): addresses = found.isEmpty ? [broker.host] : found
            case .failure(let error): return .failure(error)
            }
            addressIndex = 0
        }
        return .success(Target(broker: broker, host: addresses[addressIndex]))
    }

    /// The connection came up: this broker is kept, and a full pass starts over from here.
    public mutating func connected() {
        failedBrokers = 0
    }

    /// The attempt at the current target failed or its connection was lost: moves to
    /// the next address, else the next broker. Returns true when a full pass failed
    /// (every broker in a row): then the caller waits its backoff before going on.
    public mutating func advance() -> Bool {
        if addressIndex + 1 < addresses.count && !broker.tls {
            addressIndex += 1
            return false
        }
        addresses = []
        addressIndex = 0
        brokerIndex = (brokerIndex + 1) % brokers.count
        failedBrokers += 1
        guard failedBrokers >= brokers.count else { return false }
        failedBrokers = 0
        return true
    }

    /// getaddrinfo: numeric host names come back as they are.
    public static func resolveHost(_ host: String) -> Result<[String], MQTTError> {
        var buffer = [CChar](repeating: 0, count: 1024)
        let count = host.withCString { cairn_resolve_host($0, &buffer, Int32(buffer.count)) }
        guard count >= 0 else {
            return .failure(MQTTError(code: MOSQ_ERR_EAI.rawValue, message: "cannot resolve \(host): \(String(cString: cairn_resolve_error(count)))"))
        }
        var found: [String] = []
        buffer.withUnsafeBufferPointer { all in
            var at = 0
            for _ in 0..<Int(count) {
                let text = String(cString: all.baseAddress! + at)
                found.append(text)
                at += text.utf8.count + 1
            }
        }
        return .success(found)
    }
}
