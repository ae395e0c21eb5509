import CMosquitto
import CSystem
import CairnCore

/// What happened on a session since the caller last looked.
public enum MQTTEvent: Equatable {
    /// CONNACK arrived; code 0 is accepted, anything else names why the broker refused.
    case connected(code: Int32, reason: String)
    /// The connection ended; code 0 means we asked for it.
    case disconnected(code: Int32)
    /// The broker answered a QoS 1 publish (PUBACK) for this message id.
    /// MQTT 5 reason codes of 0x80 and above mean it was not accepted
    /// (0x87 not authorized: an ACL denies the topic); MQTT 3.1.1 always says 0.
    case published(messageID: Int32, reasonCode: Int32)
    /// A message arrived on a subscription.
    case message(topic: String, payload: [UInt8])
    /// The broker answered a SUBSCRIBE: granted QoS per filter (0x80 and above: refused).
    case subscribed(messageID: Int32, granted: [Int32])
}

public enum MQTTVersion: String, Equatable {
    case v5 = "5"
    case v311 = "3.1.1"
}

/// Optional MQTT 5 properties of a publish (ignored under 3.1.1).
public struct PublishProperties {
    public var contentType: String?
    public var userProperties: [(String, String)] = []

    public init(contentType: String? = nil, userProperties: [(String, String)] = []) {
        self.contentType = contentType
        self.userProperties = userProperties
    }
}

/// TLS material for mqtts:// and mutual TLS.
public struct MQTTTLS: Equatable {
    /// Debian's bundle; the static OpenSSL has no usable default path, so it is named here.
    public static let systemCAFile = "/etc/ssl/certs/ca-certificates.crt"

    public var caFile: String
    public var certFile: String?
    public var keyFile: String?

    public init(caFile: String, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }
}

/// One libmosquitto client handle for one connection attempt, driven from
/// the agent's poll() loop (never libmosquitto's own thread). A fresh session
/// per attempt means no message from a dead connection is retransmitted behind
/// the queue's back: the queue alone decides what is sent again.
///
/// Callbacks from C append to `events`; the owner drains them after each
/// read/write/misc call. That keeps control flow in Swift and avoids
/// reference cycles between the session and its owner.
public final class MQTTSession {
    private var handle: OpaquePointer?
    public private(set) var events: [MQTTEvent] = []
    /// OpenSSL's reason for the last TLS failure ("certificate verify failed"),
    /// which libmosquitto gives only to its log, not in its result code.
    private var tlsReason: String?

    nonisolated(unsafe) private static var libraryReady = false

    public let version: MQTTVersion

