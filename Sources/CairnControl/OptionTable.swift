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
            c.interval = try v.number(in: 0.1...86_400)
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
