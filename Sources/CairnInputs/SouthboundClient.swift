import CairnCore
import CairnMQTT

/// The agent's client on the LAN broker where devices publish their own
/// readings: subscribes to the mapped topics, turns messages into readings,
/// and publishes alarm actions. It works with no cloud connection at all; the
/// link reconnects by itself with backoff when the LAN broker goes away.
public final class SouthboundClient {
    public struct Counters: Equatable {
        public var messagesReceived: Int64 = 0
        /// Messages that produced no reading (bad payload, fields missing).
        public var messagesRejected: Int64 = 0
        public var actionsPublished: Int64 = 0
        /// Actions replaced by a newer one for the same topic before the broker was back.
        public var actionsSuperseded: Int64 = 0
        public var connections: Int64 = 0
        public var lastError: String = ""
    }

    public let link: MQTTLink
    public let maps: [MQTTReadingMap]
    public let qos: Int32
    public private(set) var counters = Counters()
    /// Readings and failures from messages since the owner last took them.
    private var received = InputResult()
    /// Per map: sensors that stopped arriving.
    private var silences: [SilenceWatch]
    /// Actions waiting for the broker: only the latest per topic, like a retained state.
    private var pendingActions: [(topic: String, payload: [UInt8], qos: Int32, retain: Bool)] = []

    public init(settings: MQTTLinkSettings, maps: [MQTTReadingMap], qos: Int32 = 1) {
        link = MQTTLink(settings: settings)
        self.maps = maps
        silences = maps.map { SilenceWatch(limit: $0.staleAfter) }
        self.qos = qos
    }

    public var isOnline: Bool { link.isOnline }
    public var pollRequest: (fd: Int32, events: Int16)? { link.pollRequest }
    public func nextDeadline(now: Int64) -> Int64 {
        silences.reduce(link.nextDeadline(now: now)) { min($0, $1.nextDeadline) }
    }

    public func handle(revents: Int16, now: Int64) {
        link.handle(revents: revents, now: now)
        processEvents(now: now)
    }

    public func tick(now: Int64) {
        link.tick(now: now)
        processEvents(now: now)
    }

    /// Readings (and failures) from the messages that arrived since the last
    /// call, and a failure for each sensor silent for its map's `staleAfter`.
    public func take(nowMonotonic: Int64) -> InputResult {
        var taken = received
        received = InputResult()
        for index in silences.indices { silences[index].check(nowMonotonic: nowMonotonic, into: &taken) }
        return taken
    }

    /// Publishes now when connected; otherwise keeps the latest payload per
    /// topic and sends it on reconnect (an actuator wants the current command,
    /// not a replay of every one it missed).
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool) {
        if link.isOnline, send(topic: topic, payload: payload, qos: qos, retain: retain) { return }
        if let slot = pendingActions.firstIndex(where: { $0.topic == topic }) {
            pendingActions.remove(at: slot)
            counters.actionsSuperseded += 1
        }
        pendingActions.append((topic, payload, qos, retain))
        Log.warning("southbound broker \(link.settings.broker) not connected; \(topic) will be published on reconnect")
    }

    public func stop() { link.close() }

    private func send(topic: String, payload: [UInt8], qos: Int32, retain: Bool) -> Bool {
        guard let session = link.session else { return false }
        do {
            _ = try session.publish(topic: topic, payload: payload, qos: qos, retain: retain)
            counters.actionsPublished += 1
            return true
        } catch {
            counters.lastError = "publish to \(topic) failed: \(error)"
            Log.warning("southbound: \(counters.lastError)")
            return false
        }
    }

    private func processEvents(now: Int64) {
        link.handleEvents { handle($0, now: now) }
    }

    private func handle(_ event: MQTTLink.Event, now: Int64) {
        switch event {
        case .online:
            counters.connections += 1
            Log.info("connected to the southbound broker \(link.settings.broker)")
            subscribeAll(now: now)
            let waiting = pendingActions
            pendingActions.removeAll()
            for action in waiting where !send(topic: action.topic, payload: action.payload, qos: action.qos, retain: action.retain) {
                pendingActions.append(action)
            }
        case .lost(let reason, _, let retryIn):
            counters.lastError = reason
            Log.warning("southbound broker \(link.settings.broker): \(reason); retrying in \(retryIn) ms")
        case .message(let topic, let payload):
            counters.messagesReceived += 1
            let wall = Clock.wallMilliseconds()
            var result = InputResult()
            for (index, map) in maps.enumerated() where map.matches(topic) {
                let before = result.readings.count
                map.read(topic: topic, payload: payload, now: wall, into: &result)
                for reading in result.readings[before...] { silences[index].heard(reading.sensor, nowMonotonic: now) }
            }
            if result.readings.isEmpty {
                counters.messagesRejected += 1
                if let first = result.failures.first { counters.lastError = first.reason }
            }
            received.readings += result.readings
            received.failures += result.failures
        case .subscribed(_, let granted):
            for code in granted where code >= 0x80 {
                counters.lastError = "the southbound broker refused a subscription: \(MQTTError.reasonText(code))"
                Log.warning(counters.lastError)
            }
        case .published:
            break
        }
    }

    private func subscribeAll(now: Int64) {
        guard let session = link.session else { return }
        var filters: [String] = []
        for map in maps where !filters.contains(map.filter) { filters.append(map.filter) }
        for filter in filters {
            do {
                _ = try session.subscribe(filter, qos: qos)
            } catch {
                link.fail("cannot subscribe to \(filter): \(error)", now: now)
                return
            }
        }
    }
}
