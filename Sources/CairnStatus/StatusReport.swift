import CairnCore

/// What a field technician sees in `cairn status`, on the status page and at
/// `/api/status`: written by the running agent to <data-dir>/status.json at each
/// status period, read by the command. It holds the facts (states, lists, texts);
/// every number the agent counts is in its `MetricRegistry`, written out here
/// under `metrics` with the names `/metrics` uses.
public struct StatusReport {
    public var device: String = ""
    public var version: String = BuildInfo.version
    public var pid: Int64 = 0
    public var startedAt: Int64 = 0
    public var updatedAt: Int64 = 0
    /// The broker connected to or tried next (the list's first until the agent tried one).
    public var broker: String = ""
    /// The MQTT version spoken to `broker`, with why when it was negotiated down to 3.1.1.
    public var mqttVersion: String = ""
    public var connection: String = "offline"
    /// When the connection last went up or down (wall ms; the start until then).
    public var connectionSince: Int64 = 0
    public var lastError: String = ""
    public var queueDepth: Int64 = 0
    public var queueUsedBytes: Int64 = 0
    public var queueBudgetBytes: Int64 = 0
    public var clock: String = "trusted"
    /// Alarms currently raised, as "rule sensor".
    public var activeAlarms: [String] = []
    public var failingSensors: [String] = []
    /// The southbound (LAN) broker: "online"/"offline", or "" when none is configured.
    public var southbound: String = ""
    /// HTTP ingest endpoints that could not listen.
    public var httpErrors: [String] = []
    /// The configuration in force ("file:<hash>" or "defaults"), when it was
    /// applied, and why the last reload or push was refused.
    public var configVersion: String = ""
    public var configAppliedAt: Int64 = 0
    public var configLastError: String = ""
    /// Pushed configurations: the version in force (0: none), and the last
    /// report on <prefix>/config/reported ("applied 8", "rolled-back 9: …").
    public var configPushedVersion: Int64 = 0
    public var configPushReport: String = ""
    /// The last provisioning file `cairn init --first-boot` took in or rejected
    /// (outcome, file, at, errors), nil when there has been none.
    public var provisioning: JSONValue?
    public var diskFreeBytes: Int64?
    /// When the client certificate (mTLS) stops being valid (wall ms), when one is configured.
    public var certificateExpires: Int64?
    /// Why the agent is not healthy (empty: healthy); `/healthz` answers 503 with these.
    public var healthReasons: [String] = []
    /// Each sensor seen, with its last value and its recent values (oldest first) for a sparkline.
    public var sensors: [Sensor] = []
    /// Every counter, gauge and histogram, as `/metrics` names them.
    public var metrics: MetricRegistry?

    public struct Sensor {
        public var id: String
        /// The hardware's own name for it ("Core 0"), when it has one.
        public var label: String?
        public var unit: String
        public var value: Double?
        public var failing: Bool
        public var recent: [Double]

        public init(id: String, label: String? = nil, unit: String, value: Double?, failing: Bool, recent: [Double]) {
            self.id = id
            self.label = label
            self.unit = unit
            self.value = value
            self.failing = failing
            self.recent = recent
        }
    }

    public init() {}

    public static let fileName = "status.json"

    /// The document as JSON text: status.json, `/api/status`, `cairn status --json`.
    public func json() -> String { JSONWriter.encode(document()) + "\n" }

