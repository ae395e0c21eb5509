import CairnCore
import CairnQueue
import CairnStatus

/// The agent's slower duties: clock trust, queue bounds and loss reports, status.
extension Agent {
    func announceStart() {
        if let recovery = queue.recovery {
            events.emit("queue.recovered", stamp: now, data: [.text("moved_to", recovery.movedTo), .text("reason", recovery.reason)])
        }
        events.emit("agent.started", stamp: now, data: [
            .text("version", BuildInfo.version), .text("arch", BuildInfo.architecture), .number("queued", queue.recordCount),
        ])
    }

    /// When the clock becomes trusted or steps, this boot's waiting records are re-stamped.
    func observeClock() {
        let syncFileExists = config.clockSyncFile.map { Files.exists($0) } ?? false
        guard case .corrected(let offset, let step) = clock.observe(
            wall: Clock.wallMilliseconds(), monotonic: Clock.monotonicMilliseconds(), syncFileExists: syncFileExists) else { return }
        commitPending()
        do {
            let corrected = try queue.correctClock(bootID: clock.bootID, offset: offset)
            Log.info("clock corrected by \(step) ms; \(corrected) queued records re-stamped")
            events.emit("clock.corrected", stamp: now, data: [.number("step_ms", step), .number("records", corrected)])
        } catch {
            Log.error("cannot correct record times: \(error)")
        }
    }

    func maintainQueue() {
        if clock.trusted {
            do {
                try queue.expire(now: Clock.wallMilliseconds())
            } catch {
                Log.warning("cannot expire old records: \(error)")
            }
        }
        reportLosses()
    }

    /// Evictions, expiries and rejections since the last report become one event.
    func reportLosses() {
        let delta = queue.losses.since(reportedLosses)
        guard delta.total > 0 else { return }
        var data: [JSONMember] = []
        for (stream, reason, count) in delta.entries {
            data.append(.number("\(stream.name).\(reason.rawValue)", count))
        }
        Log.warning("queue lost \(delta.total) records since the last report (\(data.map { $0.key }.joined(separator: ", ")))")
        if events.emit("queue.loss", stamp: now, data: data) {
            reportedLosses = queue.losses
        }
    }

    func writeStatus() {
        status.updatedAt = Clock.wallMilliseconds()
        status.connection = uplink.isOnline ? "online" : "offline"
        status.queueDepth = queue.recordCount
        status.queueUsedBytes = (try? queue.usedBytes()) ?? -1
        status.queueBudgetBytes = config.queueBudgetBytes
        status.queueLosses = queue.losses.entries.map { ("\($0.stream.name).\($0.reason.rawValue)", $0.count) }
        status.clock = clock.trusted ? "trusted" : (holdsRecords ? "untrusted (holding readings)" : "untrusted")
        status.inflightMessages = Int64(uplink.inflightMessages)
        status.recordsDelivered = uplink.counters.recordsAcknowledged
        status.connections = uplink.counters.connections
        status.connectFailures = uplink.counters.connectFailures
        if !uplink.counters.lastError.isEmpty { status.lastError = uplink.counters.lastError }
        do {
            try Files.writeAtomically("\(config.dataDirectory)/\(StatusReport.fileName)", status.json(), durable: false)
        } catch {
            Log.warning("cannot write status: \(error)")
        }
    }
}
