import CairnCore
import CairnInputs
import CairnMQTT
import CairnPipeline
import CairnQueue

/// One setting, declared once: its config key, its flag, its default, its help
/// text and how it is validated and applied. Flags, the config file, the
/// defaults and `--help` all come from this table (in the manner of Fluent
/// Bit's plugin option maps).
public struct AgentOption {
    public let key: String
    public let placeholder: String
    /// What the option does; `help` adds the default.
    public let summary: String
    public let defaultValue: OptionDefault
    public let apply: (inout Configuration, OptionValue) throws(ConfigError) -> Void

    public init(key: String, placeholder: String, help: String, default defaultValue: OptionDefault = .none,
                apply: @escaping (inout Configuration, OptionValue) throws(ConfigError) -> Void) {
        self.key = key
        self.placeholder = placeholder
        self.summary = help
        self.defaultValue = defaultValue
        self.apply = apply
    }

    public var help: String { summary + defaultValue.help }

    public var flag: String {
        "--" + String(decoding: key.utf8.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 }, as: UTF8.self)
    }
}

public enum OptionTable {
    public static let all: [AgentOption] = agent + uplink + queue + southbound + sections + clock + control + statusServer

    /// Settings a pushed document may not hold: who the device is, where its data lives, where it is provisioned from.
    public static let notPushable: [String] = ["device_id", "data_dir", "provision_file"]

    /// Credentials: `cairn config show` says whether they are set, never what they are.
    public static let secret: [String] = ["password", "southbound_password", "status_token"]

    /// Section members that are credentials, wherever they stand (an HTTP input's `token`).
    public static var secretMembers: Set<String> {
        var names: Set<String> = []
        for table in sectionKeys { for key in table.keys where key.isSecret { names.insert(key.name) } }
        return names
    }

    static let agent: [AgentOption] = [
        AgentOption(key: "device_id", placeholder: "ID", help: "device id",
                    default: .computed("/etc/machine-id, else the host name", ConfigLoader.defaultDeviceID)) { c, v throws(ConfigError) in
            let id = try v.string()
            guard isTopicSafe(id) else { throw ConfigError("device id must be 1-128 characters without '/', '+', '#' or spaces") }
            c.agent.deviceID = id
        },
        AgentOption(key: "broker", placeholder: "URL[,URL...]",
                    help: "MQTT broker, mqtt://host[:port] or mqtts://host[:port]; several (a JSON array, or comma-separated as a flag) are tried in turn on failure",
                    default: .value("mqtt://127.0.0.1:1883")) { c, v throws(ConfigError) in
            c.uplink.brokers = try brokerList(v)
        },
        AgentOption(key: "ca_file", placeholder: "FILE", help: "CA certificates (PEM) to verify an mqtts:// broker",
                    default: .described(MQTTTLS.systemCAFile)) { c, v throws(ConfigError) in
            c.uplink.caFile = try readablePath(v, checked: c.origin.checksFiles)
        },
        AgentOption(key: "cert_file", placeholder: "FILE", help: "client certificate (PEM) for mutual TLS") { c, v throws(ConfigError) in
            c.uplink.certFile = try readablePath(v, checked: c.origin.checksFiles)
        },
        AgentOption(key: "key_file", placeholder: "FILE", help: "client private key (PEM) for mutual TLS") { c, v throws(ConfigError) in
            c.uplink.keyFile = try readablePath(v, checked: c.origin.checksFiles)
        },
        AgentOption(key: "username", placeholder: "NAME", help: "MQTT user name") { c, v throws(ConfigError) in
            c.uplink.username = try v.string()
        },
        AgentOption(key: "password", placeholder: "SECRET", help: "MQTT password (never logged)") { c, v throws(ConfigError) in
            c.uplink.password = try v.string()
        },
        AgentOption(key: "data_dir", placeholder: "DIR", help: "queue and state directory",
                    default: .computed("/var/lib/cairn as root, else ./cairn-data", ConfigLoader.defaultDataDirectory)) { c, v throws(ConfigError) in
            let path = try v.string()
            guard !path.isEmpty else { throw ConfigError("empty path") }
            c.agent.dataDirectory = path
        },
        AgentOption(key: "sysfs_root", placeholder: "DIR", help: "where sysfs is mounted", default: .value("/sys")) { c, v throws(ConfigError) in
            c.agent.sysfsRoot = try directory(v, checked: c.origin.checksFiles)
        },
        AgentOption(key: "proc_root", placeholder: "DIR", help: "where procfs is mounted", default: .value("/proc")) { c, v throws(ConfigError) in
            c.agent.procRoot = try directory(v, checked: c.origin.checksFiles)
        },
        AgentOption(key: "interval", placeholder: "SECONDS", help: "seconds between sensor reads", default: .value("10")) { c, v throws(ConfigError) in
            c.agent.interval = try v.number(in: 0.01...86_400)
        },
        AgentOption(key: "topic_prefix", placeholder: "PREFIX", help: "MQTT topic prefix", default: .described("cairn/<device-id>")) { c, v throws(ConfigError) in
            let prefix = try v.string()
            guard !prefix.isEmpty, !prefix.hasSuffix("/"), !Text.contains(prefix, "+"), !Text.contains(prefix, "#") else {
                throw ConfigError("topic prefix must be non-empty, without a trailing '/', '+' or '#'")
            }
            c.agent.topicPrefixOverride = prefix
        },
        AgentOption(key: "log_level", placeholder: "LEVEL", help: "debug, info, warning or error", default: .value("info")) { c, v throws(ConfigError) in
            let name = try v.string()
            guard let level = LogLevel(name: name) else { throw ConfigError("\"\(name)\" is not one of debug, info, warning, error") }
            c.agent.logLevel = level
        },
        AgentOption(key: "provision_file", placeholder: "FILE",
                    help: "per-device provisioning file that cairn init --first-boot takes in at start (docs/provisioning.md)",
                    default: .value("/boot/cairn-provision.json")) { c, v throws(ConfigError) in
            let path = try v.string()
            guard path.hasPrefix("/") else { throw ConfigError("\"\(path)\" is not an absolute path") }
            c.agent.provisionFile = path
        },
    ]

