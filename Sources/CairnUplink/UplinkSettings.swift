import CairnCore
import CairnMQTT

/// What the uplink needs from the agent configuration.
public struct UplinkSettings {
    public var clientID: String
    public var broker: BrokerURL
    public var tls: MQTTTLS?
    public var username: String?
    public var password: String?
    public var topicPrefix: String
    public var batchSize: Int
    public var window: Int
    public var keepalive: Int
    public var reconnectMin: Double
    public var reconnectMax: Double
    /// Backlog messages per second after an outage (0: as fast as the window allows).
    public var backfillPerSecond: Double
    public var version: MQTTVersion
    /// Deflate telemetry payloads when that makes them smaller.
    public var compress: Bool
    /// Largest telemetry payload; batches are cut to fit.
    public var maxMessageBytes: Int
    /// Bandwidth cap in payload bytes per second (0: none).
    public var maxBytesPerSecond: Int64
    /// A connect that has no CONNACK after this long is abandoned and retried.
    public var connectTimeoutMilliseconds: Int64 = 30_000

    public init(config: AgentConfig) {
        clientID = config.deviceID
        broker = config.broker
        if config.broker.tls {
            tls = MQTTTLS(caFile: config.caFile ?? MQTTTLS.systemCAFile,
                          certFile: config.certFile, keyFile: config.keyFile)
        }
        username = config.username
        password = config.password
        topicPrefix = config.topicPrefix
        batchSize = config.batchSize
        window = config.inflightWindow
        keepalive = config.keepalive
        reconnectMin = config.reconnectMin
        reconnectMax = config.reconnectMax
        backfillPerSecond = config.backfillPerSecond
        version = config.mqttVersion == "3.1.1" ? .v311 : .v5
        compress = config.compress
        maxMessageBytes = config.maxMessageBytes
        maxBytesPerSecond = config.maxBytesPerSecond
    }

    public var telemetryTopic: String { "\(topicPrefix)/telemetry" }
    public var stateTopic: String { "\(topicPrefix)/state" }
    public var eventsTopic: String { "\(topicPrefix)/events" }
    public var metaTopic: String { "\(topicPrefix)/meta" }
    public var healthTopic: String { "\(topicPrefix)/health" }

    /// The connection part, with the retained state's offline document as the Will.
    func link(will: String) -> MQTTLinkSettings {
        var link = MQTTLinkSettings(broker: broker, clientID: clientID)
        link.version = version
        link.tls = tls
        link.username = username
        link.password = password
        link.keepalive = keepalive
        link.reconnectMin = reconnectMin
        link.reconnectMax = reconnectMax
        link.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        link.will = (stateTopic, will, true)
        link.maxInflight = window + 1
        return link
    }
}
