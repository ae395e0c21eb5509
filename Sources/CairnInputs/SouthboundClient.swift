import CairnCore
import CairnMQTT

/// The agent's client on the LAN broker where devices publish their own
/// readings: subscribes to the mapped topics, turns messages into readings,
/// and publishes alarm actions. It works with no cloud connection at all; the
/// link reconnects by itself with backoff when the LAN broker goes away.
public final class SouthboundClient {
    /// Handles into the agent's `MetricRegistry`, with `Int64` views.
    public struct Counters {
        let received: MetricRegistry.Series
        let refused: MetricRegistry.Series
        let published: MetricRegistry.Series
        let superseded: MetricRegistry.Series
        let connected: MetricRegistry.Series
        public var lastError: String = ""

        init(_ metrics: MetricRegistry) {
            received = metrics.counter("cairn_southbound_messages_total", help: "Messages received from the LAN broker.")
            refused = metrics.counter("cairn_southbound_messages_rejected_total", help: "LAN broker messages that produced no reading (bad payload, fields missing).")
            published = metrics.counter("cairn_alarm_actions_published_total", help: "Alarm actions published to the LAN broker.")
            superseded = metrics.counter("cairn_alarm_actions_superseded_total", help: "Alarm actions replaced by a newer one for the same topic before the LAN broker was back.")
            connected = metrics.counter("cairn_southbound_connections_total", help: "Connections to the LAN broker that were accepted.")
        }

        public var messagesReceived: Int64 { Int64(received.value) }
        /// Messages that produced no reading (bad payload, fields missing).
        public var messagesRejected: Int64 { Int64(refused.value) }
        public var actionsPublished: Int64 { Int64(published.value) }
        /// Actions replaced by a newer one for the same topic before the broker was back.
        public var actionsSuperseded: Int64 { Int64(superseded.value) }
        public var connections: Int64 { Int64(connected.value) }
    }

    public let link: MQTTLink
    public let qos: Int32
    public private(set) var counters: Counters
    /// The mqtt inputs this link serves; each message goes to those whose filter matches.
    public private(set) var inputs: [MQTTInput] = []
    /// Actions waiting for the broker: only the latest per topic, like a retained state.
    private var pendingActions: [(topic: String, payload: [UInt8], qos: Int32, retain: Bool)] = []

    /// `metrics`: where its numbers are registered (the agent's registry; a private one by default).
    public init(settings: MQTTLinkSettings, qos: Int32 = 1, metrics: MetricRegistry = MetricRegistry()) {
        link = MQTTLink(settings: settings)
        counters = Counters(metrics)
        self.qos = qos
    }

    /// A client serving these maps, each as its own input (tests, tools).
    public convenience init(settings: MQTTLinkSettings, maps: [MQTTReadingMap], qos: Int32 = 1) {
        self.init(settings: settings, qos: qos)
        for map in maps { attach(MQTTInput(map: map)) }
    }

    /// Serves an mqtt input from now on; its filter is subscribed on the next connect.
    public func attach(_ input: MQTTInput) {
        guard !inputs.contains(where: { $0 === input }) else { return }
        inputs.append(input)
    }

    public func detach(_ input: MQTTInput) {
        inputs.removeAll { $0 === input }
    }

    /// Takes over the actions a replaced client still had waiting for the broker.
    public func adoptPendingActions(from old: SouthboundClient) {
        for action in old.pendingActions where !pendingActions.contains(where: { $0.topic == action.topic }) {
            pendingActions.append(action)
        }
    }

    public var isOnline: Bool { link.isOnline }
    public var pollRequest: (fd: Int32, events: Int16)? { link.pollRequest }
    public func nextDeadline(now: Int64) -> Int64 { link.nextDeadline(now: now) }

    public func handle(revents: Int16, now: Int64) {
        link.handle(revents: revents, now: now)
        processEvents(now: now)
    }

    public func tick(now: Int64) {
        link.tick(now: now)
        processEvents(now: now)
    }

    /// Readings (and failures) of every input since the last call, and a
    /// failure for each sensor silent for its input's `staleAfter`.
    public func take(nowMonotonic: Int64) -> InputResult {
        var taken = InputResult()
        for input in inputs {
            guard let collected = input.collect(nowWall: Clock.wallMilliseconds(), nowMonotonic: nowMonotonic) else { continue }
            taken.readings += collected.readings
            taken.failures += collected.failures
        }
        return taken
    }

    /// Publishes now when connected; otherwise keeps the latest payload per
    /// topic and sends it on reconnect (an actuator wants the current command,
    /// not a replay of every one it missed).
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool) {
        if link.isOnline, send(topic: topic, payload: payload, qos: qos, retain: retain) { return }
        if let slot = pendingActions.firstIndex(where: { $0.topic == topic }) {
            pendingActions.remove(at: slot)
            counters.superseded.add()
        }
        pendingActions.append((topic, payload, qos, retain))
        Log.warning("southbound broker \(link.settings.broker) not connected; \(topic) will be published on reconnect")
    }

    public func stop() {
        link.close()
        inputs.removeAll()
    }

    private func send(topic: String, payload: [UInt8], qos: Int32, retain: Bool) -> Bool {
        guard let session = link.session else { return false }
        do {
            _ = try session.publish(topic: topic, payload: payload, qos: qos, retain: retain)
            counters.published.add()
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
            counters.connected.add()
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
            counters.received.add()
            let wall = Clock.wallMilliseconds()
            var accepted = false
            var firstFailure: SensorFailure?
            for input in inputs where input.map.matches(topic) {
                let result = input.receive(topic: topic, payload: payload, wall: wall, nowMonotonic: now)
                accepted = accepted || !result.readings.isEmpty
                firstFailure = firstFailure ?? result.failures.first
            }
            if !accepted {
                counters.refused.add()
                if let firstFailure { counters.lastError = firstFailure.reason }
            }
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
        for input in inputs where !filters.contains(input.map.filter) { filters.append(input.map.filter) }
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
