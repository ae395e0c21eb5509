import CairnMQTT
import CSystem
import CairnCore
import CairnQueue

/// Moves queued records to the broker. Its `MQTTLink` keeps the connection
/// (backoff, keepalive); the uplink keeps a window of QoS 1 messages in flight
/// and deletes records from the queue only when the PUBACK for the message
/// carrying them arrives.
public final class Uplink {

    /// The uplink's numbers, registered in the agent's `MetricRegistry` (the registry holds them;
    /// these are the handles, and the `Int64` views the agent's own decisions read).
    public struct Counters {
        let published: MetricRegistry.Series
        let acknowledged: MetricRegistry.Series
        let connected: MetricRegistry.Series
        let failed: MetricRegistry.Series
        let jsonBytes: MetricRegistry.Series
        let sentBytes: MetricRegistry.Series
        /// PUBACK round trip of telemetry and event messages, in seconds.
        let roundTrip: MetricRegistry.Histogram
        public var lastError: String = ""

        init(_ metrics: MetricRegistry) {
            published = metrics.counter("cairn_uplink_messages_published_total", help: "QoS 1 messages of telemetry and events published to the broker.")
            acknowledged = metrics.counter("cairn_uplink_records_delivered_total", help: "Queued records whose message the broker acknowledged (PUBACK).")
            connected = metrics.counter("cairn_uplink_connections_total", help: "Connections to the broker that were accepted.")
            failed = metrics.counter("cairn_uplink_connect_failures_total", help: "Connection attempts that failed while offline.")
            jsonBytes = metrics.counter("cairn_uplink_payload_json_bytes_total", help: "Telemetry payload bytes as JSON, before compression.")
            sentBytes = metrics.counter("cairn_uplink_payload_sent_bytes_total", help: "Telemetry payload bytes as sent, after compression.")
            roundTrip = metrics.histogram("cairn_uplink_puback_seconds", help: "Time from publishing a message to its PUBACK.",
                                          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        }

        public var messagesPublished: Int64 { Int64(published.value) }
        public var recordsAcknowledged: Int64 { Int64(acknowledged.value) }
        public var connections: Int64 { Int64(connected.value) }
        public var connectFailures: Int64 { Int64(failed.value) }
        public var payloadBytesUncompressed: Int64 { Int64(jsonBytes.value) }
        public var payloadBytesSent: Int64 { Int64(sentBytes.value) }
    }

    public private(set) var settings: UplinkSettings
    private let queue: DurableQueue
    public private(set) var counters: Counters
    private var link: MQTTLink
    /// Message id → what it carries.
    private var inflight: [Int32: Sent] = [:]
    /// Sequences whose PUBACK arrived, not yet deleted (see flushAcknowledged).
    private var acknowledged: [Int64] = []
    /// Messages in `acknowledged`, and when the first of them came (monotonic ms).
    private var acknowledgedMessages = 0
    private var acknowledgedSince: Int64 = 0
    /// Deletes wait for this many acknowledged messages, or this long, or an empty window:
    /// one transaction then deletes what many PUBACKs freed, and each page is written once.
    static let deleteAfterMessages = 16
    static let deleteAfterMilliseconds: Int64 = 200
    /// Delivered records deleted per loop turn once nothing waits to be sent (each slice
    /// one transaction: a few milliseconds on a desktop, the loop stays responsive).
    static let purgeSlice: Int64 = 4096
    /// When deleting delivered records may be tried again after it failed (monotonic ms).
    private var purgeAfter: Int64 = 0
    /// The zlib stream telemetry is compressed with (`compress`), kept between messages.
    private var deflater: Deflater?
    /// The last telemetry JSON's allocation, written into again by the next message: a
    /// message's worth of bytes (11 KB at 100 readings) allocated and freed per message
    /// costs musl's allocator an mmap and munmap each time.
    private var spare: [UInt8] = []
    /// A prepared message waiting for the bandwidth cap.
    private var parked: Outgoing?
    private var bucket: TokenBucket
    /// Connects and losses since the owner last looked (for agent events).
    public private(set) var transitions: [Transition] = []
    private var offlineSince: Int64 = 0
    private var failuresWhileOffline = 0
    private var cursors = DrainCursors()
    private var pacer: Pacer
    /// While the clock is untrusted, this boot's records wait for correction.
    public var holdBoot: String? {
        didSet {
            // Records held back may now be eligible: forget what was found empty.
            if holdBoot != oldValue { cursors.forgetEmpty() }
        }
    }
    /// The retained metadata document, published on every connect and when it changes.
    private var meta: String?
    /// The retained reported-configuration document, published on every connect and each time it is set.
    private var reported: String?
    /// Payloads received on the desired-configuration topic, oldest first, until the owner takes them.
    private var desired: [[UInt8]] = []

