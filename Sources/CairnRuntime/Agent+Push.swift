import CairnControl
import CairnCore
import CairnStatus
import CairnUplink

/// Pushed configurations: what a controller publishes, retained, on
/// `<prefix>/config/desired`, what the agent makes of it, and the answer it
/// keeps retained on `<prefix>/config/reported` (docs/protocol.md).
///
/// States of a pushed configuration:
///
///     (received) ──bad document, stale version, invalid, cannot be made──▶ rejected (nothing changed)
///         │
///         ▼ pending.json written, then applied live (two-phase, like a reload)
///     pending-confirmation ──CONNACK under it──▶ applied: lkg.json := it, pending.json removed
///         │   (at once when the connection settings did not change and the uplink is online)
///         ├──no CONNACK within config_confirm_timeout──▶ rolled-back: the last-known-good applied again
///         └──the agent stops, is killed or crashes first──▶ at the next start: rolled-back
///                                                           (it starts on the last-known-good)
///
/// A document that arrives while another is pending replaces it; the
/// last-known-good stays what it was. The local file is the last-known-good
/// of last resort (version 0).
struct PushState {
    let store: PushStore
    /// The confirmed pushed configuration; nil: none (the local file alone).
    var lastKnownGood: StoredDocument?
    var pending: Pending?
    /// The newest version taken and the last report, as kept in reported.json.
    var reported = PushStore.Reported()
    /// A rollback decided at start (found pending.json, or repeated failed
    /// starts), reported once the queue and the uplink run.
    var bootRollback: BootRollback?
    /// A version confirmed (lkg.json written) by a run that stopped before
    /// its `applied` report was recorded: reported at start. 0: none.
    var confirmedUnreported: Int64 = 0
    /// The pushed version this start runs under and marks (starting.json), 0: none.
    var startingVersion: Int64 = 0
    var startMarkerTimer: EventLoop.Handle?

    struct Pending {
        let record: PendingPush
        /// Monotonic ms by which a CONNACK must have arrived.
        let deadline: Int64
        let timeout: Double
        /// Uplink connections (CONNACKs) counted when it was applied: one more confirms it.
        let connections: Int64
        /// What ran before it (the last-known-good), should reloading that fail at rollback.
        let fallback: Configuration
        let rebuilt: [String]
        /// The pending record it replaced (a push during another's confirmation window).
        let replaced: PendingPush?
        var document: StoredDocument { record.document }
    }

    struct BootRollback {
        let version: Int64
        let digest: String
        let reason: String
        /// The last-known-good itself failed: lkg.json is removed.
        let dropsLastKnownGood: Bool
    }

    /// Starts that end within this many seconds under a pushed configuration count as failed starts.
    static let startGraceSeconds: Int64 = 60
    /// After this many failed starts in a row, the agent starts on the local configuration.
    static let maxFailedStarts = 2

    var inForce: StoredDocument? { pending?.document ?? lastKnownGood }
    var inForceVersion: Int64 { inForce?.version ?? 0 }

