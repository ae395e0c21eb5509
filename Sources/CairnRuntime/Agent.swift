import CSystem
import CairnCore
import CairnControl
import CairnQueue
import CairnStatus
import CairnUplink

/// Wires the layers together on one event loop: inputs are read on a timer,
/// readings go into the durable queue, the uplink drains the queue whenever
/// the broker is reachable, and status is written beside.
public final class Agent {
    let config: AgentConfig
    let loop = EventLoop()
    let queue: DurableQueue
    let uplink: Uplink
    let sensors: SensorRuntime
    let events: AgentEvents
    var clock: ClockTracker
    var status = StatusReport()
    let startedMonotonic = Clock.monotonicMilliseconds()
    /// Readings read but not yet committed (queue_commit_interval > 0).
    var pending: [PendingRecord] = []
    var lastCommit: Int64 = 0
    /// queue_commit_interval in ms (0: every read).
    var commitInterval: Int64 { Int64(config.queueCommitInterval * 1000) }
    /// Records rejected since storage started failing; nil while it works.
    var storageFailure: Int64?
    /// Sensors seen so far with their unit and label, and which failed on the last read.
    var knownSensors: [String: MetaDocument.Sensor] = [:]
    /// Clock trust when the meta document was last built (nil: not built yet).
    var metaClockTrusted: Bool?
    let kernel = MetaDocument.kernel()

    public init(config: AgentConfig) throws(AgentError) {
        self.config = config
        do {
            try Files.makeDirectories(config.dataDirectory)
        } catch {
            throw AgentError("cannot create the data directory: \(error)")
        }
        do {
            queue = try DurableQueue(options: QueueSetup.options(config))
        } catch {
            throw AgentError("cannot open the queue: \(error)")
        }
        let bootID = ClockTracker.currentBootID(procRoot: config.procRoot)
        clock = ClockTracker(bootID: bootID, syncFile: config.clockSyncFile, wall: Clock.wallMilliseconds(),
                             monotonic: Clock.monotonicMilliseconds(),
                             syncFileExists: config.clockSyncFile.map { Files.exists($0) } ?? false)
        events = AgentEvents(source: config.topicPrefix, queue: queue, bootID: bootID)
        uplink = Uplink(settings: UplinkSettings(config: config), queue: queue)
        // The sections were validated when the config file was loaded.
        let settings = (try? SensorSettings.parse(config.sensorSections, source: config.configPath)) ?? .defaults
        sensors = SensorRuntime(settings: settings, config: config)
        status.device = config.deviceID
        status.broker = config.broker.description
        status.pid = Int64(getpid())
        status.startedAt = Clock.wallMilliseconds()
    }

    var now: RecordStamp { clock.stamp(wall: Clock.wallMilliseconds(), monotonic: Clock.monotonicMilliseconds()) }

    /// Runs until SIGTERM, SIGINT or SIGHUP; returns after a clean shutdown.
    public func run() {
        let signals = cairn_signals_install()
        Log.info("\(BuildInfo.summary) starting as \(config.deviceID); data in \(config.dataDirectory); broker \(config.broker); \(queue.recordCount) records queued")
        if !clock.trusted { Log.warning("wall clock not trusted yet; readings wait up to \(Numbers.format(config.clockHoldSeconds)) s for it") }
        announceStart()

        loop.watch(request: { (signals, Int16(POLLIN)) }, ready: { [self] _ in
            let signal = cairn_signals_next()
            if signal != 0 {
                Log.info("signal \(signal) received, stopping")
                loop.stop()
            }
        })
        loop.watch(request: { [self] in uplink.pollRequest }, ready: { [self] revents in
            uplink.handle(revents: revents, now: Clock.monotonicMilliseconds())
        })
        loop.deadline { [self] in uplink.nextDeadline(now: Clock.monotonicMilliseconds()) }
        loop.afterEachTurn { [self] now in uplink.tick(now: now) }
        sensors.push.watch(on: loop)
        loop.deadline { [self] in sensors.nextDeadline(nowMonotonic: Clock.monotonicMilliseconds()) }
        loop.afterEachTurn { [self] now in pollSensors(now) }
        // Readings held for queue_commit_interval are committed when it ends, even if no more arrive.
        loop.deadline { [self] in pending.isEmpty ? Int64.max : lastCommit + commitInterval }
        loop.every(max(5000, Int64(config.interval * 1000)), delay: 1000) { [self] in writeStatus() }
        loop.every(60_000, delay: 5000) { [self] in maintainQueue() }
        if config.healthInterval > 0 {
            loop.every(Int64(config.healthInterval * 1000), delay: Int64(config.healthInterval * 1000)) { [self] in queueHealthSummary() }
        }
        loop.afterEachTurn { [self] _ in reportConnectionChanges() }

        loop.run()
        // The loop's closures capture the agent: drop them, so the agent is freed
        // when its owner lets go (queue closed, MQTT handle destroyed).
        loop.removeAll()

        sensors.stop()
        reportLosses()
        events.emit("agent.stopped", stamp: now, data: [.text("reason", "signal"), .number("queued", queue.recordCount)])
        commitPending()
        uplink.shutdown()
        queue.checkpoint()
        writeStatus()
        Log.info("stopped; \(queue.recordCount) records remain queued")
    }

    /// Inputs that are due are read, run through their pipelines and rules;
    /// readings and alarm events go to the queue. Cheap when nothing is due.
    func pollSensors(_ nowMonotonic: Int64) {
        observeClock()
        let output = sensors.poll(nowWall: Clock.wallMilliseconds(), nowMonotonic: nowMonotonic)
        guard !output.readings.isEmpty || !output.events.isEmpty || !output.failures.isEmpty else {
            if !pending.isEmpty && nowMonotonic - lastCommit >= commitInterval { commitPending() }
            return
        }
        status.readingsTaken += Int64(output.readings.count)
        status.sensorFailures += Int64(output.failures.count)
        let failing = sensors.failingSensors
        if failing != status.failingSensors {
            reportSensorHealth(was: status.failingSensors, now: failing, detail: output.failures)
            status.failingSensors = failing
        }
        noteSensors(output.readings, failures: failing)
        let stamp = now
        for event in output.events {
            pending.append(PendingRecord(stream: .events, stamp: stamp, fragment: event.fragment))
        }
        for reading in output.readings {
            pending.append(PendingRecord(telemetry: reading, stamp: stamp))
        }
        // Alarms are committed at once; readings may wait for queue_commit_interval.
        if output.events.count > 0 || stamp.monotonic - lastCommit >= commitInterval {
            commitPending()
        }
        uplink.holdBoot = holdsRecords ? clock.bootID : nil
        uplink.tick(now: Clock.monotonicMilliseconds())
    }

    /// While the clock is untrusted (up to clock_hold), this boot's records wait for a correction.
    var holdsRecords: Bool {
        !clock.trusted && Clock.monotonicMilliseconds() - startedMonotonic < Int64(config.clockHoldSeconds * 1000)
    }

    func commitPending() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll()
        lastCommit = Clock.monotonicMilliseconds()
        do {
            try queue.append(batch)
            status.readingsStored += Int64(batch.count)
            Log.debug("queued \(batch.count) readings")
            if let failed = storageFailure {
                storageFailure = nil
                Log.info("storage works again after \(failed) records could not be stored")
                events.emit("queue.write_recovered", stamp: now, data: [.number("rejected", failed)])
            }
        } catch {
            status.readingsNotStored += Int64(batch.count)
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
