import CairnCore
import CairnMQTT

/// `cairn ctl status`: what the broker retains for each device, read over one
/// connection: presence (`<prefix>/state`), agent and configuration version
/// (`<prefix>/meta`), and the last configuration decision (`<prefix>/config/reported`).
final class ControllerStatus {
    static let flags = ControllerBroker.flags + ["--device", "--devices", "--topic-prefix-template", "--timeout"]
    static let defaultTimeout = 10.0

    enum Kind {
        case state
        case meta
        case reported
    }

    struct Route {
        let device: Int
        let kind: Kind
    }

    struct Known {
        var state: JSONValue?
        var meta: JSONValue?
        var reported: [UInt8]?
    }

    let fleet: Fleet
    var known: [Known]
    var routes: [String: Route] = [:]
    let connection: ControllerConnection

    init(fleet: Fleet, settings: MQTTLinkSettings) {
        self.fleet = fleet
        known = fleet.devices.map { _ in Known() }
        var topics: [[String]] = []
        for (index, device) in fleet.devices.enumerated() {
            let prefix = fleet.prefix(device)
            var mine: [String] = []
            for (suffix, kind) in [("/state", Kind.state), ("/meta", Kind.meta), ("/config/reported", Kind.reported)] {
                routes[prefix + suffix] = Route(device: index, kind: kind)
                mine.append(prefix + suffix)
            }
            topics.append(mine)
        }
        let groups = ControllerConnection.rounds(topics, topicsEach: 3).map { Array($0.joined()) }
        connection = ControllerConnection(settings: settings, groups: groups, fleet: fleet)
        connection.onMessage = { [self] topic, payload in received(topic, payload) }
    }

    static func run(_ arguments: [String]) throws(UsageError) -> Int32 {
        let parsed = try ControllerArguments(arguments, command: "status", flags: flags)
        guard parsed.positional.isEmpty else { throw UsageError("unexpected argument \(parsed.positional[0])") }
        let settings = try ControllerBroker.settings(parsed)
        let fleet = try Fleet(parsed)
        var timeout = defaultTimeout
        if parsed.value("--timeout") != nil { timeout = try ControllerPush.timeout(parsed) }
        let status = ControllerStatus(fleet: fleet, settings: settings)
        return status.execute(timeoutMilliseconds: Int64(timeout * 1000))
    }

    func execute(timeoutMilliseconds: Int64) -> Int32 {
        connection.run(until: Clock.monotonicMilliseconds() + timeoutMilliseconds) { connection.isSynced }
        let synced = connection.isSynced
        connection.close()
        if let fatal = connection.fatal {
            Commands.fail(fatal)
            return 1
        }
        guard synced else {
            Commands.fail("could not reach the broker \(connection.link.settings.broker): \(connection.lastProblem ?? "no answer")")
            return 1
        }
        var rows: [[String]] = []
        for (index, device) in fleet.devices.enumerated() { rows.append([device] + row(known[index])) }
        Commands.output(TextTable.render(["DEVICE", "PRESENCE", "AGENT", "CONFIG VERSION", "PUSHED", "STATUS", "IN FORCE", "LAST ERROR"], rows))
        return 0
    }

    /// PRESENCE, AGENT, CONFIG VERSION, PUSHED, STATUS, IN FORCE, LAST ERROR ("-": not known).
    private func row(_ known: Known) -> [String] {
        var presence = known.state?["state"]?.string ?? "unknown"
        if presence == "offline", let time = known.state?["time"]?.string { presence += " since " + time }
        else if presence == "offline", known.state != nil { presence += " (lost)" }
        var agent = "-"
        if let version = known.meta?["agent"]?["version"]?.string {
            agent = version
            if let arch = known.meta?["agent"]?["arch"]?.string { agent += " " + arch }
        }
        let configVersion = known.meta?["config_version"]?.string ?? "-"
        guard let payload = known.reported else { return [presence, agent, configVersion, "-", "-", "-", "-"] }
        let report = DeviceReport.parse(payload)
        var error = "-"
        if let first = report.errors.first {
            error = first + (report.errors.count > 1 ? " (+\(report.errors.count - 1) more)" : "")
        }
        return [presence, agent, configVersion, report.version.map { "\($0)" } ?? "-", report.status,
                report.inForce.map { "\($0)" } ?? "-", error]
    }

    private func received(_ topic: String, _ payload: [UInt8]) {
        guard let route = routes[topic] else { return }
        let document = payload.isEmpty ? nil : try? JSONParser.parse(String(decoding: payload, as: UTF8.self), maxBytes: Int.max)
        switch route.kind {
        case .state: known[route.device].state = document
        case .meta: known[route.device].meta = document
        case .reported: known[route.device].reported = payload.isEmpty ? nil : payload
        }
    }
}