    static let uplink: [AgentOption] = [
        AgentOption(key: "batch_size", placeholder: "N", help: "readings per telemetry message", default: .value("100")) { c, v throws(ConfigError) in
            c.uplink.batchSize = try v.integer(in: 1...10_000)
        },
        AgentOption(key: "inflight_window", placeholder: "N", help: "QoS 1 messages awaiting PUBACK at once", default: .value("16")) { c, v throws(ConfigError) in
            c.uplink.window = try v.integer(in: 1...1000)
        },
        AgentOption(key: "keepalive", placeholder: "SECONDS", help: "MQTT keepalive", default: .value("30")) { c, v throws(ConfigError) in
            c.uplink.keepalive = try v.integer(in: 5...3600)
        },
        AgentOption(key: "reconnect_min", placeholder: "SECONDS", help: "first reconnect delay", default: .value("1")) { c, v throws(ConfigError) in
            c.uplink.reconnectMin = try v.number(in: 0.1...3600)
        },
        AgentOption(key: "reconnect_max", placeholder: "SECONDS", help: "longest reconnect delay", default: .value("60")) { c, v throws(ConfigError) in
            c.uplink.reconnectMax = try v.number(in: 0.1...86_400)
        },
        AgentOption(key: "mqtt_version", placeholder: "VERSION",
                    help: "5 or 3.1.1; unset, MQTT 5 is tried and a broker that refuses it as unsupported is spoken to in 3.1.1",
                    default: .value("auto", shown: "unset: auto")) { c, v throws(ConfigError) in
            let version = try v.string()
            if version == "auto" {
                c.uplink.version = nil
                return
            }
            guard let parsed = MQTTVersion(rawValue: version) else { throw ConfigError("\"\(version)\" is not 5, 3.1.1 or auto") }
            c.uplink.version = parsed
        },
        AgentOption(key: "compress", placeholder: "BOOL", help: "deflate telemetry payloads when smaller", default: .value("true")) { c, v throws(ConfigError) in
            c.uplink.compress = try v.boolean()
        },
        AgentOption(key: "compress_level", placeholder: "LEVEL", help: "zlib level for compress, 1 (fastest) to 9 (smallest)",
                    default: .value("1")) { c, v throws(ConfigError) in
            c.uplink.compressLevel = Int32(try v.integer(in: 1...9))
        },
        AgentOption(key: "max_message_bytes", placeholder: "BYTES", help: "largest telemetry payload; batches are cut to fit",
                    default: .value("262144")) { c, v throws(ConfigError) in
            c.uplink.maxMessageBytes = try v.integer(in: 1024...268_435_455)
        },
        AgentOption(key: "max_bytes_per_second", placeholder: "BYTES", help: "bandwidth cap for metered links, payload bytes per second",
                    default: .value("0", shown: "0 = none")) { c, v throws(ConfigError) in
            c.uplink.maxBytesPerSecond = Int64(try v.integer(in: 0...1_000_000_000))
        },
        AgentOption(key: "health_interval", placeholder: "SECONDS", help: "seconds between health summaries on <prefix>/health",
                    default: .value("60", shown: "60, 0 = none")) { c, v throws(ConfigError) in
            c.agent.healthInterval = try v.number(in: 0...86_400)
        },
        AgentOption(key: "backfill_per_second", placeholder: "N", help: "backlog messages per second after an outage, behind live data",
                    default: .value("0", shown: "0 = unpaced")) { c, v throws(ConfigError) in
            c.uplink.backfillPerSecond = try v.number(in: 0...100_000)
        },
    ]