    /// What the data directory says at start: the last-known-good to run, and
    /// whether a pushed configuration must be rolled back because the agent
    /// stopped before it was confirmed, or kept failing to start under it.
    static func boot(dataDirectory: String) -> PushState {
        var state = PushState(store: PushStore(dataDirectory: dataDirectory))
        let store = state.store
        state.reported = store.reported()
        switch store.lastKnownGood() {
        case .none: break
        case .found(let document): state.lastKnownGood = document
        case .unreadable: Log.error("\(store.lkgPath) is unreadable: starting on the local configuration")
        }
        switch store.pending() {
        case .none: break
        case .unreadable:
            state.bootRollback = BootRollback(version: state.reported.report?.version ?? 0, digest: "",
                                              reason: "the agent restarted before the configuration was confirmed (its pending record is unreadable)",
                                              dropsLastKnownGood: false)
        case .found(let pending):
            if let lkg = state.lastKnownGood, lkg.version == pending.document.version, lkg.digest == pending.document.digest {
                // Confirmed, then stopped before pending.json was removed, perhaps before saying so.
                let decision = state.reported.decision
                if decision?.version != lkg.version || decision?.status != .applied { state.confirmedUnreported = lkg.version }
                try? store.removePending()
            } else {
                state.bootRollback = BootRollback(version: pending.document.version, digest: pending.document.digest,
                                                  reason: "the agent restarted before the configuration was confirmed", dropsLastKnownGood: false)
            }
        }
        if state.bootRollback == nil, let lkg = state.lastKnownGood {
            let failed = store.failedStarts(version: lkg.version)
            if failed >= maxFailedStarts {
                state.bootRollback = BootRollback(
                    version: lkg.version, digest: lkg.digest,
                    reason: "the agent stopped \(failed) times within \(startGraceSeconds) s of starting under this configuration; running the local configuration",
                    dropsLastKnownGood: true)
                state.lastKnownGood = nil
            }
        }
        return state
    }
}

extension Agent {
    /// At start, once the configuration is loaded: a rollback decided by `PushState.boot`
    /// is recorded (report first, then pending.json removed); the last report is published again.
    func settleBoot() {
        let wall = Clock.wallMilliseconds()
        if let rollback = push.bootRollback {
            if rollback.version > push.reported.seenVersion && !rollback.digest.isEmpty {
                push.reported.seenVersion = rollback.version
                push.reported.seenDigest = rollback.digest
            }
            Log.warning("pushed configuration version \(rollback.version) rolled back at start: \(rollback.reason)")
            publish(ConfigReport(version: rollback.version, status: .rolledBack, inForce: push.inForceVersion, configVersion: config.origin.version,
                                 errors: [ConfigIssue(JSONPath.root, rollback.reason)], time: wall), decision: rollback.version == push.reported.seenVersion)
            do {
                try push.store.removePending()
                if rollback.dropsLastKnownGood {
                    try push.store.removeLastKnownGood()
                    try push.store.removeStarting()
                }
            } catch {
                Log.error("cannot record the rollback: \(error)")
            }
        } else if push.confirmedUnreported > 0 {
            Log.info("pushed configuration version \(push.confirmedUnreported) was confirmed before the agent stopped; reporting it applied")
            publish(ConfigReport(version: push.confirmedUnreported, status: .applied, inForce: push.inForceVersion,
                                 configVersion: config.origin.version, errors: [], time: wall), decision: true)
        } else {
            // The same reports, named with the configuration in force now (the file may have changed).
            refreshReport()
        }
        status.configPushedVersion = push.inForceVersion
    }

    /// Starts the timer that clears the start marker once the agent has run the grace period.
    func watchStart() {
        guard push.startingVersion > 0 else { return }
        let grace = PushState.startGraceSeconds * 1000
        push.startMarkerTimer = loop.every(grace, delay: grace) { [self] in clearStartMarker() }
    }

    /// The start under a pushed configuration went well (or the agent stops cleanly).
    func clearStartMarker() {
        if let timer = push.startMarkerTimer { loop.cancel([timer]) }
        push.startMarkerTimer = nil
        guard push.startingVersion > 0 else { return }
        push.startingVersion = 0
        do {
            try push.store.removeStarting()
        } catch {
            Log.warning("cannot remove the start marker: \(error)")
        }
    }

    /// Announced with the start events: a rollback decided at start.
    func announceBootRollback() {
        guard let rollback = push.bootRollback else { return }
        push.bootRollback = nil
        events.emit("config.rolled_back", stamp: now, data: [
            .number("version", rollback.version), .text("reason", rollback.reason), .number("in_force", push.inForceVersion),
            .text("config_version", config.origin.version),
        ])
    }

