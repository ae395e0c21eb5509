import Foundation

/// A real Mosquitto broker on a free loopback port, with persistence so that
/// a persistent subscriber's queued messages survive a broker restart.
/// (`user`: as root, mosquitto would otherwise switch to the mosquitto user
/// and silently fail to write its persistence file in our temp directory.)
public final class Broker {
    public let port: Int
    public let directory: TemporaryDirectory
    public private(set) var process: ChildProcess?
    private let extraConfig: String

    public init(port: Int = freeLoopbackPort(), extraConfig: String = "allow_anonymous true\n") throws {
        self.port = port
        self.extraConfig = extraConfig
        directory = TemporaryDirectory("cairn-broker")
        try start()
    }

    deinit { process?.terminate() }

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    public func start() throws {
        directory.write("persist/.keep", "")
        directory.write("mosquitto.conf", """
            listener \(port) 127.0.0.1
            persistence true
            persistence_location \(directory.file("persist"))/
            autosave_interval 1
            max_queued_messages 0
            user \(geteuid() == 0 ? "root" : NSUserName())
            \(extraConfig)
            """)
        guard let mosquitto = which("mosquitto") else { throw BrokerError.notInstalled }
        process = try ChildProcess(mosquitto, ["-c", directory.file("mosquitto.conf")], log: directory.file("broker.log"))
        guard waitUntil(timeout: 10, { Broker.accepts(port: self.port) }) else { throw BrokerError.didNotStart(process?.log ?? "") }
    }

    /// Stops the broker (SIGTERM, so it saves its persistence file).
    public func stop() {
        process?.terminate()
        process = nil
    }

    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

public enum BrokerError: Error {
    case notInstalled
    case didNotStart(String)
}

/// mosquitto_sub with a persistent session (-c), QoS 1, printing topic and payload per line.
public final class Subscriber {
    public let process: ChildProcess

    public init(port: Int, topic: String, clientID: String = "cairn-test-\(UInt32.random(in: 0...UInt32.max))", log: String, extra: [String] = []) throws {
        guard let sub = which("mosquitto_sub") else { throw BrokerError.notInstalled }
        process = try ChildProcess(sub, ["-h", "127.0.0.1", "-p", "\(port)", "-q", "1", "-c", "-i", clientID,
                                         "-t", topic, "-v"] + extra, log: log)
    }

    public var lines: [String] { process.log.split(separator: "\n").map(String.init) }

    /// Payloads (JSON objects) received on a topic.
    public func payloads(topic: String) -> [[String: Any]] {
        lines.compactMap { line -> [String: Any]? in
            guard line.hasPrefix(topic + " ") else { return nil }
            let json = line.dropFirst(topic.count + 1)
            return (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        }
    }

    /// Every queue sequence number delivered under a device's prefix: readings
    /// in telemetry batches plus events (whose CloudEvents id is the sequence).
    /// Streams share one sequence, so together they must cover 1…n.
    public func delivered(prefix: String) -> [Int] {
        sequences(topic: "\(prefix)/telemetry") + payloads(topic: "\(prefix)/events").compactMap { ($0["id"] as? String).flatMap { Int($0) } }
    }

    /// Every reading sequence number received in telemetry batches.
    public func sequences(topic: String) -> [Int] {
        payloads(topic: topic).flatMap { batch in
            ((batch["readings"] as? [[String: Any]]) ?? []).compactMap { $0["seq"] as? Int }
        }
    }
}
