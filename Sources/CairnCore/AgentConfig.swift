/// Everything the agent needs to run, after defaults, the config file and
/// flags have been applied (in that order). Option parsing lives in CairnControl.
public struct AgentConfig {
    public var deviceID: String
    public var broker: BrokerURL
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var username: String?
    public var password: String?
    public var dataDirectory: String
    public var sysfsRoot: String
    public var procRoot: String
    /// Seconds between sensor reads.
    public var interval: Double
    /// Set when the prefix is configured; otherwise it follows the device id.
    public var topicPrefixOverride: String?
    public var topicPrefix: String { topicPrefixOverride ?? "cairn/\(deviceID)" }
    public var logLevel: LogLevel
    /// Readings per telemetry message.
    public var batchSize: Int
    /// QoS 1 messages awaiting PUBACK at once.
    public var inflightWindow: Int
    public var keepalive: Int
    /// Reconnect backoff bounds in seconds.
    public var reconnectMin: Double
    public var reconnectMax: Double
    /// Backlog telemetry messages per second after an outage (0: unpaced).
    public var backfillPerSecond: Double = 0
    /// The config file's "inputs", "pipelines" and "rules" sections, parsed by
    /// CairnControl's SensorSettings (validated when the file is loaded).
    public var sensorSections: [JSONMember] = []
    /// The config file they came from, for error messages.
    public var configPath: String = ""
    /// Identifies the configuration in force: "file:<FNV-1a 64 of the file>"
    /// ("defaults" without a file). Reported in meta and agent.started/config.applied events.
    public var configVersion: String = "defaults"
    /// "5" (default) or "3.1.1".
    public var mqttVersion: String = "5"
    public var compress: Bool = true
    public var maxMessageBytes: Int = 256 * 1024
    public var maxBytesPerSecond: Int64 = 0
    /// Seconds between health summaries on <prefix>/health (0: none).
    public var healthInterval: Double = 60
    /// Queue bounds and durability (see QueueOptions for meanings).
    public var queueBudgetBytes: Int64 = 64 * 1024 * 1024
    public var queueOverflow: String = "drop_oldest"
    public var queueDurability: String = "normal"
    /// Maximum age in seconds per stream (0: no limit): events, metadata, telemetry.
    public var queueMaxAgeSeconds: [Double] = [0, 0, 0]
    /// Readings are committed together at most this many seconds apart (0: every read).
    public var queueCommitInterval: Double = 0
    public var queueCheckpointPages: Int = 1000
    /// File whose existence says NTP has synchronised the clock (e.g.
    /// /run/systemd/timesync/synchronized); nil trusts any time past 2026.
    public var clockSyncFile: String?
    /// Seconds this boot's untrusted-clock records wait for a correction before being sent flagged.
    public var clockHoldSeconds: Double = 600
    /// The LAN broker that "mqtt" inputs subscribe to and "publish" actions use (nil: none).
    public var southboundBroker: BrokerURL?
    public var southboundUsername: String?
    public var southboundPassword: String?
    public var southboundCAFile: String?

    public init(deviceID: String, dataDirectory: String) {
        self.deviceID = deviceID
        self.broker = BrokerURL(tls: false, host: "127.0.0.1", port: 1883)
        self.dataDirectory = dataDirectory
        self.sysfsRoot = "/sys"
        self.procRoot = "/proc"
        self.interval = 10
        self.logLevel = .info
        self.batchSize = 100
        self.inflightWindow = 16
        self.keepalive = 30
        self.reconnectMin = 1
        self.reconnectMax = 60
    }
}

/// `mqtt://host[:port]` or `mqtts://host[:port]`.
public struct BrokerURL: Equatable, CustomStringConvertible {
    public var tls: Bool
    public var host: String
    public var port: Int

    public init(tls: Bool, host: String, port: Int) {
        self.tls = tls
        self.host = host
        self.port = port
    }

    public static func parse(_ text: String) -> BrokerURL? {
        let tls: Bool
        let rest: Substring
        if text.hasPrefix("mqtt://") {
            tls = false
            rest = text.dropFirst(7)
        } else if text.hasPrefix("mqtts://") {
            tls = true
            rest = text.dropFirst(8)
        } else {
            return nil
        }
        var hostPart = rest
        if let slash = hostPart.firstIndex(of: "/") {
            guard hostPart[slash...] == "/" else { return nil }
            hostPart = hostPart[..<slash]
        }
        var host: Substring
        var port = tls ? 8883 : 1883
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { return nil }
            host = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            let after = hostPart[hostPart.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()) else { return nil }
                port = p
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            host = hostPart[..<colon]
            guard let p = Int(hostPart[hostPart.index(after: colon)...]) else { return nil }
            port = p
        } else {
            host = hostPart
        }
        guard !host.isEmpty, port > 0, port < 65536 else { return nil }
        return BrokerURL(tls: tls, host: String(host), port: port)
    }

    public var description: String {
        let shownHost = Text.contains(host, ":") ? "[\(host)]" : host
        return "\(tls ? "mqtts" : "mqtt")://\(shownHost):\(port)"
    }
}
