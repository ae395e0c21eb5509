import CSystem
import CairnCore
import CairnCrypto
import CairnControl
import CairnQueue
import CairnStatus
import CairnUplink

/// Wires the layers together on one event loop: inputs are read on a timer,
/// readings go into the durable queue, the uplink drains the queue whenever
/// the broker is reachable, and status is written beside. SIGHUP reloads the
/// configuration (Agent+Apply.swift); SIGTERM and SIGINT stop the agent.
public final class Agent {
    /// The configuration in force.
    var config: Configuration
    /// The command line, read again with the file on a reload (flags win over the file).
    let arguments: [String]
    let loop = EventLoop()
    let queue: DurableQueue
    let uplink: Uplink
    let sensors: SensorRuntime
    var events: AgentEvents
    var clock: ClockTracker
    var status = StatusReport()
    /// Every number the agent and its layers count (AgentMetrics.swift); status, `/metrics` and health read it.
    let metrics = MetricRegistry()
    let counts: AgentMetrics
    /// Recent values per sensor and of the queue depth, for the status page's charts and `cairn status`.
    let history = SensorHistory(pointsPerSensor: Agent.historyPoints, maxSensors: Agent.historySensors)
    /// The local status page, `/metrics`, `/healthz` and `/api/status` (nil: status_listen off, or not listening yet).
    var statusServer: StatusServer?
    /// Why status_listen cannot be served now ("" when it is, or is off).
    var statusServerError = ""
    /// When the client certificate (cert_file) expires, read when the configuration is applied.
    var certificateExpiry: Int64?
    /// When the broker connection last went up or down (monotonic ms; the start until then).
    var connectionChangedMonotonic = Clock.monotonicMilliseconds()
    let startedMonotonic = Clock.monotonicMilliseconds()
    /// Readings read but not yet committed (queue_commit_interval > 0).
    var pending: [PendingRecord] = []
    var lastCommit: Int64 = 0
    /// queue_commit_interval in ms (0: every read).
    var commitInterval: Int64 { Int64(config.agent.commitInterval * 1000) }
    /// Records rejected since storage started failing; nil while it works.
    var storageFailure: Int64?
    /// Sensors seen so far with their unit and label, and which failed on the last read.
    var knownSensors: [String: MetaDocument.Sensor] = [:]
    /// Clock trust when the meta document was last built (nil: not built yet).
    var metaClockTrusted: Bool?
    let kernel = MetaDocument.kernel()
    /// The status and health timers, registered again when their intervals change.
    var statusTimer: EventLoop.Handle?
    var healthTimer: EventLoop.Handle?
    /// SIGHUP arrived; the reload runs after the turn, outside the loop's callbacks.
    var reloadRequested = false
    /// The queue file move last reported in a `queue.recovered` event.
    var announcedRecovery: QueueRecovery?

    /// systemd's notification socket (readiness, reload, watchdog); nil when not run by a service manager.
    let service = ServiceNotifier.fromEnvironment()

    /// Pushed configurations: the last-known-good, one pending confirmation, the last report (Agent+Push.swift).
    var push: PushState

