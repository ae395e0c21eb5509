import CairnControl
import CairnCore
import CairnInputs
import CairnMQTT
import CairnQueue
import CairnStatus
import CairnUplink

/// The agent's slower duties: clock trust, queue bounds and loss reports, status.
extension Agent {
    func announceStart() {
        announceQueueRecovery()
        events.emit("agent.started", stamp: now, data: [
            .text("version", BuildInfo.version), .text("arch", BuildInfo.architecture), .number("queued", queue.recordCount),
            .text("config_version", config.origin.version),
        ])
        let provisioning = takeProvisioningRecord()
        var applied: [JSONMember] = [
            .text("config_version", config.origin.version), .text("source", config.origin.path.isEmpty ? "defaults" : config.origin.path),
            .text("reason", provisioning?.applied == true ? "provisioned" : "start"),
        ]
        if let provisioning { applied.append(JSONMember(key: "provisioning", value: provisioning.summary)) }
        if events.emit("config.applied", stamp: now, data: applied), let provisioning { markReported(provisioning) }
        announceBootRollback()
        // What the last run counted and could not report (it stopped or was killed first).
        reportLosses()
    }

    /// A queue file moved aside (at open, or when a corrupt page turned up while running)
    /// is reported once; true when it was reported now.
    @discardableResult
    func announceQueueRecovery() -> Bool {
        guard let recovery = queue.recovery, recovery != announcedRecovery else { return false }
        announcedRecovery = recovery
        events.emit("queue.recovered", stamp: now, data: [.text("moved_to", recovery.movedTo), .text("reason", recovery.reason)])
        return true
    }

    /// When the clock becomes trusted or steps, this boot's waiting records are re-stamped.
    func observeClock() {
        let syncFileExists = config.agent.clockSyncFile.map { Files.exists($0) } ?? false
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

    /// Losses since the last report (evictions, expiries, rejections, and purges
    /// by `cairn queue purge`, also from before a restart) become one event; the
    /// queue keeps what was reported with it, so nothing is reported twice or never.
    func reportLosses() {
        do {
            try queue.refreshLosses()
        } catch {
            Log.warning("cannot read the loss counters: \(error)")
        }
        let covered = queue.losses
        let delta = covered.since(queue.reportedLosses)
        guard delta.total > 0 else { return }
        var data: [JSONMember] = []
        for (stream, reason, count) in delta.entries {
            data.append(.number("\(stream.name).\(reason.rawValue)", count))
        }
        // Counts since the data directory began: a report lost with a corrupt queue
        // file or evicted takes its delta with it, never the totals of the next one.
        var totals: [JSONMember] = []
        for (stream, reason, count) in covered.entries {
            totals.append(.number("\(stream.name).\(reason.rawValue)", count))
        }
        data.append(JSONMember(key: "total", value: .object(totals)))
        Log.warning("queue lost \(delta.total) records since the last report (\(data.dropLast().map { $0.key }.joined(separator: ", ")))")
        events.emit("queue.loss", stamp: now, data: data, reporting: covered)
    }

    func writeStatus() {
        if config.status.listen != nil && statusServer == nil { try? openStatusServer(config.status, strict: false) }
        refreshStatus()
        history.record(sensor: Agent.queueSeries, time: status.updatedAt, value: Double(queue.recordCount))
        do {
            try Files.writeAtomically("\(config.agent.dataDirectory)/\(StatusReport.fileName)", status.json(), durable: false)
        } catch {
            Log.warning("cannot write status: \(error)")
        }
    }

    /// The status document as of now: the registry's gauges sampled, the facts read
    /// from the parts that own them. The status file, `/api/status` and the page show this.
    func refreshStatus() {
        sampleMetrics()
        let wall = Clock.wallMilliseconds()
        status.updatedAt = wall
        status.connection = uplink.isOnline ? "online" : "offline"
        status.broker = uplink.broker.description
        let spoken = uplink.mqttVersion
        status.mqttVersion = spoken.version.rawValue + (spoken.fellBack ? " (the broker refused MQTT 5)" : "")
        status.queueDepth = queue.recordCount
        status.queueUsedBytes = (try? queue.usedBytes()) ?? -1
        // What the queue file records, the number `cairn queue stats` reads too.
        status.queueBudgetBytes = queue.budgetBytes ?? queue.options.budgetBytes
        status.activeAlarms = sensors.activeAlarms
        status.clock = clock.trusted ? "trusted" : (holdsRecords ? "untrusted (holding readings)" : "untrusted")
        if !uplink.counters.lastError.isEmpty { status.lastError = uplink.counters.lastError }
        status.southbound = sensors.southbound.map { $0.isOnline ? "online" : "offline" } ?? ""
        status.httpErrors = sensors.inputReport.httpErrors
        status.diskFreeBytes = Files.freeBytes(config.agent.dataDirectory)
        status.certificateExpires = certificateExpiry
        status.healthReasons = healthReasons(nowMonotonic: Clock.monotonicMilliseconds())
        let failing = Set(status.failingSensors)
        status.sensors = knownSensors.values.sorted { $0.id < $1.id }.map { sensor in
            let points = history.points(sensor.id)
            return StatusReport.Sensor(id: sensor.id, label: sensor.label, unit: sensor.unit, value: points.last?.value, failing: failing.contains(sensor.id),
                                       recent: points.suffix(Agent.recentValues).map { $0.value })
        }
        status.metrics = metrics
    }
}

/// What the cloud learns about the gateway besides readings: connection
/// changes as events, the retained meta document, periodic health summaries.
extension Agent {
    func reportConnectionChanges() {
        for transition in uplink.takeTransitions() {
            switch transition {
            case .connected(let down, let failed):
                status.connectionSince = Clock.wallMilliseconds()
                connectionChangedMonotonic = Clock.monotonicMilliseconds()
                events.emit("uplink.connected", stamp: now, data: [
                    .number("offline_ms", down), .number("failed_attempts", Int64(failed)), .number("queued", queue.recordCount),
                ])
            case .lost(let reason):
                status.connectionSince = Clock.wallMilliseconds()
                connectionChangedMonotonic = Clock.monotonicMilliseconds()
                events.emit("uplink.lost", stamp: now, data: [.text("reason", reason)])
            }
            service?.status(serviceStatus)
        }
    }

