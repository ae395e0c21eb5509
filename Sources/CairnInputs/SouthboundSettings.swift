import CairnCore
import CairnMQTT

/// The LAN broker that "mqtt" inputs subscribe to and "publish" actions use.
public struct SouthboundSettings: Equatable {
    /// nil: none configured.
    public var broker: BrokerURL?
    public var username: String?
    public var password: String?
    /// CA certificates for an mqtts:// broker (nil: the system bundle).
    public var caFile: String?
    /// Identity, keepalive and backoff follow the uplink's (set when the configuration is finished).
    public var clientID = ""
    public var keepalive = 0
    public var reconnectMin = 0.0
    public var reconnectMax = 0.0

    public init() {}

    /// The link to keep up, when a broker is configured.
    public var link: MQTTLinkSettings? {
        guard let broker else { return nil }
        var link = MQTTLinkSettings(broker: broker, clientID: clientID)
        if broker.tls { link.tls = MQTTTLS(caFile: caFile ?? MQTTTLS.systemCAFile) }
        link.username = username
        link.password = password
        link.keepalive = keepalive
        link.reconnectMin = reconnectMin
        link.reconnectMax = reconnectMax
        // An alarm's publish action reaches the actuator without waiting out Nagle.
        link.noDelay = true
        return link
    }
}