    static let queue: [AgentOption] = [
        AgentOption(key: "queue_budget_mb", placeholder: "MB", help: "disk budget of the queue; oldest telemetry is evicted, and counted, beyond it",
                    default: .value("64")) { c, v throws(ConfigError) in
            c.queue.budgetBytes = Int64(try v.number(in: 0.0625...1_000_000) * 1024 * 1024)
        },
        AgentOption(key: "queue_overflow", placeholder: "POLICY", help: "at the budget: drop_oldest, or downsample old telemetry first",
                    default: .value("drop_oldest")) { c, v throws(ConfigError) in
            let policy = try v.string()
            guard let overflow = QueueOptions.Overflow(rawValue: policy) else { throw ConfigError("\"\(policy)\" is not drop_oldest or downsample") }
            c.queue.overflow = overflow
        },
        AgentOption(key: "queue_durability", placeholder: "MODE", help: "normal (survives crashes) or full (also power cuts, more writes)",
                    default: .value("normal")) { c, v throws(ConfigError) in
            let mode = try v.string()
            guard let durability = QueueOptions.Durability(rawValue: mode) else { throw ConfigError("\"\(mode)\" is not normal or full") }
            c.queue.durability = durability
        },
        AgentOption(key: "queue_max_age_telemetry", placeholder: "SECONDS", help: "telemetry older than this is expired, and counted",
                    default: .value("0", shown: "0 = no limit")) { c, v throws(ConfigError) in
            c.queue.maxAge[Int(QueueStream.telemetry.rawValue)] = try milliseconds(v, in: 0...315_360_000)
        },
        AgentOption(key: "queue_max_age_metadata", placeholder: "SECONDS", help: "metadata older than this is expired",
                    default: .value("0", shown: "0 = no limit")) { c, v throws(ConfigError) in
            c.queue.maxAge[Int(QueueStream.metadata.rawValue)] = try milliseconds(v, in: 0...315_360_000)
        },
        AgentOption(key: "queue_max_age_events", placeholder: "SECONDS", help: "events older than this are expired",
                    default: .value("0", shown: "0 = no limit")) { c, v throws(ConfigError) in
            c.queue.maxAge[Int(QueueStream.events.rawValue)] = try milliseconds(v, in: 0...315_360_000)
        },
        AgentOption(key: "queue_commit_interval", placeholder: "SECONDS",
                    help: "group readings into one transaction at most this often (0: every read); a crash loses at most this much",
                    default: .value("2")) { c, v throws(ConfigError) in
            c.agent.commitInterval = try v.number(in: 0...3600)
        },
        AgentOption(key: "queue_checkpoint_pages", placeholder: "N", help: "WAL pages before a checkpoint", default: .value("1000")) { c, v throws(ConfigError) in
            c.queue.checkpointPages = try v.integer(in: 16...1_000_000)
        },
    ]

    static let southbound: [AgentOption] = [
        AgentOption(key: "southbound_broker", placeholder: "URL", help: "LAN broker for \"mqtt\" inputs and \"publish\" alarm actions, mqtt[s]://host[:port]") { c, v throws(ConfigError) in
            c.southbound.broker = try brokerURL(v)
        },
        AgentOption(key: "southbound_username", placeholder: "NAME", help: "user name on the southbound broker") { c, v throws(ConfigError) in
            c.southbound.username = try v.string()
        },
        AgentOption(key: "southbound_password", placeholder: "SECRET", help: "password on the southbound broker (never logged)") { c, v throws(ConfigError) in
            c.southbound.password = try v.string()
        },
        AgentOption(key: "southbound_ca_file", placeholder: "FILE", help: "CA certificates (PEM) to verify an mqtts:// southbound broker",
                    default: .described("the system bundle")) { c, v throws(ConfigError) in
            c.southbound.caFile = try readablePath(v, checked: c.origin.checksFiles)
        },
    ]