    /// `metrics`: where its numbers are registered (the agent's registry; a private one by default).
    public init(settings: UplinkSettings, queue: DurableQueue, metrics: MetricRegistry = MetricRegistry()) {
        self.settings = settings
        self.counters = Counters(metrics)
        self.queue = queue
        self.link = MQTTLink(settings: settings.link(will: Uplink.statePayload(online: false, now: nil, device: settings.clientID)))
        self.pacer = Pacer(perSecond: settings.backfillPerSecond)
        self.bucket = TokenBucket(bytesPerSecond: settings.maxBytesPerSecond)
        self.offlineSince = Clock.monotonicMilliseconds()
    }

    public enum Transition: Equatable {
        case connected(downMilliseconds: Int64, failedAttempts: Int)
        case lost(reason: String)
    }

    struct Sent {
        let sequences: [Int64]
        let topic: String
        /// Monotonic µs when it was published, for the PUBACK round trip.
        let at: Int64
    }

    public func takeTransitions() -> [Transition] {
        let taken = transitions
        transitions.removeAll()
        return taken
    }

    /// Desired-configuration payloads received since the last call (an empty one: the retained document was cleared).
    public func takeDesired() -> [[UInt8]] {
        let taken = desired
        desired.removeAll()
        return taken
    }

    /// Whether a desired-configuration payload is waiting.
    public var hasDesired: Bool { !desired.isEmpty }

    public var state: MQTTLink.State { link.state }
    public var isOnline: Bool { link.isOnline }
    /// The broker connected to, or being tried next.
    public var broker: BrokerURL { link.broker }
    /// The protocol version spoken to `broker`, and whether it was negotiated down from 5.
    public var mqttVersion: (version: MQTTVersion, fellBack: Bool) { (link.version, link.version != link.settings.version) }
    public var inflightMessages: Int { inflight.count }

    /// The socket and the poll events wanted on it, when connected or connecting.
    public var pollRequest: (fd: Int32, events: Int16)? { link.pollRequest }

    /// Earliest monotonic time at which `tick` has work to do.
    public func nextDeadline(now: Int64) -> Int64 {
        var wake = link.nextDeadline(now: now)
        if !acknowledged.isEmpty { wake = min(wake, acknowledgedSince + Uplink.deleteAfterMilliseconds) }
        if queue.deliveredPending > 0 && !drainingBacklog { wake = min(wake, max(now, purgeAfter)) }
        // Early wake-ups only for a message that is waiting for its time and has room to go.
        if link.isOnline && inflight.count < settings.window {
            if pacer.perSecond > 0, !cursors.backlogDone, pacer.nextAllowed > now { wake = min(wake, pacer.nextAllowed) }
            if let parked { wake = min(wake, max(now + 1, bucket.readyAt(parked.payload.count, now: now))) }
        }
        return wake
    }

    public func handle(revents: Int16, now: Int64) {
        let ok = link.handle(revents: revents, now: now)
        processEvents(now: now)
        if ok { pump(now: now) }
    }

    /// Timers: reconnect when the backoff has passed, keepalive, connect timeout, publishing.
    public func tick(now: Int64) {
        link.tick(now: now)
        processEvents(now: now)
        pump(now: now)
        purgeDelivered(now: now)
    }

    /// Connected with backlog still to send: acknowledged records are then marked delivered
    /// rather than deleted (docs/queue.md, "Delivered, deleted later").
    private var drainingBacklog: Bool { link.isOnline && !cursors.backlogDone }

    /// Deletes a slice of the delivered records once no backlog waits to be sent.
    private func purgeDelivered(now: Int64) {
        guard queue.deliveredPending > 0, !drainingBacklog, now >= purgeAfter else { return }
        do {
            try queue.purgeDelivered(limit: Uplink.purgeSlice)
        } catch {
            // They stay marked and are never sent again; the next try waits a while.
            purgeAfter = now + 5000
            counters.lastError = "\(error)"
            Log.error("cannot delete delivered records: \(error)")
        }
    }