    /// Each turn: desired documents received, then the confirmation window.
    func serviceControlPlane(_ nowMonotonic: Int64) {
        if uplink.hasDesired {
            for payload in uplink.takeDesired() { receiveDesired(payload) }
        }
        checkPending(Clock.monotonicMilliseconds())
    }

    /// One payload of `<prefix>/config/desired`, decided: taken (pending or
    /// applied), a no-op, or rejected with every error found. Nothing changes
    /// unless it is taken.
    func receiveDesired(_ payload: [UInt8]) {
        let started = Clock.monotonicMicroseconds()
        guard !payload.isEmpty else {
            reject(PushError("empty payload: the desired document was cleared, which means no desired state; the configuration in force stays"),
                   digest: nil)
            return
        }
        let limit = config.control.maxDocumentBytes
        guard payload.count <= limit else {
            reject(PushError("the payload is \(payload.count) bytes, more than config_max_bytes (\(limit))"), digest: nil)
            return
        }
        let bytes: [UInt8]
        do {
            bytes = try DesiredEnvelope.open(payload, trustedKeys: config.control.publicKeys)
        } catch {
            var refused = error
            refused.version = DesiredEnvelope.claimedVersion(payload, maxBytes: limit)
            reject(refused, digest: nil)
            return
        }
        // From here the document is authentic (or no keys are required): its version counts.
        let digest = ConfigLoader.fingerprint(bytes: bytes)
        let document: DesiredDocument
        do {
            document = try DesiredDocument.parse(bytes, maxBytes: limit)
        } catch {
            reject(error, digest: error.version > 0 ? digest : nil)
            return
        }
        let version = document.version
        let seen = push.reported.seenVersion
        if version == seen && digest == push.reported.seenDigest {
            // The retained document again (every connect sends it): the decision about it, unchanged.
            Log.debug("desired configuration version \(version) unchanged")
            if let decision = push.reported.decision, decision.version == version, decision != push.reported.report {
                publish(decision, decision: true)
            } else if let report = push.reported.report {
                uplink.updateReported(report.json)
            }
            return
        }
        guard version > seen else {
            let message = version == seen
                ? "version \(version) was already taken with other content; a changed document needs a newer version"
                : "version \(version) is older than version \(seen), the newest taken"
            reject(PushError(issues: [ConfigIssue("$.version", message)], version: version), digest: nil)
            return
        }
        var full: JSONValue
        switch document.body {
        case .config(let configuration):
            full = configuration
        case .patch(let base, let patch):
            guard base == push.inForceVersion else {
                reject(PushError(issues: [ConfigIssue("$.base", "the patch applies to version \(base), but version \(push.inForceVersion) is in force")],
                                 version: version), digest: digest)
                return
            }
            do {
                full = try JSONMergePatch.apply(patch, to: push.inForce?.config ?? .object([]))
            } catch {
                reject(PushError(issues: [ConfigIssue("$.patch", error.message)], version: version), digest: digest)
                return
            }
        }
        let next: Configuration
        switch ConfigLoader.check(arguments, pushed: PushedLayer(version: version, config: full, signed: !config.control.publicKeys.isEmpty)) {
        case .success(let checked): next = checked
        case .failure(let failure):
            reject(PushError(issues: failure.errors.map { ConfigIssue($0.path, $0.message) }, version: version), digest: digest)
            return
        }
        take(StoredDocument(version: version, digest: digest, config: full), next, receivedAt: started)
    }

