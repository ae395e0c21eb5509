import CSystem
import CairnCore
import CairnInputs
import CairnQueue
import CairnStatus
import CairnUplink

/// Wires the layers together on one event loop: inputs are read on a timer,
/// readings go into the durable queue, the uplink drains the queue whenever
/// the broker is reachable, and status is written beside.
public final class Agent {
    public static let queueFileName = "queue.db"

    private let config: AgentConfig
    private let loop = EventLoop()
    private let queue: DurableQueue
    private let uplink: Uplink
    private let inputs: SensorInputs
    private var status = StatusReport()
    private var signalDescriptor: Int32 = -1

    public init(config: AgentConfig) throws(AgentError) {
        self.config = config
        do {
            try Files.makeDirectories(config.dataDirectory)
        } catch {
            throw AgentError("cannot create the data directory: \(error)")
        }
        do {
            queue = try DurableQueue(path: "\(config.dataDirectory)/\(Agent.queueFileName)")
        } catch {
            throw AgentError("cannot open the queue: \(error)")
        }
        uplink = Uplink(settings: UplinkSettings(config: config), queue: queue)
        inputs = SensorInputs(sysfsRoot: config.sysfsRoot, procRoot: config.procRoot, dataDirectory: config.dataDirectory)
        status.device = config.deviceID
        status.broker = config.broker.description
        status.pid = Int64(getpid())
        status.startedAt = Clock.wallMilliseconds()
    }

    /// Runs until SIGTERM, SIGINT or SIGHUP; returns after a clean shutdown.
    public func run() {
        signalDescriptor = cairn_signals_install()
        let backlog = (try? queue.count()) ?? 0
        Log.info("\(BuildInfo.summary) starting as \(config.deviceID); data in \(config.dataDirectory); broker \(config.broker); \(backlog) records queued")

        loop.watch(request: { [self] in (signalDescriptor, Int16(POLLIN)) }, ready: { [self] _ in
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
        loop.every(Int64(config.interval * 1000)) { [self] in readSensors() }
        loop.every(max(5000, Int64(config.interval * 1000)), delay: 1000) { [self] in writeStatus() }

        loop.run()

        uplink.shutdown()
        writeStatus()
        Log.info("stopped; \((try? queue.count()) ?? -1) records remain queued")
    }

    private func readSensors() {
        let (readings, failures) = inputs.readAll(now: Clock.wallMilliseconds())
        status.readingsTaken += Int64(readings.count)
        status.sensorFailures += Int64(failures.count)
        if failures != status.failingSensors {
            if !failures.isEmpty { Log.warning("sensors not readable: \(failures.joined(separator: ", "))") }
            status.failingSensors = failures
        }
        do {
            try queue.append(readings: readings)
            status.readingsStored += Int64(readings.count)
            Log.debug("queued \(readings.count) readings")
        } catch {
            status.readingsNotStored += Int64(readings.count)
            status.lastError = "\(error)"
            Log.error("\(readings.count) readings not stored: \(error)")
        }
        uplink.tick(now: Clock.monotonicMilliseconds())
    }

    private func writeStatus() {
        status.updatedAt = Clock.wallMilliseconds()
        status.connection = uplink.isOnline ? "online" : "offline"
        status.queueDepth = (try? queue.count()) ?? -1
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

/// Why the agent could not start.
public struct AgentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
