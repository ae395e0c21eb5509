import CSystem
import CairnCore

/// Builds the running configuration: each option's default, then the config
/// file (a JSON object whose keys are the option keys), then command-line
/// flags, then `Configuration.finish()`. A reload runs the same steps again.
public enum ConfigLoader {
    public static let maxConfigBytes = 256 * 1024

    /// The option table's defaults, applied like any value (so they are valid by construction).
    public static func defaults() -> Configuration {
        var config = Configuration()
        for option in OptionTable.all {
            let value: OptionValue
            switch option.defaultValue {
            case .none, .described: continue
            case .value(let text, _): value = .builtIn(text)
            case .computed(_, let work): value = .builtIn(work())
            }
            do {
                try option.apply(&config, value)
            } catch {
                fatalError("the default of \(option.key) is invalid: \(error)")
            }
        }
        return config
    }

    /// Defaults, then the file among `arguments`, then the pushed document in
    /// force (if any), then the flags, finished: what `cairn run` runs and a reload re-reads.
    public static func load(_ arguments: [String], pushed: PushedLayer? = nil) throws(ConfigError) -> Configuration {
        var config = defaults()
        try apply(arguments: arguments, to: &config, pushed: pushed)
        return config
    }

    /// Like `load`, for a pushed document that is not in force yet: every error
    /// it has, each with its JSON path. Each top-level setting is checked on its
    /// own, and inside a section (`inputs`, `pipelines`, `rules`) each entry,
    /// so all of them are named. A local file or flags that no longer load are named at `$`.
    public static func check(_ arguments: [String], pushed: PushedLayer) -> Result<Configuration, ConfigErrors> {
        var config = defaults()
        var errors: [ConfigError] = []
        do {
            try build(arguments: arguments, into: &config, pushed: pushed, pushErrors: &errors)
        } catch {
            errors.append(error.line > 0 ? ConfigError("the local configuration does not load: \(error.description)", path: JSONPath.root)
                                         : error.at(JSONPath.root))
        }
        return errors.isEmpty ? .success(config) : .failure(ConfigErrors(errors: errors))
    }

    /// The pushed layer's members over `config`; returns every error (path and message).
    static func apply(pushed: PushedLayer, to config: inout Configuration) -> [ConfigError] {
        guard let members = pushed.config.members else {
            return [ConfigError("the configuration must be a JSON object, not \(pushed.config.kindName)", path: JSONPath.root)]
        }
        var errors: [ConfigError] = []
        for member in members {
            let path = JSONPath.member(JSONPath.root, member.key)
            if OptionTable.notPushable.contains(member.key) {
                errors.append(ConfigError("\(member.key) cannot be set by a push: it is set by the local file or the command line only", path: path))
                continue
            }
            if member.key == "config_public_keys" && !pushed.signed {
                errors.append(ConfigError("config_public_keys can change only in a document signed with a key the device already trusts", path: path))
                continue
            }
            guard let option = OptionTable.option(forKey: member.key) else {
                errors.append(ConfigError("unknown setting \"\(member.key)\"", path: path))
                continue
            }
            do {
                try option.apply(&config, .member(member, source: "push"))
            } catch {
                for error in error.all {
                    errors.append(error.line > 0 || !error.path.isEmpty ? error.at(path) : ConfigError("\(member.key): \(error.message)", path: path))
                }
            }
        }
        return errors
    }

    /// /etc/machine-id, else the host name, else "cairn".
    public static func defaultDeviceID() -> String {
        if let id = Files.readValue("/etc/machine-id"), OptionTable.isTopicSafe(id) { return id }
        var buffer = [CChar](repeating: 0, count: 256)
        if gethostname(&buffer, buffer.count - 1) == 0 {
            let name = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if OptionTable.isTopicSafe(name) { return name }
        }
        return "cairn"
    }

    /// /var/lib/cairn when running as root and it can be created, else ./cairn-data.
    public static func defaultDataDirectory() -> String {
        if geteuid() == 0, (try? Files.makeDirectories("/var/lib/cairn")) != nil,
           "/var/lib/cairn".withCString({ access($0, W_OK) }) == 0 {
            return "/var/lib/cairn"
        }
        return "./cairn-data"
    }

    /// Applies a config file; errors name the file, line and column.
    public static func apply(file path: String, to config: inout Configuration) throws(ConfigError) {
        guard let text = Files.read(path, limit: maxConfigBytes + 1) else {
            throw ConfigError("cannot read the config file", source: path)
        }
        try apply(text: text, source: path, to: &config)
    }

    /// Applies config text as if read from the file `source`; the first error
    /// thrown carries every other one (`check(file:flags:)` names them all).
    public static func apply(text: String, source path: String, to config: inout Configuration) throws(ConfigError) {
        try apply(text: text, source: path, collecting: &config).throwIfAny()
    }