    /// Applies a checked document: recorded as pending first, then applied live;
    /// confirmed at once when the uplink stays connected as it is, else on the next CONNACK.
    func take(_ document: StoredDocument, _ next: Configuration, receivedAt started: Int64) {
        let wall = Clock.wallMilliseconds()
        let timeout = next.control.confirmTimeout
        let record = PendingPush(document: document, appliedAt: wall, deadline: wall + Int64(timeout * 1000), bootID: clock.bootID,
                                 lastKnownGood: push.lastKnownGood?.version ?? 0)
        do {
            try push.store.writePending(record)
        } catch {
            reject(PushError(issues: [ConfigIssue(JSONPath.root, "cannot record the configuration before applying it: \(error)")],
                             version: document.version), digest: document.digest)
            return
        }
        let replaced = push.pending
        let wasOnline = uplink.isOnline
        let pendingReport = ConfigReport(version: document.version, status: .pendingConfirmation, inForce: document.version,
                                         configVersion: next.origin.version, errors: [], time: wall)
        if wasOnline && !next.uplink.sameConnection(as: config.uplink) {
            // Said on the broker being left (flushed as the uplink leaves it); kept once applied, below.
            uplink.updateReported(pendingReport.json)
        }
        let rebuilt: [String]
        let applyStarted = Clock.monotonicMicroseconds()
        do {
            rebuilt = try apply(next)
        } catch {
            // Nothing changed: the pending record goes back to what it was.
            do {
                if let replaced { try push.store.writePending(replaced.record) } else { try push.store.removePending() }
            } catch {
                Log.error("cannot restore the pending record: \(error)")
            }
            reject(PushError(issues: [ConfigIssue(error.path, error.message)], version: document.version), digest: document.digest)
            return
        }
        let finished = Clock.monotonicMicroseconds()
        push.reported.seenVersion = document.version
        push.reported.seenDigest = document.digest
        push.pending = PushState.Pending(record: record, deadline: Clock.monotonicMilliseconds() + Int64(timeout * 1000), timeout: timeout,
                                         connections: uplink.counters.connections, fallback: replaced?.fallback ?? config, rebuilt: rebuilt,
                                         replaced: replaced?.record)
        if replaced != nil { Log.info("pushed configuration version \(replaced!.document.version) replaced before it was confirmed") }
        Log.info("pushed configuration version \(document.version) in force after \(Numbers.format(Double(finished - started) / 1000)) ms"
            + " (checked and recorded \(Numbers.format(Double(applyStarted - started) / 1000)) ms, applied \(Numbers.format(Double(finished - applyStarted) / 1000)) ms); rebuilt: "
            + (rebuilt.isEmpty ? "nothing" : rebuilt.joined(separator: ", ")))
        status.configPushedVersion = document.version
        if !rebuilt.contains("uplink") && wasOnline && uplink.isOnline {
            confirm()
        } else {
            Log.info("waiting up to \(Numbers.format(timeout)) s for a CONNACK from \(config.uplink.broker) under version \(document.version)")
            publish(pendingReport, decision: true)
        }
    }

    /// The confirmation window: a CONNACK under the pending configuration confirms it, the deadline rolls it back.
    func checkPending(_ nowMonotonic: Int64) {
        guard let pending = push.pending else { return }
        if uplink.counters.connections > pending.connections {
            confirm()
        } else if nowMonotonic >= pending.deadline {
            let last = uplink.counters.lastError
            rollback("no CONNACK from \(config.uplink.broker) in \(Numbers.format(pending.timeout)) s: \(last.isEmpty ? "no answer" : last)")
        }
    }

    /// The pending configuration becomes the last-known-good.
    func confirm() {
        guard let pending = push.pending else { return }
        let wall = Clock.wallMilliseconds()
        // The last-known-good first, then the report: nothing says `applied`
        // before a restart would keep it. A stop before pending.json goes is
        // settled at start (`PushState.boot`), which says `applied` if this did not.
        do {
            try push.store.writeLastKnownGood(pending.document, confirmedAt: wall)
        } catch {
            Log.error("cannot record the last-known-good configuration: \(error)")
        }
        publish(ConfigReport(version: pending.document.version, status: .applied, inForce: pending.document.version,
                             configVersion: config.origin.version, errors: [], time: wall), decision: true)
        do {
            try push.store.removePending()
        } catch {
            Log.error("cannot remove the pending record: \(error)")
        }
        push.lastKnownGood = pending.document
        push.pending = nil
        Log.info("pushed configuration version \(pending.document.version) applied and confirmed; it is the last-known-good")
        events.emit("config.applied", stamp: now, data: [
            .number("version", pending.document.version), .text("config_version", config.origin.version), .text("source", "push"),
            .text("reason", "push"), JSONMember(key: "rebuilt", value: .array(pending.rebuilt.map { .string($0) })),
        ])
    }