    /// Keeps the sensor list for the meta document; the document is rebuilt
    /// only when a sensor appears, changes health, or the clock becomes trusted.
    func noteSensors(_ readings: [Reading], failures: [String]) {
        var changed = metaClockTrusted != clock.trusted
        for reading in readings {
            let sensor = MetaDocument.Sensor(id: reading.sensor, unit: reading.unit, label: reading.label, healthy: true)
            if knownSensors[reading.sensor] != sensor {
                knownSensors[reading.sensor] = sensor
                changed = true
            }
        }
        for failure in failures {
            let known = knownSensors[failure]
            let sensor = MetaDocument.Sensor(id: failure, unit: known?.unit ?? "", label: known?.label, healthy: false)
            if known != sensor {
                knownSensors[failure] = sensor
                changed = true
            }
        }
        guard changed else { return }
        metaClockTrusted = clock.trusted
        let uptime = Files.readValue("\(config.agent.procRoot)/uptime").flatMap { $0.split(separator: " ").first }.flatMap { Numbers.parseDouble($0) }
        // Rounded to the minute: the same boot always gives the same document.
        let bootTime = clock.trusted ? uptime.map { (Clock.wallMilliseconds() - Int64($0 * 1000)) / 60_000 * 60_000 } : nil
        let list = knownSensors.values.sorted { $0.id < $1.id }
        uplink.updateMeta(MetaDocument.render(config: config, kernel: kernel, bootTime: bootTime, sensors: list))
    }

    /// A compact health summary through the queue's metadata stream (sent after events, before telemetry).
    func queueHealthSummary() {
        var w = JSONWriter()
        w.beginObject()
        w.key("connection"); w.string(uplink.isOnline ? "online" : "offline")
        w.key("queue_depth"); w.integer(queue.recordCount)
        w.key("queue_used_bytes"); w.integer((try? queue.usedBytes()) ?? -1)
        w.key("queue_losses"); w.integer(queue.losses.total)
        w.key("readings_taken"); w.integer(Int64(counts.readingsTaken.value))
        w.key("sensor_failures"); w.integer(Int64(counts.sensorFailures.value))
        w.key("failing_sensors"); w.integer(Int64(status.failingSensors.count))
        w.key("clock"); w.string(clock.trusted ? "trusted" : "untrusted")
        w.endObject()
        let fragment = String(decoding: w.bytes.dropFirst().dropLast(), as: UTF8.self)
        do {
            try queue.append([PendingRecord(stream: .metadata, stamp: now, fragment: fragment)])
        } catch {
            Log.warning("cannot queue a health summary: \(error)")
        }
    }
}

extension Agent {
    /// A sensor that starts failing, and one that reads again, each become an event.
    func reportSensorHealth(was: [String], now failing: [String], detail: [SensorFailure]) {
        let before = Set(was), after = Set(failing)
        let newlyFailing = failing.filter { !before.contains($0) }
        if !newlyFailing.isEmpty { Log.warning("sensors not readable: \(newlyFailing.joined(separator: ", "))") }
        for sensor in newlyFailing {
            let reason = detail.first { $0.sensor == sensor }?.reason ?? "read failed"
            events.emit("sensor.failed", subject: sensor, stamp: now, data: [.text("sensor", sensor), .text("reason", reason)])
        }
        for sensor in was where !after.contains(sensor) {
            Log.info("sensor \(sensor) reads again")
            events.emit("sensor.recovered", subject: sensor, stamp: now, data: [.text("sensor", sensor)])
        }
    }
}
