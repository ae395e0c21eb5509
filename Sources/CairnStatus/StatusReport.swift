import CairnCore

/// What a field technician sees in `cairn status`: written by the running
/// agent to <data-dir>/status.json at each read, read by the command.
public struct StatusReport {
    public var device: String = ""
    public var version: String = BuildInfo.version
    public var pid: Int64 = 0
    public var startedAt: Int64 = 0
    public var updatedAt: Int64 = 0
    public var broker: String = ""
    public var connection: String = "offline"
    public var lastError: String = ""
    public var queueDepth: Int64 = 0
    public var queueUsedBytes: Int64 = 0
    public var queueBudgetBytes: Int64 = 0
    /// "<stream>.<reason>" → records lost that way, since the queue file was created.
    public var queueLosses: [(String, Int64)] = []
    public var clock: String = "trusted"
    public var inflightMessages: Int64 = 0
    public var readingsTaken: Int64 = 0
    public var readingsStored: Int64 = 0
    public var readingsNotStored: Int64 = 0
    public var recordsDelivered: Int64 = 0
    /// Telemetry payload bytes as JSON, and as sent (after compression).
    public var payloadBytesJSON: Int64 = 0
    public var payloadBytesSent: Int64 = 0
    public var sensorFailures: Int64 = 0
    /// Readings dropped by range checks and spike filters.
    public var readingsRejected: Int64 = 0
    /// Alarms currently raised, as "rule sensor".
    public var activeAlarms: [String] = []
    public var failingSensors: [String] = []
    public var connections: Int64 = 0
    public var connectFailures: Int64 = 0
    /// The southbound (LAN) broker: "online"/"offline", or "" when none is configured.
    public var southbound: String = ""
    public var southboundMessages: Int64 = 0
    public var southboundMessagesRejected: Int64 = 0
    public var alarmActionsPublished: Int64 = 0
    /// HTTP ingest: requests taken and refused (4xx), and endpoints that could not listen.
    public var httpRequestsAccepted: Int64 = 0
    public var httpRequestsRejected: Int64 = 0
    public var httpErrors: [String] = []
    /// The configuration in force ("file:<hash>" or "defaults"), when it was
    /// applied, how many reloads were applied and refused, and why the last was refused.
    public var configVersion: String = ""
    public var configAppliedAt: Int64 = 0
    public var configReloads: Int64 = 0
    public var configReloadFailed: Int64 = 0
    public var configLastError: String = ""
    /// Pushed configurations: the version in force (0: none), and the last
    /// report on <prefix>/config/reported ("applied 8", "rolled-back 9: …").
    public var configPushedVersion: Int64 = 0
    public var configPushReport: String = ""
    /// Registrations in the event loop (constant across reloads that change nothing in number).
    public var loopSources: Int64 = 0
    public var loopTimers: Int64 = 0
    public var loopDeadlines: Int64 = 0
    public var loopHooks: Int64 = 0

    public init() {}

    public static let fileName = "status.json"

    public func json() -> String {
        var w = JSONWriter(reservingCapacity: 512)
        w.beginObject()
        w.key("device"); w.string(device)
        w.key("version"); w.string(version)
        w.key("pid"); w.integer(pid)
        w.key("started_at"); w.string(Clock.rfc3339(startedAt))
        w.key("updated_at"); w.string(Clock.rfc3339(updatedAt))
        w.key("broker"); w.string(broker)
        w.key("connection"); w.string(connection)
        w.key("last_error"); w.string(lastError)
        w.key("queue_depth"); w.integer(queueDepth)
        w.key("queue_used_bytes"); w.integer(queueUsedBytes)
        w.key("queue_budget_bytes"); w.integer(queueBudgetBytes)
        w.key("queue_losses")
        w.beginObject()
        for (key, count) in queueLosses { w.key(key); w.integer(count) }
        w.endObject()
        w.key("clock"); w.string(clock)
        w.key("inflight_messages"); w.integer(inflightMessages)
        w.key("readings_taken"); w.integer(readingsTaken)
        w.key("readings_stored"); w.integer(readingsStored)
        w.key("readings_not_stored"); w.integer(readingsNotStored)
        w.key("records_delivered"); w.integer(recordsDelivered)
        w.key("payload_bytes_json"); w.integer(payloadBytesJSON)
        w.key("payload_bytes_sent"); w.integer(payloadBytesSent)
        w.key("sensor_failures"); w.integer(sensorFailures)
        w.key("readings_rejected"); w.integer(readingsRejected)
        w.key("active_alarms")
        w.beginArray()
        for alarm in activeAlarms { w.string(alarm) }
        w.endArray()
        w.key("failing_sensors")
        w.beginArray()
        for sensor in failingSensors { w.string(sensor) }
        w.endArray()
        w.key("connections"); w.integer(connections)
        w.key("connect_failures"); w.integer(connectFailures)
        if !southbound.isEmpty {
            w.key("southbound"); w.string(southbound)
            w.key("southbound_messages"); w.integer(southboundMessages)
            w.key("southbound_messages_rejected"); w.integer(southboundMessagesRejected)
            w.key("alarm_actions_published"); w.integer(alarmActionsPublished)
        }
        if httpRequestsAccepted + httpRequestsRejected > 0 || !httpErrors.isEmpty {
            w.key("http_requests_accepted"); w.integer(httpRequestsAccepted)
            w.key("http_requests_rejected"); w.integer(httpRequestsRejected)
            w.key("http_errors")
            w.beginArray()
            for error in httpErrors { w.string(error) }
            w.endArray()
        }
        w.key("config_version"); w.string(configVersion)
        w.key("config_applied_at"); w.string(Clock.rfc3339(configAppliedAt))
        w.key("config_reloads"); w.integer(configReloads)
        w.key("config_reload_failed"); w.integer(configReloadFailed)
        w.key("config_last_error"); w.string(configLastError)
        w.key("config_pushed_version"); w.integer(configPushedVersion)
        w.key("config_push_report"); w.string(configPushReport)
        w.key("event_loop")
        w.beginObject()
        w.key("sources"); w.integer(loopSources)
        w.key("timers"); w.integer(loopTimers)
        w.key("deadlines"); w.integer(loopDeadlines)
        w.key("hooks"); w.integer(loopHooks)
        w.endObject()
        w.endObject()
        return w.text + "\n"
    }

    /// Human-readable lines for the terminal, straight from the stored document;
    /// byte counts (`*_bytes`) in binary units.
    public static func render(_ document: JSONValue) -> String {
        var out = ""
        let members = document.members ?? []
        let width = members.reduce(20) { max($0, $1.key.utf8.count) }
        for member in members {
            var words = member.key.split(separator: "_").map(String.init)
            let value: String
            switch member.value {
            case .number(let n) where words.contains("bytes"):
                value = Numbers.bytes(Int64(n))
                words.removeAll { $0 == "bytes" }
            case .string(let s): value = s.isEmpty ? "-" : s
            case .number(let n): value = Numbers.format(n)
            case .array(let items):
                value = items.isEmpty ? "-" : items.compactMap { $0.string }.joined(separator: ", ")
            case .object(let members):
                value = members.isEmpty ? "none" : members.map { "\($0.key) \(JSONWriter.encode($0.value))" }.joined(separator: ", ")
            default: value = JSONWriter.encode(member.value)
            }
            var label = words.joined(separator: " ")
            while label.utf8.count < width { label += " " }
            out += "\(label) \(value)\n"
        }
        return out
    }
}