    /// `base`: defaults, the local file and the flags. The last-known-good
    /// pushed document in the data directory, if any, is layered between the
    /// file and the flags, whether or not the broker can be reached.
    public init(config base: Configuration, arguments: [String] = []) throws(AgentError) {
        self.arguments = arguments
        do {
            try Files.makeDirectories(base.agent.dataDirectory)
        } catch {
            throw AgentError("cannot create the data directory: \(error)")
        }
        var push = PushState.boot(dataDirectory: base.agent.dataDirectory)
        var config = base
        if let lkg = push.lastKnownGood {
            do {
                config = try ConfigLoader.load(arguments, pushed: lkg.layer)
            } catch {
                Log.error("the last-known-good pushed configuration (version \(lkg.version)) does not load over the local one: \(error)")
                push.lastKnownGood = nil
                if push.bootRollback == nil {
                    push.bootRollback = PushState.BootRollback(version: lkg.version, digest: lkg.digest, reason: "it does not load over the local configuration: \(error)",
                                                               dropsLastKnownGood: true)
                }
            }
        }
        Log.level = config.agent.logLevel
        // Marked before anything opens: a start that dies early under a pushed configuration counts.
        if let lkg = push.lastKnownGood {
            do {
                try push.store.writeStarting(version: lkg.version, starts: push.store.failedStarts(version: lkg.version) + 1)
                push.startingVersion = lkg.version
            } catch {
                Log.warning("cannot write the start marker: \(error)")
            }
        }
        self.config = config
        self.push = push
        do {
            queue = try DurableQueue(options: config.queueOptions)
        } catch {
            throw AgentError("cannot open the queue: \(error)")
        }
        let bootID = ClockTracker.currentBootID(procRoot: config.agent.procRoot)
        let syncFile = config.agent.clockSyncFile
        clock = ClockTracker(bootID: bootID, syncFile: syncFile, wall: Clock.wallMilliseconds(),
                             monotonic: Clock.monotonicMilliseconds(), syncFileExists: syncFile.map { Files.exists($0) } ?? false)
        events = AgentEvents(source: config.agent.topicPrefix, queue: queue, bootID: bootID)
        counts = AgentMetrics(metrics)
        uplink = Uplink(settings: config.uplink, queue: queue, metrics: metrics)
        sensors = SensorRuntime(loop: loop, metrics: metrics)
        // At start nothing is refused: an input that cannot open now (a port in use) is retried.
        if let plan = try? sensors.prepare(config, strict: false, nowMonotonic: Clock.monotonicMilliseconds()) {
            _ = sensors.commit(plan, nowWall: Clock.wallMilliseconds(), nowMonotonic: Clock.monotonicMilliseconds())
        }
        status.device = config.agent.deviceID
        status.broker = config.uplink.broker.description
        status.pid = Int64(getpid())
        status.startedAt = Clock.wallMilliseconds()
        status.connectionSince = status.startedAt
        status.configVersion = config.origin.version
        status.configAppliedAt = status.startedAt
        certificateExpiry = config.uplink.certFile.flatMap { Certificate.expiry(pemFile: $0, nowWall: Clock.wallMilliseconds()) }
        settleBoot()
    }

    var now: RecordStamp { clock.stamp(wall: Clock.wallMilliseconds(), monotonic: Clock.monotonicMilliseconds()) }

    /// Runs until SIGTERM or SIGINT (SIGHUP reloads); returns after a clean shutdown.
    public func run() {
        let signals = cairn_signals_install()
        Log.info("\(BuildInfo.summary) starting as \(config.agent.deviceID); data in \(config.agent.dataDirectory); broker \(config.uplink.broker); \(queue.recordCount) records queued")
        if !clock.trusted { Log.warning("wall clock not trusted yet; readings wait up to \(Numbers.format(config.agent.clockHoldSeconds)) s for it") }
        announceStart()

        loop.watch(request: { (signals, Int16(POLLIN)) }, ready: { [self] _ in
            let signal = cairn_signals_next()
            if signal == SIGHUP {
                Log.info("SIGHUP received, reloading the configuration")
                reloadRequested = true
            } else if signal != 0 {
                Log.info("signal \(signal) received, stopping")
                loop.stop()
            }
        })
        loop.watch(request: { [self] in uplink.pollRequest }, ready: { [self] revents in
            uplink.handle(revents: revents, now: Clock.monotonicMilliseconds())
        })
        loop.deadline { [self] in uplink.nextDeadline(now: Clock.monotonicMilliseconds()) }
        loop.afterEachTurn { [self] now in uplink.tick(now: now) }
        loop.deadline { [self] in sensors.nextDeadline(nowMonotonic: Clock.monotonicMilliseconds()) }
        loop.afterEachTurn { [self] _ in pollSensors() }
        // Readings held for queue_commit_interval are committed when it ends, even if no more arrive.
        loop.deadline { [self] in pending.isEmpty ? Int64.max : lastCommit + commitInterval }
        registerTimers()
        loop.every(60_000, delay: 5000) { [self] in maintainQueue() }
        loop.afterEachTurn { [self] _ in reportConnectionChanges() }
        loop.afterEachTurn { [self] _ in
            guard reloadRequested else { return }
            reloadRequested = false
            reload()
        }
        // Pushed configurations: taken outside the uplink's callbacks (an apply may reconnect it).
        loop.afterEachTurn { [self] now in serviceControlPlane(now) }
        // A file moved aside while running: said at once, with the losses counted up to then.
        loop.afterEachTurn { [self] _ in if announceQueueRecovery() { reportLosses() } }
        loop.deadline { [self] in push.pending?.deadline ?? Int64.max }
        watchStart()
        watchStatusServer()
        try? openStatusServer(config.status, strict: false)
        notifyServiceReady()

        loop.run()
        service?.stopping()
        // The loop's closures capture the agent: drop them, so the agent is freed
        // when its owner lets go (queue closed, MQTT handle destroyed).
        loop.removeAll()
        statusServer = nil

        sensors.stop()
        // A clean stop is not a failed start; a pending confirmation stays pending (rolled back at the next start).
        clearStartMarker()
        reportLosses()
        events.emit("agent.stopped", stamp: now, data: [.text("reason", "signal"), .number("queued", queue.recordCount)])
        commitPending()
        uplink.shutdown()
        queue.checkpoint()
        writeStatus()
        Log.info("stopped; \(queue.recordCount) records remain queued")
    }