    /// Handles what the link reported (CONNACK, PUBACKs, a lost connection),
    /// then deletes what was acknowledged.
    private func processEvents(now: Int64) {
        link.handleEvents { event in
            switch event {
            case .online:
                becomeOnline(now: now)
            case .lost(let reason, let wasOnline, let retryIn):
                lost(reason, wasOnline: wasOnline, retryIn: retryIn, now: now)
            case .published(let messageID, let reason):
                guard reason < 0x80 else {
                    let topic = inflight[messageID]?.topic ?? "?"
                    // Refused, so not delivered: eviction may count these as lost again.
                    if let sent = inflight[messageID] { queue.refused(sent.sequences) }
                    // Not delivered: the records stay queued; back off instead of hot-looping.
                    link.fail("broker refused the publish to \(topic): \(MQTTError.reasonText(reason))", now: now)
                    return
                }
                acknowledge(messageID)
            case .message(let topic, let payload):
                // The only subscription: anything else is not ours to act on.
                guard topic == settings.desiredTopic else { return }
                desired.append(payload)
            case .subscribed(_, let granted):
                if let code = granted.first, code >= 0x80 {
                    counters.lastError = "broker refused the subscription to \(settings.desiredTopic): \(MQTTError.reasonText(code))"
                    Log.warning("\(counters.lastError); pushed configurations cannot arrive")
                }
            }
        }
        flushAcknowledged()
    }

    private func becomeOnline(now: Int64) {
        // Deleted before the cursors go back to the oldest record, or they would be sent again.
        flushAcknowledged()
        transitions.append(.connected(downMilliseconds: now - offlineSince, failedAttempts: failuresWhileOffline))
        failuresWhileOffline = 0
        counters.connected.add()
        inflight.removeAll()
        parked = nil
        // A new session starts again from the oldest unacknowledged records;
        // telemetry from now on is live, what is older is backlog.
        cursors = DrainCursors(liveFrom: queue.upcomingSequence)
        Log.info("connected to \(link.broker) as \(settings.clientID) (MQTT \(link.version.rawValue))")
        publishState(online: true)
        if let meta { publishRetained(settings.metaTopic, connectionMeta(meta)) }
        // The last report again (never stale after an outage), then the desired
        // document: retained, so the broker sends the full desired state on every connect.
        if let reported { publishRetained(settings.reportedTopic, reported) }
        if let session = link.session {
            do {
                _ = try session.subscribe(settings.desiredTopic, qos: 1)
            } catch {
                Log.warning("cannot subscribe to \(settings.desiredTopic): \(error)")
            }
        }
    }

    /// Notes a PUBACK; the rows are deleted by `flushAcknowledged`, once per
    /// poll turn, so a burst of PUBACKs costs one transaction, not one each.
    private func acknowledge(_ messageID: Int32) {
        guard let sent = inflight.removeValue(forKey: messageID) else { return }
        counters.roundTrip.observe(Double(Clock.monotonicMicroseconds() - sent.at) / 1_000_000)
        if acknowledged.isEmpty { acknowledgedSince = Clock.monotonicMilliseconds() }
        acknowledged.append(contentsOf: sent.sequences)
        acknowledgedMessages += 1
    }

    /// Deletes the records acknowledged since the last flush, in one transaction.
    private func flushAcknowledged() {
        guard !acknowledged.isEmpty else { return }
        let sequences = acknowledged
        acknowledged.removeAll()
        acknowledgedMessages = 0
        do {
            try queue.acknowledge(sequences, deferringDeletes: drainingBacklog)
            counters.acknowledged.add(Int64(sequences.count))
        } catch {
            // The rows stay queued and are sent again later: a duplicate, never a loss.
            counters.lastError = "\(error)"
            Log.error("cannot delete acknowledged records: \(error)")
        }
    }

    /// Publishes until the in-flight window is full or nothing is waiting:
    /// events first, then live telemetry, then the backlog behind it at its pace.
    private func pump(now: Int64) {
        guard link.isOnline else { return }
        while inflight.count < settings.window {
            guard var next = parked ?? nextMessage(now: now) else { return }
            guard bucket.allows(next.payload.count, now: now) else {
                parked = next
                return
            }
            parked = nil
            guard publish(next, now: now) else { return }
            bucket.spend(next.payload.count, now: now)
            // Copied into the MQTT packet: its room serves the next message.
            if next.topic == settings.telemetryTopic && next.payload.capacity > spare.capacity { swap(&spare, &next.payload) }
        }
    }

