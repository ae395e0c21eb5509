import CairnCore
import CairnMQTT

/// How telemetry, events and metadata reach the cloud broker. The agent builds
/// it from the option table (CairnControl), where every default is; the
/// values below are placeholders until then.
public struct UplinkSettings: Equatable {
    public var clientID: String
    /// Tried in order on failure (docs/config.md, `broker`); never empty.
    public var brokers: [BrokerURL]
    /// CA, certificate and key files as configured (nil CA: the system bundle when the broker is mqtts://).
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var username: String?
    public var password: String?
    public var topicPrefix: String
    public var batchSize = 0
    public var window = 0
    public var keepalive = 0
    public var reconnectMin = 0.0
    public var reconnectMax = 0.0
    /// Backlog messages per second after an outage (0: as fast as the window allows).
    public var backfillPerSecond = 0.0
    /// nil: negotiated (MQTT 5, else 3.1.1 for a broker that refuses 5 as unsupported).
    public var version: MQTTVersion?
    /// Deflate telemetry payloads when that makes them smaller.
    public var compress = false
    /// zlib level, 1 (fastest) to 9 (smallest).
    public var compressLevel: Int32 = 1
    /// Largest telemetry payload; batches are cut to fit.
    public var maxMessageBytes = 0
    /// Bandwidth cap in payload bytes per second (0: none).
    public var maxBytesPerSecond: Int64 = 0
    /// A connect that has no CONNACK after this long is abandoned and retried.
    public var connectTimeoutMilliseconds: Int64 = 30_000

    public init(clientID: String, broker: BrokerURL, topicPrefix: String) {
        self.clientID = clientID
        self.brokers = [broker]
        self.topicPrefix = topicPrefix
    }

    /// The first broker of the list.
    public var broker: BrokerURL {
        get { brokers[0] }
        set { brokers = [newValue] }
    }

    /// TLS material for the mqtts:// brokers of the list (plain mqtt:// ones ignore it).
    public var tls: MQTTTLS? {
        brokers.contains(where: { $0.tls }) ? MQTTTLS(caFile: caFile ?? MQTTTLS.systemCAFile, certFile: certFile, keyFile: keyFile) : nil
    }

    /// Whether `other` connects the same way (a change here means a reconnect; the rest applies in place).
    public func sameConnection(as other: UplinkSettings) -> Bool {
        clientID == other.clientID && brokers == other.brokers && tls == other.tls && username == other.username
            && password == other.password && topicPrefix == other.topicPrefix && window == other.window
            && keepalive == other.keepalive && reconnectMin == other.reconnectMin && reconnectMax == other.reconnectMax
            && version == other.version && connectTimeoutMilliseconds == other.connectTimeoutMilliseconds
    }

    public var telemetryTopic: String { "\(topicPrefix)/telemetry" }
    public var stateTopic: String { "\(topicPrefix)/state" }
    public var eventsTopic: String { "\(topicPrefix)/events" }
    public var metaTopic: String { "\(topicPrefix)/meta" }
    public var healthTopic: String { "\(topicPrefix)/health" }
    /// Retained by a controller: the configuration it wants (the one topic the agent subscribes to).
    public var desiredTopic: String { "\(topicPrefix)/config/desired" }
    /// Retained by the agent: what it made of the desired configuration.
    public var reportedTopic: String { "\(topicPrefix)/config/reported" }

    /// The connection part, with the retained state's offline document as the Will.
    func link(will: String) -> MQTTLinkSettings {
        var link = MQTTLinkSettings(broker: broker, clientID: clientID)
        link.brokers = brokers
        link.version = version ?? .v5
        link.fallBackTo311 = version == nil
        link.tls = tls
        link.username = username
        link.password = password
        link.keepalive = keepalive
        link.reconnectMin = reconnectMin
        link.reconnectMax = reconnectMax
        link.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        link.will = (stateTopic, will, true)
        link.maxInflight = window + 1
        // Small packets (a PUBACK'd report, a state change) go out at once rather than
        // after the broker's delayed ACK of the one before (Nagle: up to 40 ms each).
        link.noDelay = true
        return link
    }
}
