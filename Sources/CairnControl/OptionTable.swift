import CairnCore

/// One setting, declared once: its config key, its flag, its help text and
/// how it is validated and applied. Flags, the config file and `--help` all
/// come from this table (in the manner of Fluent Bit's plugin option maps).
public struct AgentOption {
    public let key: String
    public let placeholder: String
    public let help: String
    public let apply: (inout AgentConfig, OptionValue) throws(ConfigError) -> Void

    public var flag: String {
        "--" + String(decoding: key.utf8.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 }, as: UTF8.self)
    }
}

public enum OptionTable {
    public static let all: [AgentOption] = [
        AgentOption(key: "device_id", placeholder: "ID", help: "device id (default: /etc/machine-id, else the host name)") { c, v throws(ConfigError) in
            let id = try v.string()
            guard isTopicSafe(id) else { throw ConfigError("device id must be 1-128 characters without '/', '+', '#' or spaces") }
            c.deviceID = id
        },
        AgentOption(key: "broker", placeholder: "URL", help: "MQTT broker, mqtt://host[:port] or mqtts://host[:port] (default: mqtt://127.0.0.1:1883)") { c, v throws(ConfigError) in
            let text = try v.string()
            guard let url = BrokerURL.parse(text) else { throw ConfigError("\"\(text)\" is not an mqtt:// or mqtts:// URL") }
            c.broker = url
        },
        AgentOption(key: "ca_file", placeholder: "FILE", help: "CA certificates (PEM) to verify an mqtts:// broker (default: /etc/ssl/certs/ca-certificates.crt)") { c, v throws(ConfigError) in
            c.caFile = try readablePath(v)
        },
        AgentOption(key: "cert_file", placeholder: "FILE", help: "client certificate (PEM) for mutual TLS") { c, v throws(ConfigError) in
            c.certFile = try readablePath(v)
        },
        AgentOption(key: "key_file", placeholder: "FILE", help: "client private key (PEM) for mutual TLS") { c, v throws(ConfigError) in
            c.keyFile = try readablePath(v)
        },
        AgentOption(key: "username", placeholder: "NAME", help: "MQTT user name") { c, v throws(ConfigError) in
            c.username = try v.string()
        },
        AgentOption(key: "password", placeholder: "SECRET", help: "MQTT password (never logged)") { c, v throws(ConfigError) in
            c.password = try v.string()
        },
        AgentOption(key: "data_dir", placeholder: "DIR", help: "queue and state directory (default: /var/lib/cairn as root, else ./cairn-data)") { c, v throws(ConfigError) in
            let path = try v.string()
            guard !path.isEmpty else { throw ConfigError("empty path") }
            c.dataDirectory = path
        },
        AgentOption(key: "sysfs_root", placeholder: "DIR", help: "where sysfs is mounted (default: /sys)") { c, v throws(ConfigError) in
            c.sysfsRoot = try directory(v)
        },
        AgentOption(key: "proc_root", placeholder: "DIR", help: "where procfs is mounted (default: /proc)") { c, v throws(ConfigError) in
            c.procRoot = try directory(v)
        },
        AgentOption(key: "interval", placeholder: "SECONDS", help: "seconds between sensor reads (default: 10)") { c, v throws(ConfigError) in
            c.interval = try v.number(in: 0.01...86_400)
        },
        AgentOption(key: "topic_prefix", placeholder: "PREFIX", help: "MQTT topic prefix (default: cairn/<device-id>)") { c, v throws(ConfigError) in
            let prefix = try v.string()
            guard !prefix.isEmpty, !prefix.hasSuffix("/"), !Text.contains(prefix, "+"), !Text.contains(prefix, "#") else {
                throw ConfigError("topic prefix must be non-empty, without a trailing '/', '+' or '#'")
            }
            c.topicPrefixOverride = prefix
        },
        AgentOption(key: "log_level", placeholder: "LEVEL", help: "debug, info, warning or error (default: info)") { c, v throws(ConfigError) in
            let name = try v.string()
            guard let level = LogLevel(name: name) else { throw ConfigError("\"\(name)\" is not one of debug, info, warning, error") }
            c.logLevel = level
        },
        AgentOption(key: "batch_size", placeholder: "N", help: "readings per telemetry message (default: 100)") { c, v throws(ConfigError) in
            c.batchSize = try v.integer(in: 1...10_000)
        },
        AgentOption(key: "inflight_window", placeholder: "N", help: "QoS 1 messages awaiting PUBACK at once (default: 16)") { c, v throws(ConfigError) in
            c.inflightWindow = try v.integer(in: 1...1000)
        },
        AgentOption(key: "keepalive", placeholder: "SECONDS", help: "MQTT keepalive (default: 30)") { c, v throws(ConfigError) in
            c.keepalive = try v.integer(in: 5...3600)
        },
        AgentOption(key: "reconnect_min", placeholder: "SECONDS", help: "first reconnect delay (default: 1)") { c, v throws(ConfigError) in
            c.reconnectMin = try v.number(in: 0.1...3600)
        },
        AgentOption(key: "reconnect_max", placeholder: "SECONDS", help: "longest reconnect delay (default: 60)") { c, v throws(ConfigError) in
            c.reconnectMax = try v.number(in: 0.1...86_400)
        },
        AgentOption(key: "mqtt_version", placeholder: "VERSION", help: "5 or 3.1.1 (default: 5)") { c, v throws(ConfigError) in
            let version = try v.string()
            guard version == "5" || version == "3.1.1" else { throw ConfigError("\"\(version)\" is not 5 or 3.1.1") }
            c.mqttVersion = version
        },
        AgentOption(key: "compress", placeholder: "BOOL", help: "deflate telemetry payloads when smaller (default: true)") { c, v throws(ConfigError) in
            c.compress = try v.boolean()
        },
        AgentOption(key: "max_message_bytes", placeholder: "BYTES", help: "largest telemetry payload; batches are cut to fit (default: 262144)") { c, v throws(ConfigError) in
            c.maxMessageBytes = try v.integer(in: 1024...268_435_455)
        },
        AgentOption(key: "max_bytes_per_second", placeholder: "BYTES", help: "bandwidth cap for metered links, payload bytes per second (default: 0 = none)") { c, v throws(ConfigError) in
            c.maxBytesPerSecond = Int64(try v.integer(in: 0...1_000_000_000))
        },
        AgentOption(key: "health_interval", placeholder: "SECONDS", help: "seconds between health summaries on <prefix>/health (default: 60, 0 = none)") { c, v throws(ConfigError) in
            c.healthInterval = try v.number(in: 0...86_400)
        },
        AgentOption(key: "backfill_per_second", placeholder: "N", help: "backlog messages per second after an outage, behind live data (default: 0 = unpaced)") { c, v throws(ConfigError) in
            c.backfillPerSecond = try v.number(in: 0...100_000)
        },
        AgentOption(key: "queue_budget_mb", placeholder: "MB", help: "disk budget of the queue; oldest telemetry is evicted, and counted, beyond it (default: 64)") { c, v throws(ConfigError) in
            c.queueBudgetBytes = Int64(try v.number(in: 0.0625...1_000_000) * 1024 * 1024)
        },
        AgentOption(key: "queue_overflow", placeholder: "POLICY", help: "at the budget: drop_oldest, or downsample old telemetry first (default: drop_oldest)") { c, v throws(ConfigError) in
            let policy = try v.string()
            guard policy == "drop_oldest" || policy == "downsample" else { throw ConfigError("\"\(policy)\" is not drop_oldest or downsample") }
            c.queueOverflow = policy
        },
        AgentOption(key: "queue_durability", placeholder: "MODE", help: "normal (survives crashes) or full (also power cuts, more writes) (default: normal)") { c, v throws(ConfigError) in
            let mode = try v.string()
            guard mode == "normal" || mode == "full" else { throw ConfigError("\"\(mode)\" is not normal or full") }
            c.queueDurability = mode
        },
        AgentOption(key: "queue_max_age_telemetry", placeholder: "SECONDS", help: "telemetry older than this is expired, and counted (default: 0 = no limit)") { c, v throws(ConfigError) in
            c.queueMaxAgeSeconds[2] = try v.number(in: 0...315_360_000)
        },
        AgentOption(key: "queue_max_age_metadata", placeholder: "SECONDS", help: "metadata older than this is expired (default: 0 = no limit)") { c, v throws(ConfigError) in
            c.queueMaxAgeSeconds[1] = try v.number(in: 0...315_360_000)
        },
        AgentOption(key: "queue_max_age_events", placeholder: "SECONDS", help: "events older than this are expired (default: 0 = no limit)") { c, v throws(ConfigError) in
            c.queueMaxAgeSeconds[0] = try v.number(in: 0...315_360_000)
        },
        AgentOption(key: "queue_commit_interval", placeholder: "SECONDS", help: "group readings into one transaction at most this often; a crash loses at most this much (default: 0 = every read)") { c, v throws(ConfigError) in
            c.queueCommitInterval = try v.number(in: 0...3600)
        },
        AgentOption(key: "queue_checkpoint_pages", placeholder: "N", help: "WAL pages before a checkpoint (default: 1000)") { c, v throws(ConfigError) in
            c.queueCheckpointPages = try v.integer(in: 16...1_000_000)
        },
        AgentOption(key: "southbound_broker", placeholder: "URL", help: "LAN broker for \"mqtt\" inputs and \"publish\" alarm actions, mqtt[s]://host[:port]") { c, v throws(ConfigError) in
            let text = try v.string()
            guard let url = BrokerURL.parse(text) else { throw ConfigError("\"\(text)\" is not an mqtt:// or mqtts:// URL") }
            c.southboundBroker = url
        },
        AgentOption(key: "southbound_username", placeholder: "NAME", help: "user name on the southbound broker") { c, v throws(ConfigError) in
            c.southboundUsername = try v.string()
        },
        AgentOption(key: "southbound_password", placeholder: "SECRET", help: "password on the southbound broker (never logged)") { c, v throws(ConfigError) in
            c.southboundPassword = try v.string()
        },
        AgentOption(key: "southbound_ca_file", placeholder: "FILE", help: "CA certificates (PEM) to verify an mqtts:// southbound broker (default: the system bundle)") { c, v throws(ConfigError) in
            c.southboundCAFile = try readablePath(v)
        },
        AgentOption(key: "clock_sync_file", placeholder: "FILE", help: "trust the clock only once this file exists, e.g. /run/systemd/timesync/synchronized") { c, v throws(ConfigError) in
            c.clockSyncFile = try v.string()
        },
        AgentOption(key: "clock_hold", placeholder: "SECONDS", help: "how long readings taken before the clock is trusted wait for a correction (default: 600)") { c, v throws(ConfigError) in
            c.clockHoldSeconds = try v.number(in: 0...86_400 * 30)
        },
    ]

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

    static func readablePath(_ value: OptionValue) throws(ConfigError) -> String {
        let path = try value.string()
        guard Files.read(path, limit: 1) != nil else { throw ConfigError("cannot read \(path)") }
        return path
    }

    static func directory(_ value: OptionValue) throws(ConfigError) -> String {
        let path = try value.string()
        guard Files.isDirectory(path) else { throw ConfigError("\(path) is not a directory") }
        return path
    }
}
