import CSystem
import CairnCore
import CairnMQTT

/// A command-line mistake in `cairn ctl`: printed, exit status 2.
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Flags of a `cairn ctl` command (`--flag VALUE` or `--flag=VALUE`, each may repeat)
/// and its positional arguments.
struct ControllerArguments {
    private var values: [String: [String]] = [:]
    private(set) var positional: [String] = []

    /// `command`: "push", "sign", …, named in messages.
    init(_ arguments: [String], command: String, flags: [String]) throws(UsageError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                positional.append(argument)
                continue
            }
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard flags.contains(name) else { throw UsageError("unknown flag \(name) (see cairn ctl \(command) --help)") }
            if value == nil {
                guard index < arguments.count else { throw UsageError("\(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            values[name, default: []].append(value ?? "")
        }
    }

    /// The flag's value (the last one when given more than once).
    func value(_ flag: String) -> String? { values[flag]?.last }

    func all(_ flag: String) -> [String] { values[flag] ?? [] }
}

/// The devices a command addresses and where their topics are.
struct Fleet {
    static let defaultTemplate = "cairn/{device}"

    let devices: [String]
    /// Topic prefix of a device, e.g. `cairn/{device}`: `{device}` stands for its id.
    let template: String

    /// From `--device ID` (repeatable) and `--devices FILE` (one id per line, `#` starts
    /// a comment), in the order given, each once; `--topic-prefix-template`.
    init(_ arguments: ControllerArguments) throws(UsageError) {
        var ids = arguments.all("--device")
        for path in arguments.all("--devices") {
            guard let text = Files.read(path, limit: 64 << 20) else { throw UsageError("--devices: cannot read \(path)") }
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let content = line.firstIndex(of: "#").map { line[..<$0] } ?? line
                let id = Text.trimmed(content)
                if !id.isEmpty { ids.append(id) }
            }
        }
        var seen: Set<String> = []
        var devices: [String] = []
        for id in ids where !seen.contains(id) {
            guard Fleet.isValidID(id) else {
                throw UsageError("device id \"\(id)\" is not usable in a topic (no /, +, #, spaces or control characters)")
            }
            seen.insert(id)
            devices.append(id)
        }
        guard !devices.isEmpty else { throw UsageError("no devices: give --device ID (repeatable) or --devices FILE") }
        let template = arguments.value("--topic-prefix-template") ?? Fleet.defaultTemplate
        var unknown: String?
        _ = Text.fill(template) { name in
            if name != "device" { unknown = String(name) }
            return ""
        }
        if let unknown { throw UsageError("--topic-prefix-template: unknown placeholder {\(unknown)} (only {device})") }
        guard Text.contains(template, "{device}") else { throw UsageError("--topic-prefix-template must contain {device}") }
        self.devices = devices
        self.template = template
        for device in devices where !Topic.isValidName(prefix(device)) {
            throw UsageError("--topic-prefix-template gives \"\(prefix(device))\", not a topic name")
        }
    }

    func prefix(_ device: String) -> String {
        Text.fill(template) { $0 == "device" ? device : nil }
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && !id.utf8.contains { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }
    }
}

/// How `cairn ctl push` and `status` reach the broker: the agent's own flags.
enum ControllerBroker {
    static let flags = ["--broker", "--ca-file", "--cert-file", "--key-file", "--username", "--password",
                        "--mqtt-version", "--client-id"]

    static func settings(_ arguments: ControllerArguments) throws(UsageError) -> MQTTLinkSettings {
        guard let text = arguments.value("--broker") else { throw UsageError("--broker URL is required (mqtt://host:port or mqtts://host:port)") }
        guard let broker = BrokerURL.parse(text) else { throw UsageError("--broker: \"\(text)\" is not mqtt://host[:port] or mqtts://host[:port]") }
        let clientID = arguments.value("--client-id") ?? "cairn-ctl-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var settings = MQTTLinkSettings(broker: broker, clientID: clientID)
        if let version = arguments.value("--mqtt-version") {
            guard let parsed = MQTTVersion(rawValue: version) else { throw UsageError("--mqtt-version: 5 or 3.1.1") }
            settings.version = parsed
        }
        let certFile = arguments.value("--cert-file")
        let keyFile = arguments.value("--key-file")
        guard (certFile == nil) == (keyFile == nil) else { throw UsageError("--cert-file and --key-file go together") }
        for path in [arguments.value("--ca-file"), certFile, keyFile] {
            if let path, !Files.exists(path) { throw UsageError("cannot read \(path)") }
        }
        if broker.tls {
            settings.tls = MQTTTLS(caFile: arguments.value("--ca-file") ?? MQTTTLS.systemCAFile, certFile: certFile, keyFile: keyFile)
        } else if certFile != nil || arguments.value("--ca-file") != nil {
            throw UsageError("--ca-file, --cert-file and --key-file need an mqtts:// broker")
        }
        settings.username = arguments.value("--username")
        settings.password = arguments.value("--password")
        settings.reconnectMin = 0.5
        settings.reconnectMax = 5
        settings.keepalive = 30
        settings.maxInflight = 100
        settings.noDelay = true
        return settings
    }
}
