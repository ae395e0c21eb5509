import CairnCore

/// The agent's answer to the desired configuration, retained on
/// `<prefix>/config/reported` (docs/protocol.md):
///
///     {"version": 8, "status": "applied", "in_force": 8, "config_version": "push:8:…",
///      "errors": [{"path": "$.inputs[2].port", "message": "…"}], "time": 1795495676207}
struct ConfigReport: Equatable {
    enum Status: String {
        case applied
        case rejected
        case rolledBack = "rolled-back"
        case pendingConfirmation = "pending-confirmation"
    }

    /// The desired version this report is about (0: the payload had none that could be read).
    var version: Int64
    var status: Status
    /// The pushed version now running (0: none, the local file only).
    var inForce: Int64
    /// The same as meta's `config_version`.
    var configVersion: String
    var errors: [ConfigIssue]
    /// When it was decided, ms since the epoch.
    var time: Int64

    var value: JSONValue {
        .object([
            JSONMember(key: "version", value: .number(Double(version))),
            JSONMember(key: "status", value: .string(status.rawValue)),
            JSONMember(key: "in_force", value: .number(Double(inForce))),
            JSONMember(key: "config_version", value: .string(configVersion)),
            JSONMember(key: "errors", value: ConfigReport.issues(errors)),
            JSONMember(key: "time", value: .number(Double(time))),
        ])
    }

    var json: String { JSONWriter.encode(value) }

    static func issues(_ list: [ConfigIssue]) -> JSONValue {
        .array(list.map { .object([JSONMember(key: "path", value: .string($0.path)), JSONMember(key: "message", value: .string($0.message))]) })
    }

    init(version: Int64, status: Status, inForce: Int64, configVersion: String, errors: [ConfigIssue], time: Int64) {
        self.version = version
        self.status = status
        self.inForce = inForce
        self.configVersion = configVersion
        self.errors = errors
        self.time = time
    }

    init?(_ value: JSONValue) {
        guard let version = value["version"]?.integer, let status = value["status"]?.string.flatMap({ Status(rawValue: $0) }),
              let inForce = value["in_force"]?.integer, let configVersion = value["config_version"]?.string,
              let errors = value["errors"]?.array, let time = value["time"]?.integer else { return nil }
        var issues: [ConfigIssue] = []
        for error in errors {
            guard let path = error["path"]?.string, let message = error["message"]?.string else { return nil }
            issues.append(ConfigIssue(path, message))
        }
        self.init(version: version, status: status, inForce: inForce, configVersion: configVersion, errors: issues, time: time)
    }
}