    private func nextMessage(now: Int64) -> Outgoing? {
        do {
            // A part of the queue found empty stays empty until something is appended:
            // skip its query (each one is a read transaction with file locks).
            let upcoming = queue.upcomingSequence
            if cursors.eventsEmptyAt != upcoming,
               let event = try queue.records(stream: .events, after: cursors.events, limit: 1, holdBoot: holdBoot).first {
                cursors.events = event.sequence
                let payload = CloudEvent.render(fragment: event.fragment, id: String(event.sequence), time: event.time)
                return Outgoing(topic: settings.eventsTopic, payload: Array(payload.utf8), sequences: [event.sequence],
                                properties: PublishProperties(contentType: CloudEvent.contentType))
            }
            cursors.eventsEmptyAt = upcoming
            if cursors.metadataEmptyAt != upcoming,
               let summary = try queue.records(stream: .metadata, after: cursors.metadata, limit: 1, holdBoot: holdBoot).first {
                cursors.metadata = summary.sequence
                var writer = JSONWriter()
                TelemetryBatch.envelope(summary, into: &writer)
                return Outgoing(topic: settings.healthTopic, payload: writer.bytes, sequences: [summary.sequence],
                                properties: PublishProperties(contentType: "application/json"))
            }
            cursors.metadataEmptyAt = upcoming
            if cursors.liveEmptyAt != upcoming,
               let message = try telemetry(after: max(cursors.live, cursors.liveFrom - 1), below: Int64.max, backfill: false) {
                cursors.live = message.sequences.last ?? cursors.live
                return message
            }
            cursors.liveEmptyAt = upcoming
            guard pacer.allows(now: now) else { return nil }
            guard let message = try telemetry(after: cursors.backlog, below: cursors.liveFrom, backfill: true) else {
                cursors.backlogDone = true
                return nil
            }
            cursors.backlog = message.sequences.last ?? cursors.backlog
            pacer.spend(now: now)
            return message
        } catch {
            counters.lastError = "\(error)"
            Log.error("cannot read the queue: \(error)")
            return nil
        }
    }

    /// A telemetry message of the next readings with after < seq < below, as many as
    /// `batch_size` and `max_message_bytes` allow, written from the queue's rows as they
    /// are read; deflated when smaller. Nil when there are none.
    private func telemetry(after: Int64, below: Int64, backfill: Bool) throws(QueueError) -> Outgoing? {
        var batch = TelemetryBatch.Builder(device: settings.clientID, backfill: backfill, maxBytes: settings.maxMessageBytes,
                                           buffer: &spare)
        let whole = try queue.read(stream: .telemetry, after: after, below: below, limit: settings.batchSize, holdBoot: holdBoot) {
            batch.add($0)
        }
        guard whole, !batch.sequences.isEmpty else { return nil }
        let sequences = batch.sequences
        var json = batch.finish()
        counters.jsonBytes.add(Int64(json.count))
        if settings.compress, let deflated = deflate(json), deflated.count < json.count {
            swap(&spare, &json)
            counters.sentBytes.add(Int64(deflated.count))
            return Outgoing(topic: settings.telemetryTopic, payload: deflated, sequences: sequences,
                            properties: PublishProperties(contentType: "application/json",
                                                          userProperties: [("content-encoding", "deflate")]))
        }
        counters.sentBytes.add(Int64(json.count))
        return Outgoing(topic: settings.telemetryTopic, payload: json, sequences: sequences,
                        properties: PublishProperties(contentType: "application/json"))
    }

    /// One stream kept for every message, made anew when the level changes.
    private func deflate(_ json: [UInt8]) -> [UInt8]? {
        if deflater?.level != settings.compressLevel { deflater = Deflater(level: settings.compressLevel) }
        return deflater?.compress(json)
    }

    private struct Outgoing {
        let topic: String
        var payload: [UInt8]
        let sequences: [Int64]
        let properties: PublishProperties
    }

    private func publish(_ message: Outgoing, now: Int64) -> Bool {
        guard let session = link.session else { return false }
        do {
            let messageID = try session.publish(topic: message.topic, payload: message.payload, properties: message.properties)
            inflight[messageID] = Sent(sequences: message.sequences, topic: message.topic, at: Clock.monotonicMicroseconds())
            queue.sent(message.sequences)
            counters.published.add()
            return true
        } catch {
            link.fail("publish failed: \(error)", now: now)
            processEvents(now: now)
            return false
        }
    }

    static func statePayload(online: Bool, now: Int64?, device: String) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("state"); writer.string(online ? "online" : "offline")
        writer.key("device"); writer.string(device)
        writer.key("version"); writer.string(BuildInfo.version)
        writer.key("arch"); writer.string(BuildInfo.architecture)
        if let now { writer.key("time"); writer.string(Clock.rfc3339(now)) }
        writer.endObject()
        return writer.text
    }

