import CMosquitto
import CSystem
import CairnCore

/// Who to connect to and how: everything an `MQTTLink` needs.
public struct MQTTLinkSettings {
    /// Tried in order (see `BrokerRotation`); never empty.
    public var brokers: [BrokerURL]
    public var clientID: String
    public var version: MQTTVersion = .v5
    /// Version negotiation (`mqtt_version` unset): a broker that refuses `version` 5 as an
    /// unsupported protocol is asked again with 3.1.1. Off: the version is never changed.
    public var fallBackTo311 = false
    public var tls: MQTTTLS?
    public var username: String?
    public var password: String?
    public var keepalive: Int = 30
    public var reconnectMin: Double = 1
    public var reconnectMax: Double = 60
    public var connectTimeoutMilliseconds: Int64 = 30_000
    /// The Last Will: topic, payload, retained.
    public var will: (topic: String, payload: String, retain: Bool)?
    public var maxInflight: Int = 20
    /// TCP_NODELAY: for a client that waits on many small round trips (`cairn ctl`).
    public var noDelay = false

    public init(broker: BrokerURL, clientID: String) {
        self.brokers = [broker]
        self.clientID = clientID
    }

    /// The first broker of the list.
    public var broker: BrokerURL {
        get { brokers[0] }
        set { brokers = [newValue] }
    }
}

/// One broker connection kept up from the poll loop: a fresh `MQTTSession` per
/// attempt, jittered backoff between attempts, a connect timeout and keepalive
/// pings. What it cannot decide itself (PUBACKs, messages) goes to the owner as
/// `Event`s; the owner may end a connection with `fail`.
public final class MQTTLink {
    public enum State: Equatable {
        case waiting(untilMonotonic: Int64)
        case connecting(sinceMonotonic: Int64)
        case online
    }

    public enum Event: Equatable {
        /// CONNACK accepted: subscribe and publish from here.
        case online
        /// The connection ended (`wasOnline`) or could not be made; the next
        /// attempt is due in `retryIn` ms.
        case lost(reason: String, wasOnline: Bool, retryIn: Int64)
        case published(messageID: Int32, reasonCode: Int32)
        case message(topic: String, payload: [UInt8])
        case subscribed(messageID: Int32, granted: [Int32])
    }

    public let settings: MQTTLinkSettings
    public private(set) var state: State = .waiting(untilMonotonic: 0)
    /// The session while connecting or online; publish through it when online.
    public private(set) var session: MQTTSession?
    private var backoff: Backoff
    private var rotation: BrokerRotation
    /// Brokers (by URL) that refused MQTT 5 and are spoken to in 3.1.1 from then on.
    public private(set) var fellBack: Set<String> = []
    /// Brokers that closed an MQTT 5 connection before any CONNACK (RabbitMQ before 3.13
    /// cannot parse an MQTT 5 CONNECT and drops it): tried in 3.1.1 once; kept in
    /// `fellBack` only if that attempt gets its CONNACK.
    private var trying311: Set<String> = []
    /// Where the current or last attempt went: the broker, and the address used.
    public private(set) var target: BrokerRotation.Target?
    private var lastMisc: Int64 = 0
    private var events: [Event] = []

    public init(settings: MQTTLinkSettings) {
        self.settings = settings
        backoff = Backoff(minimum: settings.reconnectMin, maximum: settings.reconnectMax)
        rotation = BrokerRotation(brokers: settings.brokers)
    }

    /// The broker of the current (or next) attempt.
    public var broker: BrokerURL { target?.broker ?? rotation.broker }

    /// The protocol version spoken to `broker`: 3.1.1 once it refused 5 under negotiation.
    public var version: MQTTVersion { fellBack.contains(broker.description) ? .v311 : settings.version }

    public var isOnline: Bool { state == .online }

    /// Hands each event since the last call to `handle`, in order, including
    /// those that handling adds (an owner's `fail` reports `.lost`).
    public func handleEvents(_ handle: (Event) -> Void) {
        while !events.isEmpty {
            let taken = events
            events.removeAll()
            for event in taken { handle(event) }
        }
    }

    /// The socket and the poll events wanted on it, when connected or connecting.
    public var pollRequest: (fd: Int32, events: Int16)? {
        guard let session, session.socket >= 0 else { return nil }
        return (session.socket, Int16(session.wantsWrite ? POLLIN | POLLOUT : POLLIN))
    }

    /// Earliest monotonic time at which `tick` has work to do.
    public func nextDeadline(now: Int64) -> Int64 {
        switch state {
        case .waiting(let until): return until
        case .connecting(let since): return min(since + settings.connectTimeoutMilliseconds, lastMisc + 1000)
        case .online: return lastMisc + 1000
        }
    }

    /// Socket readiness from poll(). Returns whether the session is still usable.
    @discardableResult
    public func handle(revents: Int16, now: Int64) -> Bool {
        guard let session else { return false }
        return drive(now: now) { () throws(MQTTError) in
            if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { try session.loopReadAvailable(limit: 256) }
            if revents & Int16(POLLOUT) != 0 { try session.loopWrite() }
        }
    }

    /// Timers: the next attempt once the backoff has passed, the connect timeout, keepalive.
    public func tick(now: Int64) {
        switch state {
        case .waiting(let until):
            if now >= until { startAttempt(now: now) }
        case .connecting(let since):
            if now - since > settings.connectTimeoutMilliseconds {
                fail("no answer from \(attemptName) within \(settings.connectTimeoutMilliseconds / 1000) s", now: now)
                return
            }
            runMisc(now: now)
        case .online:
            runMisc(now: now)
        }
    }

