import CairnCore
import CairnInputs
import CairnPipeline
import CairnQueue
import CairnUplink

/// Everything the agent runs on, as each layer's own typed settings, built
/// in one place: the option table's defaults, then the config file, then
/// flags (`ConfigLoader`), finished by `finish()`.
public struct Configuration: Equatable {
    public var agent = AgentSettings()
    public var uplink = UplinkSettings(clientID: "", broker: BrokerURL(tls: false, host: "127.0.0.1", port: 1883), topicPrefix: "")
    /// The queue file's path is filled in from the data directory (`queueOptions`).
    public var queue = QueueOptions(path: "")
    public var southbound = SouthboundSettings()
    public var inputs: [InputSettings] = []
    public var pipelines: [PipelineSettings] = []
    public var rules: [RuleSettings] = []
    /// How pushed configurations are taken (`<prefix>/config/desired`).
    public var control = ControlSettings()
    /// The local status server (page, `/metrics`, `/healthz`, `/api/status`).
    public var status = StatusSettings()
    /// Where the configuration came from and which one it is.
    public var origin = ConfigOrigin()

    public init() {}

    public var queueOptions: QueueOptions {
        var options = queue
        options.path = "\(agent.dataDirectory)/queue.db"
        return options
    }

    /// Fills in what one setting derives from others (identities, the topic
    /// prefix) and checks what spans several; call after the last layer.
    public mutating func finish() throws(ConfigError) {
        uplink.clientID = agent.deviceID
        uplink.topicPrefix = agent.topicPrefix
        southbound.clientID = "cairn-\(agent.deviceID)"
        southbound.keepalive = uplink.keepalive
        southbound.reconnectMin = uplink.reconnectMin
        southbound.reconnectMax = uplink.reconnectMax
        if uplink.reconnectMax < uplink.reconnectMin {
            throw ConfigError("reconnect_max must not be less than reconnect_min", path: "$.reconnect_max")
        }
        if (uplink.certFile == nil) != (uplink.keyFile == nil) {
            throw ConfigError("cert_file and key_file go together for mutual TLS", path: uplink.certFile == nil ? "$.key_file" : "$.cert_file")
        }
        if let problem = status.problem { throw ConfigError(problem.message, path: problem.path) }
        if southbound.broker == nil, let use = southboundUse {
            throw ConfigError("\(use.what) needs southbound_broker (the LAN broker), which is not set",
                              source: origin.path, line: use.line, column: use.column, path: use.path)
        }
    }

    /// The first setting that needs `southbound_broker` (an mqtt input, a publish
    /// action), as "what", line, column and JSON path; nil when none does.
    public var southboundUse: (what: String, line: Int, column: Int, path: String)? {
        if let index = inputs.firstIndex(where: { $0.type == MQTTInput.typeName }) {
            let input = inputs[index]
            return ("an \"mqtt\" input", input.position.line, input.position.column, "$.inputs[\(index)]")
        }
        for (ruleIndex, rule) in rules.enumerated() {
            if let index = rule.actions.firstIndex(where: { $0.kind == .publish }) {
                let action = rule.actions[index]
                return ("rule \"\(rule.name)\" has a \"publish\" action that", action.position.line, action.position.column,
                        "$.rules[\(ruleIndex)].actions[\(index)]")
            }
        }
        return nil
    }
}

/// The agent's own settings: who it is, where its files are, its timers.
/// Every default is in the option table; the values here are placeholders.
public struct AgentSettings: Equatable {
    public var deviceID = ""
    /// Set when the prefix is configured; otherwise it follows the device id.
    public var topicPrefixOverride: String?
    public var topicPrefix: String { topicPrefixOverride ?? "cairn/\(deviceID)" }
    public var dataDirectory = ""
    public var sysfsRoot = ""
    public var procRoot = ""
    public var logLevel = LogLevel.info
    /// Seconds between sensor reads (inputs without their own interval).
    public var interval = 0.0
    /// Seconds between health summaries on <prefix>/health (0: none).
    public var healthInterval = 0.0
    /// Readings are committed together at most this many seconds apart (0: every read).
    public var commitInterval = 2.0
    /// File whose existence says NTP has synchronised the clock; nil trusts any time past 2026.
    public var clockSyncFile: String?
    /// Seconds this boot's untrusted-clock records wait for a correction before being sent flagged.
    public var clockHoldSeconds = 0.0
    /// The per-device provisioning file `cairn init --first-boot` takes in (docs/provisioning.md).
    public var provisionFile = ""

    public init() {}

    /// Milliseconds between writes of the status file.
    public var statusPeriod: Int64 { max(5000, Int64(interval * 1000)) }
}

/// Which configuration is in force: "file:<FNV-1a 64 of the file>", or
/// "defaults" without a file; with a pushed document in force
/// "push:<version>:<FNV-1a 64 of the file's version and the pushed configuration>".
/// Reported in meta, in the reported document and in agent.started/config.applied events.
public struct ConfigOrigin: Equatable {
    /// The config file (empty: none), for error messages and reloads.
    public var path = ""
    public var version = "defaults"
    /// The pushed document's version in force (0: none, the local file only).
    public var pushedVersion: Int64 = 0
    /// Whether values that name files (`ca_file`, `sysfs_root`, …) are checked
    /// against the file system as they are applied. Only the config fuzz target
    /// (Fuzz/Targets) turns it off, so that fuzzed text never opens a file.
    public var checksFiles = true

    public init() {}
}

/// Pushed configurations: who may sign them, how large they may be, how long
/// a new one has to prove itself (a CONNACK) before it is rolled back.
public struct ControlSettings: Equatable {
    /// Ed25519 public keys (PEM text or file paths); empty: plain documents are taken.
    public var publicKeys: [String] = []
    /// The largest payload on <prefix>/config/desired that is read at all.
    public var maxDocumentBytes = 0
    /// Seconds a pushed configuration has to get a CONNACK before it is rolled back.
    public var confirmTimeout = 0.0

    public init() {}
}