    /// The sensor sections: JSON arrays in the file (or as a flag's value), read by each layer's own reader.
    static let sections: [AgentOption] = [
        AgentOption(key: "inputs", placeholder: "JSON", help: "what to read: hwmon, thermal, health, iio, w1, command, file, mqtt, http (docs/pipeline.md)",
                    default: .value(#"[{"type": "hwmon"}, {"type": "thermal"}, {"type": "health"}]"#, shown: "hwmon, thermal and health")) { c, v throws(ConfigError) in
            let (member, source) = try v.section("inputs")
            c.inputs = try InputSettings.parse(member, source: source)
        },
        AgentOption(key: "pipelines", placeholder: "JSON", help: "stages per sensor pattern: scale, range, deadband, rate_limit, window, spike",
                    default: .value("[]", shown: "none")) { c, v throws(ConfigError) in
            let (member, source) = try v.section("pipelines")
            c.pipelines = try PipelineSettings.parse(member, source: source)
        },
        AgentOption(key: "rules", placeholder: "JSON", help: "alarm rules with hysteresis, duration and local actions",
                    default: .value("[]", shown: "none")) { c, v throws(ConfigError) in
            let (member, source) = try v.section("rules")
            c.rules = try RuleSettings.parse(member, source: source)
        },
    ]

    /// The members of each kind of section entry (an input of each type, a
    /// pipeline, a stage of each type, a rule, an action), with their defaults,
    /// as each layer declares them beside its reader; docs/config.md lists them.
    public static var sectionKeys: [SectionKeys] {
        InputRegistry.sectionKeys + PipelineSettings.sectionKeys + RuleSettings.sectionKeys
    }

    static let clock: [AgentOption] = [
        AgentOption(key: "clock_sync_file", placeholder: "FILE", help: "trust the clock only once this file exists, e.g. /run/systemd/timesync/synchronized") { c, v throws(ConfigError) in
            c.agent.clockSyncFile = try v.string()
        },
        AgentOption(key: "clock_hold", placeholder: "SECONDS", help: "how long readings taken before the clock is trusted wait for a correction",
                    default: .value("600")) { c, v throws(ConfigError) in
            c.agent.clockHoldSeconds = try v.number(in: 0...86_400 * 30)
        },
    ]

    /// Pushed configurations on <prefix>/config/desired (docs/protocol.md).
    static let control: [AgentOption] = [
        AgentOption(key: "config_public_keys", placeholder: "KEYS",
                    help: "Ed25519 public keys (PEM text or PEM file paths; a JSON array, or one path as a flag) that pushed configurations must be signed with",
                    default: .value("[]", shown: "none: plain documents are taken")) { c, v throws(ConfigError) in
            c.control.publicKeys = try publicKeys(v)
        },
        AgentOption(key: "config_max_bytes", placeholder: "BYTES", help: "largest pushed configuration document read; larger ones are rejected unread",
                    default: .value("262144")) { c, v throws(ConfigError) in
            c.control.maxDocumentBytes = try v.integer(in: 1024...16_777_216)
        },
        AgentOption(key: "config_confirm_timeout", placeholder: "SECONDS",
                    help: "a pushed configuration without a CONNACK from the broker within this time is rolled back to the last-known-good",
                    default: .value("300")) { c, v throws(ConfigError) in
            c.control.confirmTimeout = try v.number(in: 1...86_400)
        },
    ]

    /// The local status server (docs/status.md).
    static let statusServer: [AgentOption] = [
        AgentOption(key: "status_listen", placeholder: "ADDR:PORT",
                    help: "where the status page, /metrics, /healthz and /api/status listen: an IP literal and port, or off; off loopback it needs status_token",
                    default: .value("127.0.0.1:\(StatusSettings.defaultPort)")) { c, v throws(ConfigError) in
            let text = try v.string()
            guard let listen = StatusSettings.parseListen(text) else {
                throw ConfigError("\"\(text)\" is not off, ADDRESS:PORT or [IPv6]:PORT with an IP address and a port 1-65535")
            }
            c.status.listen = listen
        },
        AgentOption(key: "status_token", placeholder: "TOKEN",
                    help: "bearer token every status request must carry (at least 16 characters); required when status_listen is not loopback") { c, v throws(ConfigError) in
            c.status.token = try v.string()
        },
        AgentOption(key: "health_offline_limit", placeholder: "SECONDS",
                    help: "/healthz reports unhealthy once the broker has been unreachable this long", default: .value("600")) { c, v throws(ConfigError) in
            c.status.offlineLimit = try v.number(in: 1...86_400 * 30)
        },
    ]

    /// A JSON array of strings (file, push, or a flag starting with '['), or one string (a flag).
    static func publicKeys(_ value: OptionValue) throws(ConfigError) -> [String] {
        let items: [JSONValue]
        switch value {
        case .text(let text) where !text.hasPrefix("["):
            items = [.string(text)]
        default:
            let (member, _) = try value.section("config_public_keys")
            guard let array = member.value.array else { throw ConfigError("expected an array of strings, found \(member.value.kindName)") }
            items = array
        }
        var keys: [String] = []
        for (index, item) in items.enumerated() {
            guard let key = item.string, !key.isEmpty else {
                throw ConfigError("key \(index + 1): expected a non-empty string, found \(item.kindName)", path: "$.config_public_keys[\(index)]")
            }
            if key.hasPrefix("-----BEGIN") {
                guard key.hasPrefix("-----BEGIN PUBLIC KEY-----") else {
                    throw ConfigError("key \(index + 1): expected a PEM public key (-----BEGIN PUBLIC KEY-----)", path: "$.config_public_keys[\(index)]")
                }
            } else if Files.read(key, limit: 1) == nil {
                throw ConfigError("key \(index + 1): cannot read \(key)", path: "$.config_public_keys[\(index)]")
            }
            keys.append(key)
        }
        return keys
    }

    public static func option(forKey key: String) -> AgentOption? {
        all.first { $0.key == key }
    }

    public static func option(forFlag flag: String) -> AgentOption? {
        all.first { $0.flag == flag }
    }

    static func isTopicSafe(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 128 else { return false }
        for byte in text.utf8 where byte == UInt8(ascii: "/") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#") || byte <= 0x20 {
            return false
        }
        return true
    }

