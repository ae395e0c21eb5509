import CSystem
import CairnCore
import CairnQueue

/// Moves queued records to the broker. Owns the MQTT session, reconnects with
/// backoff, keeps a window of QoS 1 messages in flight, and deletes records
/// from the queue only when the PUBACK for the message carrying them arrives.
public final class Uplink {
    public enum State: Equatable {
        case waiting(untilMonotonic: Int64)
        case connecting(sinceMonotonic: Int64)
        case online
    }

    public struct Counters {
        public var messagesPublished: Int64 = 0
        public var recordsAcknowledged: Int64 = 0
        public var connections: Int64 = 0
        public var connectFailures: Int64 = 0
        public var lastError: String = ""
    }

    public let settings: UplinkSettings
    private let queue: DurableQueue
    public private(set) var state: State = .waiting(untilMonotonic: 0)
    public private(set) var counters = Counters()
    private var session: MQTTSession?
    private var backoff: Backoff
    /// Message id → sequence numbers it carries.
    private var inflight: [Int32: [Int64]] = [:]
    /// Highest telemetry sequence handed to the current session.
    private var telemetryCursor: Int64 = 0
    private var lastMisc: Int64 = 0

    public init(settings: UplinkSettings, queue: DurableQueue) {
        self.settings = settings
        self.queue = queue
        self.backoff = Backoff(minimum: settings.reconnectMin, maximum: settings.reconnectMax)
    }

    public var isOnline: Bool { state == .online }
    public var inflightMessages: Int { inflight.count }

    /// The socket and the poll events wanted on it, when connected or connecting.
    public var pollRequest: (fd: Int32, events: Int16)? {
        guard let session, session.socket >= 0 else { return nil }
        var events = Int16(POLLIN)
        if session.wantsWrite { events |= Int16(POLLOUT) }
        return (session.socket, events)
    }

    /// Earliest monotonic time at which `tick` has work to do.
    public func nextDeadline(now: Int64) -> Int64 {
        switch state {
        case .waiting(let until): return until
        case .connecting(let since): return min(since + settings.connectTimeoutMilliseconds, lastMisc + 1000)
        case .online: return lastMisc + 1000
        }
    }

    public func handle(revents: Int16, now: Int64) {
        guard let session else { return }
        do {
            if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { try session.loopRead() }
            if revents & Int16(POLLOUT) != 0 { try session.loopWrite() }
        } catch {
            processEvents(now: now)
            if self.session != nil { fail("connection lost: \(error)", now: now) }
            return
        }
        processEvents(now: now)
        pump(now: now)
    }

    /// Timers: reconnect when the backoff has passed, keepalive, connect timeout, publishing.
    public func tick(now: Int64) {
        switch state {
        case .waiting(let until):
            if now >= until { startAttempt(now: now) }
        case .connecting(let since):
            if now - since > settings.connectTimeoutMilliseconds {
                fail("no answer from \(settings.broker) within \(settings.connectTimeoutMilliseconds / 1000) s", now: now)
                return
            }
            runMisc(now: now)
        case .online:
            runMisc(now: now)
            pump(now: now)
        }
    }

    private func runMisc(now: Int64) {
        guard let session, now - lastMisc >= 1000 else { return }
        lastMisc = now
        do {
            try session.loopMisc()
        } catch {
            processEvents(now: now)
            if self.session != nil { fail("connection lost: \(error)", now: now) }
            return
        }
        processEvents(now: now)
    }

    private func startAttempt(now: Int64) {
        do {
            let fresh = try MQTTSession(clientID: settings.clientID)
            if let tls = settings.tls { try fresh.setTLS(tls) }
            if let username = settings.username { try fresh.setCredentials(username: username, password: settings.password) }
            try fresh.setWill(topic: settings.stateTopic, payload: statePayload(online: false, now: nil), retain: true)
            fresh.setMaxInflight(settings.window + 1)
            try fresh.connect(host: settings.broker.host, port: settings.broker.port, keepalive: settings.keepalive)
            session = fresh
            state = .connecting(sinceMonotonic: now)
            lastMisc = now
            Log.debug("connecting to \(settings.broker)")
        } catch {
            session = nil
            fail("cannot connect to \(settings.broker): \(error)", now: now)
        }
    }

    private func processEvents(now: Int64) {
        guard let session else { return }
        for event in session.takeEvents() {
            switch event {
            case .connected(let code, let reason):
                if code == 0 {
                    becomeOnline(now: now)
                } else {
                    fail("broker \(settings.broker) refused the connection: \(reason)", now: now)
                    return
                }
            case .disconnected(let code):
                fail(code == 0 ? "disconnected" : "connection lost (\(MQTTError(code: code).message))", now: now)
                return
            case .published(let messageID):
                acknowledge(messageID)
            }
        }
    }

