import CSystem
import CairnControl
import CairnCore
import CairnInputs
import CairnMQTT
import CairnStatus

/// Inputs that deliver when their devices do, not on a timer: the southbound
/// (LAN) broker's subscriptions and the HTTP ingest endpoints. Each has a
/// descriptor in the agent's poll set. A port that cannot be bound or a broker
/// that is away is logged, shown in status and retried; the rest of the agent runs on.
final class PushInputs {
    /// One configured HTTP input and its server, when it could listen.
    final class Endpoint {
        let settings: InputSettings
        var ingest: HTTPIngest?
        var retryAt: Int64 = 0
        var lastError = ""
        init(settings: InputSettings) { self.settings = settings }
    }

    static let bindRetryMilliseconds: Int64 = 30_000

    let southbound: SouthboundClient?
    let endpoints: [Endpoint]

    init(settings: SensorSettings, config: AgentConfig) {
        let maps = settings.inputs.filter { $0.kind == .mqtt }.map { input in
            MQTTReadingMap(filter: input.topic, sensor: input.sensor, fields: input.fields, unit: input.unit, units: input.units,
                           staleAfter: Int64(input.staleAfter * 1000))
        }
        // southboundUse: an mqtt input or a publish action needs the link.
        if let broker = config.southboundBroker, settings.southboundUse != nil {
            var link = MQTTLinkSettings(broker: broker, clientID: "cairn-\(config.deviceID)")
            if broker.tls { link.tls = MQTTTLS(caFile: config.southboundCAFile ?? MQTTTLS.systemCAFile) }
            link.username = config.southboundUsername
            link.password = config.southboundPassword
            link.keepalive = config.keepalive
            link.reconnectMin = config.reconnectMin
            link.reconnectMax = config.reconnectMax
            southbound = SouthboundClient(settings: link, maps: maps)
        } else {
            southbound = nil
        }
        endpoints = settings.inputs.filter { $0.kind == .http }.map(Endpoint.init)
    }

    func nextDeadline(nowMonotonic: Int64) -> Int64 {
        var next = southbound?.nextDeadline(now: nowMonotonic) ?? Int64.max
        for endpoint in endpoints {
            next = min(next, endpoint.ingest?.nextDeadline(nowMonotonic: nowMonotonic) ?? endpoint.retryAt)
        }
        return next
    }

    /// Timers: reconnects, keepalive, connection timeouts, binding again.
    func tick(nowMonotonic: Int64) {
        southbound?.tick(now: nowMonotonic)
        for endpoint in endpoints {
            if let ingest = endpoint.ingest {
                if ingest.nextDeadline(nowMonotonic: nowMonotonic) <= nowMonotonic { ingest.run() }
            } else if nowMonotonic >= endpoint.retryAt {
                listen(endpoint, nowMonotonic: nowMonotonic)
            }
        }
    }

    /// Readings and failures delivered since the last call, and silent sensors.
    func take(nowMonotonic: Int64) -> InputResult {
        var result = southbound?.take(nowMonotonic: nowMonotonic) ?? InputResult()
        for endpoint in endpoints {
            guard let taken = endpoint.ingest?.take(nowMonotonic: nowMonotonic) else { continue }
            result.readings += taken.readings
            result.failures += taken.failures
        }
        return result
    }

    func stop() {
        southbound?.stop()
        for endpoint in endpoints {
            endpoint.ingest?.stop()
            endpoint.ingest = nil
        }
    }

    /// Registers every descriptor with the loop (they are asked for each turn:
    /// a reconnect or a late bind changes them).
    func watch(on loop: EventLoop) {
        if let southbound {
            loop.watch(request: { southbound.pollRequest }, ready: { revents in
                southbound.handle(revents: revents, now: Clock.monotonicMilliseconds())
            })
        }
        for endpoint in endpoints {
            loop.watch(request: { endpoint.ingest.map { ($0.descriptor, Int16(POLLIN)) } }, ready: { _ in endpoint.ingest?.run() })
        }
    }

    /// The southbound link and HTTP endpoints in the status document.
    func report(into status: inout StatusReport) {
        if let southbound {
            status.southbound = southbound.isOnline ? "online" : "offline"
            status.southboundMessages = southbound.counters.messagesReceived
            status.southboundMessagesRejected = southbound.counters.messagesRejected
            status.alarmActionsPublished = southbound.counters.actionsPublished
        }
        status.httpRequestsAccepted = endpoints.reduce(0) { $0 + ($1.ingest?.counters.requestsAccepted ?? 0) }
        status.httpRequestsRejected = endpoints.reduce(0) { $0 + ($1.ingest?.counters.requestsRejected ?? 0) }
        status.httpErrors = endpoints.filter { !$0.lastError.isEmpty }.map { "\($0.settings.name): \($0.lastError)" }
    }

    private func listen(_ endpoint: Endpoint, nowMonotonic: Int64) {
        let s = endpoint.settings
        do {
            let ingest = try HTTPIngest(name: s.name, bind: s.bind, port: s.port, token: s.token, maxBodyBytes: s.maxBodyBytes, unit: s.unit,
                                        staleAfter: Int64(s.staleAfter * 1000))
            endpoint.ingest = ingest
            endpoint.lastError = ""
            Log.info("http input \"\(s.name)\" listening on \(s.bind):\(ingest.port)\(s.token == nil ? "" : " (token required)")")
        } catch {
            endpoint.lastError = "\(error)"
            endpoint.retryAt = nowMonotonic + PushInputs.bindRetryMilliseconds
            Log.error("http input \"\(s.name)\": \(error); retrying in \(PushInputs.bindRetryMilliseconds / 1000) s")
        }
    }
}