    private func publishState(online: Bool) {
        publishRetained(settings.stateTopic, Uplink.statePayload(online: online, now: Clock.wallMilliseconds(), device: settings.clientID))
    }

    /// Sets the metadata document; publishes it now if it changed and we are online.
    public func updateMeta(_ document: String) {
        guard document != meta else { return }
        meta = document
        if link.isOnline { publishRetained(settings.metaTopic, connectionMeta(document)) }
    }

    /// Sets the reported-configuration document and publishes it now when online
    /// (also when unchanged: every decision is reported), and again on each connect.
    public func updateReported(_ document: String) {
        reported = document
        if link.isOnline { publishRetained(settings.reportedTopic, document) }
    }

    /// Current-state documents are not queued: only the latest matters, and the
    /// broker keeps it (retained) for whoever subscribes later.
    private func publishRetained(_ topic: String, _ document: String) {
        guard let session = link.session else { return }
        do {
            _ = try session.publish(topic: topic, payload: Array(document.utf8), retain: true,
                                    properties: PublishProperties(contentType: "application/json"))
        } catch {
            Log.warning("cannot publish \(topic): \(error)")
        }
    }

    /// The meta document with the broker it is published on and the version spoken there
    /// (known only once connected): members added at the end of the agent's object.
    private func connectionMeta(_ document: String) -> String {
        guard document.hasSuffix("}") else { return document }
        let body = document.dropLast()
        let separator = body.hasSuffix("{") ? "" : ","
        return body + separator + "\"broker\":" + JSONWriter.encode(.string(link.broker.description))
            + ",\"mqtt_version\":\"" + link.version.rawValue + "\"}"
    }

    /// The link dropped the connection: what was in flight stays queued and is sent again.
    private func lost(_ reason: String, wasOnline: Bool, retryIn delay: Int64, now: Int64) {
        counters.lastError = reason
        if wasOnline {
            transitions.append(.lost(reason: reason))
            offlineSince = now
            failuresWhileOffline = 0
            Log.warning("\(reason); \(inflight.count) messages unacknowledged stay queued; retrying in \(delay) ms")
        } else {
            failuresWhileOffline += 1
            counters.failed.add()
            Log.warning("\(reason); retrying in \(delay) ms")
        }
        inflight.removeAll()
        parked = nil
    }

    /// Clean stop: waits up to `budget` ms for in-flight messages to be
    /// acknowledged (fewer duplicates next start), sets the retained state to
    /// offline (a clean DISCONNECT does not trigger the Will), and disconnects.
    /// Records still unacknowledged simply stay queued for the next start.
    public func shutdown(budgetMilliseconds: Int64 = 3000) {
        guard let session = link.session, link.isOnline else { link.close(); return }
        // What is queued right now (the agent.stopped event among it) gets one last chance.
        pump(now: Clock.monotonicMilliseconds())
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
                case .published(let messageID, let reason): if reason < 0x80 { acknowledge(messageID) }
                case .disconnected: connected = false
                case .connected, .message, .subscribed: break
                }
            }
        }
        flushAcknowledged()
        if connected { link.close() }
        if !inflight.isEmpty { Log.info("\(inflight.count) messages unacknowledged at stop stay queued") }
        inflight.removeAll()
    }

    /// New settings in force. A change of how to connect (broker, identity,
    /// credentials, TLS, keepalive, window) leaves the old broker cleanly
    /// (retained state offline, DISCONNECT) and connects anew; what was in
    /// flight stays queued and is sent again. Anything else applies in place.
    /// Returns whether it reconnects.
    @discardableResult
    public func reconfigure(_ new: UplinkSettings) -> Bool {
        let old = settings
        if new.backfillPerSecond != old.backfillPerSecond { pacer = Pacer(perSecond: new.backfillPerSecond) }
        if new.maxBytesPerSecond != old.maxBytesPerSecond { bucket = TokenBucket(bytesPerSecond: new.maxBytesPerSecond) }
        guard !new.sameConnection(as: old) else {
            settings = new
            return false
        }
        let wasOnline = link.isOnline
        shutdown(budgetMilliseconds: 250)
        settings = new
        link = MQTTLink(settings: new.link(will: Uplink.statePayload(online: false, now: nil, device: new.clientID)))
        parked = nil
        let now = Clock.monotonicMilliseconds()
        if wasOnline {
            transitions.append(.lost(reason: "reconfigured: connecting to \(new.broker) as \(new.clientID)"))
            offlineSince = now
            failuresWhileOffline = 0
        }
        Log.info("uplink reconfigured; connecting to \(new.broker)")
        return true
    }
}