    private func becomeOnline(now: Int64) {
        state = .online
        backoff.reset()
        counters.connections += 1
        inflight.removeAll()
        // A new session starts from the oldest unacknowledged record.
        telemetryCursor = 0
        Log.info("connected to \(settings.broker) as \(settings.clientID)")
        publishState(online: true)
    }

    private func acknowledge(_ messageID: Int32) {
        guard let sequences = inflight.removeValue(forKey: messageID) else { return }
        do {
            try queue.acknowledge(sequences)
            counters.recordsAcknowledged += Int64(sequences.count)
        } catch {
            // The rows stay queued and are sent again later: a duplicate, never a loss.
            counters.lastError = "\(error)"
            Log.error("cannot delete acknowledged records: \(error)")
        }
    }

    /// Publishes queued telemetry until the in-flight window is full or the queue is drained.
    private func pump(now: Int64) {
        guard state == .online, let session else { return }
        while inflight.count < settings.window {
            let records: [QueuedRecord]
            do {
                records = try queue.records(stream: .telemetry, after: telemetryCursor, limit: settings.batchSize)
            } catch {
                counters.lastError = "\(error)"
                Log.error("cannot read the queue: \(error)")
                return
            }
            guard let last = records.last else { return }
            let payload = TelemetryBatch.encode(device: settings.clientID, records: records)
            do {
                let messageID = try session.publish(topic: settings.telemetryTopic, payload: payload)
                inflight[messageID] = records.map { $0.sequence }
                telemetryCursor = last.sequence
                counters.messagesPublished += 1
            } catch {
                fail("publish failed: \(error)", now: now)
                return
            }
        }
    }

    private func statePayload(online: Bool, now: Int64?) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("state"); writer.string(online ? "online" : "offline")
        writer.key("device"); writer.string(settings.clientID)
        writer.key("version"); writer.string(BuildInfo.version)
        writer.key("arch"); writer.string(BuildInfo.architecture)
        if let now { writer.key("time"); writer.string(Clock.rfc3339(now)) }
        writer.endObject()
        return writer.text
    }

    private func publishState(online: Bool) {
        guard let session else { return }
        let payload = Array(statePayload(online: online, now: Clock.wallMilliseconds()).utf8)
        do {
            _ = try session.publish(topic: settings.stateTopic, payload: payload, retain: true)
        } catch {
            Log.warning("cannot publish state: \(error)")
        }
    }

    private func fail(_ reason: String, now: Int64) {
        let delay = backoff.nextDelayMilliseconds()
        counters.lastError = reason
        if state == .online {
            Log.warning("\(reason); \(inflight.count) messages unacknowledged stay queued; retrying in \(delay) ms")
        } else {
            counters.connectFailures += 1
            Log.warning("\(reason); retrying in \(delay) ms")
        }
        session = nil
        inflight.removeAll()
        state = .waiting(untilMonotonic: now + delay)
    }

    /// Clean stop: waits up to `budget` ms for in-flight messages to be
    /// acknowledged (fewer duplicates next start), sets the retained state to
    /// offline (a clean DISCONNECT does not trigger the Will), and disconnects.
    /// Records still unacknowledged simply stay queued for the next start.
    public func shutdown(budgetMilliseconds: Int64 = 3000) {
        guard let session, state == .online else { self.session = nil; return }
        publishState(online: false)
        let deadline = Clock.monotonicMilliseconds() + budgetMilliseconds
        var connected = true
        while connected && (session.wantsWrite || !inflight.isEmpty) && Clock.monotonicMilliseconds() < deadline {
            var fd = pollfd(fd: session.socket, events: Int16(session.wantsWrite ? POLLIN | POLLOUT : POLLIN), revents: 0)
            guard poll(&fd, 1, 100) >= 0 else { break }
            do {
                if fd.revents & Int16(POLLOUT) != 0 { try session.loopWrite() }
                if fd.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { try session.loopRead() }
            } catch {
                connected = false
            }
            for event in session.takeEvents() {
                switch event {
                case .published(let messageID): acknowledge(messageID)
                case .disconnected: connected = false
                case .connected: break
                }
            }
        }
        if connected {
            session.disconnect()
            try? session.loopWrite()
        }
        if !inflight.isEmpty { Log.info("\(inflight.count) messages unacknowledged at stop stay queued") }
        self.session = nil
        inflight.removeAll()
        state = .waiting(untilMonotonic: 0)
    }
}