    /// Applies config text setting by setting, and each section entry by entry;
    /// returns every error found. JSON that does not parse is one error: reading stops there.
    /// `skipping`: top-level members the caller reads itself (a provisioning file's inline PEM).
    public static func apply(text: String, source path: String, collecting config: inout Configuration, skipping: Set<String> = []) -> ConfigErrors {
        let document: JSONValue
        do {
            document = try JSONParser.parse(text, maxBytes: maxConfigBytes)
        } catch {
            return ConfigErrors(errors: [ConfigError(error.message, source: path, line: error.line, column: error.column)])
        }
        guard let members = document.members else {
            return ConfigErrors(errors: [ConfigError("the config file must hold a JSON object, not \(document.kindName)", source: path, line: 1, column: 1,
                                                     path: JSONPath.root)])
        }
        config.origin.path = path
        var errors = ConfigErrors()
        for member in members where !skipping.contains(member.key) {
            let memberPath = JSONPath.member(JSONPath.root, member.key)
            guard let option = OptionTable.option(forKey: member.key) else {
                errors.append(ConfigError("unknown setting \"\(member.key)\"", source: path, line: member.line, column: member.column, path: memberPath))
                continue
            }
            do {
                try option.apply(&config, .member(member, source: path))
            } catch {
                for error in error.all {
                    // Sections point inside themselves already.
                    errors.append(error.line > 0 ? error.at(memberPath)
                                                 : ConfigError("\(member.key): \(error.message)", source: path, line: member.line, column: member.column,
                                                               path: error.path.isEmpty ? memberPath : error.path))
                }
            }
        }
        if errors.isEmpty { config.origin.version = "file:" + ConfigLoader.fingerprint(text) }
        return errors
    }

    /// `cairn config check`: the file over the defaults, then `flags`, then
    /// the checks across settings, with every error found rather than the
    /// first. Checks across settings run only when each setting is valid
    /// (an invalid one would leave its default and mislead them).
    public static func check(file path: String, flags: [String]) -> Result<Configuration, ConfigErrors> {
        var errors = ConfigErrors()
        guard let pairs = errors.record({ () throws(ConfigError) in try flagPairs(flags) }) else { return .failure(errors) }
        if pairs.contains(where: { $0.flag == "--config" }) {
            return .failure(ConfigErrors(errors: [ConfigError("--config: the file to check is the first argument")]))
        }
        guard let text = Files.read(path, limit: maxConfigBytes + 1) else {
            return .failure(ConfigErrors(errors: [ConfigError("cannot read the config file", source: path)]))
        }
        return check(text: text, source: path, pairs: pairs)
    }

    /// `check(file:flags:)` for config text not written yet (`cairn init` checks what it will write).
    public static func check(text: String, source path: String) -> Result<Configuration, ConfigErrors> {
        check(text: text, source: path, pairs: [])
    }

    static func check(text: String, source path: String, pairs: [(flag: String, value: String)]) -> Result<Configuration, ConfigErrors> {
        var config = defaults()
        var errors = apply(text: text, source: path, collecting: &config)
        for pair in pairs {
            errors.record { () throws(ConfigError) in try apply(flag: pair, to: &config) }
        }
        if errors.isEmpty {
            errors.record { () throws(ConfigError) in try config.finish() }
        }
        return errors.isEmpty ? .success(config) : .failure(errors)
    }

    /// FNV-1a 64-bit of the text, in hex: the same file gives the same version on every gateway.
    public static func fingerprint(_ text: String) -> String {
        fingerprint(bytes: Array(text.utf8))
    }