    /// The timers whose periods come from the configuration: status, and health summaries.
    func registerTimers() {
        loop.cancel([statusTimer, healthTimer].compactMap { $0 })
        statusTimer = loop.every(config.agent.statusPeriod, delay: 1000) { [self] in writeStatus() }
        let health = Int64(config.agent.healthInterval * 1000)
        healthTimer = health > 0 ? loop.every(health, delay: health) { [self] in queueHealthSummary() } : nil
    }

    /// Inputs that are due are read, run through their pipelines and rules;
    /// readings and alarm events go to the queue. Cheap when nothing is due.
    ///
    /// The schedule's time and the readings' wall time are read here, together, after
    /// `observeClock` (which may re-stamp queued records first): a reading's wall time and
    /// the time it was scheduled on are one instant.
    func pollSensors() {
        observeClock()
        let nowWall = Clock.wallMilliseconds(), nowMonotonic = Clock.monotonicMilliseconds()
        let output = sensors.poll(nowWall: nowWall, nowMonotonic: nowMonotonic)
        guard !output.readings.isEmpty || !output.events.isEmpty || !output.failures.isEmpty else {
            if !pending.isEmpty && nowMonotonic - lastCommit >= commitInterval { commitPending() }
            return
        }
        counts.readingsTaken.add(Int64(output.readings.count))
        counts.sensorFailures.add(Int64(output.failures.count))
        for reading in output.readings { history.record(sensor: reading.sensor, time: reading.time, value: reading.value) }
        let failing = sensors.failingSensors
        if failing != status.failingSensors {
            reportSensorHealth(was: status.failingSensors, now: failing, detail: output.failures)
            status.failingSensors = failing
        }
        noteSensors(output.readings, failures: failing)
        hold(output)
        uplink.holdBoot = holdsRecords ? clock.bootID : nil
        uplink.tick(now: Clock.monotonicMilliseconds())
    }

    /// Readings and alarm events of a poll (or an apply) go to `pending`;
    /// alarms are committed at once, readings may wait for queue_commit_interval.
    func hold(_ output: SensorRuntime.Output) {
        let stamp = now
        for event in output.events {
            pending.append(PendingRecord(stream: .events, stamp: stamp, fragment: event.fragment))
        }
        for reading in output.readings {
            pending.append(PendingRecord(telemetry: reading, stamp: stamp))
        }
        if output.events.count > 0 || stamp.monotonic - lastCommit >= commitInterval {
            commitPending()
        }
    }

    /// While the clock is untrusted (up to clock_hold), this boot's records wait for a correction.
    var holdsRecords: Bool {
        !clock.trusted && Clock.monotonicMilliseconds() - startedMonotonic < Int64(config.agent.clockHoldSeconds * 1000)
    }

    func commitPending() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll()
        lastCommit = Clock.monotonicMilliseconds()
        do {
            try queue.append(batch)
            counts.recordsStored.add(Int64(batch.count))
            Log.debug("queued \(batch.count) readings")
            if let failed = storageFailure {
                storageFailure = nil
                Log.info("storage works again after \(failed) records could not be stored")
                events.emit("queue.write_recovered", stamp: now, data: [.number("rejected", failed)])
            }
        } catch {
            counts.recordsNotStored.add(Int64(batch.count))
            status.lastError = "\(error)"
            Log.error("\(batch.count) readings not stored: \(error)")
            if storageFailure == nil {
                events.emit("queue.write_failed", stamp: now, data: [.text("error", "\(error)")])
            }
            storageFailure = (storageFailure ?? 0) + Int64(batch.count)
        }
    }
}

/// Why the agent could not start.
public struct AgentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