    /// Runs libmosquitto work and turns what it reported into events; a failed
    /// call means the connection is gone. Returns whether the session is still usable.
    private func drive(now: Int64, _ work: () throws(MQTTError) -> Void) -> Bool {
        guard let session else { return false }
        var failure: MQTTError?
        do {
            try work()
        } catch {
            failure = error
        }
        for event in session.takeEvents() {
            switch event {
            case .connected(let code, let reason):
                guard code == 0 else {
                    refused(code: code, reason: reason, now: now)
                    return false
                }
                if trying311.remove(broker.description) != nil {
                    Log.warning("broker \(broker) closed MQTT 5 connections without a CONNACK and accepts MQTT 3.1.1; "
                                + "speaking MQTT 3.1.1 to it from now on")
                }
                state = .online
                backoff.reset()
                rotation.connected()
                events.append(.online)
            case .disconnected(let code):
                if code != 0 && droppedBeforeConnack(now: now) { return false }
                fail(code == 0 ? "disconnected" : "connection lost (\(MQTTError(code: code).message))", now: now)
                return false
            case .published(let messageID, let reasonCode):
                events.append(.published(messageID: messageID, reasonCode: reasonCode))
            case .message(let topic, let payload):
                events.append(.message(topic: topic, payload: payload))
            case .subscribed(let messageID, let granted):
                events.append(.subscribed(messageID: messageID, granted: granted))
            }
        }
        if let failure {
            if failure.code == Int32(MOSQ_ERR_CONN_LOST.rawValue) && droppedBeforeConnack(now: now) { return false }
            fail("connection lost: \(failure)", now: now)
            return false
        }
        return true
    }

    /// Under negotiation, an MQTT 5 connection the broker closed while the agent waited for
    /// its CONNACK is tried again at once in 3.1.1 (true: done so). A 3.1.1 attempt that
    /// fails the same way undoes it: the broker was not refusing the version.
    private func droppedBeforeConnack(now: Int64) -> Bool {
        guard case .connecting = state, settings.fallBackTo311 else { return false }
        let name = broker.description
        if trying311.remove(name) != nil {
            fellBack.remove(name)
            return false
        }
        guard version == .v5 else { return false }
        fellBack.insert(name)
        trying311.insert(name)
        Log.info("broker \(broker) closed the MQTT 5 connection before its CONNACK; trying MQTT 3.1.1")
        session = nil
        state = .waiting(untilMonotonic: now)
        return true
    }

    /// Drops the session and moves on to the next address or broker: at once, or
    /// after a jittered backoff once a full pass over the list has failed.
    public func fail(_ reason: String, now: Int64) {
        let wasOnline = state == .online
        session = nil
        let delay = rotation.advance() ? backoff.nextDelayMilliseconds() : 0
        state = .waiting(untilMonotonic: now + delay)
        events.append(.lost(reason: reason, wasOnline: wasOnline, retryIn: delay))
    }

    /// A refused CONNACK. Under negotiation, "unsupported protocol version" to an MQTT 5
    /// CONNECT (0x84; a 3.1.1-only broker's code 1, which libmosquitto reports as 0x84)
    /// means: the same broker again at once, in 3.1.1, from now on.
    private func refused(code: Int32, reason: String, now: Int64) {
        let unsupported = code == Int32(MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION.rawValue) || code == 1
        if unsupported && settings.fallBackTo311 && version == .v5 {
            fellBack.insert(broker.description)
            Log.warning("broker \(broker) refused MQTT 5 as an unsupported protocol version; speaking MQTT 3.1.1 to it from now on")
            session = nil
            state = .waiting(untilMonotonic: now)
            return
        }
        // A 3.1.1 attempt answered: the broker speaks 3.1.1 (kept), unless it refused that version too.
        if trying311.remove(broker.description) != nil && unsupported { fellBack.remove(broker.description) }
        var text = "broker \(attemptName) refused the connection: \(reason)"
        if unsupported && version == .v5 && !settings.fallBackTo311 {
            text += " (mqtt_version is set to 5; unset it to let the agent fall back to 3.1.1)"
        }
        fail(text, now: now)
    }

    /// The broker, and the address when it is not the host name itself.
    private var attemptName: String {
        guard let target, target.host != target.broker.host else { return "\(broker)" }
        return "\(target.broker) (\(target.host))"
    }

    /// Sends DISCONNECT (best effort) and drops the session; no reconnect is scheduled.
    public func close() {
        guard let session else { return }
        session.disconnect()
        try? session.loopWrite()
        self.session = nil
        state = .waiting(untilMonotonic: Int64.max)
    }

    private func runMisc(now: Int64) {
        guard let session, now - lastMisc >= 1000 else { return }
        lastMisc = now
        _ = drive(now: now) { () throws(MQTTError) in try session.loopMisc() }
    }

    private func startAttempt(now: Int64) {
        let next: BrokerRotation.Target
        switch rotation.target() {
        case .success(let found): next = found
        case .failure(let error):
            target = nil
            fail("cannot connect to \(rotation.broker): \(error.message)", now: now)
            return
        }
        target = next
        do {
            let fresh = try MQTTSession(clientID: settings.clientID, version: version)
            if next.broker.tls, let tls = settings.tls { try fresh.setTLS(tls) }
            if let username = settings.username { try fresh.setCredentials(username: username, password: settings.password) }
            if let will = settings.will { try fresh.setWill(topic: will.topic, payload: will.payload, retain: will.retain) }
            fresh.setMaxInflight(settings.maxInflight)
            if settings.noDelay { fresh.setNoDelay() }
            try fresh.connect(host: next.host, port: next.broker.port, keepalive: settings.keepalive)
            session = fresh
            state = .connecting(sinceMonotonic: now)
            lastMisc = now
        } catch {
            fail("cannot connect to \(attemptName): \(error)", now: now)
        }
    }
}
