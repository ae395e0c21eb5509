import CairnCore
import CairnCrypto
import CairnMQTT

/// What a device said on `<prefix>/config/reported`, as the controller reads it (leniently: any
/// agent version); the agent writes its own with `ConfigReport`.
struct DeviceReport {
    var version: Int64?
    var status: String
    var inForce: Int64?
    var configVersion: String?
    /// "path: message" each.
    var errors: [String]

    static func parse(_ payload: [UInt8]) -> DeviceReport {
        guard let value = try? JSONParser.parse(String(decoding: payload, as: UTF8.self), maxBytes: Int.max), value.members != nil else {
            return DeviceReport(version: nil, status: "unreadable report", inForce: nil, configVersion: nil, errors: [])
        }
        var errors: [String] = []
        for item in value["errors"]?.array ?? [] {
            let message = item["message"]?.string ?? item.string ?? JSONWriter.encode(item)
            if let path = item["path"]?.string, !path.isEmpty { errors.append("\(path): \(message)") } else { errors.append(message) }
        }
        return DeviceReport(version: value["version"]?.integer, status: value["status"]?.string ?? "?",
                            inForce: value["in_force"]?.integer, configVersion: value["config_version"]?.string, errors: errors)
    }

    /// A decision that will not change by itself (pending-confirmation may still roll back).
    var isFinal: Bool { status == "applied" || status == "rejected" || status == "rolled-back" }
}

/// `cairn ctl push`: publishes a desired document (retained, QoS 1) to each device's
/// `<prefix>/config/desired` over one connection, then waits, bounded, until every
/// device has reported on `<prefix>/config/reported` for that version, and prints a
/// table. Exit status 0 only when every device applied it.
///
/// Before publishing it looks at what the broker retains (see ControllerConnection):
/// * the same bytes already desired: nothing is published (the push is a no-op for that
///   device), and a report of that version already retained is the answer;
/// * a newer version, or this version with other bytes, already desired: that device is
///   not pushed (the agent would reject it, and the retained newer document would be lost);
/// * otherwise it publishes, and only a report other than the one retained before the
///   push answers it (a stale report of the same version does not).
final class ControllerPush {
    static let flags = ControllerBroker.flags + ["--device", "--devices", "--topic-prefix-template", "--sign-key", "--timeout"]
    static let defaultTimeout = 30.0

    enum Progress {
        case undecided
        /// The broker already retains exactly this payload.
        case unchanged
        case publishing(messageID: Int32)
        case published
        case notPushed(String)
    }

    struct Target {
        let id: String
        let desiredTopic: String
        let reportedTopic: String
        var progress = Progress.undecided
        /// Retained on `desired` at this connection's sync (nil: nothing).
        var retainedDesired: [UInt8]?
        /// Its retained state is known on this connection / was known once.
        var synced = false
        var everSynced = false
        /// The report retained before the first sync: what a push must change.
        var baseline: [UInt8]?
        var latest: DeviceReport?
        var latestPayload: [UInt8]?
        /// The report that answers this push.
        var answer: DeviceReport?
    }

    struct Route {
        let target: Int
        let reported: Bool
    }

    let payload: [UInt8]
    let version: Int64
    var targets: [Target]
    var routes: [String: Route] = [:]
    var messages: [Int32: Int] = [:]
    /// Target indices per sync round.
    let rounds: [ArraySlice<Int>]
    var lastRefresh: Int64 = 0
    let connection: ControllerConnection

    init(payload: [UInt8], version: Int64, fleet: Fleet, connection settings: MQTTLinkSettings) {
        self.payload = payload
        self.version = version
        targets = fleet.devices.map { id in
            let prefix = fleet.prefix(id)
            return Target(id: id, desiredTopic: prefix + "/config/desired", reportedTopic: prefix + "/config/reported")
        }
        for (index, target) in targets.enumerated() {
            routes[target.desiredTopic] = Route(target: index, reported: false)
            routes[target.reportedTopic] = Route(target: index, reported: true)
        }
        let targets = self.targets
        rounds = ControllerConnection.rounds(Array(targets.indices), topicsEach: 2)
        let groups = rounds.map { round in round.flatMap { [targets[$0].desiredTopic, targets[$0].reportedTopic] } }
        connection = ControllerConnection(settings: settings, groups: groups, fleet: fleet)
        connection.onMessage = { [self] topic, payload in received(topic, payload) }
        connection.onSynced = { [self] round in synced(round) }
        connection.onPublished = { [self] messageID, code in published(messageID, code) }
        connection.onLost = { [self] in lost() }
    }