    static func brokerURL(_ value: OptionValue) throws(ConfigError) -> BrokerURL {
        let text = try value.string()
        guard let url = BrokerURL.parse(text) else { throw ConfigError("\"\(text)\" is not an mqtt:// or mqtts:// URL") }
        return url
    }

    /// One URL (a string; as a flag, comma-separated URLs) or a JSON array of URL strings.
    static func brokerList(_ value: OptionValue) throws(ConfigError) -> [BrokerURL] {
        let items: [JSONValue]
        var isArray = false
        switch value {
        case .text(let text), .builtIn(let text):
            items = text.split(separator: ",", omittingEmptySubsequences: false).map { .string(String($0)) }
        case .json(let json):
            isArray = json.array != nil
            items = json.array ?? [json]
        case .member(let member, _):
            isArray = member.value.array != nil
            items = member.value.array ?? [member.value]
        }
        guard !items.isEmpty else { throw ConfigError("expected at least one mqtt:// or mqtts:// URL, found an empty array") }
        var brokers: [BrokerURL] = []
        for (index, item) in items.enumerated() {
            let path = isArray ? "$.broker[\(index)]" : ""
            let which = items.count > 1 ? "broker \(index + 1): " : ""
            guard let text = item.string else { throw ConfigError("\(which)expected a string, found \(item.kindName)", path: path) }
            guard let url = BrokerURL.parse(text) else { throw ConfigError("\(which)\"\(text)\" is not an mqtt:// or mqtts:// URL", path: path) }
            brokers.append(url)
        }
        return brokers
    }

    static func milliseconds(_ value: OptionValue, in range: ClosedRange<Double>) throws(ConfigError) -> Int64 {
        Int64(try value.number(in: range) * 1000)
    }

    static func readablePath(_ value: OptionValue, checked: Bool) throws(ConfigError) -> String {
        let path = try value.string()
        guard value.isBuiltIn || !checked || Files.read(path, limit: 1) != nil else { throw ConfigError("cannot read \(path)") }
        return path
    }

    static func directory(_ value: OptionValue, checked: Bool) throws(ConfigError) -> String {
        let path = try value.string()
        guard value.isBuiltIn || !checked || Files.isDirectory(path) else { throw ConfigError("\(path) is not a directory") }
        return path
    }
}