    /// The document as a value (the page reads it without a round trip through text).
    public func document() -> JSONValue {
        func member(_ key: String, _ value: JSONValue) -> JSONMember { JSONMember(key: key, value: value) }
        func time(_ ms: Int64) -> JSONValue { .string(Clock.rfc3339(ms)) }
        func int(_ value: Int64) -> JSONValue { .number(Double(value)) }
        func strings(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }
        // Whoever writes this document is the running agent; `cairn status --json` says whether it still runs.
        var out: [JSONMember] = [
            member("running", .bool(true)), member("device", .string(device)), member("version", .string(version)),
            member("pid", int(pid)), member("started_at", time(startedAt)), member("updated_at", time(updatedAt)),
            member("broker", .string(broker)), member("mqtt_version", .string(mqttVersion)),
            member("connection", .string(connection)),
            member("connection_since", time(connectionSince)), member("last_error", .string(lastError)),
            member("health", .object([member("healthy", .bool(healthReasons.isEmpty)), member("reasons", strings(healthReasons))])),
            member("queue_depth", int(queueDepth)), member("queue_used_bytes", int(queueUsedBytes)),
            member("queue_budget_bytes", int(queueBudgetBytes)),
            member("queue_oldest_unsent_seconds", labelled("cairn_queue_oldest_unsent_age_seconds") { $0[0] }),
            member("queue_losses", labelled("cairn_queue_lost_records_total") { "\($0[0]).\($0[1])" }),
            member("clock", .string(clock)), member("active_alarms", strings(activeAlarms)),
            member("failing_sensors", strings(failingSensors)),
        ]
        if !southbound.isEmpty { out.append(member("southbound", .string(southbound))) }
        if !httpErrors.isEmpty { out.append(member("http_errors", strings(httpErrors))) }
        out += [
            member("config_version", .string(configVersion)), member("config_applied_at", time(configAppliedAt)),
            member("config_last_error", .string(configLastError)), member("config_pushed_version", int(configPushedVersion)),
            member("config_push_report", .string(configPushReport)),
        ]
        if let provisioning { out.append(member("provisioning", provisioning)) }
        if let diskFreeBytes { out.append(member("disk_free_bytes", int(diskFreeBytes))) }
        if let certificateExpires { out.append(member("tls_certificate_expires", time(certificateExpires))) }
        out.append(member("sensors", .array(sensors.map { sensor in
            var fields = [member("id", .string(sensor.id))]
            if let label = sensor.label { fields.append(member("label", .string(label))) }
            fields += [
                member("unit", .string(sensor.unit)),
                member("value", sensor.value.flatMap { $0.isFinite ? JSONValue.number($0) : nil } ?? .null),
                member("failing", .bool(sensor.failing)),
                member("recent", .array(sensor.recent.filter { $0.isFinite }.map { .number($0) })),
            ]
            return .object(fields)
        })))
        out.append(member("metrics", metrics.map(MetricsText.document) ?? .object([])))
        return .object(out)
    }

    /// One labelled family of the registry as an object, keyed by `key(labels)`; zero values left out.
    private func labelled(_ name: String, key: ([String]) -> String) -> JSONValue {
        .object((metrics?.named(name)?.series ?? []).filter { $0.value != 0 }.map { JSONMember(key: key($0.labels), value: .number($0.value)) })
    }

    /// Human-readable lines for the terminal, straight from the stored document:
    /// the facts one per line (byte counts in binary units), then each sensor with
    /// its last value and a sparkline of its recent values, then the counters.
    public static func render(_ document: JSONValue) -> String {
        var out = ""
        let members = (document.members ?? []).filter { $0.key != "sensors" && $0.key != "metrics" && $0.key != "running" }
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
            case .object where member.key == "health":
                let reasons = member.value["reasons"]?.array?.compactMap { $0.string } ?? []
                value = reasons.isEmpty ? "healthy" : "NOT HEALTHY: " + reasons.joined(separator: "; ")
            case .object where member.key == "provisioning": value = provisioningText(member.value)
            case .object(let members):
                value = members.isEmpty ? "none" : members.map { "\($0.key) \(JSONWriter.encode($0.value))" }.joined(separator: ", ")
            default: value = JSONWriter.encode(member.value)
            }
            out += padded(words.joined(separator: " "), width) + " \(value)\n"
        }
        let sensors = document["sensors"]?.array ?? []
        if !sensors.isEmpty {
            out += "\nsensors\n"
            let idWidth = sensors.reduce(10) { max($0, ($1["id"]?.string ?? "").utf8.count) }
            for sensor in sensors {
                let unit = sensor["unit"]?.string ?? ""
                var value = sensor["value"]?.number.map { Numbers.format($0) + (unit.isEmpty ? "" : " " + unit) } ?? "-"
                if sensor["failing"]?.bool == true { value += " (failing)" }
                let recent = sensor["recent"]?.array?.compactMap { $0.number } ?? []
                out += "  " + padded(sensor["id"]?.string ?? "?", idWidth) + " " + padded(value, 16) + " " + Sparkline.text(recent) + "\n"
            }
        }
        let counters = document["metrics"]?.members ?? []
        if !counters.isEmpty {
            out += "\nmetrics\n"
            let nameWidth = counters.reduce(20) { max($0, $1.key.utf8.count) }
            for counter in counters {
                out += "  " + padded(counter.key, nameWidth) + " " + (counter.value.number.map { Numbers.format($0) } ?? "-") + "\n"
            }
        }
        return out
    }

    /// The `provisioning` member in words: "applied <time> from <file>", or "rejected …: <errors>".
    public static func provisioningText(_ value: JSONValue) -> String {
        let errors = value["errors"]?.array?.compactMap { $0.string } ?? []
        return "\(value["outcome"]?.string ?? "?") \(value["at"]?.string ?? "") from \(value["file"]?.string ?? "?")"
            + (errors.isEmpty ? "" : ": " + errors.joined(separator: "; "))
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        var out = text
        var count = text.unicodeScalars.count
        while count < width {
            out += " "
            count += 1
        }
        return out
    }
}