    static func run(_ arguments: [String]) throws(UsageError) -> Int32 {
        let parsed = try ControllerArguments(arguments, command: "push", flags: flags)
        guard parsed.positional.count == 1 else { throw UsageError("give one document: cairn ctl push --broker URL --device ID DOC.json") }
        let file = parsed.positional[0]
        let settings = try ControllerBroker.settings(parsed)
        let fleet = try Fleet(parsed)
        let timeout = try ControllerPush.timeout(parsed)
        let document = try DocumentFile.read(file)
        var payload = document
        let version: Int64
        if let envelope = try SignedDocument.envelope(in: document, file: file) {
            guard parsed.value("--sign-key") == nil else { throw UsageError("\(file) is already signed: push it without --sign-key") }
            version = try DocumentFile.version(of: envelope.document, file: file)
            // In the form `--sign-key` publishes (no trailing newline, say): the same
            // document and key give the same retained bytes either way.
            payload = SignedDocument.encode(envelope)
            if envelope.document.count > DocumentFile.defaultMaxBytes { warnSize(envelope.document.count) }
        } else {
            version = try DocumentFile.version(of: document, file: file)
            if document.count > DocumentFile.defaultMaxBytes { warnSize(document.count) }
            if let key = parsed.value("--sign-key") { payload = try DocumentFile.seal(document, keyPath: key) }
        }
        let push = ControllerPush(payload: payload, version: version, fleet: fleet, connection: settings)
        return push.execute(timeoutMilliseconds: Int64(timeout * 1000))
    }

    static func timeout(_ parsed: ControllerArguments) throws(UsageError) -> Double {
        guard let text = parsed.value("--timeout") else { return defaultTimeout }
        guard let seconds = Numbers.parseDouble(text), seconds > 0, seconds <= 86_400 else {
            throw UsageError("--timeout: seconds, more than 0")
        }
        return seconds
    }

    static func warnSize(_ count: Int) {
        Commands.fail("warning: the document is \(count) bytes, more than the agents' default config_max_bytes (\(DocumentFile.defaultMaxBytes))")
    }

    func execute(timeoutMilliseconds: Int64) -> Int32 {
        let started = Clock.monotonicMilliseconds()
        connection.run(until: started + timeoutMilliseconds) {
            refreshIfDue()
            return finished
        }
        let elapsed = Clock.monotonicMilliseconds() - started
        var rows: [[String]] = []
        var applied = 0
        var unchanged = 0
        var counts: [String: Int] = [:]
        var order: [String] = []
        for target in targets {
            let row = self.row(target, waitedSeconds: Double(timeoutMilliseconds) / 1000)
            rows.append([target.id] + row)
            if row[1] == "applied" {
                applied += 1
                if case .unchanged = target.progress { unchanged += 1 }
            } else {
                if counts[row[1]] == nil { order.append(row[1]) }
                counts[row[1], default: 0] += 1
            }
        }
        connection.close()
        var summary = "version \(version) to \(targets.count) device\(targets.count == 1 ? "" : "s") in \(Numbers.format(Double(elapsed / 10) / 100)) s: \(applied) applied"
        if unchanged > 0 { summary += " (\(unchanged) already desired: not published again)" }
        for status in order { summary += ", \(counts[status] ?? 0) \(status)" }
        Commands.output(TextTable.render(["DEVICE", "VERSION", "STATUS", "ERRORS"], rows) + summary + "\n")
        if let fatal = connection.fatal { Commands.fail(fatal) }
        if !targets.contains(where: { $0.everSynced }) {
            Commands.fail("could not reach the broker \(connection.link.settings.broker): \(connection.lastProblem ?? "no answer")")
        }
        return applied == targets.count ? 0 : 1
    }

    /// VERSION, STATUS, ERRORS of a device.
    private func row(_ target: Target, waitedSeconds: Double) -> [String] {
        if let answer = target.answer {
            return [answer.version.map { "\($0)" } ?? "-", answer.status, answer.errors.joined(separator: "; ")]
        }
        let last = target.latest.map { report -> String in
            "last report: version \(report.version.map { "\($0)" } ?? "?") \(report.status)"
        }
        switch target.progress {
        case .notPushed(let reason):
            return ["-", "not pushed", reason]
        case .undecided:
            return ["-", "not pushed", "not published" + (connection.lastProblem.map { ": \($0)" } ?? "")]
        case .publishing:
            return ["-", "not pushed", "not acknowledged by the broker" + (connection.lastProblem.map { ": \($0)" } ?? "")]
        case .unchanged, .published:
            let waited = "no report of version \(version) within \(Numbers.format(waitedSeconds)) s"
            return ["-", "no report", last.map { "\(waited); \($0)" } ?? waited]
        }
    }

