import CairnControl
import CairnCore
import CairnCrypto
import CairnInputs
import CairnQueue
import CairnStatus
import CairnUplink

/// Putting a new configuration in force while running: what changed is built
/// first, next to what runs; only when everything was built is it swapped in,
/// so a change that cannot be made (a port in use, a bad file) leaves the
/// running configuration whole. The queue file, its records and its
/// sequence are never touched.
extension Agent {
    /// Reads the configuration again as at start (defaults, the file, then the
    /// flags, which still win) and applies it. Refused: logged, counted in
    /// status and reported as an event; the old configuration keeps running.
    func reload() {
        service?.reloading()
        defer { service?.ready(status: serviceStatus) }
        do {
            // The pushed document in force stays in force: it is a layer of its own, between the file and the flags.
            let next = try ConfigLoader.load(arguments, pushed: push.inForce?.layer)
            let rebuilt = try apply(next)
            counts.reloadsApplied.add()
            Log.info("configuration \(config.origin.version) applied; rebuilt: \(rebuilt.isEmpty ? "nothing" : rebuilt.joined(separator: ", "))")
            events.emit("config.applied", stamp: now, data: [
                .text("config_version", next.origin.version), .text("source", next.origin.path.isEmpty ? "defaults" : next.origin.path),
                .text("reason", "reload"), JSONMember(key: "rebuilt", value: .array(rebuilt.map { .string($0) })),
            ])
            // The reported document names the configuration version, which includes the file's.
            refreshReport()
        } catch {
            counts.reloadsRefused.add()
            status.configLastError = error.description
            Log.error("configuration not applied, the previous one keeps running: \(error)")
            events.emit("config.failed", stamp: now, data: [
                .text("source", config.origin.path.isEmpty ? "defaults" : config.origin.path), .text("error", error.description),
            ])
        }
        writeStatus()
    }

    /// Applies `new` over the configuration in force; returns the components rebuilt.
    /// `strict`: an input that cannot open now (a port in use) refuses the whole
    /// change; otherwise (a rollback) it is retried like at start.
    @discardableResult
    func apply(_ new: Configuration, strict: Bool = true) throws(ConfigError) -> [String] {
        guard new.agent.dataDirectory == config.agent.dataDirectory else {
            throw ConfigError("data_dir cannot change while the agent runs (restart it to move the queue)")
        }
        // 1. Build and open what changed; nothing running is touched yet.
        let plan: SensorPlan
        do {
            plan = try sensors.prepare(new, strict: strict, nowMonotonic: Clock.monotonicMilliseconds())
        } catch {
            throw ConfigError(error.description, path: error.inputIndex.map { "$.inputs[\($0)]" } ?? "")
        }
        // A status server on another port is bound now, so a port that cannot be had refuses the change;
        // one on the same port is moved in step 3 (the old socket holds the port until then). An address
        // the change leaves alone is not this change's to refuse: busy since the start, it is retried.
        let oldServer = statusServer
        if let listen = new.status.listen, listen != config.status.listen, listen != statusServer?.listen,
           listen.port != statusServer?.listen.port {
            do {
                try openStatusServer(new.status, strict: strict)
            } catch {
                plan.discard()
                statusServer = oldServer
                throw error
            }
        }
        // 2. Readings held for the commit interval were taken under the old configuration: stored first.
        commitPending()
        var rebuilt: [String] = []
        if new.queueOptions != queue.options {
            do {
                try queue.reconfigure(new.queueOptions)
            } catch {
                plan.discard()
                statusServer = oldServer
                throw ConfigError("\(error)")
            }
            rebuilt.append("queue")
        }
        // 3. Swap; nothing below can fail.
        let cleared = sensors.commit(plan, nowWall: Clock.wallMilliseconds(), nowMonotonic: Clock.monotonicMilliseconds())
        hold(cleared)
        rebuilt = plan.rebuilt + rebuilt
        if new.uplink != config.uplink {
            rebuilt.append(uplink.reconfigure(new.uplink) ? "uplink" : "uplink:delivery")
        }
        if new.status != config.status {
            try? openStatusServer(new.status, strict: false)
            rebuilt.append("status")
        }
        let old = config
        config = new
        if new.agent.statusPeriod != old.agent.statusPeriod || new.agent.healthInterval != old.agent.healthInterval {
            registerTimers()
            rebuilt.append("timers")
        }
        events.source = new.agent.topicPrefix
        Log.level = new.agent.logLevel
        status.device = new.agent.deviceID
        status.broker = new.uplink.broker.description
        status.configVersion = new.origin.version
        status.configAppliedAt = Clock.wallMilliseconds()
        certificateExpiry = new.uplink.certFile.flatMap { Certificate.expiry(pemFile: $0, nowWall: Clock.wallMilliseconds()) }
        // Sensors of removed inputs are gone, not recovered: no event for them.
        status.failingSensors = status.failingSensors.filter { sensors.failingSensors.contains($0) }
        // The meta document carries the version: built again now.
        metaClockTrusted = nil
        noteSensors([], failures: status.failingSensors)
        return rebuilt
    }
}