    public init(clientID: String, version: MQTTVersion = .v5, cleanSession: Bool = true) throws(MQTTError) {
        self.version = version
        if !MQTTSession.libraryReady {
            mosquitto_lib_init()
            MQTTSession.libraryReady = true
        }
        let created = clientID.withCString { mosquitto_new($0, cleanSession, nil) }
        guard let created else { throw MQTTError(code: MOSQ_ERR_NOMEM.rawValue) }
        handle = created
        mosquitto_user_data_set(created, Unmanaged.passUnretained(self).toOpaque())
        if version == .v5 {
            mosquitto_int_option(created, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
            mosquitto_connect_v5_callback_set(created) { _, context, code, _, _ in
                MQTTSession.from(context).events.append(.connected(
                    code: code, reason: String(cString: mosquitto_reason_string(code))))
            }
            mosquitto_disconnect_v5_callback_set(created) { _, context, code, _ in
                MQTTSession.from(context).events.append(.disconnected(code: code))
            }
            mosquitto_publish_v5_callback_set(created) { _, context, messageID, reason, _ in
                MQTTSession.from(context).events.append(.published(messageID: messageID, reasonCode: reason))
            }
        } else {
            mosquitto_int_option(created, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311)
            mosquitto_connect_callback_set(created) { _, context, code in
                MQTTSession.from(context).events.append(.connected(
                    code: code, reason: String(cString: mosquitto_connack_string(code))))
            }
            mosquitto_disconnect_callback_set(created) { _, context, code in
                MQTTSession.from(context).events.append(.disconnected(code: code))
            }
            mosquitto_publish_callback_set(created) { _, context, messageID in
                MQTTSession.from(context).events.append(.published(messageID: messageID, reasonCode: 0))
            }
        }
        registerSubscriberCallbacks(created)
        mosquitto_log_callback_set(created) { _, context, _, text in
            guard let text else { return }
            let line = String(cString: text)
            if line.hasPrefix("OpenSSL Error") { MQTTSession.from(context).tlsReason = line }
        }
    }

    private func registerSubscriberCallbacks(_ created: OpaquePointer) {
        // The plain callbacks serve both protocol versions; properties are not needed here.
        mosquitto_message_callback_set(created) { _, context, message in
            guard let message, let topic = message.pointee.topic else { return }
            let count = Int(message.pointee.payloadlen)
            let payload = count > 0 && message.pointee.payload != nil
                ? Array(UnsafeRawBufferPointer(start: message.pointee.payload, count: count)) : []
            MQTTSession.from(context).events.append(.message(topic: String(cString: topic), payload: payload))
        }
        mosquitto_subscribe_callback_set(created) { _, context, messageID, count, granted in
            var list: [Int32] = []
            if let granted { for index in 0..<Int(count) { list.append(granted[index]) } }
            MQTTSession.from(context).events.append(.subscribed(messageID: messageID, granted: list))
        }
    }

    deinit {
        if let handle {
            mosquitto_destroy(handle)
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> MQTTSession {
        Unmanaged<MQTTSession>.fromOpaque(context!).takeUnretainedValue()
    }

    private func check(_ code: Int32) throws(MQTTError) {
        guard code == MOSQ_ERR_SUCCESS.rawValue else { throw error(code) }
    }

    /// The library's error; a TLS error names OpenSSL's reason when the log gave one.
    private func error(_ code: Int32) -> MQTTError {
        let error = MQTTError(code: code)
        guard code == MOSQ_ERR_TLS.rawValue, let reason = tlsReason else { return error }
        return MQTTError(code: code, message: "\(error.message) \(reason)")
    }

    public func setCredentials(username: String, password: String?) throws(MQTTError) {
        let code = username.withCString { user in
            password.map { $0.withCString { mosquitto_username_pw_set(handle, user, $0) } }
                ?? mosquitto_username_pw_set(handle, user, nil)
        }
        try check(code)
    }

    /// Server verification (chain and host name) stays on: there is no switch to turn it off.
    public func setTLS(_ tls: MQTTTLS) throws(MQTTError) {
        let code = tls.caFile.withCString { ca in
            withOptionalCString(tls.certFile) { cert in
                withOptionalCString(tls.keyFile) { key in
                    mosquitto_tls_set(handle, ca, nil, cert, key, nil)
                }
            }
        }
        try check(code)
        try check(mosquitto_tls_opts_set(handle, 1, nil, nil))
    }

    /// The Last Will the broker publishes when this client vanishes without DISCONNECT.
    public func setWill(topic: String, payload: String, retain: Bool) throws(MQTTError) {
        var bytes = Array(payload.utf8)
        let code = topic.withCString { t in
            bytes.withUnsafeMutableBytes { mosquitto_will_set(handle, t, Int32($0.count), $0.baseAddress, 1, retain) }
        }
        try check(code)
    }

    /// Sends small packets at once instead of waiting for the previous ones' ACK (Nagle).
    public func setNoDelay() {
        mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1)
    }

    public func setMaxInflight(_ count: Int) {
        mosquitto_max_inflight_messages_set(handle, UInt32(count))
    }

    /// Starts a non-blocking connect; completion arrives as a `.connected` event.
    public func connect(host: String, port: Int, keepalive: Int) throws(MQTTError) {
        let code = host.withCString { mosquitto_connect_async(handle, $0, Int32(port), Int32(keepalive)) }
        try check(code)
    }

    /// The socket to poll, or -1 when there is none.
    public var socket: Int32 { mosquitto_socket(handle) }
    public var wantsWrite: Bool { mosquitto_want_write(handle) }

    public func loopRead() throws(MQTTError) { try check(mosquitto_loop_read(handle, 1)) }

    /// Reads packets while the socket has more, up to `limit`. libmosquitto reads one
    /// QoS 0 packet per call, so a burst from LAN devices would otherwise cost a poll
    /// turn (and a queue transaction) per message.
    public func loopReadAvailable(limit: Int) throws(MQTTError) {
        for _ in 0..<max(1, limit) {
            try loopRead()
            var fd = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard fd.fd >= 0, poll(&fd, 1, 0) > 0, fd.revents & Int16(POLLIN) != 0 else { return }
        }
    }
    public func loopWrite() throws(MQTTError) { try check(mosquitto_loop_write(handle, 1)) }
    /// Keepalive pings and timeouts; call about once a second.
    public func loopMisc() throws(MQTTError) { try check(mosquitto_loop_misc(handle)) }

    /// Queues a publish; returns the message id its PUBACK will carry.
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false,
                        properties: PublishProperties = PublishProperties()) throws(MQTTError) -> Int32 {
        var messageID: Int32 = 0
        var list: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&list) }
        if version == .v5 {
            if let type = properties.contentType {
                try check(type.withCString { mosquitto_property_add_string(&list, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), $0) })
            }
            for (name, value) in properties.userProperties {
                try check(name.withCString { n in value.withCString {
                    mosquitto_property_add_string_pair(&list, Int32(MQTT_PROP_USER_PROPERTY.rawValue), n, $0)
                } })
            }
        }
        let code = topic.withCString { t in
            payload.withUnsafeBytes {
                mosquitto_publish_v5(handle, &messageID, t, Int32($0.count), $0.baseAddress, qos, retain, list)
            }
        }
        try check(code)
        return messageID
    }

    /// Subscribes to a topic filter; the SUBACK arrives as a `.subscribed` event.
    public func subscribe(_ filter: String, qos: Int32) throws(MQTTError) -> Int32 {
        var messageID: Int32 = 0
        try check(filter.withCString { mosquitto_subscribe(handle, &messageID, $0, qos) })
        return messageID
    }

    /// Ends a subscription (the UNSUBACK is not reported).
    public func unsubscribe(_ filter: String) throws(MQTTError) {
        var messageID: Int32 = 0
        try check(filter.withCString { mosquitto_unsubscribe(handle, &messageID, $0) })
    }

    /// Whether `topic` matches the subscription filter `filter` (`+`, `#`).
    public static func topic(_ topic: String, matches filter: String) -> Bool {
        var result = false
        _ = filter.withCString { f in topic.withCString { mosquitto_topic_matches_sub(f, $0, &result) } }
        return result
    }

    public func disconnect() {
        mosquitto_disconnect(handle)
    }

    /// Hands over the events collected so far.
    public func takeEvents() -> [MQTTEvent] {
        let taken = events
        events.removeAll()
        return taken
    }
}

private func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}
