import CSystem
import CairnControl
import CairnCore
import CairnHTTP
import CairnQueue
import CairnStatus
import CairnUplink

/// The local status server's life (StatusServer.swift) and the health verdict it,
/// the status file and the page share.
extension Agent {
    /// Points per sensor kept for the charts, how many sensors, and how many values `cairn status` draws.
    static let historyPoints = 120
    static let historySensors = 256
    static let recentValues = 24
    /// The queue depth's series in `history`.
    static let queueSeries = "queue depth"

    /// Opens the status server for `settings` when it is not open as asked. `strict`: a
    /// socket that cannot be bound is an error (a reload is refused); otherwise it is
    /// logged, shown in status and tried again at the next status period.
    func openStatusServer(_ settings: StatusSettings, strict: Bool) throws(ConfigError) {
        guard let listen = settings.listen else {
            if statusServer != nil { Log.info("status server stopped") }
            statusServer = nil
            statusServerError = ""
            return
        }
        if let open = statusServer, open.listen == listen {
            open.update(token: settings.token)
            return
        }
        statusServer = nil
        do {
            statusServer = try StatusServer(settings: settings, listen: listen, views: statusViews())
            statusServerError = ""
            Log.info("status page on http://\(listen)/\(settings.token == nil ? "" : " (token required)")")
        } catch {
            if strict { throw ConfigError("status_listen: \(error)", path: "$.status_listen") }
            if statusServerError != error.description { Log.warning("status server: \(error); retried every status period") }
            statusServerError = error.description
        }
    }

    /// The views the server answers with; `unowned(unsafe)`: the agent owns the server.
    private func statusViews() -> StatusServer.Views {
        StatusServer.Views(
            document: { [unowned(unsafe) self] in
                refreshStatus()
                return status.json()
            },
            page: { [unowned(unsafe) self] in
                refreshStatus()
                return StatusPage.html(document: status.document(), history: history, queueSeries: Agent.queueSeries,
                                       refreshSeconds: Int(max(5, config.agent.statusPeriod / 1000)))
            },
            metrics: { [unowned(unsafe) self] in
                sampleMetrics()
                return MetricsText.prometheus(metrics)
            },
            health: { [unowned(unsafe) self] in healthReasons(nowMonotonic: Clock.monotonicMilliseconds()) })
    }

    /// Why the agent is not healthy; empty when it is. Each reason says what is wrong in plain words.
    func healthReasons(nowMonotonic: Int64) -> [String] {
        var reasons: [String] = []
        if let failed = storageFailure {
            reasons.append("storage failing: \(failed) records could not be stored (\(status.lastError))")
        }
        let budget = queue.budgetBytes ?? queue.options.budgetBytes
        if budget > 0, let used = try? queue.usedBytes(), used * 10 > budget * 9 {
            reasons.append("queue at \(used * 100 / budget) % of its \(Numbers.bytes(budget)) budget")
        }
        let offline = nowMonotonic - connectionChangedMonotonic
        if !uplink.isOnline, Double(offline) > config.status.offlineLimit * 1000 {
            let error = uplink.counters.lastError.isEmpty ? "" : ": \(uplink.counters.lastError)"
            reasons.append("no broker connection for \(offline / 1000) s (limit \(Numbers.format(config.status.offlineLimit)) s)\(error)")
        }
        if !clock.trusted && !holdsRecords {
            reasons.append("wall clock not trusted after clock_hold (\(Numbers.format(config.agent.clockHoldSeconds)) s)")
        }
        if !statusServerError.isEmpty { reasons.append("status server: \(statusServerError)") }
        return reasons
    }

    /// The server's socket and its timeouts on the loop (looked up each turn: a rebuilt server needs no new registration).
    func watchStatusServer() {
        loop.watch(request: { [self] in statusServer.map { (fd: $0.server.descriptor, events: Int16(POLLIN)) } },
                   ready: { [self] _ in statusServer?.server.run() })
        loop.deadline { [self] in statusServer?.server.nextDeadline(nowMonotonic: Clock.monotonicMilliseconds()) ?? Int64.max }
        loop.afterEachTurn { [self] _ in
            // run() also when only a timeout is due (idle connections closed).
            guard let server = statusServer?.server, server.nextDeadline(nowMonotonic: Clock.monotonicMilliseconds()) <= Clock.monotonicMilliseconds() else { return }
            server.run()
        }
    }
}
