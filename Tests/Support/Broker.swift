import CZlib
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
    private let maxQueuedMessages: Int?

    /// `extraConfig` goes right after the listener line (TLS, auth, ACL settings).
    /// `maxQueuedMessages`: per-client queue limit; 0 unlimited, nil Mosquitto's default (1000).
    public init(port: Int = freeLoopbackPort(), extraConfig: String = "allow_anonymous true\n", maxQueuedMessages: Int? = 0) throws {
        self.port = port
        self.extraConfig = extraConfig
        self.maxQueuedMessages = maxQueuedMessages
        directory = TemporaryDirectory("cairn-broker")
        try start()
    }

    deinit { process?.terminate() }

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    public func start() throws {
        directory.write("persist/.keep", "")
        directory.write("mosquitto.conf", """
            listener \(port) 127.0.0.1
            \(extraConfig)
            persistence true
            persistence_location \(directory.file("persist"))/
            autosave_interval 1
            \(maxQueuedMessages.map { "max_queued_messages \($0)" } ?? "")
            user \(geteuid() == 0 ? "root" : NSUserName())
            """)
        guard let mosquitto = which("mosquitto") else { throw BrokerError.notInstalled }
        process = try ChildProcess(mosquitto, ["-c", directory.file("mosquitto.conf")], log: directory.file("broker.log"))
        guard waitUntil(timeout: 10, { Broker.accepts(port: self.port) || !(self.process?.isRunning ?? false) }),
              process?.isRunning == true else { throw BrokerError.didNotStart(process?.log ?? "") }
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

/// mosquitto_sub with a persistent session (-c), QoS 1, printing topic and the
/// payload in hex per line; payloads that are zlib streams (telemetry is
/// deflated when that is smaller) are inflated with zlib itself.
public final class Subscriber {
    public let process: ChildProcess

    public init(port: Int, topic: String, clientID: String = "cairn-test-\(UInt32.random(in: 0...UInt32.max))", log: String,
                extra: [String] = [], tls: [String] = []) throws {
        guard let sub = which("mosquitto_sub") else { throw BrokerError.notInstalled }
        process = try ChildProcess(sub, ["-h", "127.0.0.1", "-p", "\(port)", "-q", "1", "-c", "-i", clientID,
                                         "-t", topic, "-F", "%t %x"] + tls + extra, log: log)
    }

    /// (topic, raw payload bytes) per message received.
    public var messages: [(topic: String, payload: [UInt8])] {
        process.log.split(separator: "\n").compactMap { line in
            guard let space = line.firstIndex(of: " ") else { return nil }
            let hex = Array(line[line.index(after: space)...].utf8)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(hex.count / 2)
            var i = 0
            while i + 1 < hex.count {
                guard let high = hexValue(hex[i]), let low = hexValue(hex[i + 1]) else { return nil }
                bytes.append(high << 4 | low)
                i += 2
            }
            return (String(line[..<space]), bytes)
        }
    }

    /// "topic payload" per message, payloads inflated when compressed.
    public var lines: [String] {
        messages.map { "\($0.topic) \(String(decoding: inflateIfCompressed($0.payload), as: UTF8.self))" }
    }

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

func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x61...0x66: return c - 0x61 + 10
    case 0x41...0x46: return c - 0x41 + 10
    default: return nil
    }
}

/// A payload starting with a zlib header (0x78) is a deflated document; JSON starts with '{'.
public func inflateIfCompressed(_ payload: [UInt8]) -> [UInt8] {
    guard payload.first == 0x78 else { return payload }
    var capacity = uLong(max(1 << 16, payload.count * 20))
    while capacity < 1 << 28 {
        var out = [UInt8](repeating: 0, count: Int(capacity))
        var length = capacity
        let code = out.withUnsafeMutableBufferPointer { o in
            payload.withUnsafeBufferPointer { uncompress(o.baseAddress, &length, $0.baseAddress, uLong($0.count)) }
        }
        if code == Z_OK { return Array(out.prefix(Int(length))) }
        guard code == Z_BUF_ERROR else { return payload }
        capacity *= 4
    }
    return payload
}