    /// Every device decided (or not pushed), every publish acknowledged.
    private var finished: Bool {
        guard messages.isEmpty else { return false }
        for target in targets {
            if case .notPushed = target.progress { continue }
            guard let answer = target.answer, answer.isFinal else { return false }
        }
        return true
    }

    private func received(_ topic: String, _ payload: [UInt8]) {
        guard let route = routes[topic] else { return }
        if !route.reported {
            // What the broker retains (the subscription ends at the sync, before we publish).
            if !targets[route.target].synced { targets[route.target].retainedDesired = payload.isEmpty ? nil : payload }
            return
        }
        if !targets[route.target].everSynced { targets[route.target].baseline = payload }
        targets[route.target].latest = DeviceReport.parse(payload)
        targets[route.target].latestPayload = payload
        consider(route.target)
    }

    /// Takes the device's latest report as the answer when it is about this version and
    /// is not the stale report from before the push.
    private func consider(_ index: Int) {
        let target = targets[index]
        guard let report = target.latest, report.version == version else { return }
        switch target.progress {
        case .unchanged:
            targets[index].answer = report
        case .publishing, .published:
            if target.latestPayload != target.baseline { targets[index].answer = report }
        case .undecided, .notPushed:
            break
        }
    }

    /// The retained state of a round's devices is complete: decide for each what to publish.
    private func synced(_ round: Int) {
        guard round < rounds.count else { return }
        let indices = rounds[round]
        // No more desired documents for these: our own publishes would come back.
        connection.unsubscribe(indices.map { targets[$0].desiredTopic })
        for index in indices {
            targets[index].synced = true
            targets[index].everSynced = true
            switch targets[index].progress {
            case .undecided:
                let retained = targets[index].retainedDesired
                if retained == payload {
                    targets[index].progress = .unchanged
                    consider(index)
                } else if let retained, let newer = DocumentFile.version(ofPayload: retained), newer >= version {
                    targets[index].progress = .notPushed(newer > version
                        ? "version \(newer) is already desired (newer than \(version))"
                        : "version \(version) is already desired with other content: give this document a new version")
                } else {
                    publish(index)
                }
            case .publishing:
                // Reconnected before the PUBACK: the broker has it if it retains it.
                if targets[index].retainedDesired == payload { targets[index].progress = .published } else { publish(index) }
            case .unchanged, .published, .notPushed:
                break
            }
        }
    }

    private func publish(_ index: Int) {
        guard let messageID = connection.publishRetained(targets[index].desiredTopic, payload) else { return }
        targets[index].progress = .publishing(messageID: messageID)
        messages[messageID] = index
    }

    private func published(_ messageID: Int32, _ code: Int32) {
        guard let index = messages.removeValue(forKey: messageID) else { return }
        if code >= 0x80 {
            targets[index].progress = .notPushed("the broker refused the publish: \(MQTTError.reasonText(code))")
        } else {
            targets[index].progress = .published
            consider(index)
        }
    }

    private func lost() {
        messages.removeAll()
        for index in targets.indices {
            targets[index].retainedDesired = nil
            targets[index].synced = false
        }
    }

    /// Every 5 s once all is published, reads the retained reports of devices that have
    /// not answered again: a report the broker dropped (its queue for this client full)
    /// is found this way, and one it did not drop is not counted twice (same bytes).
    private func refreshIfDue() {
        let now = Clock.monotonicMilliseconds()
        guard connection.isSynced, messages.isEmpty, now - lastRefresh >= 5000 else { return }
        if lastRefresh == 0 {
            lastRefresh = now
            return
        }
        lastRefresh = now
        var topics: [String] = []
        for target in targets where target.answer.map({ !$0.isFinal }) ?? true {
            if case .notPushed = target.progress { continue }
            topics.append(target.reportedTopic)
            if topics.count == ControllerConnection.topicsPerRound { break }
        }
        connection.refresh(topics)
    }
}