    /// Puts the last-known-good back and says why.
    func rollback(_ reason: String) {
        guard let pending = push.pending else { return }
        push.pending = nil
        Log.warning("pushed configuration version \(pending.document.version) rolled back: \(reason)")
        var target: Configuration
        do {
            target = try ConfigLoader.load(arguments, pushed: push.lastKnownGood?.layer)
        } catch {
            Log.warning("the last-known-good does not load again (\(error)); going back to the configuration that ran before")
            target = pending.fallback
        }
        do {
            // Not strict: an input that cannot open now is retried, as at start; the rollback itself must not fail.
            try apply(target, strict: false)
        } catch {
            Log.error("the last-known-good could not be applied in full: \(error)")
        }
        status.configPushedVersion = push.inForceVersion
        publish(ConfigReport(version: pending.document.version, status: .rolledBack, inForce: push.inForceVersion,
                             configVersion: config.origin.version, errors: [ConfigIssue(JSONPath.root, reason)], time: Clock.wallMilliseconds()),
                decision: pending.document.version == push.reported.seenVersion)
        do {
            try push.store.removePending()
        } catch {
            Log.error("cannot remove the pending record: \(error)")
        }
        events.emit("config.rolled_back", stamp: now, data: [
            .number("version", pending.document.version), .text("reason", reason), .number("in_force", push.inForceVersion),
            .text("config_version", config.origin.version),
        ])
    }

    /// Refused: nothing changed. `digest`: the document's, when its version counts as taken.
    func reject(_ error: PushError, digest: String?) {
        let version = error.version
        var taken = false
        if let digest, version > push.reported.seenVersion {
            push.reported.seenVersion = version
            push.reported.seenDigest = digest
            taken = true
        }
        status.configLastError = "push \(version): \(error.description)"
        Log.warning("pushed configuration \(version > 0 ? "version \(version) " : "")rejected: \(error.description)")
        publish(ConfigReport(version: version, status: .rejected, inForce: push.inForceVersion, configVersion: config.origin.version,
                             errors: error.issues, time: Clock.wallMilliseconds()), decision: taken)
        events.emit("config.rejected", stamp: now, data: [.number("version", version), JSONMember(key: "errors", value: ConfigReport.issues(error.issues))])
    }

    /// Keeps the report (reported.json, with the newest version taken) and publishes it, retained.
    /// `decision`: the report is what was decided about the newest version taken
    /// (answered again when that version's retained copy comes back).
    func publish(_ report: ConfigReport, decision: Bool) {
        push.reported.report = report
        if decision { push.reported.decision = report }
        do {
            try push.store.writeReported(push.reported)
        } catch {
            Log.error("cannot record the configuration report: \(error)")
        }
        status.configPushReport = "\(report.status.rawValue) \(report.version)" + (report.errors.first.map { ": \($0.path) \($0.message)" } ?? "")
        uplink.updateReported(report.json)
    }

    /// After a reload: the report names the configuration version in force (it includes the file's).
    /// Also at start, where the pushed version in force may have changed too.
    func refreshReport() {
        guard var report = push.reported.report else { return }
        let isDecision = push.reported.decision == report
        if var decision = push.reported.decision, !isDecision {
            decision.configVersion = config.origin.version
            decision.inForce = push.inForceVersion
            push.reported.decision = decision
        }
        guard report.configVersion != config.origin.version || report.inForce != push.inForceVersion else {
            uplink.updateReported(report.json)
            return
        }
        report.configVersion = config.origin.version
        report.inForce = push.inForceVersion
        publish(report, decision: isDecision)
    }
}
