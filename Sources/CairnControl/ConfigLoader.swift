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

    /// Defaults, then the file and flags among `arguments`, finished: what `cairn run` runs and a reload re-reads.
    public static func load(_ arguments: [String]) throws(ConfigError) -> Configuration {
        var config = defaults()
        try apply(arguments: arguments, to: &config)
        return config
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

    /// Applies config text as if read from the file `source`.
    public static func apply(text: String, source path: String, to config: inout Configuration) throws(ConfigError) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(text, maxBytes: maxConfigBytes)
        } catch {
            throw ConfigError(error.message, source: path, line: error.line, column: error.column)
        }
        guard let members = document.members else {
            throw ConfigError("the config file must hold a JSON object, not \(document.kindName)", source: path, line: 1, column: 1)
        }
        config.origin.path = path
        for member in members {
            guard let option = OptionTable.option(forKey: member.key) else {
                throw ConfigError("unknown setting \"\(member.key)\"", source: path, line: member.line, column: member.column)
            }
            do {
                try option.apply(&config, .member(member, source: path))
            } catch {
                // Sections point inside themselves already.
                if error.line > 0 { throw error }
                throw ConfigError("\(member.key): \(error.message)", source: path, line: member.line, column: member.column)
            }
        }
        config.origin.version = "file:" + ConfigLoader.fingerprint(text)
    }

    /// FNV-1a 64-bit of the text, in hex: the same file gives the same version on every gateway.
    public static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((hash >> UInt64(shift)) & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Applies `--flag value` / `--flag=value` pairs, with `--config FILE` read first
    /// wherever it stands, so flags always override the file; then finishes the configuration.
    public static func apply(arguments: [String], to config: inout Configuration) throws(ConfigError) {
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
        for pair in pairs where pair.flag == "--config" {
            try apply(file: pair.value, to: &config)
        }
        for pair in pairs where pair.flag != "--config" {
            guard let option = OptionTable.option(forFlag: pair.flag) else { continue }
            do {
                try option.apply(&config, .text(pair.value))
            } catch {
                if error.line > 0 { throw error }
                throw ConfigError("\(pair.flag): \(error.message)")
            }
        }
        try config.finish()
    }
}