    public static func fingerprint(bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((hash >> UInt64(shift)) & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Applies `--flag value` / `--flag=value` pairs, with `--config FILE` read first
    /// wherever it stands, then the pushed layer, so flags always override the
    /// file and a push; then finishes the configuration.
    public static func apply(arguments: [String], to config: inout Configuration, pushed: PushedLayer? = nil) throws(ConfigError) {
        var errors: [ConfigError] = []
        try build(arguments: arguments, into: &config, pushed: pushed, pushErrors: &errors)
        if let first = errors.first { throw first }
    }

    /// The layers in order; errors of the pushed layer are collected (the
    /// configuration is then not finished), all others thrown.
    static func build(arguments: [String], into config: inout Configuration, pushed: PushedLayer?, pushErrors: inout [ConfigError]) throws(ConfigError) {
        let pairs = try flagPairs(arguments)
        for pair in pairs where pair.flag == "--config" {
            try apply(file: pair.value, to: &config)
        }
        if let pushed {
            pushErrors = apply(pushed: pushed, to: &config)
            guard pushErrors.isEmpty else { return }
        }
        for pair in pairs where pair.flag != "--config" {
            try apply(flag: pair, to: &config)
        }
        do {
            try config.finish()
        } catch {
            // With a push, a check across settings is the push's to pass.
            guard pushed != nil else { throw error }
            pushErrors.append(ConfigError(error.message, path: error.path.isEmpty ? JSONPath.root : error.path))
            return
        }
        if let pushed {
            config.origin.pushedVersion = pushed.version
            config.origin.version = "push:\(pushed.version):" + fingerprint(config.origin.version + "\n" + JSONWriter.encode(pushed.config))
        }
    }

    /// One `--flag value` pair over `config`.
    static func apply(flag pair: (flag: String, value: String), to config: inout Configuration) throws(ConfigError) {
        guard let option = OptionTable.option(forFlag: pair.flag) else { return }
        do {
            try option.apply(&config, .text(pair.value))
        } catch {
            if error.line > 0 { throw error }
            throw ConfigError("\(pair.flag): \(error.message)")
        }
    }

    /// `--flag value` / `--flag=value` pairs, in order; unknown flags are errors.
    static func flagPairs(_ arguments: [String]) throws(ConfigError) -> [(flag: String, value: String)] {
        var pairs: [(flag: String, value: String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { throw ConfigError("unexpected argument \"\(argument)\"") }
            let equals = argument.firstIndex(of: "=")
            let flag = equals.map { String(argument[..<$0]) } ?? argument
            // An unknown flag is named as such, whether or not a value follows it.
            guard flag == "--config" || OptionTable.option(forFlag: flag) != nil else {
                throw ConfigError("unknown flag \(flag) (see cairn --help)")
            }
            let value: String
            if let equals {
                value = String(argument[argument.index(after: equals)...])
            } else {
                guard index + 1 < arguments.count else { throw ConfigError("\(argument) needs a value") }
                index += 1
                value = arguments[index]
            }
            pairs.append((flag, value))
            index += 1
        }
        return pairs
    }
}

/// One setting as `cairn config show` prints it: its value and the layer it comes from.
public struct ShownSetting {
    public let key: String
    public let value: String
    public let source: String
}

extension ConfigLoader {
    /// Every setting with the value in force and the layer that set it last:
    /// built-in defaults, then the local file, then the pushed document, then flags.
    /// Throws what `load` would (a layer that does not load).
    public static func show(_ arguments: [String], pushed: PushedLayer?) throws(ConfigError) -> [ShownSetting] {
        _ = try load(arguments, pushed: pushed)
        // A struct, not a labelled tuple (a tuple literal converted to a labelled one can be a dynamic cast).
        var shown: [String: ShownSetting] = [:]
        func set(_ key: String, _ value: String, _ source: String) { shown[key] = ShownSetting(key: key, value: value, source: source) }
        // Sections' credentials (an HTTP input's token) are blanked inside their JSON.
        let secretMembers = OptionTable.secretMembers
        func display(_ value: JSONValue) -> String { JSONWriter.encode(redact(value, secretMembers)) }
        for option in OptionTable.all {
            switch option.defaultValue {
            case .none: set(option.key, "(unset)", "default")
            case .described(let text): set(option.key, "(unset: \(text))", "default")
            case .value(let text, _): set(option.key, text, "default")
            case .computed(_, let work): set(option.key, work(), "default")
            }
        }
        let pairs = try flagPairs(arguments)
        for pair in pairs where pair.flag == "--config" {
            guard let text = Files.read(pair.value, limit: maxConfigBytes + 1) else { continue }
            for member in (try? JSONParser.parse(text, maxBytes: maxConfigBytes))?.members ?? [] {
                set(member.key, display(member.value), "file \(pair.value)")
            }
        }
        if let pushed {
            for member in pushed.config.members ?? [] { set(member.key, display(member.value), "push version \(pushed.version)") }
        }
        for pair in pairs where pair.flag != "--config" {
            guard let option = OptionTable.option(forFlag: pair.flag) else { continue }
            // A section given as a flag is shown as typed, unless it holds a credential.
            var value = pair.value
            if let parsed = try? JSONParser.parse(value, maxBytes: maxConfigBytes), parsed.array != nil || parsed.members != nil,
               redact(parsed, secretMembers) != parsed {
                value = display(parsed)
            }
            set(option.key, value, "flag \(pair.flag)")
        }
        return OptionTable.all.map { option in
            let entry = shown[option.key] ?? ShownSetting(key: option.key, value: "(unset)", source: "default")
            let secret = OptionTable.secret.contains(option.key) && entry.source != "default"
            return ShownSetting(key: option.key, value: secret ? ConfigLoader.notShown : entry.value, source: entry.source)
        }
    }

    static let notShown = "(set, not shown)"

    /// `value` with every member named in `secrets`, at any depth, replaced by `notShown`.
    static func redact(_ value: JSONValue, _ secrets: Set<String>) -> JSONValue {
        if let members = value.members {
            return .object(members.map { member in
                JSONMember(key: member.key, value: secrets.contains(member.key) ? .string(notShown) : redact(member.value, secrets),
                           line: member.line, column: member.column)
            })
        }
        if let items = value.array { return .array(items.map { redact($0, secrets) }) }
        return value
    }
}

/// A pushed configuration document: its version and its full configuration
/// (a patch already merged), applied between the local file and the flags.
public struct PushedLayer {
    public let version: Int64
    /// A JSON object with the same keys as the config file.
    public let config: JSONValue
    /// Whether it was verified against a trusted key (only then may it change `config_public_keys`).
    public let signed: Bool

    public init(version: Int64, config: JSONValue, signed: Bool) {
        self.version = version
        self.config = config
        self.signed = signed
    }
}
